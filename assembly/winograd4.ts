// Winograd F(4×4, 3×3) convolution: 3×3 kernel, stride 1, dilation 1, one group (any padding).
// The same scheme as F(2×2, 3×3) in winograd.ts with 4×4 output tiles from 6×6 input patches:
//   Y = Aᵀ [ Σ_ci (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// 36 products per tile and channel pair for 16 outputs (2.25 per output, against 4 for F(2×2, 3×3)
// and 9 direct), as 36 GEMMs M[ξ] (cOut × tiles) = U[ξ] (cOut × cIn) · V[ξ] (cIn × tiles), with
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1⁄24 1⁄12 ⅙; 1⁄24 −1⁄12 ⅙; 0 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
// This file holds F(4×4, 3×3)'s transforms; winograd.ts drives them (the exports `winograd4Filter`,
// `winograd4Tiles`) with the same packed U, rows of tiles and blocking as F(2×2, 3×3), so every
// output is computed by one share and the bits never depend on the pool. The host uses it for layers
// whose outputs are at least 12 wide and tall (test/wasm/winograd.test.ts checks both variants
// against the js convolution).
//
// Rounding: the transforms scale and combine up to six inputs before the products (G's sixths are
// not exact in float32), so F(4×4, 3×3) rounds a little more than F(2×2, 3×3); the tests bound the
// error as for the other convolutions.
import { storeLanes } from './winograd-common';

const SIXTH: f32 = 1.0 / 6.0;
const TWELFTH: f32 = 1.0 / 12.0;
const TWENTYFOURTH: f32 = 1.0 / 24.0;

/** G applied to three values (a, b, c), stored at planes xi..xi+5 from d. */
@inline function filterRow6(d: usize, plane: usize, xi: i32, a: f32, b: f32, c: f32): void {
  store<f32>(d + <usize>xi * plane, a * 0.25);
  store<f32>(d + <usize>(xi + 1) * plane, -(a + b + c) * SIXTH);
  store<f32>(d + <usize>(xi + 2) * plane, -(a - b + c) * SIXTH);
  store<f32>(d + <usize>(xi + 3) * plane, a * TWENTYFOURTH + b * TWELFTH + c * SIXTH);
  store<f32>(d + <usize>(xi + 4) * plane, a * TWENTYFOURTH - b * TWELFTH + c * SIXTH);
  store<f32>(d + <usize>(xi + 5) * plane, c);
}

/** The 36 values (G g Gᵀ)[ξ] (ξ = 6i + k) of one 3×3 filter g0..g8 (row-major), at planes `plane` bytes apart from d. */
@inline export function filter4(d: usize, plane: usize, g0: f32, g1: f32, g2: f32, g3: f32, g4: f32, g5: f32, g6: f32, g7: f32, g8: f32): void {
  // G g: six rows of three (columns j = 0..2 of the filter rows g0–2, g3–5, g6–8)
  filterRow6(d, plane, 0, g0 * 0.25, g1 * 0.25, g2 * 0.25);
  filterRow6(d, plane, 6, -(g0 + g3 + g6) * SIXTH, -(g1 + g4 + g7) * SIXTH, -(g2 + g5 + g8) * SIXTH);
  filterRow6(d, plane, 12, -(g0 - g3 + g6) * SIXTH, -(g1 - g4 + g7) * SIXTH, -(g2 - g5 + g8) * SIXTH);
  filterRow6(
    d, plane, 18,
    g0 * TWENTYFOURTH + g3 * TWELFTH + g6 * SIXTH,
    g1 * TWENTYFOURTH + g4 * TWELFTH + g7 * SIXTH,
    g2 * TWENTYFOURTH + g5 * TWELFTH + g8 * SIXTH,
  );
  filterRow6(
    d, plane, 24,
    g0 * TWENTYFOURTH - g3 * TWELFTH + g6 * SIXTH,
    g1 * TWENTYFOURTH - g4 * TWELFTH + g7 * SIXTH,
    g2 * TWENTYFOURTH - g5 * TWELFTH + g8 * SIXTH,
  );
  filterRow6(d, plane, 30, g6, g7, g8);
}

/**
 * Bᵀ applied to six vectors x0..x5 (lanes: four tiles), the six results stored `step` bytes apart
 * from `out`.
 */
@inline function bt6(x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, out: usize, step: usize, n: i32): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  storeLanes(out, f32x4.add(f32x4.sub(f32x4.mul(four, x0), f32x4.mul(five, x2)), x4), n);
  storeLanes(out + step, f32x4.add(f32x4.sub(x3, f32x4.mul(four, f32x4.add(x1, x2))), x4), n);
  storeLanes(out + 2 * step, f32x4.add(f32x4.sub(f32x4.mul(four, f32x4.sub(x1, x2)), x3), x4), n);
  storeLanes(out + 3 * step, f32x4.add(f32x4.sub(f32x4.mul(two, f32x4.sub(x3, x1)), x2), x4), n);
  storeLanes(out + 4 * step, f32x4.add(f32x4.sub(f32x4.mul(two, f32x4.sub(x1, x3)), x2), x4), n);
  storeLanes(out + 5 * step, f32x4.add(f32x4.sub(f32x4.mul(four, x1), f32x4.mul(five, x3)), x5), n);
}

