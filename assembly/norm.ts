// Fused batch-norm kernels, float32, over contiguous x [n, c, inner] (channel dim 1), channels
// [c0, c1) only: the worker pool splits a call by channels, and every channel's results depend on
// that channel alone, so any split gives the same bits. Each kernel does exactly the arithmetic of the
// js specification (src/backend/js/norm.ts) in the same order — sums in f64, one element after
// another; the elementwise parts in f32x4, whose lanes round as the js Math.fround steps do — so the
// results are bit-identical to the js kernels.

/** 1/√(var + eps) in f32, as the composed `var.add(eps).rsqrt()`. */
@inline function invStd(v: f32, eps: f64): f32 {
  return <f32>(1.0 / Math.sqrt(<f64>(v + <f32>eps)));
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** out[ch] = mean, out[c + ch] = biased variance of channel ch, for ch in [c0, c1). */
export function batchNormStatsF32(x: usize, n: i32, c: i32, inner: i32, out: usize, c0: i32, c1: i32): void {
  const N = <f64>n * <f64>inner;
  for (let ch = c0; ch < c1; ch++) {
    let s: f64 = 0;
    for (let b = 0; b < n; b++) {
      const p = at(x, (b * c + ch) * inner);
      for (let i = 0; i < inner; i++) s += <f64>load<f32>(at(p, i));
    }
    const mean = <f32>(s / N);
    const m = <f64>mean;
    let q: f64 = 0;
    for (let b = 0; b < n; b++) {
      const p = at(x, (b * c + ch) * inner);
      for (let i = 0; i < inner; i++) {
        const d = <f64>load<f32>(at(p, i)) - m;
        q += d * d;
      }
    }
    store<f32>(at(out, ch), mean);
    store<f32>(at(out, c + ch), <f32>(q / N));
  }
}

/** y = ((x − mean)·invstd)·w + b, each step rounded to f32. */
export function batchNormForwardF32(x: usize, mean: usize, vari: usize, w: usize, bias: usize, n: i32, c: i32, inner: i32, eps: f64,
  y: usize, c0: i32, c1: i32): void {
  for (let ch = c0; ch < c1; ch++) {
    const m = load<f32>(at(mean, ch)), s = invStd(load<f32>(at(vari, ch)), eps), wc = load<f32>(at(w, ch)), bc = load<f32>(at(bias, ch));
    const M = f32x4.splat(m), S = f32x4.splat(s), W = f32x4.splat(wc), B = f32x4.splat(bc);
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      const px = at(x, o), py = at(y, o);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const v = v128.load(at(px, i));
        v128.store(at(py, i), f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(v, M), S), W), B));
      }
      for (; i < inner; i++) store<f32>(at(py, i), (load<f32>(at(px, i)) - m) * s * wc + bc);
    }
  }
}

/** out[ch] = Σ g·(x − mean)·invstd (weight gradient), out[c + ch] = Σ g (bias gradient), in f64. */
export function batchNormGradSumsF32(g: usize, x: usize, mean: usize, vari: usize, n: i32, c: i32, inner: i32, eps: f64,
  out: usize, c0: i32, c1: i32): void {
  for (let ch = c0; ch < c1; ch++) {
    const m = <f64>load<f32>(at(mean, ch)), s = <f64>invStd(load<f32>(at(vari, ch)), eps);
    let sg: f64 = 0, sgx: f64 = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      const pg = at(g, o), px = at(x, o);
      for (let i = 0; i < inner; i++) {
        const gi = <f64>load<f32>(at(pg, i));
        sg += gi;
        sgx += gi * (<f64>load<f32>(at(px, i)) - m);
      }
    }
    store<f32>(at(out, ch), <f32>(sgx * s));
    store<f32>(at(out, c + ch), <f32>sg);
  }
}

/**
 * dx. With sums (≠ 0: batchNormGradSumsF32's output; training) dx = w·invstd·(g − Σg/N − x̂·Σg·x̂/N)
 * in f64, rounded once; without (eval) dx = (g·w)·invstd in f32.
 */
export function batchNormGradInputF32(g: usize, x: usize, mean: usize, vari: usize, w: usize, sums: usize, n: i32, c: i32, inner: i32,
  eps: f64, dx: usize, c0: i32, c1: i32): void {
  const N = <f64>n * <f64>inner;
  for (let ch = c0; ch < c1; ch++) {
    const s = invStd(load<f32>(at(vari, ch)), eps), wc = load<f32>(at(w, ch));
    if (sums == 0) {
      const S = f32x4.splat(s), W = f32x4.splat(wc);
      for (let b = 0; b < n; b++) {
        const o = (b * c + ch) * inner;
        const pg = at(g, o), pd = at(dx, o);
        let i = 0;
        for (; i + 4 <= inner; i += 4) v128.store(at(pd, i), f32x4.mul(f32x4.mul(v128.load(at(pg, i)), W), S));
        for (; i < inner; i++) store<f32>(at(pd, i), load<f32>(at(pg, i)) * wc * s);
      }
      continue;
    }
    const m = <f64>load<f32>(at(mean, ch)), sd = <f64>s;
    const k = <f64>wc * sd, mg = <f64>load<f32>(at(sums, c + ch)) / N, mgx = <f64>load<f32>(at(sums, ch)) / N;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      const pg = at(g, o), px = at(x, o), pd = at(dx, o);
      for (let i = 0; i < inner; i++) {
        store<f32>(at(pd, i), <f32>(k * (<f64>load<f32>(at(pg, i)) - mg - (<f64>load<f32>(at(px, i)) - m) * sd * mgx)));
      }
    }
  }
}
