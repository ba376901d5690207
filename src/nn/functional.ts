/**
 * nn.functional: the math of layers, as functions of tensors (modules hold state and call these).
 * Shapes follow PyTorch: activations NCHW, Linear weight [out, in], Conv weight [Cout, Cin/groups, kH, kW].
 * @module
 */
import { isFloat } from '../core/dtype.js';
import { DTypeError, IndexError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { normAxis, pair, sidePads, type IntOrPair } from '../core/shape.js';
import { checkOptionKeys } from '../core/options.js';
import { defaultRng, type Rng } from '../core/rng.js';
import { noGrad } from '../autograd/mode.js';
import { linearChecked } from './layers/common.js';
import { Tensor, apply, internalScope } from '../tensor/tensor.js';
import { arange } from '../tensor/creation.js';
import { cat, stack } from '../tensor/functional.js';

/** A size given once for both spatial dims, or as `[h, w]` (the same type as `IntOrPair`). */
export type Pair = IntOrPair;

// ---------------------------------------------------------------- activations

/** ReLU, `max(x, 0)`, elementwise; any shape. */
export const relu = (x: Tensor): Tensor => x.relu();
/** Logistic sigmoid `1 / (1 + e^−x)`, elementwise; any shape. */
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
/** Hyperbolic tangent, elementwise; any shape. */
export const tanh = (x: Tensor): Tensor => x.tanh();
/**
 * GELU: x·Φ(x) (`approximate: 'none'`, the default), or PyTorch's tanh approximation
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) with `{ approximate: 'tanh' }`.
 */
export function gelu(x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  checkOptionKeys('gelu', opts, { approximate: true });
  const a = opts.approximate ?? 'none';
  if (a === 'none') return x.gelu();
  if (a !== 'tanh') throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(a)}`);
  const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(inner.tanh().add(1)).mul(0.5);
}
/** SiLU (swish), `x · sigmoid(x)`, elementwise; any shape. */
export const silu = (x: Tensor): Tensor => x.silu();
/** Leaky ReLU: `x` where x ≥ 0, else `negativeSlope · x` (default 0.01); any shape. */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => x.leakyRelu(negativeSlope);
/** ELU: `x` where x > 0, else `alpha · (e^x − 1)` (default alpha 1); any shape. */
export const elu = (x: Tensor, alpha = 1): Tensor => x.elu(alpha);
/** Softplus `log(1 + e^(beta·x)) / beta`, linear where `beta·x > threshold` (defaults 1 and 20, as PyTorch); any shape. */
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor => x.softplus(beta, threshold);
/** Softmax along `dim` (required): exponentials normalised to sum to 1, computed stably; same shape as `x`. */
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
/** `log(softmax(x, dim))`, computed stably (log-sum-exp); same shape as `x`. */
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);

// ---------------------------------------------------------------- linear / conv

/** y = x Wᵀ + b.  x: [..., in], weight: [out, in], bias: [out] → [..., out] */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return linearChecked(null, x, weight, bias);
}

/** Options of `conv1d`/`conv2d`; unknown keys throw a `ValueError`. `stride` (default 1), `padding` (default 0, or `'same'`/`'valid'`), `dilation` (default 1), `groups` (default 1). */
export interface ConvOptions {
  stride?: Pair;
  padding?: Pair | 'valid' | 'same';
  dilation?: Pair;
  groups?: number;
}

/** 2-D convolution. x: [N, Cin, H, W], weight: [Cout, Cin/groups, kH, kW] → [N, Cout, OH, OW] */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  checkOptionKeys('conv2d', opts, { stride: true, padding: true, dilation: true, groups: true });
  const stride = pair(opts.stride ?? 1);
  const dilation = pair(opts.dilation ?? 1);
  let padding: [number, number] = [0, 0];
  if (opts.padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new ValueError(`conv2d: padding='same' is not supported for strided convolutions`);
    const [t, b] = sidePads('same', weight.shape[2] ?? 1, dilation[0]);
    const [l, r] = sidePads('same', weight.shape[3] ?? 1, dilation[1]);
    padding = [t, l];
    // the one extra zero after (right/bottom) of an even effective kernel: padded here, the rest by the kernel
    if (b > t || r > l) x = x.pad([0, r - l, 0, b - t]);
  } else if (opts.padding !== undefined && opts.padding !== 'valid') padding = pair(opts.padding);
  const attrs = { stride, padding, dilation, groups: opts.groups ?? 1 };
  // the common case, one primitive with the bias fused (one kernel call, no extra pass over the
  // output); any other bias (another dtype or shape) is broadcast-added as before
  if (!bias || (bias.ndim === 1 && bias.shape[0] === weight.shape[0] && x.dtype === weight.dtype && bias.dtype === x.dtype))
    return apply('conv2d', bias ? [x, weight, bias] : [x, weight], attrs);
  return apply('conv2d', [x, weight], attrs).add(bias.reshape(1, -1, 1, 1));
}

/** 1-D convolution. x: [N, Cin, L], weight: [Cout, Cin/groups, k] → [N, Cout, OL] */
export function conv1d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  opts: { stride?: number; padding?: number | 'valid' | 'same'; dilation?: number; groups?: number } = {},
): Tensor {
  checkOptionKeys('conv1d', opts, { stride: true, padding: true, dilation: true, groups: true });
  if (x.ndim !== 3) throw new ShapeError(`conv1d: expected a 3-D input [N, C, L], got ${fmtShape(x.shape)}`);
  if (weight.ndim !== 3) throw new ShapeError(`conv1d: expected a 3-D weight [Cout, Cin/groups, k], got ${fmtShape(weight.shape)}`);
  const p = opts.padding;
  const y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, {
    stride: [1, opts.stride ?? 1],
    padding: p === 'same' || p === 'valid' ? p : [0, p ?? 0],
    dilation: [1, opts.dilation ?? 1],
    groups: opts.groups ?? 1,
  });
  return y.squeeze(2);
}

/** Transposed 2-D convolution. x: [N, Cin, H, W], weight: [Cin, Cout/groups, kH, kW]. */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  opts: { stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number } = {},
): Tensor {
  checkOptionKeys('convTranspose2d', opts, { stride: true, padding: true, outputPadding: true, dilation: true, groups: true });
  const y = apply('convTranspose2d', [x, weight], {
    stride: pair(opts.stride ?? 1),
    padding: pair(opts.padding ?? 0),
    dilation: pair(opts.dilation ?? 1),
    groups: opts.groups ?? 1,
    outputPadding: pair(opts.outputPadding ?? 0),
  });
  return bias ? y.add(bias.reshape(1, -1, 1, 1)) : y;
}

// ---------------------------------------------------------------- pooling

/** Options of the pooling functions: `stride` (default: the kernel size) and `padding` (default 0); unknown keys throw a `ValueError`. */
export interface PoolOptions {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

function poolAttrs(kernelSize: Pair, o: PoolOptions) {
  const k = pair(kernelSize);
  return {
    kernelSize: k,
    stride: o.stride === undefined || o.stride === null ? k : pair(o.stride),
    padding: pair(o.padding ?? 0),
    dilation: pair(o.dilation ?? 1),
    ceilMode: o.ceilMode ?? false,
  };
}

function with4d(x: Tensor, op: string, f: (x4: Tensor) => Tensor): Tensor {
  if (x.ndim === 3) return f(x.unsqueeze(0)).squeeze(0);
  if (x.ndim !== 4) throw new ShapeError(`${op}: expected a 3-D or 4-D input, got ${fmtShape(x.shape)}`);
  return f(x);
}

/** Max pooling. x: [N, C, H, W] (or [C, H, W]) */
export function maxPool2d(x: Tensor, kernelSize: Pair, opts: PoolOptions = {}): Tensor {
  checkOptionKeys('maxPool2d', opts, { stride: true, padding: true, dilation: true, ceilMode: true });
  return with4d(x, 'maxPool2d', (x4) => apply('maxPool2d', [x4], poolAttrs(kernelSize, opts)));
}

/** Average pooling. */
export function avgPool2d(
  x: Tensor,
  kernelSize: Pair,
  opts: PoolOptions & { countIncludePad?: boolean; divisorOverride?: number | null } = {},
): Tensor {
  checkOptionKeys('avgPool2d', opts, {
    stride: true,
    padding: true,
    dilation: true,
    ceilMode: true,
    countIncludePad: true,
    divisorOverride: true,
  });
  return with4d(x, 'avgPool2d', (x4) =>
    apply('avgPool2d', [x4], {
      ...poolAttrs(kernelSize, opts),
      countIncludePad: opts.countIncludePad ?? true,
      divisorOverride: opts.divisorOverride ?? null,
    }),
  );
}

/** Adaptive average pooling to a fixed output size (PyTorch's window rule: [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉)). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const [oh, ow] = pair(outputSize);
  return with4d(x, 'adaptiveAvgPool2d', (x4) => {
    const h = x4.shape[2]!;
    const w = x4.shape[3]!;
    if (h % oh === 0 && w % ow === 0) return avgPool2d(x4, [h / oh, w / ow]);
    const rows: Tensor[] = [];
    for (let i = 0; i < oh; i++) {
      const y0 = Math.floor((i * h) / oh);
      const y1 = Math.ceil(((i + 1) * h) / oh);
      const cols: Tensor[] = [];
      for (let j = 0; j < ow; j++) {
        const x0 = Math.floor((j * w) / ow);
        const x1 = Math.ceil(((j + 1) * w) / ow);
        cols.push(x4.slice(2, y0, y1).slice(3, x0, x1).mean([2, 3]));
      }
      rows.push(stack(cols, -1));
    }
    return stack(rows, -2);
  });
}

/** Interpolation of `interpolate`: `'nearest'`, `'bilinear'` or `'bicubic'` (PyTorch's formulas). */
export type InterpolateMode = 'nearest' | 'bilinear' | 'bicubic';

/** Options of `interpolate`: give `size` or `scaleFactor`; unknown keys throw a `ValueError`. */
export interface InterpolateOptions {
  /** Output [H, W] (or one number for both). */
  size?: Pair;
  /** Output = ⌊input · factor⌋; with a factor, PyTorch samples at 1/factor spacing (recomputeScaleFactor false). */
  scaleFactor?: number | readonly [number, number];
  /** 'nearest' (default: src = ⌊dst · in/out⌋), 'bilinear' (2×2 taps) or 'bicubic' (4×4 taps, a = −0.75, edges clamped). */
  mode?: InterpolateMode;
  /**
   * bilinear/bicubic only: true maps the corner pixels' centres onto each other (src = dst·(in−1)/(out−1));
   * false (default) maps the corners of the pixel grid (src = (dst + ½)·scale − ½).
   */
  alignCorners?: boolean | null;
}

/**
 * Resize images: x [N, C, H, W] → [N, C, OH, OW], as PyTorch's `F.interpolate` in 'nearest',
 * 'bilinear' and 'bicubic' modes. The bilinear and bicubic resamplings are separable: one [OH, H]
 * and one [OW, W] weight matrix (two or four taps per row) applied with matmul, so the gradient is
 * the transposed resampling.
 */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  checkOptionKeys('interpolate', opts, { size: true, scaleFactor: true, mode: true, alignCorners: true });
  const mode = opts.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear' && mode !== 'bicubic')
    throw new ValueError(`interpolate: mode must be 'nearest', 'bilinear' or 'bicubic', got ${JSON.stringify(mode)}`);
  if (mode === 'nearest' && opts.alignCorners !== undefined && opts.alignCorners !== null)
    throw new ValueError("interpolate: alignCorners option can only be set with the interpolating modes: 'bilinear' | 'bicubic'");
  if (x.ndim !== 4) throw new ShapeError(`interpolate: expected a 4-D input [N, C, H, W], got ${fmtShape(x.shape)}`);
  const h = x.shape[2]!;
  const w = x.shape[3]!;
  let oh: number;
  let ow: number;
  let sh: number;
  let sw: number;
  let given = false;
  if (opts.size !== undefined && opts.scaleFactor !== undefined)
    throw new ValueError('interpolate: give either size or scaleFactor, not both');
  if (opts.size !== undefined) {
    [oh, ow] = pair(opts.size);
    sh = h / oh;
    sw = w / ow;
  } else if (opts.scaleFactor !== undefined) {
    const [fh, fw] = typeof opts.scaleFactor === 'number' ? [opts.scaleFactor, opts.scaleFactor] : opts.scaleFactor;
    oh = Math.floor(h * fh);
    ow = Math.floor(w * fw);
    sh = 1 / fh;
    sw = 1 / fw;
    given = true;
  } else throw new ValueError('interpolate: give either size or scaleFactor');
  if (mode === 'nearest') {
    const idx = (n: number, scale: number, inSize: number) => {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = Math.min(Math.floor(i * scale), inSize - 1);
      return x.newTensor(a, [n], 'int32');
    };
    return x.indexSelect(2, idx(oh, sh, h)).indexSelect(3, idx(ow, sw, w));
  }
  const ac = opts.alignCorners ?? false;
  const scaleOf = (inSize: number, outSize: number, s: number) =>
    ac ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : given ? s : inSize / outSize;
  const mh = resampleMatrix(h, oh, scaleOf(h, oh, sh), ac, mode, x); // [OH, H]
  const mw = resampleMatrix(w, ow, scaleOf(w, ow, sw), ac, mode, x); // [OW, W]
  return mh.matmul(x).matmul(mw.t());
}

/** Rows of interpolation weights [out, in] for one axis (PyTorch's source-index rule and taps). */
function resampleMatrix(
  inSize: number,
  outSize: number,
  scale: number,
  alignCorners: boolean,
  mode: 'bilinear' | 'bicubic',
  like: Tensor,
): Tensor {
  const m = new Float64Array(outSize * inSize);
  const add = (o: number, i: number, v: number) => (m[o * inSize + Math.min(Math.max(i, 0), inSize - 1)] += v);
  for (let o = 0; o < outSize; o++) {
    let src = alignCorners ? scale * o : scale * (o + 0.5) - 0.5;
    if (mode === 'bilinear') {
      if (!alignCorners && src < 0) src = 0;
      const i0 = Math.floor(src);
      const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
      const l1 = src - i0;
      add(o, i0, 1 - l1);
      add(o, i1, l1);
    } else {
      const i0 = Math.floor(src);
      const t = src - i0;
      const A = -0.75;
      const near = (d: number) => ((A + 2) * d - (A + 3)) * d * d + 1; // |d| ≤ 1
      const far = (d: number) => ((A * d - 5 * A) * d + 8 * A) * d - 4 * A; // 1 < |d| < 2
      add(o, i0 - 1, far(t + 1));
      add(o, i0, near(t));
      add(o, i0 + 1, near(1 - t));
      add(o, i0 + 2, far(2 - t));
    }
  }
  return like.newTensor(m, [outSize, inSize]);
}

// ---------------------------------------------------------------- normalisation

/**
 * Batch normalisation over all dims but the channel dim 1. In training mode it normalises with the
 * batch statistics (biased variance) and updates running stats in place with the unbiased variance:
 * new = (1 − momentum)·old + momentum·batch.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number } = {},
): Tensor {
  checkOptionKeys('batchNorm', opts, { weight: true, bias: true, training: true, momentum: true, eps: true });
  // intermediates are engine temporaries (freed at once, or when backward releases them); the running
  // statistics are updated by value (copy_), so no temporary reaches the module
  return internalScope(() => batchNormBody(x, runningMean, runningVar, opts));
}

function batchNormBody(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number },
): Tensor {
  const training = opts.training ?? false;
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  if (x.ndim < 2) throw new ShapeError(`batchNorm: expected at least a 2-D input [N, C, ...], got ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = x.shape.map((s, i) => (i === 1 ? s : 1));
  for (const [name, t] of [
    ['runningMean', runningMean],
    ['runningVar', runningVar],
    ['weight', opts.weight],
    ['bias', opts.bias],
  ] as const)
    if (t && (t.ndim !== 1 || t.shape[0] !== c))
      throw new ShapeError(`batchNorm: ${name} has shape ${fmtShape(t.shape)} but the input ${fmtShape(x.shape)} has ${c} channels`);
  let mean: Tensor;
  let varB: Tensor;
  // affine, one floating dtype throughout: the fused primitives (ops/norm.ts), five passes over x
  const fused =
    isFloat(x.dtype) &&
    !!opts.weight &&
    !!opts.bias &&
    [opts.weight, opts.bias, runningMean, runningVar].every((t) => !t || t.dtype === x.dtype);
  if (training && fused) {
    const n = x.numel() / c;
    if (n <= 1) throw new ValueError(`batchNorm: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
    const stats = apply('batchNormStats', [x.detach()], {});
    mean = stats.select(0, 0);
    varB = stats.select(0, 1);
    if (runningMean && runningVar) {
      noGrad(() => {
        runningMean.copy_(runningMean.mul(1 - momentum).add(mean.mul(momentum)));
        runningVar.copy_(runningVar.mul(1 - momentum).add(varB.mul((momentum * n) / (n - 1))));
      });
    }
    return apply('batchNorm', [x, opts.weight!, opts.bias!, mean, varB], { eps, training: true });
  }
  if (!training && fused && runningMean && runningVar)
    return apply('batchNorm', [x, opts.weight!, opts.bias!, runningMean, runningVar], { eps, training: false });
  if (training) {
    const n = x.numel() / c;
    if (n <= 1) throw new ValueError(`batchNorm: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
    mean = x.mean(dims, true);
    varB = x.sub(mean).square().mean(dims, true);
    if (runningMean && runningVar) {
      noGrad(() => {
        runningMean.copy_(runningMean.mul(1 - momentum).add(mean.detach().reshape(c).mul(momentum)));
        runningVar.copy_(
          runningVar.mul(1 - momentum).add(
            varB
              .detach()
              .reshape(c)
              .mul((momentum * n) / (n - 1)),
          ),
        );
      });
    }
  } else {
    if (!runningMean || !runningVar) throw new ValueError('batchNorm: running statistics are required in eval mode');
    mean = runningMean.reshape(bshape);
    varB = runningVar.reshape(bshape);
  }
  let y = x.sub(mean).mul(varB.add(eps).rsqrt());
  if (opts.weight) y = y.mul(opts.weight.reshape(bshape));
  if (opts.bias) y = y.add(opts.bias.reshape(bshape));
  return y;
}

/** Layer normalisation over the trailing `normalizedShape` dims (biased variance). */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k > x.ndim || tail.some((s, i) => s !== normalizedShape[i]))
    throw new ShapeError(`layerNorm: input ${fmtShape(x.shape)} does not end with the normalized shape ${fmtShape(normalizedShape)}`);
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const mean = x.mean(dims, true);
  const centered = x.sub(mean);
  const v = centered.square().mean(dims, true);
  let y = centered.mul(v.add(eps).rsqrt());
  if (weight) y = y.mul(weight);
  if (bias) y = y.add(bias);
  return y;
}

