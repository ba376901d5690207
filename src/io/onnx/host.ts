/**
 * Host-side helpers for the ONNX interpreter: ops with no differentiable tensor counterpart (index
 * arithmetic, integer math with ONNX's exact semantics, data-dependent shapes) run here on the
 * tensors' values. Results are new constant tensors (no gradient flows through them); where an op
 * has a float path that models train through, the interpreter writes it with tensor ops instead.
 */
import { FormatError, ShapeError, fmtShape } from '../../core/errors.js';
import type { DType, TypedArray } from '../../core/dtype.js';
import { contiguousStrides, numel } from '../../core/shape.js';
import { Tensor } from '../../tensor/tensor.js';

export const isFloat = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64';
export const isInt = (t: Tensor): boolean => t.dtype === 'int32';

/** A new tensor of `dtype` over `values` (ints are checked against the int32 range ONNX int64 is held in). */
export function mk(values: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  let data: TypedArray;
  if (dtype === 'float32') data = Float32Array.from(values);
  else if (dtype === 'float64') data = Float64Array.from(values);
  else if (dtype === 'bool') data = Uint8Array.from(values, (v) => (v ? 1 : 0));
  else {
    data = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) data[i] = int32(values[i]!);
  }
  return new Tensor(data, shape.slice(), dtype);
}

/** `v` as an int32 (ONNX int64 values are held as int32): a typed error when it does not fit. */
export function int32(v: number): number {
  if (!(v >= -2147483648 && v <= 2147483647)) {
    if (Number.isNaN(v)) return 0;
    throw new FormatError(`onnx: integer result ${v} is outside the int32 range backprop holds int64 in`, 'E_ONNX_INT64_RANGE');
  }
  return Math.trunc(v);
}

export function broadcastShape(a: readonly number[], b: readonly number[], what: string): number[] {
  const nd = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < nd; i++) {
    const x = a[a.length - nd + i] ?? 1;
    const y = b[b.length - nd + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      throw new ShapeError(`${what}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast`, 'E_ONNX_SHAPE');
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** For each flat output index of `out`, the flat index into a tensor of `shape` broadcast to it. */
export function broadcastIndex(shape: readonly number[], out: readonly number[]): Int32Array {
  const n = numel(out);
  const idx = new Int32Array(n);
  const st = contiguousStrides(shape);
  const off = out.length - shape.length;
  const eff = out.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : st[i - off]!));
  const ost = contiguousStrides(out);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let j = 0;
    for (let d = 0; d < out.length; d++) {
      const q = Math.floor(rem / ost[d]!);
      rem -= q * ost[d]!;
      j += q * eff[d]!;
    }
    idx[i] = j;
  }
  return idx;
}

/** Elementwise `f` over two broadcast tensors, computed in doubles, stored as `dtype`. */
export function hostBinary(a: Tensor, b: Tensor, dtype: DType, what: string, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShape(a.shape, b.shape, what);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const x = a.dataSync();
  const y = b.dataSync();
  const out = new Array<number>(ia.length);
  for (let i = 0; i < ia.length; i++) out[i] = f(Number(x[ia[i]!]), Number(y[ib[i]!]));
  return mk(out, shape, dtype);
}

/** Elementwise `f` over one tensor, stored as `dtype` (default: the input's). */
export function hostMap(a: Tensor, f: (x: number) => number, dtype: DType = a.dtype): Tensor {
  const x = a.dataSync();
  const out = new Array<number>(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(Number(x[i]));
  return mk(out, a.shape, dtype);
}

/** Round half to even (ONNX's Round and QuantizeLinear). */
export function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Move `axis` of a row-major array last: returns [outer·inner rows of length n] index helper. */
export function axisLayout(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  return { outer: numel(shape.slice(0, axis)), n: shape[axis]!, inner: numel(shape.slice(axis + 1)) };
}
