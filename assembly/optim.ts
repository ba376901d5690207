// Fused optimizer updates on float32 parameters, computed in float32 exactly as the js reference
// (src/optim/functional.ts) computes them — the same IEEE float32 operations in the same order —
// so results are bit-identical to it. Four lanes at a time (f32x4). The reference's multiply-adds
// (PyTorch's `add_(x, alpha=s)` / `addcmul_` compile to an fma) are `fround(x·y + a)` in double:
// here an f64x2 multiply and add on the promoted halves, then demoted back to f32x4 — the same
// double operations, so the same float32 results.

@inline function lo(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
@inline function hi(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)); }
/** Round two f64x2 to f32 and pack them into one f32x4. */
@inline function pack(a: v128, b: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}
/** f32(x·y + a) per lane, the product and sum in f64 (as the reference's `fround(x * y + a)`); x and y
 * come as their promoted halves (loop-invariant splats are promoted once, shared values once). */
@inline function fma4(xl: v128, xh: v128, yl: v128, yh: v128, a: v128): v128 {
  return pack(f64x2.add(f64x2.mul(xl, yl), lo(a)), f64x2.add(f64x2.mul(xh, yh), hi(a)));
}
@inline function fma1(x: f32, y: f32, a: f32): f32 { return <f32>(<f64>x * <f64>y + <f64>a); }

/**
 * Adam / AdamW, one parameter tensor, in place. flags: 1 maximize, 2 decoupled (AdamW),
 * 4 amsgrad (maxv used), 8 weight decay (wd ≠ 0). All scalars are float32 (rounded once by the caller, see adamScalars):
 *   AdamW: p ← p·decay;  Adam: d ← fma(wd, p, d)
 *   m ← fma(c1, d, m·β1);  v ← fma(c2·d, d, v·β2);  amsgrad: v̂ ← max(v̂, v) (NaN wins)
 *   p ← p + (nss·m) / (√v̂ / bc2 + eps)
 */
export function adamF32(n: i32, p: usize, g: usize, m: usize, v: usize, maxv: usize, nss: f32, beta1: f32, c1: f32, beta2: f32, c2: f32,
  bc2: f32, eps: f32, wdOrDecay: f32, flags: i32): void {
  const maximize = (flags & 1) != 0, decoupled = (flags & 2) != 0, ams = (flags & 4) != 0;
  const useWd = (flags & 8) != 0;
  // AdamW takes the decay factor 1 − lr·wd, Adam the weight decay wd (one argument: the worker
  // pool passes at most 15)
  const wd = wdOrDecay, decay = wdOrDecay;
  let i = 0;
  const B1 = f32x4.splat(beta1), B2 = f32x4.splat(beta2), C2 = f32x4.splat(c2);
  const NSS = f32x4.splat(nss), BC = f32x4.splat(bc2), E = f32x4.splat(eps), DC = f32x4.splat(decay);
  const C1D = f64x2.splat(<f64>c1), WDD = f64x2.splat(<f64>wd);
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let pv = v128.load(p + o);
    let d = v128.load(g + o);
    if (maximize) d = f32x4.neg(d);
    if (decoupled) {
      if (useWd) pv = f32x4.mul(pv, DC);
    } else if (useWd) d = fma4(WDD, WDD, lo(pv), hi(pv), d);
    const dl = lo(d), dh = hi(d);
    const m4 = fma4(C1D, C1D, dl, dh, f32x4.mul(v128.load(m + o), B1));
    const c2d = f32x4.mul(C2, d);
    const v4 = fma4(lo(c2d), hi(c2d), dl, dh, f32x4.mul(v128.load(v + o), B2));
    v128.store(m + o, m4);
    v128.store(v + o, v4);
    let vh = v4;
    if (ams) {
      const x = v128.load(maxv + o);
      const take = v128.or(f32x4.gt(v4, x), f32x4.ne(v4, v4));
      vh = v128.bitselect(v4, x, take);
      v128.store(maxv + o, vh);
    }
    const den = f32x4.add(f32x4.div(f32x4.sqrt(vh), BC), E);
    v128.store(p + o, f32x4.add(pv, f32x4.div(f32x4.mul(NSS, m4), den)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maximize) d = -d;
    if (decoupled) {
      if (useWd) pi = pi * decay;
    } else if (useWd) d = fma1(wd, pi, d);
    const mi = fma1(c1, d, load<f32>(m + o) * beta1);
    const vi = fma1(c2 * d, d, load<f32>(v + o) * beta2);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let vh = vi;
    if (ams) {
      const x = load<f32>(maxv + o);
      if (vi > x || vi != vi) store<f32>(maxv + o, vi);
      vh = load<f32>(maxv + o);
    }
    const den = Mathf.sqrt(vh) / bc2 + eps;
    store<f32>(p + o, pi + (nss * mi) / den);
  }
}

/**
 * SGD, one parameter tensor, in place. flags: 1 maximize, 2 nesterov, 4 first step (buffer = d),
 * 8 momentum buffer present, 16 weight decay (wd ≠ 0). Scalars float32 (see sgdScalars):
 *   d ← fma(wd, p, d);  buf ← d at the first step, else fma(1−τ, d, buf·μ);
 *   d ← nesterov ? fma(μ, buf, d) : buf;  p ← fma(−lr, d, p)
 */
export function sgdF32(n: i32, p: usize, g: usize, buf: usize, nlr: f32, mu: f32, damp: f32, wd: f32, flags: i32): void {
  const maximize = (flags & 1) != 0, nesterov = (flags & 2) != 0, first = (flags & 4) != 0, hasBuf = (flags & 8) != 0;
  const useWd = (flags & 16) != 0;
  const MU = f32x4.splat(mu);
  // the constants of the multiply-adds, promoted once
  const NLRD = f64x2.splat(<f64>nlr), MUD = f64x2.splat(<f64>mu), DAMPD = f64x2.splat(<f64>damp), WDD = f64x2.splat(<f64>wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    let d = v128.load(g + o);
    if (maximize) d = f32x4.neg(d);
    if (useWd) d = fma4(WDD, WDD, lo(pv), hi(pv), d);
    if (hasBuf) {
      const b = first ? d : fma4(DAMPD, DAMPD, lo(d), hi(d), f32x4.mul(v128.load(buf + o), MU));
      v128.store(buf + o, b);
      d = nesterov ? fma4(MUD, MUD, lo(b), hi(b), d) : b;
    }
    v128.store(p + o, fma4(NLRD, NLRD, lo(d), hi(d), pv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maximize) d = -d;
    if (useWd) d = fma1(wd, pi, d);
    if (hasBuf) {
      const b = first ? d : fma1(damp, d, load<f32>(buf + o) * mu);
      store<f32>(buf + o, b);
      d = nesterov ? fma1(mu, b, d) : b;
    }
    store<f32>(p + o, fma1(nlr, d, pi));
  }
}
