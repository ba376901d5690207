// Direct convolution (geometry slot ConvGeom.Direct = 1): stride 1, dilation 1, one group, few taps
// (cIn·kh·kw small, e.g. LeNet's first layer), where im2col would copy each input K times to feed a
// GEMM with few rows. Each image is copied once into a zero-padded buffer whose rows hold
// ceil4(ow) + kw − 1 floats, so every tap of every four adjacent outputs is one unaligned v128 load
// with no bounds tests. Each output element sums its taps in (ci, ky, kx) order from +0, whatever
// block computes it; the weight gradient sums, per element, one f32x4 accumulator over (image, oy,
// ox/4) in order and then its lanes — so the bits never depend on how the work is split.
import { ConvGeom } from '../src/backend/wasm/abi';
import { ceil4, copyF32, gi, madd, zeroF32 } from './conv-common';

@inline export function isDirect(g: usize): bool {
  return gi(g, ConvGeom.Direct) == 1;
}

/** Floats of one zero-padded image: cIn · (oh + kh − 1) · (ceil4(ow) + kw − 1). */
@inline export function directImgFloats(g: usize): i32 {
  return gi(g, ConvGeom.CIn) * (gi(g, ConvGeom.OH) + gi(g, ConvGeom.KH) - 1) * (ceil4(gi(g, ConvGeom.OW)) + gi(g, ConvGeom.KW) - 1);
}

/** Copy image x [c, h, w] into dst [c, hp, ws], zero around it (pad ph above, pw left). */
function padImage(x: usize, c: i32, h: i32, w: i32, ph: i32, pw: i32, hp: i32, ws: i32, dst: usize): void {
  zeroF32(dst, c * hp * ws);
  for (let ci = 0; ci < c; ci++) {
    const src = x + (<usize>(ci * h * w) << 2);
    const d = dst + (<usize>((ci * hp + ph) * ws + pw) << 2);
    for (let iy = 0; iy < h; iy++) copyF32(d + (<usize>(iy * ws) << 2), src + (<usize>(iy * w) << 2), w);
  }
}


/**
 * Output channels co (weights w0) and co+1 (w1; ignored unless `two`) at 4·nv adjacent outputs of one
 * row (nv a constant 1..4, so each use compiles to its own unrolled loop): xr is the padded row of
 * the first tap, y0 / y1 the output rows at the first output; the last vector stores its first
 * `last` (1..4) lanes. With `bias`, c0 / c1 (the channels' bias, splat) are added to the sums.
 */
@inline function fwdBlock(nv: i32, xr: usize, hp: i32, ws: i32, c: i32, kh: i32, kw: i32, w0: usize, w1: usize,
  y0: usize, y1: usize, two: bool, last: i32, bias: bool, c0: v128, c1: v128): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  let t: usize = 0;
  for (let ci = 0; ci < c; ci++) {
    for (let ky = 0; ky < kh; ky++) {
      let p = xr + (<usize>((ci * hp + ky) * ws) << 2);
      for (let kx = 0; kx < kw; kx++) {
        const u = v128.load32_splat(w0 + t);
        if (two) {
          const v = v128.load32_splat(w1 + t);
          let x = v128.load(p);
          a0 = madd(x, u, a0); b0 = madd(x, v, b0);
          if (nv > 1) { x = v128.load(p, 16); a1 = madd(x, u, a1); b1 = madd(x, v, b1); }
          if (nv > 2) { x = v128.load(p, 32); a2 = madd(x, u, a2); b2 = madd(x, v, b2); }
          if (nv > 3) { x = v128.load(p, 48); a3 = madd(x, u, a3); b3 = madd(x, v, b3); }
        } else {
          a0 = madd(v128.load(p), u, a0);
          if (nv > 1) a1 = madd(v128.load(p, 16), u, a1);
          if (nv > 2) a2 = madd(v128.load(p, 32), u, a2);
          if (nv > 3) a3 = madd(v128.load(p, 48), u, a3);
        }
        p += 4;
        t += 4;
      }
    }
  }
  if (bias) {
    a0 = f32x4.add(a0, c0); a1 = f32x4.add(a1, c0); a2 = f32x4.add(a2, c0); a3 = f32x4.add(a3, c0);
    b0 = f32x4.add(b0, c1); b1 = f32x4.add(b1, c1); b2 = f32x4.add(b2, c1); b3 = f32x4.add(b3, c1);
  }
  if (nv == 1) { storeVec(y0, a0, last); if (two) storeVec(y1, b0, last); }
  if (nv == 2) {
    v128.store(y0, a0); storeVec(y0 + 16, a1, last);
    if (two) { v128.store(y1, b0); storeVec(y1 + 16, b1, last); }
  }
  if (nv == 3) {
    v128.store(y0, a0); v128.store(y0, a1, 16); storeVec(y0 + 32, a2, last);
    if (two) { v128.store(y1, b0); v128.store(y1, b1, 16); storeVec(y1 + 32, b2, last); }
  }
  if (nv == 4) {
    v128.store(y0, a0); v128.store(y0, a1, 16); v128.store(y0, a2, 32); storeVec(y0 + 48, a3, last);
    if (two) { v128.store(y1, b0); v128.store(y1, b1, 16); v128.store(y1, b2, 32); storeVec(y1 + 48, b3, last); }
  }
}

