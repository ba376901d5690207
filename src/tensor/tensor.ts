/**
 * The Tensor: a strided view (shape, strides, offset) onto a storage record (src/backend/storage.ts:
 * its data on the backend's device or on the JS heap), plus autograd state (requiresGrad, grad,
 * gradFn). Storage is garbage-collected — there is no dispose (see the README's "Design: memory model").
 *
 * Every method that computes goes through `apply(op, inputs, attrs)`, which looks the op up in the op
 * table, validates (`infer`), runs the kernel (`forward`) and, when a gradient is needed, records a
 * graph node whose closure is the op's `backward`.
 */
import { allocate, checkDType, isFloat, promoteScalar, type DType, type TypedArray } from '../core/dtype.js';
import { checkDevice, parseToArg, type Device, type DeviceLike } from '../core/device.js';
import { checkOptionKeys } from '../core/options.js';
import { DTypeError, IndexError, NotSupportedError, ShapeError, StateError, ValueError, fmtShape } from '../core/errors.js';
import { contiguousStrides, inferReshape, isContiguous, normAxes, normAxis, numel, shapesEqual, viewStrides } from '../core/shape.js';
import { defaultRng, type Rng } from '../core/rng.js';
import { activeDevice, kernels, withKernels } from '../backend/dispatch.js';
import { Storage, findStorage, freeInternal, nextStorageId, storageOf } from '../backend/storage.js';
import { deviceMismatch, gpuRuntime, inGpuOp, noKernel, syncReadError } from '../backend/gpu.js';
import { OPS } from '../ops/table.js';
import type { OpAttrs, OpInputs, OpName, OpRule, GradCtx } from '../ops/types.js';
import * as C from './composite.js';
import { Node, runBackward, setSharedGradTest, type BackwardOptions } from '../autograd/engine.js';
import { isAnomalyEnabled, isGradEnabled, pendingAsyncNoGrad } from '../autograd/mode.js';
import { noteView, recordSaved, staleView } from '../autograd/versions.js';
import { formatTensor } from './format.js';
import { refreshView, writeInPlace } from './inplace.js';
import { getItem, setItem } from './indexing.js';
import type { IndexItem } from './index-parse.js';
import * as X from './extra-ops.js';

/** A plain value usable where a tensor is expected (broadcast as a 0-d tensor of the other operand's dtype). */
export type Scalar = number | boolean;
/** A tensor, or a number/boolean standing for one (the second operand of `add`, `mul`, `eq`, ...). */
export type TensorOrScalar = Tensor | Scalar;
/** One dim or several (negative dims count from the end): the `dim` argument of the reductions. */
export type Dims = number | readonly number[];

/** Observer of every primitive applied (ONNX export traces a forward pass through it). */
export type OpTracer = (name: OpName, inputs: readonly Tensor[], attrs: unknown, output: Tensor) => void;
let opTracer: OpTracer | null = null;

/** @internal Install (or clear, with null) the primitive observer; returns the previous one. */
export function setOpTracer(t: OpTracer | null): OpTracer | null {
  const prev = opTracer;
  opTracer = t;
  return prev;
}

/** The composite tensor methods that ONNX export records as one event each (one ONNX node). */
export type TracedMethod = 'softmax' | 'logSoftmax' | 'matmul' | 'mean' | 'detach';
/** Observer around a traced composite method: it is given the call and runs it itself with `run`. */
export type MethodTracer = (name: TracedMethod, self: Tensor, args: readonly unknown[], run: () => Tensor) => Tensor;
let methodTracer: MethodTracer | null = null;

/** @internal Install (or clear, with null) the composite-method observer; returns the previous one. */
export function setMethodTracer(t: MethodTracer | null): MethodTracer | null {
  const prev = methodTracer;
  methodTracer = t;
  return prev;
}

/** Run a traced composite method's body, through the method tracer when one is installed. */
function traced(name: TracedMethod, self: Tensor, args: readonly unknown[], run: () => Tensor): Tensor {
  return methodTracer === null ? run() : methodTracer(name, self, args, run);
}

/**
 * What a gradient rule is given (`GradCtx`). A class with the getter on its prototype, not an object
 * literal with its own `get gradEnabled()`: in Node 20's V8 an object with an own accessor property
 * survives young-generation collections (measured in plain JS: a loop making
 * `{ a: i, get g() { return 1; } }` promotes about 2 MB per scavenge; with a method instead of the
 * getter, nothing). Every graph node's context was such an object, so each node — and through its
 * closure the tensors it saved — was promoted to the old generation (1.7 MB per scavenge in a small
 * MLP's training loop) and lived until a full GC: the old generation, the native heap behind the
 * tensors' arrays and RSS grew between full GCs (see the README's "Design: memory model").
 */
class RuleCtx {
  constructor(
    readonly inputs: readonly Tensor[],
    readonly output: Tensor,
    readonly attrs: unknown,
    readonly saved: unknown,
  ) {}
  run = apply;
  /** Grad mode when the rule runs (backward time), not when it was recorded. */
  get gradEnabled(): boolean {
    return isGradEnabled();
  }
}

/** Apply a primitive from the op table: validate, run the kernel, record the graph node. */
export function apply<K extends OpName>(name: K, inputs: OpInputs[K], attrs: OpAttrs[K]): Tensor {
  const def: OpRule<K> = OPS[name];
  // a view whose storage was written in place since its history was made reads its base's history
  // now, as PyTorch regenerates a view's grad_fn (before anything reads requiresGrad below)
  if (isGradEnabled()) for (const t of inputs) if (staleView(t)) refreshView(apply, t);
  const spec = def.infer(inputs, attrs);
  // the one point where the device may evict (arrays taken from `.storage` are valid until the next op)
  activeDevice()?.atOp();
  const born = nextStorageId();
  // whether a graph node will hold this op (then its forward keeps what the backward needs)
  let needs = false;
  if (def.backward !== null && isGradEnabled()) for (const t of inputs) if (t.requiresGrad) needs = true;
  const raw = onGpu(name, inputs) ? runOnGpu(name, () => def.forward(inputs, attrs, spec, needs)) : def.forward(inputs, attrs, spec, needs);
  // a view op returns an input's array: share that input's storage record
  let store: TypedArray | Storage = raw.data;
  for (const t of inputs) if (t.record.host === raw.data || t.record.view === raw.data) store = t.record;
  const out = new Tensor(store, spec.shape, spec.dtype, raw.strides, raw.offset);
  if (inputs.length > 0 && out.record === inputs[0]!.record) noteView(out, inputs[0]!);
  if (scope !== null && opTracer === null && out.record.id >= born) {
    // a new storage made inside a composite op: an engine temporary unless the composite returns it
    out.record.internal = true;
    out.record.scoped = true;
    scope.push(out.record);
  }
  if (opTracer !== null) opTracer(name, inputs, attrs, out);
  if (isAnomalyEnabled() && isFloat(out.dtype)) checkFinite(out, name);
  if (def.backward === null && isGradEnabled() && isFloat(out.dtype) && inputs.some((t) => t.requiresGrad))
    throw new NotSupportedError(
      `${name}: this primitive has no gradient rule, so it cannot be differentiated (e.g. a second derivative through it with createGraph)`,
      'E_NO_GRADIENT',
    );
  if (def.backward !== null && isGradEnabled()) {
    if (needs) {
      const backward = def.backward;
      const ctx = new RuleCtx(inputs, out, attrs, raw.saved) as GradCtx<OpAttrs[K], OpInputs[K]>;
      out.requiresGrad = true;
      const node = new Node(name, inputs, (g) => backward(g, ctx));
      node.inputFns = inputs.map((t) => t.gradFn);
      recordSaved(node, name, inputs, out, attrs);
      out.gradFn = node;
      // the node holds its inputs and its output until backward releases it
      for (const t of inputs) t.record.holders++;
      out.record.holders++;
      node.heldOut = out.record;
    }
  }
  return out;
}

/**
 * Whether op `name` runs on the 'webgpu' device: any input is there. Every other input must be there
 * too, except 0-d CPU tensors (scalars, as PyTorch allows): mixing devices is a typed error naming both.
 */
function onGpu(name: string, inputs: readonly Tensor[]): boolean {
  let gpu = false;
  for (const t of inputs) if (t.record.gpu !== null) gpu = true;
  if (!gpu) return false;
  inputs.forEach((t, k) => {
    if (t.record.gpu !== null || t.ndim === 0) return;
    // index ops check their int32 indices on the CPU (range) and take them from there, as crossEntropy its targets
    if (k === 1 && t.dtype === 'int32' && INDEX_OPS.has(name)) return;
    throw deviceMismatch(name, t.shape);
  });
  return true;
}

/** Ops whose second input (int32 indices) may stay on the CPU when the data is on the GPU. */
const INDEX_OPS: ReadonlySet<string> = new Set(['gather', 'scatterAdd', 'indexSelect', 'indexAdd', 'putFlat', 'scatterReduce']);

