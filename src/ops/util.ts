/** Helpers every op file needs: reading a tensor's storage contiguously, checking index tensors. */
import type { TypedArray } from '../core/dtype.js';
import { IndexError } from '../core/errors.js';
import { numel } from '../core/shape.js';
import { kernels } from '../backend/dispatch.js';
import type { Tensor } from '../tensor/tensor.js';
import { view } from './types.js';

/** The storage of `t` as a contiguous array (a copy only when `t` is a strided view). */
export function contiguousData(t: Tensor): TypedArray {
  if (t.isContiguous() && t.offset === 0 && t.storage.length === numel(t.shape)) return t.storage;
  return kernels().unary('copy', view(t), t.shape, t.dtype);
}

/** Every entry of `index` is an integer in [0, size), or an IndexError naming `op`. */
export function checkIndexRange(index: TypedArray, size: number, op: string): void {
  for (let i = 0; i < index.length; i++) {
    const v = index[i];
    if (v < 0 || v >= size || !Number.isInteger(v))
      throw new IndexError(`${op}: index ${v} is out of bounds for dimension with size ${size}`);
  }
}