// ---------------------------------------------------------------- embedding, one-hot, dropout, pad

/** Rows of `weight` [num, dim] picked by integer `indices` (any shape) → [...indices.shape, dim]. */
export function embedding(
  indices: Tensor,
  weight: Tensor,
  opts: { paddingIdx?: number | null; maxNorm?: number | null; normType?: number } = {},
): Tensor {
  checkOptionKeys('embedding', opts, { paddingIdx: true, maxNorm: true, normType: true });
  if (indices.dtype !== 'int32') throw new DTypeError(`embedding: indices must be int32, got ${indices.dtype}`);
  const n = weight.shape[0]!;
  const flat = indices.reshape(-1);
  const data = flat.dataSync();
  for (let i = 0; i < data.length; i++)
    if (data[i]! < 0 || data[i]! >= n)
      throw new IndexError(`embedding: index ${data[i]} is out of range for an embedding table of ${n} rows`);
  if (opts.maxNorm !== undefined && opts.maxNorm !== null) embeddingRenorm_(weight, data, opts.maxNorm, opts.normType ?? 2);
  let w = weight;
  if (opts.paddingIdx !== undefined && opts.paddingIdx !== null) {
    // the padding row gets no gradient
    const p = opts.paddingIdx < 0 ? opts.paddingIdx + n : opts.paddingIdx;
    const mask = arange(n).eq(p).unsqueeze(1);
    w = weight.detach().where(mask, weight);
  }
  return w.indexSelect(0, flat).reshape([...indices.shape, weight.shape[1]!]);
}

