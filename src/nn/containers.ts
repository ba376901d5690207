/**
 * Containers: Sequential, ModuleList, ModuleDict (PyTorch's), plus Identity, Flatten and Unflatten.
 * Children are named `0`, `1`, … (lists) or by key (dicts), so state-dict keys are `0.weight`, `layers.2.bias`.
 */
import { IndexError, NotSupportedError, ValueError } from '../core/errors.js';
import { Tensor, internalScope } from '../tensor/tensor.js';
import { ELU, GELU, LeakyReLU, ReLU, SiLU, Sigmoid, Softplus, Tanh, Dropout } from './layers/activation.js';
import { Conv2d, Linear } from './layers/linear.js';
import { BatchNorm1d, BatchNorm2d } from './layers/norm.js';
import { AvgPool2d, MaxPool2d } from './layers/pooling.js';
import { Module, Parameter, pyRepr } from './module.js';

function normIndex(i: number, n: number, who: string): number {
  if (!Number.isInteger(i)) throw new IndexError(`${who}: index must be an integer, got ${i}`);
  if (i < -n || i >= n) throw new IndexError(`${who}: index ${i} is out of range for ${n} modules`);
  return i < 0 ? i + n : i;
}

function isModuleRecord(v: unknown): v is Record<string, Module> {
  return typeof v === 'object' && v !== null && !(v instanceof Module) && !Array.isArray(v);
}

/**
 * Runs its modules in order, feeding each one's output to the next.
 * `new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2))` → keys `0.weight`, `0.bias`, `2.weight`, …;
 * `new Sequential({ fc: new Linear(4, 2), act: new ReLU() })` names them by key.
 */
export class Sequential extends Module {
  static readonly displayName = 'Sequential';
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    if (modules.length === 1 && isModuleRecord(modules[0])) {
      for (const [k, m] of Object.entries(modules[0])) this.registerModule(k, m);
    } else {
      (modules as Module[]).forEach((m, i) => {
        if (!(m instanceof Module)) throw new ValueError(`Sequential: argument ${i} is not a Module`);
        this.registerModule(String(i), m);
      });
    }
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const list = this.namedChildren();
    return list[normIndex(i, list.length, 'Sequential.at')]![1];
  }

  /** A new Sequential of modules [start, end) (shares the modules, renumbers like PyTorch's slicing). */
  slice(start = 0, end?: number): Sequential {
    return new Sequential(...this.children().slice(start, end));
  }

  /** Append a module at the end (named by its position). */
  append(m: Module): this {
    this.registerModule(String(this.namedChildren().length), m);
    return this;
  }

  /** The child modules in order (`for (const layer of seq)`). */
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  /** x → m₀(x) → m₁(…) → … */
  forward(x: Tensor): Tensor {
    const run = () => {
      let y: unknown = x;
      for (const m of this.children()) y = m.call(y);
      return y as Tensor;
    };
    // a chain of built-in layers hands its intermediates to no one but its hooks (which run as user
    // code: what a hook sees escapes): engine temporaries, freed as soon as nothing holds them (README,
    // "Design: memory model")
    return closedChain(this) ? internalScope(run) : run();
  }
}

/** Built-in layers whose forward keeps no tensor it makes (state is updated by value, e.g. BN's running stats). */
const CLOSED: ReadonlySet<unknown> = new Set<unknown>([
  ReLU,
  LeakyReLU,
  ELU,
  GELU,
  SiLU,
  Sigmoid,
  Tanh,
  Softplus,
  Dropout,
  Linear,
  Conv2d,
  BatchNorm1d,
  BatchNorm2d,
  MaxPool2d,
  AvgPool2d,
]);

/** Whether every child is a built-in closed layer (or such a Sequential); hooks are allowed (they run as user code). */
function closedChain(seq: Module): boolean {
  for (const m of seq.children()) {
    const cls = m.constructor;
    if (cls === Sequential ? !closedChain(m) : !(CLOSED.has(cls) || cls === Flatten || cls === Identity)) return false;
  }
  return true;
}

/** A list of modules, registered (parameters, state dict, train/eval) but with no forward of its own. */
export class ModuleList extends Module {
  static readonly displayName = 'ModuleList';
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.namedChildren().length;
  }

  /**
   * The i-th module; a negative `i` counts from the end.
   * @throws IndexError if `i` is out of range.
   */
  at(i: number): Module {
    const list = this.namedChildren();
    return list[normIndex(i, list.length, 'ModuleList.at')]![1];
  }

  /** Replace the i-th module. */
  set(i: number, m: Module): void {
    const list = this.namedChildren();
    this.registerModule(list[normIndex(i, list.length, 'ModuleList.set')]![0], m);
  }

  /**
   * Add `m` at the end (registered under the next index).
   * @returns this, for chaining.
   * @throws ValueError if `m` is not a Module.
   */
  append(m: Module): this {
    if (!(m instanceof Module)) throw new ValueError('ModuleList.append: expected a Module');
    this.registerModule(String(this.namedChildren().length), m);
    return this;
  }

  /**
   * Append every module of `modules`, in order.
   * @returns this, for chaining.
   * @throws ValueError if an item is not a Module.
   */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Insert before index i (renumbering the rest, like PyTorch). */
  insert(i: number, m: Module): this {
    const list = this.children();
    const at = i >= list.length ? list.length : i < -list.length ? 0 : i < 0 ? i + list.length : i;
    list.splice(at, 0, m);
    this.resetModules(list.map((mod, k) => [String(k), mod]));
    return this;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  forward(): never {
    throw new NotSupportedError("ModuleList has no forward(); iterate over it in your module's forward", 'E_MODULE_NO_FORWARD');
  }
}

