/**
 * Primitives for selection, sorting, scans and the rounding arithmetic: putFlat (index assignment),
 * argsort, cumsum, cumprod (+ its exact gradient), the running-extremum index, remainder, fmod, the
 * rounding divisions and scatterReduce. Everything built on them (sort, topk, cummax, scatter,
 * indexing…) is a composite in tensor/extra.ts. Kernels: backend/js/select.ts (js only for now).
 */
import { isFloat, resultType, type DType, type TypedArray } from '../core/dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { broadcastShapes } from '../core/shape.js';
import { kernels } from '../backend/dispatch.js';
import type { RoundingDivOp } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkIndexRange, contiguousData } from './util.js';
import { view, type OpAttrs, type OpRule, type OutSpec } from './types.js';

/** `t` broadcast to `shape` as a fresh contiguous array of `dtype`. */
function dense(t: Tensor, shape: readonly number[], dtype: DType): TypedArray {
  const e = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : t.expand(shape);
  return kernels().unary('copy', view(e), shape, dtype);
}

function binaryInfer(op: string, a: Tensor, b: Tensor): OutSpec {
  if (a.dtype === 'bool' || b.dtype === 'bool') throw new DTypeError(`${op}: not defined for bool tensors (got ${a.dtype} and ${b.dtype})`);
  return { shape: broadcastShapes(a.shape, b.shape, op), dtype: resultType(a.dtype, a.shape.length, b.dtype, b.shape.length) };
}

function roundingDiv(op: RoundingDivOp, a: Tensor, b: Tensor, out: OutSpec): TypedArray {
  const at = (t: Tensor) =>
    view(t.shape.length === out.shape.length && t.shape.every((d, i) => d === out.shape[i]) ? t : t.expand(out.shape));
  return kernels().roundingDiv(op, at(a), at(b), out.shape, out.dtype);
}

/** remainder and fmod: a − b·round(a / b) with the quotient rounded down or toward zero; d/da = 1, d/db = −round(a / b). */
function remainderRule(op: 'remainder' | 'fmod', mode: 'floor' | 'trunc'): OpRule<'remainder'> {
  return {
    infer: ([a, b]) => binaryInfer(op, a, b),
    forward: ([a, b], _x, out) => ({ data: roundingDiv(op, a, b, out) }),
    backward: (g, { inputs: [a, b], run }) => [
      a.requiresGrad ? g.sumToSize(a.shape) : null,
      b.requiresGrad
        ? g
            .mul(run('divRounding', [a, b], { mode }))
            .neg()
            .sumToSize(b.shape)
        : null,
    ],
  };
}

/** The forward of cumsum and cumprod: a running sum or product along `dim`, integers accumulated as int32. */
function scanRule(op: 'cumsum' | 'cumprod'): Pick<OpRule<'cumsum'>, 'infer' | 'forward'> {
  return {
    infer: ([x], { dim }) => {
      laneInfer(op, x, dim);
      return { shape: x.shape.slice(), dtype: isFloat(x.dtype) ? x.dtype : 'int32' };
    },
    forward: ([x], { dim }, out) => ({ data: kernels().scan(dense(x, x.shape, out.dtype), x.shape, dim, op === 'cumprod', out.dtype) }),
  };
}

function laneInfer(op: string, x: Tensor, dim: number): void {
  if (x.shape.length === 0 ? dim !== 0 : dim < 0 || dim >= x.shape.length)
    throw new ShapeError(`${op}: dim ${dim} out of range for a tensor of shape ${fmtShape(x.shape)}`);
}

