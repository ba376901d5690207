/**
 * Loss functions (PyTorch semantics: `torch.nn.functional.*_loss`), written as composites of tensor
 * ops so autograd differentiates them. Every loss takes `{ reduction }`: `'none'` keeps one loss per
 * element (or per sample for class losses), `'mean'` (the default) averages, `'sum'` adds up.
 *
 * Deliberate differences from PyTorch, all in the direction of catching bugs early:
 * - regression losses (mse, l1, …) require `input` and `target` of the same shape. PyTorch broadcasts
 *   with a warning, which turns an `[N, 1]` prediction and an `[N]` target into an `[N, N]` loss;
 *   here that is a `ShapeError`.
 * - class targets are checked: an index outside `[0, C)` (other than `ignoreIndex`) is an `IndexError`
 *   naming the index and the number of classes, instead of reading out of bounds.
 */
import { isFloat } from '../core/dtype.js';
import { DTypeError, IndexError, NotSupportedError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { broadcastShapes } from '../core/shape.js';
import { Tensor, apply } from '../tensor/tensor.js';
import { checkOptionKeys } from '../core/options.js';

/** How per-element losses are combined. */
export type Reduction = 'none' | 'mean' | 'sum';

/** The `reduction` option every loss takes. */
export interface ReductionOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

// ---------------------------------------------------------------- helpers

/** Throw a `ValueError` naming `op` unless `r` is `'none'`, `'mean'`, `'sum'` (or one of `extra`). */
export function checkReduction(op: string, r: unknown, extra: readonly string[] = []): void {
  const ok = ['none', 'mean', 'sum', ...extra];
  if (typeof r !== 'string' || !ok.includes(r))
    throw new ValueError(`${op}: reduction must be one of ${ok.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(r)}`);
}

function reduce(loss: Tensor, reduction: Reduction, op: string): Tensor {
  checkReduction(op, reduction);
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}

/** A ValueError unless `t` is a Tensor (a plain array or a missing argument would fail deep inside). */
function checkTensor(op: string, name: string, t: unknown): void {
  if (!(t instanceof Tensor))
    throw new ValueError(
      `${op}: ${name} must be a Tensor, got ${t === null ? 'null' : Array.isArray(t) ? 'an array; convert it with tensor(...)' : typeof t}`,
    );
}

function checkFloat(op: string, name: string, t: Tensor): void {
  checkTensor(op, name, t);
  if (!isFloat(t.dtype)) throw new DTypeError(`${op}: ${name} must be a floating-point tensor, got ${t.dtype}; convert it with .float()`);
}

/** Regression-style check: float input, float target of the same dtype and shape. */
function checkPair(op: string, input: Tensor, target: Tensor): void {
  checkFloat(op, 'input', input);
  checkTensor(op, 'target', target);
  if (!isFloat(target.dtype))
    throw new DTypeError(
      `${op}: target must be floating point like input (${input.dtype}), got ${target.dtype}; convert it with .to('${input.dtype}')`,
    );
  if (target.dtype !== input.dtype)
    throw new DTypeError(`${op}: input is ${input.dtype} but target is ${target.dtype}; convert one of them with .to(...)`);
  checkSameShape(op, input, target);
}

function checkSameShape(op: string, input: Tensor, target: Tensor, what = 'target'): void {
  checkTensor(op, 'input', input);
  checkTensor(op, what, target);
  const a = input.shape;
  const b = target.shape;
  if (a.length === b.length && a.every((d, i) => d === b[i])) return;
  let hint: string;
  try {
    const s = broadcastShapes(a, b, op);
    hint = `; they would broadcast to ${fmtShape(s)}, which is almost always a bug (PyTorch only warns here) — reshape the ${what}, e.g. ${what}.reshape(${fmtShape(a)})`;
  } catch {
    hint = '';
  }
  throw new ShapeError(`${op}: input ${fmtShape(a)} and ${what} ${fmtShape(b)} must have the same shape${hint}`);
}

function checkBroadcastTo(op: string, name: string, w: Tensor, shape: readonly number[]): void {
  checkTensor(op, name, w);
  const s = broadcastShapes(w.shape, shape, op);
  if (s.length !== shape.length || s.some((d, i) => d !== shape[i]))
    throw new ShapeError(`${op}: ${name} ${fmtShape(w.shape)} must broadcast to the input shape ${fmtShape(shape)}`);
}

// ---------------------------------------------------------------- regression losses

/**
 * Mean squared error: `(input − target)²`, reduced.
 * input, target: same shape (any) → scalar, or that shape with `reduction: 'none'`.
 * @example F.mseLoss(pred, y)  // like torch.nn.functional.mse_loss
 */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  checkOptionKeys('mseLoss', opts, { reduction: true });
  checkPair('mseLoss', input, target);
  return reduce(input.sub(target).square(), opts.reduction ?? 'mean', 'mseLoss');
}