/** Run an op's forward with the WebGPU kernel table (its kernels read and write GPU buffers). */
function runOnGpu<T>(name: string, fn: () => T): T {
  const rt = gpuRuntime(name);
  return inGpuOp(name, () => withKernels(rt.kernels, fn));
}

/** The shape and strides of every 0-d tensor. */
const NO_DIMS: readonly number[] = Object.freeze([]);

/** Storages made by ops inside the innermost running `internalScope` (null outside any). */
let scope: Storage[] | null = null;

/**
 * @internal Run a composite op's body so that the engine can free its intermediates (README, "Design:
 * memory model"): every storage an op makes inside is an engine temporary unless `fn` returns it (a
 * tensor, or an array or object of tensors). A temporary no graph node holds is freed when `fn`
 * returns; one that nodes hold (saved for backward) is freed when backward releases the last of them.
 * Only for bodies that hand no tensor to anyone but their caller (no module state, no user callbacks).
 */
export function internalScope<T>(fn: () => T): T {
  const outer = scope;
  const mine: Storage[] = [];
  scope = mine;
  let result: T;
  try {
    result = fn();
  } finally {
    scope = outer;
  }
  const returned = new Set<Storage>();
  const walk = (v: unknown): void => {
    if (v instanceof Tensor) returned.add(v.record);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(result);
  for (const r of mine) {
    if (!r.internal) continue; // escaped meanwhile (a graph walk saw it)
    if (returned.has(r)) {
      // the result: the caller's if this scope is nested in another composite, else the user's
      if (outer !== null) outer.push(r);
      else {
        r.internal = false;
        r.scoped = false;
      }
      continue;
    }
    r.scoped = false;
    if (r.holders === 0) freeInternal(r);
  }
  return result;
}

/**
 * @internal Run user code (a module hook) met inside an `internalScope`: the tensors it is handed escape
 * (it may keep them), and the ops it runs make ordinary tensors, not engine temporaries.
 */
export function userCode<T>(handed: unknown, fn: () => T): T {
  escape(handed);
  const outer = scope;
  scope = null;
  try {
    const r = fn();
    escape(r);
    return r;
  } finally {
    scope = outer;
  }
}

/** Every tensor in `v` stops being an engine temporary. */
function escape(v: unknown): void {
  eachTensor(v, (t) => {
    t.record.internal = false;
    t.record.scoped = false;
  });
}

/**
 * @internal Call `fn` on each tensor in `v` — a tensor, or arrays, Maps and plain objects of them (what a
 * module or a hook returns) — until it returns false; returns false if it did.
 */
export function eachTensor(v: unknown, fn: (t: Tensor) => boolean | void): boolean {
  if (v instanceof Tensor) return fn(v) !== false;
  let xs: Iterable<unknown>;
  if (Array.isArray(v)) xs = v;
  else if (v instanceof Map) xs = v.values();
  else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) xs = Object.values(v);
  else return true;
  for (const x of xs) if (!eachTensor(x, fn)) return false;
  return true;
}

/**
 * @internal For an `internalScope` body that knows when a value has had its last use (an interpreter
 * walking a graph): free `t`'s storage now if it is an engine temporary of a running scope that no
 * graph node holds; else do nothing (the scope's exit, or backward's release, frees it as before). The
 * caller guarantees that no other value it will still use shares the storage (views share it).
 */
export function releaseTemporary(t: Tensor): void {
  const r = t.record;
  if (scope === null || !r.internal || !r.scoped || r.holders > 0) return;
  r.scoped = false;
  freeInternal(r);
}

/**
 * @internal Give `t` the gradient `g` (engine code: optimizers, `zeroGrad`, backward), without counting
 * as a read. The gradient it replaces is freed now if no code outside the engine has seen it — the
 * engine made it (backward adopts only unshared storages, or copies) and nothing else holds it.
 */
export function setGradInternal(t: Tensor, g: Tensor | null): void {
  const old = t._grad;
  if (old !== null && old !== g && old.record !== g?.record) {
    if (!t._gradSeen) freeInternal(old.record);
    else notGrad(old);
  }
  t._grad = g;
  t._gradSeen = false;
  if (g !== null && g.record.onDevice) g.record.cell.grad = true;
}

/** A gradient user code holds stopped being a `.grad`: like any data of theirs, a step's end may move it off the device. */
function notGrad(old: Tensor): void {
  const c = old.record.cellIfAny;
  if (c !== null) c.grad = false;
}

setSharedGradTest(isSharedGrad, internalScope);

function checkFinite(t: Tensor, op: string): void {
  const d = t.storage;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) throw new StateError(`anomaly: ${op} produced ${Number.isNaN(v) ? 'NaN' : 'Inf'} in its forward output`, 'E_ANOMALY');
  }
}

/** A kernel result as a JS-heap array the caller may keep: a device result is copied out and its block freed. */
function hostCopy(a: TypedArray): TypedArray {
  const s = findStorage(a);
  if (s === undefined || !s.onDevice) return a;
  const out = a.slice();
  s.cell.device!.free(s.cell);
  return out;
}

function scalarTensor(v: number, dtype: DType): Tensor {
  const arr = allocate(dtype, 1);
  arr[0] = v;
  return new Tensor(arr, [], dtype);
}

/** Parse `f(2, 3)` / `f([2, 3])` style shape arguments. */
export function shapeArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as number[]).slice();
  return args as number[];
}

/**
 * Gradient storages that something besides the engine may hold — a leaf's `.grad`, a hook, the caller of
 * `backward(gradient)` — so `accumulateGrad` copies rather than adopts them.
 */
const sharedGrads = new WeakSet<Storage>();
function shareGrad(g: Tensor): void {
  sharedGrads.add(g.record);
}

/** @internal Whether a gradient's storage may be held outside the engine (a hook saw it, a leaf adopted it). */
export function isSharedGrad(g: Tensor): boolean {
  return sharedGrads.has(g.record);
}

/**
 * An n-dimensional array of float32, float64, int32 or bool values, with autograd (PyTorch's `torch.Tensor`).
 * Build one with `tensor([[1, 2], [3, 4]])`, `zeros`, `randn`, ...; operations broadcast like NumPy/PyTorch and
 * record the graph for `backward()` when an input has `requiresGrad`. Memory is managed for you (no `dispose()`).
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * x.grad; // [[2, 4], [6, 8]]
 */
export class Tensor {
  /**
   * The storage record, shared by every view of the same data: a stable identity per storage (key
   * per-storage state on it, not on the array `storage` returns, which changes when the data moves
   * between the device and the JS heap).
   */
  readonly record: Storage;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  /** Whether gradients flow to this tensor. Set on leaves by the user; on op outputs by autograd. */
  requiresGrad = false;
  /** @internal The gradient behind `grad`. */
  _grad: Tensor | null = null;
  /**
   * @internal Whether code outside the engine may hold the gradient: `grad` was read or set since the
   * engine last assigned it. An unseen gradient is the engine's alone, so dropping it (`zeroGrad`, or a
   * new accumulation) frees its device block at once instead of leaving it to eviction.
   */
  _gradSeen = false;
  /** Accumulated gradient (leaves, and non-leaves after `retainGrad()`). */
  get grad(): Tensor | null {
    this._gradSeen = true;
    return this._grad;
  }
  set grad(g: Tensor | null) {
    const old = this._grad;
    if (old !== null && old.record !== g?.record) notGrad(old);
    this._grad = g;
    this._gradSeen = true;
    if (g !== null && g.record.onDevice) g.record.cell.grad = true;
  }
  /** The graph node that produced this tensor (null for leaves). */
  gradFn: Node | null = null;
  /** @internal */
  retainsGrad = false;
  /** @internal The tensor this one is a view of (set by view ops; in-place writes rebase its history). */
  viewOf: Tensor | null = null;
  /** @internal For a view: the storage version its history was made at (see `refreshView`). */
  histVersion = 0;
  private hooks: ((g: Tensor) => Tensor | void)[] | null = null;

  constructor(storage: TypedArray | Storage, shape: readonly number[], dtype: DType, strides?: readonly number[], offset = 0) {
    this.record = storage instanceof Storage ? storage : storageOf(storage, dtype);
    // a 0-d tensor (a loss, a metric) shares one frozen empty shape and strides: kept losses cost less
    this.shape = shape.length === 0 ? NO_DIMS : shape;
    this.dtype = dtype;
    this.strides = shape.length === 0 ? NO_DIMS : (strides ?? contiguousStrides(shape));
    this.offset = offset;
  }

  /**
   * Backing data (shared by views). Element (i, j, …) lives at offset + Σ index·stride. This is the
   * storage's current array — a view of device memory or a JS array — valid until the next op runs
   * (an op may move the data); use `dataSync()` for a copy to keep.
   */
  get storage(): TypedArray {
    return this.record.data;
  }

