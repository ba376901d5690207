// Convolution (im2col + GEMM, a plain GEMM for 1×1 stride-1 kernels, or direct kernels for few
// taps per output) and 2-D pooling, NCHW
// activations and OIHW weights, float32. All loops over the batch and the groups run here, so one
// host call does a whole layer.
import { sgemm } from './gemm';

// Geometry of one conv call, passed as a block of i32 at `g` (see src/backend/wasm/conv.ts):
// 0 n, 1 cIn, 2 h, 3 w, 4 cOut, 5 kh, 6 kw, 7 oh, 8 ow, 9 sh, 10 sw, 11 ph, 12 pw, 13 dh, 14 dw, 15 groups,
// 16 direct (1: conv2dForward / conv2dBackwardWeight run the direct kernels below), 17 the address of
// conv2dForward's bias [cOut] (0: none; added to each output after its whole sum, one f32 add, so the
// bits equal the convolution followed by a separate add)
@inline function gi(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/** cols[c*kh*kw, oh*ow] from one image x[c, h, w] (zero where the window leaves the image). */
export function im2col(x: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, cols: usize): void {
  const rowBytes = <usize>(oh * ow) << 2;
  let row: usize = cols;
  for (let ci = 0; ci < c; ci++) {
    const xc = x + (<usize>(ci * h * w) << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        im2colRow(xc, h, w, ky, kx, oh, ow, sh, sw, ph, pw, dh, dw, row);
        row += rowBytes;
      }
    }
  }
}

/** One row of im2col: kernel offset (ky, kx) over one channel xc [h, w], oh·ow floats at dst. */
@inline function im2colRow(xc: usize, h: i32, w: i32, ky: i32, kx: i32, oh: i32, ow: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, dst: usize): void {
  for (let oy = 0; oy < oh; oy++) {
    const iy = oy * sh - ph + ky * dh;
    if (iy < 0 || iy >= h) {
      zeroF32(dst, ow);
      dst += <usize>ow << 2;
      continue;
    }
    const xr = xc + (<usize>(iy * w) << 2);
    const ix0 = kx * dw - pw;
    if (sw == 1) {
      // unit stride: zeros left of the image, one copy of the inside, zeros right of it
      const lo = min(max(-ix0, 0), ow);
      const hi = max(min(w - ix0, ow), lo);
      if (lo > 0) zeroF32(dst, lo);
      if (hi > lo) copyF32(dst + (<usize>lo << 2), xr + (<usize>(ix0 + lo) << 2), hi - lo);
      if (ow > hi) zeroF32(dst + (<usize>hi << 2), ow - hi);
      dst += <usize>ow << 2;
      continue;
    }
    // strided: the outputs whose window column lies inside the image are ox in [lo, hi)
    const lo = firstInside(ix0, sw, ow), hi = max(endInside(ix0, sw, w, ow), lo);
    if (lo > 0) zeroF32(dst, lo);
    for (let ox = lo; ox < hi; ox++) store<f32>(dst + (<usize>ox << 2), load<f32>(xr + (<usize>(ix0 + ox * sw) << 2)));
    if (ow > hi) zeroF32(dst + (<usize>hi << 2), ow - hi);
    dst += <usize>ow << 2;
  }
}

/** The first ox in [0, n] with ix0 + ox·s ≥ 0 (s ≥ 1). */
@inline function firstInside(ix0: i32, s: i32, n: i32): i32 {
  return ix0 >= 0 ? 0 : min((-ix0 + s - 1) / s, n);
}

/** One past the last ox in [0, n) with ix0 + ox·s < w (s ≥ 1); 0 when there is none. */
@inline function endInside(ix0: i32, s: i32, w: i32, n: i32): i32 {
  return ix0 >= w ? 0 : min((w - 1 - ix0) / s + 1, n);
}