/** Mean absolute error: `|input − target|`, reduced. Same shapes as `mseLoss`. */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  checkOptionKeys('l1Loss', opts, { reduction: true });
  checkPair('l1Loss', input, target);
  return reduce(input.sub(target).abs(), opts.reduction ?? 'mean', 'l1Loss');
}

/**
 * Smooth L1: with `d = |input − target|`, `0.5·d²/beta` where `d < beta`, else `d − 0.5·beta`
 * (`beta = 0` is the L1 loss). Same shapes as `mseLoss`.
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: ReductionOptions & { beta?: number } = {}): Tensor {
  checkOptionKeys('smoothL1Loss', opts, { reduction: true, beta: true });
  const beta = opts.beta ?? 1;
  checkPair('smoothL1Loss', input, target);
  if (!(beta >= 0)) throw new ValueError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const d = input.sub(target);
  const ad = d.abs();
  const loss = beta === 0 ? ad : ad.lt(beta).ifElse(d.square().mul(0.5 / beta), ad.sub(0.5 * beta));
  return reduce(loss, opts.reduction ?? 'mean', 'smoothL1Loss');
}

/**
 * Huber loss: with `d = |input − target|`, `0.5·d²` where `d < delta`, else `delta·(d − 0.5·delta)`.
 * (Equals `delta · smoothL1Loss(beta = delta)`.) Same shapes as `mseLoss`.
 */
export function huberLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { delta?: number } = {}): Tensor {
  checkOptionKeys('huberLoss', opts, { reduction: true, delta: true });
  const delta = opts.delta ?? 1;
  checkPair('huberLoss', input, target);
  if (!(delta > 0)) throw new ValueError(`huberLoss: delta must be positive, got ${delta}`);
  const d = input.sub(target);
  const ad = d.abs();
  const loss = ad.lt(delta).ifElse(d.square().mul(0.5), ad.sub(0.5 * delta).mul(delta));
  return reduce(loss, opts.reduction ?? 'mean', 'huberLoss');
}

// ---------------------------------------------------------------- binary classification

const LOG_CLAMP = -100;
const EXP_CLAMP = Math.exp(LOG_CLAMP);

/** max(log x, −100), with zero gradient where the clamp is active (no 0·∞ NaN at x = 0). */
function clampedLog(x: Tensor): Tensor {
  const inRange = x.gt(EXP_CLAMP);
  const safe = inRange.ifElse(x, 1);
  return inRange.ifElse(safe.log().clamp(LOG_CLAMP, null), LOG_CLAMP);
}

