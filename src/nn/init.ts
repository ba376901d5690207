/**
 * nn.init: fill tensors in place with PyTorch's initialisation schemes (`torch.nn.init`), drawing from
 * an explicit `Rng` (default: the global one, see `manualSeed`). Every function runs without recording
 * a graph, so it works on parameters that require grad, and returns the tensor.
 *
 * Fans follow PyTorch: for a weight [out, in, *k], fanIn = in·∏k and fanOut = out·∏k.
 * @module
 */
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { defaultRng, type Rng } from '../core/rng.js';
import { noGrad } from '../autograd/mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptionKeys } from '../core/options.js';

/** Nonlinearity names of `calculateGain` (PyTorch's spelling, e.g. `'leaky_relu'`). */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** Which fan `kaimingUniform_`/`kaimingNormal_` preserve the variance of: `'fan_in'` (forward pass, the default) or `'fan_out'` (backward pass). */
export type FanMode = 'fan_in' | 'fan_out';

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): 1 for linear/conv/sigmoid,
 * 5/3 for tanh, √2 for relu, √(2/(1+slope²)) for leaky_relu (slope default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope))
        throw new ValueError(`calculateGain: negative_slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/** fanIn and fanOut of a weight tensor (≥ 2-D). */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2)
    throw new ShapeError(
      `init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got ${fmtShape(t.shape)}`,
    );
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i]!;
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

function fan(t: Tensor, mode: FanMode): number {
  if (mode !== 'fan_in' && mode !== 'fan_out')
    throw new ValueError(`init: mode ${String(mode)} not supported, please use one of 'fan_in', 'fan_out'`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return mode === 'fan_in' ? fanIn : fanOut;
}

function fill(t: Tensor, gen: () => number): Tensor {
  noGrad(() => {
    const c = t.contiguous();
    for (let i = 0; i < c.numel(); i++) c.storage[c.offset + i] = gen();
    if (c !== t) t.copy_(c);
  });
  return t;
}

/** U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, rng: Rng = defaultRng()): Tensor {
  if (!(b >= a)) throw new ValueError(`init.uniform_: expected a <= b, got a=${a}, b=${b}`);
  return fill(t, () => rng.uniformRange(a, b));
}

/** N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, rng: Rng = defaultRng()): Tensor {
  if (!(std >= 0)) throw new ValueError(`init.normal_: std must be non-negative, got ${std}`);
  return fill(t, () => mean + std * rng.normal());
}

/**
 * N(mean, std²) truncated to [a, b] (PyTorch's `trunc_normal_`; redraws values outside the interval).
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, rng: Rng = defaultRng()): Tensor {
  if (!(b > a)) throw new ValueError(`init.truncNormal_: expected a < b, got a=${a}, b=${b}`);
  return fill(t, () => {
    for (let k = 0; k < 1000; k++) {
      const v = mean + std * rng.normal();
      if (v >= a && v <= b) return v;
    }
    return Math.min(Math.max(mean, a), b);
  });
}

/** Fill with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  return fill(t, () => value);
}

/** Fill with 0 (PyTorch's `zeros_`). */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fill with 1 (PyTorch's `ones_`). */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** The identity matrix in a 2-D tensor (PyTorch's `eye_`). */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new ShapeError(`init.eye_: only 2-D tensors are supported, got ${fmtShape(t.shape)}`);
  const cols = t.shape[1]!;
  let i = 0;
  return fill(t, () => {
    const r = Math.floor(i / cols);
    const c = i++ % cols;
    return r === c ? 1 : 0;
  });
}

/** Glorot uniform: U(−b, b), b = gain·√(6/(fanIn+fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1, rng: Rng = defaultRng()): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, rng);
}

/** Glorot normal: N(0, s²), s = gain·√(2/(fanIn+fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, rng: Rng = defaultRng()): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), rng);
}

/** Options of `kaimingUniform_`/`kaimingNormal_`; unknown keys throw a `ValueError`. */
export interface KaimingOptions {
  /** Negative slope of the following leaky_relu (also used by PyTorch's default Linear init: a = √5). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  rng?: Rng;
}

/** He uniform: U(−b, b), b = gain·√(3/fan), gain = calculateGain(nonlinearity, a). */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkOptionKeys('kaimingUniform_', opts, { a: true, mode: true, nonlinearity: true, rng: true });
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  const bound = gain * Math.sqrt(3 / fan(t, opts.mode ?? 'fan_in'));
  return uniform_(t, -bound, bound, opts.rng ?? defaultRng());
}

/** He normal: N(0, s²), s = gain/√fan. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkOptionKeys('kaimingNormal_', opts, { a: true, mode: true, nonlinearity: true, rng: true });
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(fan(t, opts.mode ?? 'fan_in')), opts.rng ?? defaultRng());
}

/**
 * A (semi-)orthogonal matrix, scaled by `gain` (Saxe et al. 2013): the tensor is viewed as
 * [shape[0], rest]; a Gaussian matrix is QR-factorised (Householder, float64) and Q's columns are
 * sign-corrected by diag(R), so the result is uniformly (Haar) distributed.
 */
export function orthogonal_(t: Tensor, gain = 1, rng: Rng = defaultRng()): Tensor {
  if (t.ndim < 2) throw new ShapeError(`init.orthogonal_: only tensors with 2 or more dimensions are supported, got ${fmtShape(t.shape)}`);
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  // Work on A [m, n] with m >= n (transpose when rows < cols).
  const transpose = rows < cols;
  const m = transpose ? cols : rows;
  const n = transpose ? rows : cols;
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  // Householder QR: A = Q R; accumulate Q [m, n] explicitly.
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = r[k * n + k]!;
    const alpha = x0 >= 0 ? -norm : norm;
    const v = new Float64Array(m);
    for (let i = k; i < m; i++) v[i] = r[i * n + k]!;
    v[k] = x0 - alpha;
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i]! ** 2;
    vs.push(v);
    if (vn === 0) continue;
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * r[i * n + j]!;
      const f = (2 * dot) / vn;
      for (let i = k; i < m; i++) r[i * n + j] = r[i * n + j]! - f * v[i]!;
    }
  }
  // Q = H_0 H_1 … H_{n-1} applied to the first n columns of I.
  const q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i]! ** 2;
    if (vn === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * q[i * n + j]!;
      const f = (2 * dot) / vn;
      for (let i = k; i < m; i++) q[i * n + j] = q[i * n + j]! - f * v[i]!;
    }
  }
  // sign correction by diag(R)
  for (let j = 0; j < n; j++) {
    const s = r[j * n + j]! < 0 ? -1 : 1;
    if (s < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j]!;
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (transpose ? q[j * n + i]! : q[i * n + j]!);
  let idx = 0;
  return fill(t, () => out[idx++]!);
}
