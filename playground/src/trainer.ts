/**
 * The training session behind the page: data splits, the model, loss, optimizer, scheduler and the
 * epoch loop — all the framework's public API (forward → loss → backward → optimizer.step). It runs
 * in the Web Worker and, unchanged, in Node (tests compare the page's numbers with a Node run).
 *
 * Presets:
 * - classic (TensorFlow Playground): tanh output, ±1 labels, ½·MSE, plain SGD, U(−0.5, 0.5) weights and
 *   0.1 biases, the training order fixed at generation (no reshuffle), L1/L2 on weights only.
 * - modern: logits + BCE-with-logits (binary) / cross-entropy (multi-class) / MSE (regression), any
 *   optimizer, reshuffled every epoch from the shuffle seed.
 */
import { Rng, Tensor, nn, noGrad, tensor } from './bp.js';
import { buildModel, architectureOf, run, type Architecture, type Built } from './model.js';
import { makeOptimizer, makeScheduler, setLearningRate, type Optimizer, type Scheduler } from './fw.js';
import { generate, splitPoints, type Point, type Splits } from './datasets.js';
import { GRID, gridPoints } from './grid.js';
import { diffKeys, DATA_KEYS, STRUCTURAL_KEYS, type PgState } from './state.js';

/** Confusion matrix counts: rows = true class, columns = predicted class. */
export function confusion(pred: ArrayLike<number>, truth: ArrayLike<number>, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = pred[i]!;
    if (t >= 0 && t < k && p >= 0 && p < k) m[t]![p]!++;
  }
  return m;
}

export interface SplitMetrics {
  loss: number;
  /** Classification: accuracy in [0, 1]. */
  accuracy?: number;
  /** Regression. */
  r2?: number;
  rmse?: number;
}

export interface Metrics {
  epoch: number;
  train: SplitMetrics;
  test: SplitMetrics;
  val?: SplitMetrics;
  /** Test-set confusion matrix (classification), rows = true class. */
  confusion?: number[][];
  lr: number;
}

export interface GridOutput {
  /** [cells] in [−1, 1] (binary: 2p − 1; classic: tanh output; regression: raw output), or [cells·K] probabilities. */
  output: Float32Array;
  classes: number;
  /** Per tap (inputs after FeatureMap, each hidden layer, output): [cells, units] row-major. */
  layers: { units: number; values: Float32Array }[];
}

export interface LayerWeights {
  /** [out, in] row-major. */
  weight: Float32Array;
  bias: Float32Array;
  out: number;
  in: number;
  /** The weight gradient of the last mini-batch (null before the first step). */
  grad: Float32Array | null;
}

export type Divergence = { reason: string; epoch: number } | null;

export class Trainer {
  state: PgState;
  points: Point[];
  splits!: Splits;
  built!: Built;
  optimizer!: Optimizer;
  scheduler: Scheduler | null = null;
  epoch = 0;
  history: { epoch: number; train: number; test: number; val?: number; lr: number }[] = [];
  lastGood: Map<string, Tensor> | null = null;
  lastGoodEpoch = 0;
  diverged: Divergence = null;
  best: { epoch: number; loss: number; weights: Map<string, Tensor> } | null = null;
  stopped = false;
  private shuffleRng!: Rng;
  private X!: { train: Tensor; test: Tensor; val: Tensor };
  private Y!: { train: Tensor; test: Tensor; val: Tensor };
  private gridX: Tensor = tensor(gridPoints(GRID), { shape: [GRID * GRID, 2] });
  private customPoints: Point[] | null;

  constructor(state: PgState, customPoints: Point[] | null = null) {
    this.state = state;
    this.customPoints = customPoints;
    this.points = this.makePoints();
    this.resetModel();
  }

  get arch(): Architecture {
    return this.built.arch;
  }

  get model(): nn.Sequential {
    return this.built.model;
  }

  private makePoints(): Point[] {
    if (this.customPoints) return this.customPoints.map((p) => ({ ...p }));
    return generate(this.state, new Rng(this.state.dataSeed));
  }

