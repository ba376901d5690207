/** Free-function spellings of tensor ops (`add(a, b)`, `cat([...], dim)`), as in `torch.*`. */
import { ShapeError, ValueError } from '../core/errors.js';
import { normAxis } from '../core/shape.js';
import { Tensor, apply, type TensorOrScalar } from './tensor.js';
import { tensor } from './creation.js';

const T = (v: TensorOrScalar, like?: Tensor): Tensor =>
  v instanceof Tensor ? v : like ? like.newFull([], Number(v), like.dtype === 'bool' ? 'float32' : like.dtype) : tensor(Number(v));

/** `a + alpha·b`, elementwise with broadcasting (either side may be a number). Same as `a.add(b, alpha)`. */
export const add = (a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor =>
  a instanceof Tensor ? a.add(b, alpha) : T(a, b as Tensor).add(b, alpha);
/** `a − alpha·b`, elementwise with broadcasting (either side may be a number). Same as `a.sub(b, alpha)`. */
export const sub = (a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor =>
  a instanceof Tensor ? a.sub(b, alpha) : T(a, b as Tensor).sub(b, alpha);
/** `a · b`, elementwise with broadcasting (either side may be a number). */
export const mul = (a: TensorOrScalar, b: TensorOrScalar): Tensor => (a instanceof Tensor ? a.mul(b) : (b as Tensor).mul(a));
/** `a / b` (true division), elementwise with broadcasting (either side may be a number). */
export const div = (a: TensorOrScalar, b: TensorOrScalar): Tensor => (a instanceof Tensor ? a.div(b) : (b as Tensor).reciprocal().mul(a));
/** `a ** b`, elementwise with broadcasting (either side may be a number). */
export const pow = (a: TensorOrScalar, b: TensorOrScalar): Tensor => (a instanceof Tensor ? a.pow(b) : T(a, b as Tensor).pow(b));
/** Elementwise maximum of `a` and `b`, with broadcasting; NaN propagates (as PyTorch). */
export const maximum = (a: Tensor, b: TensorOrScalar): Tensor => a.maximum(b);
/** Elementwise minimum of `a` and `b`, with broadcasting; NaN propagates (as PyTorch). */
export const minimum = (a: Tensor, b: TensorOrScalar): Tensor => a.minimum(b);
/**
 * Matrix product with PyTorch's `matmul` rules: 1-D·1-D dot, [n, k]·[k, m] → [n, m], batched dims broadcast.
 * @throws ShapeError if the inner dims differ.
 */
export const matmul = (a: Tensor, b: Tensor): Tensor => a.matmul(b);
/** `−x`, elementwise. */
export const neg = (x: Tensor): Tensor => x.neg();
/** `|x|`, elementwise. */
export const abs = (x: Tensor): Tensor => x.abs();
/** `e^x`, elementwise. */
export const exp = (x: Tensor): Tensor => x.exp();
/** Natural logarithm, elementwise (−inf at 0, NaN below). */
export const log = (x: Tensor): Tensor => x.log();
/** Square root, elementwise (NaN below 0). */
export const sqrt = (x: Tensor): Tensor => x.sqrt();
/** `1 / √x`, elementwise. */
export const rsqrt = (x: Tensor): Tensor => x.rsqrt();
/** Sine (radians), elementwise. */
export const sin = (x: Tensor): Tensor => x.sin();
/** Cosine (radians), elementwise. */
export const cos = (x: Tensor): Tensor => x.cos();
/** Hyperbolic tangent, elementwise. */
export const tanh = (x: Tensor): Tensor => x.tanh();
/** Logistic sigmoid `1 / (1 + e^−x)`, elementwise. */
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
/** ReLU, `max(x, 0)`, elementwise. */
export const relu = (x: Tensor): Tensor => x.relu();
/** `x²`, elementwise. */
export const square = (x: Tensor): Tensor => x.square();
/** Sign of each element: −1, 0 or 1. */
export const sign = (x: Tensor): Tensor => x.sign();
/** `1 / x`, elementwise. */
export const reciprocal = (x: Tensor): Tensor => x.reciprocal();
/** Clamp each element to [min, max]; a null bound is not applied. */
export const clamp = (x: Tensor, min: number | null = null, max: number | null = null): Tensor => x.clamp(min, max);
/** Sum over `dim` (one or several; all when omitted), keeping reduced dims as size 1 with `keepdim`. */
export const sum = (x: Tensor, dim?: number | number[], keepdim = false): Tensor => x.sum(dim, keepdim);
/** Mean over `dim` (one or several; all when omitted), keeping reduced dims as size 1 with `keepdim`. */
export const mean = (x: Tensor, dim?: number | number[], keepdim = false): Tensor => x.mean(dim, keepdim);
/** `log(Σ e^x)` over `dim`, computed stably (the max is subtracted first). */
export const logsumexp = (x: Tensor, dim: number | number[], keepdim = false): Tensor => x.logsumexp(dim, keepdim);
/** Softmax along `dim`: exponentials normalised to sum to 1, computed stably; same shape as `x`. */
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
/** `log(softmax(x, dim))`, computed stably; same shape as `x`. */
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);
/** Index of the largest value over `dim` (of the flattened tensor when omitted), as int32; the first on ties. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => x.argmax(dim, keepdim);
/** Index of the smallest value over `dim` (of the flattened tensor when omitted), as int32; the first on ties. */
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => x.argmin(dim, keepdim);
/**
 * The same elements in a new shape (one dim may be −1, inferred).
 * @throws ShapeError if the element counts differ.
 */
export const reshape = (x: Tensor, shape: readonly number[]): Tensor => x.reshape(shape);
/** Merge dims `startDim..endDim` into one (defaults: all dims → 1-D). */
export const flatten = (x: Tensor, startDim = 0, endDim = -1): Tensor => x.flatten(startDim, endDim);
/** Swap dims `d0` and `d1` (a view). */
export const transpose = (x: Tensor, d0: number, d1: number): Tensor => x.transpose(d0, d1);
/** Reorder the dims: output dim i is input dim `dims[i]` (a view). */
export const permute = (x: Tensor, dims: readonly number[]): Tensor => x.permute(dims);
/** Remove size-1 dims (only `dim` when given). */
export const squeeze = (x: Tensor, dim?: number): Tensor => x.squeeze(dim);
/** Insert a size-1 dim at `dim` (negative counts from the end). */
export const unsqueeze = (x: Tensor, dim: number): Tensor => x.unsqueeze(dim);
/**
 * `out[i][j] = x[index[i][j]][j]` for dim 0 (and likewise for other dims); `index` is int32 with `x`'s rank.
 * @throws IndexError for an index out of range.
 */
export const gather = (x: Tensor, dim: number, index: Tensor): Tensor => x.gather(dim, index);
/**
 * The slices of `x` at int32 1-D `index` along `dim`.
 * @throws IndexError for an index out of range.
 */
export const indexSelect = (x: Tensor, dim: number, index: Tensor): Tensor => x.indexSelect(dim, index);
/** Out-of-place scatter-add: a copy of `x` with `src` added at `index` along `dim` (repeated indices accumulate). */
export const scatterAdd = (x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => x.scatterAdd(dim, index, src);
/** A copy of `x` with `value` where the bool `mask` (broadcast to `x`) is true. */
export const maskedFill = (x: Tensor, mask: Tensor, value: number): Tensor => x.maskedFill(mask, value);

/** `condition ? a : b`, elementwise with broadcasting (torch.where). */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return condition.ifElse(a, b);
}

/** Concatenate along an existing dim. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('cat: expected a non-empty list of tensors');
  return apply('cat', tensors.slice(), { dim: normAxis(dim, tensors[0]!.ndim, 'cat') });
}

/** Stack along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack: expected a non-empty list of tensors');
  const d = normAxis(dim, tensors[0]!.ndim + 1, 'stack');
  const first = tensors[0]!.shape;
  for (const t of tensors)
    if (t.shape.length !== first.length || t.shape.some((s, i) => s !== first[i]))
      throw new ShapeError(`stack: expects each tensor to be equal size, but got [${first.join(',')}] and [${t.shape.join(',')}]`);
  return cat(
    tensors.map((t) => t.unsqueeze(d)),
    d,
  );
}
