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

/**
 * The order of every per-channel sum here (the wasm kernels add in the same order, two f64x2
 * accumulators): four partial sums, element i of each inner run going to partial i mod 4, each
 * partial adding its terms in order over the images; the total is (p0 + p1) + (p2 + p3).
 */
class Sum4 {
  p0 = 0;
  p1 = 0;
  p2 = 0;
  p3 = 0;
  total(): number {
    return this.p0 + this.p1 + (this.p2 + this.p3);
  }
}

/** [2·c]: the per-channel mean, then the biased variance Σ(x − mean)²/N (N = n·inner), each rounded once. */
export const batchNormStats: Kernels['batchNormStats'] = (x, n, c, inner, outDType) => {
  const out = allocate(outDType, 2 * c);
  const r = rounder(outDType);
  const N = n * inner;
  const in4 = inner & ~3;
  for (let ch = 0; ch < c; ch++) {
    const s = new Sum4();
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      let i = 0;
      for (; i < in4; i += 4) {
        s.p0 += x[o + i]!;
        s.p1 += x[o + i + 1]!;
        s.p2 += x[o + i + 2]!;
        s.p3 += x[o + i + 3]!;
      }
      if (i < inner) s.p0 += x[o + i]!;
      if (i + 1 < inner) s.p1 += x[o + i + 1]!;
      if (i + 2 < inner) s.p2 += x[o + i + 2]!;
    }
    const mean = r(s.total() / N);
    const q = new Sum4();
    const sq = (v: number) => (v - mean) * (v - mean);
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      let i = 0;
      for (; i < in4; i += 4) {
        q.p0 += sq(x[o + i]!);
        q.p1 += sq(x[o + i + 1]!);
        q.p2 += sq(x[o + i + 2]!);
        q.p3 += sq(x[o + i + 3]!);
      }
      if (i < inner) q.p0 += sq(x[o + i]!);
      if (i + 1 < inner) q.p1 += sq(x[o + i + 1]!);
      if (i + 2 < inner) q.p2 += sq(x[o + i + 2]!);
    }
    out[ch] = mean;
    out[c + ch] = r(q.total() / N);
  }
  return out;
};

/**
 * y = ((x − mean)·invstd)·w + b per channel, invstd = rsqrt(var + eps): one pass, rounded after each
 * operation exactly as `x.sub(mean).mul(var.add(eps).rsqrt()).mul(w).add(b)` rounds, so the bits
 * equal the composed ops for the same mean and var.
 */
export const batchNormForward: Kernels['batchNormForward'] = (x, mean, vari, w, bias, n, c, inner, eps, outDType, relu = false) => {
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
      // relu as the unary kernel computes it (NaN stays NaN, −0 becomes +0)
      if (relu)
        for (let i = o; i < o + inner; i++) {
          const v = y[i]!;
          y[i] = v > 0 ? v : v === v ? 0 : v;
        }
    }
  }
  return y;
};

/** [2·c]: Σ g·x̂ (the weight's gradient), then Σ g (the bias's), x̂ = (x − mean)·invstd, in double. */
export const batchNormGradSums: Kernels['batchNormGradSums'] = (g, x, mean, vari, n, c, inner, eps, outDType) => {
  const out = allocate(outDType, 2 * c);
  const r = rounder(outDType);
  const in4 = inner & ~3;
  for (let ch = 0; ch < c; ch++) {
    const m = mean[ch]!,
      s = invStd(vari[ch]!, eps, r);
    // the order of Sum4 (see batchNormStats), for Σg and Σg·(x − mean) alike
    const sg = new Sum4();
    const sgx = new Sum4();
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      let i = 0;
      for (; i < in4; i += 4) {
        const g0 = g[o + i]!,
          g1 = g[o + i + 1]!,
          g2 = g[o + i + 2]!,
          g3 = g[o + i + 3]!;
        sg.p0 += g0;
        sg.p1 += g1;
        sg.p2 += g2;
        sg.p3 += g3;
        sgx.p0 += g0 * (x[o + i]! - m);
        sgx.p1 += g1 * (x[o + i + 1]! - m);
        sgx.p2 += g2 * (x[o + i + 2]! - m);
        sgx.p3 += g3 * (x[o + i + 3]! - m);
      }
      if (i < inner) {
        sg.p0 += g[o + i]!;
        sgx.p0 += g[o + i]! * (x[o + i]! - m);
      }
      if (i + 1 < inner) {
        sg.p1 += g[o + i + 1]!;
        sgx.p1 += g[o + i + 1]! * (x[o + i + 1]! - m);
      }
      if (i + 2 < inner) {
        sg.p2 += g[o + i + 2]!;
        sgx.p2 += g[o + i + 2]! * (x[o + i + 2]! - m);
      }
    }
    out[ch] = sgx.total() * s;
    out[c + ch] = sg.total();
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
