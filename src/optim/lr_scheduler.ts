/**
 * Learning-rate schedulers with PyTorch 1.13's sequences. A scheduler wraps an optimizer and rewrites
 * each group's `lr` when `step()` is called — once per epoch (or per batch, for OneCycleLR) after
 * `optimizer.step()`:
 * ```
 * const sched = new optim.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(...); sched.step(); }
 * ```
 * Construction performs PyTorch's initial step, so `getLastLr()` right after `new` is the lr of epoch 0.
 * Groups gain `initialLr` (PyTorch's `initial_lr`), the lr the schedule starts from.
 */
import { ValueError } from '../core/errors.js';
import { checkOptionKeys, optionKeys, type OptionKeySet } from '../core/options.js';
import type { Optimizer } from './optimizer.js';

/** Any optimizer, whatever its options type: what the schedulers drive and `createOptimizer` returns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Optimizer<O> is invariant in its group type; a scheduler drives any optimizer
export type AnyOptimizer = Optimizer<any>;
type Group = Record<string, unknown> & { lr: number };

/** Python's modulo (the result has the sign of the divisor). */
const pyMod = (a: number, m: number): number => ((a % m) + m) % m;

function groups(opt: AnyOptimizer): Group[] {
  return opt.paramGroups as unknown as Group[];
}

function schedError(name: string, message: string): ValueError {
  return new ValueError(`${name}: ${message}`, 'E_HYPERPARAM');
}

/**
 * Check a scheduler's first two arguments (an optimizer, an options object) and return the options'
 * `lastEpoch` (default −1), so that a JavaScript caller who forgets one gets a typed error, not a
 * TypeError from inside the constructor.
 */
function schedArgs<O extends object>(name: string, optimizer: unknown, opts: O, keys: NoInfer<OptionKeySet<O>>): number {
  if (!optimizer || typeof optimizer !== 'object' || !Array.isArray((optimizer as AnyOptimizer).paramGroups))
    throw schedError(
      name,
      `expected an optimizer as the first argument, e.g. new ${name}(opt, { ... }), got ${optimizer === null ? 'null' : typeof optimizer}`,
    );
  if (!opts || typeof opts !== 'object' || Array.isArray(opts))
    throw schedError(
      name,
      `expected an options object as the second argument, e.g. new ${name}(opt, { ... }), got ${opts === null ? 'null' : Array.isArray(opts) ? 'an array' : typeof opts}`,
    );
  checkOptionKeys(name, opts, optionKeys<O>()(keys));
  const e = (opts as { lastEpoch?: unknown }).lastEpoch ?? -1;
  if (typeof e !== 'number' || !Number.isInteger(e) || e < -1)
    throw schedError(name, `lastEpoch must be an integer ≥ −1, got ${JSON.stringify(e)}`);
  return e;
}

/** A decay factor γ: a finite non-negative number (undefined would turn every lr into NaN). */
function checkGamma(name: string, gamma: unknown): number {
  if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0)
    throw schedError(name, `gamma must be a finite non-negative number, got ${JSON.stringify(gamma)}`);
  return gamma;
}

/** Copy plain data (numbers, arrays, objects) so a state dict shares nothing with the scheduler. */
function copyPlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyPlain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyPlain(x)]));
  return v;
}

/** Keys that are not state: the optimizer and anything callable. */
const NOT_STATE = new Set(['optimizer', 'lrLambdas', 'schedulers']);

abstract class SchedulerBase {
  readonly optimizer: AnyOptimizer;
  protected lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer) {
    this.optimizer = optimizer;
  }

  /** The lr of each group as last set by this scheduler. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** Every field except the optimizer (and user functions), copied; restore with `loadStateDict`. */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (!NOT_STATE.has(k) && typeof v !== 'function') out[k] = copyPlain(v);
    return out;
  }

  /**
   * Restore a `stateDict()` (the optimizer itself is not part of it).
   * @throws ValueError if `sd` is not an object or holds a key this scheduler does not have.
   */
  loadStateDict(sd: Record<string, unknown>): void {
    if (!sd || typeof sd !== 'object') throw new ValueError(`${this.constructor.name}.loadStateDict: expected an object`);
    for (const [k, v] of Object.entries(sd)) {
      if (NOT_STATE.has(k)) continue;
      if (!(k in this)) throw new ValueError(`${this.constructor.name}.loadStateDict: unexpected key "${k}"`);
      (this as Record<string, unknown>)[k] = copyPlain(v);
    }
  }
}