  // ---------------------------------------------------------------- metadata

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }

  /** Number of elements (the product of the shape; 1 for a 0-d tensor). */
  numel(): number {
    return numel(this.shape);
  }

  /** The shape, or the size of one dimension (negative dims allowed). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return this.shape.slice();
    return this.shape[normAxis(dim, this.ndim, 'size')]!;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Whether the elements are laid out row-major without gaps (views such as `transpose` may not be). */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** Whether the dtype is float32 or float64. */
  isFloatingPoint(): boolean {
    return isFloat(this.dtype);
  }

  // ---------------------------------------------------------------- reading values

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.numel() !== 1)
      throw new ValueError(`item: a Tensor with ${this.numel()} elements cannot be converted to a scalar (shape ${fmtShape(this.shape)})`);
    if (this.record.gpu !== null) throw syncReadError('item', 'x.itemAsync()');
    return this.storage[this.offset]!;
  }

  /** A fresh contiguous typed array with the values, row-major. */
  dataSync(): TypedArray {
    const r = this.record;
    if (r.gpu !== null) throw syncReadError('dataSync', 'x.data()');
    // contiguous: one slice of the block or the JS array (a kernel would upload data moved off the device)
    if (this.isContiguous()) return r.data.slice(this.offset, this.offset + this.numel());
    return hostCopy(kernels().unary('copy', { data: this.storage, offset: this.offset, strides: this.strides }, this.shape, this.dtype));
  }

  /** Nested JS arrays (a number for a 0-d tensor); bools as booleans. */
  toArray(): unknown {
    if (this.record.gpu !== null) throw syncReadError('toArray/tolist', 'x.tolistAsync()');
    return this.nest(this.dataSync());
  }

  private nest(flat: TypedArray): unknown {
    const conv = this.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
    const build = (d: number, off: number): unknown => {
      if (d === this.ndim) return conv(flat[off]!);
      const stride = numel(this.shape.slice(d + 1));
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[d]!; i++) out.push(build(d + 1, off + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** Alias of `toArray()` (PyTorch's `tolist`). */
  tolist(): unknown {
    return this.toArray();
  }

  /**
   * The values as a fresh contiguous typed array, on every device: a CPU tensor's at once, a 'webgpu'
   * tensor's once the GPU has finished the work queued before this call (the synchronous readers,
   * `item()`, `tolist()`, `dataSync()`, throw `E_WEBGPU_SYNC_READ` for those). Bool data comes as 0/1 bytes.
   */
  async data(): Promise<TypedArray> {
    if (this.record.gpu === null) return this.dataSync();
    const src = this.isContiguous() ? this : this.contiguous();
    return gpuRuntime('data').read(src.record, this.dtype, src.offset, this.numel());
  }

  /** `tolist()` on every device (awaits the GPU's readback for a 'webgpu' tensor). */
  async tolistAsync(): Promise<unknown> {
    return this.nest(await this.data());
  }

  /** `item()` on every device (awaits the GPU's readback for a 'webgpu' tensor). */
  async itemAsync(): Promise<number> {
    if (this.numel() !== 1)
      throw new ValueError(
        `itemAsync: a Tensor with ${this.numel()} elements cannot be converted to a scalar (shape ${fmtShape(this.shape)})`,
      );
    return (await this.data())[0]!;
  }

  /**
   * `to()` on every device, for moves that need a readback: `await x.toAsync('cpu')` copies a 'webgpu'
   * tensor into a new CPU tensor (cut from the graph, as a readback cannot be differentiated). Other
   * moves and casts are `to()`'s.
   */
  async toAsync(device: DeviceLike, dtype?: DType): Promise<Tensor> {
    const want = checkDevice(device, 'toAsync');
    const t = want === 'cpu' && this.record.gpu !== null ? new Tensor(await this.data(), this.shape.slice(), this.dtype) : this.to(device);
    return dtype === undefined ? t : t.to(dtype);
  }

  /** PyTorch-style print, e.g. `tensor([[1., 2.], [3., 4.]])` (one row per line). */
  toString(): string {
    if (this.record.gpu !== null) throw syncReadError('toString (printing)', 'x.tolistAsync()');
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---------------------------------------------------------------- creation from this tensor

  /** A new tensor of this dtype from a typed array / number list (like PyTorch's `new_tensor`). */
  newTensor(data: ArrayLike<number>, shape: readonly number[], dtype: DType = this.dtype): Tensor {
    if (data.length !== numel(shape)) throw new ShapeError(`newTensor: ${data.length} values do not fill shape ${fmtShape(shape)}`);
    const arr = allocate(dtype, data.length);
    for (let i = 0; i < data.length; i++) arr[i] = Number(data[i]);
    return this.onMyDevice(new Tensor(arr, shape.slice(), dtype));
  }

  /**
   * @internal int32 indices computed on the CPU, kept there whatever this tensor's device: the ops that
   * take them (putFlat, indexSelect, gather…) check and read them on the CPU.
   */
  newCpuIndex(data: ArrayLike<number>, shape: readonly number[]): Tensor {
    if (data.length !== numel(shape)) throw new ShapeError(`newCpuIndex: ${data.length} values do not fill shape ${fmtShape(shape)}`);
    return new Tensor(Int32Array.from(data), shape.slice(), 'int32');
  }

  /** A new tensor of `shape` filled with `value`, of this tensor's dtype unless `dtype` is given (PyTorch's `new_full`). */
  newFull(shape: readonly number[], value: number, dtype: DType = this.dtype): Tensor {
    const arr = allocate(dtype, numel(shape));
    if (value !== 0) arr.fill(value);
    return this.onMyDevice(new Tensor(arr, shape.slice(), dtype));
  }

  /** `t` (a new CPU tensor) moved to this tensor's device: `new*` and `*Like` create there, as in PyTorch. */
  private onMyDevice(t: Tensor): Tensor {
    return this.record.gpu === null ? t : t.to('webgpu');
  }

  /** Zeros of `shape`, of this tensor's dtype unless `dtype` is given. */
  newZeros(shape: readonly number[], dtype: DType = this.dtype): Tensor {
    return this.newFull(shape, 0, dtype);
  }

  /** Ones of `shape`, of this tensor's dtype unless `dtype` is given. */
  newOnes(shape: readonly number[], dtype: DType = this.dtype): Tensor {
    return this.newFull(shape, 1, dtype);
  }

  /** Zeros with this tensor's shape and dtype. */
  zerosLike(): Tensor {
    return this.newZeros(this.shape);
  }

  /** Ones with this tensor's shape and dtype. */
  onesLike(): Tensor {
    return this.newOnes(this.shape);
  }

  /** A copy that shares nothing with this tensor (and is part of the graph). */
  clone(): Tensor {
    return apply('contiguous', [this], {});
  }

  /** Same storage, cut from the graph. */
  detach(): Tensor {
    return traced('detach', this, [], () => new Tensor(this.record, this.shape, this.dtype, this.strides, this.offset));
  }

  // ---------------------------------------------------------------- autograd

  /** Set `requiresGrad` in place (only on leaves); returns this. */
  requiresGrad_(on = true): this {
    if (!this.isLeaf && !on)
      throw new StateError('requiresGrad_: you can only change requiresGrad of leaf tensors; use detach() for a non-leaf');
    if (on && !isFloat(this.dtype))
      throw new DTypeError(`requiresGrad_: only floating-point tensors can require gradients, got ${this.dtype}`);
    this.requiresGrad = on;
    return this;
  }

  /** Keep `.grad` for this non-leaf tensor after backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /**
   * Register a hook called with this tensor's gradient during backward; return a tensor to replace it.
   * Returns a function that removes the hook.
   */
  registerHook(fn: (grad: Tensor) => Tensor | void): () => void {
    if (!this.requiresGrad) throw new StateError("registerHook: cannot register a hook on a tensor that doesn't require gradient");
    (this.hooks ??= []).push(fn);
    return () => {
      this.hooks = this.hooks?.filter((h) => h !== fn) ?? null;
    };
  }

  /** @internal */
  runHooks(g: Tensor): Tensor {
    if (!this.hooks) return g;
    for (const h of this.hooks) {
      shareGrad(g); // a hook may keep the gradient it is shown
      const r = h(g);
      if (r) g = r;
    }
    shareGrad(g);
    return g;
  }

  /** @internal */
  accumulateGrad(g: Tensor): void {
    // `.grad` is always this tensor's own contiguous storage in its own dtype: the incoming gradient is
    // often a view shared with other tensors (add passes one gradient to both inputs, sum's is an
    // expanded scalar, reshape's aliases the upstream), and optimizers update `.grad` in place.
    let gd = g.requiresGrad ? g : g.detach();
    if (gd.dtype !== this.dtype) gd = gd.to(this.dtype);
    if (this._grad) setGradInternal(this, this._grad.add(gd));
    else if (
      !g.requiresGrad &&
      shapesEqual(gd.shape, this.shape) &&
      gd.offset === 0 &&
      gd.record.length === gd.numel() &&
      gd.isContiguous() &&
      !sharedGrads.has(gd.record)
    ) {
      // adopt a fresh gradient instead of copying it (PyTorch's AccumulateGrad steals an unshared one
      // too): the storage is whole and contiguous, and neither another leaf's .grad, a hook, nor the
      // caller's `backward(gradient)` has seen it
      shareGrad(gd);
      setGradInternal(this, gd);
    } else setGradInternal(this, (shapesEqual(gd.shape, this.shape) ? gd : gd.expand(this.shape)).clone());
  }

  /**
   * Compute gradients of this tensor w.r.t. every leaf that requires them.
   * Without `gradient`, this tensor must hold a single element (the usual scalar loss).
   */
  backward(gradient?: Tensor, opts: BackwardOptions = {}): void {
    checkOptionKeys('backward', opts, { retainGraph: true, createGraph: true });
    if (staleView(this) && isGradEnabled()) refreshView(apply, this);
    if (gradient !== undefined && gradient !== null && !(gradient instanceof Tensor))
      throw new ValueError(
        `backward: gradient must be a Tensor (or undefined), got ${typeof gradient === 'object' ? 'an object — options go second: backward(undefined, { retainGraph: true })' : typeof gradient}`,
      );
    if (!this.requiresGrad)
      throw new StateError(
        pendingAsyncNoGrad() > 0
          ? `backward: element 0 of tensors does not require grad and does not have a gradFn: ${pendingAsyncNoGrad()} noGrad(async …) block(s) were still pending while it was computed, and grad mode is one switch for the whole thread — await the noGrad block before running a training step`
          : 'backward: element 0 of tensors does not require grad and does not have a gradFn (did you forget requiresGrad, or run the forward inside noGrad?)',
      );
    let g: Tensor;
    if (gradient === undefined || gradient === null) {
      if (this.numel() !== 1)
        throw new StateError(
          `backward: grad can be implicitly created only for scalar outputs; this tensor has shape ${fmtShape(this.shape)} — pass a gradient of that shape`,
        );
      g = this.newOnes(this.shape);
    } else {
      if (!shapesEqual(gradient.shape, this.shape))
        throw new ShapeError(`backward: gradient shape ${fmtShape(gradient.shape)} does not match tensor shape ${fmtShape(this.shape)}`);
      g = gradient.dtype === this.dtype ? gradient.detach() : gradient.to(this.dtype);
      shareGrad(g); // the caller still holds it: a leaf reached unchanged must copy it
    }
    // createGraph keeps the graph unless told otherwise (PyTorch: retain_graph defaults to create_graph)
    runBackward(this, g, { ...opts, retainGraph: opts.retainGraph ?? !!opts.createGraph });
  }

  // ---------------------------------------------------------------- casts

  /**
   * PyTorch's `.to()`: cast to a dtype and/or move to a device. `x.to('float64')`, `x.to('cpu')`,
   * `x.to('cpu', 'float64')`, `x.to(other)` (other's dtype), `x.to({ device, dtype })`. Returns this when
   * nothing changes. Devices: 'cpu' ('wasm' and 'js' name the same place — the backend is chosen for the
   * process by `init()`); 'webgpu' is not available yet; anything else is a typed error listing the
   * valid dtypes and devices.
   */
  to(target: DType | DeviceLike | Tensor | { dtype?: DType; device?: DeviceLike }, dtype?: DType): Tensor {
    if (target === this.dtype && dtype === undefined) return this;
    let want: DType = this.dtype;
    let dev: Device = this.device;
    if (target instanceof Tensor) want = target.dtype;
    else if (target !== null && typeof target === 'object') {
      checkOptionKeys('to', target, { dtype: true, device: true });
      if (target.device !== undefined) dev = checkDevice(target.device, 'to');
      if (target.dtype !== undefined) want = parseToArg(target.dtype, 'to').dtype ?? checkDType(target.dtype, 'to');
    } else {
      const a = parseToArg(target, 'to');
      want = a.dtype ?? want;
      dev = a.device ?? dev;
    }
    if (dtype !== undefined) want = parseToArg(dtype, 'to').dtype ?? want;
    if (dev === 'cpu' && this.record.gpu !== null) throw syncReadError("to('cpu')", "x.toAsync('cpu')");
    if (dev === 'webgpu' && this.record.gpu === null)
      // cast on the CPU first (the GPU cannot hold a float64 source), then upload
      return (want === this.dtype ? this : apply('cast', [this], { dtype: want })).toGpu();
    if (want === this.dtype) return this;
    return apply('cast', [this], { dtype: want });
  }

  /** A copy on the 'webgpu' device (an upload; part of the graph: its gradient comes back to the CPU tensor). */
  private toGpu(): Tensor {
    const rt = gpuRuntime('to');
    const src = this.isContiguous() && this.offset === 0 && this.record.length === this.numel() ? this.storage : this.dataSync();
    const out = new Tensor(rt.fromHost(src, this.dtype), this.shape.slice(), this.dtype);
    if (this.requiresGrad && isGradEnabled()) {
      // the move is differentiable in one direction only: a gradient on the GPU cannot be read back synchronously
      out.requiresGrad = true;
      out.gradFn = new Node('toWebgpu', [this], () => {
        throw noKernel(
          "the gradient of x.to('webgpu') for a CPU leaf (move the leaf itself: create it on 'webgpu' or use model.to('webgpu'))",
        );
      });
      out.gradFn.inputFns = [this.gradFn];
    }
    return out;
  }

  /** Where the tensor's storage lives: 'cpu', or 'webgpu' (see `to()`); `x.to(y.device)` works as in PyTorch. */
  get device(): Device {
    return this.record.gpu !== null ? 'webgpu' : 'cpu';
  }
  /** This tensor as float32 (itself when it already is). */
  float(): Tensor {
    return this.to('float32');
  }
  /** This tensor as float64 (itself when it already is). */
  double(): Tensor {
    return this.to('float64');
  }
  /** This tensor as int32 (floats truncate toward zero). */
  int(): Tensor {
    return this.to('int32');
  }
  /** This tensor as bool (non-zero → true). */
  bool(): Tensor {
    return this.to('bool');
  }

  // ---------------------------------------------------------------- elementwise unary

  /** `−x`, elementwise. */
  neg(): Tensor {
    return apply('neg', [this], {});
  }
  /** `|x|`, elementwise. */
  abs(): Tensor {
    return apply('abs', [this], {});
  }
  /** `e^x`, elementwise. */
  exp(): Tensor {
    return apply('exp', [this], {});
  }
  /** Natural logarithm, elementwise (−inf at 0, NaN below). */
  log(): Tensor {
    return apply('log', [this], {});
  }
  /** Square root, elementwise (NaN below 0). */
  sqrt(): Tensor {
    return apply('sqrt', [this], {});
  }
  /** `1 / √x`, elementwise. */
  rsqrt(): Tensor {
    return apply('rsqrt', [this], {});
  }
  /** Sine (radians), elementwise. */
  sin(): Tensor {
    return apply('sin', [this], {});
  }
  /** Cosine (radians), elementwise. */
  cos(): Tensor {
    return apply('cos', [this], {});
  }
  /** Hyperbolic tangent, elementwise. */
  tanh(): Tensor {
    return apply('tanh', [this], {});
  }
  /** Logistic sigmoid `1 / (1 + e^−x)`, elementwise. */
  sigmoid(): Tensor {
    return apply('sigmoid', [this], {});
  }
  /** ReLU, `max(x, 0)`, elementwise. */
  relu(): Tensor {
    return apply('relu', [this], {});
  }
  /** Sign of each element: −1, 0 or 1. */
  sign(): Tensor {
    return apply('sign', [this], {});
  }
  /** `x²`, elementwise. */
  square(): Tensor {
    return apply('square', [this], {});
  }
  /** `1 / x`, elementwise. */
  reciprocal(): Tensor {
    return apply('reciprocal', [this], {});
  }
  /** The Gauss error function, elementwise. */
  erf(): Tensor {
    return apply('erf', [this], {});
  }
  /** `log(1 + x)`, elementwise, accurate for small x. */
  log1p(): Tensor {
    return apply('log1p', [this], {});
  }
  /** `e^x − 1`, elementwise, accurate for small x. */
  expm1(): Tensor {
    return apply('expm1', [this], {});
  }
  /** Round down, elementwise. */
  floor(): Tensor {
    return apply('floor', [this], {});
  }
  /** Round up, elementwise. */
  ceil(): Tensor {
    return apply('ceil', [this], {});
  }
  /** Round to nearest, ties to even (as PyTorch), elementwise. */
  round(): Tensor {
    return apply('round', [this], {});
  }
  /** GELU with the exact erf form: x·Φ(x). */
  gelu(): Tensor {
    return apply('gelu', [this], {});
  }
  /** Elementwise NOT (non-zero is true), as bool. */
  logicalNot(): Tensor {
    return apply('logicalNot', [this], {});
  }
  /** Where the elements are NaN, as bool. */
  isnan(): Tensor {
    return apply('isnan', [this], {});
  }
  /** Where the elements are +inf or −inf, as bool. */
  isinf(): Tensor {
    return apply('isinf', [this], {});
  }
  /** Leaky ReLU: `x` where x ≥ 0, else `negativeSlope · x` (default 0.01). */
  leakyRelu(negativeSlope = 0.01): Tensor {
    return apply('leakyRelu', [this], { slope: negativeSlope });
  }
  /** ELU: `x` where x > 0, else `alpha · (e^x − 1)` (default alpha 1). */
  elu(alpha = 1): Tensor {
    return apply('elu', [this], { alpha });
  }
  /** Softplus `log(1 + e^(beta·x)) / beta`, linear where `beta·x > threshold` (defaults 1 and 20). */
  softplus(beta = 1, threshold = 20): Tensor {
    return apply('softplus', [this], { beta, threshold });
  }
  /** x·σ(x) */
  silu(): Tensor {
    return this.mul(this.sigmoid());
  }
  /** Clamp to [min, max]; either bound may be null. */
  clamp(min: TensorOrScalar | null = null, max: TensorOrScalar | null = null): Tensor {
    if (min === null && max === null) throw new ValueError('clamp: at least one of min and max must not be null');
    if (min instanceof Tensor || max instanceof Tensor) {
      // tensor bounds (broadcast): x below min takes min, then above max takes max (so min > max gives max)
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- the running result starts as this tensor and is replaced, not a closure alias
      let out: Tensor = this;
      // (a NaN bound makes NaN, as PyTorch's max/min propagate it)
      if (min !== null) {
        const lo = this.wrap(min);
        out = out.lt(lo).logicalOr(lo.isnan()).ifElse(lo, out);
      }
      if (max !== null) {
        const hi = this.wrap(max);
        out = out.gt(hi).logicalOr(hi.isnan()).ifElse(hi, out);
      }
      return out;
    }
    const lo = min === null ? null : Number(min);
    const hi = max === null ? null : Number(max);
    // PyTorch's promotion with a scalar bound: an integer tensor and a fractional bound give float32
    const dtype = [lo, hi].reduce<DType>((d, b) => (b === null || Number.isNaN(b) || isFloat(d) ? d : promoteScalar(d, b)), this.dtype);
    const x = isFloat(dtype) && !isFloat(this.dtype) ? this.to(dtype) : this;
    // a NaN bound makes every value NaN (the kernel reads NaN as "no bound"); the gradient is 0
    if ((lo !== null && Number.isNaN(lo)) || (hi !== null && Number.isNaN(hi))) return x.mul(0).add(NaN);
    return apply('clamp', [x], { min: lo, max: hi });
  }

  /** x ** e — e a number (pow-scalar) or a tensor (broadcast). */
  pow(e: TensorOrScalar): Tensor {
    if (typeof e === 'number') return apply('powScalar', [this], { exponent: e });
    return apply('pow', [this, this.wrap(e)], {});
  }

  // ---------------------------------------------------------------- elementwise binary (broadcasting)

  /** Wrap a JS number as a 0-d tensor of the dtype PyTorch's promotion would use. */
  private wrap(v: TensorOrScalar): Tensor {
    if (v instanceof Tensor) return v;
    const dtype = promoteScalar(this.dtype, v);
    const arr = allocate(dtype, 1);
    arr[0] = Number(v);
    return new Tensor(arr, [], dtype);
  }

  /**
   * `this + alpha·other`, elementwise with broadcasting.
   * @throws ShapeError if the shapes do not broadcast.
   */
  add(other: TensorOrScalar, alpha = 1): Tensor {
    const o = alpha === 1 ? this.wrap(other) : this.wrap(other).mul(alpha);
    return apply('add', [this, o], {});
  }
  /**
   * `this − alpha·other`, elementwise with broadcasting.
   * @throws ShapeError if the shapes do not broadcast.
   */
  sub(other: TensorOrScalar, alpha = 1): Tensor {
    const o = alpha === 1 ? this.wrap(other) : this.wrap(other).mul(alpha);
    return apply('sub', [this, o], {});
  }
  /** `this · other`, elementwise with broadcasting. */
  mul(other: TensorOrScalar): Tensor {
    return apply('mul', [this, this.wrap(other)], {});
  }
  /** this / other; `{ roundingMode: 'trunc' | 'floor' }` rounds the quotient (integers stay integers; zero gradient). */
  div(other: TensorOrScalar, opts: { roundingMode?: 'trunc' | 'floor' | null } = {}): Tensor {
    checkOptionKeys('div', opts, { roundingMode: true });
    const mode = opts.roundingMode ?? null;
    if (mode === null) return apply('div', [this, this.wrap(other)], {});
    if (mode !== 'trunc' && mode !== 'floor')
      throw new ValueError(`div: roundingMode must be 'trunc', 'floor' or null, got '${String(mode)}'`);
    return apply('divRounding', [this, this.wrap(other)], { mode });
  }
  /** other - this */
  rsub(other: TensorOrScalar): Tensor {
    return apply('sub', [this.wrap(other), this], {});
  }
  /** Elementwise maximum with `other` (broadcast); NaN propagates. */
  maximum(other: TensorOrScalar): Tensor {
    return apply('maximum', [this, this.wrap(other)], {});
  }
  /** Elementwise minimum with `other` (broadcast); NaN propagates. */
  minimum(other: TensorOrScalar): Tensor {
    return apply('minimum', [this, this.wrap(other)], {});
  }
  /** `this == other`, elementwise with broadcasting, as bool. */
  eq(other: TensorOrScalar): Tensor {
    return apply('eq', [this, this.wrap(other)], {});
  }
  /** `this != other`, elementwise with broadcasting, as bool. */
  ne(other: TensorOrScalar): Tensor {
    return apply('ne', [this, this.wrap(other)], {});
  }
  /** `this < other`, elementwise with broadcasting, as bool. */
  lt(other: TensorOrScalar): Tensor {
    return apply('lt', [this, this.wrap(other)], {});
  }
  /** `this <= other`, elementwise with broadcasting, as bool. */
  le(other: TensorOrScalar): Tensor {
    return apply('le', [this, this.wrap(other)], {});
  }
  /** `this > other`, elementwise with broadcasting, as bool. */
  gt(other: TensorOrScalar): Tensor {
    return apply('gt', [this, this.wrap(other)], {});
  }
  /** `this >= other`, elementwise with broadcasting, as bool. */
  ge(other: TensorOrScalar): Tensor {
    return apply('ge', [this, this.wrap(other)], {});
  }
  /** Elementwise AND (non-zero is true), as bool. */
  logicalAnd(other: TensorOrScalar): Tensor {
    return apply('logicalAnd', [this, this.wrap(other)], {});
  }
  /** Elementwise OR (non-zero is true), as bool. */
  logicalOr(other: TensorOrScalar): Tensor {
    return apply('logicalOr', [this, this.wrap(other)], {});
  }
  /** Elementwise XOR (non-zero is true), as bool. */
  logicalXor(other: TensorOrScalar): Tensor {
    return apply('logicalXor', [this, this.wrap(other)], {});
  }

  /** PyTorch's `x.where(condition, y)`: x where condition holds, else y. */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return apply('where', [condition, this, this.wrap(other)], {});
  }

  /** For a bool tensor: `a` where true, `b` where false (`where(this, a, b)`). */
  ifElse(a: TensorOrScalar, b: TensorOrScalar): Tensor {
    if (this.dtype !== 'bool') throw new DTypeError(`ifElse: the condition must be a bool tensor, got ${this.dtype}`);
    const ref = a instanceof Tensor ? a : b instanceof Tensor ? b : null;
    const mk = (v: TensorOrScalar): Tensor =>
      v instanceof Tensor ? v : ref ? ref.wrap(v) : scalarTensor(Number(v), Number.isInteger(v) ? 'int32' : 'float32');
    return apply('where', [this, mk(a), mk(b)], {});
  }

  /** Fill `value` where `mask` is true. */
  maskedFill(mask: Tensor, value: number): Tensor {
    if (mask.dtype !== 'bool') throw new DTypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
    return apply('where', [mask, this.wrap(value).to(this.dtype), this], {});
  }

  // ---------------------------------------------------------------- reductions

  /**
   * Sum over `dim` (one dim, several, or all when omitted; negative dims count from the end).
   * [2,3,4].sum(1) → [2,4]; .sum(1, true) → [2,1,4]; .sum() → []. Integer and bool tensors sum to int32.
   */
  sum(dim?: Dims, keepdim = false): Tensor {
    return apply('sum', [this], { dims: normAxes(dim, this.ndim, 'sum'), keepdim });
  }
  /** Mean over `dim` (all when omitted); shapes as `sum`. Integer tensors are averaged in float32. */
  mean(dim?: Dims, keepdim = false): Tensor {
    return traced('mean', this, [dim, keepdim], () => internalScope(() => C.mean(this, dim, keepdim)));
  }
  /** Maximum over `dim` (all when omitted); shapes as `sum`. The gradient is split evenly between ties. */
  amax(dim?: Dims, keepdim = false): Tensor {
    return apply('amax', [this], { dims: normAxes(dim, this.ndim, 'amax'), keepdim });
  }
  /** Minimum over `dim` (all when omitted); shapes as `sum`. The gradient is split evenly between ties. */
  amin(dim?: Dims, keepdim = false): Tensor {
    return apply('amin', [this], { dims: normAxes(dim, this.ndim, 'amin'), keepdim });
  }
  /** Max of all elements, or `{ values, indices }` along `dim`. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return apply('amax', [this], { dims: normAxes(undefined, this.ndim, 'max'), keepdim: false, nanShare: true });
    return C.extremumDim(this, dim, keepdim, 'argmax');
  }
  /** Min of all elements, or `{ values, indices }` along `dim`. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return apply('amin', [this], { dims: normAxes(undefined, this.ndim, 'min'), keepdim: false, nanShare: true });
    return C.extremumDim(this, dim, keepdim, 'argmin');
  }
  /** int32 index of the maximum along `dim` (first of ties), or into the flattened tensor when `dim` is omitted. */
  argmax(dim?: number, keepdim = false): Tensor {
    return apply('argmax', [this], { dim: dim === undefined ? null : normAxis(dim, this.ndim, 'argmax'), keepdim });
  }
  /** int32 index of the minimum along `dim` (first of ties), or into the flattened tensor when `dim` is omitted. */
  argmin(dim?: number, keepdim = false): Tensor {
    return apply('argmin', [this], { dim: dim === undefined ? null : normAxis(dim, this.ndim, 'argmin'), keepdim });
  }
  /** Product over one dim (or all elements → []); exact gradients also where factors are zero. */
  prod(dim?: number, keepdim = false): Tensor {
    if (dim === undefined)
      return apply('prod', [this.reshape(-1)], { dim: 0, keepdim: false }).reshape(keepdim ? this.shape.map(() => 1) : []);
    return apply('prod', [this], { dim: normAxis(dim, this.ndim, 'prod'), keepdim });
  }
  /**
   * Variance Σ(x − mean)² / (N − correction) over `dim` (all when omitted); `correction` 1 (Bessel, the
   * default, PyTorch's `unbiased=True`) or 0 (biased). Shapes as `sum`.
   */
  var(dim?: Dims, opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    checkOptionKeys('var', opts, { correction: true, keepdim: true });
    return internalScope(() => C.variance(this, dim, opts.correction ?? 1, opts.keepdim ?? false));
  }
  /** Standard deviation: `var(dim, opts).sqrt()`. */
  std(dim?: Dims, opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    checkOptionKeys('std', opts, { correction: true, keepdim: true });
    return this.var(dim, opts).sqrt();
  }
  /** log Σ exp(x) over `dim`, computed as max + log Σ exp(x − max): finite for logits of ±1e4. */
  logsumexp(dim: Dims, keepdim = false): Tensor {
    return internalScope(() => C.logsumexp(this, dim, keepdim));
  }
  /** exp(x) / Σ exp(x) along `dim` (max-shifted, so large logits do not overflow); same shape as the input. */
  softmax(dim: number): Tensor {
    return traced('softmax', this, [dim], () => internalScope(() => C.softmax(this, dim)));
  }
  /** log softmax along `dim`, as (x − max) − log Σ exp(x − max); same shape as the input. */
  logSoftmax(dim: number): Tensor {
    return traced('logSoftmax', this, [dim], () => internalScope(() => C.logSoftmax(this, dim)));
  }
  /** Sum a (broadcast) tensor down to `shape` — the reverse of broadcasting. */
  sumToSize(shape: readonly number[]): Tensor {
    return C.sumToSize(this, shape);
  }

  // ---------------------------------------------------------------- shape and views

  /** Reshape (a view when contiguous, else a copy). One dim may be -1. */
  reshape(...shape: (number | readonly number[])[]): Tensor {
    return apply('reshape', [this], { shape: shapeArgs(shape) });
  }
  /** Like reshape, but only for contiguous tensors (always a view). */
  view(...shape: (number | readonly number[])[]): Tensor {
    const target = inferReshape(this.shape, shapeArgs(shape), 'view');
    if (!this.isContiguous() && !viewStrides(this.shape, this.strides, target))
      throw new ShapeError(
        `view: size ${fmtShape(target)} is not compatible with input tensor's size and stride (${fmtShape(this.shape)}, strides ${fmtShape(this.strides)}); use .reshape(...) instead`,
      );
    return this.reshape(target);
  }
  /** Reorder dims (a view): [2,3,4].permute(2, 0, 1) → [4,2,3]. */
  permute(...dims: (number | readonly number[])[]): Tensor {
    const d = shapeArgs(dims).map((x) => normAxis(x, this.ndim, 'permute'));
    return apply('permute', [this], { dims: d });
  }
  /** Swap dims `dim0` and `dim1` (a view; negative dims count from the end). */
  transpose(dim0: number, dim1: number): Tensor {
    const a = normAxis(dim0, this.ndim, 'transpose');
    const b = normAxis(dim1, this.ndim, 'transpose');
    const dims = this.shape.map((_, i) => i);
    dims[a] = b;
    dims[b] = a;
    return apply('permute', [this], { dims });
  }
  /** Transpose of a ≤2-D tensor. */
  t(): Tensor {
    if (this.ndim > 2)
      throw new ShapeError(`t: expects a tensor with <= 2 dimensions, got ${fmtShape(this.shape)}; use transpose(dim0, dim1)`);
    return this.ndim < 2 ? this : this.transpose(0, 1);
  }
  get T(): Tensor {
    return this.permute(this.shape.map((_, i) => this.ndim - 1 - i));
  }
  /** Broadcast size-1 dims to `shape` without copying (stride 0; -1 keeps a dim): [3,1].expand(2,3,4) → [2,3,4]. */
  expand(...shape: (number | readonly number[])[]): Tensor {
    return apply('expand', [this], { shape: shapeArgs(shape) });
  }
  /** `expand` to `other`'s shape. */
  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }
  /** `length` elements of `dim` from `start` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    const d = normAxis(dim, this.ndim, 'narrow');
    const size = this.shape[d]!;
    const s = start < 0 ? start + size : start;
    if (s < 0 || s > size || length < 0 || s + length > size)
      throw new IndexError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${size}) of ${fmtShape(this.shape)}`);
    return apply('slice', [this], { dim: d, start: s, end: s + length, step: 1 });
  }
  /** Python slicing `x[..., start:end:step, ...]` on `dim` (negative and out-of-range bounds clamp). */
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    const d = normAxis(dim, this.ndim, 'slice');
    const size = this.shape[d]!;
    const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
    const s = start === null ? 0 : clampIdx(start);
    const e = end === null ? size : clampIdx(end);
    return apply('slice', [this], { dim: d, start: s, end: Math.max(s, e), step });
  }
  /** The `index`-th slice along `dim`, with that dim removed (`x[:, i]`). */
  select(dim: number, index: number): Tensor {
    const d = normAxis(dim, this.ndim, 'select');
    const size = this.shape[d]!;
    if (index < -size || index >= size)
      throw new IndexError(`select: index ${index} is out of bounds for dimension ${d} with size ${size}`);
    const i = index < 0 ? index + size : index;
    return this.narrow(d, i, 1).squeeze(d);
  }
  /** Remove size-1 dims (all, or the given one). */
  squeeze(dim?: Dims): Tensor {
    const dims = dim === undefined ? this.shape.map((_, i) => i) : normAxes(dim, this.ndim, 'squeeze');
    const shape = this.shape.filter((s, i) => !(s === 1 && dims.includes(i)));
    return shape.length === this.ndim ? this : this.reshape(shape);
  }
  /** Insert a size-1 dim at `dim` (a view; −1 appends): [3].unsqueeze(0) → [1, 3]. */
  unsqueeze(dim: number): Tensor {
    const d = normAxis(dim, this.ndim + 1, 'unsqueeze');
    const shape = this.shape.slice();
    shape.splice(d, 0, 1);
    return this.reshape(shape);
  }
  /** Merge dims `startDim..endDim` into one (defaults: all → 1-D; a 0-d tensor becomes [1]). */
  flatten(startDim = 0, endDim = -1): Tensor {
    if (this.ndim === 0) return this.reshape(1);
    const s = normAxis(startDim, this.ndim, 'flatten');
    const e = normAxis(endDim, this.ndim, 'flatten');
    if (s > e) throw new ValueError(`flatten: startDim ${startDim} cannot come after endDim ${endDim}`);
    const shape = [...this.shape.slice(0, s), numel(this.shape.slice(s, e + 1)), ...this.shape.slice(e + 1)];
    return this.reshape(shape);
  }
  /** Split dim `dim` into `sizes` (one may be −1): [2, 12].unflatten(1, [3, 4]) → [2, 3, 4]. */
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    const d = normAxis(dim, this.ndim, 'unflatten');
    return this.reshape([...this.shape.slice(0, d), ...sizes, ...this.shape.slice(d + 1)]);
  }
  /** This tensor if it is contiguous, else a row-major copy. */
  contiguous(): Tensor {
    return this.isContiguous() ? this : apply('contiguous', [this], {});
  }
  /** Constant padding, PyTorch F.pad order (last dim first). */
  pad(pads: readonly number[], value = 0): Tensor {
    return apply('pad', [this], { pads: pads.slice(), value });
  }
  /** Split into `chunks` pieces along `dim` (the last may be smaller). */
  chunk(chunks: number, dim = 0): Tensor[] {
    const d = normAxis(dim, this.ndim, 'chunk');
    // an empty dim gives `chunks` empty pieces (PyTorch)
    if (this.shape[d] === 0 && chunks > 0) return Array.from({ length: chunks }, () => this.narrow(d, 0, 0));
    const size = Math.ceil(this.shape[d]! / chunks);
    return this.split(size, d);
  }
  /** Split into pieces of `size` (or the given sizes) along `dim`. */
  split(size: number | readonly number[], dim = 0): Tensor[] {
    const d = normAxis(dim, this.ndim, 'split');
    const n = this.shape[d]!;
    const sizes: number[] = [];
    if (typeof size === 'number') {
      if (!(size > 0)) throw new ValueError(`split: size must be positive, got ${size}`);
      for (let at = 0; at < n; at += size) sizes.push(Math.min(size, n - at));
      if (n === 0) sizes.push(0); // an empty dim is one empty piece (PyTorch)
    } else {
      if (size.reduce((a, b) => a + b, 0) !== n)
        throw new ShapeError(`split: sizes ${fmtShape(size)} do not sum to dimension ${d} of size ${n}`);
      sizes.push(...size);
    }
    let at = 0;
    return sizes.map((s) => {
      const piece = this.narrow(d, at, s);
      at += s;
      return piece;
    });
  }
  /** Tile the tensor (PyTorch's `repeat`). */
  repeat(...reps: (number | readonly number[])[]): Tensor {
    return C.repeat(this, shapeArgs(reps));
  }

  // ---------------------------------------------------------------- indexing

  /**
   * out[i][j] = x[i][index[i][j]] for dim 1 (likewise for other dims). index: int32, same rank as x,
   * no larger than x outside `dim` → output shaped like index. Out-of-range indices throw IndexError.
   */
  gather(dim: number, index: Tensor): Tensor {
    return apply('gather', [this, index], { dim: normAxis(dim, this.ndim, 'gather') });
  }
  /** A copy of x with out[i][index[i][j]] += src[i][j] (dim 1); the reverse of `gather`. Output shaped like x. */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return apply('scatterAdd', [this, index, src], { dim: normAxis(dim, this.ndim, 'scatterAdd') });
  }
  /** Whole slices along `dim` picked by a 1-D int32 `index`: [4,3].indexSelect(0, [k]) → [k,3]. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return apply('indexSelect', [this, index], { dim: normAxis(dim, this.ndim, 'indexSelect') });
  }

  // ---------------------------------------------------------------- linear algebra

  /**
   * Matrix product with PyTorch's rules: [n]·[n] → [] (dot), [m,k]·[k,n] → [m,n], [k]·[k,n] → [n],
   * [m,k]·[k] → [m], and batched [...b, m,k]·[...c, k,n] → [...broadcast(b, c), m,n].
   * Mismatched inner sizes throw `matmul: shapes [64,784] and [100,10] cannot be multiplied`.
   */
  matmul(other: Tensor): Tensor {
    return traced('matmul', this, [other], () => C.matmul(this, other));
  }
  /** 2-D matrix product: [m,k]·[k,n] → [m,n]. */
  mm(other: Tensor): Tensor {
    if (this.ndim !== 2 || other.ndim !== 2)
      throw new ShapeError(`mm: expected 2-D tensors, got ${fmtShape(this.shape)} and ${fmtShape(other.shape)}`);
    return this.matmul(other);
  }
  /** Batched matrix product: [b,m,k]·[b,k,n] → [b,m,n]. */
  bmm(other: Tensor): Tensor {
    if (this.ndim !== 3 || other.ndim !== 3)
      throw new ShapeError(`bmm: expected 3-D tensors, got ${fmtShape(this.shape)} and ${fmtShape(other.shape)}`);
    return apply('bmm', [this, other], {});
  }

  // ---------------------------------------------------------------- in-place (any view; recorded when a gradient is tracked)

  private inPlace(op: string, compute: (old: Tensor) => TensorOrScalar): this {
    writeInPlace(apply, this, op, null, this.shape, (old) => {
      const r = compute(old);
      return r instanceof Tensor ? r : old.wrap(r);
    });
    return this;
  }

  /** Write `src`'s values (broadcast, cast) into this tensor (a view writes through to its base). */
  copy_(src: TensorOrScalar): this {
    return this.inPlace('copy_', () => src);
  }
  /**
   * Set every element to `value`, in place.
   * @returns this.
   */
  fill_(value: TensorOrScalar): this {
    return this.inPlace('fill_', () => value);
  }
  /**
   * Set every element to 0, in place.
   * @returns this.
   */
  zero_(): this {
    return this.inPlace('zero_', () => 0);
  }
  /**
   * `this += alpha·other`, in place (other broadcast to this shape).
   * @returns this.
   */
  add_(other: TensorOrScalar, alpha = 1): this {
    return this.inPlace('add_', (old) => old.add(other, alpha));
  }
  /**
   * `this −= alpha·other`, in place (other broadcast to this shape).
   * @returns this.
   */
  sub_(other: TensorOrScalar, alpha = 1): this {
    return this.inPlace('sub_', (old) => old.sub(other, alpha));
  }
  /**
   * `this ·= other`, in place (other broadcast to this shape).
   * @returns this.
   */
  mul_(other: TensorOrScalar): this {
    return this.inPlace('mul_', (old) => old.mul(other));
  }
  /**
   * `this /= other`, in place (other broadcast to this shape).
   * @returns this.
   */
  div_(other: TensorOrScalar): this {
    return this.inPlace('div_', (old) => old.div(other));
  }
  /**
   * Clamp to [min, max] in place; a null bound is not applied.
   * @returns this.
   */
  clamp_(min: TensorOrScalar | null = null, max: TensorOrScalar | null = null): this {
    return this.inPlace('clamp_', (old) => old.clamp(min, max));
  }
  /** Fill where `mask` (broadcast) is true. */
  maskedFill_(mask: Tensor, value: TensorOrScalar): this {
    return this.inPlace('maskedFill_', (old) => mask.ifElse(value instanceof Tensor ? value : old.wrap(value).to(old.dtype), old));
  }
  /** Fill with U(low, high) from `rng`. */
  uniform_(low = 0, high = 1, rng: Rng = defaultRng()): this {
    return this.inPlace('uniform_', (old) => {
      const r = allocate(old.dtype, old.numel());
      for (let i = 0; i < r.length; i++) r[i] = rng.uniformRange(low, high);
      return new Tensor(r, old.shape.slice(), old.dtype);
    });
  }
  /** Fill with N(mean, std²) from `rng`. */
  normal_(mean = 0, std = 1, rng: Rng = defaultRng()): this {
    return this.inPlace('normal_', (old) => {
      const r = allocate(old.dtype, old.numel());
      for (let i = 0; i < r.length; i++) r[i] = mean + std * rng.normal();
      return new Tensor(r, old.shape.slice(), old.dtype);
    });
  }

  // ---------------------------------------------------------------- indexing (x[...] and x[...] = v)

  /**
   * PyTorch's `x[index]`. A string in NumPy syntax (`x.at(':, 1')`, `x.at('..., ::2')`, `x.at('None, 1:-1')`)
   * or items: numbers, `[start, stop, step]`, `'...'`, `null` (new axis), int32 index Tensors and bool
   * masks (`x.at(':', 1)`, `x.at(idx)`, `x.at(x.gt(0))`). Integers, slices, `...` and new axes give a
   * view; index tensors and masks give a copy (several index tensors are broadcast and paired).
   * An index out of range is an IndexError naming the dim, the index and the size.
   */
  at(...index: IndexItem[]): Tensor {
    return getItem(this, index, 'at');
  }
  /**
   * PyTorch's `x[index] = value`, in place: `x.set(':, 1', 0)`, `x.set(mask, -1)`, `x.set(idx, rows)`.
   * The index is as for `at` (the last argument is the value, broadcast to the indexed shape). Writes
   * go through views to the storage they share; gradients flow to x's history and to a tensor value.
   */
  set(...args: [...IndexItem[], TensorOrScalar]): this {
    if (args.length < 2) throw new IndexError("set: expects an index and a value, e.g. x.set(':, 1', 0)", 'E_INDEX_SYNTAX');
    const value = args[args.length - 1] as TensorOrScalar;
    setItem(apply, this, args.slice(0, -1), value, 'set');
    return this;
  }
  /** In-place scatter: this[i][index[i][j]] = src[i][j] (dim 1). */
  scatter_(dim: number, index: Tensor, src: TensorOrScalar): this {
    const { pos, src: s } = X.scatterTargets(this, dim, index, src);
    writeInPlace(apply, this, 'scatter_', pos, index.shape, () => s);
    return this;
  }

  // ---------------------------------------------------------------- sorting, selection, scans

  /** Sorted along `dim` (stable; NaN largest): `{ values, indices }` (indices int32). */
  sort(dim = -1, opts: X.SortOptions = {}): { values: Tensor; indices: Tensor } {
    return X.sort(apply, this, dim, opts);
  }
  /** The int32 permutation that sorts along `dim`. */
  argsort(dim = -1, opts: X.SortOptions = {}): Tensor {
    return X.sort(apply, this, dim, opts).indices;
  }
  /** The k largest (`largest: false`: smallest) along `dim`, sorted: `{ values, indices }`. */
  topk(k: number, dim = -1, opts: X.TopkOptions = {}): { values: Tensor; indices: Tensor } {
    return X.topk(apply, this, k, dim, opts);
  }
  /** The k-th smallest (k from 1) along `dim`: `{ values, indices }`. */
  kthvalue(k: number, dim = -1, keepdim = false): { values: Tensor; indices: Tensor } {
    return X.kthvalue(apply, this, k, dim, keepdim);
  }
  /** The lower median of all elements, or `{ values, indices }` along `dim`. */
  median(): Tensor;
  median(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  median(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return X.median(apply, this, dim, keepdim);
  }
  /** Running sum along `dim`. */
  cumsum(dim: number): Tensor {
    const x = this.ndim === 0 ? this.reshape(1) : this;
    const out = apply('cumsum', [x], { dim: normAxis(dim, x.ndim, 'cumsum') });
    return this.ndim === 0 ? out.reshape([]) : out;
  }
  /** Running product along `dim` (exact gradient also where there are zeros). */
  cumprod(dim: number): Tensor {
    const x = this.ndim === 0 ? this.reshape(1) : this;
    const out = apply('cumprod', [x], { dim: normAxis(dim, x.ndim, 'cumprod') });
    return this.ndim === 0 ? out.reshape([]) : out;
  }
  /** Running maximum along `dim` and its position: `{ values, indices }`. */
  cummax(dim: number): { values: Tensor; indices: Tensor } {
    return X.cumExtreme(apply, this, dim, true);
  }
  /** Running minimum along `dim`, with the int32 index where each running minimum was found. */
  cummin(dim: number): { values: Tensor; indices: Tensor } {
    return X.cumExtreme(apply, this, dim, false);
  }
  /** The elements where `mask` (broadcast) is true, 1-D. */
  maskedSelect(mask: Tensor): Tensor {
    return X.maskedSelect(this, mask);
  }
  /** A copy with out[i][index[i][j]] = src[i][j] (dim 1); src a tensor or a number. */
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return X.scatter(apply, this, dim, index, src);
  }
  /** A copy with src reduced into out[i][index[i][j]] (dim 1): reduce 'sum' | 'prod' | 'mean' | 'amax' | 'amin'. */
  scatterReduce(
    dim: number,
    index: Tensor,
    src: Tensor,
    reduce: OpAttrs['scatterReduce']['reduce'],
    opts: { includeSelf?: boolean } = {},
  ): Tensor {
    checkOptionKeys('scatterReduce', opts, { includeSelf: true });
    return apply('scatterReduce', [this, index, src], {
      dim: normAxis(dim, Math.max(this.ndim, 1), 'scatterReduce'),
      reduce,
      includeSelf: opts.includeSelf ?? true,
    });
  }
  /** A copy with source's slices added at `index` along `dim` (times alpha): out.narrow(dim, index[i], 1) += source[i]. */
  indexAdd(dim: number, index: Tensor, source: Tensor, opts: { alpha?: number } = {}): Tensor {
    checkOptionKeys('indexAdd', opts, { alpha: true });
    const d = normAxis(dim, this.ndim, 'indexAdd');
    const s = opts.alpha === undefined || opts.alpha === 1 ? source : source.mul(opts.alpha);
    return this.add(apply('indexAdd', [s, index], { dim: d, size: this.shape[d]! }));
  }
  /** Sorted unique values (`{ values, inverse, counts }` when asked for inverse or counts). */
  unique(opts: X.UniqueOptions & ({ returnInverse: true } | { returnCounts: true })): X.UniqueResult;
  unique(opts?: X.UniqueOptions): Tensor;
  unique(opts: X.UniqueOptions = {}): Tensor | X.UniqueResult {
    const r = X.unique(this, opts);
    return opts.returnInverse || opts.returnCounts ? r : r.values;
  }
  /** Occurrences of each value of a 1-D non-negative int32 tensor (or the sum of `weights`). */
  bincount(opts: { weights?: Tensor | null; minlength?: number } = {}): Tensor {
    return X.bincount(this, opts);
  }

  // ---------------------------------------------------------------- reshaping helpers

  /** Reverse along each of `dims` (a copy). */
  flip(...dims: (number | readonly number[])[]): Tensor {
    return X.flip(this, shapeArgs(dims));
  }
  /** Shift along `dims` with wrap-around (over the flattened tensor when dims is omitted). */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return X.roll(this, shifts, dims);
  }
  /** Lower triangle of the last two dims (j − i ≤ diagonal); zeros above. */
  tril(diagonal = 0): Tensor {
    return X.tril(this, diagonal);
  }
  /** Upper triangle of the last two dims (j − i ≥ diagonal); zeros below. */
  triu(diagonal = 0): Tensor {
    return X.triu(this, diagonal);
  }
  /** 1-D → square matrix with this on a diagonal; 2-D → that diagonal. */
  diag(diagonal = 0): Tensor {
    return X.diag(apply, this, diagonal);
  }
  /** Sum of the diagonal of a 2-D tensor. */
  trace(): Tensor {
    return X.trace(apply, this);
  }
  /** Repeat along each dim (`reps` shorter than ndim is padded with leading ones, unlike `repeat`). */
  tile(...reps: (number | readonly number[])[]): Tensor {
    return X.tile(this, shapeArgs(reps));
  }
  /** The slices along `dim`, each with that dim removed (views). */
  unbind(dim = 0): Tensor[] {
    return X.unbind(this, dim);
  }
  /** [n] ⊗ [m] → [n, m]. */
  outer(other: Tensor): Tensor {
    return X.outer(this, other);
  }

  // ---------------------------------------------------------------- logic, comparison, rounding arithmetic

  /** Whether all elements (along `dim`) are nonzero: a bool tensor. */
  all(dim?: Dims, keepdim = false): Tensor {
    return X.all(this, dim, keepdim);
  }
  /** Whether any element (along `dim`) is nonzero: a bool tensor. */
  any(dim?: Dims, keepdim = false): Tensor {
    return X.any(this, dim, keepdim);
  }
  /** Elementwise |this − other| ≤ atol + rtol·|other| (defaults rtol 1e-5, atol 1e-8; `equalNan`). */
  isclose(other: TensorOrScalar, opts: X.IscloseOptions = {}): Tensor {
    return X.isclose(this, other, opts);
  }
  /** Whether every element is close (see isclose) — a boolean. */
  allclose(other: TensorOrScalar, opts: X.IscloseOptions = {}): boolean {
    return X.isclose(this, other, opts).all().item() !== 0;
  }
  /** Same shape and the same values (NaN ≠ NaN) — a boolean. */
  equal(other: Tensor): boolean {
    return shapesEqual(this.shape, other.shape) && this.eq(other).all().item() !== 0;
  }
  /** Python's modulo: the sign of the divisor (this − floor(this / other)·other, computed exactly). */
  remainder(other: TensorOrScalar): Tensor {
    return apply('remainder', [this, this.wrap(other)], {});
  }
  /** C's fmod: the sign of the dividend. */
  fmod(other: TensorOrScalar): Tensor {
    return apply('fmod', [this, this.wrap(other)], {});
  }
  /** this / other rounded down (integers stay integers). Not differentiable (zero gradient). */
  floorDivide(other: TensorOrScalar): Tensor {
    return apply('divRounding', [this, this.wrap(other)], { mode: 'floor' });
  }
  /** Round toward zero. */
  trunc(): Tensor {
    return X.trunc(this);
  }
  /** Replace NaN (default 0), +inf and −inf (default the dtype's largest/smallest finite value). */
  nanToNum(opts: X.NanToNumOptions = {}): Tensor {
    return X.nanToNum(this, opts);
  }
  /** this + weight·(end − this). */
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    return X.lerp(this, end, weight);
  }
  /** `[std, mean]` over `dim` (PyTorch's std_mean). */
  stdMean(dim?: Dims, opts: { correction?: number; keepdim?: boolean } = {}): [Tensor, Tensor] {
    return [this.std(dim, opts), this.mean(dim, opts.keepdim ?? false)];
  }
  /** `[var, mean]` over `dim` (PyTorch's var_mean). */
  varMean(dim?: Dims, opts: { correction?: number; keepdim?: boolean } = {}): [Tensor, Tensor] {
    return [this.var(dim, opts), this.mean(dim, opts.keepdim ?? false)];
  }
}