export const selectOps = {
  // out = base (1-D) with out[index[k]] = values[k]; the last write wins for repeated indices
  putFlat: {
    infer: ([base, index, values]) => {
      if (base.shape.length !== 1 || index.shape.length !== 1 || values.shape.length !== 1)
        throw new ShapeError(
          `putFlat: expects 1-D base, index and values, got ${fmtShape(base.shape)}, ${fmtShape(index.shape)}, ${fmtShape(values.shape)}`,
        );
      if (index.dtype !== 'int32') throw new DTypeError(`putFlat: index must be int32, got ${index.dtype}`);
      if (index.shape[0] !== values.shape[0]) throw new ShapeError(`putFlat: ${index.shape[0]} indices but ${values.shape[0]} values`);
      return { shape: base.shape.slice(), dtype: base.dtype };
    },
    forward: ([base, index, values], _a, out) => {
      const idx = contiguousData(index) as Int32Array;
      checkIndexRange(idx, base.shape[0], 'putFlat');
      return { data: kernels().putFlat(dense(base, out.shape, out.dtype), idx, dense(values, values.shape, out.dtype), out.dtype) };
    },
    // d/dbase: g with the written positions zeroed; d/dvalues: g read back at those positions
    backward: (g, { inputs: [base, index, values], run }) => [
      base.requiresGrad ? run('putFlat', [g, index, g.newZeros(values.shape)], {}) : null,
      null,
      values.requiresGrad ? g.indexSelect(0, index) : null,
    ],
  } satisfies OpRule<'putFlat'>,

  argsort: {
    infer: ([x], { dim }) => {
      laneInfer('argsort', x, dim);
      if (x.dtype === 'bool') throw new DTypeError('argsort: not defined for bool tensors; cast with .int() first');
      return { shape: x.shape.slice(), dtype: 'int32' };
    },
    forward: ([x], { dim, descending }) => ({ data: kernels().argsort(contiguousData(x), x.shape, dim, descending) }),
    backward: null,
  } satisfies OpRule<'argsort'>,

  cumsum: {
    ...scanRule('cumsum'),
    // d cumsum: the reversed running sum of g
    backward: (g, { attrs, run }) => [run('cumsum', [g.flip([attrs.dim])], attrs).flip([attrs.dim])],
  } satisfies OpRule<'cumsum'>,

  cumprod: {
    ...scanRule('cumprod'),
    backward: (g, { inputs: [x], output, attrs, run }) => [run('cumprodGrad', [x, output, g], attrs)],
  } satisfies OpRule<'cumprod'>,

  // dx_i = Σ_{j≥i} g_j Π_{k≤j, k≠i} x_k (exact where x has zeros); not differentiable again
  cumprodGrad: {
    infer: ([x]) => ({ shape: x.shape.slice(), dtype: x.dtype }),
    forward: ([x, y, g], { dim }, out) => ({
      data: kernels().cumprodGrad(contiguousData(x), dense(y, x.shape, out.dtype), dense(g, x.shape, out.dtype), x.shape, dim, out.dtype),
    }),
    backward: null,
  } satisfies OpRule<'cumprodGrad'>,

  cumExtremeIndex: {
    infer: ([x], { dim, max }) => {
      laneInfer(max ? 'cummax' : 'cummin', x, dim);
      return { shape: x.shape.slice(), dtype: 'int32' };
    },
    forward: ([x], { dim, max }) => ({ data: kernels().cumExtremeIndex(contiguousData(x), x.shape, dim, max) }),
    backward: null,
  } satisfies OpRule<'cumExtremeIndex'>,

  // Python's remainder (sign of the divisor); d/da = 1, d/db = -floor(a / b)
  remainder: remainderRule('remainder', 'floor') satisfies OpRule<'remainder'>,
  // C's fmod (sign of the dividend); d/da = 1, d/db = -trunc(a / b)
  fmod: remainderRule('fmod', 'trunc') satisfies OpRule<'fmod'>,

  // a / b rounded toward zero ('trunc') or down ('floor'); integer inputs stay integer. Zero gradient, as in PyTorch.
  divRounding: {
    infer: ([a, b]) => binaryInfer('div', a, b),
    forward: ([a, b], { mode }, out) => ({ data: roundingDiv(mode === 'floor' ? 'floorDiv' : 'truncDiv', a, b, out) }),
    backward: () => [null, null],
  } satisfies OpRule<'divRounding'>,

  scatterReduce: {
    infer: ([x, index, src], { dim, reduce }) => {
      if (index.dtype !== 'int32') throw new DTypeError(`scatterReduce: index must be an int32 tensor, got ${index.dtype}`);
      if (index.shape.length !== x.shape.length || src.shape.length !== x.shape.length)
        throw new ShapeError(
          `scatterReduce: index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} must have as many dimensions as input ${fmtShape(x.shape)}`,
        );
      for (let d = 0; d < x.shape.length; d++) {
        if (index.shape[d] > src.shape[d])
          throw new ShapeError(`scatterReduce: index ${fmtShape(index.shape)} is larger than src ${fmtShape(src.shape)} in dimension ${d}`);
        if (d !== dim && index.shape[d] > x.shape[d])
          throw new ShapeError(`scatterReduce: index ${fmtShape(index.shape)} is larger than input ${fmtShape(x.shape)} in dimension ${d}`);
      }
      if (!['sum', 'mean', 'amax', 'amin', 'prod'].includes(reduce))
        throw new ValueError(`scatterReduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got '${reduce}'`);
      if (src.dtype !== x.dtype) throw new DTypeError(`scatterReduce: src (${src.dtype}) must have the dtype of input (${x.dtype})`);
      return { shape: x.shape.slice(), dtype: x.dtype };
    },
    forward: ([x, index, src], { dim, reduce, includeSelf }, out) => {
      const idx = contiguousData(index) as Int32Array;
      checkIndexRange(idx, x.shape[dim], 'scatterReduce');
      const r = kernels().scatterReduce(
        contiguousData(x),
        x.shape,
        idx,
        index.shape,
        contiguousData(src),
        src.shape,
        dim,
        reduce,
        includeSelf,
        out.dtype,
      );
      return { data: r.out, saved: r.count };
    },
    backward: (g, { inputs: [x, index, src], output, attrs, saved }) =>
      scatterReduceGrad(g, x, index, src, output, attrs, saved as Int32Array),
  } satisfies OpRule<'scatterReduce'>,
};