// Short runs (an output row is often 10–30 floats): plain v128 loops beat memory.copy / memory.fill,
// whose call overhead dominates at these sizes.
@inline function copyF32(dst: usize, src: usize, n: i32): void {
  if (n >= 64) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

@inline function zeroF32(dst: usize, n: i32): void {
  if (n >= 64) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  const z = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** dx[c, h, w] += the columns scattered back (the adjoint of im2col). */
export function col2im(cols: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, dx: usize): void {
  let row: usize = cols;
  const P = oh * ow;
  for (let ci = 0; ci < c; ci++) {
    const xc = dx + (<usize>(ci * h * w) << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        let src = row;
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ky * dh;
          if (iy < 0 || iy >= h) {
            src += <usize>ow << 2;
            continue;
          }
          const xr = xc + (<usize>(iy * w) << 2);
          const ix0 = kx * dw - pw;
          // only the ox whose window column lies inside the image: [lo, hi)
          const lo = firstInside(ix0, sw, ow), hi = max(endInside(ix0, sw, w, ow), lo);
          let ox = lo;
          if (sw == 1) {
            // distinct ox hit distinct ix, so four at a time adds in the same order per element
            const xp = xr + (<isize>ix0 << 2);
            for (; ox + 4 <= hi; ox += 4) {
              const q = xp + (<usize>ox << 2);
              v128.store(q, f32x4.add(v128.load(q), v128.load(src + (<usize>ox << 2))));
            }
          }
          for (; ox < hi; ox++) {
            const p = xr + (<usize>(ix0 + ox * sw) << 2);
            store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>ox << 2)));
          }
          src += <usize>ow << 2;
        }
        row += <usize>P << 2;
      }
    }
  }
}

// ---- direct convolution (geometry slot 16 = 1): stride 1, dilation 1, one group, few taps
// (cIn·kh·kw small, e.g. LeNet's first layer), where im2col would copy each input K times to feed a
// GEMM with few rows. Each image is copied once into a zero-padded buffer whose rows hold
// ceil4(ow) + kw − 1 floats, so every tap of every four adjacent outputs is one unaligned v128 load
// with no bounds tests. Each output element sums its taps in (ci, ky, kx) order from +0, whatever
// block computes it; the weight gradient sums, per element, one f32x4 accumulator over (image, oy,
// ox/4) in order and then its lanes — so the bits never depend on how the work is split.

@inline function isDirect(g: usize): bool {
  return gi(g, 16) == 1;
}

@inline function ceil4(v: i32): i32 {
  return (v + 3) & ~3;
}

