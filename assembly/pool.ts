// 2-D pooling (max and average), NCHW, float32. Geometry: PoolGeom.Count i32 at `g`, slots named by
// the enum PoolGeom in src/backend/wasm/abi.ts (shared with the host).
import { PoolGeom } from '../src/backend/wasm/abi';
import { gi } from './conv-common';

/**
 * Max pool: values and the flat (iy*w + ix) index of each window's max (NaN wins, like PyTorch); with
 * idx = 0 the values alone (nothing will take the gradient): the same comparisons, so the same bits.
 */
export function maxPool2d(g: usize, x: usize, y: usize, idx: usize): void {
  if (idx == 0) maxPoolBody(g, x, y, 0, false);
  else maxPoolBody(g, x, y, idx, true);
}

// inlined twice: with `withIdx` false the index arithmetic and stores are dead code, and go
@inline function maxPoolBody(g: usize, x: usize, y: usize, idx: usize, withIdx: bool): void {
  const planes = gi(g, PoolGeom.N) * gi(g, PoolGeom.C), h = gi(g, PoolGeom.H), w = gi(g, PoolGeom.W), oh = gi(g, PoolGeom.OH), ow = gi(g, PoolGeom.OW);
  const kh = gi(g, PoolGeom.KH), kw = gi(g, PoolGeom.KW), sh = gi(g, PoolGeom.StrideH), sw = gi(g, PoolGeom.StrideW), ph = gi(g, PoolGeom.PadH), pw = gi(g, PoolGeom.PadW), dh = gi(g, PoolGeom.DilH), dw = gi(g, PoolGeom.DilW);
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
            // if (a == a && (b > best || b != b)) { best = b; bi = i0 + 1; }
            const m1 = v128.and(f32x4.eq(a, a), v128.or(f32x4.gt(b, a), f32x4.ne(b, b)));
            let best = v128.bitselect(b, a, m1);
            // if (c > best || c != c) { best = c; bi = i0 + w; }
            const m2 = v128.or(f32x4.gt(c, best), f32x4.ne(c, c));
            best = v128.bitselect(c, best, m2);
            // if (c == c && (d > best || d != d)) { best = d; bi = i0 + w + 1; }
            const m3 = v128.and(f32x4.eq(c, c), v128.or(f32x4.gt(d, best), f32x4.ne(d, d)));
            best = v128.bitselect(d, best, m3);
            const oo = (o + <usize>ox) << 2;
            v128.store(y + oo, best);
            if (withIdx) {
              const iv = i32x4.add(i32x4.splat(i0), iota);
              let bi = v128.bitselect(i32x4.add(iv, one), iv, m1);
              bi = v128.bitselect(i32x4.add(iv, wv), bi, m2);
              bi = v128.bitselect(i32x4.add(iv, w1), bi, m3);
              v128.store(idx + oo, bi);
            }
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
          if (withIdx) store<i32>(idx + ((o + <usize>ox) << 2), bi);
        }
        o += <usize>ow;
      }
    }
    return;
  }
  // stride 1 or 2 without dilation: four outputs at a time where their windows lie inside the image
  // (and one float more to the right, which the stride-2 loads touch), the rest one at a time
  const vec = (sw == 1 || sw == 2) && dh == 1 && dw == 1;
  // inside: ox in [oxLo, oxHi) have every window column (plus one) in [0, w)
  const oxLo = vec ? min((pw + sw - 1) / sw, ow) : ow;
  const lim = w - kw - 1 + pw; // ox·sw ≤ lim: the window's columns and one more inside the row
  const oxHi = vec && lim >= 0 ? max(min(lim / sw + 1, ow), oxLo) : oxLo;
  for (let p = 0; p < planes; p++) {
    const xb = x + (<usize>(p * h * w) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const rowsInside = oy * sh - ph >= 0 && oy * sh - ph + kh <= h;
      let ox = 0;
      if (vec && rowsInside) {
        for (; ox < oxLo; ox++) maxPoolOne(xb, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oy, ox, y + ((o + <usize>ox) << 2), idx + ((o + <usize>ox) << 2), withIdx);
        for (; ox + 4 <= oxHi; ox += 4) maxPoolFour(xb, w, kh, kw, sw, oy * sh - ph, ox * sw - pw, y + ((o + <usize>ox) << 2), idx + ((o + <usize>ox) << 2), withIdx);
      }
      for (; ox < ow; ox++) maxPoolOne(xb, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oy, ox, y + ((o + <usize>ox) << 2), idx + ((o + <usize>ox) << 2), withIdx);
      o += <usize>ow;
    }
  }
}

/** One output of the general max pool: the window in (ky, kx) order; the first NaN of a row wins that row. */
@inline function maxPoolOne(xb: usize, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oy: i32, ox: i32, yp: usize, ip: usize, withIdx: bool): void {
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
  store<f32>(yp, best);
  if (withIdx) store<i32>(ip, bi);
}

/**
 * Four adjacent outputs (stride sw = 1 or 2, no dilation) whose windows lie inside the image, rows
 * iy0.., columns ix0 + sw·lane ..: maxPoolOne's comparisons as lane masks. Per row, `stop` marks
 * lanes that took a NaN (maxPoolOne's break): they take nothing more in that row.
 */