/**
 * Binary cross-entropy on probabilities: `−w·(t·log x + (1 − t)·log(1 − x))`, each log clamped at
 * −100 like PyTorch, so `x = 0` or `1` gives a finite loss. input (probabilities in [0, 1]) and target:
 * same shape; `weight` broadcasts to it. Prefer `binaryCrossEntropyWithLogits` on raw scores.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: ReductionOptions & { weight?: Tensor | null } = {}): Tensor {
  checkOptionKeys('binaryCrossEntropy', opts, { reduction: true, weight: true });
  const op = 'binaryCrossEntropy';
  checkPair(op, input, target);
  const gpu = input.device === 'webgpu';
  // the range check reads the input; on the GPU it cannot (no synchronous readback), so there an input
  // outside [0, 1] makes its loss NaN instead (below)
  const data = gpu ? [] : input.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= 0 && v <= 1))
      throw new ValueError(
        `${op}: all elements of input should be between 0 and 1, got ${v} at flat index ${i}; hint: apply sigmoid first, or use binaryCrossEntropyWithLogits on the raw scores`,
      );
  }
  let loss = target
    .mul(clampedLog(input))
    .add(target.rsub(1).mul(clampedLog(input.rsub(1))))
    .neg();
  if (gpu) loss = loss.where(input.ge(0).logicalAnd(input.le(1)), NaN);
  if (opts.weight) {
    checkBroadcastTo(op, 'weight', opts.weight, input.shape);
    loss = loss.mul(opts.weight);
  }
  return reduce(loss, opts.reduction ?? 'mean', op);
}

/**
 * Binary cross-entropy on logits (sigmoid + BCE in one stable formula):
 * `w·((1 − t)·x + lw·softplus(−x))` with `lw = 1 + (posWeight − 1)·t`. Finite for logits of ±1e4.
 * input (logits), target: same shape; `weight` broadcasts to it; `posWeight` (weight of positive
 * examples, one per class) broadcasts along the last dimension.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: ReductionOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {},
): Tensor {
  checkOptionKeys('binaryCrossEntropyWithLogits', opts, { reduction: true, weight: true, posWeight: true });
  const op = 'binaryCrossEntropyWithLogits';
  checkPair(op, input, target);
  const spNeg = input.neg().softplus();
  let loss: Tensor;
  if (opts.posWeight) {
    checkBroadcastTo(op, 'posWeight', opts.posWeight, input.shape);
    const lw = opts.posWeight.sub(1).mul(target).add(1);
    loss = target.rsub(1).mul(input).add(lw.mul(spNeg));
  } else {
    loss = target.rsub(1).mul(input).add(spNeg);
  }
  if (opts.weight) {
    checkBroadcastTo(op, 'weight', opts.weight, input.shape);
    loss = loss.mul(opts.weight);
  }
  return reduce(loss, opts.reduction ?? 'mean', op);
}

// ---------------------------------------------------------------- multi-class

/** Options of `nllLoss`/`NLLLoss`; unknown keys throw a `ValueError`. */
export interface NllLossOptions extends ReductionOptions {
  /** Per-class weights, shape [C]. With `'mean'`, the sum is divided by the total weight of the targets. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (and are left out of the mean). Default −100. */
  ignoreIndex?: number;
}

/** Options of `crossEntropy`/`CrossEntropyLoss`; unknown keys throw a `ValueError`. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mix the target with the uniform distribution: `(1 − ε)·target + ε/C`. Default 0. */
  labelSmoothing?: number;
}

interface ClassTargets {
  /** gather index [N, 1, d...] with ignored targets replaced by 0 */
  index: Tensor;
  /** per-target weight [N, d...] (0 where ignored) */
  w: Tensor;
  /** 1 where the target counts, else 0 */
  mask: Tensor;
  /** Σ w: a number, or a 0-d tensor on the GPU when the class weights live there (never read back) */
  sumW: number | Tensor;
  count: number;
}

const numelOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function checkClassTargets(op: string, input: Tensor, target: Tensor, C: number, weight: Tensor | null, ignoreIndex: number): ClassTargets {
  const expected = [input.shape[0]!, ...input.shape.slice(2)];
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    const hint =
      target.ndim === expected.length + 1 && target.shape[target.ndim - 1] === 1 && numelOf(target.shape) === numelOf(expected)
        ? `; hint: squeeze the last dimension, target.reshape(${fmtShape(expected)})`
        : target.ndim === input.ndim
          ? ' (a target with the same rank as input must hold class probabilities of the same shape, as floats)'
          : '';
    throw new ShapeError(
      `${op}: expected target of shape ${fmtShape(expected)} (class indices) for input ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}${hint}`,
    );
  }
  const t = target.dataSync();
  // class weights on the GPU stay there: each target's weight is gathered by a kernel, not read back
  const gpuWeight = weight !== null && weight.device === 'webgpu';
  const wd = weight && !gpuWeight ? weight.dataSync() : null;
  const idx = new Int32Array(t.length);
  const w = new Float64Array(t.length);
  const mask = new Float64Array(t.length);
  let sumW = 0;
  let count = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c === ignoreIndex) continue;
    if (c < 0 || c >= C)
      throw new IndexError(
        `${op}: target ${c} is out of bounds at flat index ${i}: expected a class index in [0, ${C - 1}] (input has ${C} classes)${ignoreIndex === -100 ? '' : ` or ignoreIndex ${ignoreIndex}`}`,
      );
    idx[i] = c;
    w[i] = wd ? wd[c]! : 1;
    mask[i] = 1;
    sumW += w[i]!;
    count++;
  }
  const idxShape = [expected[0]!, 1, ...expected.slice(1)];
  const maskT = input.newTensor(mask, expected);
  if (gpuWeight) {
    const wg = weight
      .indexSelect(0, target.newTensor(idx, [idx.length], 'int32').to('webgpu'))
      .reshape(expected)
      .mul(maskT);
    return { index: target.newTensor(idx, idxShape, 'int32'), w: wg, mask: maskT, sumW: wg.sum(), count };
  }
  return {
    index: target.newTensor(idx, idxShape, 'int32'),
    w: input.newTensor(w, expected),
    mask: maskT,
    sumW,
    count,
  };
}

/** Class-index targets are range-checked on the CPU, so they must be there (the logits and weights may be on the GPU). */
function checkTargetsOnCpu(op: string, target: Tensor): void {
  if (target.device === 'webgpu')
    throw new NotSupportedError(
      `${op}: class-index targets are checked on the CPU (range, ignoreIndex), so keep them on the 'cpu' device; the logits and class weights may be on 'webgpu'`,
      'E_WEBGPU_TARGET',
    );
}

function checkWeight(op: string, weight: Tensor | null | undefined, C: number, input: Tensor): Tensor | null {
  if (!weight) return null;
  checkTensor(op, 'weight', weight);
  if (weight.ndim !== 1 || weight.shape[0] !== C)
    throw new ShapeError(`${op}: weight must have shape [${C}] (one per class), got ${fmtShape(weight.shape)}`);
  checkFloat(op, 'weight', weight);
  return weight.dtype === input.dtype ? weight : weight.to(input.dtype);
}

function checkClassInput(op: string, input: Tensor): void {
  checkFloat(op, 'input', input);
  if (input.ndim < 1)
    throw new ShapeError(`${op}: input must have at least 1 dimension ([C], [N, C] or [N, C, d1, ...]), got a 0-d tensor`);
}

function checkClassTargetDtype(op: string, target: Tensor, input: Tensor): void {
  checkTensor(op, 'target', target);
  if (target.dtype === 'int32') return;
  if (target.dtype === 'bool') throw new DTypeError(`${op}: target must hold int32 class indices, got bool; convert it with .int()`);
  if (op === 'nllLoss' || target.ndim !== input.ndim)
    throw new DTypeError(
      `${op}: target must hold int32 class indices, got ${target.dtype} of shape ${fmtShape(target.shape)}; convert it with .int()${op === 'crossEntropy' ? ' (class probabilities must have the same shape as input)' : ''}`,
    );
}

/** Class dim last for the unbatched case → batched [1, C]. */
function batchify(input: Tensor, target: Tensor, probs: boolean): [Tensor, Tensor, boolean] {
  if (input.ndim !== 1) return [input, target, false];
  return [input.unsqueeze(0), probs ? target.unsqueeze(0) : target.reshape(target.ndim === 0 ? [1] : target.shape), true];
}

function nllCore(op: string, logp: Tensor, ct: ClassTargets, reduction: Reduction): Tensor {
  const loss = logp.gather(1, ct.index).squeeze(1).mul(ct.w).neg();
  if (reduction === 'none') return loss;
  const s = loss.sum();
  return reduction === 'sum' ? s : s.div(ct.sumW);
}