/** The first n (1..4) lanes of v at p. */
@inline function storeVec(p: usize, v: v128, n: i32): void {
  if (n == 4) v128.store(p, v);
  else storeLanes(p, v, n);
}

/** The first n (1..3) lanes of v at p. */
@inline function storeLanes(p: usize, v: v128, n: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Direct forward: y[n, cOut, oh, ow] from x (+ bias, when not 0); `pad` holds one padded image. */
export function directForward(g: usize, x: usize, wt: usize, y: usize, pad: usize, bias: usize): void {
  const n = gi(g, ConvGeom.N), c = gi(g, ConvGeom.CIn), h = gi(g, ConvGeom.H), w = gi(g, ConvGeom.W), cOut = gi(g, ConvGeom.COut);
  const kh = gi(g, ConvGeom.KH), kw = gi(g, ConvGeom.KW), oh = gi(g, ConvGeom.OH), ow = gi(g, ConvGeom.OW), ph = gi(g, ConvGeom.PadH), pw = gi(g, ConvGeom.PadW);
  const hp = oh + kh - 1, ws = ceil4(ow) + kw - 1, K = c * kh * kw, P = oh * ow;
  const wBytes = <usize>K << 2;
  for (let b = 0; b < n; b++) {
    padImage(x + (<usize>(b * c * h * w) << 2), c, h, w, ph, pw, hp, ws, pad);
    const yb = y + (<usize>(b * cOut * P) << 2);
    for (let co = 0; co < cOut; co += 2) {
      const two = co + 1 < cOut;
      const w0 = wt + <usize>co * wBytes, w1 = two ? w0 + wBytes : w0;
      const y0 = yb + (<usize>(co * P) << 2), y1 = two ? y0 + (<usize>P << 2) : y0;
      const hasBias = bias != 0;
      const c0 = hasBias ? v128.load32_splat(bias + (<usize>co << 2)) : f32x4.splat(0);
      const c1 = hasBias && two ? v128.load32_splat(bias + (<usize>(co + 1) << 2)) : c0;
      for (let oy = 0; oy < oh; oy++) {
        const xr = pad + (<usize>(oy * ws) << 2);
        const r = <usize>(oy * ow) << 2;
        if (two && hasBias) fwdRow(xr, hp, ws, c, kh, kw, w0, w1, y0 + r, y1 + r, ow, true, true, c0, c1);
        else if (two) fwdRow(xr, hp, ws, c, kh, kw, w0, w1, y0 + r, y1 + r, ow, true, false, c0, c1);
        else if (hasBias) fwdRow(xr, hp, ws, c, kh, kw, w0, w1, y0 + r, y1 + r, ow, false, true, c0, c1);
        else fwdRow(xr, hp, ws, c, kh, kw, w0, w1, y0 + r, y1 + r, ow, false, false, c0, c1);
      }
    }
  }
}

/** One output row of channels co (and co+1 when `two`): blocks of 16 outputs, then one of 4 to 16. */
@inline function fwdRow(xr: usize, hp: i32, ws: i32, c: i32, kh: i32, kw: i32, w0: usize, w1: usize, y0: usize, y1: usize,
  ow: i32, two: bool, bias: bool, c0: v128, c1: v128): void {
  let ox = 0;
  for (; ox + 16 <= ow; ox += 16) {
    const o = <usize>ox << 2;
    fwdBlock(4, xr + o, hp, ws, c, kh, kw, w0, w1, y0 + o, y1 + o, two, 4, bias, c0, c1);
  }
  const rest = ow - ox;
  if (rest > 0) {
    const o = <usize>ox << 2, last = rest - ((rest - 1) & ~3);
    if (rest > 12) fwdBlock(4, xr + o, hp, ws, c, kh, kw, w0, w1, y0 + o, y1 + o, two, last, bias, c0, c1);
    else if (rest > 8) fwdBlock(3, xr + o, hp, ws, c, kh, kw, w0, w1, y0 + o, y1 + o, two, last, bias, c0, c1);
    else if (rest > 4) fwdBlock(2, xr + o, hp, ws, c, kh, kw, w0, w1, y0 + o, y1 + o, two, last, bias, c0, c1);
    else fwdBlock(1, xr + o, hp, ws, c, kh, kw, w0, w1, y0 + o, y1 + o, two, last, bias, c0, c1);
  }
}

/**
 * Direct weight gradient, columns [k0, k1) of dW [cOut, K] (K = c·kh·kw): per element one f32x4
 * accumulator (in `acc`: ceil2(cOut) · (k1 − k0 + 4) of them) over images, rows and groups of four
 * outputs, then its lanes summed. Blocks of two channels × up to five taps of one kernel row share
 * each load (ten accumulators, two dy vectors and one input vector fit V8's fifteen allocatable xmm
 * registers; a row's taps are adjacent inputs, so their loads differ only in constant offsets). A
 * short block still computes five taps but keeps only its own. `pad` holds one padded image (and
 * slack for those extra loads) and, when ow is not a multiple of four, one image of dy with rows
 * zero-filled to ceil4(ow); that last group of each row masks its inputs past ow to zero.
 */
export function directWeight(g: usize, x: usize, dy: usize, dw: usize, pad: usize, acc: usize, k0: i32, k1: i32): void {
  const n = gi(g, ConvGeom.N), c = gi(g, ConvGeom.CIn), h = gi(g, ConvGeom.H), w = gi(g, ConvGeom.W), cOut = gi(g, ConvGeom.COut);
  const kh = gi(g, ConvGeom.KH), kw = gi(g, ConvGeom.KW), oh = gi(g, ConvGeom.OH), ow = gi(g, ConvGeom.OW), ph = gi(g, ConvGeom.PadH), pw = gi(g, ConvGeom.PadW);
  const hp = oh + kh - 1, ow4 = ceil4(ow), ws = ow4 + kw - 1, K = c * kh * kw, P = oh * ow;
  const kk = k1 - k0, ks = kk + 4, co2 = (cOut + 1) & ~1;
  if (kk <= 0) return;
  const dyPad = pad + (<usize>(c * hp * ws + 8) << 2);
  const q = ow >> 2, tail = (ow & 3) != 0;
  // lanes [0, ow & 3) of the last, partial group of four outputs
  const rem = ow & 3;
  const mask = i32x4(-1, rem > 1 ? -1 : 0, rem > 2 ? -1 : 0, 0);
  zeroF32(acc, co2 * ks * 4);
  for (let b = 0; b < n; b++) {
    padImage(x + (<usize>(b * c * h * w) << 2), c, h, w, ph, pw, hp, ws, pad);
    let dyb = dy + (<usize>(b * cOut * P) << 2);
    let dys = ow; // row stride of dy as read
    if (ow != ow4) {
      for (let r = 0; r < cOut * oh; r++) {
        const d = dyPad + (<usize>(r * ow4) << 2);
        copyF32(d, dyb + (<usize>(r * ow) << 2), ow);
        zeroF32(d + (<usize>ow << 2), ow4 - ow);
      }
      dyb = dyPad;
      dys = ow4;
    }
    const plane = <usize>(oh * dys) << 2;
    for (let co = 0; co < cOut; co += 2) {
      const dy0 = dyb + <usize>co * plane, dy1 = dyb + <usize>min(co + 1, cOut - 1) * plane;
      let k = k0;
      while (k < k1) {
        // taps k .. k + m − 1: one kernel row (ci, ky), kx .. kx + m − 1
        const ci = k / (kh * kw), r = k - ci * kh * kw, ky = r / kw, kx = r - ky * kw;
        const m = min(min(5, kw - kx), k1 - k);
        const o = <usize>((ci * hp + ky) * ws + kx) << 2;
        const ap0 = acc + (<usize>((co * ks + k - k0) * 4) << 2);
        const ap1 = ap0 + (<usize>(ks * 4) << 2);
        let a0 = v128.load(ap0), a1 = v128.load(ap0, 16), a2 = v128.load(ap0, 32), a3 = v128.load(ap0, 48), a4 = v128.load(ap0, 64);
        let b0 = v128.load(ap1), b1 = v128.load(ap1, 16), b2 = v128.load(ap1, 32), b3 = v128.load(ap1, 48), b4 = v128.load(ap1, 64);
        for (let oy = 0; oy < oh; oy++) {
          let d0 = dy0 + (<usize>(oy * dys) << 2), d1 = dy1 + (<usize>(oy * dys) << 2);
          let xr = pad + o + (<usize>(oy * ws) << 2);
          for (let i = 0; i < q; i++) {
            const u = v128.load(d0), v = v128.load(d1);
            let t = v128.load(xr);
            a0 = madd(u, t, a0); b0 = madd(v, t, b0);
            t = v128.load(xr, 4);
            a1 = madd(u, t, a1); b1 = madd(v, t, b1);
            t = v128.load(xr, 8);
            a2 = madd(u, t, a2); b2 = madd(v, t, b2);
            t = v128.load(xr, 12);
            a3 = madd(u, t, a3); b3 = madd(v, t, b3);
            t = v128.load(xr, 16);
            a4 = madd(u, t, a4); b4 = madd(v, t, b4);
            d0 += 16;
            d1 += 16;
            xr += 16;
          }
          if (tail) {
            // the lanes past ow: dy is zero there, and the inputs are masked to zero too (they may
            // be real inputs no output at this tap reads: an infinity there must not make 0·∞)
            const u = v128.load(d0), v = v128.load(d1);
            let t = v128.and(v128.load(xr), mask);
            a0 = madd(u, t, a0); b0 = madd(v, t, b0);
            t = v128.and(v128.load(xr, 4), mask);
            a1 = madd(u, t, a1); b1 = madd(v, t, b1);
            t = v128.and(v128.load(xr, 8), mask);
            a2 = madd(u, t, a2); b2 = madd(v, t, b2);
            t = v128.and(v128.load(xr, 12), mask);
            a3 = madd(u, t, a3); b3 = madd(v, t, b3);
            t = v128.and(v128.load(xr, 16), mask);
            a4 = madd(u, t, a4); b4 = madd(v, t, b4);
          }
        }
        v128.store(ap0, a0); v128.store(ap1, b0);
        if (m > 1) { v128.store(ap0, a1, 16); v128.store(ap1, b1, 16); }
        if (m > 2) { v128.store(ap0, a2, 32); v128.store(ap1, b2, 32); }
        if (m > 3) { v128.store(ap0, a3, 48); v128.store(ap1, b3, 48); }
        if (m > 4) { v128.store(ap0, a4, 64); v128.store(ap1, b4, 64); }
        k += m;
      }
    }
  }
  for (let co = 0; co < cOut; co++) {
    for (let j = 0; j < kk; j++) {
      const a = v128.load(acc + (<usize>((co * ks + j) * 4) << 2));
      const s = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
      store<f32>(dw + (<usize>(co * K + k0 + j) << 2), s);
    }
  }
}
