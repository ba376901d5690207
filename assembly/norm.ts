// Fused batch-norm kernels, float32, over contiguous x [n, c, inner] (channel dim 1), channels
// [c0, c1) only: the worker pool splits a call by channels, and every channel's results depend on
// that channel alone, so any split gives the same bits. Each kernel does exactly the arithmetic of the
// js specification (src/backend/js/norm.ts) in the same order — sums in f64 in four partials (below);
// the elementwise parts in f32x4 or f64x2, whose lanes round as the js steps do — so the results are
// bit-identical to the js kernels.

/** 1/√(var + eps) in f32, as the composed `var.add(eps).rsqrt()`. */
@inline function invStd(v: f32, eps: f64): f32 {
  return <f32>(1.0 / Math.sqrt(<f64>(v + <f32>eps)));
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// Sums use the js specification's order (Sum4 in src/backend/js/norm.ts): four partials, element i
// of each inner run to partial i mod 4, held as two f64x2 accumulators lo = (p0, p1), hi = (p2, p3);
// the total is (p0 + p1) + (p2 + p3).

/** Four f32 at p, widened: (x0, x1) and (x2, x3) as f64x2. */
@inline function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
@inline function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}
@inline function total(lo: v128, hi: v128): f64 {
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) + (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
}
/**
 * The last k (0..3) floats of a run at p as four f32 lanes, zero beyond k: adding a zero term leaves
 * a partial's bits unchanged (a partial starts at +0 and is never −0), so the tail adds as a vector.
 */
@inline function tail(p: usize, k: i32): v128 {
  let v = f32x4.splat(0);
  if (k > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (k > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (k > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** out[ch] = mean, out[c + ch] = biased variance of channel ch, for ch in [c0, c1). */
export function batchNormStatsF32(x: usize, n: i32, c: i32, inner: i32, out: usize, c0: i32, c1: i32): void {
  const N = <f64>n * <f64>inner;
  const in4 = inner & ~3;
  for (let ch = c0; ch < c1; ch++) {
    let sl = f64x2.splat(0), sh = f64x2.splat(0);
    for (let b = 0; b < n; b++) {
      const p = at(x, (b * c + ch) * inner);
      let i = 0;
      for (; i < in4; i += 4) {
        const v = v128.load(at(p, i));
        sl = f64x2.add(sl, lo64(v));
        sh = f64x2.add(sh, hi64(v));
      }
      if (i < inner) {
        const v = tail(at(p, i), inner - i);
        sl = f64x2.add(sl, lo64(v));
        sh = f64x2.add(sh, hi64(v));
      }
    }
    const mean = <f32>(total(sl, sh) / N);
    const m = <f64>mean;
    const M = f64x2.splat(m);
    let ql = f64x2.splat(0), qh = f64x2.splat(0);
    for (let b = 0; b < n; b++) {
      const p = at(x, (b * c + ch) * inner);
      let i = 0;
      for (; i < in4; i += 4) {
        const v = v128.load(at(p, i));
        const dl = f64x2.sub(lo64(v), M), dh = f64x2.sub(hi64(v), M);
        ql = f64x2.add(ql, f64x2.mul(dl, dl));
        qh = f64x2.add(qh, f64x2.mul(dh, dh));
      }
      if (i < inner) {
        // missing lanes: d = 0 − m would not be zero, so square only the present ones
        const k = inner - i;
        const v = tail(at(p, i), k);
        let dl = f64x2.sub(lo64(v), M), dh = f64x2.sub(hi64(v), M);
        dl = f64x2.mul(dl, dl);
        dh = f64x2.mul(dh, dh);
        if (k < 2) dl = f64x2.replace_lane(dl, 1, 0);
        dh = f64x2.replace_lane(dh, 1, 0);
        if (k < 3) dh = f64x2.replace_lane(dh, 0, 0);
        ql = f64x2.add(ql, dl);
        qh = f64x2.add(qh, dh);
      }
    }
    store<f32>(at(out, ch), mean);
    store<f32>(at(out, c + ch), <f32>(total(ql, qh) / N));
  }
}

/** y = ((x − mean)·invstd)·w + b, each step rounded to f32. */
/** relu = 1: relu(y) in the same pass, as the unary relu computes it (f32x4.max with +0; scalar: NaN kept, −0 → +0). */
export function batchNormForwardF32(x: usize, mean: usize, vari: usize, w: usize, bias: usize, n: i32, c: i32, inner: i32, eps: f64,
  relu: i32, y: usize, c0: i32, c1: i32): void {
  if (relu != 0) batchNormForwardBody(x, mean, vari, w, bias, n, c, inner, eps, y, c0, c1, true);
  else batchNormForwardBody(x, mean, vari, w, bias, n, c, inner, eps, y, c0, c1, false);
}

@inline function batchNormForwardBody(x: usize, mean: usize, vari: usize, w: usize, bias: usize, n: i32, c: i32, inner: i32, eps: f64,
  y: usize, c0: i32, c1: i32, relu: bool): void {
  const Z = f32x4.splat(0);
  for (let ch = c0; ch < c1; ch++) {
    const m = load<f32>(at(mean, ch)), s = invStd(load<f32>(at(vari, ch)), eps), wc = load<f32>(at(w, ch)), bc = load<f32>(at(bias, ch));
    const M = f32x4.splat(m), S = f32x4.splat(s), W = f32x4.splat(wc), B = f32x4.splat(bc);
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      const px = at(x, o), py = at(y, o);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const v = v128.load(at(px, i));
        const r = f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(v, M), S), W), B);
        v128.store(at(py, i), relu ? f32x4.max(r, Z) : r);
      }
      for (; i < inner; i++) {
        const r = (load<f32>(at(px, i)) - m) * s * wc + bc;
        store<f32>(at(py, i), relu ? (r > 0 ? r : (r == r ? <f32>0 : r)) : r);
      }
    }
  }
}