/** Floats of one zero-padded image: cIn · (oh + kh − 1) · (ceil4(ow) + kw − 1). */
@inline function directImgFloats(g: usize): i32 {
  return gi(g, 1) * (gi(g, 7) + gi(g, 5) - 1) * (ceil4(gi(g, 8)) + gi(g, 6) - 1);
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

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
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
function directForward(g: usize, x: usize, wt: usize, y: usize, pad: usize, bias: usize): void {
  const n = gi(g, 0), c = gi(g, 1), h = gi(g, 2), w = gi(g, 3), cOut = gi(g, 4);
  const kh = gi(g, 5), kw = gi(g, 6), oh = gi(g, 7), ow = gi(g, 8), ph = gi(g, 11), pw = gi(g, 12);
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

/** y[r, 0..P) += bias[r] for rows r in [0, rows) (one f32 add each). */
function addChannelBias(y: usize, rows: i32, P: i32, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const v = v128.load32_splat(bias + (<usize>r << 2));
    const s = load<f32>(bias + (<usize>r << 2));
    const row = y + (<usize>(r * P) << 2);
    let i = 0;
    for (; i + 4 <= P; i += 4) {
      const p = row + (<usize>i << 2);
      v128.store(p, f32x4.add(v128.load(p), v));
    }
    for (; i < P; i++) {
      const p = row + (<usize>i << 2);
      store<f32>(p, load<f32>(p) + s);
    }
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
function directWeight(g: usize, x: usize, dy: usize, dw: usize, pad: usize, acc: usize, k0: i32, k1: i32): void {
  const n = gi(g, 0), c = gi(g, 1), h = gi(g, 2), w = gi(g, 3), cOut = gi(g, 4);
  const kh = gi(g, 5), kw = gi(g, 6), oh = gi(g, 7), ow = gi(g, 8), ph = gi(g, 11), pw = gi(g, 12);
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

@inline function isPointwise(g: usize): bool {
  return gi(g, 5) == 1 && gi(g, 6) == 1 && gi(g, 9) == 1 && gi(g, 10) == 1 && gi(g, 11) == 0 && gi(g, 12) == 0;
}

/** Bytes of column buffer `conv2d*` need (0 for 1×1 stride-1 unpadded kernels). */
export function convColsBytes(g: usize): i32 {
  if (isDirect(g)) return (directImgFloats(g) + 8 + (gi(g, 8) & 3 ? gi(g, 4) * gi(g, 7) * ceil4(gi(g, 8)) : 0)) * 4;
  if (isPointwise(g)) return 0;
  return (gi(g, 1) / gi(g, 15)) * gi(g, 5) * gi(g, 6) * gi(g, 7) * gi(g, 8) * 4;
}

/** y[n, cOut, oh, ow] = conv(x, w) (+ bias). For each image and group: y_g = W_g · im2col(x_g). */
export function conv2dForward(g: usize, x: usize, wt: usize, y: usize, cols: usize, scratch: usize): void {
  const n = gi(g, 0), cIn = gi(g, 1), h = gi(g, 2), w = gi(g, 3), cOut = gi(g, 4);
  const kh = gi(g, 5), kw = gi(g, 6), oh = gi(g, 7), ow = gi(g, 8), groups = gi(g, 15);
  const cInG = cIn / groups, cOutG = cOut / groups, K = cInG * kh * kw, P = oh * ow;
  const bias = <usize>gi(g, 17);
  if (isDirect(g)) {
    directForward(g, x, wt, y, cols, bias);
    return;
  }
  const pointwise = isPointwise(g);
  for (let b = 0; b < n; b++) {
    for (let gr = 0; gr < groups; gr++) {
      const xg = x + (<usize>((b * cIn + gr * cInG) * h * w) << 2);
      const yg = y + (<usize>((b * cOut + gr * cOutG) * P) << 2);
      const wg = wt + (<usize>(gr * cOutG * K) << 2);
      let src = xg;
      if (!pointwise) {
        im2col(xg, cInG, h, w, kh, kw, oh, ow, gi(g, 9), gi(g, 10), gi(g, 11), gi(g, 12), gi(g, 13), gi(g, 14), cols);
        src = cols;
      }
      sgemm(0, 0, cOutG, P, K, wg, K, src, P, yg, P, 0, scratch);
      if (bias) addChannelBias(yg, cOutG, P, bias + (<usize>(gr * cOutG) << 2));
    }
  }
}

/** dx = convᵀ(dy): per image and group, dcols = W_gᵀ · dy_g, then col2im. */
export function conv2dBackwardInput(g: usize, dy: usize, wt: usize, dx: usize, cols: usize, scratch: usize): void {
  const n = gi(g, 0), cIn = gi(g, 1), h = gi(g, 2), w = gi(g, 3), cOut = gi(g, 4);
  const kh = gi(g, 5), kw = gi(g, 6), oh = gi(g, 7), ow = gi(g, 8), groups = gi(g, 15);
  const cInG = cIn / groups, cOutG = cOut / groups, K = cInG * kh * kw, P = oh * ow;
  const pointwise = isPointwise(g);
  if (!pointwise) memory.fill(dx, 0, <usize>(n * cIn * h * w) << 2);
  for (let b = 0; b < n; b++) {
    for (let gr = 0; gr < groups; gr++) {
      const dxg = dx + (<usize>((b * cIn + gr * cInG) * h * w) << 2);
      const dyg = dy + (<usize>((b * cOut + gr * cOutG) * P) << 2);
      const wg = wt + (<usize>(gr * cOutG * K) << 2);
      if (pointwise) {
        sgemm(1, 0, K, P, cOutG, wg, K, dyg, P, dxg, P, 0, scratch);
      } else {
        sgemm(1, 0, K, P, cOutG, wg, K, dyg, P, cols, P, 0, scratch);
        col2im(cols, cInG, h, w, kh, kw, oh, ow, gi(g, 9), gi(g, 10), gi(g, 11), gi(g, 12), gi(g, 13), gi(g, 14), dxg);
      }
    }
  }
}

/**
 * Columns [k0, k1) of dW = Σ_images dy_g · im2col(x_g)ᵀ (dW is [cOut, K] per group, K = cIn/groups·kh·kw;
 * the whole gradient is k0 = 0, k1 = K). Only rows [k0, k1) of each image's columns are built, into
 * `cols` ((k1 − k0)·oh·ow floats). Every element sums the images in order, in one accumulator, exactly
 * as the whole call does: the worker pool splits this gradient by columns, never by images, so
 * threads write disjoint columns and the result is the same bits for any number of threads.
 */
export function conv2dBackwardWeight(g: usize, x: usize, dy: usize, dw: usize, cols: usize, scratch: usize, k0: i32, k1: i32): void {
  const n = gi(g, 0), cIn = gi(g, 1), h = gi(g, 2), w = gi(g, 3), cOut = gi(g, 4);
  const kh = gi(g, 5), kw = gi(g, 6), oh = gi(g, 7), ow = gi(g, 8), groups = gi(g, 15);
  const cInG = cIn / groups, cOutG = cOut / groups, K = cInG * kh * kw, P = oh * ow;
  const kk = k1 - k0;
  if (kk <= 0) return;
  if (isDirect(g)) {
    directWeight(g, x, dy, dw, cols, scratch, k0, k1);
    return;
  }
  const pointwise = isPointwise(g);
  for (let b = 0; b < n; b++) {
    for (let gr = 0; gr < groups; gr++) {
      const xg = x + (<usize>((b * cIn + gr * cInG) * h * w) << 2);
      const dyg = dy + (<usize>((b * cOut + gr * cOutG) * P) << 2);
      const dwg = dw + (<usize>(gr * cOutG * K + k0) << 2);
      // pointwise: the columns are the image's channel rows themselves (P = h·w)
      let src = xg + (<usize>(k0 * P) << 2);
      if (!pointwise) {
        im2colRows(xg, h, w, kh, kw, oh, ow, gi(g, 9), gi(g, 10), gi(g, 11), gi(g, 12), gi(g, 13), gi(g, 14), k0, k1, cols);
        src = cols;
      }
      sgemm(0, 1, cOutG, kk, P, dyg, P, src, P, dwg, K, b > 0 ? 1 : 0, scratch);
    }
  }
}

/** Rows [r0, r1) of im2col(x) (row r = (c·kh + ky)·kw + kx), into `cols` from its first row. */
function im2colRows(x: usize, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, r0: i32, r1: i32, cols: usize): void {
  const khw = kh * kw;
  const rowBytes = <usize>(oh * ow) << 2;
  let dst = cols;
  for (let r = r0; r < r1; r++) {
    const c = r / khw, t = r - c * khw;
    const ky = t / kw, kx = t - ky * kw;
    im2colRow(x + (<usize>(c * h * w) << 2), h, w, ky, kx, oh, ow, sh, sw, ph, pw, dh, dw, dst);
    dst += rowBytes;
  }
}

// ---- pooling. Geometry block: 0 n, 1 c, 2 h, 3 w, 4 oh, 5 ow, 6 kh, 7 kw, 8 sh, 9 sw, 10 ph, 11 pw,
// 12 dh, 13 dw, 14 countIncludePad, 15 divisor

/** Max pool: values and the flat (iy*w + ix) index of each window's max (NaN wins, like PyTorch). */
export function maxPool2d(g: usize, x: usize, y: usize, idx: usize): void {
  const planes = gi(g, 0) * gi(g, 1), h = gi(g, 2), w = gi(g, 3), oh = gi(g, 4), ow = gi(g, 5);
  const kh = gi(g, 6), kw = gi(g, 7), sh = gi(g, 8), sw = gi(g, 9), ph = gi(g, 10), pw = gi(g, 11), dh = gi(g, 12), dw = gi(g, 13);
  let o: usize = 0;
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1 && 2 * oh <= h && 2 * ow <= w) {
    // the common 2×2/2 window, every window inside the image (ceilMode's partial last windows take
    // the general loop); same comparisons as the general loop.
    // Four outputs at a time: two rows of eight inputs, split into the windows' a b / c d lanes,
    // and the scalar code's comparisons as lane masks (same values and indices, NaN rules included).
    const iota = i32x4(0, 2, 4, 6);
    const one = i32x4.splat(1), wv = i32x4.splat(w), w1 = i32x4.splat(w + 1);
    for (let p = 0; p < planes; p++) {
      const xb = x + (<usize>(p * h * w) << 2);
      for (let oy = 0; oy < oh; oy++) {
        const r0 = 2 * oy * w;
        let ox = 0;
        if (ow >= 4) {
          while (true) {
            // the last group may overlap the one before (recomputing the same outputs)
            if (ox + 4 > ow) ox = ow - 4;
            const i0 = r0 + 2 * ox;
            const q = xb + (<usize>i0 << 2);
            const u0 = v128.load(q), u1 = v128.load(q, 16);
            const l0 = v128.load(q + (<usize>w << 2)), l1 = v128.load(q + (<usize>w << 2), 16);
            const a = i32x4.shuffle(u0, u1, 0, 2, 4, 6), b = i32x4.shuffle(u0, u1, 1, 3, 5, 7);
            const c = i32x4.shuffle(l0, l1, 0, 2, 4, 6), d = i32x4.shuffle(l0, l1, 1, 3, 5, 7);
            const iv = i32x4.add(i32x4.splat(i0), iota);
            // if (a == a && (b > best || b != b)) { best = b; bi = i0 + 1; }
            const m1 = v128.and(f32x4.eq(a, a), v128.or(f32x4.gt(b, a), f32x4.ne(b, b)));
            let best = v128.bitselect(b, a, m1);
            let bi = v128.bitselect(i32x4.add(iv, one), iv, m1);
            // if (c > best || c != c) { best = c; bi = i0 + w; }
            const m2 = v128.or(f32x4.gt(c, best), f32x4.ne(c, c));
            best = v128.bitselect(c, best, m2);
            bi = v128.bitselect(i32x4.add(iv, wv), bi, m2);
            // if (c == c && (d > best || d != d)) { best = d; bi = i0 + w + 1; }
            const m3 = v128.and(f32x4.eq(c, c), v128.or(f32x4.gt(d, best), f32x4.ne(d, d)));
            best = v128.bitselect(d, best, m3);
            bi = v128.bitselect(i32x4.add(iv, w1), bi, m3);
            const oo = (o + <usize>ox) << 2;
            v128.store(y + oo, best);
            v128.store(idx + oo, bi);
            ox += 4;
            if (ox >= ow) break;
          }
        }
        for (; ox < ow; ox++) {
          const i0 = r0 + 2 * ox;
          const q = xb + (<usize>i0 << 2);
          const a = load<f32>(q), b = load<f32>(q, 4);
          let best = a;
          let bi = i0;
          if (a == a && (b > best || b != b)) { best = b; bi = i0 + 1; }
          const c = load<f32>(q + (<usize>w << 2)), d = load<f32>(q + (<usize>w << 2), 4);
          if (c > best || c != c) { best = c; bi = i0 + w; }
          if (c == c && (d > best || d != d)) { best = d; bi = i0 + w + 1; }
          store<f32>(y + ((o + <usize>ox) << 2), best);
          store<i32>(idx + ((o + <usize>ox) << 2), bi);
        }
        o += <usize>ow;
      }
    }
    return;
  }
  for (let p = 0; p < planes; p++) {
    const xb = x + (<usize>(p * h * w) << 2);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best: f32 = -Infinity;
        let bi: i32 = -1;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ph + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pw + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const v = load<f32>(xb + (<usize>(iy * w + ix) << 2));
            if (v > best || v != v || bi < 0) {
              best = v;
              bi = iy * w + ix;
              if (v != v) break;
            }
          }
        }
        store<f32>(y + (o << 2), best);
        store<i32>(idx + (o << 2), bi);
        o++;
      }
    }
  }
}

