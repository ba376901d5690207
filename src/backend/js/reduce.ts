/** Reference reduction and indexing kernels on contiguous arrays. */
import { allocate, type DType, type TypedArray } from '../../core/dtype.js';
import { contiguousStrides, numel, splitAxis } from '../../core/shape.js';
import type { ArgReduceOp, Kernels, ReduceOp } from '../types.js';

export function reduce(op: ReduceOp, x: TypedArray, shape: readonly number[], axis: number, outDType: DType): TypedArray {
  const [outer, size, inner] = splitAxis(shape, axis);
  const out = allocate(outDType, outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      let acc: number;
      switch (op) {
        case 'sum': {
          acc = 0;
          for (let r = 0; r < size; r++) acc += x[base + r * inner + i]!;
          break;
        }
        case 'prod': {
          acc = 1;
          for (let r = 0; r < size; r++) acc *= x[base + r * inner + i]!;
          break;
        }
        case 'max': {
          acc = -Infinity;
          for (let r = 0; r < size; r++) {
            const v = x[base + r * inner + i]!;
            if (v > acc || v !== v) acc = v;
            if (acc !== acc) break;
          }
          break;
        }
        case 'min': {
          acc = Infinity;
          for (let r = 0; r < size; r++) {
            const v = x[base + r * inner + i]!;
            if (v < acc || v !== v) acc = v;
            if (acc !== acc) break;
          }
          break;
        }
      }
      out[o * inner + i] = acc;
    }
  }
  return out;
}

/** Index of the first max/min along the axis (NaN counts as the extreme, like PyTorch). */
export function argReduce(op: ArgReduceOp, x: TypedArray, shape: readonly number[], axis: number): Int32Array {
  const [outer, size, inner] = splitAxis(shape, axis);
  const out = new Int32Array(outer * inner);
  const isMax = op === 'argmax';
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bv = x[base + i]!;
      if (bv === bv) {
        for (let r = 1; r < size; r++) {
          const v = x[base + r * inner + i]!;
          if (v !== v) {
            best = r;
            break;
          }
          if (isMax ? v > bv : v < bv) {
            bv = v;
            best = r;
          }
        }
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}

/** Gradient of prod over one axis: for each element, the product of the other elements of its slice. */
export function prodGrad(x: TypedArray, shape: readonly number[], axis: number): TypedArray {
  const [outer, size, inner] = splitAxis(shape, axis);
  const out = allocate(x instanceof Float32Array ? 'float32' : 'float64', x.length);
  const left = new Float64Array(size);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      let acc = 1;
      for (let r = 0; r < size; r++) {
        left[r] = acc;
        acc *= x[base + r * inner + i]!;
      }
      acc = 1;
      for (let r = size - 1; r >= 0; r--) {
        out[base + r * inner + i] = left[r]! * acc;
        acc *= x[base + r * inner + i]!;
      }
    }
  }
  return out;
}

export const gather: Kernels['gather'] = (x, xShape, index, indexShape, axis, outDType) => {
  // index may be smaller than x in the non-axis dims: map each index coordinate onto x.
  const out = allocate(outDType, index.length);
  const xStrides = contiguousStrides(xShape);
  const iStrides = contiguousStrides(indexShape);
  const nd = indexShape.length;
  for (let flat = 0; flat < index.length; flat++) {
    let rem = flat;
    let off = 0;
    for (let d = 0; d < nd; d++) {
      const c = Math.floor(rem / iStrides[d]!);
      rem -= c * iStrides[d]!;
      off += (d === axis ? index[flat]! : c) * xStrides[d]!;
    }
    out[flat] = x[off]!;
  }
  return out;
};

export const scatterAdd: Kernels['scatterAdd'] = (src, index, indexShape, outShape, axis, outDType) => {
  const out = allocate(outDType, numel(outShape));
  const oStrides = contiguousStrides(outShape);
  const sStrides = contiguousStrides(indexShape);
  const nd = indexShape.length;
  for (let flat = 0; flat < index.length; flat++) {
    let rem = flat;
    let off = 0;
    for (let d = 0; d < nd; d++) {
      const c = Math.floor(rem / sStrides[d]!);
      rem -= c * sStrides[d]!;
      off += (d === axis ? index[flat]! : c) * oStrides[d]!;
    }
    out[off] += src[flat]!;
  }
  return out;
};

export function indexSelect(x: TypedArray, shape: readonly number[], axis: number, index: Int32Array, outDType: DType): TypedArray {
  const [outer, size, inner] = splitAxis(shape, axis);
  const k = index.length;
  const out = allocate(outDType, outer * k * inner);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < k; j++) {
      const src = (o * size + index[j]!) * inner;
      const dst = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = x[src + i]!;
    }
  return out;
}

export function indexAdd(
  src: TypedArray,
  srcShape: readonly number[],
  axis: number,
  index: Int32Array,
  outSize: number,
  outDType: DType,
): TypedArray {
  const [outer, k, inner] = splitAxis(srcShape, axis);
  const out = allocate(outDType, outer * outSize * inner);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < k; j++) {
      const dst = (o * outSize + index[j]!) * inner;
      const s = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += src[s + i]!;
    }
  return out;
}