/** out[ch] = Σ g·(x − mean)·invstd (weight gradient), out[c + ch] = Σ g (bias gradient), in f64. */
export function batchNormGradSumsF32(g: usize, x: usize, mean: usize, vari: usize, n: i32, c: i32, inner: i32, eps: f64,
  out: usize, c0: i32, c1: i32): void {
  const in4 = inner & ~3;
  for (let ch = c0; ch < c1; ch++) {
    const m = <f64>load<f32>(at(mean, ch)), s = <f64>invStd(load<f32>(at(vari, ch)), eps);
    const M = f64x2.splat(m);
    let gl = f64x2.splat(0), gh = f64x2.splat(0), xl = f64x2.splat(0), xh = f64x2.splat(0);
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      const pg = at(g, o), px = at(x, o);
      let i = 0;
      for (; i < in4; i += 4) {
        const vg = v128.load(at(pg, i)), vx = v128.load(at(px, i));
        const g0 = lo64(vg), g1 = hi64(vg);
        gl = f64x2.add(gl, g0);
        gh = f64x2.add(gh, g1);
        xl = f64x2.add(xl, f64x2.mul(g0, f64x2.sub(lo64(vx), M)));
        xh = f64x2.add(xh, f64x2.mul(g1, f64x2.sub(hi64(vx), M)));
      }
      if (i < inner) {
        // missing lanes: g = 0, so both terms are zero (g·(x − m) = 0·(0 − m) = ±0; +0 + ±0 = +0 when the partial is +0, else the partial)
        const k = inner - i;
        const vg = tail(at(pg, i), k), vx = tail(at(px, i), k);
        const g0 = lo64(vg), g1 = hi64(vg);
        gl = f64x2.add(gl, g0);
        gh = f64x2.add(gh, g1);
        xl = f64x2.add(xl, f64x2.mul(g0, f64x2.sub(lo64(vx), M)));
        xh = f64x2.add(xh, f64x2.mul(g1, f64x2.sub(hi64(vx), M)));
      }
    }
    store<f32>(at(out, ch), <f32>(total(xl, xh) * s));
    store<f32>(at(out, c + ch), <f32>total(gl, gh));
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
    const K = f64x2.splat(k), MG = f64x2.splat(mg), M = f64x2.splat(m), SD = f64x2.splat(sd), MGX = f64x2.splat(mgx);
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      const pg = at(g, o), px = at(x, o), pd = at(dx, o);
      let i = 0;
      // two lanes of f64 at a time: the same operations per element, so the same bits
      for (; i + 4 <= inner; i += 4) {
        const vg = v128.load(at(pg, i)), vx = v128.load(at(px, i));
        const rl = f64x2.mul(K, f64x2.sub(f64x2.sub(lo64(vg), MG), f64x2.mul(f64x2.mul(f64x2.sub(lo64(vx), M), SD), MGX)));
        const rh = f64x2.mul(K, f64x2.sub(f64x2.sub(hi64(vg), MG), f64x2.mul(f64x2.mul(f64x2.sub(hi64(vx), M), SD), MGX)));
        v128.store(at(pd, i), i32x4.shuffle(f32x4.demote_f64x2_zero(rl), f32x4.demote_f64x2_zero(rh), 0, 1, 4, 5));
      }
      for (; i < inner; i++) {
        store<f32>(at(pd, i), <f32>(k * (<f64>load<f32>(at(pg, i)) - mg - (<f64>load<f32>(at(px, i)) - m) * sd * mgx)));
      }
    }
  }
}
