/**
 * The module system: `Parameter` and `Module`, PyTorch's `torch.nn.Parameter` / `torch.nn.Module`.
 *
 * ## Design
 *
 * **Parameter** is a `Tensor` subclass (as in PyTorch): a leaf tensor with `requiresGrad` on by default
 * that a `Module` recognises as trainable state. It shares storage with the tensor it was made from, so
 * `new Parameter(randn(3, 4))` costs nothing; optimizers update it in place (`p.sub_(...)` under
 * `noGrad`), which keeps its identity stable for the optimizer's per-parameter state.
 *
 * **Registration.** PyTorch registers attributes in `__setattr__`. TypeScript has no such hook, so a
 * module discovers its state from its own properties, in assignment order, every time it is asked:
 * a property holding a `Parameter` is a parameter, one holding a `Module` is a child — so
 * `this.fc1 = new Linear(4, 8)` in a constructor is all a user writes. Names are the property names
 * (`fc1.weight`). State whose PyTorch name is not a valid camelCase field (`running_mean`,
 * `in_proj_weight`, `weight_ih_l0`, `out_proj`) is registered explicitly with `registerParameter`,
 * `registerBuffer` or `registerModule`, and exposed through camelCase accessors; the state-dict key is
 * always the PyTorch name. Buffers (tensors that are state but not trained: running statistics) are
 * always registered explicitly. An array of modules in a property is refused with a hint to use
 * `ModuleList` (PyTorch silently ignores it, a classic bug).
 *
 * **Calling.** JavaScript classes are not callable, so `module(x)` is spelled `module.call(x)` — typed
 * from the subclass's `forward` (`Parameters<this['forward']>`), and running forward hooks like PyTorch's
 * `__call__`. `module.forward(x)` works too and skips the hooks.
 *
 * **State dicts** are plain objects `{ 'layers.0.weight': Tensor, ... }` in PyTorch's key order (own
 * parameters, own buffers, then children, recursively) with PyTorch's layouts. The tensors share
 * storage with the module (detached), as in PyTorch.
 */
import { isFloat, type DType } from '../core/dtype.js';
import { DTypeError, IndexError, ShapeError, StateError, ValueError, fmtShape } from '../core/errors.js';
import { noGrad } from '../autograd/mode.js';
import { checkOptionKeys } from '../core/options.js';
import { parseToArg, type Device, type DeviceLike } from '../core/device.js';
import { gpuRuntime, syncReadError } from '../backend/gpu.js';
import { activeDevice, toDevice } from '../backend/dispatch.js';
import { nextStorageId, type Cell } from '../backend/storage.js';
import { Tensor, eachTensor, setGradInternal, userCode } from '../tensor/tensor.js';

// ---------------------------------------------------------------- Parameter

/**
 * Move a float32 tensor that owns its whole storage onto the backend's device (wasm: its linear
 * memory, where kernels and the optimizer use it without copying). The storage record keeps its
 * identity and values — so a Parameter still shares storage with the tensor it was made from. A
 * no-op on the js backend, for views, and for small tensors (the device decides).
 */
function makeResident(t: Tensor): void {
  if (t.offset !== 0 || t.record.length !== t.numel()) return;
  t.record.cell.longLived = true;
  toDevice(t.record);
}

/**
 * A trainable tensor. `new Parameter(data, requiresGrad = true)` shares `data`'s storage (a
 * non-contiguous `data` is copied first, so in-place updates are always possible).
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const src = data.isContiguous() ? data : data.detach().contiguous();
    makeResident(src);
    super(src.record, src.shape.slice(), src.dtype, src.strides, src.offset);
    if (requiresGrad) {
      if (!isFloat(this.dtype))
        throw new DTypeError(`Parameter: only floating-point tensors can require gradients, got ${this.dtype}; pass requiresGrad=false`);
      this.requiresGrad = true;
    }
  }

  /**
   * @internal Replace the data in place (keeps the object's identity, like PyTorch's `param.data = t`).
   * Used by `Module.to(dtype)`.
   */
  setData(t: Tensor): void {
    const src = t.detach().contiguous();
    makeResident(src);
    const self = this as unknown as { record: unknown; shape: unknown; strides: unknown; offset: unknown; dtype: unknown };
    self.record = src.record;
    self.shape = src.shape.slice();
    self.strides = src.strides.slice();
    self.offset = src.offset;
    self.dtype = src.dtype;
    this.grad = null;
  }

  /** PyTorch's print: `Parameter containing:` followed by the tensor. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

// ---------------------------------------------------------------- Module

/** A state dict: PyTorch keys (`0.weight`, `bn1.running_mean`) → tensors, in PyTorch's order. */
export type StateDict = Record<string, Tensor>;