/**
 * Negative log-likelihood: `−weight[t]·input[n, t]` for log-probabilities `input`.
 * input: [C], [N, C] or [N, C, d1, ...] (float) — target: [], [N] or [N, d1, ...] (int32 class indices).
 * Returns a scalar, or [N, d1, ...] with `reduction: 'none'`.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  checkOptionKeys('nllLoss', opts, { reduction: true, weight: true, ignoreIndex: true });
  const op = 'nllLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkClassInput(op, input);
  checkClassTargetDtype(op, target, input);
  checkTargetsOnCpu(op, target);
  const [x, t, unbatched] = batchify(input, target, false);
  const C = x.shape[1]!;
  const weight = checkWeight(op, opts.weight, C, x);
  const ct = checkClassTargets(op, x, t, C, weight, opts.ignoreIndex ?? -100);
  const out = nllCore(op, x, ct, reduction);
  return unbatched && reduction === 'none' ? out.reshape([]) : out;
}

/**
 * Cross-entropy between logits and class targets: `logSoftmax` + `nllLoss`, stable for extreme
 * logits (`[1e4, 0, −1e4]` gives 0 / 1e4 / 2e4 with finite gradients).
 * input: [C], [N, C] or [N, C, d1, ...] logits (class dim 1) — target: either int32 class indices of
 * shape [], [N] or [N, d1, ...], or float class probabilities of the input's shape.
 * Returns a scalar, or one loss per sample with `reduction: 'none'`.
 * @example F.crossEntropy(model.forward(x), y)  // y: int32 [N]
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkOptionKeys('crossEntropy', opts, { reduction: true, weight: true, ignoreIndex: true, labelSmoothing: true });
  const op = 'crossEntropy';
  const reduction = opts.reduction ?? 'mean';
  const eps = opts.labelSmoothing ?? 0;
  const ignoreIndex = opts.ignoreIndex ?? -100;
  checkReduction(op, reduction);
  checkClassInput(op, input);
  if (!(eps >= 0 && eps <= 1)) throw new ValueError(`crossEntropy: labelSmoothing must be between 0.0 and 1.0, got ${eps}`);
  checkClassTargetDtype(op, target, input);
  const probs = isFloat(target.dtype);
  if (!probs) checkTargetsOnCpu(op, target);
  const [x, t, unbatched] = batchify(input, target, probs);
  const C = x.shape[1]!;
  const weight = checkWeight(op, opts.weight, C, x);
  const wView = weight ? weight.reshape([1, C, ...x.shape.slice(2).map(() => 1)]) : null;
  let out: Tensor;
  if (probs) {
    if (ignoreIndex !== -100) throw new ValueError('crossEntropy: ignoreIndex is not supported with class-probability targets');
    checkPair(op, x, t);
    let tt = eps > 0 ? t.mul(1 - eps).add(eps / C) : t;
    if (wView) tt = tt.mul(wView);
    const loss = x.logSoftmax(1).mul(tt).sum(1).neg();
    if (reduction === 'none') out = loss;
    else if (reduction === 'sum') out = loss.sum();
    else out = loss.sum().div(x.numel() / C);
  } else if (eps === 0) {
    // the common case: one fused primitive over rows of logits (class dim moved last)
    const ct = checkClassTargets(op, x, t, C, weight, ignoreIndex);
    const rows = x.ndim === 2 ? x : x.permute([0, ...x.shape.slice(2).map((_, i) => i + 2), 1]).reshape(-1, C);
    const m = rows.shape[0]!;
    // logits on the GPU: the targets were checked on the CPU, and their indices and weights go up with the op
    const onGpu = rows.device === 'webgpu';
    const index = onGpu ? ct.index.reshape(m).to('webgpu') : ct.index.reshape(m);
    const w = onGpu ? ct.w.reshape(m).to('webgpu') : ct.w.reshape(m);
    const perRow = apply('softmaxCrossEntropy', [rows, index, w], {});
    if (reduction === 'none') out = perRow.reshape(ct.w.shape);
    else if (reduction === 'sum') out = perRow.sum();
    else out = perRow.sum().div(ct.sumW);
  } else {
    // label smoothing: (1 − ε)·nll + ε/C·Σ_c −w_c·log p_c, normalised like the nll part (PyTorch's form)
    const ct = checkClassTargets(op, x, t, C, weight, ignoreIndex);
    const logp = x.logSoftmax(1);
    const nll = nllCore(op, logp, ct, reduction);
    const smooth = (wView ? logp.mul(wView) : logp).sum(1).neg().mul(ct.mask);
    const ret = reduction === 'none' ? smooth : reduction === 'sum' ? smooth.sum() : smooth.sum().div(weight ? ct.sumW : ct.count);
    out = nll.mul(1 - eps).add(ret.mul(eps / C));
  }
  return unbatched && reduction === 'none' ? out.reshape([]) : out;
}

/**
 * Kullback–Leibler divergence with `input` holding log-probabilities:
 * pointwise `t·(log t − input)` (0 where t = 0), or `exp(t)·(t − input)` with `logTarget`.
 * `reduction: 'batchmean'` divides the sum by the batch size (the mathematically correct KL);
 * `'mean'` divides by the number of elements, like PyTorch. input, target: same shape.
 */