  /** Rebuild splits and tensors from `this.points` (after generation, upload or a click). */
  private rebuildData(): void {
    this.splits = splitPoints(this.points, this.state, new Rng(this.state.dataSeed + 1));
    const arch = architectureOf(this.state);
    const X = (ps: Point[]) => tensor(Float32Array.from(ps.flatMap((p) => [p.x, p.y])), { shape: [ps.length, 2] });
    const Y = (ps: Point[]) => {
      if (arch.task === 'multiclass') return tensor(Int32Array.from(ps.map((p) => p.label)), { shape: [ps.length] });
      if (arch.task === 'regression') return tensor(Float32Array.from(ps.map((p) => p.label)), { shape: [ps.length, 1] });
      return tensor(Float32Array.from(ps.map((p) => (arch.labels === 'pm1' ? (p.label > 0 ? 1 : -1) : p.label > 0 ? 1 : 0))), {
        shape: [ps.length, 1],
      });
    };
    this.X = { train: X(this.splits.train), test: X(this.splits.test), val: X(this.splits.val) };
    this.Y = { train: Y(this.splits.train), test: Y(this.splits.test), val: Y(this.splits.val) };
  }

  /** New data (same seeds → same points), new model from the init seed, epoch 0. */
  resetModel(): void {
    this.rebuildData();
    const s = this.state;
    const arch = architectureOf(s);
    this.built = buildModel(arch, new Rng(s.initSeed), s.init, s.preset === 'classic' && (s.init === 'default' || s.init === 'zero'));
    this.shuffleRng = new Rng(s.shuffleSeed);
    this.optimizer = makeOptimizer(this.model.parameters(), s);
    this.scheduler = makeScheduler(this.optimizer, s);
    this.epoch = 0;
    this.history = [];
    this.diverged = null;
    this.best = null;
    this.stopped = false;
    this.lastGood = this.snapshot();
    this.lastGoodEpoch = 0;
  }

  /** Apply new settings: live ones in place, structural ones by rebuilding. Returns whether it reset. */
  update(next: PgState): boolean {
    const changed = diffKeys(this.state, next);
    const prev = this.state;
    this.state = next;
    if (changed.some((k) => DATA_KEYS.includes(k))) {
      if (next.dataset !== 'custom') this.customPoints = null;
      this.points = this.makePoints();
    }
    if (changed.some((k) => STRUCTURAL_KEYS.includes(k))) {
      this.resetModel();
      return true;
    }
    if (changed.includes('shuffleSeed')) this.shuffleRng = new Rng(next.shuffleSeed);
    const optKeys: (keyof PgState)[] = ['optimizer', 'momentum', 'beta1', 'beta2', 'weightDecay'];
    if (changed.some((k) => optKeys.includes(k))) {
      this.optimizer = makeOptimizer(this.model.parameters(), next);
      this.scheduler = makeScheduler(this.optimizer, next, this.epoch);
    } else if (changed.some((k) => k === 'scheduler' || k === 'stepSize' || k === 'gamma' || k === 'tMax' || k === 'learningRate')) {
      setLearningRate(this.optimizer, next.learningRate);
      this.scheduler = makeScheduler(this.optimizer, next, this.epoch);
    }
    if (changed.includes('earlyStopping') && prev.earlyStopping !== next.earlyStopping) this.stopped = false;
    return false;
  }

  /** Replace the data with user points (upload, clicks); keeps the architecture unless the class count changes. */
  setPoints(points: Point[], next: PgState): boolean {
    this.customPoints = points.map((p) => ({ ...p }));
    const archChanged = JSON.stringify(architectureOf(this.state)) !== JSON.stringify(architectureOf(next));
    const rest = { ...next, dataset: this.state.dataset, classes: this.state.classes, problem: this.state.problem };
    const otherStructural = diffKeys(this.state, rest).some((k) => STRUCTURAL_KEYS.includes(k));
    this.state = next;
    this.points = this.makePoints();
    if (archChanged || otherStructural) {
      this.resetModel();
      return true;
    }
    this.rebuildData();
    return false;
  }

