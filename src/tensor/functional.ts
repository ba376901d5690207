/** Free-function spellings of tensor ops (`add(a, b)`, `cat([...], dim)`), as in `torch.*`. */
import { ShapeError, ValueError } from '../core/errors.js';
import { normAxis } from '../core/shape.js';
import { Tensor, apply, type TensorOrScalar } from './tensor.js';
import { tensor } from './creation.js';

const T = (v: TensorOrScalar, like?: Tensor): Tensor =>
  v instanceof Tensor ? v : like ? like.newFull([], Number(v), like.dtype === 'bool' ? 'float32' : like.dtype) : tensor(Number(v));

export const add = (a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor =>
  a instanceof Tensor ? a.add(b, alpha) : T(a, b as Tensor).add(b, alpha);
export const sub = (a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor =>
  a instanceof Tensor ? a.sub(b, alpha) : T(a, b as Tensor).sub(b, alpha);
export const mul = (a: TensorOrScalar, b: TensorOrScalar): Tensor => (a instanceof Tensor ? a.mul(b) : (b as Tensor).mul(a));
export const div = (a: TensorOrScalar, b: TensorOrScalar): Tensor => (a instanceof Tensor ? a.div(b) : (b as Tensor).reciprocal().mul(a));
export const pow = (a: TensorOrScalar, b: TensorOrScalar): Tensor => (a instanceof Tensor ? a.pow(b) : T(a, b as Tensor).pow(b));
export const maximum = (a: Tensor, b: TensorOrScalar): Tensor => a.maximum(b);
export const minimum = (a: Tensor, b: TensorOrScalar): Tensor => a.minimum(b);
export const matmul = (a: Tensor, b: Tensor): Tensor => a.matmul(b);
export const neg = (x: Tensor): Tensor => x.neg();
export const abs = (x: Tensor): Tensor => x.abs();
export const exp = (x: Tensor): Tensor => x.exp();
export const log = (x: Tensor): Tensor => x.log();
export const sqrt = (x: Tensor): Tensor => x.sqrt();
export const rsqrt = (x: Tensor): Tensor => x.rsqrt();
export const sin = (x: Tensor): Tensor => x.sin();
export const cos = (x: Tensor): Tensor => x.cos();
export const tanh = (x: Tensor): Tensor => x.tanh();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const relu = (x: Tensor): Tensor => x.relu();
export const square = (x: Tensor): Tensor => x.square();
export const sign = (x: Tensor): Tensor => x.sign();
export const reciprocal = (x: Tensor): Tensor => x.reciprocal();
export const clamp = (x: Tensor, min: number | null = null, max: number | null = null): Tensor => x.clamp(min, max);
export const sum = (x: Tensor, dim?: number | number[], keepdim = false): Tensor => x.sum(dim, keepdim);
export const mean = (x: Tensor, dim?: number | number[], keepdim = false): Tensor => x.mean(dim, keepdim);
export const logsumexp = (x: Tensor, dim: number | number[], keepdim = false): Tensor => x.logsumexp(dim, keepdim);
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => x.argmax(dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => x.argmin(dim, keepdim);
export const reshape = (x: Tensor, shape: readonly number[]): Tensor => x.reshape(shape);
export const flatten = (x: Tensor, startDim = 0, endDim = -1): Tensor => x.flatten(startDim, endDim);
export const transpose = (x: Tensor, d0: number, d1: number): Tensor => x.transpose(d0, d1);
export const permute = (x: Tensor, dims: readonly number[]): Tensor => x.permute(dims);
export const squeeze = (x: Tensor, dim?: number): Tensor => x.squeeze(dim);
export const unsqueeze = (x: Tensor, dim: number): Tensor => x.unsqueeze(dim);
export const gather = (x: Tensor, dim: number, index: Tensor): Tensor => x.gather(dim, index);
export const indexSelect = (x: Tensor, dim: number, index: Tensor): Tensor => x.indexSelect(dim, index);
export const scatterAdd = (x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => x.scatterAdd(dim, index, src);
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
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}