/** What `loadStateDict` returns (PyTorch's `_IncompatibleKeys`): keys the module has but the dict lacks, and keys in the dict the module does not have (both empty with `strict`, which throws instead). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** `loadStateDict` found missing or unexpected keys (strict mode). Lists every one. */
export class StateDictKeyError extends StateError {
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
  constructor(message: string, missingKeys: string[], unexpectedKeys: string[]) {
    super(message, 'E_STATE_DICT_KEYS');
    this.missingKeys = missingKeys;
    this.unexpectedKeys = unexpectedKeys;
  }
}

/** `loadStateDict` found tensors whose shape differs from the module's (in any mode). */
export class StateDictShapeError extends ShapeError {
  readonly mismatches: { key: string; expected: number[]; got: number[] }[];
  constructor(message: string, mismatches: { key: string; expected: number[]; got: number[] }[]) {
    super(message, 'E_STATE_DICT_SHAPE');
    this.mismatches = mismatches;
  }
}

/** A hook run after `forward` (see `registerForwardHook`): gets the module, its inputs and output; a non-undefined return replaces the output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;
/** A hook run before `forward` (see `registerForwardPreHook`): gets the module and its inputs; an array return replaces the inputs. */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown[] | void;

const isIdentifierLike = (name: string) => name.length > 0 && !name.includes('.');

/**
 * The first input of `call`: a missing value, a scalar or a nested array of numbers is a ValueError
 * naming the module (the usual slips: `model.call(undefined)` from a wrong field name, `model.call([[1, 2]])`
 * for `model.call(tensor([[1, 2]]))`), rather than a TypeError from inside the first layer.
 */
function checkInput(who: string, x: unknown): void {
  let leaf = x;
  while (Array.isArray(leaf) && leaf.length > 0) leaf = leaf[0];
  const bad =
    x === undefined || x === null
      ? String(x)
      : typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean'
        ? `a ${typeof x}`
        : Array.isArray(x) && (typeof leaf === 'number' || typeof leaf === 'boolean')
          ? 'an array of numbers; convert it with tensor(...)'
          : null;
  if (bad !== null) throw new ValueError(`${who}.call: expected a Tensor as the input, got ${bad}`, 'E_INPUT');
}

/** Nesting depth of `Module.call` (0: no forward running). */
let callDepth = 0;

/** The device cells of the tensors in a module's output, or null if any of them takes a gradient (the call is part of a training step). */
function outputCells(v: unknown): Set<Cell> | null {
  const cells = new Set<Cell>();
  const inference = eachTensor(v, (t) => {
    if (t.requiresGrad) return false;
    const c = t.record.cellIfAny;
    if (c !== null) cells.add(c);
  });
  return inference ? cells : null;
}