/** One-hot encoding of int32 class indices → int32 [..., numClasses] (numClasses −1: max + 1). */
/**
 * PyTorch's `embedding_renorm_`: every row of `weight` looked up by `indices` whose `normType`-norm
 * exceeds `maxNorm` is scaled in place to norm `maxNorm` (by maxNorm / (norm + 1e-7)). Not recorded
 * by autograd (like PyTorch, it modifies the weight under no_grad before the lookup).
 */
export function embeddingRenorm_(weight: Tensor, indices: ArrayLike<number>, maxNorm: number, normType = 2): Tensor {
  if (!(maxNorm >= 0) || !Number.isFinite(maxNorm))
    throw new ValueError(`embedding: maxNorm must be a non-negative number, got ${maxNorm}`);
  if (!(normType > 0)) throw new ValueError(`embedding: normType must be positive, got ${normType}`);
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D, got ${fmtShape(weight.shape)}`);
  const [rows, dim] = weight.shape as [number, number];
  const [s0, s1] = weight.strides as [number, number];
  const st = weight.storage;
  const seen = new Uint8Array(rows);
  for (let k = 0; k < indices.length; k++) {
    const r = indices[k]!;
    if (seen[r]) continue;
    seen[r] = 1;
    const base = weight.offset + r * s0;
    let acc = 0;
    if (normType === Infinity) for (let j = 0; j < dim; j++) acc = Math.max(acc, Math.abs(st[base + j * s1]!));
    else for (let j = 0; j < dim; j++) acc += Math.abs(st[base + j * s1]!) ** normType;
    const norm = normType === Infinity ? acc : acc ** (1 / normType);
    if (norm > maxNorm) {
      const scale = maxNorm / (norm + 1e-7);
      for (let j = 0; j < dim; j++) st[base + j * s1] = st[base + j * s1]! * scale;
    }
  }
  return weight;
}

/**
 * One-hot encode int32 class indices: shape `[...]` → int32 `[..., numClasses]`. `numClasses` −1 (the default) uses max + 1.
 * @throws DTypeError if `indices` is not int32; IndexError for a negative index or one ≥ `numClasses`.
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  if (indices.dtype !== 'int32') throw new DTypeError(`oneHot: class values must be an int32 tensor, got ${indices.dtype}`);
  const data = indices.dataSync();
  let max = -1;
  for (let i = 0; i < data.length; i++) {
    if (data[i]! < 0) throw new IndexError(`oneHot: class values must be non-negative, got ${data[i]}`);
    if (data[i]! > max) max = data[i]!;
  }
  const k = numClasses === -1 ? max + 1 : numClasses;
  if (max >= k) throw new IndexError(`oneHot: class value ${max} is out of range for numClasses=${k}`);
  return indices.unsqueeze(-1).eq(arange(k)).to('int32');
}

/** Inverted dropout: zero each element with probability p, scale survivors by 1/(1−p). Identity when not training. */
export function dropout(x: Tensor, p = 0.5, training = true, rng: Rng = defaultRng()): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout: probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const n = x.numel();
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = rng.uniform() >= p ? 1 : 0;
  const m = new Tensor(mask, x.shape.slice(), 'bool');
  // the mask is drawn on the CPU (the same seeded stream on every device) and goes to x's device
  return internalScope(() => x.mul(m.to({ device: x.device, dtype: x.dtype })).mul(1 / (1 - p)));
}

/** Constant padding in PyTorch's F.pad order (last dim first). */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/**
 * Pad with PyTorch's `F.pad` pairs (last dim first: `[left, right, top, bottom, …]`). Modes:
 * 'constant' (`value`), 'reflect' (mirror without repeating the edge: pad < size), 'replicate' (repeat
 * the edge), 'circular' (wrap around: pad ≤ size). The non-constant modes gather rows with
 * `indexSelect`, so gradients of repeated positions add up, as in PyTorch.
 */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (mode === 'constant') return x.pad(pads, value);
  if (mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular')
    throw new ValueError(`pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${JSON.stringify(mode)}`);
  if (pads.length % 2 || pads.length / 2 > x.ndim)
    throw new ValueError(`pad: expected an even number of pads for at most ${x.ndim} dims, got ${pads.length}`);
  let out = x;
  for (let k = 0; k < pads.length / 2; k++) {
    const dim = x.ndim - 1 - k;
    const before = pads[2 * k]!;
    const after = pads[2 * k + 1]!;
    if (before === 0 && after === 0) continue;
    if (before < 0 || after < 0) throw new ValueError(`pad: ${mode} padding must be non-negative, got ${before}, ${after}`);
    out = out.indexSelect(dim, padIndex(out.shape[dim]!, before, after, mode, out));
  }
  return out;
}

/** Source index of each padded position along one dim. */
function padIndex(n: number, before: number, after: number, mode: 'reflect' | 'replicate' | 'circular', like: Tensor): Tensor {
  if (mode === 'reflect' && (before >= n || after >= n))
    throw new ValueError(`pad: padding (${before}, ${after}) should be smaller than the dimension size ${n} in reflect mode`);
  if (mode === 'circular' && (before > n || after > n))
    throw new ValueError(`pad: padding (${before}, ${after}) should be at most the dimension size ${n} in circular mode`);
  const idx = new Int32Array(n + before + after);
  for (let i = 0; i < idx.length; i++) {
    const j = i - before;
    idx[i] =
      mode === 'replicate'
        ? Math.min(Math.max(j, 0), n - 1)
        : mode === 'circular'
          ? ((j % n) + n) % n
          : j < 0
            ? -j
            : j >= n
              ? 2 * (n - 1) - j
              : j;
  }
  return like.newTensor(idx, [idx.length], 'int32');
}

/** Cosine similarity along `dim`: x1·x2 / max(‖x1‖·‖x2‖, eps). */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim = 1, eps = 1e-8): Tensor {
  const d = normAxis(dim, Math.max(x1.ndim, x2.ndim), 'cosineSimilarity');
  const dot = x1.mul(x2).sum(d);
  const n1 = x1.square().sum(d);
  const n2 = x2.square().sum(d);
  return dot.div(
    n1
      .mul(n2)
      .clamp(eps * eps, null)
      .sqrt(),
  );
}
export * from './losses.js';

// ---------------------------------------------------------------- attention

/**
 * softmax(q kᵀ/√d + mask) v. q: [..., L, d], k: [..., S, d], v: [..., S, dv] → [..., L, dv].
 * `attnMask` broadcasts to [..., L, S]: bool (true = may attend, PyTorch's SDPA convention) or float (added).
 * Returns the output and the attention weights.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: { attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number; training?: boolean; rng?: Rng } = {},
): { output: Tensor; weights: Tensor } {
  checkOptionKeys('scaledDotProductAttention', opts, {
    attnMask: true,
    dropoutP: true,
    isCausal: true,
    scale: true,
    training: true,
    rng: true,
  });
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim)
    throw new ShapeError(
      `scaledDotProductAttention: q, k, v must have the same rank >= 2, got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}`,
    );
  const d = q.shape[q.ndim - 1]!;
  if (k.shape[k.ndim - 1] !== d)
    throw new ShapeError(`scaledDotProductAttention: q ${fmtShape(q.shape)} and k ${fmtShape(k.shape)} differ in the feature dim`);
  if (k.shape[k.ndim - 2] !== v.shape[v.ndim - 2])
    throw new ShapeError(`scaledDotProductAttention: k ${fmtShape(k.shape)} and v ${fmtShape(v.shape)} differ in length`);
  const L = q.shape[q.ndim - 2]!;
  const S = k.shape[k.ndim - 2]!;
  let scores = q.mul(opts.scale ?? 1 / Math.sqrt(d)).matmul(k.transpose(-2, -1));
  if (opts.isCausal) {
    const a = new Uint8Array(L * S);
    for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) a[i * S + j] = 1;
    scores = scores.maskedFill(new Tensor(a, [L, S], 'bool'), -Infinity);
  }
  if (opts.attnMask)
    scores = opts.attnMask.dtype === 'bool' ? scores.maskedFill(opts.attnMask.logicalNot(), -Infinity) : scores.add(opts.attnMask);
  let w = scores.softmax(-1);
  if ((opts.dropoutP ?? 0) > 0 && (opts.training ?? true)) w = dropout(w, opts.dropoutP, true, opts.rng ?? defaultRng());
  return { output: w.matmul(v), weights: w };
}

/** Weights and settings of `multiHeadAttentionForward` (PyTorch's `F.multi_head_attention_forward`). */
export interface MultiHeadAttentionOptions {
  numHeads: number;
  /** [3E, E] = [W_q; W_k; W_v]; or null with separate q/k/v weights (key/value dims ≠ E). */
  inProjWeight: Tensor | null;
  /** [E, E], [E, kdim], [E, vdim]: used when `inProjWeight` is null. */
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  inProjBias?: Tensor | null;
  outProjWeight: Tensor;
  outProjBias?: Tensor | null;
  /** [1, 1, E] each: appended to the projected keys / values as one more source position (PyTorch's `add_bias_kv`). */
  biasK?: Tensor | null;
  biasV?: Tensor | null;
  /** Append a zero key and value position after the split into heads (PyTorch's `add_zero_attn`). */
  addZeroAttn?: boolean;
  /** Shape `[N, S]`: bool (true = ignore this key) or float (added). */
  keyPaddingMask?: Tensor | null;
  /** [L, S] or [N·heads, L, S]: bool (true = not allowed) or float (added), PyTorch's MHA convention. */
  attnMask?: Tensor | null;
  needWeights?: boolean;
  averageAttnWeights?: boolean;
  dropoutP?: number;
  training?: boolean;
  rng?: Rng;
}

/**
 * PyTorch's multi_head_attention_forward, sequence-first. query [L, N, E], key/value [S, N, E];
 * in_proj_weight [3E, E] = [W_q; W_k; W_v]. Scores q kᵀ/√(E/heads) per head, masks, softmax, dropout,
 * weighted sum of v, out projection. Returns [output [L, N, E], weights] where weights are
 * [N, L, S] (averaged over heads) or [N, heads, L, S], or null when `needWeights` is false.
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  o: MultiHeadAttentionOptions,
): [Tensor, Tensor | null] {
  const [L, N, E] = query.shape as [number, number, number];
  const S = key.shape[0]!;
  const H = o.numHeads;
  const hd = E / H;
  let wq: Tensor;
  let wk: Tensor;
  let wv: Tensor;
  if (o.inProjWeight) [wq, wk, wv] = o.inProjWeight.chunk(3, 0) as [Tensor, Tensor, Tensor];
  else if (o.qProjWeight && o.kProjWeight && o.vProjWeight) [wq, wk, wv] = [o.qProjWeight, o.kProjWeight, o.vProjWeight];
  else throw new ValueError('multiHeadAttentionForward: give inProjWeight, or all of qProjWeight, kProjWeight and vProjWeight');
  const kdim = wk.shape[1]!;
  const vdim = wv.shape[1]!;
  if (
    query.ndim !== 3 ||
    key.ndim !== 3 ||
    value.ndim !== 3 ||
    key.shape[1] !== N ||
    value.shape[1] !== N ||
    value.shape[0] !== S ||
    key.shape[2] !== kdim ||
    value.shape[2] !== vdim
  )
    throw new ShapeError(
      `multiHeadAttentionForward: expected query [L, N, ${E}], key [S, N, ${kdim}] and value [S, N, ${vdim}], got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`,
    );
  if (!Number.isInteger(hd)) throw new ValueError(`multiHeadAttentionForward: embed dim ${E} is not divisible by numHeads ${H}`);
  const [bq, bk, bv] = o.inProjBias ? (o.inProjBias.chunk(3, 0) as [Tensor, Tensor, Tensor]) : [null, null, null];
  const heads = (t: Tensor, len: number) => t.reshape(len, N * H, hd).transpose(0, 1); // [N·H, len, hd]
  const q = heads(linear(query, wq, bq), L).mul(1 / Math.sqrt(hd));
  let kp = linear(key, wk, bk); // [S, N, E]
  let vp = linear(value, wv, bv);
  let attnMask = o.attnMask ?? null;
  let keyPaddingMask = o.keyPaddingMask ?? null;
  if (attnMask) {
    const m = attnMask;
    const ok =
      (m.ndim === 2 && m.shape[0] === L && m.shape[1] === S) ||
      (m.ndim === 3 && m.shape[0] === N * H && m.shape[1] === L && m.shape[2] === S);
    if (!ok)
      throw new ShapeError(`multiHeadAttentionForward: attnMask must be [${L}, ${S}] or [${N * H}, ${L}, ${S}], got ${fmtShape(m.shape)}`);
  }
  if (keyPaddingMask) {
    const m = keyPaddingMask;
    if (m.ndim !== 2 || m.shape[0] !== N || m.shape[1] !== S)
      throw new ShapeError(
        `multiHeadAttentionForward: keyPaddingMask must be [${N}, ${S}] (batch, source length), got ${fmtShape(m.shape)}`,
      );
  }
  // one more source position, unmasked: the masks get a zero (false) column
  const extendMasks = () => {
    if (attnMask) attnMask = attnMask.pad([0, 1], 0);
    if (keyPaddingMask) keyPaddingMask = keyPaddingMask.pad([0, 1], 0);
  };
  let src = S;
  if (o.biasK || o.biasV) {
    if (!o.biasK || !o.biasV) throw new ValueError('multiHeadAttentionForward: give both biasK and biasV, or neither');
    kp = cat([kp, o.biasK.expand(1, N, E)], 0);
    vp = cat([vp, o.biasV.expand(1, N, E)], 0);
    extendMasks();
    src++;
  }
  let k = heads(kp, src);
  let v = heads(vp, src);
  if (o.addZeroAttn) {
    k = cat([k, k.newZeros([N * H, 1, hd])], 1);
    v = cat([v, v.newZeros([N * H, 1, hd])], 1);
    extendMasks();
    src++;
  }
  const Sx = src;
  let scores = q.matmul(k.transpose(1, 2)); // [N·H, L, Sx]
  if (attnMask) {
    const m = attnMask as Tensor;
    scores = m.dtype === 'bool' ? scores.maskedFill(m, -Infinity) : scores.add(m);
  }
  if (keyPaddingMask) {
    const m = keyPaddingMask as Tensor;
    const S = Sx;
    const s4 = scores.reshape(N, H, L, S);
    const mm = m.reshape(N, 1, 1, S);
    scores = (m.dtype === 'bool' ? s4.maskedFill(mm, -Infinity) : s4.add(mm)).reshape(N * H, L, S);
  }
  let w = scores.softmax(-1);
  if ((o.dropoutP ?? 0) > 0 && (o.training ?? true)) w = dropout(w, o.dropoutP, true, o.rng ?? defaultRng());
  const ctx = w.matmul(v).transpose(0, 1).reshape(L, N, E);
  const out = linear(ctx, o.outProjWeight, o.outProjBias ?? null);
  if (!(o.needWeights ?? true)) return [out, null];
  const w4 = w.reshape(N, H, L, Sx);
  return [out, (o.averageAttnWeights ?? true) ? w4.mean(1) : w4];
}

/**
 * Group normalisation (Wu & He 2018): channels split into `numGroups` groups, each normalised over its
 * channels and all spatial positions (biased variance), then a per-channel affine.
 * x: [N, C, *] → same shape; weight, bias: [C].
 */
export function groupNorm(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  if (x.ndim < 2) throw new ShapeError(`groupNorm: expected an input [N, C, *], got ${fmtShape(x.shape)}`);
  const [n, c] = x.shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups)
    throw new ValueError(`groupNorm: the ${c} channels of input ${fmtShape(x.shape)} cannot be split into ${numGroups} groups`);
  const g = x.reshape(n, numGroups, -1);
  const mean = g.mean(2, true);
  const centered = g.sub(mean);
  let y = centered.mul(centered.square().mean(2, true).add(eps).rsqrt()).reshape(x.shape);
  const bshape = x.shape.map((s, i) => (i === 1 ? s : 1));
  if (weight) y = y.mul(weight.reshape(bshape));
  if (bias) y = y.add(bias.reshape(bshape));
  return y;
}
