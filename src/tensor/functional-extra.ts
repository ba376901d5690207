/** Free-function spellings of the selection, scan, product and comparison ops (`torch.sort(x)`, `torch.einsum(...)`). */
import type { Tensor, TensorOrScalar } from './tensor.js';
import * as X from './extra-ops.js';
import { checkOptionKeys } from '../core/options.js';

export type { SortOptions, TopkOptions, UniqueOptions, UniqueResult, IscloseOptions, NanToNumOptions } from './extra-ops.js';
export type { IndexItem, SliceSpec } from './index-parse.js';

export const sort = (x: Tensor, dim = -1, opts: X.SortOptions = {}): { values: Tensor; indices: Tensor } => x.sort(dim, opts);
export const argsort = (x: Tensor, dim = -1, opts: X.SortOptions = {}): Tensor => x.argsort(dim, opts);
export const topk = (x: Tensor, k: number, dim = -1, opts: X.TopkOptions = {}): { values: Tensor; indices: Tensor } => x.topk(k, dim, opts);
export const cumsum = (x: Tensor, dim: number): Tensor => x.cumsum(dim);
export const cumprod = (x: Tensor, dim: number): Tensor => x.cumprod(dim);
export const flip = (x: Tensor, dims: number | readonly number[]): Tensor => x.flip(dims);
export const roll = (x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor => x.roll(shifts, dims);
export const tril = (x: Tensor, diagonal = 0): Tensor => x.tril(diagonal);
export const triu = (x: Tensor, diagonal = 0): Tensor => x.triu(diagonal);
export const diag = (x: Tensor, diagonal = 0): Tensor => x.diag(diagonal);
export const trace = (x: Tensor): Tensor => x.trace();
export const tile = (x: Tensor, reps: readonly number[]): Tensor => x.tile(reps);
export const unbind = (x: Tensor, dim = 0): Tensor[] => x.unbind(dim);
export const outer = (a: Tensor, b: Tensor): Tensor => a.outer(b);
export const maskedSelect = (x: Tensor, mask: Tensor): Tensor => x.maskedSelect(mask);
export const scatter = (x: Tensor, dim: number, index: Tensor, src: TensorOrScalar): Tensor => x.scatter(dim, index, src);
export const unique = (x: Tensor, opts: X.UniqueOptions = {}): X.UniqueResult => X.unique(x, opts);
export const bincount = (x: Tensor, opts: { weights?: Tensor | null; minlength?: number } = {}): Tensor => x.bincount(opts);
export const all = (x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor => x.all(dim, keepdim);
export const any = (x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor => x.any(dim, keepdim);
export const isclose = (a: Tensor, b: TensorOrScalar, opts: X.IscloseOptions = {}): Tensor => a.isclose(b, opts);
export const allclose = (a: Tensor, b: TensorOrScalar, opts: X.IscloseOptions = {}): boolean => a.allclose(b, opts);
export const equal = (a: Tensor, b: Tensor): boolean => a.equal(b);
export const remainder = (a: Tensor, b: TensorOrScalar): Tensor => a.remainder(b);
export const fmod = (a: Tensor, b: TensorOrScalar): Tensor => a.fmod(b);
export const floorDivide = (a: Tensor, b: TensorOrScalar): Tensor => a.floorDivide(b);
export const trunc = (x: Tensor): Tensor => x.trunc();
export const nanToNum = (x: Tensor, opts: X.NanToNumOptions = {}): Tensor => x.nanToNum(opts);
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
  checkOptionKeys('meshgrid', opts, ['indexing']);
  return X.meshgrid(tensors, opts.indexing ?? 'ij');
}
