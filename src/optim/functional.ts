/**
 * The optimizers' update rules as pure functions over flat typed arrays (one call updates one
 * parameter in place; no tensors, no graph, no allocation). Each follows PyTorch 1.13's single-tensor
 * implementation step for step, computing in double precision and storing into the arrays (so float32
 * state is rounded exactly where PyTorch rounds it). A faster backend may replace any of them with a
 * fused kernel of the same signature.
 */
import type { FloatArray } from '../core/dtype.js';

export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** SGD. `buf` is the momentum buffer (null without momentum); `first`: the buffer is uninitialised. */
export function sgdUpdate(p: FloatArray, g: ArrayLike<number>, buf: FloatArray | null, first: boolean, h: SgdHyper): void {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize } = h;
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i]! : g[i]!;
    if (weightDecay !== 0) d += weightDecay * p[i]!;
    if (momentum !== 0 && buf) {
      buf[i] = first ? d : momentum * buf[i]! + (1 - dampening) * d;
      d = nesterov ? d + momentum * buf[i]! : buf[i]!;
    }
    p[i] = p[i]! - lr * d;
  }
}

export interface AdagradHyper {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  eps: number;
  maximize: boolean;
}

/** Adagrad at step `step` (1-based, already incremented). `sum` accumulates squared gradients. */
export function adagradUpdate(p: FloatArray, g: ArrayLike<number>, sum: FloatArray, step: number, h: AdagradHyper): void {
  const { lr, lrDecay, weightDecay, eps, maximize } = h;
  const clr = lr / (1 + (step - 1) * lrDecay);
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i]! : g[i]!;
    if (weightDecay !== 0) d += weightDecay * p[i]!;
    sum[i] = sum[i]! + d * d;
    const std = Math.sqrt(sum[i]!) + eps;
    p[i] = p[i]! - (clr * d) / std;
  }
}

export interface RmspropHyper {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/** RMSprop. `gradAvg` only when centered, `buf` only with momentum > 0. */
export function rmspropUpdate(
  p: FloatArray,
  g: ArrayLike<number>,
  squareAvg: FloatArray,
  gradAvg: FloatArray | null,
  buf: FloatArray | null,
  h: RmspropHyper,
): void {
  const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = h;
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i]! : g[i]!;
    if (weightDecay !== 0) d += weightDecay * p[i]!;
    squareAvg[i] = alpha * squareAvg[i]! + (1 - alpha) * d * d;
    let avg: number;
    if (centered && gradAvg) {
      gradAvg[i] = alpha * gradAvg[i]! + (1 - alpha) * d;
      avg = Math.sqrt(squareAvg[i]! - gradAvg[i]! * gradAvg[i]!);
    } else avg = Math.sqrt(squareAvg[i]!);
    avg += eps;
    if (momentum > 0 && buf) {
      buf[i] = momentum * buf[i]! + d / avg;
      p[i] = p[i]! - lr * buf[i]!;
    } else p[i] = p[i]! - (lr * d) / avg;
  }
}

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  /** AdamW: decay the weights directly (`p ← p·(1 − lr·wd)`) instead of adding `wd·p` to the gradient. */
  decoupled: boolean;
}

/** Adam / AdamW at step `step` (1-based, already incremented). `maxExpAvgSq` only with amsgrad. */
export function adamUpdate(
  p: FloatArray,
  g: ArrayLike<number>,
  expAvg: FloatArray,
  expAvgSq: FloatArray,
  maxExpAvgSq: FloatArray | null,
  step: number,
  h: AdamHyper,
): void {
  const { lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled } = h;
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
  const stepSize = lr / bc1;
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i]! : g[i]!;
    if (decoupled) {
      if (weightDecay !== 0) p[i] = p[i]! * decay;
    } else if (weightDecay !== 0) d += weightDecay * p[i]!;
    expAvg[i] = beta1 * expAvg[i]! + (1 - beta1) * d;
    expAvgSq[i] = beta2 * expAvgSq[i]! + (1 - beta2) * d * d;
    let v = expAvgSq[i]!;
    if (amsgrad && maxExpAvgSq) {
      if (v > maxExpAvgSq[i]! || Number.isNaN(v)) maxExpAvgSq[i] = v;
      v = maxExpAvgSq[i]!;
    }
    const denom = Math.sqrt(v) / bc2Sqrt + eps;
    p[i] = p[i]! - (stepSize * expAvg[i]!) / denom;
  }
}