/**
 * The base of epoch-indexed schedulers (PyTorch's `_LRScheduler`). Subclasses give `getLr()` (the
 * recursive/chainable form used by `step()`) and optionally `closedFormLr()` (used by `step(epoch)`).
 */
export abstract class LRScheduler extends SchedulerBase {
  /** The lr of each group when the schedule started. */
  baseLrs: number[];
  /** Index of the current epoch (−1 before the initial step). */
  lastEpoch: number;
  protected stepCount = 0;

  constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    super(optimizer);
    const gs = groups(optimizer);
    if (lastEpoch === -1) {
      for (const g of gs) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      gs.forEach((g, i) => {
        if (g.initialLr === undefined)
          throw new ValueError(
            `${new.target.name}: paramGroups[${i}].initialLr is not set; it is needed to resume a schedule with lastEpoch ${lastEpoch}`,
          );
      });
    }
    this.baseLrs = gs.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Subclasses call this at the end of their constructor (PyTorch's initial `step()`). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The lrs for `lastEpoch`, from the groups' current lrs (the chainable form). */
  protected abstract getLr(): number[];

  /** The lrs for `lastEpoch` in closed form (for `step(epoch)`), when the schedule has one. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** Advance one epoch (or jump to `epoch`) and write the new lr into each group. */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.setLrs(values);
  }

  /** Write one lr per group into the optimizer and remember them for `getLastLr()`. */
  protected setLrs(values: readonly number[]): void {
    const gs = groups(this.optimizer);
    gs.forEach((g, i) => (g.lr = values[i]!));
    this.lastLr = gs.map((g) => g.lr);
  }
}

