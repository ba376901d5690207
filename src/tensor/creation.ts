/**
 * Creating tensors. Plain JS numbers become float32 by default (JS cannot tell `1` from `1.0`, so
 * PyTorch's "integer literal → int64" rule would surprise); booleans become bool; typed arrays keep
 * their type. Random functions take an explicit `Rng` (default: the global one, see `manualSeed`).
 */
import { allocate, checkDType, dtypeOfArray, isFloat, type DType, type TypedArray } from '../core/dtype.js';
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkShape, numel } from '../core/shape.js';
import { defaultRng, type Rng } from '../core/rng.js';
import { Tensor, shapeArgs } from './tensor.js';

export type NestedArray = number | boolean | readonly NestedArray[];

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandOptions extends TensorOptions {
  rng?: Rng;
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
export function tensor(data: NestedArray | TypedArray | readonly number[], opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
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
      else throw new ValueError(`tensor: element ${path || '(root)'} is ${Array.isArray(v) ? 'a list where a number was expected (ragged nesting)' : JSON.stringify(v)}; expected a number or boolean`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d])
      throw new ShapeError(`tensor: ragged nested array: expected a list of length ${shape[d]} at ${path || '(root)'} (shape so far ${fmtShape(shape)}), got ${Array.isArray(v) ? `length ${v.length}` : JSON.stringify(v)}`);
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
  return tensor(value, opts);
}

export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  const s = checkShape(shape, 'full');
  const dtype = opts.dtype ? checkDType(opts.dtype, 'full') : 'float32';
  const arr = allocate(dtype, numel(s));
  if (value !== 0) arr.fill(value);
  return finish(new Tensor(arr, s, dtype), opts);
}

/** zeros(2, 3) or zeros([2, 3], { dtype }) */
export function zeros(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const [shape, opts] = splitArgs(args);
  return full(shape, 0, opts);
}

export function ones(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const [shape, opts] = splitArgs(args);
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

export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...opts });
}
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...opts });
}
export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...opts });
}

/** Values from `start` to `end` (exclusive) by `step`: arange(5), arange(1, 5), arange(0, 1, 0.25). */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
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
export function eye(n: number, m = n, opts: TensorOptions = {}): Tensor {
  const t = full([n, m], 0, { ...opts, requiresGrad: false });
  for (let i = 0; i < Math.min(n, m); i++) t.storage[i * m + i] = 1;
  return finish(t, opts);
}

function randomFill(shape: readonly number[], opts: RandOptions, gen: (rng: Rng) => number, op: string): Tensor {
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

/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: readonly number[], opts: RandOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
    throw new ValueError(`randint: need integers low < high, got [${low}, ${high})`);
  const s = checkShape(shape, 'randint');
  const rng = opts.rng ?? defaultRng();
  const dtype = opts.dtype ?? 'int32';
  const arr = allocate(dtype, numel(s));
  for (let i = 0; i < arr.length; i++) arr[i] = rng.int(low, high);
  return new Tensor(arr, s, dtype);
}

export function randLike(t: Tensor, opts: RandOptions = {}): Tensor {
  return rand(t.shape, { dtype: isFloat(t.dtype) ? t.dtype : 'float32', ...opts });
}
export function randnLike(t: Tensor, opts: RandOptions = {}): Tensor {
  return randn(t.shape, { dtype: isFloat(t.dtype) ? t.dtype : 'float32', ...opts });
}

/** A random permutation of 0..n-1 (int32). */
export function randperm(n: number, opts: RandOptions = {}): Tensor {
  const p = (opts.rng ?? defaultRng()).permutation(n);
  return new Tensor(Int32Array.from(p), [n], 'int32');
}
