/**
 * Creating tensors. Plain JS numbers become float32 by default (JS cannot tell `1` from `1.0`, so
 * PyTorch's "integer literal → int64" rule would surprise); booleans become bool; typed arrays keep
 * their type. Random functions take an explicit `Rng` (default: the global one, see `manualSeed`).
 */
import { allocate, checkDType, dtypeOfArray, isFloat, type DType, type TypedArray } from '../core/dtype.js';
import { DTypeError, ShapeError, StateError, ValueError, fmtShape } from '../core/errors.js';
import { checkShape, numel } from '../core/shape.js';
import { defaultRng, type Rng } from '../core/rng.js';
import { checkOptionKeys, optionKeys, type OptionKeyList } from '../core/options.js';
import { checkDevice, type DeviceLike } from '../core/device.js';
import { Tensor, shapeArgs } from './tensor.js';
import { pinToHost } from '../backend/storage.js';

/** A number, a boolean, or a (nested) array of them: the input of `tensor()`. */
export type NestedArray = number | boolean | readonly NestedArray[];

/** Options of the tensor factories (`tensor`, `zeros`, `full`, ...); unknown keys throw a `ValueError`. `dtype` defaults to float32 (int32/bool inferred by `tensor` from the data). */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** 'cpu' (or 'wasm'/'js', the same place); accepted for PyTorch's `device=` (see `Tensor.to`). */
  device?: DeviceLike;
}

/** Options of the random factories: those of `TensorOptions` plus the `rng` to draw from (default: the global generator, see `manualSeed`). */
export interface RandOptions extends TensorOptions {
  rng?: Rng;
}

/** Options of `tensor()`: a flat typed array or list takes its `shape` here. */
export type TensorDataOptions = TensorOptions & { shape?: readonly number[] };

/** Options of the integer generators (`randint`, `randperm`): an integer result takes no gradient. */
export type IntRandOptions = Omit<RandOptions, 'requiresGrad'>;

const TENSOR_KEYS = optionKeys<TensorOptions>()({ dtype: true, requiresGrad: true, device: true });
const RAND_KEYS = optionKeys<RandOptions>()({ dtype: true, requiresGrad: true, device: true, rng: true });
const INT_RAND_KEYS = optionKeys<IntRandOptions>()({ dtype: true, device: true, rng: true });
const TENSOR_DATA_KEYS = optionKeys<TensorDataOptions>()({ dtype: true, requiresGrad: true, device: true, shape: true });

/** Refuse unknown keys (`requires_grad` → "did you mean 'requiresGrad'"), check dtype and device. */
function checkOpts(who: string, opts: unknown, keys: OptionKeyList): void {
  checkOptionKeys(who, opts, keys);
  const o = (opts ?? {}) as TensorOptions;
  if (o.dtype !== undefined) checkDType(o.dtype, who);
  if (o.device !== undefined) checkDevice(o.device, who);
  if (o.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean')
    throw new ValueError(`${who}: requiresGrad must be a boolean, got ${JSON.stringify(o.requiresGrad)}`);
}

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedArray;
  }
  return shape;
}

/**
 * A tensor from nested arrays, a number, or a typed array (with `shape`).
 * `tensor([[1, 2], [3, 4]])` → float32 [2, 2]; `tensor([true, false])` → bool.
 */
