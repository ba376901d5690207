/**
 * Composite ops: written from primitives through tensor methods, so they need no gradient rule of
 * their own. Numerically delicate ones use the stable forms (max-subtraction for softmax/logsumexp).
 */
import { isFloat } from '../core/dtype.js';
import { ShapeError, fmtShape } from '../core/errors.js';
import { broadcastShapes, normAxes, normAxis, numel } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';

type Dims = number | readonly number[];

function count(x: Tensor, dim: Dims | undefined, op = 'mean'): number {
  const dims = normAxes(dim, x.ndim, op);
  // a 0-d tensor's dim 0 (or −1) is itself: one element
  return dims.reduce((n, d) => n * (x.shape[d] ?? 1), 1);
}

/** Mean over `dim` (all when omitted). Integer tensors are averaged in float32. */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const n = count(x, dim); // validates dims first, so errors name `mean`
  const xf = isFloat(x.dtype) ? x : x.to('float32');
  return xf.sum(dim, keepdim).div(n);
}

/** Var = Σ(x - mean)² / (N - correction). */
export function variance(x: Tensor, dim: Dims | undefined, correction: number, keepdim: boolean): Tensor {
  const n = count(x, dim, 'var');
  const xf = isFloat(x.dtype) ? x : x.to('float32');
  const mu = xf.mean(dim, true);
  return xf
    .sub(mu)
    .square()
    .sum(dim, keepdim)
    .div(Math.max(n - correction, 0));
}

/** log Σ exp(x), stable: m + log Σ exp(x - m) with m = max (detached; the result does not depend on it). */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  dim = normAxes(dim, x.ndim, 'logsumexp');
  // an empty sum is 0 and its log −∞ (PyTorch), and there is no max to subtract: plain log Σ exp
  if (dim.some((d) => x.shape[d] === 0)) {
    const out = x.exp().sum(dim, true).log();
    return keepdim ? out : out.squeeze(dim);
  }
  const m = x.amax(dim, true).detach();
  const finiteM = m.isinf().ifElse(0, m);
  const out = x.sub(finiteM).exp().sum(dim, true).log().add(finiteM);
  return keepdim ? out : out.squeeze(normAxes(dim, x.ndim, 'logsumexp'));
}

/** softmax(x)_i = exp(x_i - max) / Σ exp(x_j - max) along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  dim = normAxis(dim, x.ndim, 'softmax');
  if (x.numel() === 0) return x.mul(1); // nothing to normalise (PyTorch returns the empty tensor)
  const m = x.amax(dim, true).detach();
  const e = x.sub(m).exp();
  return e.div(e.sum(dim, true));
}

/**
 * log softmax = (x - m) - log Σ exp(x - m) along `dim`, m = max (detached). Shifting first keeps the
 * small terms exact: for logits of ±1e4 in float32, `x - logsumexp(x)` would round 1e4 + log 2.
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  dim = normAxis(dim, x.ndim, 'logSoftmax');
  if (x.numel() === 0) return x.mul(1); // nothing to normalise (PyTorch returns the empty tensor)
  const m = x.amax(dim, true).detach();
  const finiteM = m.isinf().ifElse(0, m);
  const shifted = x.sub(finiteM);
  return shifted.sub(shifted.exp().sum(dim, true).log());
}

/** Sum `x` down to `shape` (the reverse of broadcasting `shape` up to `x.shape`). */
export function sumToSize(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const lead = x.ndim - shape.length;
  if (lead < 0) throw new ShapeError(`sumToSize: cannot sum ${fmtShape(x.shape)} to the larger shape ${fmtShape(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && x.shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== x.shape[i])
      throw new ShapeError(`sumToSize: ${fmtShape(x.shape)} is not expandable from ${fmtShape(shape)}`);
  }
  const s = dims.length ? x.sum(dims, true) : x;
  return s.reshape(shape);
}

/** `{ values, indices }` of the max/min along `dim` (the gradient goes to the returned index). */
export function extremumDim(x: Tensor, dim: number, keepdim: boolean, which: 'argmax' | 'argmin'): { values: Tensor; indices: Tensor } {
  const d = normAxis(dim, x.ndim, which === 'argmax' ? 'max' : 'min');
  const idx = which === 'argmax' ? x.argmax(d, true) : x.argmin(d, true);
  const values = x.gather(d, idx);
  return keepdim ? { values, indices: idx } : { values: values.squeeze(d), indices: idx.squeeze(d) };
}

/** PyTorch's `repeat`: tile along each dim. */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.length < x.ndim)
    throw new ShapeError(`repeat: number of repeat dims (${reps.length}) can not be smaller than number of tensor dims (${x.ndim})`);
  const shape = [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape];
  // view as [1, s0, 1, s1, ...], expand to [r0, s0, r1, s1, ...], then merge pairs
  const inter: number[] = [];
  const expanded: number[] = [];
  shape.forEach((s, i) => {
    inter.push(1, s);
    expanded.push(reps[i]!, s);
  });
  return x
    .reshape(inter)
    .expand(expanded)
    .contiguous()
    .reshape(shape.map((s, i) => s * reps[i]!));
}

/** Matrix product with PyTorch's rules: 1-D·1-D dot, 2-D, 1-D promoted, batched with broadcast batch dims. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(`matmul: both arguments need at least 1 dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  const m = a2.shape[a2.ndim - 2]!;
  const k = a2.shape[a2.ndim - 1]!;
  const k2 = b2.shape[b2.ndim - 2]!;
  const n = b2.shape[b2.ndim - 1]!;
  if (k !== k2) throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${k} != ${k2})`);
  const ba = a2.shape.slice(0, -2);
  const bb = b2.shape.slice(0, -2);
  const batch = broadcastShapes(ba, bb, 'matmul');
  const nb = numel(batch);
  const as3 = (t: Tensor, own: number[], r: number, c: number): Tensor =>
    numel(own) === 1 && nb !== 1 ? t.reshape(1, r, c) : t.expand([...batch, r, c]).reshape(nb, r, c);
  const out = as3(a2, ba, m, k)
    .bmm(as3(b2, bb, k, n))
    .reshape([...batch, m, n]);
  if (a.ndim === 1 && b.ndim === 1) return out.reshape([]);
  if (a.ndim === 1) return out.squeeze(-2);
  if (b.ndim === 1) return out.squeeze(-1);
  return out;
}