/** lr ← lr·γ every `stepSize` epochs: `lr_e = base·γ^⌊e/stepSize⌋`. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(optimizer, schedArgs('StepLR', optimizer, opts, { stepSize: true, gamma: true, lastEpoch: true }));
    if (!Number.isInteger(opts.stepSize) || opts.stepSize < 1)
      throw schedError('StepLR', `stepSize must be a positive integer, got ${opts.stepSize}`);
    this.stepSize = opts.stepSize;
    this.gamma = checkGamma('StepLR', opts.gamma ?? 0.1);
    this.initialStep();
  }
  protected getLr(): number[] {
    const gs = groups(this.optimizer);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return gs.map((g) => g.lr);
    return gs.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** lr ← lr·γ at each milestone epoch (a milestone listed twice multiplies by γ²). */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { milestones: readonly number[]; gamma?: number; lastEpoch?: number }) {
    super(optimizer, schedArgs('MultiStepLR', optimizer, opts, { milestones: true, gamma: true, lastEpoch: true }));
    if (!Array.isArray(opts.milestones)) throw schedError('MultiStepLR', 'milestones must be a list of epoch indices');
    this.milestones = opts.milestones.slice().sort((a, b) => a - b);
    this.gamma = checkGamma('MultiStepLR', opts.gamma ?? 0.1);
    this.initialStep();
  }
  protected getLr(): number[] {
    const gs = groups(this.optimizer);
    const n = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (n === 0) return gs.map((g) => g.lr);
    return gs.map((g) => g.lr * this.gamma ** n);
  }
  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/** lr ← lr·γ every epoch: `lr_e = base·γ^e`. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { gamma: number; lastEpoch?: number }) {
    super(optimizer, schedArgs('ExponentialLR', optimizer, opts, { gamma: true, lastEpoch: true }));
    this.gamma = checkGamma('ExponentialLR', opts.gamma);
    this.initialStep();
  }
  protected getLr(): number[] {
    const gs = groups(this.optimizer);
    if (this.lastEpoch === 0) return gs.map((g) => g.lr);
    return gs.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Cosine annealing from the base lr to `etaMin` over `tMax` epochs, computed recursively like PyTorch
 * (so it composes with other changes to lr); past `tMax` it climbs back up with period `2·tMax`.
 * Closed form: `etaMin + (base − etaMin)·(1 + cos(π·e/tMax))/2`.
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: AnyOptimizer, opts: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer, schedArgs('CosineAnnealingLR', optimizer, opts, { tMax: true, etaMin: true, lastEpoch: true }));
    if (!(opts.tMax > 0)) throw schedError('CosineAnnealingLR', `tMax must be positive, got ${opts.tMax}`);
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    this.initialStep();
  }
  protected getLr(): number[] {
    const gs = groups(this.optimizer);
    const { tMax, etaMin, lastEpoch: e } = this;
    if (e === 0) return gs.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / tMax))) / 2);
    if (pyMod(e - 1 - tMax, 2 * tMax) === 0)
      return gs.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    return gs.map((g) => ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (g.lr - etaMin) + etaMin);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/**
 * SGDR (Loshchilov & Hutter): cosine annealing restarted every `tI` epochs, `tI` starting at `t0` and
 * multiplied by `tMult` after each restart. `step(epoch)` accepts fractional epochs (per-batch use).
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  tI: number;
  tMult: number;
  etaMin: number;
  tCur: number;
  constructor(optimizer: AnyOptimizer, opts: { t0: number; tMult?: number; etaMin?: number; lastEpoch?: number }) {
    const lastEpoch = schedArgs('CosineAnnealingWarmRestarts', optimizer, opts, { t0: true, tMult: true, etaMin: true, lastEpoch: true });
    super(optimizer, lastEpoch);
    const tMult = opts.tMult ?? 1;
    if (!Number.isInteger(opts.t0) || opts.t0 <= 0)
      throw schedError('CosineAnnealingWarmRestarts', `expected a positive integer t0, got ${opts.t0}`);
    if (!Number.isInteger(tMult) || tMult < 1)
      throw schedError('CosineAnnealingWarmRestarts', `expected an integer tMult >= 1, got ${tMult}`);
    this.t0 = opts.t0;
    this.tI = opts.t0;
    this.tMult = tMult;
    this.etaMin = opts.etaMin ?? 0;
    this.tCur = lastEpoch;
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else {
      if (epoch < 0) throw schedError('CosineAnnealingWarmRestarts', `expected a non-negative epoch, got ${epoch}`);
      if (epoch >= this.t0) {
        if (this.tMult === 1) this.tCur = epoch % this.t0;
        else {
          const n = Math.floor(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.stepCount++;
    this.lastEpoch = Math.floor(epoch);
    this.setLrs(this.getLr());
  }
}

/**
 * Scale the lr linearly from `startFactor·base` to `endFactor·base` over `totalIters` epochs, then keep
 * it: `lr_e = base·(start + (end − start)·min(e, totalIters)/totalIters)`.
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, opts: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super(optimizer, schedArgs('LinearLR', optimizer, opts, { startFactor: true, endFactor: true, totalIters: true, lastEpoch: true }));
    const s = opts.startFactor ?? 1 / 3;
    const e = opts.endFactor ?? 1;
    if (!(s > 0 && s <= 1)) throw schedError('LinearLR', `startFactor must be in (0, 1], got ${s}`);
    if (!(e >= 0 && e <= 1)) throw schedError('LinearLR', `endFactor must be in [0, 1], got ${e}`);
    this.startFactor = s;
    this.endFactor = e;
    this.totalIters = opts.totalIters ?? 5;
    this.initialStep();
  }
  protected getLr(): number[] {
    const gs = groups(this.optimizer);
    const { startFactor: s, endFactor: f, totalIters: n, lastEpoch: e } = this;
    if (e === 0) return gs.map((g) => g.lr * s);
    if (e > n) return gs.map((g) => g.lr);
    return gs.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(n, this.lastEpoch)) / n));
  }
}

/** `lr_e = base·lrLambda(e)`, one function for all groups or one per group. Functions are not saved in `stateDict`. */
export class LambdaLR extends LRScheduler {
  /** One lr factor function per parameter group: the group's lr at epoch e is `initialLr · lrLambdas[g](e)`. */
  lrLambdas: ((epoch: number) => number)[];
  constructor(
    optimizer: AnyOptimizer,
    opts: { lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]; lastEpoch?: number },
  ) {
    super(optimizer, schedArgs('LambdaLR', optimizer, opts, { lrLambda: true, lastEpoch: true }));
    const n = optimizer.paramGroups.length;
    const l = opts.lrLambda;
    if (Array.isArray(l)) {
      if (l.length !== n) throw schedError('LambdaLR', `expected ${n} lrLambdas (one per parameter group), got ${l.length}`);
      this.lrLambdas = l.slice();
    } else if (typeof l === 'function') this.lrLambdas = new Array(n).fill(l);
    else throw schedError('LambdaLR', 'lrLambda must be a function of the epoch, or a list of them');
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i]!(this.lastEpoch));
  }
}

