/**
 * Movement primitives. reshape (of a contiguous tensor), permute, expand and slice are views: they share
 * the input's storage and only change shape/strides/offset. contiguous, pad and cat copy.
 */
import { allocate, promote, type TypedArray } from '../core/dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { contiguousStrides, inferReshape, numel, viewStrides } from '../core/shape.js';
import { kernels } from '../backend/dispatch.js';
import type { Tensor } from '../tensor/tensor.js';
import { contiguousData } from './util.js';
import { view, type OpRule } from './types.js';

/** Copy contiguous `src` (shape `srcShape`) into `out` (shape `outShape`) starting at `starts`. */
function placeBlock(
  out: TypedArray,
  outShape: readonly number[],
  src: TypedArray,
  srcShape: readonly number[],
  starts: readonly number[],
): void {
  const nd = outShape.length;
  if (numel(srcShape) === 0) return;
  if (nd === 0) {
    out[0] = src[0]!;
    return;
  }
  const os = contiguousStrides(outShape);
  const inner = srcShape[nd - 1];
  const rows = numel(srcShape) / inner;
  const idx = new Array<number>(nd - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let off = starts[nd - 1];
    for (let d = 0; d < nd - 1; d++) off += (idx[d] + starts[d]) * os[d];
    out.set(src.subarray(r * inner, r * inner + inner), off);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d] < srcShape[d]) break;
      idx[d] = 0;
    }
  }
}

