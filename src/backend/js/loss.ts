/** Fused softmax cross-entropy kernels over contiguous rows of logits (class dimension last). */
import { allocate } from '../../core/dtype.js';
import type { Kernels } from '../types.js';

/**
 * Per row i of x [m, c]: loss_i = w_i·(logsumexp(x_i) − x_i[t_i]) (0 where w_i = 0), computed stably
 * with the row max subtracted, in double precision; probs = softmax(x) row-wise (kept for the backward).
 */
export const softmaxCrossEntropy: Kernels['softmaxCrossEntropy'] = (x, m, c, target, weight, outDType) => {
  const loss = allocate(outDType, m);
  const probs = allocate(outDType, m * c);
  for (let i = 0; i < m; i++) {
    const o = i * c;
    let mx = -Infinity;
    for (let j = 0; j < c; j++) if (x[o + j]! > mx) mx = x[o + j]!;
    if (!Number.isFinite(mx)) mx = 0;
    let s = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(x[o + j]! - mx);
      probs[o + j] = e;
      s += e;
    }
    for (let j = 0; j < c; j++) probs[o + j] = probs[o + j]! / s;
    const w = weight[i]!;
    loss[i] = w === 0 ? 0 : w * (mx + Math.log(s) - x[o + target[i]!]!);
  }
  return { loss, probs };
};

/** d loss / d x for upstream g [m]: g_i·w_i·(probs_ij − [j = t_i]). */
export const softmaxCrossEntropyGrad: Kernels['softmaxCrossEntropyGrad'] = (probs, m, c, target, weight, g, outDType) => {
  const out = allocate(outDType, m * c);
  for (let i = 0; i < m; i++) {
    const k = g[i]! * weight[i]!;
    if (k === 0) continue;
    const o = i * c;
    for (let j = 0; j < c; j++) out[o + j] = k * probs[o + j]!;
    out[o + target[i]!] = out[o + target[i]!]! - k;
  }
  return out;
};
