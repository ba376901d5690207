// Convolution (im2col + GEMM, or a plain GEMM for 1×1 stride-1 kernels) and 2-D pooling, NCHW
// activations and OIHW weights, float32. All loops over the batch and the groups run here, so one
// host call does a whole layer.
import { sgemm } from './gemm';

// Geometry of one conv call, passed as a block of i32 at `g` (see src/backend/wasm/conv.ts):
// 0 n, 1 cIn, 2 h, 3 w, 4 cOut, 5 kh, 6 kw, 7 oh, 8 ow, 9 sh, 10 sw, 11 ph, 12 pw, 13 dh, 14 dw, 15 groups
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

@inline function isPointwise(g: usize): bool {
  return gi(g, 5) == 1 && gi(g, 6) == 1 && gi(g, 9) == 1 && gi(g, 10) == 1 && gi(g, 11) == 0 && gi(g, 12) == 0;
}

/** Bytes of column buffer `conv2d*` need (0 for 1×1 stride-1 unpadded kernels). */
export function convColsBytes(g: usize): i32 {
  if (isPointwise(g)) return 0;
  return (gi(g, 1) / gi(g, 15)) * gi(g, 5) * gi(g, 6) * gi(g, 7) * gi(g, 8) * 4;
}

/** y[n, cOut, oh, ow] = conv(x, w). For each image and group: y_g = W_g · im2col(x_g). */
export function conv2dForward(g: usize, x: usize, wt: usize, y: usize, cols: usize, scratch: usize): void {
  const n = gi(g, 0), cIn = gi(g, 1), h = gi(g, 2), w = gi(g, 3), cOut = gi(g, 4);
  const kh = gi(g, 5), kw = gi(g, 6), oh = gi(g, 7), ow = gi(g, 8), groups = gi(g, 15);
  const cInG = cIn / groups, cOutG = cOut / groups, K = cInG * kh * kw, P = oh * ow;
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
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1) {
    // the common 2×2/2 window: always inside the image; same comparisons as the general loop.
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
    gi(g, 12) == 1 && gi(g, 13) == 1 && maxPool2x2Backward(planes, gi(g, 2), gi(g, 3), gi(g, 4), gi(g, 5), dy, idx, dx)) return;
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
