/**
 * The optimizers' update rules as pure functions over flat typed arrays (one call updates one
 * parameter in place; no tensors, no graph, no allocation). Each follows PyTorch 1.13's single-tensor
 * (non-foreach) implementation step for step.
 *
 * Float32 parameters are updated in float32 arithmetic, as PyTorch does. Every tensor op rounds its
 * result to float32 (`fr` = Math.fround after each +, −, ×, ÷, √ of float32 operands gives exactly the
 * IEEE float32 result), and each Python scalar (computed in double: `1 - beta1`, `lr / bias_correction1`,
 * `math.sqrt(bias_correction2)`, `1 - lr * weight_decay`, …) is rounded to float32 once, where the op
 * takes it. PyTorch's pointwise ops evaluate left to right; its CPU kernels compile the
 * multiply-then-add ones to a fused multiply-add (one rounding for `x·y + a`):
 *   `a.add_(b, alpha=s)`         fma(s, b, a)
 *   `a.addcmul_(b, c, value=s)`  fma(fr(s·b), c, a)
 *   `a.addcdiv_(b, c, value=s)`  a + fr(fr(s·b) / c)        (a division: nothing to fuse)
 * We write fma(x, y, a) as `fr(x * y + a)`: the product of two float32 is exact in double, then the
 * sum is rounded to double and that to float32 (the same as the single-rounding fma except when the
 * double sum falls exactly on a float32 rounding midpoint, a rare event). With it, every value of
 * the reference cases (optim.json: SGD, Adagrad, RMSprop, Adam, AdamW) is bit-identical to PyTorch's.
 * Float64 parameters are computed in double.
 *
 * A faster backend may replace Adam and SGD with a fused kernel (`Kernels.adamUpdate/sgdUpdate`) that
 * must stay bit-identical to these loops: same float32 operations, same order, and each fma as a
 * double multiply and add rounded to float32.
 * @module
 */
import type { AdagradOptions } from './adagrad.js';
import type { RMSpropOptions } from './rmsprop.js';
import type { FloatArray } from '../core/dtype.js';
import { adamScalars, sgdScalars } from '../backend/optim_scalars.js';
import type { AdamUpdateArgs, SgdUpdateArgs } from '../backend/types.js';

export { adamScalars, sgdScalars };

const fr = Math.fround;

/** SGD hyper-parameters: the fused kernel's argument type, so the two cannot drift apart. */
export type SgdHyper = SgdUpdateArgs;

/**
 * SGD. `buf` is the momentum buffer (null without momentum); `first`: the buffer is uninitialised.
 * PyTorch: `d = g.add(p, alpha=wd)`; `buf = d.clone()` at first, else `buf.mul_(μ).add_(d, alpha=1−τ)`;
 * `d = d.add(buf, alpha=μ)` (nesterov) or `buf`; `p.add_(d, alpha=−lr)`.
 */
export function sgdUpdate(p: FloatArray, g: ArrayLike<number>, buf: FloatArray | null, first: boolean, h: SgdHyper): void {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize } = h;
  if (p instanceof Float32Array) {
    const s = sgdScalars(h);
    const wd = s.weightDecay,
      mu = s.momentum,
      damp = s.oneMinusDampening,
      nlr = s.negLr;
    for (let i = 0; i < p.length; i++) {
      let d = fr(maximize ? -g[i]! : g[i]!);
      if (weightDecay !== 0) d = fr(wd * p[i]! + d);
      if (momentum !== 0 && buf) {
        const b = first ? d : fr(damp * d + fr(buf[i]! * mu));
        buf[i] = b;
        d = nesterov ? fr(mu * b + d) : b;
      }
      p[i] = fr(nlr * d + p[i]!);
    }
    return;
  }
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

/** Hyper-parameters of `adagradUpdate`: the `Adagrad` options but the accumulator's start (the class applies PyTorch's defaults). */
export type AdagradHyper = Omit<AdagradOptions, 'initialAccumulatorValue'>;

/**
 * Adagrad at step `step` (1-based, already incremented). `sum` accumulates squared gradients.
 * PyTorch: `clr = lr / (1 + (step − 1)·lr_decay)`; `sum.addcmul_(d, d, value=1)`;
 * `std = sum.sqrt().add_(eps)`; `p.addcdiv_(d, std, value=−clr)`.
 */
export function adagradUpdate(p: FloatArray, g: ArrayLike<number>, sum: FloatArray, step: number, h: AdagradHyper): void {
  const { lr, lrDecay, weightDecay, eps, maximize } = h;
  const clr = lr / (1 + (step - 1) * lrDecay);
  if (p instanceof Float32Array) {
    const wd = fr(weightDecay),
      e = fr(eps),
      nclr = fr(-clr);
    for (let i = 0; i < p.length; i++) {
      let d = fr(maximize ? -g[i]! : g[i]!);
      if (weightDecay !== 0) d = fr(wd * p[i]! + d);
      const s = fr(d * d + sum[i]!);
      sum[i] = s;
      const std = fr(fr(Math.sqrt(s)) + e);
      p[i] = fr(p[i]! + fr(fr(nclr * d) / std));
    }
    return;
  }
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i]! : g[i]!;
    if (weightDecay !== 0) d += weightDecay * p[i]!;
    sum[i] = sum[i]! + d * d;
    const std = Math.sqrt(sum[i]!) + eps;
    p[i] = p[i]! - (clr * d) / std;
  }
}

