/**
 * Fused softmax cross-entropy: one primitive for `−w·log softmax(x)[t]` over rows of logits, so the
 * forward is one stable pass (row max subtracted, finite for ±1e4 logits) and the backward is
 * `g·w·(softmax(x) − onehot(t))` from the saved probabilities, instead of a dozen composite ops.
 * Inputs: logits [M, C] (float), target [M] (int32, already range-checked), row weights [M] (float,
 * 0 for ignored rows). Output: per-row loss [M]. Used by `F.crossEntropy`.
 */
import { isFloat } from '../core/dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../core/errors.js';
import { kernels } from '../backend/dispatch.js';
import type { Tensor } from '../tensor/tensor.js';
import { contiguousData } from './util.js';
import type { OpAttrs, OpRule } from './types.js';

function checkInputs(op: string, x: Tensor, target: Tensor, weight: Tensor): void {
  if (x.ndim !== 2) throw new ShapeError(`${op}: logits must be 2-D [M, C], got ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: logits must be floating point, got ${x.dtype}`);
  if (target.dtype !== 'int32') throw new DTypeError(`${op}: target must be int32 class indices, got ${target.dtype}`);
  const m = x.shape[0];
  if (target.ndim !== 1 || target.shape[0] !== m || weight.ndim !== 1 || weight.shape[0] !== m)
    throw new ShapeError(
      `${op}: target ${fmtShape(target.shape)} and weight ${fmtShape(weight.shape)} must both be [${m}] for logits ${fmtShape(x.shape)}`,
    );
  if (weight.dtype !== x.dtype) throw new DTypeError(`${op}: weight must have the logits' dtype ${x.dtype}, got ${weight.dtype}`);
}

export const lossOps = {
  // loss_i = w_i·(logsumexp(x_i) − x_i[t_i]);  d loss_i / d x_ij = w_i·(softmax(x_i)_j − [j = t_i])
  softmaxCrossEntropy: {
    infer: ([x, target, weight]) => {
      checkInputs('softmaxCrossEntropy', x, target, weight);
      return { shape: [x.shape[0]], dtype: x.dtype };
    },
    forward: ([x, target, weight], _a, out) => {
      const [m, c] = x.shape as [number, number];
      const r = kernels().softmaxCrossEntropy(
        contiguousData(x),
        m,
        c,
        contiguousData(target) as Int32Array,
        contiguousData(weight),
        out.dtype,
      );
      return { data: r.loss, saved: r.probs };
    },
    backward: (g, { inputs: [x, target, weight], saved, run, gradEnabled }) => {
      // While recording (createGraph), write the gradient with differentiable ops so that it can itself
      // be differentiated; otherwise use the fused kernel on the saved probabilities.
      const recording = x.requiresGrad && gradEnabled;
      if (recording) {
        const [m, c] = x.shape as [number, number];
        const t = contiguousData(target);
        const onehot = new Float64Array(m * c);
        for (let i = 0; i < m; i++) onehot[i * c + t[i]] = 1;
        return [
          x
            .softmax(1)
            .sub(x.newTensor(onehot, [m, c]))
            .mul(g.mul(weight).unsqueeze(1)),
          null,
          null,
        ];
      }
      return [
        run('softmaxCrossEntropyGrad', [g, target, weight], {
          probs: saved as OpAttrs['softmaxCrossEntropyGrad']['probs'],
          classes: x.shape[1],
        }),
        null,
        null,
      ];
    },
  } satisfies OpRule<'softmaxCrossEntropy'>,

  softmaxCrossEntropyGrad: {
    infer: ([g], a) => ({ shape: [g.shape[0], a.classes], dtype: g.dtype }),
    forward: ([g, target, weight], a, out) => {
      const [m, c] = out.shape as [number, number];
      return {
        data: kernels().softmaxCrossEntropyGrad(
          a.probs,
          m,
          c,
          contiguousData(target) as Int32Array,
          contiguousData(weight),
          contiguousData(g),
          out.dtype,
        ),
      };
    },
    backward: null,
  } satisfies OpRule<'softmaxCrossEntropyGrad'>,
};
