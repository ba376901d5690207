/** Free-function spellings of the selection, scan, product and comparison ops (`torch.sort(x)`, `torch.einsum(...)`). */
import type { Tensor, TensorOrScalar } from './tensor.js';
import * as X from './extra-ops.js';
import { checkOptionKeys } from '../core/options.js';

export type { SortOptions, TopkOptions, UniqueOptions, UniqueResult, IscloseOptions, NanToNumOptions } from './extra-ops.js';
export type { IndexItem, SliceSpec } from './index-parse.js';

/** Sort along `dim` (default last), ascending unless `descending`; stable. Returns `{ values, indices }` (indices int32). */
export const sort = (x: Tensor, dim = -1, opts: X.SortOptions = {}): { values: Tensor; indices: Tensor } => x.sort(dim, opts);
/** The int32 indices that sort `x` along `dim` (default last). */
export const argsort = (x: Tensor, dim = -1, opts: X.SortOptions = {}): Tensor => x.argsort(dim, opts);
/**
 * The `k` largest (or smallest with `largest: false`) values along `dim`, and their int32 indices.
 * @throws IndexError if `k` is negative or exceeds the size of `dim`.
 */
export const topk = (x: Tensor, k: number, dim = -1, opts: X.TopkOptions = {}): { values: Tensor; indices: Tensor } => x.topk(k, dim, opts);
/** Cumulative sum along `dim`; same shape as `x`. */
export const cumsum = (x: Tensor, dim: number): Tensor => x.cumsum(dim);
/** Cumulative product along `dim`; same shape as `x`. */
export const cumprod = (x: Tensor, dim: number): Tensor => x.cumprod(dim);
/** Reverse the order of elements along `dims`. */
export const flip = (x: Tensor, dims: number | readonly number[]): Tensor => x.flip(dims);
/** Shift elements by `shifts` along `dims`, wrapping around (of the flattened tensor without `dims`). */
export const roll = (x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor => x.roll(shifts, dims);
/** Lower triangle of the last two dims (above diagonal `diagonal` set to 0). */
export const tril = (x: Tensor, diagonal = 0): Tensor => x.tril(diagonal);
/** Upper triangle of the last two dims (below diagonal `diagonal` set to 0). */
export const triu = (x: Tensor, diagonal = 0): Tensor => x.triu(diagonal);
/** 1-D `x` → 2-D matrix with `x` on diagonal `diagonal`; 2-D `x` → that diagonal as 1-D. */
export const diag = (x: Tensor, diagonal = 0): Tensor => x.diag(diagonal);
/** Sum of the main diagonal of a 2-D tensor, as a 0-d tensor. */
export const trace = (x: Tensor): Tensor => x.trace();
/** Repeat `x` `reps[i]` times along each dim. */
export const tile = (x: Tensor, reps: readonly number[]): Tensor => x.tile(reps);
/** Split `x` along `dim` into its slices, the dim removed. */
export const unbind = (x: Tensor, dim = 0): Tensor[] => x.unbind(dim);
/** Outer product of 1-D `a` (shape `[n]`) and `b` (shape `[m]`): shape `[n, m]`. */
export const outer = (a: Tensor, b: Tensor): Tensor => a.outer(b);
/** The elements of `x` where the bool `mask` (broadcast) is true, as 1-D. */
export const maskedSelect = (x: Tensor, mask: Tensor): Tensor => x.maskedSelect(mask);
/** Out-of-place scatter: a copy of `x` with `src` (tensor or number) written at int32 `index` along `dim`. */
export const scatter = (x: Tensor, dim: number, index: Tensor, src: TensorOrScalar): Tensor => x.scatter(dim, index, src);
/** The distinct values (sorted), optionally with the inverse indices and counts (`UniqueOptions`). */
export const unique = (x: Tensor, opts: X.UniqueOptions = {}): X.UniqueResult => X.unique(x, opts);
/** Count of each value of a 1-D non-negative int32 tensor (weighted with `weights`), length at least `minlength`. */
export const bincount = (x: Tensor, opts: { weights?: Tensor | null; minlength?: number } = {}): Tensor => x.bincount(opts);
/** Whether all elements are true (non-zero), over `dim` or everything; a bool tensor. */
export const all = (x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor => x.all(dim, keepdim);
/** Whether any element is true (non-zero), over `dim` or everything; a bool tensor. */
export const any = (x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor => x.any(dim, keepdim);
/** Elementwise `|a − b| ≤ atol + rtol·|b|` (defaults rtol 1e-5, atol 1e-8), as a bool tensor. */
export const isclose = (a: Tensor, b: TensorOrScalar, opts: X.IscloseOptions = {}): Tensor => a.isclose(b, opts);
/** Whether `isclose(a, b, opts)` holds everywhere. */
export const allclose = (a: Tensor, b: TensorOrScalar, opts: X.IscloseOptions = {}): boolean => a.allclose(b, opts);
/** Whether `a` and `b` have the same shape and the same values. */
export const equal = (a: Tensor, b: Tensor): boolean => a.equal(b);
/** Python's modulo: `a − b·floor(a / b)`, the sign of `b`. */
export const remainder = (a: Tensor, b: TensorOrScalar): Tensor => a.remainder(b);
/** C's modulo: `a − b·trunc(a / b)`, the sign of `a`. */
export const fmod = (a: Tensor, b: TensorOrScalar): Tensor => a.fmod(b);
/** `floor(a / b)`, elementwise with broadcasting. */
export const floorDivide = (a: Tensor, b: TensorOrScalar): Tensor => a.floorDivide(b);
/** Round toward zero, elementwise. */
export const trunc = (x: Tensor): Tensor => x.trunc();
/** Replace NaN (default 0), +inf and −inf (default: the dtype's largest/smallest finite value). */
export const nanToNum = (x: Tensor, opts: X.NanToNumOptions = {}): Tensor => x.nanToNum(opts);
/** Linear interpolation `start + weight·(end − start)`, with broadcasting. */
export const lerp = (start: Tensor, end: Tensor, weight: TensorOrScalar): Tensor => start.lerp(end, weight);

/**
 * Einstein summation, e.g. `einsum('ij,jk->ik', a, b)` (matmul), `einsum('bij,bij->b', a, b)`,
 * `einsum('ii', m)` (trace). Letters name dims; `->out` is optional (then: the labels used once, sorted).
 */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  const ops = operands.length === 1 && Array.isArray(operands[0]) ? (operands[0] as Tensor[]) : (operands as Tensor[]);
  return X.einsum(equation, ops);
}

/** Coordinate grids of 1-D tensors: meshgrid([x, y]) → [X, Y] with shape [len(x), len(y)] ('ij'), or transposed ('xy'). */
export function meshgrid(tensors: readonly Tensor[], opts: { indexing?: 'ij' | 'xy' } = {}): Tensor[] {
  checkOptionKeys('meshgrid', opts, { indexing: true });
  return X.meshgrid(tensors, opts.indexing ?? 'ij');
}