/** dx[plane, idx] += dy (dx zeroed here). */
export function maxPool2dBackward(g: usize, dy: usize, idx: usize, dx: usize): void {
  const planes = gi(g, 0) * gi(g, 1), hw = gi(g, 2) * gi(g, 3), ohw = gi(g, 4) * gi(g, 5);
  if (gi(g, 6) == 2 && gi(g, 7) == 2 && gi(g, 8) == 2 && gi(g, 9) == 2 && gi(g, 10) == 0 && gi(g, 11) == 0 &&
    gi(g, 12) == 1 && gi(g, 13) == 1 && 2 * gi(g, 4) <= gi(g, 2) && 2 * gi(g, 5) <= gi(g, 3) &&
    maxPool2x2Backward(planes, gi(g, 2), gi(g, 3), gi(g, 4), gi(g, 5), dy, idx, dx)) return;
  memory.fill(dx, 0, <usize>(planes * hw) << 2);
  for (let p = 0; p < planes; p++) {
    const xb = dx + (<usize>(p * hw) << 2);
    const ob = <usize>(p * ohw) << 2;
    for (let o = 0; o < ohw; o++) {
      const q = xb + (<usize>load<i32>(idx + ob + (<usize>o << 2)) << 2);
      store<f32>(q, load<f32>(q) + load<f32>(dy + ob + (<usize>o << 2)));
    }
  }
}

