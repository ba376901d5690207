/**
 * Explainability: saliency maps and integrated gradients — attributions of one class score to the
 * input pixels/features, computed with autograd. Both return a Tensor shaped like the input; turn it
 * into a picture with `attributionImage` (heat colour map) or `viz.imageGrid`.
 *
 * - Saliency (Simonyan et al., 2014): ∂ score_c / ∂ x, optionally its absolute value.
 * - Integrated gradients (Sundararajan et al., 2017):
 *   IG_i(x) = (x_i − x'_i) · ∫₀¹ ∂F(x' + α(x − x'))/∂x_i dα, approximated with the trapezoidal rule on
 *   `steps` intervals. Completeness: Σ_i IG_i ≈ F(x) − F(x').
 */
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { enableGrad, noGrad } from '../autograd/mode.js';
import { Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import { tensorToImage, type ColorMap, type RGBAImage } from '../viz/image.js';
import { checkOptionKeys } from '../core/options.js';

/** The output whose attribution is wanted: a class index for every sample, one index per sample, or a tensor of them. */
export type Target = number | readonly number[] | Tensor;

function targets(target: Target, n: number, c: number, op: string): number[] {
  let t: number[];
  if (typeof target === 'number') t = new Array<number>(n).fill(target);
  else if (target instanceof Tensor) t = Array.from(target.dataSync() as ArrayLike<number>);
  else t = [...target];
  if (t.length !== n) throw new ShapeError(`${op}: got ${t.length} targets for a batch of ${n}`);
  t.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= c)
      throw new ValueError(`${op}: target class ${v} (sample ${i}) is outside [0, ${c}) for a model with ${c} outputs`);
  });
  return t;
}

/** Sum over the batch of output[i, target_i], and its gradient w.r.t. `x` (model in eval mode). */
function scoreGrad(model: Module, x: Tensor, target: Target, op: string): { grad: Tensor; scores: Float64Array } {
  const xi = x.detach().clone().requiresGrad_(true);
  const { out, score } = enableGrad(() => {
    const out = model.call(xi) as Tensor;
    if (!(out instanceof Tensor) || out.ndim !== 2 || out.shape[0] !== x.shape[0])
      throw new ShapeError(
        `${op}: the model must map [N, …] to scores [N, C]; got ${out instanceof Tensor ? fmtShape(out.shape) : typeof out} for input ${fmtShape(x.shape)}`,
      );
    const t = targets(target, x.shape[0]!, out.shape[1]!, op);
    const mask = out.newZeros(out.shape);
    const m = mask.storage;
    t.forEach((c, i) => (m[i * out.shape[1]! + c] = 1));
    return { out, score: out.mul(mask).sum() };
  });
  score.backward();
  const o = out.dataSync();
  const c = out.shape[1]!;
  const t = targets(target, x.shape[0]!, c, op);
  const scores = Float64Array.from(t, (cl, i) => o[i * c + cl]!);
  return { grad: xi.grad!.detach(), scores };
}

function withEval<T>(model: Module, fn: () => T): T {
  const was = model.training;
  model.eval();
  try {
    return fn();
  } finally {
    model.train(was);
  }
}

/**
 * Saliency map: ∂ output[i, target_i] / ∂ input[i] for each sample of a batch `x: [N, …]` → `[N, …]`.
 * `abs` (default true) returns |gradient|. The model runs in eval mode; parameters get no gradient.
 */
export function saliency(model: Module, x: Tensor, target: Target, opts: { abs?: boolean } = {}): Tensor {
  checkOptionKeys('saliency', opts, { abs: true });
  if (!(x instanceof Tensor) || x.ndim < 1) throw new ShapeError('saliency: input must be a batch tensor [N, …]');
  const params = model.parameters();
  const saved = params.map((p) => p.grad);
  try {
    const g = withEval(model, () => scoreGrad(model, x, target, 'saliency').grad);
    return (opts.abs ?? true) ? noGrad(() => g.abs()) : g;
  } finally {
    params.forEach((p, i) => (p.grad = saved[i]!));
  }
}