export function klDiv(input: Tensor, target: Tensor, opts: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  checkOptionKeys('klDiv', opts, { reduction: true, logTarget: true });
  const op = 'klDiv';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(op, reduction, ['batchmean']);
  checkPair(op, input, target);
  let loss: Tensor;
  if (opts.logTarget) loss = target.exp().mul(target.sub(input));
  else {
    const pos = target.gt(0);
    const tlogt = target.mul(pos.ifElse(target, 1).log());
    loss = tlogt.sub(target.mul(input));
  }
  if (reduction === 'batchmean') return input.ndim === 0 ? loss.sum() : loss.sum().div(input.shape[0]!);
  return reduce(loss, reduction, op);
}

/**
 * Hinge embedding loss for targets ±1: `x` where target = 1, `max(0, margin − x)` where target = −1.
 * input and target (±1, any numeric dtype): same shape.
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { margin?: number } = {}): Tensor {
  checkOptionKeys('hingeEmbeddingLoss', opts, { reduction: true, margin: true });
  const op = 'hingeEmbeddingLoss';
  const margin = opts.margin ?? 1;
  checkFloat(op, 'input', input);
  checkSameShape(op, input, target);
  const zeros = input.zerosLike();
  const marginClamp = input.rsub(margin).clamp(0, null);
  const loss = target.ne(1).ifElse(marginClamp, zeros).add(target.ne(-1).ifElse(input, zeros));
  return reduce(loss, opts.reduction ?? 'mean', op);
}

/**
 * Cosine embedding loss: with `cos = cos(x1, x2)` along dim 1, `1 − cos` where target = 1 and
 * `max(0, cos − margin)` where target = −1.
 * x1, x2: [N, D] (or [D]) — target: [N] (or []) of ±1 → scalar, or [N] with `reduction: 'none'`.
 */
export function cosineEmbeddingLoss(x1: Tensor, x2: Tensor, target: Tensor, opts: ReductionOptions & { margin?: number } = {}): Tensor {
  checkOptionKeys('cosineEmbeddingLoss', opts, { reduction: true, margin: true });
  const op = 'cosineEmbeddingLoss';
  const margin = opts.margin ?? 0;
  checkFloat(op, 'x1', x1);
  checkFloat(op, 'x2', x2);
  if (x1.ndim !== x2.ndim || x1.shape.some((d, i) => d !== x2.shape[i]))
    throw new ShapeError(`${op}: x1 ${fmtShape(x1.shape)} and x2 ${fmtShape(x2.shape)} must have the same shape`);
  if (x1.ndim !== 1 && x1.ndim !== 2) throw new ShapeError(`${op}: expected inputs of shape [N, D] or [D], got ${fmtShape(x1.shape)}`);
  const expected = x1.ndim === 2 ? [x1.shape[0]!] : [];
  checkTensor(op, 'target', target);
  if (target.ndim !== expected.length || (expected.length === 1 && target.shape[0] !== expected[0]))
    throw new ShapeError(
      `${op}: expected target of shape ${fmtShape(expected)} for inputs ${fmtShape(x1.shape)}, got ${fmtShape(target.shape)}`,
    );
  const dim = x1.ndim - 1;
  const EPS = 1e-12;
  const prod = x1.mul(x2).sum(dim);
  const m1 = x1.square().sum(dim).add(EPS);
  const m2 = x2.square().sum(dim).add(EPS);
  const cos = prod.div(m1.mul(m2).sqrt());
  const zeros = cos.zerosLike();
  const loss = target
    .eq(1)
    .ifElse(cos.rsub(1), zeros)
    .add(target.eq(-1).ifElse(cos.sub(margin).clamp(0, null), zeros));
  return reduce(loss, opts.reduction ?? 'mean', op);
}