/**
 * Gradients of scatterReduce (PyTorch's rules): sum passes g through (to x only where it was kept);
 * mean divides by the count; amax/amin split g evenly among the contributions equal to the result;
 * prod multiplies g by the product of the other factors (output / value, for nonzero values).
 */
function scatterReduceGrad(
  g: Tensor,
  x: Tensor,
  index: Tensor,
  src: Tensor,
  out: Tensor,
  a: OpAttrs['scatterReduce'],
  count: Int32Array,
): (Tensor | null)[] {
  const { dim, reduce, includeSelf } = a;
  // src cut to index's shape; its gradient is padded back below
  let s = src;
  for (let d = 0; d < index.shape.length; d++) if (s.shape[d] !== index.shape[d]) s = s.narrow(d, 0, index.shape[d]);
  const cnt = g.newTensor(count, out.shape);
  // positions that received at least one value
  const hit = g.newZeros(out.shape).scatterAdd(dim, index, g.newOnes(index.shape)).gt(0);
  const selfKept = includeSelf ? null : hit;
  let gx: Tensor;
  let gs: Tensor;
  if (reduce === 'sum') {
    gx = g;
    gs = g.gather(dim, index);
  } else if (reduce === 'mean') {
    const gm = g.div(cnt);
    gx = gm;
    gs = gm.gather(dim, index);
  } else if (reduce === 'prod') {
    gx = g.mul(out).div(x);
    gs = g.gather(dim, index).mul(out.gather(dim, index)).div(s);
  } else {
    const outAt = out.gather(dim, index);
    const xEq = selfKept ? x.eq(out).logicalAnd(selfKept.logicalNot()) : x.eq(out);
    const sEq = s.eq(outAt);
    const ties = xEq.to(g.dtype).scatterAdd(dim, index, sEq.to(g.dtype));
    const share = g.div(ties);
    gx = xEq.ifElse(share, 0);
    gs = sEq.ifElse(share.gather(dim, index), 0);
  }
  if (selfKept) gx = selfKept.ifElse(0, gx);
  if (gs.shape.some((d, i) => d !== src.shape[i])) {
    const pads: number[] = [];
    for (let d = src.shape.length - 1; d >= 0; d--) pads.push(0, src.shape[d] - gs.shape[d]);
    gs = gs.pad(pads);
  }
  return [x.requiresGrad ? gx : null, null, src.requiresGrad ? gs : null];
}