/** Options of `integratedGradients`; unknown keys throw a `ValueError`. */
export interface IntegratedGradientsOptions {
  /** The reference input x' (default: zeros like x). Same shape as x, or broadcastable to it. */
  baseline?: Tensor;
  /** Number of intervals on the straight path from baseline to input (default 50). */
  steps?: number;
}

/**
 * Integrated gradients of output[i, target_i] w.r.t. input `x: [N, …]` → `[N, …]`. Also returns the
 * completeness gap Σ attributions − (F(x) − F(x')) per sample as `delta` (small when `steps` suffice).
 */
export function integratedGradients(
  model: Module,
  x: Tensor,
  target: Target,
  opts: IntegratedGradientsOptions = {},
): { attributions: Tensor; delta: number[] } {
  checkOptionKeys('integratedGradients', opts, { baseline: true, steps: true });
  const steps = opts.steps ?? 50;
  if (!Number.isInteger(steps) || steps < 1) throw new ValueError(`integratedGradients: steps must be a positive integer, got ${steps}`);
  if (!(x instanceof Tensor) || x.ndim < 1) throw new ShapeError('integratedGradients: input must be a batch tensor [N, …]');
  const base = opts.baseline ? noGrad(() => opts.baseline!.detach().expand(x.shape).contiguous()) : x.zerosLike();
  const params = model.parameters();
  const saved = params.map((p) => p.grad);
  try {
    return withEval(model, () => {
      const diff = noGrad(() => x.detach().sub(base));
      let total: Tensor | null = null;
      let fx: Float64Array | null = null;
      let fb: Float64Array | null = null;
      for (let k = 0; k <= steps; k++) {
        const alpha = k / steps;
        const w = k === 0 || k === steps ? 0.5 : 1; // trapezoidal weights
        const point = noGrad(() => base.add(diff.mul(alpha)));
        const { grad, scores } = scoreGrad(model, point, target, 'integratedGradients');
        if (k === 0) fb = scores;
        if (k === steps) fx = scores;
        total = noGrad(() => (total ? total.add(grad.mul(w)) : grad.mul(w)));
      }
      const attributions = noGrad(() => total!.div(steps).mul(diff));
      const n = x.shape[0]!;
      const per = noGrad(() => attributions.reshape(n, -1).sum(1)).dataSync();
      const delta = Array.from({ length: n }, (_, i) => per[i]! - (fx![i]! - fb![i]!));
      return { attributions, delta };
    });
  } finally {
    params.forEach((p, i) => (p.grad = saved[i]!));
  }
}

/**
 * One sample's attribution `[C, H, W]` or `[H, W]` as a heat-map image: |values| are reduced over
 * channels by max, scaled to [0, 1] by the maximum, and coloured (default 'hot').
 * `signed: true` keeps the sign (max-|·| channel value) and uses a diverging map ('coolwarm').
 */
export function attributionImage(attr: Tensor, opts: { colormap?: ColorMap; signed?: boolean; scale?: number } = {}): RGBAImage {
  checkOptionKeys('attributionImage', opts, { colormap: true, signed: true, scale: true });
  if (attr.ndim !== 2 && attr.ndim !== 3)
    throw new ShapeError(`attributionImage: expected one sample [C, H, W] or [H, W], got ${fmtShape(attr.shape)}`);
  const signed = opts.signed ?? false;
  const hw = noGrad(() => {
    if (attr.ndim === 2) return signed ? attr : attr.abs();
    if (!signed) return attr.abs().amax(0);
    // signed: pick the channel value with the largest magnitude
    const idx = attr.abs().argmax(0, true);
    return attr.gather(0, idx).squeeze(0);
  });
  let hi = 1e-30;
  for (const v of hw.dataSync()) if (Number.isFinite(v) && v > hi) hi = v;
  return tensorToImage(hw, {
    colormap: opts.colormap ?? (signed ? 'coolwarm' : 'hot'),
    range: signed ? 'symmetric' : [0, hi],
    scale: opts.scale,
  });
}