/**
 * The 0-1 loss, a metric (not differentiable): the fraction (or, with `normalize: false`, the count)
 * of misclassified samples. `input` is either predicted labels (same shape as `target`) or scores
 * [N, C, ...] whose argmax over dim 1 is the prediction; `target`: class labels.
 */
export function zeroOneLoss(input: Tensor, target: Tensor, opts: { normalize?: boolean } = {}): number {
  checkOptionKeys('zeroOneLoss', opts, { normalize: true });
  const op = 'zeroOneLoss';
  checkTensor(op, 'input', input);
  checkTensor(op, 'target', target);
  let pred = input;
  if (input.ndim === target.ndim + 1 && isFloat(input.dtype)) pred = input.ndim === 1 ? input.argmax(0) : input.argmax(1);
  checkSameShape(op, pred, target);
  const p = pred.dataSync();
  const t = target.dataSync();
  let wrong = 0;
  for (let i = 0; i < p.length; i++) if (p[i] !== t[i]) wrong++;
  if (opts.normalize === false) return wrong;
  return p.length === 0 ? 0 : wrong / p.length;
}

// ---------------------------------------------------------------- ranking, metric learning, likelihoods

/**
 * Margin ranking loss: `max(0, −y·(x1 − x2) + margin)` — y = 1 means x1 should rank higher than x2.
 * x1, x2, target (±1): same shape.
 */
export function marginRankingLoss(x1: Tensor, x2: Tensor, target: Tensor, opts: ReductionOptions & { margin?: number } = {}): Tensor {
  checkOptionKeys('marginRankingLoss', opts, { reduction: true, margin: true });
  const op = 'marginRankingLoss';
  checkFloat(op, 'x1', x1);
  checkSameShape(op, x1, x2, 'x2');
  checkSameShape(op, x1, target);
  const y = isFloat(target.dtype) ? target : target.to(x1.dtype);
  return reduce(
    y
      .neg()
      .mul(x1.sub(x2))
      .add(opts.margin ?? 0)
      .clamp(0, null),
    opts.reduction ?? 'mean',
    op,
  );
}

/** ‖a − b + eps‖_p along the last dimension (PyTorch's pairwise_distance). */
function pairwiseDistance(a: Tensor, b: Tensor, p: number, eps: number): Tensor {
  const d = a.sub(b).add(eps).abs();
  return p === 2
    ? d.square().sum(-1).sqrt()
    : p === 1
      ? d.sum(-1)
      : d
          .pow(p)
          .sum(-1)
          .pow(1 / p);
}

/**
 * Triplet margin loss: `max(d(a, p) − d(a, n) + margin, 0)` with `d` the p-norm distance along the
 * last dimension (`swap`: use `min(d(a, n), d(p, n))`, the distance swap of Balntas et al.).
 * anchor, positive, negative: [N, D] (or [D]) → scalar, or [N] with `reduction: 'none'`.
 */
