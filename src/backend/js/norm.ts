/**
 * Fused batch-norm kernels over contiguous x [n, c, inner] (channel dim 1; inner = the product of the
 * dims after it, 1 for [N, C]). Each channel's statistics and sums run over its n·inner elements,
 * accumulated in double precision. `round` is Math.fround for float32 outputs and the identity for
 * float64, so the elementwise formulas round where the composed ops would (see each kernel).
 */
import { allocate, type DType } from '../../core/dtype.js';
import type { Kernels } from '../types.js';

const same = (v: number) => v;
const rounder = (dt: DType) => (dt === 'float32' ? Math.fround : same);

/** 1/√(var + eps), rounded as `var.add(eps).rsqrt()` rounds it (eps is first a scalar of the dtype). */
function invStd(v: number, eps: number, r: (v: number) => number): number {
  return r(1 / Math.sqrt(r(v + r(eps))));
}

/** [2·c]: the per-channel mean, then the biased variance Σ(x − mean)²/N (N = n·inner), each rounded once. */
export const batchNormStats: Kernels['batchNormStats'] = (x, n, c, inner, outDType) => {
  const out = allocate(outDType, 2 * c);
  const r = rounder(outDType);
  const N = n * inner;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) s += x[o + i]!;
    }
    const mean = r(s / N);
    let q = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) {
        const d = x[o + i]! - mean;
        q += d * d;
      }
    }
    out[ch] = mean;
    out[c + ch] = r(q / N);
  }
  return out;
};

/**
 * y = ((x − mean)·invstd)·w + b per channel, invstd = rsqrt(var + eps): one pass, rounded after each
 * operation exactly as `x.sub(mean).mul(var.add(eps).rsqrt()).mul(w).add(b)` rounds, so the bits
 * equal the composed ops for the same mean and var.
 */
export const batchNormForward: Kernels['batchNormForward'] = (x, mean, vari, w, bias, n, c, inner, eps, outDType) => {
  const y = allocate(outDType, x.length);
  const r = rounder(outDType);
  const f32 = outDType === 'float32';
  for (let ch = 0; ch < c; ch++) {
    const m = mean[ch]!,
      s = invStd(vari[ch]!, eps, r),
      wc = w[ch]!,
      bc = bias[ch]!;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      // two loops, so each stays monomorphic (Math.fround inlined); the store rounds the last add
      if (f32) for (let i = 0; i < inner; i++) y[o + i] = Math.fround(Math.fround(Math.fround(x[o + i]! - m) * s) * wc) + bc;
      else for (let i = 0; i < inner; i++) y[o + i] = (x[o + i]! - m) * s * wc + bc;
    }
  }
  return y;
};

/** [2·c]: Σ g·x̂ (the weight's gradient), then Σ g (the bias's), x̂ = (x − mean)·invstd, in double. */
export const batchNormGradSums: Kernels['batchNormGradSums'] = (g, x, mean, vari, n, c, inner, eps, outDType) => {
  const out = allocate(outDType, 2 * c);
  const r = rounder(outDType);
  for (let ch = 0; ch < c; ch++) {
    const m = mean[ch]!,
      s = invStd(vari[ch]!, eps, r);
    let sg = 0;
    let sgx = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) {
        const gi = g[o + i]!;
        sg += gi;
        sgx += gi * (x[o + i]! - m);
      }
    }
    out[ch] = sgx * s;
    out[c + ch] = sg;
  }
  return out;
};

/**
 * dx. Training (`sums` = batchNormGradSums, the statistics are x's own):
 * dx = w·invstd·(g − Σg/N − x̂·Σg·x̂/N), in double, rounded once. Eval (`sums` null, the statistics
 * are constants): dx = (g·w)·invstd, rounded as the composed ops' gradient rounds it.
 */
export const batchNormGradInput: Kernels['batchNormGradInput'] = (g, x, mean, vari, w, sums, n, c, inner, eps, outDType) => {
  const dx = allocate(outDType, x.length);
  const r = rounder(outDType);
  const N = n * inner;
  for (let ch = 0; ch < c; ch++) {
    const m = mean[ch]!,
      s = invStd(vari[ch]!, eps, r),
      wc = w[ch]!;
    if (sums === null) {
      for (let b = 0; b < n; b++) {
        const o = (b * c + ch) * inner;
        // the store rounds the product (float32)
        for (let i = 0; i < inner; i++) dx[o + i] = r(g[o + i]! * wc) * s;
      }
      continue;
    }
    const k = wc * s,
      mg = sums[c + ch]! / N,
      mgx = sums[ch]! / N;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) dx[o + i] = k * (g[o + i]! - mg - (x[o + i]! - m) * s * mgx);
    }
  }
  return dx;
};