/** Hyper-parameters of `rmspropUpdate`: the `RMSprop` options (whose class applies PyTorch's defaults). */
export type RmspropHyper = RMSpropOptions;

/**
 * RMSprop. `gradAvg` only when centered, `buf` only with momentum > 0.
 * PyTorch: `sq.mul_(α).addcmul_(d, d, value=1−α)`; centered: `ga.mul_(α).add_(d, alpha=1−α)`,
 * `avg = sq.addcmul(ga, ga, value=−1).sqrt_().add_(eps)`, else `avg = sq.sqrt().add_(eps)`;
 * momentum: `buf.mul_(μ).addcdiv_(d, avg)`, `p.add_(buf, alpha=−lr)`, else `p.addcdiv_(d, avg, value=−lr)`.
 */
export function rmspropUpdate(
  p: FloatArray,
  g: ArrayLike<number>,
  squareAvg: FloatArray,
  gradAvg: FloatArray | null,
  buf: FloatArray | null,
  h: RmspropHyper,
): void {
  const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = h;
  if (p instanceof Float32Array) {
    const wd = fr(weightDecay),
      a = fr(alpha),
      ca = fr(1 - alpha),
      e = fr(eps),
      mu = fr(momentum),
      nlr = fr(-lr);
    for (let i = 0; i < p.length; i++) {
      let d = fr(maximize ? -g[i]! : g[i]!);
      if (weightDecay !== 0) d = fr(wd * p[i]! + d);
      const sq = fr(fr(ca * d) * d + fr(squareAvg[i]! * a));
      squareAvg[i] = sq;
      let avg: number;
      if (centered && gradAvg) {
        const ga = fr(ca * d + fr(gradAvg[i]! * a));
        gradAvg[i] = ga;
        avg = fr(Math.sqrt(fr(-ga * ga + sq)));
      } else avg = fr(Math.sqrt(sq));
      avg = fr(avg + e);
      if (momentum > 0 && buf) {
        const b = fr(fr(buf[i]! * mu) + fr(d / avg));
        buf[i] = b;
        p[i] = fr(nlr * b + p[i]!);
      } else p[i] = fr(p[i]! + fr(fr(nlr * d) / avg));
    }
    return;
  }
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

/** Adam/AdamW hyper-parameters (`decoupled`: AdamW's `p ← p·(1 − lr·wd)`): the fused kernel's argument type. */
export type AdamHyper = AdamUpdateArgs;

/**
 * Adam / AdamW at step `step` (1-based, already incremented). `maxExpAvgSq` only with amsgrad.
 * PyTorch: AdamW `p.mul_(1 − lr·wd)`; Adam `d = g.add(p, alpha=wd)`; `m.mul_(β1).add_(d, alpha=1−β1)`;
 * `v.mul_(β2).addcmul_(d, d, value=1−β2)`; amsgrad `torch.maximum(v̂, v, out=v̂)`;
 * `denom = (v̂.sqrt() / bc2_sqrt).add_(eps)`; `p.addcdiv_(m, denom, value=−lr/bc1)`.
 */
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
  if (p instanceof Float32Array) {
    const s = adamScalars(step, h);
    const b1 = s.beta1,
      c1 = s.oneMinusBeta1,
      b2 = s.beta2,
      c2 = s.oneMinusBeta2,
      bc2 = s.bc2Sqrt,
      nss = s.negStepSize,
      e = s.eps,
      wd = s.weightDecay,
      decay = s.decay;
    for (let i = 0; i < p.length; i++) {
      let d = fr(maximize ? -g[i]! : g[i]!);
      let pi = p[i]!;
      if (decoupled) {
        if (weightDecay !== 0) pi = fr(pi * decay);
      } else if (weightDecay !== 0) d = fr(wd * pi + d);
      const m = fr(c1 * d + fr(expAvg[i]! * b1));
      const v = fr(fr(c2 * d) * d + fr(expAvgSq[i]! * b2));
      expAvg[i] = m;
      expAvgSq[i] = v;
      let vh = v;
      if (amsgrad && maxExpAvgSq) {
        // torch.maximum: NaN wins
        const x = maxExpAvgSq[i]!;
        if (v > x || Number.isNaN(v)) maxExpAvgSq[i] = v;
        vh = maxExpAvgSq[i]!;
      }
      const denom = fr(fr(fr(Math.sqrt(vh)) / bc2) + e);
      p[i] = fr(pi + fr(fr(nss * m) / denom));
    }
    return;
  }
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