/**
 * Multiply the lr by `factor` for the first `totalIters` epochs, then use the base lr
 * (a constant warm-up): `lr_e = base·(e < totalIters ? factor : 1)`.
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, opts: { factor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super(optimizer, schedArgs('ConstantLR', optimizer, opts, { factor: true, totalIters: true, lastEpoch: true }));
    const f = opts.factor ?? 1 / 3;
    if (!(f >= 0 && f <= 1)) throw schedError('ConstantLR', `factor must be between 0 and 1, got ${f}`);
    this.factor = f;
    this.totalIters = opts.totalIters ?? 5;
    this.initialStep();
  }
  protected getLr(): number[] {
    const gs = groups(this.optimizer);
    if (this.lastEpoch === 0) return gs.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return gs.map((g) => g.lr);
    return gs.map((g) => g.lr * (1 / this.factor));
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 - this.factor : 0)));
  }
}

/** Polynomial decay to 0 over `totalIters` epochs: `lr_e = base·(1 − min(e, totalIters)/totalIters)^power`. */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;
  constructor(optimizer: AnyOptimizer, opts: { totalIters?: number; power?: number; lastEpoch?: number } = {}) {
    super(optimizer, schedArgs('PolynomialLR', optimizer, opts, { totalIters: true, power: true, lastEpoch: true }));
    this.totalIters = opts.totalIters ?? 5;
    this.power = opts.power ?? 1;
    if (!(this.totalIters > 0)) throw schedError('PolynomialLR', `totalIters must be positive, got ${this.totalIters}`);
    this.initialStep();
  }
  protected getLr(): number[] {
    const gs = groups(this.optimizer);
    const { lastEpoch: e, totalIters: n } = this;
    if (e === 0 || e > n) return gs.map((g) => g.lr);
    const decay = ((1 - e / n) / (1 - (e - 1) / n)) ** this.power;
    return gs.map((g) => g.lr * decay);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}

/**
 * Run schedulers one after another, switching at the `milestones` epochs (PyTorch's SequentialLR),
 * e.g. a linear warm-up then cosine annealing:
 * ```
 * new SequentialLR(opt, { schedulers: [new LinearLR(opt, { startFactor: 0.1, totalIters: 5 }),
 *                                      new CosineAnnealingLR(opt, { tMax: 95 })], milestones: [5] });
 * ```
 * Each scheduler restarts from its own epoch 0 (closed form) at its milestone.
 */