@inline function maxPoolFour(xb: usize, w: i32, kh: i32, kw: i32, sw: i32, iy0: i32, ix0: i32, yp: usize, ip: usize, withIdx: bool): void {
  if (!withIdx) {
    // values alone: where no lane's window holds a NaN the rule is "v > best takes it", which is
    // f32x4.pmax(best, v) (best < v ? v : best, so ties keep the first); a window with a NaN takes the
    // exact loop below
    let m = f32x4.splat(0);
    let nan = i32x4.splat(0);
    if (kh == 3 && kw == 3 && sw == 2) {
      // resnet's stem pool, unrolled: per row, columns ix0 + 2·lane + 0, 1, 2 from four loads
      for (let ky = 0; ky < 3; ky++) {
        const q = xb + (<usize>((iy0 + ky) * w + ix0) << 2);
        const a0 = v128.load(q), a1 = v128.load(q, 16), b0 = v128.load(q, 8), b1 = v128.load(q, 24);
        const v0 = i32x4.shuffle(a0, a1, 0, 2, 4, 6), v1 = i32x4.shuffle(a0, a1, 1, 3, 5, 7), v2 = i32x4.shuffle(b0, b1, 0, 2, 4, 6);
        m = ky == 0 ? f32x4.pmax(f32x4.pmax(v0, v1), v2) : f32x4.pmax(f32x4.pmax(f32x4.pmax(m, v0), v1), v2);
        nan = v128.or(nan, v128.or(v128.or(f32x4.ne(v0, v0), f32x4.ne(v1, v1)), f32x4.ne(v2, v2)));
      }
    } else {
      for (let ky = 0; ky < kh; ky++) {
        const r = (iy0 + ky) * w + ix0;
        for (let kx = 0; kx < kw; kx++) {
          const q = xb + (<usize>(r + kx) << 2);
          let v: v128;
          if (sw == 2) v = i32x4.shuffle(v128.load(q), v128.load(q, 16), 0, 2, 4, 6);
          else v = v128.load(q);
          m = ky == 0 && kx == 0 ? v : f32x4.pmax(m, v);
          nan = v128.or(nan, f32x4.ne(v, v));
        }
      }
    }
    if (!v128.any_true(nan)) {
      v128.store(yp, m);
      return;
    }
  }
  const step = sw == 2 ? i32x4(0, 2, 4, 6) : i32x4(0, 1, 2, 3);
  let best = f32x4.splat(0);
  let bi = i32x4.splat(0);
  for (let ky = 0; ky < kh; ky++) {
    const r = (iy0 + ky) * w + ix0;
    let stop = i32x4.splat(0);
    for (let kx = 0; kx < kw; kx++) {
      const q = xb + (<usize>(r + kx) << 2);
      let v: v128;
      if (sw == 2) v = i32x4.shuffle(v128.load(q), v128.load(q, 16), 0, 2, 4, 6);
      else v = v128.load(q);
      const nan = f32x4.ne(v, v);
      if (ky == 0 && kx == 0) {
        best = v;
        if (withIdx) bi = i32x4.add(i32x4.splat(r + kx), step);
        stop = nan;
        continue;
      }
      const take = v128.andnot(v128.or(f32x4.gt(v, best), nan), stop);
      best = v128.bitselect(v, best, take);
      if (withIdx) bi = v128.bitselect(i32x4.add(i32x4.splat(r + kx), step), bi, take);
      stop = v128.or(stop, v128.and(take, nan));
    }
  }
  v128.store(yp, best);
  if (withIdx) v128.store(ip, bi);
}

/** dx[plane, idx] += dy (dx zeroed here). */
export function maxPool2dBackward(g: usize, dy: usize, idx: usize, dx: usize): void {
  const planes = gi(g, PoolGeom.N) * gi(g, PoolGeom.C), hw = gi(g, PoolGeom.H) * gi(g, PoolGeom.W), ohw = gi(g, PoolGeom.OH) * gi(g, PoolGeom.OW);
  if (gi(g, PoolGeom.KH) == 2 && gi(g, PoolGeom.KW) == 2 && gi(g, PoolGeom.StrideH) == 2 && gi(g, PoolGeom.StrideW) == 2 && gi(g, PoolGeom.PadH) == 0 && gi(g, PoolGeom.PadW) == 0 &&
    gi(g, PoolGeom.DilH) == 1 && gi(g, PoolGeom.DilW) == 1 &&
    2 * gi(g, PoolGeom.OH) <= gi(g, PoolGeom.H) && 2 * gi(g, PoolGeom.OW) <= gi(g, PoolGeom.W) &&
    maxPool2x2Backward(planes, gi(g, PoolGeom.H), gi(g, PoolGeom.W), gi(g, PoolGeom.OH), gi(g, PoolGeom.OW), dy, idx, dx)) return;
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
  const d = gi(g, PoolGeom.Divisor);
  if (d > 0) return <f32>d;
  if (gi(g, PoolGeom.CountIncludePad)) return <f32>((y1 - y0) * (x1 - x0));
  return <f32>((cy1 - cy0) * (cx1 - cx0));
}

/** Average pool (forward when `back` = 0; the adjoint, dx from dy, when 1). */
export function avgPool2d(g: usize, src: usize, dst: usize, back: i32): void {
  const planes = gi(g, PoolGeom.N) * gi(g, PoolGeom.C), h = gi(g, PoolGeom.H), w = gi(g, PoolGeom.W), oh = gi(g, PoolGeom.OH), ow = gi(g, PoolGeom.OW);
  const kh = gi(g, PoolGeom.KH), kw = gi(g, PoolGeom.KW), sh = gi(g, PoolGeom.StrideH), sw = gi(g, PoolGeom.StrideW), ph = gi(g, PoolGeom.PadH), pw = gi(g, PoolGeom.PadW);
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
