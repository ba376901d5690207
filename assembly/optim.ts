// Fused optimizer updates on float32 parameters, computed in f64 exactly as the js reference
// (src/optim/functional.ts) computes them — the same IEEE operations in the same order, rounded to
// f32 at the same points — so results are bit-identical to it. Two lanes at a time (f64x2).

@inline function lo(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
@inline function hi(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)); }
/** Round two f64x2 to f32 and pack them into one f32x4. */
@inline function pack(a: v128, b: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/**
 * Adam / AdamW, one parameter tensor, in place. flags: 1 maximize, 2 decoupled (AdamW),
 * 4 amsgrad (maxv used). d = ±g (+ wd·p unless decoupled; p ← p·decay first if decoupled);
 * m ← β1 m + (1−β1) d; v ← β2 v + (1−β2) d²; v̂ = max(v̂, v) with amsgrad;
 * p ← p − stepSize · m / (√v̂ / bc2Sqrt + eps).
 */
export function adamF32(n: i32, p: usize, g: usize, m: usize, v: usize, maxv: usize, stepSize: f64, beta1: f64, beta2: f64,
  bc2Sqrt: f64, eps: f64, weightDecay: f64, decay: f64, flags: i32): void {
  const maximize = (flags & 1) != 0, decoupled = (flags & 2) != 0, ams = (flags & 4) != 0;
  const c1 = 1 - beta1, c2 = 1 - beta2;
  let i = 0;
  if (!ams) {
    const B1 = f64x2.splat(beta1), B2 = f64x2.splat(beta2), C1 = f64x2.splat(c1), C2 = f64x2.splat(c2);
    const S = f64x2.splat(stepSize), BC = f64x2.splat(bc2Sqrt), E = f64x2.splat(eps), WD = f64x2.splat(weightDecay), DC = f64x2.splat(decay);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const pv = v128.load(p + o), gv = v128.load(g + o), mv = v128.load(m + o), vv = v128.load(v + o);
      let p0 = lo(pv), p1 = hi(pv);
      let d0 = lo(gv), d1 = hi(gv);
      if (maximize) { d0 = f64x2.neg(d0); d1 = f64x2.neg(d1); }
      if (decoupled) {
        if (weightDecay != 0) {
          // p is stored (rounded to f32) after the decay, then read back
          const pd = pack(f64x2.mul(p0, DC), f64x2.mul(p1, DC));
          p0 = lo(pd); p1 = hi(pd);
        }
      } else if (weightDecay != 0) {
        d0 = f64x2.add(d0, f64x2.mul(WD, p0)); d1 = f64x2.add(d1, f64x2.mul(WD, p1));
      }
      const m4 = pack(
        f64x2.add(f64x2.mul(B1, lo(mv)), f64x2.mul(C1, d0)),
        f64x2.add(f64x2.mul(B1, hi(mv)), f64x2.mul(C1, d1)));
      const v4 = pack(
        f64x2.add(f64x2.mul(B2, lo(vv)), f64x2.mul(f64x2.mul(C2, d0), d0)),
        f64x2.add(f64x2.mul(B2, hi(vv)), f64x2.mul(f64x2.mul(C2, d1), d1)));
      v128.store(m + o, m4);
      v128.store(v + o, v4);
      const den0 = f64x2.add(f64x2.div(f64x2.sqrt(lo(v4)), BC), E);
      const den1 = f64x2.add(f64x2.div(f64x2.sqrt(hi(v4)), BC), E);
      v128.store(p + o, pack(
        f64x2.sub(p0, f64x2.div(f64x2.mul(S, lo(m4)), den0)),
        f64x2.sub(p1, f64x2.div(f64x2.mul(S, hi(m4)), den1))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let pi = <f64>load<f32>(p + o);
    let d = <f64>load<f32>(g + o);
    if (maximize) d = -d;
    if (decoupled) {
      if (weightDecay != 0) { pi = <f64><f32>(pi * decay); }
    } else if (weightDecay != 0) d += weightDecay * pi;
    const mi = <f32>(beta1 * <f64>load<f32>(m + o) + c1 * d);
    const vi = <f32>(beta2 * <f64>load<f32>(v + o) + c2 * d * d);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let vh = <f64>vi;
    if (ams) {
      const mx = load<f32>(maxv + o);
      if (vi > mx || vi != vi) store<f32>(maxv + o, vi);
      vh = <f64>load<f32>(maxv + o);
    }
    const den = Math.sqrt(vh) / bc2Sqrt + eps;
    store<f32>(p + o, <f32>(pi - (stepSize * <f64>mi) / den));
  }
}

/**
 * SGD, one parameter tensor, in place. flags: 1 maximize, 2 nesterov, 4 first step (buffer = d),
 * 8 momentum buffer present. d = ±g + wd·p; buf ← μ buf + (1−τ) d; d = nesterov ? d + μ buf : buf;
 * p ← p − lr·d.
 */
export function sgdF32(n: i32, p: usize, g: usize, buf: usize, lr: f64, momentum: f64, dampening: f64, weightDecay: f64, flags: i32): void {
  const maximize = (flags & 1) != 0, nesterov = (flags & 2) != 0, first = (flags & 4) != 0, hasBuf = (flags & 8) != 0 && momentum != 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pi = <f64>load<f32>(p + o);
    let d = <f64>load<f32>(g + o);
    if (maximize) d = -d;
    if (weightDecay != 0) d += weightDecay * pi;
    if (hasBuf) {
      const b = first ? <f32>d : <f32>(momentum * <f64>load<f32>(buf + o) + (1 - dampening) * d);
      store<f32>(buf + o, b);
      d = nesterov ? d + momentum * <f64>b : <f64>b;
    }
    store<f32>(p + o, <f32>(pi - lr * d));
  }
}