  currentLr(): number {
    return this.optimizer.paramGroups[0]!.lr as number;
  }

  /** The regularised training loss of one batch. */
  private criterion(out: Tensor, y: Tensor): Tensor {
    const arch = this.arch;
    const s = this.state;
    if (arch.outputActivation === 'tanh') return nn.F.mseLoss(out, y).mul(0.5); // ½·MSE, TensorFlow Playground
    if (arch.task === 'multiclass') return nn.F.crossEntropy(out, y);
    const loss = s.loss === 'auto' ? (arch.task === 'binary' ? 'bce' : 'mse') : s.loss;
    if (loss === 'bce') return nn.F.binaryCrossEntropyWithLogits(out, y);
    if (loss === 'huber') return nn.F.huberLoss(arch.task === 'binary' ? out.sigmoid() : out, y);
    return nn.F.mseLoss(arch.task === 'binary' ? out.sigmoid() : out, y);
  }

  private linearWeights(): Tensor[] {
    return this.built.linears.map((i) => (this.model.at(i) as nn.Linear).weight);
  }

  private penalty(): Tensor | null {
    const s = this.state;
    if (s.regularization === 'none' || s.regularizationRate === 0) return null;
    let total: Tensor | null = null;
    for (const i of this.built.linears) {
      const w = (this.model.at(i) as nn.Linear).weight;
      // L2: ½·rate·Σw² (gradient rate·w, TensorFlow Playground's); L1: rate·Σ|w|.
      const term =
        s.regularization === 'L2'
          ? w
              .square()
              .sum()
              .mul(0.5 * s.regularizationRate)
          : w.abs().sum().mul(s.regularizationRate);
      total = total ? total.add(term) : term;
    }
    return total;
  }