export class SequentialLR extends SchedulerBase {
  schedulers: LRScheduler[];
  milestones: number[];
  lastEpoch: number;
  constructor(optimizer: AnyOptimizer, opts: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number }) {
    const name = 'SequentialLR';
    const lastEpoch = schedArgs(name, optimizer, opts, { schedulers: true, milestones: true, lastEpoch: true });
    super(optimizer);
    const { schedulers, milestones } = opts;
    if (!Array.isArray(schedulers) || schedulers.length < 1) throw schedError(name, 'expects at least one scheduler');
    schedulers.forEach((sc, i) => {
      if (sc.optimizer !== optimizer)
        throw schedError(name, `scheduler at index ${i} is bound to a different optimizer than the one passed to SequentialLR`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1)
      throw schedError(
        name,
        `expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${JSON.stringify(milestones)}`,
      );
    this.schedulers = schedulers.slice();
    this.milestones = milestones.slice();
    this.lastEpoch = lastEpoch + 1;
    // undo the initial steps the schedulers took when they were built, then start the first one
    for (const g of groups(optimizer)) g.lr = g.initialLr as number;
    for (const sc of this.schedulers) sc.lastEpoch -= 1;
    (this.schedulers[0] as unknown as { initialStep(): void }).initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  /** Advance one epoch: step the scheduler whose milestone range holds the new epoch (restarting it at 0 at its milestone). */
  step(): void {
    this.lastEpoch++;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const sc = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) sc.step(0);
    else sc.step();
    this.lastLr = sc.getLastLr();
  }

  /** Own fields plus each wrapped scheduler's state dict (under `schedulers`). */
  override stateDict(): Record<string, unknown> {
    const out = super.stateDict();
    out.schedulers = this.schedulers.map((sc) => sc.stateDict());
    return out;
  }

  /**
   * Restore a `stateDict()`: own fields, then each wrapped scheduler's state.
   * @throws ValueError if a field is unknown.
   */
  override loadStateDict(sd: Record<string, unknown>): void {
    const { schedulers, ...own } = sd;
    super.loadStateDict(own);
    this.schedulers = (this.schedulers ?? []).slice();
    if (Array.isArray(schedulers)) schedulers.forEach((s, i) => this.schedulers[i]?.loadStateDict(s as Record<string, unknown>));
  }
}

/** Options of `OneCycleLR`; unknown keys throw a `ValueError`. Defaults as PyTorch (pctStart 0.3, cosine annealing, divFactor 25, finalDivFactor 1e4). */
export interface OneCycleLROptions {
  /** Peak lr (one for all groups, or one per group). */
  maxLr: number | number[];
  /** Number of steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD) or β1 (Adam) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** Initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** Final lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to initial, annihilate) instead of two. */
  threePhase?: boolean;
  lastEpoch?: number;
}

/** One phase of a OneCycleLR schedule: up to step `endStep` it anneals each group from the value of its field named `startLr` to the field named `endLr` (momentum likewise). */
export interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/**
 * The 1cycle policy (Smith & Topin): lr rises from `maxLr/divFactor` to `maxLr` over the first
 * `pctStart` of the steps, then anneals to `initial/finalDivFactor`; momentum (or Adam's β1) moves the
 * opposite way between `maxMomentum` and `baseMomentum`. Step it after every batch, `totalSteps` times.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;
  schedulePhases: Phase[];

  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions) {
    const name = 'OneCycleLR';
    const lastEpoch = schedArgs('OneCycleLR', optimizer, opts, {
      maxLr: true,
      totalSteps: true,
      epochs: true,
      stepsPerEpoch: true,
      pctStart: true,
      annealStrategy: true,
      cycleMomentum: true,
      baseMomentum: true,
      maxMomentum: true,
      divFactor: true,
      finalDivFactor: true,
      threePhase: true,
      lastEpoch: true,
    });
    const gs = groups(optimizer);
    const perGroup = (v: number | number[], what: string): number[] => {
      if (Array.isArray(v)) {
        if (v.length !== gs.length) throw schedError(name, `expected ${gs.length} values for ${what}, got ${v.length}`);
        return v.slice();
      }
      return gs.map(() => v);
    };
    let total: number;
    if (opts.totalSteps !== undefined) {
      if (!Number.isInteger(opts.totalSteps) || opts.totalSteps <= 0)
        throw schedError(name, `expected a positive integer totalSteps, got ${opts.totalSteps}`);
      total = opts.totalSteps;
    } else if (opts.epochs !== undefined && opts.stepsPerEpoch !== undefined) {
      if (!Number.isInteger(opts.epochs) || opts.epochs <= 0)
        throw schedError(name, `expected a positive integer epochs, got ${opts.epochs}`);
      if (!Number.isInteger(opts.stepsPerEpoch) || opts.stepsPerEpoch <= 0)
        throw schedError(name, `expected a positive integer stepsPerEpoch, got ${opts.stepsPerEpoch}`);
      total = opts.epochs * opts.stepsPerEpoch;
    } else throw schedError(name, 'you must define either totalSteps OR (epochs AND stepsPerEpoch)');
    const pct = opts.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw schedError(name, `expected pctStart between 0 and 1, got ${pct}`);
    const anneal = opts.annealStrategy ?? 'cos';
    if (anneal !== 'cos' && anneal !== 'linear')
      throw schedError(name, `annealStrategy must be 'cos' or 'linear', got ${JSON.stringify(anneal)}`);
    const divFactor = opts.divFactor ?? 25;
    const finalDiv = opts.finalDivFactor ?? 1e4;
    const maxLrs = perGroup(opts.maxLr, 'maxLr');
    if (lastEpoch === -1)
      gs.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = (g.initialLr as number) / finalDiv;
      });
    const cycle = opts.cycleMomentum ?? true;
    let useBeta1 = false;
    if (cycle) {
      const d = optimizer.defaults as Record<string, unknown>;
      if (!('momentum' in d) && !('betas' in d))
        throw schedError(name, 'the optimizer must support momentum (SGD, RMSprop) or betas (Adam) with cycleMomentum enabled');
      useBeta1 = 'betas' in d;
      const maxM = perGroup(opts.maxMomentum ?? 0.95, 'maxMomentum');
      const baseM = perGroup(opts.baseMomentum ?? 0.85, 'baseMomentum');
      if (lastEpoch === -1)
        gs.forEach((g, i) => {
          if (useBeta1) g.betas = [maxM[i]!, (g.betas as number[])[1]!];
          else g.momentum = maxM[i]!;
          g.maxMomentum = maxM[i]!;
          g.baseMomentum = baseM[i]!;
        });
    }
    super(optimizer, lastEpoch);
    this.totalSteps = total;
    this.annealStrategy = anneal;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.schedulePhases = opts.threePhase
      ? [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pct * total - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: total - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: total - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      throw new ValueError(
        `OneCycleLR: tried to step ${stepNum} times; the specified number of total steps is ${this.totalSteps}`,
        'E_SCHEDULE_OVER',
      );
    return groups(this.optimizer).map((g) => {
      let start = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < this.schedulePhases.length; i++) {
        const ph = this.schedulePhases[i]!;
        if (stepNum <= ph.endStep || i === this.schedulePhases.length - 1) {
          const pct = (stepNum - start) / (ph.endStep - start);
          lr = this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum) momentum = this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct);
          break;
        }
        start = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, (g.betas as number[])[1]!];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}

/** Options of `ReduceLROnPlateau`; unknown keys throw a `ValueError`. Defaults as PyTorch (mode 'min', factor 0.1, patience 10, threshold 1e-4 'rel'). */
export interface ReduceLROnPlateauOptions {
  /** 'min' (default): reduce when the metric stops decreasing; 'max': when it stops increasing. */
  mode?: 'min' | 'max';
  /** New lr = lr·factor (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best value; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr (one for all groups or one per group; default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduce the lr by `factor` when a metric has stopped improving for `patience` epochs.
 * Call `step(metric)` once per epoch with the validation loss (or accuracy, with mode 'max').
 */
export class ReduceLROnPlateau extends SchedulerBase {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  cooldownCounter = 0;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  lastEpoch = 0;

  constructor(optimizer: AnyOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    schedArgs('ReduceLROnPlateau', optimizer, opts, {
      mode: true,
      factor: true,
      patience: true,
      threshold: true,
      thresholdMode: true,
      cooldown: true,
      minLr: true,
      eps: true,
    });
    super(optimizer);
    const name = 'ReduceLROnPlateau';
    this.factor = opts.factor ?? 0.1;
    if (!(this.factor < 1)) throw schedError(name, `factor should be < 1.0, got ${this.factor}`);
    const n = optimizer.paramGroups.length;
    const minLr = opts.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw schedError(name, `expected ${n} minLr values (one per parameter group), got ${minLr.length}`);
      this.minLrs = minLr.slice();
    } else this.minLrs = new Array(n).fill(minLr);
    this.mode = opts.mode ?? 'min';
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.mode !== 'min' && this.mode !== 'max')
      throw schedError(name, `mode ${JSON.stringify(this.mode)} is unknown; use 'min' or 'max'`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs')
      throw schedError(name, `thresholdMode ${JSON.stringify(this.thresholdMode)} is unknown; use 'rel' or 'abs'`);
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.cooldown = opts.cooldown ?? 0;
    this.eps = opts.eps ?? 1e-8;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = groups(optimizer).map((g) => g.lr);
  }

  /** Also accepts a JSON round-tripped state dict, where an infinite `best` became null. */
  override loadStateDict(sd: Record<string, unknown>): void {
    super.loadStateDict(sd);
    if (this.best === null || this.best === undefined) this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** Record this epoch's metric; reduce the lr if it has not improved for more than `patience` epochs. */
  step(metric: number | { item(): number }, epoch?: number): void {
    const current =
      typeof metric === 'number'
        ? metric
        : metric !== null && typeof metric === 'object' && typeof metric.item === 'function'
          ? metric.item()
          : undefined;
    if (typeof current !== 'number')
      throw schedError(
        'ReduceLROnPlateau',
        `step() needs the epoch's metric, a number or a 0-d tensor (e.g. sched.step(valLoss)), got ${metric === null ? 'null' : typeof metric}`,
      );
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      groups(this.optimizer).forEach((g, i) => {
        const old = g.lr;
        const next = Math.max(old * this.factor, this.minLrs[i]!);
        if (old - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = groups(this.optimizer).map((g) => g.lr);
  }
}

/** Options of `CyclicLR`; unknown keys throw a `ValueError`. Defaults as PyTorch (stepSizeUp 2000, mode 'triangular'). */
export interface CyclicLROptions {
  /** Lower lr bound of the cycle (one for all groups or one per group); the groups start here. */
  baseLr: number | number[];
  /** Upper lr bound (one or per group); the amplitude may be scaled down by the mode. */
  maxLr: number | number[];
  /** Steps (batches) of the rising half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Steps of the falling half (default: stepSizeUp). */
  stepSizeDown?: number | null;
  /** 'triangular' (constant amplitude), 'triangular2' (halved every cycle) or 'exp_range' (scaled by gamma^step). Ignored with `scaleFn`. */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** The base of 'exp_range' (default 1). */
  gamma?: number;
  /** A custom amplitude scale in [0, 1] of the cycle number or step (see `scaleMode`); replaces `mode`. */
  scaleFn?: ((x: number) => number) | null;
  /** What `scaleFn` is given: 'cycle' (the cycle number, default) or 'iterations' (the step). */
  scaleMode?: 'cycle' | 'iterations';
  /** Move momentum inversely to the lr, between baseMomentum and maxMomentum (default true; needs SGD/RMSprop momentum). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  lastEpoch?: number;
}

/**
 * Cyclical learning rates (Smith 2017), PyTorch 1.13's `CyclicLR`: the lr goes from `baseLr` up to
 * `maxLr` over `stepSizeUp` steps and back down over `stepSizeDown`, cycle after cycle, with the
 * amplitude scaled by the mode; momentum cycles the other way. Step it after every batch:
 * ```
 * cycle = ⌊1 + step/(up + down)⌋, x = 1 + step/(up + down) − cycle
 * scale = x ≤ up/(up + down) ? x·(up + down)/up : (x − 1)/(up/(up + down) − 1)
 * lr = baseLr + (maxLr − baseLr)·scale·f(cycle or step); momentum = maxM − (maxM − baseM)·scale·f(…)
 * ```
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: 'triangular' | 'triangular2' | 'exp_range';
  gamma: number;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  baseMomentums: number[];
  maxMomentums: number[];
  private readonly scaleFn: ((x: number) => number) | null;

  constructor(optimizer: AnyOptimizer, opts: CyclicLROptions) {
    const name = 'CyclicLR';
    const lastEpoch = schedArgs(name, optimizer, opts, {
      baseLr: true,
      maxLr: true,
      stepSizeUp: true,
      stepSizeDown: true,
      mode: true,
      gamma: true,
      scaleFn: true,
      scaleMode: true,
      cycleMomentum: true,
      baseMomentum: true,
      maxMomentum: true,
      lastEpoch: true,
    });
    const gs = groups(optimizer);
    const perGroup = (v: unknown, what: string): number[] => {
      const arr = Array.isArray(v) ? (v as number[]).slice() : gs.map(() => v as number);
      if (arr.length !== gs.length) throw schedError(name, `expected ${gs.length} values for ${what}, got ${arr.length}`);
      for (const x of arr)
        if (typeof x !== 'number' || !Number.isFinite(x))
          throw schedError(name, `${what} must be a finite number (or one per group), got ${JSON.stringify(v)}`);
      return arr;
    };
    const baseLrs = perGroup(opts.baseLr, 'baseLr');
    const maxLrs = perGroup(opts.maxLr, 'maxLr');
    const up = opts.stepSizeUp ?? 2000;
    const down = opts.stepSizeDown ?? up;
    for (const [v, what] of [
      [up, 'stepSizeUp'],
      [down, 'stepSizeDown'],
    ] as const)
      if (!(v > 0) || !Number.isFinite(v)) throw schedError(name, `${what} must be a positive number, got ${JSON.stringify(v)}`);
    const mode = opts.mode ?? 'triangular';
    if (mode !== 'triangular' && mode !== 'triangular2' && mode !== 'exp_range' && !opts.scaleFn)
      throw schedError(name, `mode must be 'triangular', 'triangular2' or 'exp_range' (or give scaleFn), got ${JSON.stringify(mode)}`);
    const scaleMode = opts.scaleFn ? (opts.scaleMode ?? 'cycle') : mode === 'exp_range' ? 'iterations' : 'cycle';
    if (scaleMode !== 'cycle' && scaleMode !== 'iterations')
      throw schedError(name, `scaleMode must be 'cycle' or 'iterations', got ${JSON.stringify(scaleMode)}`);
    if (lastEpoch === -1) gs.forEach((g, i) => (g.lr = baseLrs[i]!));
    const cycle = opts.cycleMomentum ?? true;
    let baseM: number[] = [];
    let maxM: number[] = [];
    if (cycle) {
      if (!('momentum' in (optimizer.defaults as Record<string, unknown>)))
        throw schedError(
          name,
          'the optimizer must support momentum (SGD, RMSprop) with cycleMomentum enabled; pass { cycleMomentum: false }',
        );
      const bm = perGroup(opts.baseMomentum ?? 0.8, 'baseMomentum');
      if (lastEpoch === -1) gs.forEach((g, i) => (g.momentum = bm[i]!));
      baseM = gs.map((g) => g.momentum as number);
      maxM = perGroup(opts.maxMomentum ?? 0.9, 'maxMomentum');
    }
    super(optimizer, lastEpoch);
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = mode;
    this.gamma = checkGamma(name, opts.gamma ?? 1);
    this.scaleMode = scaleMode;
    this.scaleFn = opts.scaleFn ?? null;
    this.cycleMomentum = cycle;
    this.baseMomentums = baseM;
    this.maxMomentums = maxM;
    this.baseLrs = baseLrs;
    this.initialStep();
  }

  private scale(x: number): number {
    if (this.scaleFn) return this.scaleFn(x);
    if (this.mode === 'triangular') return 1;
    if (this.mode === 'triangular2') return 1 / 2 ** (x - 1);
    return this.gamma ** x;
  }

  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const factor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scale(this.scaleMode === 'cycle' ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i]! - base) * factor * s);
    if (this.cycleMomentum)
      groups(this.optimizer).forEach((g, i) => {
        const maxM = this.maxMomentums[i]!;
        g.momentum = maxM - (maxM - this.baseMomentums[i]!) * factor * s;
      });
    return lrs;
  }
}