export function tripletMarginLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  opts: ReductionOptions & { margin?: number; p?: number; eps?: number; swap?: boolean } = {},
): Tensor {
  checkOptionKeys('tripletMarginLoss', opts, { reduction: true, margin: true, p: true, eps: true, swap: true });
  const op = 'tripletMarginLoss';
  checkFloat(op, 'anchor', anchor);
  if (anchor.ndim !== 1 && anchor.ndim !== 2)
    throw new ShapeError(`${op}: expected inputs of shape [N, D] or [D], got anchor ${fmtShape(anchor.shape)}`);
  checkSameShape(op, anchor, positive, 'positive');
  checkSameShape(op, anchor, negative, 'negative');
  const p = opts.p ?? 2;
  const eps = opts.eps ?? 1e-6;
  if (!(p > 0)) throw new ValueError(`${op}: p must be positive, got ${p}`);
  const dPos = pairwiseDistance(anchor, positive, p, eps);
  let dNeg = pairwiseDistance(anchor, negative, p, eps);
  if (opts.swap) dNeg = dNeg.minimum(pairwiseDistance(positive, negative, p, eps));
  return reduce(
    dPos
      .sub(dNeg)
      .add(opts.margin ?? 1)
      .clamp(0, null),
    opts.reduction ?? 'mean',
    op,
  );
}

/**
 * Gaussian negative log-likelihood with predicted variance:
 * `0.5·(log var + (input − target)² / var)` (+ `0.5·log 2π` with `full`). `var` is clamped at `eps`
 * for stability without stopping its gradient, like PyTorch. var: the input's shape, or with the last
 * dimension 1 or missing (one variance per sample, homoscedastic over features).
 */
export function gaussianNllLoss(
  input: Tensor,
  target: Tensor,
  variance: Tensor,
  opts: ReductionOptions & { full?: boolean; eps?: number } = {},
): Tensor {
  checkOptionKeys('gaussianNllLoss', opts, { reduction: true, full: true, eps: true });
  const op = 'gaussianNllLoss';
  checkPair(op, input, target);
  checkFloat(op, 'var', variance);
  let v = variance;
  const s = input.shape;
  const same = v.ndim === s.length && v.shape.every((d, i) => d === s[i]);
  if (!same) {
    if (v.ndim === s.length - 1 && v.shape.every((d, i) => d === s[i])) v = v.unsqueeze(-1);
    else if (!(v.ndim === s.length && v.shape[v.ndim - 1] === 1 && v.shape.slice(0, -1).every((d, i) => d === s[i])))
      throw new ShapeError(
        `${op}: var ${fmtShape(variance.shape)} must have the input's shape ${fmtShape(s)}, or it with the last dimension 1 or removed`,
      );
  }
  const vd = v.dataSync();
  for (let i = 0; i < vd.length; i++) if (vd[i]! < 0) throw new ValueError(`${op}: var has negative entry ${vd[i]} at flat index ${i}`);
  const eps = opts.eps ?? 1e-6;
  // clamp the value, keep the identity gradient (PyTorch clamps in place under no_grad)
  const vc = v.add(v.detach().clamp(eps, null).sub(v.detach()));
  let loss = vc.log().add(input.sub(target).square().div(vc)).mul(0.5);
  if (opts.full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
  return reduce(loss, opts.reduction ?? 'mean', op);
}

/**
 * Poisson negative log-likelihood: `exp(input) − target·input` with `logInput` (default), else
 * `input − target·log(input + eps)`; `full` adds Stirling's approximation of `log(target!)` where
 * target > 1. input, target: same shape.
 */
export function poissonNllLoss(
  input: Tensor,
  target: Tensor,
  opts: ReductionOptions & { logInput?: boolean; full?: boolean; eps?: number } = {},
): Tensor {
  checkOptionKeys('poissonNllLoss', opts, { reduction: true, logInput: true, full: true, eps: true });
  const op = 'poissonNllLoss';
  checkPair(op, input, target);
  const logInput = opts.logInput ?? true;
  let loss = logInput ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(opts.eps ?? 1e-8).log()));
  if (opts.full) {
    const big = target.gt(1);
    const t = big.ifElse(target, 2); // safe where masked out
    const stirling = t
      .mul(t.log())
      .sub(t)
      .add(
        t
          .mul(2 * Math.PI)
          .log()
          .mul(0.5),
      );
    loss = loss.add(big.ifElse(stirling, 0));
  }
  return reduce(loss, opts.reduction ?? 'mean', op);
}