/** A string-keyed, ordered dict of modules. */
export class ModuleDict extends Module {
  static readonly displayName = 'ModuleDict';
  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    const entries = Symbol.iterator in Object(modules) ? (modules as Iterable<[string, Module]>) : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  get size(): number {
    return this.namedChildren().length;
  }

  /**
   * The module registered under `key`.
   * @throws IndexError (`E_MODULE_KEY`) naming the existing keys if there is none.
   */
  get(key: string): Module {
    const m = this.ownModule(key);
    if (!m) throw new IndexError(`ModuleDict: no module named '${key}' (keys: ${this.keys().join(', ')})`, 'E_MODULE_KEY');
    return m;
  }

  /**
   * Register `m` under `key` (replacing any module there).
   * @returns this, for chaining.
   * @throws ValueError if `m` is not a Module.
   */
  set(key: string, m: Module): this {
    if (!(m instanceof Module)) throw new ValueError(`ModuleDict.set: '${key}' must be a Module`);
    this.registerModule(key, m);
    return this;
  }

  /** Whether a module is registered under `key`. */
  has(key: string): boolean {
    return this.ownModule(key) !== null;
  }

  /** Remove the module under `key`; true if there was one. */
  delete(key: string): boolean {
    const had = this.has(key);
    this.unregisterModule(key);
    return had;
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }

  /** The modules, in insertion order. */
  values(): Module[] {
    return this.children();
  }

  /** `[key, module]` pairs, in insertion order. */
  entries(): [string, Module][] {
    return this.namedChildren();
  }

  forward(): never {
    throw new NotSupportedError("ModuleDict has no forward(); call its modules in your module's forward", 'E_MODULE_NO_FORWARD');
  }
}

/** Returns its input unchanged (a placeholder layer). */
export class Identity extends Module {
  static readonly displayName = 'Identity';
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens dims `startDim..endDim` (default 1..−1): [N, C, H, W] → [N, C·H·W]. */
export class Flatten extends Module {
  static readonly displayName = 'Flatten';
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits dim `dim` into `sizes`: Unflatten(1, [C, H, W]) maps [N, C·H·W] → [N, C, H, W]. */
export class Unflatten extends Module {
  static readonly displayName = 'Unflatten';
  readonly dim: number;
  readonly unflattenedSize: readonly number[];
  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Array.isArray(unflattenedSize) || unflattenedSize.some((s) => !Number.isInteger(s)))
      throw new ValueError(`Unflatten: unflattenedSize must be a list of integers, got ${JSON.stringify(unflattenedSize)}`);
    this.dim = dim;
    this.unflattenedSize = unflattenedSize.slice();
  }
  forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyRepr(this.unflattenedSize)}`;
  }
}

/** A list of parameters, registered as `0`, `1`, … (plain tensors are wrapped in Parameter). */
export class ParameterList extends Module {
  static readonly displayName = 'ParameterList';
  constructor(params: Iterable<Tensor> = []) {
    super();
    for (const p of params) this.append(p);
  }

  get length(): number {
    return this.parameters(false).length;
  }

  /**
   * The i-th parameter; a negative `i` counts from the end.
   * @throws IndexError if `i` is out of range.
   */
  at(i: number): Parameter {
    const list = this.parameters(false);
    return list[normIndex(i, list.length, 'ParameterList.at')]!;
  }

  /**
   * Add `p` at the end (wrapped in a Parameter if it is a plain Tensor).
   * @returns this, for chaining.
   * @throws ValueError if `p` is not a Tensor.
   */
  append(p: Tensor): this {
    if (!(p instanceof Tensor)) throw new ValueError('ParameterList.append: expected a Tensor');
    this.registerParameter(String(this.length), p instanceof Parameter ? p : new Parameter(p));
    return this;
  }

  /** The parameters in order. */
  [Symbol.iterator](): Iterator<Parameter> {
    return this.parameters(false)[Symbol.iterator]();
  }

  forward(): never {
    throw new NotSupportedError("ParameterList has no forward(); use its parameters in your module's forward", 'E_MODULE_NO_FORWARD');
  }

  override extraRepr(): string {
    return this.namedParameters('', false)
      .map(([k, p]) => `(${k}): Parameter containing: [${p.dtype} of size ${p.shape.join('x')}]`)
      .join('\n');
  }
}