/**
 * Bᵀ d B of four adjacent tiles (lanes) from six padded rows (`rowBytes` apart) at buffer column
 * 4·tx: rows first, through `tmp` (36 vectors), then columns into V[ξ][ci][j..j+4) (planes `vPlane`
 * bytes apart).
 */
@inline export function inputTiles4(p: usize, rowBytes: usize, v: usize, vPlane: usize, tmp: usize): void {
  for (let i = 0; i < 6; i++) {
    const r = p + <usize>i * rowBytes;
    // the 6 columns of each tile: tile j's column k is r[4j + k]
    const a0 = v128.load(r), a1 = v128.load(r, 16), a2 = v128.load(r, 32), a3 = v128.load(r, 48), a4 = v128.load(r, 64);
    const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5), t1 = i32x4.shuffle(a2, a3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(a0, a1, 2, 6, 3, 7), t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
    const d0 = i32x4.shuffle(t0, t1, 0, 1, 4, 5), d1 = i32x4.shuffle(t0, t1, 2, 3, 6, 7);
    const d2 = i32x4.shuffle(t2, t3, 0, 1, 4, 5), d3 = i32x4.shuffle(t2, t3, 2, 3, 6, 7);
    const u0 = i32x4.shuffle(a1, a2, 0, 4, 1, 5), u1 = i32x4.shuffle(a3, a4, 0, 4, 1, 5);
    const d4 = i32x4.shuffle(u0, u1, 0, 1, 4, 5), d5 = i32x4.shuffle(u0, u1, 2, 3, 6, 7);
    bt6(d0, d1, d2, d3, d4, d5, tmp + (<usize>(6 * i) << 4), 16, 4);
  }
  for (let k = 0; k < 6; k++) {
    const c = tmp + (<usize>k << 4);
    bt6(
      v128.load(c), v128.load(c, 96), v128.load(c, 192), v128.load(c, 288), v128.load(c, 384), v128.load(c, 480),
      v + <usize>k * vPlane, 6 * vPlane, 4,
    );
  }
}

/** Aᵀ applied to six vectors: the four results stored `step` bytes apart from `out`, plus `add`. */
@inline function at6(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, add: v128, out: usize, step: usize): void {
  const two = f32x4.splat(2), four = f32x4.splat(4), eight = f32x4.splat(8);
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2), s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
  v128.store(out, f32x4.add(f32x4.add(f32x4.add(m0, s12), s34), add));
  v128.store(out + step, f32x4.add(f32x4.add(d12, f32x4.mul(two, d34)), add));
  v128.store(out + 2 * step, f32x4.add(f32x4.add(s12, f32x4.mul(four, s34)), add));
  v128.store(out + 3 * step, f32x4.add(f32x4.add(f32x4.add(d12, f32x4.mul(eight, d34)), m5), add));
}

/**
 * Aᵀ m A (+ bias) of four adjacent tiles (lanes) of one output channel, from M[ξ] at m (planes
 * `mPlane` bytes apart): rows through `tmp`, then columns, then each output row's four tiles
 * interleaved into 16 columns; writes `rows` (1..4) rows of `cols` (1..16) columns at y (rows
 * `yRow` bytes apart).
 */
@inline export function outputTiles4(m: usize, mPlane: usize, bias: v128, y: usize, yRow: usize, rows: i32, cols: i32, tmp: usize): void {
  const zero = f32x4.splat(0);
  // rows i: s[i][k] at tmp + (4i + k)·16
  for (let i = 0; i < 6; i++) {
    const q = m + <usize>(6 * i) * mPlane;
    at6(
      v128.load(q), v128.load(q + mPlane), v128.load(q + 2 * mPlane), v128.load(q + 3 * mPlane), v128.load(q + 4 * mPlane),
      v128.load(q + 5 * mPlane), zero, tmp + (<usize>(4 * i) << 4), 16,
    );
  }
  // columns k: o[r][k] at tmp + 384 + (4r + k)·16
  const o = tmp + 384;
  for (let k = 0; k < 4; k++) {
    const c = tmp + (<usize>k << 4);
    at6(v128.load(c), v128.load(c, 64), v128.load(c, 128), v128.load(c, 192), v128.load(c, 256), v128.load(c, 320), bias, o + (<usize>k << 4), 64);
  }
  for (let r = 0; r < rows; r++) {
    const q = o + (<usize>(4 * r) << 4);
    const o0 = v128.load(q), o1 = v128.load(q, 16), o2 = v128.load(q, 32), o3 = v128.load(q, 48);
    // transpose: tile j's four columns
    const t0 = i32x4.shuffle(o0, o1, 0, 4, 1, 5), t1 = i32x4.shuffle(o2, o3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(o0, o1, 2, 6, 3, 7), t3 = i32x4.shuffle(o2, o3, 2, 6, 3, 7);
    const dst = y + <usize>r * yRow;
    storeCols(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5), cols);
    if (cols > 4) storeCols(dst + 16, i32x4.shuffle(t0, t1, 2, 3, 6, 7), cols - 4);
    if (cols > 8) storeCols(dst + 32, i32x4.shuffle(t2, t3, 0, 1, 4, 5), cols - 8);
    if (cols > 12) storeCols(dst + 48, i32x4.shuffle(t2, t3, 2, 3, 6, 7), cols - 12);
  }
}

@inline function storeCols(p: usize, v: v128, n: i32): void {
  storeLanes(p, v, min(n, 4));
}
