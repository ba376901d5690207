/**
 * Fused batch normalisation: the composed form (mean, sub, square, mean, add, rsqrt, mul, mul, add,
 * and their gradients) reads and writes the activation about thirty times per training step; these
 * primitives do it in five passes — statistics (two), the normalisation (one), the gradient's sums
 * (one) and dx (one). Inputs are [N, C, ...] with the channel at dim 1. Used by `F.batchNorm` when the
 * layer is affine and every tensor has the input's floating dtype; see the kernels in
 * backend/js/norm.ts for the roundings.
 */
import { isFloat } from '../core/dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../core/errors.js';
import { kernels } from '../backend/dispatch.js';
import type { Tensor } from '../tensor/tensor.js';
import { contiguousData } from './util.js';
import type { OpRule } from './types.js';

/** [n, c, inner] of an [N, C, ...] input. */
function nci(x: Tensor): [number, number, number] {
  const [n, c] = x.shape as [number, number];
  return [n, c, x.shape.slice(2).reduce((a, b) => a * b, 1)];
}

function checkInput(op: string, x: Tensor): void {
  if (x.ndim < 2) throw new ShapeError(`${op}: expected at least a 2-D input [N, C, ...], got ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: input must be floating point, got ${x.dtype}`);
}

/** Per-channel tensors ([C], the input's dtype). */
function checkChannels(op: string, x: Tensor, named: [string, Tensor][]): void {
  const c = x.shape[1];
  for (const [name, t] of named) {
    if (t.ndim !== 1 || t.shape[0] !== c)
      throw new ShapeError(`${op}: ${name} has shape ${fmtShape(t.shape)} but the input ${fmtShape(x.shape)} has ${c} channels`);
    if (t.dtype !== x.dtype) throw new DTypeError(`${op}: ${name} must have the input's dtype ${x.dtype}, got ${t.dtype}`);
  }
}

/** Every dim but the channel dim 1. */
const notChannel = (x: Tensor) => x.shape.map((_, i) => i).filter((i) => i !== 1);
const perChannel = (t: Tensor, x: Tensor) => t.reshape(x.shape.map((s, i) => (i === 1 ? s : 1)));

export const normOps = {
  // mean_c = Σx/N, var_c = Σ(x − mean_c)²/N over all but dim 1 (not differentiable: batchNorm's own
  // gradient carries the path through the statistics)
  batchNormStats: {
    infer: ([x]) => {
      checkInput('batchNormStats', x);
      return { shape: [2, x.shape[1]], dtype: x.dtype };
    },
    forward: ([x], _a, out) => {
      const [n, c, inner] = nci(x);
      return { data: kernels().batchNormStats(contiguousData(x), n, c, inner, out.dtype) };
    },
    backward: null,
  } satisfies OpRule<'batchNormStats'>,

  // y = x̂·w + b, x̂ = (x − mean)·invstd, invstd = (var + eps)^−½. With `training` the statistics are
  // x's own (from batchNormStats), so with N = elements per channel:
  //   dx = w·invstd·(g − mean(g) − x̂·mean(g·x̂));  eval (constant statistics): dx = g·w·invstd
  //   dw = Σ g·x̂;  db = Σ g
  batchNorm: {
    infer: ([x, w, b, mean, vari]) => {
      checkInput('batchNorm', x);
      checkChannels('batchNorm', x, [
        ['weight', w],
        ['bias', b],
        ['mean', mean],
        ['var', vari],
      ]);
      return { shape: x.shape.slice(), dtype: x.dtype };
    },
    forward: ([x, w, b, mean, vari], a, out) => {
      const [n, c, inner] = nci(x);
      return {
        data: kernels().batchNormForward(
          contiguousData(x),
          contiguousData(mean),
          contiguousData(vari),
          contiguousData(w),
          contiguousData(b),
          n,
          c,
          inner,
          a.eps,
          out.dtype,
          a.relu === true,
        ),
      };
    },
    backward: (gy, { inputs: [x, w, , mean, vari], attrs, run, output }) => {
      // with the fused relu: its gradient first (y > 0 exactly where the batch norm's value is)
      const g = attrs.relu === true ? run('reluGrad', [gy, output], {}) : gy;
      const dims = notChannel(x);
      // While recording (createGraph), the same formulas with differentiable ops
      const recording = (x.requiresGrad || w.requiresGrad) && run('reshape', [x], { shape: x.shape.slice() }).requiresGrad;
      if (recording) {
        const src = attrs.training ? x : null;
        const m = src ? src.mean(dims, true) : perChannel(mean, x);
        const v = src ? src.sub(m).square().mean(dims, true) : perChannel(vari, x);
        const s = v.add(attrs.eps).rsqrt();
        const xhat = x.sub(m).mul(s);
        const gw = g.mul(perChannel(w, x));
        const dx = attrs.training
          ? gw
              .sub(gw.mean(dims, true))
              .sub(xhat.mul(gw.mul(xhat).mean(dims, true)))
              .mul(s)
          : gw.mul(s);
        return [dx, g.mul(xhat).sum(dims), g.sum(dims), null, null];
      }
      const sums = run('batchNormGradSums', [g, x, mean, vari], { eps: attrs.eps });
      const dx = run('batchNormGradInput', attrs.training ? [g, x, mean, vari, w, sums] : [g, x, mean, vari, w], {
        eps: attrs.eps,
      });
      return [dx, sums.select(0, 0), sums.select(0, 1), null, null];
    },
  } satisfies OpRule<'batchNorm'>,

  // [2, C]: Σ g·x̂, Σ g per channel (batchNorm's weight and bias gradients)
  batchNormGradSums: {
    infer: ([g, x]) => ({ shape: [2, x.shape[1]], dtype: g.dtype }),
    forward: ([g, x, mean, vari], a, out) => {
      const [n, c, inner] = nci(x);
      return {
        data: kernels().batchNormGradSums(
          contiguousData(g),
          contiguousData(x),
          contiguousData(mean),
          contiguousData(vari),
          n,
          c,
          inner,
          a.eps,
          out.dtype,
        ),
      };
    },
    backward: null,
  } satisfies OpRule<'batchNormGradSums'>,

  // batchNorm's dx: inputs [g, x, mean, var, w] and, in training, the sums from batchNormGradSums
  batchNormGradInput: {
    infer: ([g]) => ({ shape: g.shape.slice(), dtype: g.dtype }),
    forward: ([g, x, mean, vari, w, sums], a, out) => {
      const [n, c, inner] = nci(x);
      return {
        data: kernels().batchNormGradInput(
          contiguousData(g),
          contiguousData(x),
          contiguousData(mean),
          contiguousData(vari),
          contiguousData(w),
          sums ? contiguousData(sums) : null,
          n,
          c,
          inner,
          a.eps,
          out.dtype,
        ),
      };
    },
    backward: null,
  } satisfies OpRule<'batchNormGradInput'>,
};