export const movementOps = {
  reshape: {
    infer: ([x], { shape }) => ({ shape: inferReshape(x.shape, shape), dtype: x.dtype }),
    forward: ([x], _a, out) => {
      const strides = x.isContiguous() ? contiguousStrides(out.shape) : viewStrides(x.shape, x.strides, out.shape);
      return strides ? { data: x.storage, offset: x.offset, strides } : { data: contiguousData(x) };
    },
    backward: (g, { inputs: [x] }) => [g.reshape(x.shape)],
  } satisfies OpRule<'reshape'>,

  permute: {
    infer: ([x], { dims }) => {
      const n = x.shape.length;
      if (dims.length !== n || new Set(dims).size !== n || dims.some((d) => d < 0 || d >= n))
        throw new ValueError(
          `permute: dims ${fmtShape(dims)} is not a permutation of the ${n} dimensions of a tensor of shape ${fmtShape(x.shape)}`,
        );
      return { shape: dims.map((d) => x.shape[d]), dtype: x.dtype };
    },
    forward: ([x], { dims }) => ({ data: x.storage, offset: x.offset, strides: dims.map((d) => x.strides[d]) }),
    backward: (g, { attrs }) => {
      const inv = new Array<number>(attrs.dims.length);
      attrs.dims.forEach((d, i) => (inv[d] = i));
      return [g.permute(inv)];
    },
  } satisfies OpRule<'permute'>,

  expand: {
    infer: ([x], { shape }) => {
      const xs = x.shape;
      if (shape.length < xs.length)
        throw new ShapeError(
          `expand: the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${xs.length})`,
        );
      const off = shape.length - xs.length;
      const out = shape.map((s, i) => {
        const cur = i >= off ? xs[i - off] : 1;
        if (s === -1) {
          if (i < off) throw new ShapeError(`expand: -1 is not allowed in a leading, non-existing dimension (${fmtShape(shape)})`);
          return cur;
        }
        if (cur !== 1 && cur !== s)
          throw new ShapeError(
            `expand: the expanded size of the tensor (${s}) must match the existing size (${cur}) at non-singleton dimension ${i}; target ${fmtShape(shape)}, tensor ${fmtShape(xs)}`,
          );
        return s;
      });
      return { shape: out, dtype: x.dtype };
    },
    forward: ([x], _a, out) => {
      const off = out.shape.length - x.shape.length;
      const strides = out.shape.map((s, i) => (i < off ? 0 : x.shape[i - off] === 1 && s !== 1 ? 0 : x.strides[i - off]));
      return { data: x.storage, offset: x.offset, strides };
    },
    backward: (g, { inputs: [x] }) => [g.sumToSize(x.shape)],
  } satisfies OpRule<'expand'>,

  // x[..., start:end:step, ...] along dim; start/end already clamped by the front end.
  slice: {
    infer: ([x], { dim, start, end, step }) => {
      if (step <= 0) throw new ValueError(`slice: step must be positive, got ${step}`);
      const shape = x.shape.slice();
      shape[dim] = Math.max(0, Math.ceil((end - start) / step));
      return { shape, dtype: x.dtype };
    },
    forward: ([x], { dim, start, step }) => {
      const strides = x.strides.slice();
      strides[dim] = strides[dim] * step;
      return { data: x.storage, offset: x.offset + start * x.strides[dim], strides };
    },
    backward: (g, { inputs: [x], attrs, run }) => {
      const n = g.shape[attrs.dim];
      const idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = attrs.start + i * attrs.step;
      return [run('indexAdd', [g, g.newTensor(idx, [n], 'int32')], { dim: attrs.dim, size: x.shape[attrs.dim] })];
    },
  } satisfies OpRule<'slice'>,

  contiguous: {
    infer: ([x]) => ({ shape: x.shape.slice(), dtype: x.dtype }),
    forward: ([x], _a, out) => ({ data: kernels().unary('copy', view(x), out.shape, out.dtype) }),
    backward: (g) => [g],
  } satisfies OpRule<'contiguous'>,

  // constant padding; pads are PyTorch's F.pad order: last dim first, (before, after) pairs.
  pad: {
    infer: ([x], { pads }) => {
      const nd = x.shape.length;
      if (pads.length % 2 !== 0 || pads.length / 2 > nd)
        throw new ValueError(`pad: padding length must be even and at most 2×ndim (${2 * nd}), got ${pads.length}`);
      const shape = x.shape.slice();
      for (let i = 0; i < pads.length / 2; i++) {
        const d = nd - 1 - i;
        shape[d] = shape[d] + pads[2 * i] + pads[2 * i + 1];
        if (shape[d] < 0) throw new ShapeError(`pad: padding ${fmtShape(pads)} makes dimension ${d} of ${fmtShape(x.shape)} negative`);
      }
      return { shape, dtype: x.dtype };
    },
    forward: ([x], { pads, value }, out) => {
      const nd = x.shape.length;
      const data = allocate(out.dtype, numel(out.shape));
      if (value !== 0) data.fill(value);
      // negative pads crop: slice the source first
      let src: Tensor = x;
      const starts = new Array<number>(nd).fill(0);
      for (let i = 0; i < pads.length / 2; i++) {
        const d = nd - 1 - i;
        const before = pads[2 * i];
        const after = pads[2 * i + 1];
        const s0 = before < 0 ? -before : 0;
        const e0 = src.shape[d] - (after < 0 ? -after : 0);
        if (s0 > 0 || e0 < src.shape[d]) src = src.narrow(d, s0, Math.max(0, e0 - s0));
        starts[d] = Math.max(before, 0);
      }
      placeBlock(data, out.shape, contiguousData(src), src.shape, starts);
      return { data };
    },
    backward: (g, { attrs }) => [g.pad(attrs.pads.map((p) => -p))],
  } satisfies OpRule<'pad'>,

  cat: {
    infer: (xs, { dim }) => {
      if (xs.length === 0) throw new ValueError('cat: expected a non-empty list of tensors');
      const first = xs[0];
      let dtype = first.dtype;
      const shape = first.shape.slice();
      shape[dim] = 0;
      for (const t of xs) {
        if (t.shape.length !== first.shape.length)
          throw new ShapeError(
            `cat: tensors must have the same number of dimensions: got ${fmtShape(first.shape)} and ${fmtShape(t.shape)}`,
          );
        for (let d = 0; d < shape.length; d++)
          if (d !== dim && t.shape[d] !== first.shape[d])
            throw new ShapeError(
              `cat: sizes of tensors must match except in dimension ${dim}: got ${fmtShape(first.shape)} and ${fmtShape(t.shape)}`,
            );
        shape[dim] = shape[dim] + t.shape[dim];
        dtype = promote(dtype, t.dtype);
      }
      if (xs.some((t) => t.dtype !== dtype && t.dtype === 'bool' && dtype !== 'bool'))
        throw new DTypeError('cat: cannot mix bool and numeric tensors');
      return { shape, dtype };
    },
    forward: (xs, { dim }, out) => {
      const data = allocate(out.dtype, numel(out.shape));
      const starts = new Array<number>(out.shape.length).fill(0);
      for (const t of xs) {
        const src = t.dtype === out.dtype ? contiguousData(t) : kernels().unary('copy', view(t), t.shape, out.dtype);
        placeBlock(data, out.shape, src, t.shape, starts);
        starts[dim] = starts[dim] + t.shape[dim];
      }
      return { data };
    },
    backward: (g, { inputs, attrs }) => {
      let at = 0;
      return inputs.map((t) => {
        const n = t.shape[attrs.dim];
        const piece = g.narrow(attrs.dim, at, n);
        at += n;
        return t.requiresGrad ? piece : null;
      });
    },
  } satisfies OpRule<'cat'>,
};