export function tensor(data: NestedArray | TypedArray | readonly number[], opts: TensorDataOptions = {}): Tensor {
  checkOpts('tensor', opts, TENSOR_DATA_KEYS);
  if (data instanceof Tensor)
    throw new ValueError(
      'tensor: got a Tensor; use t.clone() (a copy), t.detach() (same storage, no graph) or t.to(dtype)',
      'E_TENSOR_OF_TENSOR',
    );
  if (!ArrayBuffer.isView(data) && opts.shape !== undefined) {
    // a plain (possibly nested) list with an explicit shape: the values in row-major order fill it
    const shape = checkShape(opts.shape, 'tensor');
    const t = tensor(data, { dtype: opts.dtype });
    if (t.numel() !== numel(shape)) throw new ShapeError(`tensor: ${t.numel()} values do not fill shape ${fmtShape(shape)}`);
    return finish(t.reshape(shape), opts);
  }
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    const shape = opts.shape ? checkShape(opts.shape, 'tensor') : [arr.length];
    if (numel(shape) !== arr.length) throw new ShapeError(`tensor: ${arr.length} values do not fill shape ${fmtShape(shape)}`);
    const src = dtypeOfArray(arr);
    const dtype = opts.dtype ? checkDType(opts.dtype, 'tensor') : src;
    const out = allocate(dtype, arr.length);
    out.set(arr as ArrayLike<number>);
    return finish(new Tensor(out, shape, dtype), opts);
  }
  const shape = inferShape(data as NestedArray);
  const n = numel(shape);
  const flat: (number | boolean)[] = [];
  let sawBool = false;
  let sawNumber = false;
  const walk = (v: NestedArray, d: number, path: string): void => {
    if (d === shape.length) {
      if (typeof v === 'boolean') sawBool = true;
      else if (typeof v === 'number') sawNumber = true;
      else if (v instanceof Tensor)
        throw new ValueError(
          `tensor: element ${path || '(root)'} is a Tensor; to combine tensors into one use stack([a, b, ...]) (a new dim) or cat([a, b, ...]) (an existing dim)`,
          'E_TENSOR_OF_TENSOR',
        );
      else
        throw new ValueError(
          `tensor: element ${path || '(root)'} is ${Array.isArray(v) ? 'a list where a number was expected (ragged nesting)' : JSON.stringify(v)}; expected a number or boolean`,
        );
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d])
      throw new ShapeError(
        `tensor: ragged nested array: expected a list of length ${shape[d]} at ${path || '(root)'} (shape so far ${fmtShape(shape)}), got ${Array.isArray(v) ? `length ${v.length}` : JSON.stringify(v)}`,
      );
    for (let i = 0; i < v.length; i++) walk(v[i] as NestedArray, d + 1, `${path}[${i}]`);
  };
  walk(data as NestedArray, 0, '');
  const dtype = opts.dtype ? checkDType(opts.dtype, 'tensor') : sawBool && !sawNumber ? 'bool' : 'float32';
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = Number(flat[i]);
  return finish(new Tensor(out, shape, dtype), opts);
}

/** A 0-d tensor. */
export function scalar(value: number, opts: TensorOptions = {}): Tensor {
  checkOpts('scalar', opts, TENSOR_KEYS);
  return tensor(value, opts);
}

/**
 * A tensor of `shape` filled with `value`.
 * @throws ShapeError for a negative or non-integer size.
 */
export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  checkOpts('full', opts, TENSOR_KEYS);
  const s = checkShape(shape, 'full');
  const dtype = opts.dtype ? checkDType(opts.dtype, 'full') : 'float32';
  const arr = allocate(dtype, numel(s));
  if (value !== 0) arr.fill(value);
  return finish(new Tensor(arr, s, dtype), opts);
}

/** zeros(2, 3) or zeros([2, 3], { dtype }) */
export function zeros(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const [shape, opts] = splitArgs(args);
  checkOpts('zeros', opts, TENSOR_KEYS);
  return full(shape, 0, opts);
}

/** A tensor of ones: `ones(2, 3)` or `ones([2, 3], { dtype })`. */
export function ones(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const [shape, opts] = splitArgs(args);
  checkOpts('ones', opts, TENSOR_KEYS);
  return full(shape, 1, opts);
}

function splitArgs(args: (number | readonly number[] | TensorOptions | RandOptions)[]): [number[], RandOptions] {
  let opts: RandOptions = {};
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    opts = last as RandOptions;
    args = args.slice(0, -1);
  }
  return [shapeArgs(args as (number | number[])[]), opts];
}

