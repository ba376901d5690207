/** Reduction primitives: sum, amax, amin (over several dims), prod (one dim), argmax/argmin. */
import { isFloat, type DType, type TypedArray } from '../core/dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../core/errors.js';
import { contiguousStrides, normAxes, numel } from '../core/shape.js';
import { kernels } from '../backend/dispatch.js';
import type { ReduceOp } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradCtx, OpRule } from './types.js';
import { contiguousData } from './util.js';

/** Output shape of reducing `dims` (keepdim: size-1 dims stay). */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (dims.includes(i)) {
      if (keepdim) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

function reduceMany(op: ReduceOp, x: Tensor, dims: readonly number[], dtype: DType): TypedArray {
  let data = contiguousData(x);
  const shape = x.shape.slice();
  if (dims.length === 0) {
    // reducing over no dims is the identity (cast to the output dtype)
    return kernels().unary('copy', { data, offset: 0, strides: contiguousStrides(shape) }, shape, dtype);
  }
  // The data is contiguous, so each run of adjacent reduced dims (and of adjacent kept dims) is one
  // axis of the same array: e.g. dims [0, 2, 3] of [N, C, H, W] reduce [N, C, H·W] over axes 0 and 2.
  // Fewer axes, fewer passes (and fewer float64 intermediates); a merged run sums in row-major order.
  const { merged, axes } = mergeAxes(shape, dims);
  for (let k = axes.length - 1; k >= 0; k--) {
    const ax = axes[k];
    data = kernels().reduce(op, data, merged, ax, k === 0 ? dtype : intermediate(dtype));
    merged[ax] = 1;
  }
  return data;
}

/** `shape` with each run of adjacent reduced dims, and of adjacent kept dims, made one dim; the reduced axes of it. */
function mergeAxes(shape: readonly number[], dims: readonly number[]): { merged: number[]; axes: number[] } {
  // a 0-d tensor reduced over its one implicit dim keeps that dim
  if (shape.length === 0) return { merged: [], axes: dims.slice() };
  const merged: number[] = [];
  const axes: number[] = [];
  let prev: boolean | null = null;
  for (let i = 0; i < shape.length; i++) {
    const r = dims.includes(i);
    if (r === prev) merged[merged.length - 1] = merged[merged.length - 1] * shape[i];
    else {
      merged.push(shape[i]);
      if (r) axes.push(merged.length - 1);
    }
    prev = r;
  }
  return { merged, axes };
}

function intermediate(d: DType): DType {
  return d === 'float32' ? 'float64' : d;
}

function reduction<K extends 'sum' | 'amax' | 'amin'>(name: K, op: ReduceOp, backward: OpRule<K>['backward']): OpRule<K> {
  return {
    infer: ([x], { dims, keepdim }) => {
      const d = x.dtype;
      // an empty reduction has no value (no identity for max/min); an empty tensor reduced over
      // non-empty dims is just an empty result, as in PyTorch
      if ((name === 'amax' || name === 'amin') && numel(x.shape) === 0 && dims.some((d) => x.shape[d] === 0))
        throw new ShapeError(
          `${name}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)} over a dimension of size 0 (no identity for max/min)`,
        );
      const dtype: DType = name === 'sum' && !isFloat(d) ? 'int32' : d;
      return { shape: reducedShape(x.shape, dims, keepdim), dtype };
    },
    forward: ([x], { dims }, out) => ({ data: reduceMany(op, x, dims, out.dtype) }),
    backward,
  };
}

/** Put back the reduced dims of `g` (as size 1) so it broadcasts against the input. */
function keep(g: Tensor, inShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  return keepdim ? g : g.reshape(reducedShape(inShape, dims, true));
}

function extremumGrad(
  g: Tensor,
  ctx: { inputs: readonly Tensor[]; output: Tensor; attrs: { dims: number[]; keepdim: boolean; nanShare?: boolean } },
): (Tensor | null)[] {
  const x = ctx.inputs[0];
  const { dims, keepdim } = ctx.attrs;
  const y = keep(ctx.output, x.shape, dims, keepdim);
  if (ctx.attrs.nanShare === true) {
    // max()/min() of a whole tensor (PyTorch's evenly_distribute_backward): the elements equal to the
    // result share g — the NaNs, when the result is NaN — and the others get +0 whatever g is
    const at = x.eq(y).logicalOr(x.isnan().logicalAnd(y.isnan()));
    return [at.ifElse(keep(g, x.shape, dims, keepdim).div(at.to(g.dtype).sum(dims, true)), 0)];
  }
  const mask = x.eq(y).to(g.dtype);
  // ties share the gradient evenly, like PyTorch's amax/amin and full max()/min()
  const count = mask.sum(dims, true);
  return [keep(g, x.shape, dims, keepdim).mul(mask).div(count)];
}

export const reduceOps = {
  // d Σx = 1 for every element
  sum: reduction('sum', 'sum', (g, { inputs: [x], attrs }) => [
    isFloat(x.dtype) ? keep(g, x.shape, attrs.dims, attrs.keepdim).expand(x.shape) : null,
  ]),
  amax: reduction('amax', 'max', extremumGrad),
  amin: reduction('amin', 'min', extremumGrad),
  prod: {
    infer: ([x], { dim, keepdim }) => ({ shape: reducedShape(x.shape, [dim], keepdim), dtype: isFloat(x.dtype) ? x.dtype : 'int32' }),
    forward: ([x], { dim }, out) => ({ data: reduceMany('prod', x, [dim], out.dtype) }),
    // d Πx / dx_i = Π_{j≠i} x_j (exact also when some x_j are zero). While recording (createGraph), the
    // same products as differentiable ops: the running products from either end, each stopping short
    // of x_i (cumprod's own gradient is exact with zeros too), so a second derivative goes through
    backward: (g, { inputs: [x], attrs, run, gradEnabled }) => {
      const recording = gradEnabled && (x.requiresGrad || g.requiresGrad);
      const others = recording ? exclusiveProducts(x, attrs.dim, run) : run('prodGrad', [x], { dim: attrs.dim });
      return [keep(g, x.shape, [attrs.dim], attrs.keepdim).mul(others)];
    },
  } satisfies OpRule<'prod'>,
  prodGrad: {
    infer: ([x]) => ({ shape: x.shape.slice(), dtype: x.dtype }),
    forward: ([x], { dim }) => ({ data: kernels().prodGrad(contiguousData(x), x.shape, dim) }),
    backward: null,
  } satisfies OpRule<'prodGrad'>,
  argmax: argOp('argmax'),
  argmin: argOp('argmin'),
};

/** Π_{j≠i} x_j along `dim`, as differentiable ops: (Π_{j<i} x_j)·(Π_{j>i} x_j) from two running products. */
function exclusiveProducts(x: Tensor, dim: number, run: GradCtx<unknown, readonly Tensor[]>['run']): Tensor {
  const d = dim < 0 ? dim + x.ndim : dim;
  const n = x.shape[d]!;
  const one = x.newOnes(x.shape.map((s, i) => (i === d ? 1 : s)));
  if (n === 1) return one;
  const before = run('cat', [one, x.narrow(d, 0, n - 1)], { dim: d }).cumprod(d);
  const after = run('cat', [x.narrow(d, 1, n - 1), one], { dim: d })
    .flip([d])
    .cumprod(d)
    .flip([d]);
  return before.mul(after);
}

function argOp(name: 'argmax' | 'argmin'): OpRule<'argmax'> {
  return {
    infer: ([x], { dim, keepdim }) => {
      if (x.dtype === 'bool') throw new DTypeError(`${name}: not supported for bool tensors`);
      if (numel(x.shape) === 0 && (dim === null || x.shape[dim] === 0))
        throw new ShapeError(`${name}: cannot take ${name} of an empty tensor${dim === null ? '' : ` over a dimension of size 0`}`);
      if (dim === null) return { shape: keepdim ? x.shape.map(() => 1) : [], dtype: 'int32' };
      return { shape: reducedShape(x.shape, [dim], keepdim), dtype: 'int32' };
    },
    forward: ([x], { dim }) => {
      const data = contiguousData(x);
      if (dim === null) return { data: kernels().argReduce(name, data, [data.length], 0) };
      return { data: kernels().argReduce(name, data, x.shape, dim) };
    },
    backward: null,
  };
}

/** Normalise user dims for a reduction (undefined → all dims). */
export function reduceDims(dim: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  return normAxes(dim, ndim, op);
}
