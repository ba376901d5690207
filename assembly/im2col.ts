// im2col and its adjoint col2im (one image, NCHW), feeding the GEMM of conv.ts.
import { copyF32, endInside, firstInside, zeroF32 } from './conv-common';

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
@inline export function im2colRow(xc: usize, h: i32, w: i32, ky: i32, kx: i32, oh: i32, ow: i32,
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
    let ox = lo;
    if (sw == 2) {
      // four outputs from eight consecutive inputs (the even ones), while all eight lie in the row
      for (; ox + 4 <= hi && ix0 + 2 * ox + 8 <= w; ox += 4) {
        const q = xr + (<usize>(ix0 + 2 * ox) << 2);
        v128.store(dst + (<usize>ox << 2), i32x4.shuffle(v128.load(q), v128.load(q, 16), 0, 2, 4, 6));
      }
    }
    for (; ox < hi; ox++) store<f32>(dst + (<usize>ox << 2), load<f32>(xr + (<usize>(ix0 + ox * sw) << 2)));
    if (ow > hi) zeroF32(dst + (<usize>hi << 2), ow - hi);
    dst += <usize>ow << 2;
  }
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

/** Rows [r0, r1) of im2col(x) (row r = (c·kh + ky)·kw + kx), into `cols` from its first row. */
export function im2colRows(x: usize, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32,
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