/** Zeros with the shape of `t` (and its dtype unless `opts.dtype`). */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  checkOpts('zerosLike', opts, TENSOR_KEYS);
  return full(t.shape, 0, { dtype: t.dtype, ...opts });
}
/** Ones with the shape of `t` (and its dtype unless `opts.dtype`). */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  checkOpts('onesLike', opts, TENSOR_KEYS);
  return full(t.shape, 1, { dtype: t.dtype, ...opts });
}
/** `value` everywhere, with the shape of `t` (and its dtype unless `opts.dtype`). */
export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  checkOpts('fullLike', opts, TENSOR_KEYS);
  return full(t.shape, value, { dtype: t.dtype, ...opts });
}

/** Values from `start` to `end` (exclusive) by `step`: arange(5), arange(1, 5), arange(0, 1, 0.25). */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  checkOpts('arange', opts, TENSOR_KEYS);
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new ValueError(`arange: step must be finite and nonzero, got ${step}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ValueError('arange: start and end must be finite');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = opts.dtype ?? (allInt ? 'int32' : 'float32');
  const arr = allocate(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return finish(new Tensor(arr, [n], dtype), opts);
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  checkOpts('linspace', opts, TENSOR_KEYS);
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = opts.dtype ?? 'float32';
  const arr = allocate(dtype, steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // like PyTorch: fill symmetric halves from both ends for exact endpoints
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) arr[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  return finish(new Tensor(arr, [steps], dtype), opts);
}

/** Identity matrix n×m (m defaults to n). */
export function eye(n: number, m: number | TensorOptions = n, opts: TensorOptions = {}): Tensor {
  if (typeof m === 'object' && m !== null) {
    opts = m;
    m = n;
  }
  checkOpts('eye', opts, TENSOR_KEYS);
  const t = full([n, m], 0, { ...opts, requiresGrad: false });
  for (let i = 0; i < Math.min(n, m); i++) t.storage[i * m + i] = 1;
  return finish(t, opts);
}

function randomFill(shape: readonly number[], opts: RandOptions, gen: (rng: Rng) => number, op: string): Tensor {
  checkOpts(op, opts, RAND_KEYS);
  const s = checkShape(shape, op);
  const dtype = opts.dtype ?? 'float32';
  if (!isFloat(dtype)) throw new ValueError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  const rng = opts.rng ?? defaultRng();
  const arr = allocate(dtype, numel(s));
  for (let i = 0; i < arr.length; i++) arr[i] = gen(rng);
  return finish(new Tensor(arr, s, dtype), opts);
}

/** U[0, 1) samples. rand(2, 3) or rand([2, 3], { rng }) */
export function rand(...args: (number | readonly number[] | RandOptions)[]): Tensor {
  const [shape, opts] = splitArgs(args);
  return randomFill(shape, opts, (r) => r.uniform(), 'rand');
}

/** N(0, 1) samples. */
export function randn(...args: (number | readonly number[] | RandOptions)[]): Tensor {
  const [shape, opts] = splitArgs(args);
  return randomFill(shape, opts, (r) => r.normal(), 'randn');
}

/**
 * Integers uniform in [low, high): `randint(low, high, shape)`, or PyTorch's `randint(high, shape)`
 * (low = 0). int32 unless `dtype` says otherwise.
 */
export function randint(high: number, shape: readonly number[], opts?: IntRandOptions): Tensor;
export function randint(low: number, high: number, shape: readonly number[], opts?: IntRandOptions): Tensor;
export function randint(a: number, b: number | readonly number[], c?: readonly number[] | IntRandOptions, d: IntRandOptions = {}): Tensor {
  let low: number, high: number, shape: readonly number[], opts: IntRandOptions;
  if (Array.isArray(b)) {
    [low, high, shape, opts] = [0, a, b as readonly number[], (c as IntRandOptions | undefined) ?? {}];
  } else {
    if (!Array.isArray(c))
      throw new ValueError(
        `randint: expected randint(high, shape) or randint(low, high, shape), got a non-array shape ${JSON.stringify(c)}`,
      );
    [low, high, shape, opts] = [a, b as number, c as readonly number[], d];
  }
  checkOpts('randint', opts, INT_RAND_KEYS);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
    throw new ValueError(`randint: need integers low < high, got [${low}, ${high})`);
  const s = checkShape(shape, 'randint');
  const rng = opts.rng ?? defaultRng();
  const dtype = opts.dtype ?? 'int32';
  if (dtype === 'bool') throw new DTypeError('randint: dtype bool is not supported; use int32, float32 or float64');
  const arr = allocate(dtype, numel(s));
  for (let i = 0; i < arr.length; i++) arr[i] = rng.int(low, high);
  return new Tensor(arr, s, dtype);
}

/** Uniform [0, 1) samples with the shape of `t`. */
export function randLike(t: Tensor, opts: RandOptions = {}): Tensor {
  checkOpts('randLike', opts, RAND_KEYS);
  return rand(t.shape, { dtype: isFloat(t.dtype) ? t.dtype : 'float32', ...opts });
}
/** Standard normal samples with the shape of `t`. */
export function randnLike(t: Tensor, opts: RandOptions = {}): Tensor {
  checkOpts('randnLike', opts, RAND_KEYS);
  return randn(t.shape, { dtype: isFloat(t.dtype) ? t.dtype : 'float32', ...opts });
}

/** A random permutation of 0..n-1 (int32). */
export function randperm(n: number, opts: IntRandOptions = {}): Tensor {
  checkOpts('randperm', opts, INT_RAND_KEYS);
  const p = (opts.rng ?? defaultRng()).permutation(n);
  const t = new Tensor(Int32Array.from(p), [n], 'int32');
  return opts.dtype === undefined ? t : t.to(opts.dtype);
}

/**
 * A tensor that shares `data`'s memory — PyTorch's `torch.from_numpy`: writes through either are seen
 * by both. dtype from the array type (Float32Array → float32, Float64Array → float64, Int32Array →
 * int32, Uint8Array → bool); `shape` defaults to `[data.length]`. `tensor(typedArray)` copies instead.
 */
export function fromTypedArray(data: TypedArray, shape?: readonly number[]): Tensor {
  if (!ArrayBuffer.isView(data)) throw new ValueError('fromTypedArray: expected a Float32Array, Float64Array, Int32Array or Uint8Array');
  const dtype = dtypeOfArray(data);
  const s = shape === undefined ? [data.length] : checkShape(shape, 'fromTypedArray');
  if (numel(s) !== data.length) throw new ShapeError(`fromTypedArray: ${data.length} values do not fill shape ${fmtShape(s)}`);
  const t = new Tensor(data, s, dtype);
  // shared with the caller: the data stays in `data` (never moved onto the backend's device)
  pinToHost(t.record);
  return t;
}

/**
 * The values of a contiguous tensor as a typed array over the same memory — PyTorch's `t.numpy()`:
 * no copy, row-major, writes go into the tensor. A non-contiguous tensor (a transpose, a strided
 * slice) throws: call `.contiguous()` first, which copies. Like `numpy()`, refuses a tensor that
 * requires grad (use `.detach()`). `dataSync()` always returns a fresh copy instead.
 */
export function typedArrayView(t: Tensor): TypedArray {
  if (!(t instanceof Tensor)) throw new ValueError('typedArrayView: expected a Tensor');
  if (t.requiresGrad)
    throw new StateError("typedArrayView: can't view a tensor that requires grad; use t.detach() first (as PyTorch's numpy())");
  if (!t.isContiguous())
    throw new StateError(
      `typedArrayView: the tensor is not contiguous (shape ${fmtShape(t.shape)}, strides ${fmtShape(t.strides)}); call .contiguous() first (a copy)`,
    );
  // shared with the caller: the data moves to (and stays on) the JS heap, so the view stays valid
  return pinToHost(t.record).subarray(t.offset, t.offset + t.numel()) as TypedArray;
}