/**
 * Base class of every layer and model. Subclasses assign parameters and sub-modules as properties in
 * the constructor and implement `forward`.
 *
 * ```ts
 * class MLP extends nn.Module {
 *   fc1 = new nn.Linear(784, 128);
 *   fc2 = new nn.Linear(128, 10);
 *   forward(x: Tensor): Tensor { return this.fc2.call(this.fc1.call(x).relu()); }
 * }
 * const model = new MLP();
 * model.namedParameters().map(([k]) => k); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics). Set with `train()`/`eval()`. */
  training = true;

  // Registries keyed by PyTorch name, in registration order. Non-enumerable so they never look like
  // user state.
  declare private _params: Map<string, Parameter | null>;
  declare private _buffers: Map<string, Tensor | null>;
  declare private _nonPersistent: Set<string>;
  declare private _modules: Map<string, Module | null>;
  declare private _discovered: Set<string>;
  declare private _fwdHooks: ForwardHook[];
  declare private _fwdPreHooks: ForwardPreHook[];

  constructor() {
    for (const [k, v] of [
      ['_params', new Map()],
      ['_buffers', new Map()],
      ['_nonPersistent', new Set()],
      ['_modules', new Map()],
      ['_discovered', new Set()],
      ['_fwdHooks', []],
      ['_fwdPreHooks', []],
    ] as const)
      Object.defineProperty(this, k, { value: v, enumerable: false, writable: false });
  }

  /** The computation. Called by `call(...)`. */
  abstract forward(...args: any[]): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- subclasses narrow both the arguments and the result; unknown would make every base-typed call unusable

  /**
   * Run the module: forward pre-hooks, `forward`, forward hooks (PyTorch's `module(x)`).
   * Typed from the subclass's `forward`.
   */
  call(...args: Parameters<this['forward']>): ReturnType<this['forward']> {
    let a: unknown[] = args;
    let out: ReturnType<this['forward']>;
    const born = callDepth === 0 ? nextStorageId() : 0;
    callDepth++;
    try {
      // hooks are user code: what they see escapes, and what they make is theirs (inside a Sequential's
      // internal scope too; README, "Design: memory model")
      for (const h of this._fwdPreHooks) {
        const r = userCode(a, () => h(this, a));
        if (r) a = r;
      }
      if (this.forward.length > 0) checkInput(this.typeName, a[0]);
      out = this.forward(...a);
      for (const h of this._fwdHooks) {
        const r = userCode([a, out], () => h(this, a, out));
        if (r !== undefined) out = r as ReturnType<this['forward']>;
      }
    } finally {
      callDepth--;
    }
    // a top-level forward that ran ops and whose output takes no gradient (inference) ends a step, as
    // backward() ends a training step: the working-set estimate behind the default eviction budget, and
    // what user code made during it moves off the device (README, "Design: memory model")
    if (callDepth === 0 && nextStorageId() > born) {
      const keep = outputCells(out);
      if (keep !== null) activeDevice()?.markStep?.(keep);
    }
    return out;
  }

  /** Register `fn(module, inputs, output)` to run after forward; returning a value replaces the output. */
  registerForwardHook(fn: ForwardHook): () => void {
    this._fwdHooks.push(fn);
    return () => {
      const i = this._fwdHooks.indexOf(fn);
      if (i >= 0) this._fwdHooks.splice(i, 1);
    };
  }

  /** Register `fn(module, inputs)` to run before forward; returning an array replaces the inputs. */
  registerForwardPreHook(fn: ForwardPreHook): () => void {
    this._fwdPreHooks.push(fn);
    return () => {
      const i = this._fwdPreHooks.indexOf(fn);
      if (i >= 0) this._fwdPreHooks.splice(i, 1);
    };
  }

  /**
   * The class name used in printing and error messages: the class's own static `displayName` when it
   * has one (built-in layers do, so minified bundles still print `Linear`), else `constructor.name`.
   */
  get typeName(): string {
    const c = this.constructor as { displayName?: unknown; name: string };
    return Object.prototype.hasOwnProperty.call(c, 'displayName') && typeof c.displayName === 'string' ? c.displayName : c.name;
  }

  // ---------------------------------------------------------------- registration

  /**
   * Pick up parameters and modules assigned as own properties since the last look; forget those
   * whose property was deleted (`delete this.fc`), like PyTorch's `del self.fc`.
   */
  private syncRegistry(): void {
    for (const key of this._discovered)
      if (!Object.prototype.hasOwnProperty.call(this, key)) {
        this._params.delete(key);
        this._modules.delete(key);
        this._discovered.delete(key);
      }
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Parameter) {
        if (this._modules.has(key) || this._buffers.has(key)) this.nameClash(key, 'a parameter');
        if (!this._params.has(key)) this._discovered.add(key);
        this._params.set(key, v);
      } else if (v instanceof Module) {
        if (this._params.has(key) || this._buffers.has(key)) this.nameClash(key, 'a module');
        if (!this._modules.has(key)) this._discovered.add(key);
        this._modules.set(key, v);
      } else if (v instanceof Tensor) {
        if (this._buffers.has(key)) this._buffers.set(key, v);
        else if (this._params.has(key))
          throw new StateError(
            `${this.typeName}: cannot assign a plain Tensor to parameter '${key}'; wrap it: new Parameter(tensor)`,
            'E_MODULE_ASSIGN',
          );
      } else if (v === null) {
        if (this._params.has(key)) this._params.set(key, null);
        else if (this._modules.has(key)) this._modules.set(key, null);
        else if (this._buffers.has(key)) this._buffers.set(key, null);
      } else if (Array.isArray(v) && v.some((e) => e instanceof Module || e instanceof Parameter)) {
        throw new StateError(
          `${this.typeName}: property '${key}' is a plain array of modules/parameters, which would not be registered (no parameters(), stateDict or train/eval); use new ModuleList([...]) or ParameterList`,
          'E_MODULE_ARRAY',
        );
      }
    }
  }

  private nameClash(name: string, what: string): never {
    throw new StateError(
      `${this.typeName}: attribute '${name}' is already registered as something else; cannot make it ${what}`,
      'E_MODULE_ASSIGN',
    );
  }

  private checkName(name: string, what: string): void {
    if (typeof name !== 'string' || !isIdentifierLike(name))
      throw new ValueError(`${this.typeName}.${what}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
  }

  /** Register a parameter under `name` (its state-dict key). `null` records an absent parameter. */
  registerParameter(name: string, param: Parameter | null): Parameter | null {
    this.checkName(name, 'registerParameter');
    this.syncRegistry();
    if (param !== null && !(param instanceof Parameter))
      throw new StateError(
        `${this.typeName}.registerParameter: '${name}' must be a Parameter or null; wrap it: new Parameter(tensor)`,
        'E_MODULE_ASSIGN',
      );
    if (this._modules.has(name) || this._buffers.has(name)) this.nameClash(name, 'a parameter');
    this._params.set(name, param);
    return param;
  }

  /**
   * Register a buffer: state saved in the state dict (unless `persistent` is false) but not trained,
   * e.g. BatchNorm's `running_mean`. Returns the tensor.
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, persistent = true): T {
    this.checkName(name, 'registerBuffer');
    this.syncRegistry();
    if (tensor !== null && !(tensor instanceof Tensor))
      throw new StateError(`${this.typeName}.registerBuffer: '${name}' must be a Tensor or null`, 'E_MODULE_ASSIGN');
    if (this._modules.has(name) || this._params.has(name)) this.nameClash(name, 'a buffer');
    this._buffers.set(name, tensor);
    if (persistent) this._nonPersistent.delete(name);
    else this._nonPersistent.add(name);
    return tensor;
  }

  /** Register a child module under `name` (PyTorch's `add_module`). Returns the module. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    this.checkName(name, 'registerModule');
    this.syncRegistry();
    if (module !== null && !(module instanceof Module))
      throw new StateError(`${this.typeName}.registerModule: '${name}' must be a Module or null`, 'E_MODULE_ASSIGN');
    if (this._params.has(name) || this._buffers.has(name)) this.nameClash(name, 'a module');
    this._modules.set(name, module);
    return module;
  }

  /** Alias of `registerModule` (PyTorch's `add_module`). */
  addModule<M extends Module | null>(name: string, module: M): M {
    return this.registerModule(name, module);
  }

  /** @internal Remove a registered child (ModuleList/ModuleDict use this). */
  protected unregisterModule(name: string): void {
    this._modules.delete(name);
  }

  /** @internal Replace the whole child registry in the given order (ModuleList.insert). */
  protected resetModules(entries: [string, Module][]): void {
    this._modules.clear();
    for (const [k, m] of entries) this._modules.set(k, m);
  }

  /** A registered parameter by its (own, undotted) name. */
  protected ownParameter(name: string): Parameter | null {
    this.syncRegistry();
    return this._params.get(name) ?? null;
  }

  /** A registered buffer by its (own) name. */
  protected ownBuffer(name: string): Tensor | null {
    this.syncRegistry();
    return this._buffers.get(name) ?? null;
  }

  /** A registered child by its (own) name. */
  protected ownModule(name: string): Module | null {
    this.syncRegistry();
    return this._modules.get(name) ?? null;
  }

  /** @internal Set a registered buffer's value (keeps its position). */
  protected replaceBuffer(name: string, t: Tensor | null): void {
    this._buffers.set(name, t);
    if (Object.prototype.hasOwnProperty.call(this, name)) (this as Record<string, unknown>)[name] = t;
  }

  // ---------------------------------------------------------------- traversal

  /** Own parameters, buffers and children (the `null` ones included), after syncing. */
  private ownState(): { params: [string, Parameter | null][]; buffers: [string, Tensor | null][]; modules: [string, Module | null][] } {
    this.syncRegistry();
    return { params: [...this._params], buffers: [...this._buffers], modules: [...this._modules] };
  }

  /** `[name, module]` for this module and every descendant, depth-first, each module once. */
  namedModules(prefix = '', memo: Set<Module> = new Set()): [string, Module][] {
    const out: [string, Module][] = [];
    if (memo.has(this)) return out;
    memo.add(this);
    out.push([prefix, this]);
    for (const [name, m] of this.ownState().modules) {
      if (!m) continue;
      out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name, memo));
    }
    return out;
  }

  /** This module and every descendant. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** `[name, child]` for the direct children. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [name, m] of this.ownState().modules)
      if (m && !seen.has(m)) {
        seen.add(m);
        out.push([name, m]);
      }
    return out;
  }

  /** The direct children. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** `[dotted name, parameter]`, own first, then children's; each parameter once. */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    return this.namedTensors('params', prefix, recurse);
  }

  /** Own then descendants' non-null entries of one registry, dotted names, each tensor once (first name wins). */
  private namedTensors<K extends 'params' | 'buffers'>(
    kind: K,
    prefix: string,
    recurse: boolean,
  ): [string, K extends 'params' ? Parameter : Tensor][] {
    type T = K extends 'params' ? Parameter : Tensor;
    const out: [string, T][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods)
      for (const [name, t] of m.ownState()[kind])
        if (t && !seen.has(t)) {
          seen.add(t);
          out.push([mp ? `${mp}.${name}` : name, t as T]);
        }
    return out;
  }

  /** Every trainable tensor (what an optimizer takes). */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** `[dotted name, buffer]` for every (non-null) buffer, own first, then children's; each buffer once. */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedTensors('buffers', prefix, recurse);
  }

  /** Every (non-null) buffer: running statistics and other state that is saved but not trained. */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  /** The sub-module at a dotted path (`'layers.0'`); `''` is this module. */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a cursor that walks down the module tree from here, not a closure alias
    let m: Module = this;
    for (const part of target.split('.')) {
      const c = m.ownModule(part);
      if (!c) throw new IndexError(`${m.typeName} has no submodule '${part}' (looking up '${target}')`, 'E_MODULE_KEY');
      m = c;
    }
    return m;
  }

  /** The parameter at a dotted path (`'0.weight'`). */
  getParameter(target: string): Parameter {
    const i = target.lastIndexOf('.');
    const m = this.getSubmodule(i < 0 ? '' : target.slice(0, i));
    const p = m.ownParameter(target.slice(i + 1));
    if (!p) throw new IndexError(`${m.typeName} has no parameter '${target.slice(i + 1)}' (looking up '${target}')`, 'E_MODULE_KEY');
    return p;
  }

  /** The buffer at a dotted path (`'bn.running_mean'`). */
  getBuffer(target: string): Tensor {
    const i = target.lastIndexOf('.');
    const m = this.getSubmodule(i < 0 ? '' : target.slice(0, i));
    const b = m.ownBuffer(target.slice(i + 1));
    if (!b) throw new IndexError(`${m.typeName} has no buffer '${target.slice(i + 1)}' (looking up '${target}')`, 'E_MODULE_KEY');
    return b;
  }

  // ---------------------------------------------------------------- modes and bulk operations

  /** Set training mode on this module and every descendant. Returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ValueError(`${this.typeName}.train: mode is expected to be a boolean, got ${String(mode)}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): dropout off, batch norm uses running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Call `fn` on every descendant (children first) and then on this module. Returns this. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Clear the gradients of every parameter (`setToNone`: set `grad` to null, the default; else zero it). */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      const grad = p._grad;
      if (!grad) continue;
      setGradInternal(p, setToNone ? null : grad.detach().zerosLike());
    }
  }

  /** Turn gradient tracking of every parameter on or off (freezing). Returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Cast every floating-point parameter and buffer to `dtype`, in place (identity kept). Devices are
   * accepted as in `Tensor.to` — `model.to('cpu')` returns the model unchanged (everything lives on
   * 'cpu'), `model.to('cpu', 'float64')` casts; 'webgpu' and unknown names are typed errors.
   */
  to(target: DType | DeviceLike | { dtype?: DType; device?: DeviceLike }, dtype?: DType): this {
    let want: DType | undefined;
    if (target !== null && typeof target === 'object') {
      checkOptionKeys(`${this.typeName}.to`, target, { dtype: true, device: true });
      if (target.device !== undefined) parseToArg(target.device, `${this.typeName}.to`);
      if (target.dtype !== undefined) want = parseToArg(target.dtype, `${this.typeName}.to`).dtype;
    } else want = parseToArg(target, `${this.typeName}.to`).dtype;
    if (dtype !== undefined) want = parseToArg(dtype, `${this.typeName}.to`).dtype ?? want;
    const dev =
      target !== null && typeof target === 'object'
        ? target.device !== undefined
          ? parseToArg(target.device, `${this.typeName}.to`).device
          : undefined
        : parseToArg(target, `${this.typeName}.to`).device;
    if (want !== undefined) this.castTo(want);
    if (dev !== undefined) this.moveTo(dev);
    return this;
  }

  /**
   * Move every parameter and buffer (and gradient) to `device`, in place: tensors keep their identity,
   * so an optimizer made before still updates them. To 'webgpu' it is an upload; back to 'cpu' it is a
   * readback, which is async: `await model.toAsync('cpu')`.
   */
  private moveTo(device: Device): void {
    for (const t of this.stateTensors()) {
      if (device === 'webgpu' && t.record.gpu === null) gpuRuntime(`${this.typeName}.to`).moveIn(t.record, t.dtype);
      if (device === 'cpu' && t.record.gpu !== null) throw syncReadError(`${this.typeName}.to('cpu')`, `model.toAsync('cpu')`);
    }
    if (device === 'webgpu') for (const p of this.parameters()) if (p.grad && p.grad.record.gpu === null) p.grad = p.grad.to('webgpu');
  }

  /** `to()` for every device: `await model.toAsync('cpu')` reads the parameters and buffers back from the GPU, in place. */
  async toAsync(device: DeviceLike): Promise<this> {
    const dev = parseToArg(device, `${this.typeName}.toAsync`).device;
    if (dev !== 'cpu') return this.to(device);
    for (const t of this.stateTensors())
      if (t.record.gpu !== null)
        t.record.placeOnHost(await gpuRuntime(`${this.typeName}.toAsync`).read(t.record, t.dtype, 0, t.record.length));
    for (const p of this.parameters()) if (p.grad && p.grad.record.gpu !== null) p.grad = await p.grad.toAsync('cpu');
    return this;
  }

  /** Every parameter and buffer tensor of this module and its sub-modules (each once). */
  private stateTensors(): Tensor[] {
    const out = new Set<Tensor>();
    for (const m of this.modules()) {
      for (const [, p] of m.ownState().params) if (p) out.add(p);
      for (const [, b] of m.ownState().buffers) if (b) out.add(b);
    }
    return [...out];
  }

  private castTo(dtype: DType): this {
    if (!isFloat(dtype)) throw new DTypeError(`${this.typeName}.to: modules can only be cast to a floating-point dtype, got ${dtype}`);
    for (const m of this.modules()) {
      for (const [, p] of m.ownState().params) if (p && isFloat(p.dtype) && p.dtype !== dtype) p.setData(p.to(dtype));
      for (const [name, b] of m.ownState().buffers) if (b && isFloat(b.dtype) && b.dtype !== dtype) m.replaceBuffer(name, b.to(dtype));
    }
    return this;
  }

  /**
   * Cast every floating-point parameter and buffer to float64, in place (PyTorch's `module.double()`).
   * @returns this.
   */
  double(): this {
    return this.to('float64');
  }

  /**
   * Cast every floating-point parameter and buffer to float32, in place (PyTorch's `module.float()`).
   * @returns this.
   */
  float(): this {
    return this.to('float32');
  }

  /**
   * A deep copy (PyTorch's `copy.deepcopy(module)`): same class, same configuration, parameters and
   * buffers copied into fresh storage (parameters keep `requiresGrad`, lose `grad`), sub-modules copied
   * recursively (a module shared twice stays shared once in the copy). Hooks are copied; other object
   * properties (an `Rng`, option objects) are shared with the original. Use it for target networks,
   * weight averaging or keeping the best model. (Classes that keep state in `#private` fields cannot be
   * copied this way.)
   */
  clone(): this {
    return this.cloneWith(new Map());
  }

  private cloneWith(memo: Map<object, object>): this {
    const seen = memo.get(this);
    if (seen) return seen as this;
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    memo.set(this, copy);
    const cv = <T>(v: T): T => {
      if (v === null || typeof v !== 'object') return v;
      const hit = memo.get(v as object);
      if (hit) return hit as T;
      let out: unknown;
      if (v instanceof Parameter) {
        const p = new Parameter(
          noGrad(() => v.detach().clone()),
          false,
        );
        p.requiresGrad = v.requiresGrad;
        out = p;
      } else if (v instanceof Tensor) out = noGrad(() => v.detach().clone());
      else if (v instanceof Module) out = v.cloneWith(memo);
      else return v;
      memo.set(v as object, out as object);
      return out as T;
    };
    const mapOf = <V>(m: Map<string, V>) => new Map([...m].map(([k, x]) => [k, cv(x)] as [string, V]));
    for (const [k, v] of [
      ['_params', mapOf(this._params)],
      ['_buffers', mapOf(this._buffers)],
      ['_nonPersistent', new Set(this._nonPersistent)],
      ['_modules', mapOf(this._modules)],
      ['_discovered', new Set(this._discovered)],
      ['_fwdHooks', this._fwdHooks.slice()],
      ['_fwdPreHooks', this._fwdPreHooks.slice()],
    ] as const)
      Object.defineProperty(copy, k, { value: v, enumerable: false, writable: false });
    for (const key of Object.keys(this)) (copy as Record<string, unknown>)[key] = cv((this as Record<string, unknown>)[key]);
    return copy;
  }

  // ---------------------------------------------------------------- state dicts

  /**
   * Every parameter and persistent buffer under its PyTorch key, in PyTorch's order. The tensors share
   * storage with the module and are detached (unless `keepVars`).
   */
  stateDict(opts: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    checkOptionKeys(`${this.typeName}.stateDict`, opts, { prefix: true, keepVars: true });
    const out: StateDict = {};
    this.collectState(opts.prefix ?? '', opts.keepVars ?? false, out);
    return out;
  }

  private collectState(prefix: string, keepVars: boolean, out: StateDict, path: Set<Module> = new Set()): void {
    if (path.has(this))
      throw new StateError(
        `${this.typeName}: module '${prefix.slice(0, -1)}' contains itself (a reference cycle); keep back-references out of module properties`,
        'E_MODULE_CYCLE',
      );
    path.add(this);
    const { params, buffers, modules } = this.ownState();
    for (const [name, p] of params) if (p) out[prefix + name] = keepVars ? p : p.detach();
    for (const [name, b] of buffers) if (b && !this._nonPersistent.has(name)) out[prefix + name] = keepVars ? b : b.detach();
    for (const [name, m] of modules) if (m) m.collectState(`${prefix}${name}.`, keepVars, out, path);
    path.delete(this);
  }

  /**
   * Copy values from `stateDict` (PyTorch keys and layouts) into this module's parameters and buffers,
   * in place (values are cast to each tensor's dtype). With `strict` (default), missing or unexpected
   * keys throw a `StateDictKeyError` listing all of them; a shape mismatch always throws a
   * `StateDictShapeError` naming the key and both shapes. Nothing is copied when an error is thrown.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    checkOptionKeys(`${this.typeName}.loadStateDict`, opts, { strict: true });
    const strict = opts.strict ?? true;
    if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict))
      throw new ValueError(
        `${this.typeName}.loadStateDict: expected an object (or Map) of name → Tensor, got ${stateDict === null ? 'null' : Array.isArray(stateDict) ? 'an array' : typeof stateDict}`,
      );
    if (typeof (stateDict as { then?: unknown }).then === 'function')
      throw new ValueError(
        `${this.typeName}.loadStateDict: got a Promise; await it first, e.g. model.loadStateDict(await loadSafetensors(path))`,
      );
    const given = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = this.stateDict({ keepVars: true });
    const missingKeys = Object.keys(own).filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !(k in own));
    const mismatches: { key: string; expected: number[]; got: number[] }[] = [];
    for (const [k, t] of given) {
      const dst = own[k];
      if (!dst) continue;
      if (!(t instanceof Tensor)) throw new ValueError(`${this.typeName}.loadStateDict: value for '${k}' is not a Tensor`);
      if (t.shape.length !== dst.shape.length || t.shape.some((s, i) => s !== dst.shape[i]))
        mismatches.push({ key: k, expected: dst.shape.slice(), got: t.shape.slice() });
    }
    const head = `Error(s) in loading state dict for ${this.typeName}:`;
    if (mismatches.length)
      throw new StateDictShapeError(
        `${head} ${mismatches
          .map(
            (m) =>
              `size mismatch for ${m.key}: copying a param with shape ${fmtShape(m.got)} from the state dict, the shape in the current model is ${fmtShape(m.expected)}`,
          )
          .join('; ')}`,
        mismatches,
      );
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts: string[] = [];
      if (missingKeys.length) parts.push(`missing key(s): ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected key(s): ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`);
      throw new StateDictKeyError(
        `${head} ${parts.join('; ')}${caseHint(missingKeys, unexpectedKeys)} (pass { strict: false } to load the keys that match)`,
        missingKeys,
        unexpectedKeys,
      );
    }
    noGrad(() => {
      for (const [k, t] of given) {
        const dst = own[k];
        if (dst) dst.copy_(t.detach());
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- printing

  /** The text inside the parentheses of this module's line, e.g. `in_features=4, out_features=2, bias=True`. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's module print: `Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n)`. */
  toString(): string {
    if (printing.has(this)) return `${this.typeName}(<cycle>)`;
    printing.add(this);
    try {
      return this.formatTree();
    } finally {
      printing.delete(this);
    }
  }

  private formatTree(): string {
    const extra = this.extraRepr();
    const lines: string[] = extra ? extra.split('\n') : [];
    for (const [name, m] of this.ownState().modules) {
      const body = m ? m.toString() : 'None';
      lines.push(`(${name}): ${body.split('\n').join('\n  ')}`);
    }
    let s = `${this.typeName}(`;
    if (lines.length) {
      if (lines.length === 1 && extra && this.ownState().modules.length === 0) s += extra;
      else s += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${s})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

const printing = new Set<Module>();

/** `linear_relu_stack.0.weight` → `linearReluStack.0.weight` (each dotted part; digits kept). */
function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
/** `linearReluStack.0.weight` → `linear_relu_stack.0.weight`. */
function toSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a}_${b.toLowerCase()}`);
}

/**
 * A copy of a state dict with snake_case keys turned camelCase (`linear_relu_stack.0.weight` →
 * `linearReluStack.0.weight`): PyTorch's weights for a model whose fields are camelCase.
 */
export function camelCaseKeys(stateDict: StateDict | Map<string, Tensor>): StateDict {
  const entries = stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict);
  return Object.fromEntries(entries.map(([k, v]) => [toCamel(k), v]));
}

/** A copy of a state dict with camelCase keys turned snake_case, for PyTorch's snake_case modules. */
export function snakeCaseKeys(stateDict: StateDict | Map<string, Tensor>): StateDict {
  const entries = stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict);
  return Object.fromEntries(entries.map(([k, v]) => [toSnake(k), v]));
}

/** When missing and unexpected keys pair up by snake_case ↔ camelCase alone, say so and name the fix. */
function caseHint(missing: readonly string[], unexpected: readonly string[]): string {
  const norm = (k: string) => toCamel(k);
  const byNorm = new Map(missing.map((k) => [norm(k), k]));
  const pairs: [string, string][] = [];
  for (const u of unexpected) {
    const m = byNorm.get(norm(u));
    if (m !== undefined) pairs.push([u, m]);
  }
  if (!pairs.length) return '';
  const [u, m] = pairs[0]!;
  const fix = norm(u) === u ? 'nn.snakeCaseKeys(stateDict)' : 'nn.camelCaseKeys(stateDict)';
  return `; hint: ${pairs.length} key(s) differ only by snake_case vs camelCase (e.g. "${u}" in the state dict is "${m}" in the model) — load ${fix} instead, which renames them`;
}

/** PyTorch's repr of a Python value in `extraRepr` strings. */
export function pyRepr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')}${v.length === 1 ? ',' : ''})`;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}