/**
 * maxPool2dBackward for 2×2/2 windows, which do not overlap: each window is written whole, 0 + dy at
 * its index and +0 elsewhere (the same bits as zero-fill then add), four windows at a time. Returns
 * false, having written only part of dx, if an index lies outside its window (not from maxPool2d):
 * the caller then runs the general scatter.
 */
function maxPool2x2Backward(planes: i32, h: i32, w: i32, oh: i32, ow: i32, dy: usize, idx: usize, dx: usize): bool {
  // rows / columns no window covers (odd sizes) stay zero
  if (h != 2 * oh || w != 2 * ow) memory.fill(dx, 0, <usize>(planes * h * w) << 2);
  const iota = i32x4(0, 2, 4, 6);
  const one = i32x4.splat(1), wv = i32x4.splat(w), w1 = i32x4.splat(w + 1);
  const zero = f32x4.splat(0);
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const xb = dx + (<usize>(p * h * w) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const r0 = 2 * oy * w;
      let ox = 0;
      if (ow >= 4) {
        while (true) {
          // the last group may overlap the one before (rewriting the same values)
          if (ox + 4 > ow) ox = ow - 4;
          const oo = (o + <usize>ox) << 2;
          const v = f32x4.add(zero, v128.load(dy + oo));
          const id = v128.load(idx + oo);
          const i0 = r0 + 2 * ox;
          const iv = i32x4.add(i32x4.splat(i0), iota);
          const ma = i32x4.eq(id, iv), mb = i32x4.eq(id, i32x4.add(iv, one));
          const mc = i32x4.eq(id, i32x4.add(iv, wv)), md = i32x4.eq(id, i32x4.add(iv, w1));
          if (!i32x4.all_true(v128.or(v128.or(ma, mb), v128.or(mc, md)))) return false;
          const a = v128.and(v, ma), b = v128.and(v, mb), c = v128.and(v, mc), d = v128.and(v, md);
          const q = xb + (<usize>i0 << 2);
          v128.store(q, i32x4.shuffle(a, b, 0, 4, 1, 5));
          v128.store(q, i32x4.shuffle(a, b, 2, 6, 3, 7), 16);
          const q1 = q + (<usize>w << 2);
          v128.store(q1, i32x4.shuffle(c, d, 0, 4, 1, 5));
          v128.store(q1, i32x4.shuffle(c, d, 2, 6, 3, 7), 16);
          ox += 4;
          if (ox >= ow) break;
        }
      }
      for (; ox < ow; ox++) {
        const oo = (o + <usize>ox) << 2;
        const v: f32 = 0 + load<f32>(dy + oo);
        const i0 = r0 + 2 * ox;
        const k = load<i32>(idx + oo) - i0;
        if (k != 0 && k != 1 && k != w && k != w + 1) return false;
        const q = xb + (<usize>i0 << 2), q1 = q + (<usize>w << 2);
        store<f32>(q, k == 0 ? v : 0);
        store<f32>(q, k == 1 ? v : 0, 4);
        store<f32>(q1, k == w ? v : 0);
        store<f32>(q1, k == w + 1 ? v : 0, 4);
      }
      o += <usize>ow;
    }
  }
  return true;
}