  /**
   * One epoch: every training point once, in mini-batches of `batchSize`
   * (classic: fixed order; modern: a fresh permutation from the shuffle seed).
   * Returns the mean batch loss, or NaN if training diverged (then `diverged` says why).
   */
  stepEpoch(): number {
    if (this.diverged) return NaN;
    const n = this.splits.train.length;
    if (n === 0) return NaN;
    const order =
      this.state.preset === 'classic' ? Int32Array.from({ length: n }, (_, i) => i) : Int32Array.from(this.shuffleRng.permutation(n));
    const bs = Math.min(this.state.batchSize, n);
    this.model.train();
    let sum = 0;
    let batches = 0;
    for (let start = 0; start < n; start += bs) {
      const idx = tensor(order.subarray(start, Math.min(n, start + bs)), { shape: [Math.min(n, start + bs) - start] });
      const xb = this.X.train.indexSelect(0, idx);
      const yb = this.Y.train.indexSelect(0, idx);
      if (this.arch.norm === 'batch' && idx.shape[0] === 1) continue; // BatchNorm needs 2+ samples
      this.optimizer.zeroGrad();
      const out = run(this.model, xb);
      const data = this.criterion(out, yb);
      const pen = this.penalty();
      const loss = pen ? data.add(pen) : data;
      const v = data.item();
      if (!Number.isFinite(v) || !Number.isFinite(loss.item()))
        return this.diverge(`The loss became ${v} after ${this.epoch} complete epoch${this.epoch === 1 ? '' : 's'}`);
      loss.backward();
      // TensorFlow Playground's L1 (classic preset): a weight that crosses zero stays at zero.
      const l1Clip = this.state.preset === 'classic' && this.state.regularization === 'L1' && this.state.regularizationRate > 0;
      const before = l1Clip ? this.linearWeights().map((w) => w.detach().clone()) : null;
      this.optimizer.step();
      if (before)
        noGrad(() =>
          this.linearWeights().forEach((w, k) => {
            w.copy_(w.maskedFill(w.mul(before[k]!).lt(0), 0));
          }),
        );
      sum += v;
      batches++;
    }
    this.scheduler?.step();
    this.epoch++;
    for (const p of this.model.parameters()) {
      const d = p.dataSync();
      for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k]!)) return this.diverge(`A weight became ${d[k]} in epoch ${this.epoch}`);
    }
    return batches ? sum / batches : NaN;
  }

  private diverge(reason: string): number {
    this.diverged = { reason, epoch: this.epoch };
    return NaN;
  }

  /** Evaluate on every split (no graph, eval mode), record history, update the divergence/early-stopping watch. */
  evaluate(): Metrics {
    const m = noGrad(() => {
      this.model.eval();
      const res: Metrics = {
        epoch: this.epoch,
        train: this.splitMetrics(this.X.train, this.Y.train),
        test: this.splitMetrics(this.X.test, this.Y.test),
        lr: this.currentLr(),
      };
      if (this.splits.val.length) res.val = this.splitMetrics(this.X.val, this.Y.val);
      if (this.arch.task !== 'regression' && this.splits.test.length) {
        const pred = this.predictLabels(this.X.test);
        res.confusion = confusion(pred, this.trueLabels(this.splits.test), Math.max(2, this.arch.outputs));
      }
      this.model.train();
      return res;
    });
    const last = this.history[this.history.length - 1];
    if (!last || last.epoch !== m.epoch)
      this.history.push({ epoch: m.epoch, train: m.train.loss, test: m.test.loss, val: m.val?.loss, lr: m.lr });
    this.watch(m);
    return m;
  }

  private watch(m: Metrics): void {
    if (this.diverged) return;
    const l = m.train.loss;
    const first = this.history[0]?.train ?? l;
    if (!Number.isFinite(l)) {
      this.diverged = { reason: `The training loss is ${l} at epoch ${m.epoch}`, epoch: m.epoch };
      return;
    }
    if (m.epoch > 0 && l > 10 && l > 100 * Math.max(first, 1e-3)) {
      this.diverged = {
        reason: `The training loss exploded from ${first.toPrecision(3)} to ${l.toPrecision(3)} by epoch ${m.epoch}`,
        epoch: m.epoch,
      };
      return;
    }
    this.lastGood = this.snapshot();
    this.lastGoodEpoch = m.epoch;
    const es = this.state.earlyStopping;
    if (m.val && es > 0) {
      if (!this.best || m.val.loss < this.best.loss) this.best = { epoch: m.epoch, loss: m.val.loss, weights: this.snapshot() };
      else if (m.epoch - this.best.epoch >= es) this.stopped = true;
    }
  }

  /** Labels the model predicts for X (argmax, or the sign/0.5 threshold for one output). */
  predictLabels(X: Tensor): Int32Array {
    const out = run(this.model, X);
    if (this.arch.task === 'multiclass') return out.argmax(1).dataSync() as Int32Array;
    const d = out.dataSync();
    const thr = this.arch.outputActivation === 'tanh' ? 0 : 0;
    return Int32Array.from(d, (v) => (v > thr ? 1 : 0));
  }

  private trueLabels(ps: Point[]): Int32Array {
    return Int32Array.from(ps, (p) => (this.arch.task === 'multiclass' ? p.label : p.label > 0 ? 1 : 0));
  }

  private splitMetrics(X: Tensor, Y: Tensor): SplitMetrics {
    if (X.shape[0] === 0) return { loss: NaN };
    const out = run(this.model, X);
    const loss = this.criterion(out, Y).item();
    if (this.arch.task === 'regression') {
      const sse = out.sub(Y).square().sum().item();
      const sst = Y.sub(Y.mean()).square().sum().item();
      return { loss, r2: sst > 0 ? 1 - sse / sst : NaN, rmse: Math.sqrt(sse / X.shape[0]!) };
    }
    const pred = this.arch.task === 'multiclass' ? out.argmax(1) : out.gt(0).reshape([-1]);
    const truth = this.arch.task === 'multiclass' ? Y : Y.gt(0).reshape([-1]);
    return { loss, accuracy: pred.eq(truth).float().mean().item() };
  }

  /** One batched forward pass over the 100×100 grid, capturing every layer's activations on the way. */
  grid(): GridOutput {
    return noGrad(() => {
      this.model.eval();
      const layers: { units: number; values: Float32Array }[] = [];
      let h = this.gridX;
      const taps = new Set(this.built.taps);
      this.model.children().forEach((m, i) => {
        h = run(m, h);
        if (taps.has(i)) layers.push({ units: h.shape[1]!, values: Float32Array.from(h.dataSync()) });
      });
      this.model.train();
      let output: Float32Array;
      let classes = 1;
      if (this.arch.task === 'multiclass') {
        output = Float32Array.from(h.softmax(1).dataSync());
        classes = this.arch.outputs;
      } else if (this.arch.task === 'binary' && this.arch.outputActivation === 'none') {
        output = Float32Array.from(h.sigmoid().mul(2).sub(1).dataSync());
      } else output = Float32Array.from(h.dataSync());
      return { output, classes, layers };
    });
  }

  /**
   * The hidden-representation view: the training points as the last hidden layer sees them, when that
   * layer has exactly two units (else null). [n, 2] activations plus each point's label.
   */
  hiddenRepresentation(): { xy: Float32Array; labels: Float32Array } | null {
    const taps = this.built.taps;
    if (taps.length < 3) return null;
    const last = taps[taps.length - 2]!;
    return noGrad(() => {
      this.model.eval();
      let h = this.X.train;
      const kids = this.model.children();
      for (let i = 0; i <= last; i++) h = run(kids[i]!, h);
      this.model.train();
      if (h.shape[1] !== 2) return null;
      return { xy: Float32Array.from(h.dataSync()), labels: Float32Array.from(this.splits.train, (p) => p.label) };
    });
  }

  /** Weights and biases of every Linear layer (for drawing links). */
  weights(): LayerWeights[] {
    return this.built.linears.map((i) => {
      const lin = this.model.at(i) as nn.Linear;
      return {
        weight: Float32Array.from(lin.weight.contiguous().dataSync()),
        bias: lin.bias ? Float32Array.from(lin.bias.dataSync()) : new Float32Array(lin.outFeatures),
        out: lin.outFeatures,
        in: lin.inFeatures,
        grad: lin.weight.grad ? Float32Array.from(lin.weight.grad.contiguous().dataSync()) : null,
      };
    });
  }

  /** Set one weight (`input` ≥ 0) or bias (`input` = −1) of Linear layer `layer`. */
  setWeight(layer: number, output: number, input: number, value: number): void {
    const idx = this.built.linears[layer];
    if (idx === undefined || !Number.isFinite(value)) return;
    const lin = this.model.at(idx) as nn.Linear;
    const p = input < 0 ? lin.bias : lin.weight;
    if (!p) return;
    const data = Float32Array.from(p.contiguous().dataSync());
    const k = input < 0 ? output : output * lin.inFeatures + input;
    if (k < 0 || k >= data.length) return;
    data[k] = value;
    noGrad(() => p.copy_(tensor(data, { shape: p.shape })));
  }

  snapshot(): Map<string, Tensor> {
    return new Map(Object.entries(this.model.stateDict()).map(([k, t]) => [k, t.clone()]));
  }

  loadWeights(w: Map<string, Tensor>): void {
    noGrad(() => this.model.loadStateDict(w));
  }

  /** The divergence guard's remedy: last good weights, a smaller learning rate, fresh optimizer state. */
  recover(newLr: number): void {
    if (this.lastGood) this.loadWeights(this.lastGood);
    this.state = { ...this.state, learningRate: newLr };
    this.optimizer = makeOptimizer(this.model.parameters(), this.state);
    this.scheduler = makeScheduler(this.optimizer, this.state, this.epoch);
    this.epoch = this.lastGoodEpoch;
    this.history = this.history.filter((h) => h.epoch <= this.epoch);
    this.diverged = null;
  }

  restoreBest(): void {
    if (this.best) this.loadWeights(this.best.weights);
  }
}
