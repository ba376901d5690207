/** Indexing primitives: gather / scatterAdd along a dim, indexSelect / indexAdd of whole slices. */
import { isFloat } from '../core/dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../core/errors.js';
import { kernels } from '../backend/dispatch.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkIndexRange, contiguousData } from './util.js';
import type { OpRule } from './types.js';

function indexData(t: Tensor, op: string): Int32Array {
  if (t.dtype !== 'int32') throw new DTypeError(`${op}: index must be an int32 tensor, got ${t.dtype}`);
  return contiguousData(t) as Int32Array;
}

function checkGatherShapes(op: string, x: Tensor, index: Tensor, dim: number): void {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
  if (index.shape.length !== x.shape.length)
    throw new ShapeError(`${op}: index ${fmtShape(index.shape)} must have the same number of dimensions as input ${fmtShape(x.shape)}`);
  for (let d = 0; d < x.shape.length; d++)
    if (d !== dim && index.shape[d] > x.shape[d])
      throw new ShapeError(`${op}: index ${fmtShape(index.shape)} is larger than input ${fmtShape(x.shape)} in dimension ${d}`);
}

export const indexingOps = {
  // out[i][j] = x[i][index[i][j]] (dim 1)
  gather: {
    infer: ([x, index], { dim }) => {
      checkGatherShapes('gather', x, index, dim);
      return { shape: index.shape.slice(), dtype: x.dtype };
    },
    forward: ([x, index], { dim }, out) => {
      const idx = indexData(index, 'gather');
      checkIndexRange(idx, x.shape[dim], 'gather');
      return { data: kernels().gather(contiguousData(x), x.shape, idx, index.shape, dim, out.dtype) };
    },
    backward: (g, { inputs: [x, index], attrs, run }) => [
      isFloat(x.dtype) ? run('scatterAdd', [g.newZeros(x.shape), index, g], { dim: attrs.dim }) : null,
      null,
    ],
  } satisfies OpRule<'gather'>,

  // out = x; out[i][index[i][j]] += src[i][j] (dim 1)
  scatterAdd: {
    infer: ([x, index, src], { dim }) => {
      checkGatherShapes('scatterAdd', x, index, dim);
      for (let d = 0; d < index.shape.length; d++)
        if (index.shape[d] > src.shape[d])
          throw new ShapeError(`scatterAdd: index ${fmtShape(index.shape)} is larger than src ${fmtShape(src.shape)} in dimension ${d}`);
      return { shape: x.shape.slice(), dtype: x.dtype };
    },
    forward: ([x, index, src], { dim }, out) => {
      const idx = indexData(index, 'scatterAdd');
      checkIndexRange(idx, x.shape[dim], 'scatterAdd');
      // src may be larger than index: take the index-shaped corner
      let s: Tensor = src;
      for (let d = 0; d < index.shape.length; d++) if (s.shape[d] !== index.shape[d]) s = s.narrow(d, 0, index.shape[d]);
      const data = kernels().scatterAdd(contiguousData(s), idx, index.shape, out.shape, dim, out.dtype);
      const base = contiguousData(x);
      for (let i = 0; i < data.length; i++) data[i] += base[i];
      return { data };
    },
    backward: (g, { inputs: [x, index, src], attrs }) => {
      let gs: Tensor | null = null;
      if (src.requiresGrad) {
        gs = g.gather(attrs.dim, index);
        if (gs.shape.some((d, i) => d !== src.shape[i])) {
          const pads: number[] = [];
          for (let d = src.shape.length - 1; d >= 0; d--) pads.push(0, src.shape[d] - gs.shape[d]);
          gs = gs.pad(pads);
        }
      }
      return [x.requiresGrad ? g : null, null, gs];
    },
  } satisfies OpRule<'scatterAdd'>,

  indexSelect: {
    infer: ([x, index], { dim }) => {
      if (index.shape.length > 1) throw new ShapeError(`indexSelect: index must be 0-D or 1-D, got ${fmtShape(index.shape)}`);
      if (index.dtype !== 'int32') throw new DTypeError(`indexSelect: index must be an int32 tensor, got ${index.dtype}`);
      const shape = x.shape.slice();
      shape[dim] = index.shape.length === 0 ? 1 : index.shape[0];
      return { shape, dtype: x.dtype };
    },
    forward: ([x, index], { dim }, out) => {
      const idx = indexData(index, 'indexSelect');
      checkIndexRange(idx, x.shape[dim], 'indexSelect');
      return { data: kernels().indexSelect(contiguousData(x), x.shape, dim, idx, out.dtype) };
    },
    backward: (g, { inputs: [x, index], attrs, run }) => [
      isFloat(x.dtype) ? run('indexAdd', [g, index], { dim: attrs.dim, size: x.shape[attrs.dim] }) : null,
      null,
    ],
  } satisfies OpRule<'indexSelect'>,

  // out = zeros with shape[dim] = size; out.indexAdd_(dim, index, src)
  indexAdd: {
    infer: ([src, index], { dim, size }) => {
      const shape = src.shape.slice();
      const n = index.shape.length === 0 ? 1 : index.shape[0];
      if (shape[dim] !== n)
        throw new ShapeError(`indexAdd: src ${fmtShape(src.shape)} has ${shape[dim]} entries in dim ${dim} but index has ${n}`);
      shape[dim] = size;
      return { shape, dtype: src.dtype };
    },
    forward: ([src, index], { dim, size }, out) => {
      const idx = indexData(index, 'indexAdd');
      checkIndexRange(idx, size, 'indexAdd');
      return { data: kernels().indexAdd(contiguousData(src), src.shape, dim, idx, size, out.dtype) };
    },
    backward: (g, { inputs: [, index], attrs }) => [g.indexSelect(attrs.dim, index), null],
  } satisfies OpRule<'indexAdd'>,
};
