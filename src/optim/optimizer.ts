/**
 * The Optimizer base: a state container (parameter groups, per-parameter state) over a pure update
 * function per algorithm (see `functional.ts`). PyTorch's shape: `new Adam(params, { lr })`,
 * `zeroGrad()`, `step()`, `paramGroups`, `addParamGroup`, `stateDict()` / `loadStateDict()`.
 */
import { isFloat, type FloatArray } from '../core/dtype.js';
import { DTypeError, ShapeError, StateError, ValueError, fmtShape } from '../core/errors.js';
import { enableGrad, noGrad } from '../autograd/mode.js';
import { toDevice } from '../backend/dispatch.js';
import { noKernel } from '../backend/gpu.js';
import { Tensor, setGradInternal } from '../tensor/tensor.js';

/** One parameter's optimizer state, under PyTorch's names (`exp_avg`, `momentum_buffer`, `step`, …). */
export type ParamState = Record<string, Tensor | number | null>;

/** A parameter group: its tensors plus its hyper-parameters (defaults filled in). */
export type ParamGroup<O> = O & { params: Tensor[]; [extra: string]: unknown };

/** What a constructor accepts for one group: tensors plus any hyper-parameter overrides. */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor>; [extra: string]: unknown };

/** A plain list of parameters, or a list of groups with their own options. */
export type ParamsInput<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * PyTorch-shaped optimizer state: `state` keyed by parameter index (counting through the groups in
 * order), `param_groups` holding each group's hyper-parameters (this library's camelCase option names)
 * and `params`, the indices of its parameters. Tensors in it are copies.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: Record<string, unknown>[];
}

/** A ValueError for a bad hyper-parameter: `Adam: invalid learning rate -1`. */
export function hyperParamError(optimizer: string, message: string): ValueError {
  return new ValueError(`${optimizer}: ${message}`, 'E_HYPERPARAM');
}

/** Check a number hyper-parameter: a number, not NaN, ≥ min (or > min when `strict`) and within `max`; Infinity passes, as in PyTorch. */
export function checkNumber(
  optimizer: string,
  what: string,
  v: unknown,
  min = 0,
  opts: { strict?: boolean; max?: number; maxStrict?: boolean } = {},
): void {
  const ok =
    typeof v === 'number' &&
    !Number.isNaN(v) &&
    (opts.strict ? v > min : v >= min) &&
    (opts.max === undefined || (opts.maxStrict ? v < opts.max : v <= opts.max));
  if (!ok) throw hyperParamError(optimizer, `invalid ${what} ${typeof v === 'number' ? v : JSON.stringify(v)}`);
}

import { checkOptionKeys, optionKeysOf } from '../core/options.js';
export { checkOptionKeys };

/** The parameter's values as a writable flat view (parameters are contiguous). */
export function paramData(p: Tensor, optimizer: string): FloatArray {
  if (!p.isContiguous())
    throw new StateError(`${optimizer}: parameter of shape ${fmtShape(p.shape)} is not contiguous; optimizers update parameters in place`);
  return whole(p) as FloatArray;
}

/** A contiguous tensor's values as one array: its storage itself when it spans exactly that (a resident
 * parameter's storage is then recognised by the backend and updated in place), else a subarray. */
function whole(t: Tensor): ArrayLike<number> & { length: number } {
  const n = t.numel();
  return t.offset === 0 && t.storage.length === n ? t.storage : t.storage.subarray(t.offset, t.offset + n);
}

/** A gradient's values, flat and row-major (a view when possible, else a copy). */
export function gradData(g: Tensor): ArrayLike<number> {
  if (g.isContiguous()) return whole(g);
  return g.dataSync();
}

/**
 * The tensors of `params` as a list, or a ValueError naming the optimizer: a function (the classic slip,
 * `model.parameters` for `model.parameters()`) or anything not iterable would otherwise be an empty list
 * (`Array.from` of a function) or a TypeError from inside.
 */
function toList(optimizer: string, params: unknown, what: string): unknown[] {
  if (typeof params === 'function')
    throw new ValueError(`${optimizer}: ${what} is a function; call it — model.parameters(), not model.parameters`);
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function')
    throw new ValueError(
      `${optimizer}: ${what} should be an iterable of Tensors or of parameter groups, got ${params === null ? 'null' : typeof params}`,
    );
  return Array.from(params as Iterable<unknown>);
}

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function isGroupInput(x: unknown): x is ParamGroupInput<unknown> {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && 'params' in x;
}