@inline function avgDiv(g: usize, y0: i32, y1: i32, x0: i32, x1: i32, cy0: i32, cy1: i32, cx0: i32, cx1: i32): f32 {
  const d = gi(g, 15);
  if (d > 0) return <f32>d;
  if (gi(g, 14)) return <f32>((y1 - y0) * (x1 - x0));
  return <f32>((cy1 - cy0) * (cx1 - cx0));
}

/** Average pool (forward when `back` = 0; the adjoint, dx from dy, when 1). */
export function avgPool2d(g: usize, src: usize, dst: usize, back: i32): void {
  const planes = gi(g, 0) * gi(g, 1), h = gi(g, 2), w = gi(g, 3), oh = gi(g, 4), ow = gi(g, 5);
  const kh = gi(g, 6), kw = gi(g, 7), sh = gi(g, 8), sw = gi(g, 9), ph = gi(g, 10), pw = gi(g, 11);
  if (back) memory.fill(dst, 0, <usize>(planes * h * w) << 2);
  for (let p = 0; p < planes; p++) {
    const xb = (back ? dst : src) + (<usize>(p * h * w) << 2);
    const ob = (back ? src : dst) + (<usize>(p * oh * ow) << 2);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const y0 = oy * sh - ph, x0 = ox * sw - pw;
        const y1 = min(y0 + kh, h + ph), x1 = min(x0 + kw, w + pw);
        const cy0 = max(y0, 0), cx0 = max(x0, 0), cy1 = min(y1, h), cx1 = min(x1, w);
        const div = avgDiv(g, y0, y1, x0, x1, cy0, cy1, cx0, cx1);
        const op = ob + (<usize>(oy * ow + ox) << 2);
        if (!back) {
          let s: f32 = 0;
          for (let iy = cy0; iy < cy1; iy++) for (let ix = cx0; ix < cx1; ix++) s += load<f32>(xb + (<usize>(iy * w + ix) << 2));
          store<f32>(op, s / div);
        } else {
          const v = load<f32>(op) / div;
          for (let iy = cy0; iy < cy1; iy++) for (let ix = cx0; ix < cx1; ix++) {
            const q = xb + (<usize>(iy * w + ix) << 2);
            store<f32>(q, load<f32>(q) + v);
          }
        }
      }
    }
  }
}