/**
 * The base of every optimizer (PyTorch's `torch.optim.Optimizer`): parameter groups with their
 * hyper-parameters (validated on construction, `addParamGroup` and `loadStateDict`), per-parameter state
 * created at the first `step()`, and a `stateDict()` in PyTorch's layout. A subclass supplies
 * `validate(options)` and `updateParam(p, grad, state, group)`, usually a call to a pure update rule in
 * `optim.functional`.
 * @example
 * const opt = new optim.SGD([{ params: model.fc1.parameters() }, { params: model.fc2.parameters(), lr: 1e-3 }], { lr: 1e-2 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export abstract class Optimizer<O extends { lr: number }> {
  /** The hyper-parameters a group gets when it does not set its own. */
  readonly defaults: O;
  /** The parameter groups (mutable: schedulers write `lr`). */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created lazily at the first step. */
  state = new Map<Tensor, ParamState>();
  /** Class name used in messages. */
  protected readonly name: string;

  /** `given`: the caller's options object, whose keys must be among `defaults`' (no silent typos). */
  protected constructor(name: string, params: ParamsInput<O>, defaults: O, given?: object) {
    this.name = name;
    if (given !== null && typeof given === 'object') checkOptionKeys(name, given, optionKeysOf<O>(defaults));
    this.validate(defaults);
    this.defaults = { ...defaults };
    if (params instanceof Tensor)
      throw new ValueError(
        `${name}: params argument given to the optimizer should be an iterable of Tensors or of parameter groups, but got a Tensor`,
      );
    const list = toList(name, params, 'params argument given to the optimizer');
    if (list.length === 0) throw new ValueError(`${name}: optimizer got an empty parameter list`);
    const groups: ParamGroupInput<O>[] = isGroupInput(list[0])
      ? (list as ParamGroupInput<O>[])
      : [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Validate one group's hyper-parameters (throw `hyperParamError`). */
  protected abstract validate(options: O): void;

  /** Update one parameter from its gradient, in place, creating its state on the first call. */
  protected abstract updateParam(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /** `checkNumber` naming this optimizer: a number hyper-parameter ≥ `min` (for `validate`). */
  protected checkHyper(what: string, v: unknown, min = 0, opts: { strict?: boolean; max?: number; maxStrict?: boolean } = {}): void {
    checkNumber(this.name, what, v, min, opts);
  }

  /** `hyperParamError` naming this optimizer. */
  protected hyperError(message: string): ValueError {
    return hyperParamError(this.name, message);
  }

  /** The values of `p`, updated in place (a StateError naming this optimizer when `p` is not contiguous). */
  protected paramData(p: Tensor): FloatArray {
    return paramData(p, this.name);
  }

  /** Add a group (its options default to `defaults`); its parameters must be new to this optimizer. */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (!isGroupInput(group)) throw new ValueError(`${this.name}: a parameter group must be an object with a "params" list`);
    const params =
      group.params instanceof Tensor ? [group.params] : (toList(this.name, group.params, 'a parameter group\'s "params"') as Tensor[]);
    for (const p of params) {
      if (!(p instanceof Tensor))
        throw new ValueError(`${this.name}: optimizer can only optimize Tensors, but one of the params is ${typeof p}`);
      if (!isFloat(p.dtype))
        throw new DTypeError(`${this.name}: can only optimize floating-point tensors, got ${p.dtype} of shape ${fmtShape(p.shape)}`);
      if (!p.isLeaf)
        throw new ValueError(
          `${this.name}: can't optimize a non-leaf Tensor (shape ${fmtShape(p.shape)}); optimize the leaf it was computed from`,
        );
    }
    if (new Set(params).size !== params.length) throw new ValueError(`${this.name}: a parameter group contains the same parameter twice`);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    if (params.some((p) => seen.has(p))) throw new ValueError(`${this.name}: some parameters appear in more than one parameter group`);
    const merged = { ...this.defaults } as Record<string, unknown>;
    for (const [k, v] of Object.entries(group)) if (k !== 'params' && v !== undefined) merged[k] = Array.isArray(v) ? v.slice() : v;
    const full = { ...merged, params } as unknown as ParamGroup<O>;
    this.validate(full);
    this.paramGroups.push(full);
  }

  /**
   * Clear gradients. `setToNone` (default true, like PyTorch 2) sets `grad` to null; false replaces it
   * with a fresh zero tensor. Accepts `{ setToNone }` or the flag itself (like `Module.zeroGrad`).
   */
  zeroGrad(opts: { setToNone?: boolean } | boolean = {}): void {
    if (typeof opts !== 'boolean') checkOptionKeys(`${this.constructor.name}.zeroGrad`, opts, { setToNone: true });
    const setToNone = typeof opts === 'boolean' ? opts : (opts.setToNone ?? true);
    for (const g of this.paramGroups)
      for (const p of g.params) {
        const grad = p._grad;
        if (!grad) continue;
        setGradInternal(p, setToNone ? null : grad.detach().zerosLike());
      }
  }

  /**
   * One optimization step over every parameter that has a gradient. `closure` (optional) re-evaluates
   * the model and returns the loss; it runs with gradients enabled and its value is returned.
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups)
        for (const p of group.params) {
          const g = p._grad; // read by the engine: not a user's read (see setGradInternal)
          if (!g) continue;
          if (g.shape.length !== p.shape.length || g.shape.some((d, i) => d !== p.shape[i]))
            throw new ShapeError(`${this.name}: gradient shape ${fmtShape(g.shape)} does not match parameter shape ${fmtShape(p.shape)}`);
          let st = this.state.get(p);
          if (!st) this.state.set(p, (st = {}));
          this.updateParam(p, g, st, group);
        }
    });
    return loss;
  }

  /** A snapshot of the optimizer: state (copied tensors) keyed by parameter index, and the groups. */
  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    const groups: Record<string, unknown>[] = [];
    let index = 0;
    for (const g of this.paramGroups) {
      const ids: number[] = [];
      for (const p of g.params) {
        const st = this.state.get(p);
        if (st) state[index] = copyState(st);
        ids.push(index++);
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') out[k] = Array.isArray(v) ? v.slice() : v;
      out.params = ids;
      groups.push(out);
    }
    return { state, param_groups: groups };
  }

  /**
   * Restore from `stateDict()` output. Groups must match this optimizer's in number and sizes; state
   * tensors must match their parameter's shape (they are copied and cast to its dtype).
   */
  loadStateDict(sd: OptimizerStateDict): void {
    if (!isPlainObject(sd) || !Array.isArray(sd.param_groups) || !isPlainObject(sd.state))
      throw new ValueError(`${this.name}.loadStateDict: expected an object with "state" and "param_groups"`);
    sd.param_groups.forEach((g, gi) => {
      if (!isPlainObject(g)) throw new ValueError(`${this.name}.loadStateDict: parameter group ${gi} is not an object`);
    });
    for (const [k, st] of Object.entries(sd.state))
      if (!isPlainObject(st)) throw new ValueError(`${this.name}.loadStateDict: state for parameter index ${k} is not an object`);
    if (sd.param_groups.length !== this.paramGroups.length)
      throw new ValueError(
        `${this.name}.loadStateDict: loaded state dict has ${sd.param_groups.length} parameter groups, this optimizer has ${this.paramGroups.length}`,
      );
    const byIndex = new Map<number, Tensor>();
    sd.param_groups.forEach((sg, gi) => {
      const ids = sg.params as number[];
      const mine = this.paramGroups[gi]!.params;
      if (!Array.isArray(ids) || ids.length !== mine.length)
        throw new ValueError(
          `${this.name}.loadStateDict: parameter group ${gi} has ${Array.isArray(ids) ? ids.length : '?'} parameters in the state dict but ${mine.length} here`,
        );
      ids.forEach((id, j) => byIndex.set(id, mine[j]!));
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [k, st] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(k));
      if (!p) throw new ValueError(`${this.name}.loadStateDict: state for parameter index ${k}, which no group lists`);
      const out: ParamState = {};
      for (const [name, v] of Object.entries(st)) {
        if (v instanceof Tensor) {
          if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i]))
            throw new ShapeError(
              `${this.name}.loadStateDict: state "${name}" of parameter ${k} has shape ${fmtShape(v.shape)}, the parameter has ${fmtShape(p.shape)}`,
            );
          out[name] = v.detach().to(p.dtype).contiguous().clone().detach();
        } else out[name] = v;
      }
      newState.set(p, out);
    }
    const groups = sd.param_groups.map((sg, gi) => {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sg)) if (k !== 'params') g[k] = Array.isArray(v) ? v.slice() : v;
      g.params = this.paramGroups[gi]!.params;
      this.validate(g as unknown as O);
      return g as unknown as ParamGroup<O>;
    });
    this.paramGroups = groups;
    this.state = newState;
  }

  /** PyTorch's print of an optimizer: its name, then each parameter group's hyper-parameters. */
  toString(): string {
    const lines = [`${this.name} (`];
    this.paramGroups.forEach((g, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const k of Object.keys(g).sort()) if (k !== 'params') lines.push(`    ${k}: ${JSON.stringify(g[k])}`);
    });
    lines.push(')');
    return lines.join('\n');
  }
}

function copyState(st: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(st)) out[k] = v instanceof Tensor ? v.detach().clone().detach() : v;
  return out;
}

/**
 * One parameter's update: a backend's fused kernel when it has one that handles these arrays (bit-identical
 * on the CPU; the reference loop's float32 order on the GPU), else the reference loop. A parameter on the
 * 'webgpu' device has no reference loop to fall back to (its data cannot be read synchronously).
 */
export function fusedUpdate<A extends readonly unknown[]>(
  p: Tensor,
  fused: ((...args: A) => boolean) | undefined,
  reference: (...args: A) => void,
  args: A,
  what: string,
): void {
  if (fused?.(...args)) return;
  if (p.record.gpu !== null) throw noKernel(`the fused ${what} update: a parameter on the webgpu device needs its gradient there too`);
  reference(...args);
}

/** A zero (or `value`-filled) state buffer shaped like `p`. */
export function stateBuffer(p: Tensor, value = 0): Tensor {
  // state of a resident parameter is resident too, so a fused update runs without copies
  const t = p.newFull(p.shape, value);
  t.record.cell.longLived = true;
  if (p.record.onDevice) toDevice(t.record);
  return t;
}
