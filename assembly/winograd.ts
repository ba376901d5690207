
// Winograd F(2×2, 3×3) convolution: 3×3 kernel, stride 1, dilation 1, one group (any padding).
// Each 2×2 block of outputs (a tile) is computed from its 4×4 input patch d and the 3×3 filter g as
//   Y = Aᵀ [ Σ_ci (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// with 16 multiplications per tile and channel pair instead of 36. The 16 element-wise products,
// summed over the input channels, are 16 GEMMs (one per position ξ of the 4×4 transformed tile):
//   M[ξ] (cOut × tiles) = U[ξ] (cOut × cIn) · V[ξ] (cIn × tiles).
//
// Work is laid out in tile rows: global tile row r = image · tilesY + ty holds tilesX tiles. A call
// of `winogradTiles` does tile rows [r0, r1) in blocks of a few rows (V and M of one block stay in
// the cache); each tile's outputs depend only on its own input patch, U and the GEMM's sum over the
// input channels (which runs in the same order for every column), so the bits never depend on the
// blocking or on how the worker pool splits the tile rows.
//
// The gradient with respect to the input of a 3×3 stride-1 convolution is itself one: dx =
// conv(dy, w') with w'[ci][co] = w[co][ci] flipped in both axes, padding 2 − p; `winogradFilter`
// builds U from w' when `flip` is set, and the host passes that convolution's geometry.
//
// Rounding: the transforms add and subtract inputs (and halve filter sums) before the products, so
// results differ from the direct sum in the last bits (relative error a few 1e-7 per term, see
// test/wasm/winograd.test.ts); every output is still a sum of float32 products, in a fixed order.
import { ConvGeom } from '../src/backend/wasm/abi';
import { gi } from './conv-common';
import { MR, packedRows, sgemm, sgemmPackedA } from './gemm';
import { blockRowsOf, filterAt, packedAt, padRow, rowFloatsOf, storeLanes, tap, tilesOf, uPlaneFloats, workBytesOf } from './winograd-common';
import { filter4, inputTiles4, outputTiles4 } from './winograd4';

/** Bytes of U, the 16 planes of transformed filters, each packed so that no call packs U again. */
export function winogradFilterBytes(g: usize): i32 {
  return 16 * uPlaneFloats(g) * 4;
}

/** Bytes of one `winogradTiles` call's work buffer: V and M of one block, four padded rows, slack. */
export function winogradWorkBytes(g: usize): i32 {
  return workBytesOf(g, 2, 0);
}

/** Bytes of U for F(4×4, 3×3): 36 packed planes. */
export function winograd4FilterBytes(g: usize): i32 {
  return 36 * uPlaneFloats(g) * 4;
}

/** Bytes of one `winograd4Tiles` call's work buffer: transform scratch, V and M of one block, six padded rows. */
export function winograd4WorkBytes(g: usize): i32 {
  return workBytesOf(g, 4, 1024);
}

/** Bytes of one partial sum Z in `winogradGradWeight`: 16 planes of cOut × cIn floats (there are `winogradGradParts(g)`). */
export function winogradGradBytes(g: usize): i32 {
  return 16 * gi(g, ConvGeom.COut) * gi(g, ConvGeom.CIn) * 4;
}

/**
 * U[ξ][co][ci] = (G g Gᵀ)[ξ] for output channels [co0, co1) (F(2×2, 3×3): G = [1 0 0; ½ ½ ½; ½ −½ ½;
 * 0 0 1], 16 planes), each plane U[ξ] stored packed for `sgemmPackedA` (the share that ends at cOut also
 * zeroes the padding rows). g is w[co][ci], or with `flip` w[ci][co] rotated by 180° (`filterAt`).
 * Written panel by panel, input channel by input channel, so each plane fills its cache lines in order.
 */
export function winogradFilter(g: usize, wt: usize, u: usize, co0: i32, co1: i32, flip: i32): void {
  filterPanels(g, wt, u, co0, co1, flip, 2);
}

/** The same for F(4×4, 3×3): 36 planes (assembly/winograd4.ts, `filter4`). */
export function winograd4Filter(g: usize, wt: usize, u: usize, co0: i32, co1: i32, flip: i32): void {
  filterPanels(g, wt, u, co0, co1, flip, 4);
}

/** The filter transform for tiles of m (2 or 4) outputs; see `winogradFilter`. */
function filterPanels(g: usize, wt: usize, u: usize, co0: i32, co1: i32, flip: i32, m: i32): void {
  const cIn = gi(g, ConvGeom.CIn), cOut = gi(g, ConvGeom.COut);
  const mp = packedRows(cOut);
  const plane = <usize>uPlaneFloats(g) << 2;
  const planes = (m + 2) * (m + 2);
  const end = co1 == cOut ? mp : co1;
  for (let p0 = co0 - (co0 % MR); p0 < end; p0 += MR) {
    const r0 = max(p0, co0), r1 = min(p0 + MR, end);
    for (let ci = 0; ci < cIn; ci++) {
      for (let co = r0; co < r1; co++) {
        const d = u + packedAt(mp, cIn, co, ci);
        if (co >= cOut) {
          for (let xi = 0; xi < planes; xi++) store<f32>(d + <usize>xi * plane, 0);
          continue;
        }
        // the 3×3 filter, row-major
        const src = filterAt(wt, flip, co, ci, cOut, cIn);
        const g0 = tap(src, flip, 0), g1 = tap(src, flip, 1), g2 = tap(src, flip, 2);
        const g3 = tap(src, flip, 3), g4 = tap(src, flip, 4), g5 = tap(src, flip, 5);
        const g6 = tap(src, flip, 6), g7 = tap(src, flip, 7), g8 = tap(src, flip, 8);
        if (m == 4) filter4(d, plane, g0, g1, g2, g3, g4, g5, g6, g7, g8);
        else filter2(d, plane, g0, g1, g2, g3, g4, g5, g6, g7, g8);
      }
    }
  }
}

/** The 16 values (G g Gᵀ)[ξ] (ξ = 4i + k) of one 3×3 filter g0..g8 (row-major), at planes `plane` bytes apart from d. */
@inline function filter2(d: usize, plane: usize, g0: f32, g1: f32, g2: f32, g3: f32, g4: f32, g5: f32, g6: f32, g7: f32, g8: f32): void {
  // G g: rows t0..t3 of three columns each
  const t10 = (g0 + g3 + g6) * 0.5, t11 = (g1 + g4 + g7) * 0.5, t12 = (g2 + g5 + g8) * 0.5;
  const t20 = (g0 - g3 + g6) * 0.5, t21 = (g1 - g4 + g7) * 0.5, t22 = (g2 - g5 + g8) * 0.5;
  // (G g) Gᵀ, row i → [a, (a+b+c)/2, (a−b+c)/2, c]; U[ξ = 4i + k] at plane ξ
  filterRow(d, plane, 0, g0, g1, g2);
  filterRow(d, plane, 4, t10, t11, t12);
  filterRow(d, plane, 8, t20, t21, t22);
  filterRow(d, plane, 12, g6, g7, g8);
}

@inline function filterRow(d: usize, plane: usize, xi: i32, a: f32, b: f32, c: f32): void {
  store<f32>(d + <usize>xi * plane, a);
  store<f32>(d + <usize>(xi + 1) * plane, (a + b + c) * 0.5);
  store<f32>(d + <usize>(xi + 2) * plane, (a - b + c) * 0.5);
  store<f32>(d + <usize>(xi + 3) * plane, c);
}

/**
 * Bᵀ d B of four adjacent tiles (lanes) from the padded rows r (four rows of the patch), at buffer
 * column 2·tx: Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]. Stores V[ξ][ci][j..j+n) (ξ planes
 * `vPlane` bytes apart).
 */
@inline function inputTiles(r0: usize, r1: usize, r2: usize, r3: usize, v: usize, vPlane: usize, n: i32): void {
  // horizontal (B on the columns) for each of the four rows: h0 = d0 − d2, h1 = d1 + d2, h2 = d2 − d1, h3 = d1 − d3
  let l0 = v128.load(r0), l1 = v128.load(r0, 16), m0 = v128.load(r0, 8), m1 = v128.load(r0, 24);
  let d0 = i32x4.shuffle(l0, l1, 0, 2, 4, 6), d1 = i32x4.shuffle(l0, l1, 1, 3, 5, 7);
  let d2 = i32x4.shuffle(m0, m1, 0, 2, 4, 6), d3 = i32x4.shuffle(m0, m1, 1, 3, 5, 7);
  const a0 = f32x4.sub(d0, d2), a1 = f32x4.add(d1, d2), a2 = f32x4.sub(d2, d1), a3 = f32x4.sub(d1, d3);
  l0 = v128.load(r1); l1 = v128.load(r1, 16); m0 = v128.load(r1, 8); m1 = v128.load(r1, 24);
  d0 = i32x4.shuffle(l0, l1, 0, 2, 4, 6); d1 = i32x4.shuffle(l0, l1, 1, 3, 5, 7);
  d2 = i32x4.shuffle(m0, m1, 0, 2, 4, 6); d3 = i32x4.shuffle(m0, m1, 1, 3, 5, 7);
  const b0 = f32x4.sub(d0, d2), b1 = f32x4.add(d1, d2), b2 = f32x4.sub(d2, d1), b3 = f32x4.sub(d1, d3);
  l0 = v128.load(r2); l1 = v128.load(r2, 16); m0 = v128.load(r2, 8); m1 = v128.load(r2, 24);
  d0 = i32x4.shuffle(l0, l1, 0, 2, 4, 6); d1 = i32x4.shuffle(l0, l1, 1, 3, 5, 7);
  d2 = i32x4.shuffle(m0, m1, 0, 2, 4, 6); d3 = i32x4.shuffle(m0, m1, 1, 3, 5, 7);
  const c0 = f32x4.sub(d0, d2), c1 = f32x4.add(d1, d2), c2 = f32x4.sub(d2, d1), c3 = f32x4.sub(d1, d3);
  l0 = v128.load(r3); l1 = v128.load(r3, 16); m0 = v128.load(r3, 8); m1 = v128.load(r3, 24);
  d0 = i32x4.shuffle(l0, l1, 0, 2, 4, 6); d1 = i32x4.shuffle(l0, l1, 1, 3, 5, 7);
  d2 = i32x4.shuffle(m0, m1, 0, 2, 4, 6); d3 = i32x4.shuffle(m0, m1, 1, 3, 5, 7);
  const e0 = f32x4.sub(d0, d2), e1 = f32x4.add(d1, d2), e2 = f32x4.sub(d2, d1), e3 = f32x4.sub(d1, d3);
  // vertical (Bᵀ on the rows a, b, c, e): ξ = 4i + k
  storeLanes(v, f32x4.sub(a0, c0), n);
  storeLanes(v + vPlane, f32x4.sub(a1, c1), n);
  storeLanes(v + 2 * vPlane, f32x4.sub(a2, c2), n);
  storeLanes(v + 3 * vPlane, f32x4.sub(a3, c3), n);
  storeLanes(v + 4 * vPlane, f32x4.add(b0, c0), n);
  storeLanes(v + 5 * vPlane, f32x4.add(b1, c1), n);
  storeLanes(v + 6 * vPlane, f32x4.add(b2, c2), n);
  storeLanes(v + 7 * vPlane, f32x4.add(b3, c3), n);
  storeLanes(v + 8 * vPlane, f32x4.sub(c0, b0), n);
  storeLanes(v + 9 * vPlane, f32x4.sub(c1, b1), n);
  storeLanes(v + 10 * vPlane, f32x4.sub(c2, b2), n);
  storeLanes(v + 11 * vPlane, f32x4.sub(c3, b3), n);
  storeLanes(v + 12 * vPlane, f32x4.sub(b0, e0), n);
  storeLanes(v + 13 * vPlane, f32x4.sub(b1, e1), n);
  storeLanes(v + 14 * vPlane, f32x4.sub(b2, e2), n);
  storeLanes(v + 15 * vPlane, f32x4.sub(b3, e3), n);
}

/** Aᵀ applied to four values: [m0 + m1 + m2, m1 − m2 − m3]. */
@inline function outLo(m0: v128, m1: v128, m2: v128): v128 {
  return f32x4.add(f32x4.add(m0, m1), m2);
}
@inline function outHi(m1: v128, m2: v128, m3: v128): v128 {
  return f32x4.sub(f32x4.sub(m1, m2), m3);
}

/**
 * Aᵀ m A of four adjacent tiles (lanes) of one output channel, from M[ξ] at m (planes `mPlane`
 * bytes apart), plus `bias` (splat); writes the 2×2 outputs of the first `n`
 * tiles into y0 (row 2·ty) and y1 (row 2·ty + 1; skipped when `two` is false), `cols` output columns
 * from y0's first (2n or 2n − 1 when the last tile is cut by the edge).
 */
@inline function outputTiles(m: usize, mPlane: usize, bias: v128, y0: usize, y1: usize, two: bool, cols: i32): void {
  // horizontal first (A on k) for each row i of the 4×4 tile
  let q0 = v128.load(m), q1 = v128.load(m + mPlane), q2 = v128.load(m + 2 * mPlane), q3 = v128.load(m + 3 * mPlane);
  const s00 = outLo(q0, q1, q2), s01 = outHi(q1, q2, q3);
  q0 = v128.load(m + 4 * mPlane); q1 = v128.load(m + 5 * mPlane); q2 = v128.load(m + 6 * mPlane); q3 = v128.load(m + 7 * mPlane);
  const s10 = outLo(q0, q1, q2), s11 = outHi(q1, q2, q3);
  q0 = v128.load(m + 8 * mPlane); q1 = v128.load(m + 9 * mPlane); q2 = v128.load(m + 10 * mPlane); q3 = v128.load(m + 11 * mPlane);
  const s20 = outLo(q0, q1, q2), s21 = outHi(q1, q2, q3);
  q0 = v128.load(m + 12 * mPlane); q1 = v128.load(m + 13 * mPlane); q2 = v128.load(m + 14 * mPlane); q3 = v128.load(m + 15 * mPlane);
  const s30 = outLo(q0, q1, q2), s31 = outHi(q1, q2, q3);
  // vertical (Aᵀ on i), then the bias
  const o00 = f32x4.add(outLo(s00, s10, s20), bias), o01 = f32x4.add(outLo(s01, s11, s21), bias);
  const o10 = f32x4.add(outHi(s10, s20, s30), bias), o11 = f32x4.add(outHi(s11, s21, s31), bias);
  storeRow(y0, o00, o01, cols);
  if (two) storeRow(y1, o10, o11, cols);
}

/** Interleave the left (a) and right (b) outputs of four tiles into 8 columns; store the first `cols`. */
@inline function storeRow(y: usize, a: v128, b: v128, cols: i32): void {
  const lo = i32x4.shuffle(a, b, 0, 4, 1, 5), hi = i32x4.shuffle(a, b, 2, 6, 3, 7);
  if (cols >= 8) {
    v128.store(y, lo);
    v128.store(y, hi, 16);
    return;
  }
  if (cols >= 4) {
    v128.store(y, lo);
    if (cols > 4) store<f32>(y, f32x4.extract_lane(hi, 0), 16);
    if (cols > 5) store<f32>(y, f32x4.extract_lane(hi, 1), 20);
    if (cols > 6) store<f32>(y, f32x4.extract_lane(hi, 2), 24);
    return;
  }
  store<f32>(y, f32x4.extract_lane(lo, 0));
  if (cols > 1) store<f32>(y, f32x4.extract_lane(lo, 1), 4);
  if (cols > 2) store<f32>(y, f32x4.extract_lane(lo, 2), 8);
}

/**
 * Outputs of tile rows [r0, r1) (r = image · tilesY + ty, tiles of 2×2): y[n][cOut][oh][ow] = conv(x, w)
 * (+ bias at ConvGeom.Bias), from U (`winogradFilter`). `work` holds `winogradWorkBytes(g)` bytes,
 * `scratch` the GEMM's `gemmScratchBytes()`.
 */
export function winogradTiles(g: usize, x: usize, u: usize, y: usize, work: usize, scratch: usize, r0: i32, r1: i32): void {
  tileRows(g, x, u, y, work, scratch, r0, r1, 2);
}

/** The same with tiles of 4×4 (F(4×4, 3×3), U from `winograd4Filter`; work: `winograd4WorkBytes(g)`). */
export function winograd4Tiles(g: usize, x: usize, u: usize, y: usize, work: usize, scratch: usize, r0: i32, r1: i32): void {
  tileRows(g, x, u, y, work, scratch, r0, r1, 4);
}

/** Tile rows [r0, r1) for tiles of m × m outputs (2 or 4): input transform, (m + 2)² GEMMs, output transform, block by block. */
function tileRows(g: usize, x: usize, u: usize, y: usize, work: usize, scratch: usize, r0: i32, r1: i32, m: i32): void {
  const cIn = gi(g, ConvGeom.CIn), h = gi(g, ConvGeom.H), w = gi(g, ConvGeom.W), cOut = gi(g, ConvGeom.COut);
  const oh = gi(g, ConvGeom.OH), ow = gi(g, ConvGeom.OW), ph = gi(g, ConvGeom.PadH), pw = gi(g, ConvGeom.PadW);
  const biasAt = <usize>gi(g, ConvGeom.Bias);
  const tilesY = tilesOf(oh, m), tilesX = tilesOf(ow, m);
  const planes = (m + 2) * (m + 2);
  const rowsPer = blockRowsOf(g, m);
  const nRow = rowFloatsOf(g, m);
  const rowBytes = <usize>nRow << 2;
  const nbMax = rowsPer * tilesX;
  // F(4×4)'s transforms pass through 1 KiB of scratch (`tmp`); then V, M and the padded input rows
  const tmp = (work + 15) & ~(<usize>15);
  const vBase = tmp + (m == 4 ? 1024 : 0);
  const mBase = vBase + (<usize>(planes * cIn * (nbMax + 4)) << 2);
  const rowBuf = mBase + (<usize>(planes * cOut * (nbMax + 4) + 4) << 2);
  const uPlane = <usize>uPlaneFloats(g) << 2;
  const yRow = <usize>ow << 2;
  for (let rb = r0; rb < r1; rb += rowsPer) {
    const re = min(rb + rowsPer, r1);
    const nb = (re - rb) * tilesX;
    // V rows hold nb + 4 floats: four tiles are stored at once, and a row's last group spills into
    // the next tile row (written after it) or into this slack
    const ldv = nb + 4;
    const vPlane = <usize>(cIn * ldv) << 2;
    const mPlane = <usize>(cOut * nb) << 2;
    // input transform: V[ξ][ci][j], j = (r − rb) · tilesX + tx
    for (let r = rb; r < re; r++) {
      const b = r / tilesY, ty = r - b * tilesY;
      const iy = m * ty - ph;
      const jRow = (r - rb) * tilesX;
      for (let ci = 0; ci < cIn; ci++) {
        const xc = x + (<usize>((b * cIn + ci) * h * w) << 2);
        for (let i = 0; i < m + 2; i++) padRow(xc, h, w, iy + i, pw, nRow, rowBuf + <usize>i * rowBytes);
        const vRow = vBase + (<usize>(ci * ldv + jRow) << 2);
        for (let tx = 0; tx < tilesX; tx += 4) {
          const p = rowBuf + (<usize>(m * tx) << 2);
          if (m == 4) inputTiles4(p, rowBytes, vRow + (<usize>tx << 2), vPlane, tmp);
          else inputTiles(p, p + rowBytes, p + 2 * rowBytes, p + 3 * rowBytes, vRow + (<usize>tx << 2), vPlane, 4);
        }
      }
    }
    // the products, summed over the input channels
    for (let xi = 0; xi < planes; xi++) {
      sgemmPackedA(cOut, nb, cIn, u + <usize>xi * uPlane, vBase + <usize>xi * vPlane, ldv, mBase + <usize>xi * mPlane, nb, 0, scratch);
    }
    // output transform
    for (let co = 0; co < cOut; co++) {
      const bias = biasAt ? v128.load32_splat(biasAt + (<usize>co << 2)) : f32x4.splat(0);
      for (let r = rb; r < re; r++) {
        const b = r / tilesY, ty = r - b * tilesY;
        const oy = m * ty;
        const yBase = y + (<usize>(((b * cOut + co) * oh + oy) * ow) << 2);
        const mRow = mBase + (<usize>(co * nb + (r - rb) * tilesX) << 2);
        for (let tx = 0; tx < tilesX; tx += 4) {
          const y0 = yBase + (<usize>(m * tx) << 2);
          if (m == 4) outputTiles4(mRow + (<usize>tx << 2), mPlane, bias, y0, yRow, min(4, oh - oy), min(16, ow - 4 * tx), tmp);
          else outputTiles(mRow + (<usize>tx << 2), mPlane, bias, y0, y0 + yRow, oy + 1 < oh, min(8, ow - 2 * tx));
        }
      }
    }
  }
}

/**
 * A dy Aᵀ of four adjacent tiles (lanes) from two padded output-gradient rows e0 (row 2·ty) and e1
 * (row 2·ty + 1) at buffer column 2·tx (A = [1 0; 1 1; 1 −1; 0 −1]); stores DY[ξ][co][j..j+n).
 */
@inline function gradTiles(e0: usize, e1: usize, d: usize, dPlane: usize, n: i32): void {
  let l0 = v128.load(e0), l1 = v128.load(e0, 16);
  const p0 = i32x4.shuffle(l0, l1, 0, 2, 4, 6), q0 = i32x4.shuffle(l0, l1, 1, 3, 5, 7);
  l0 = v128.load(e1); l1 = v128.load(e1, 16);
  const p1 = i32x4.shuffle(l0, l1, 0, 2, 4, 6), q1 = i32x4.shuffle(l0, l1, 1, 3, 5, 7);
  // vertical: rows [e0, e0 + e1, e0 − e1, −e1], each a pair (p, q)
  gradRow(d, dPlane, 0, p0, q0, n);
  gradRow(d, dPlane, 4, f32x4.add(p0, p1), f32x4.add(q0, q1), n);
  gradRow(d, dPlane, 8, f32x4.sub(p0, p1), f32x4.sub(q0, q1), n);
  gradRow(d, dPlane, 12, f32x4.neg(p1), f32x4.neg(q1), n);
}

/** Horizontal: (p, q) → [p, p + q, p − q, −q] at planes xi..xi+3. */
@inline function gradRow(d: usize, dPlane: usize, xi: i32, p: v128, q: v128, n: i32): void {
  storeLanes(d + <usize>xi * dPlane, p, n);
  storeLanes(d + <usize>(xi + 1) * dPlane, f32x4.add(p, q), n);
  storeLanes(d + <usize>(xi + 2) * dPlane, f32x4.sub(p, q), n);
  storeLanes(d + <usize>(xi + 3) * dPlane, f32x4.neg(q), n);
}

/** Gᵀ applied to four values (Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1]), then the first of the three. */
@inline function gtA(z0: f32, z1: f32, z2: f32): f32 {
  return z0 + (z1 + z2) * 0.5;
}
@inline function gtB(z1: f32, z2: f32): f32 {
  return (z1 - z2) * 0.5;
}
@inline function gtC(z1: f32, z2: f32, z3: f32): f32 {
  return (z1 + z2) * 0.5 + z3;
}

/** How many partial sums Z the weight gradient takes (by tile rows): fixed by the shape, never by the pool. */
export function winogradGradParts(g: usize): i32 {
  return min(WGRAD_PARTS, gi(g, ConvGeom.N) * ((gi(g, ConvGeom.OH) + 1) >> 1));
}
const WGRAD_PARTS: i32 = 8;

/**
 * The weight gradient dw[cOut][cIn][3][3] of the 3×3 stride-1 convolution of x (geometry g, output
 * gradient dy): dw = Gᵀ Z G with Z[ξ] = Σ_tiles (A dy Aᵀ)[ξ] ⊙ (Bᵀ d B)[ξ] — the transposed form of the
 * forward's bilinear algorithm — in two phases:
 * - `winogradGradWeight`: partial sums Z_p (16 planes of cOut × cIn floats each, `winogradGradBytes`
 *   apart at z) for parts [p0, p1) of `winogradGradParts(g)` equal runs of tile rows; each is one GEMM
 *   per block of tiles, accumulated over its blocks in order;
 * - `winogradGradWeightFinish`: Z = ((Z_0 + Z_1) + Z_2) + … and dw = Gᵀ Z G for output channels [co0, co1).
 * The parts are fixed by the shape, so the bits never depend on the number of threads, and each thread
 * transforms only its own tiles of x and dy. `work`: `winogradWorkBytes(g)`.
 */
export function winogradGradWeight(g: usize, x: usize, dy: usize, z: usize, work: usize, scratch: usize, p0: i32, p1: i32): void {
  const tilesY = (gi(g, ConvGeom.OH) + 1) >> 1;
  const rows = gi(g, ConvGeom.N) * tilesY;
  const parts = winogradGradParts(g);
  const zBytes = <usize>winogradGradBytes(g);
  for (let p = p0; p < p1; p++) {
    const r0 = <i32>((<i64>rows * p) / parts), r1 = <i32>((<i64>rows * (p + 1)) / parts);
    gradWeightRows(g, x, dy, z + <usize>p * zBytes, work, scratch, r0, r1);
  }
}

/** Z (at z) = Σ over tile rows [r0, r1) (r0 < r1) of the tiles' products, all output channels. */
function gradWeightRows(g: usize, x: usize, dy: usize, z: usize, work: usize, scratch: usize, r0: i32, r1: i32): void {
  const cIn = gi(g, ConvGeom.CIn), h = gi(g, ConvGeom.H), w = gi(g, ConvGeom.W), cOut = gi(g, ConvGeom.COut);
  const oh = gi(g, ConvGeom.OH), ow = gi(g, ConvGeom.OW), ph = gi(g, ConvGeom.PadH), pw = gi(g, ConvGeom.PadW);
  const tilesY = (oh + 1) >> 1, tilesX = (ow + 1) >> 1;
  const rowsPer = blockRowsOf(g, 2);
  const nRow = rowFloatsOf(g, 2);
  const rowBytes = <usize>nRow << 2;
  const nbMax = rowsPer * tilesX;
  const vBase = (work + 15) & ~(<usize>15);
  const dBase = vBase + (<usize>(16 * cIn * (nbMax + 4)) << 2);
  const rowBuf = dBase + (<usize>(16 * cOut * (nbMax + 4) + 4) << 2);
  const zPlane = <usize>(cOut * cIn) << 2;
  for (let rb = r0; rb < r1; rb += rowsPer) {
    const re = min(rb + rowsPer, r1);
    const nb = (re - rb) * tilesX;
    const ld = nb + 4; // V and DY rows: slack for four-tile stores, as in winogradTiles
    const vPlane = <usize>(cIn * ld) << 2;
    const dPlane = <usize>(cOut * ld) << 2;
    for (let r = rb; r < re; r++) {
      const b = r / tilesY, ty = r - b * tilesY;
      const iy = 2 * ty - ph;
      const jRow = (r - rb) * tilesX;
      for (let ci = 0; ci < cIn; ci++) {
        const xc = x + (<usize>((b * cIn + ci) * h * w) << 2);
        padRow(xc, h, w, iy, pw, nRow, rowBuf);
        padRow(xc, h, w, iy + 1, pw, nRow, rowBuf + rowBytes);
        padRow(xc, h, w, iy + 2, pw, nRow, rowBuf + 2 * rowBytes);
        padRow(xc, h, w, iy + 3, pw, nRow, rowBuf + 3 * rowBytes);
        const vRow = vBase + (<usize>(ci * ld + jRow) << 2);
        for (let tx = 0; tx < tilesX; tx += 4) {
          const p = rowBuf + (<usize>(2 * tx) << 2);
          inputTiles(p, p + rowBytes, p + 2 * rowBytes, p + 3 * rowBytes, vRow + (<usize>tx << 2), vPlane, 4);
        }
      }
      for (let co = 0; co < cOut; co++) {
        const dc = dy + (<usize>((b * cOut + co) * oh * ow) << 2);
        padRow(dc, oh, ow, 2 * ty, 0, nRow, rowBuf);
        padRow(dc, oh, ow, 2 * ty + 1, 0, nRow, rowBuf + rowBytes);
        const dRow = dBase + (<usize>(co * ld + jRow) << 2);
        for (let tx = 0; tx < tilesX; tx += 4) {
          const p = rowBuf + (<usize>(2 * tx) << 2);
          gradTiles(p, p + rowBytes, dRow + (<usize>tx << 2), dPlane, 4);
        }
      }
    }
    // Z[ξ] (+)= DY[ξ] · V[ξ]ᵀ; acc | 2: the packed path
    const acc = rb > r0 ? 3 : 2;
    for (let xi = 0; xi < 16; xi++) {
      sgemm(0, 1, cOut, cIn, nb, dBase + <usize>xi * dPlane, ld, vBase + <usize>xi * vPlane, ld, z + <usize>xi * zPlane, cIn, acc, scratch);
    }
  }
}

/** Element (co, ci) of plane ξ of Z = the partial sums at z, `winogradGradBytes(g)` apart, added in order. */
@inline function zSum(zp: usize, parts: i32, zBytes: usize): f32 {
  let s = load<f32>(zp);
  for (let p = 1; p < parts; p++) s += load<f32>(zp + <usize>p * zBytes);
  return s;
}

/** dw = Gᵀ Z G for output channels [co0, co1), Z the sum of `winogradGradWeight`'s partial sums at z. */
export function winogradGradWeightFinish(g: usize, z: usize, dw: usize, co0: i32, co1: i32): void {
  const cIn = gi(g, ConvGeom.CIn), cOut = gi(g, ConvGeom.COut);
  const parts = winogradGradParts(g);
  const zBytes = <usize>winogradGradBytes(g);
  const zPlane = <usize>(cOut * cIn) << 2;
  for (let co = co0; co < co1; co++) {
    for (let ci = 0; ci < cIn; ci++) {
      const zp = z + (<usize>(co * cIn + ci) << 2);
      const d = dw + (<usize>((co * cIn + ci) * 9) << 2);
      // columns first (G on η): for each row ξ-row i, t[i][0..2]
      let z0 = zSum(zp, parts, zBytes), z1 = zSum(zp + zPlane, parts, zBytes), z2 = zSum(zp + 2 * zPlane, parts, zBytes), z3 = zSum(zp + 3 * zPlane, parts, zBytes);
      const a0 = gtA(z0, z1, z2), a1 = gtB(z1, z2), a2 = gtC(z1, z2, z3);
      z0 = zSum(zp + 4 * zPlane, parts, zBytes); z1 = zSum(zp + 5 * zPlane, parts, zBytes); z2 = zSum(zp + 6 * zPlane, parts, zBytes); z3 = zSum(zp + 7 * zPlane, parts, zBytes);
      const b0 = gtA(z0, z1, z2), b1 = gtB(z1, z2), b2 = gtC(z1, z2, z3);
      z0 = zSum(zp + 8 * zPlane, parts, zBytes); z1 = zSum(zp + 9 * zPlane, parts, zBytes); z2 = zSum(zp + 10 * zPlane, parts, zBytes); z3 = zSum(zp + 11 * zPlane, parts, zBytes);
      const c0 = gtA(z0, z1, z2), c1 = gtB(z1, z2), c2 = gtC(z1, z2, z3);
      z0 = zSum(zp + 12 * zPlane, parts, zBytes); z1 = zSum(zp + 13 * zPlane, parts, zBytes); z2 = zSum(zp + 14 * zPlane, parts, zBytes); z3 = zSum(zp + 15 * zPlane, parts, zBytes);
      const e0 = gtA(z0, z1, z2), e1 = gtB(z1, z2), e2 = gtC(z1, z2, z3);
      // rows (Gᵀ on ξ)
      store<f32>(d, gtA(a0, b0, c0)); store<f32>(d, gtA(a1, b1, c1), 4); store<f32>(d, gtA(a2, b2, c2), 8);
      store<f32>(d, gtB(b0, c0), 12); store<f32>(d, gtB(b1, c1), 16); store<f32>(d, gtB(b2, c2), 20);
      store<f32>(d, gtC(b0, c0, e0), 24); store<f32>(d, gtC(b1, c1, e1), 28); store<f32>(d, gtC(b2, c2, e2), 32);
    }
  }
}

@inline function mixA(h: v128, x: v128): v128 {
  const t = i32x4.mul(v128.xor(h, x), i32x4.splat(0x9e3779b1));
  return v128.xor(t, i32x4.shr_u(t, 15));
}
@inline function mixB(h: v128, x: v128): v128 {
  const t = i32x4.mul(v128.xor(h, x), i32x4.splat(0x85ebca77));
  return v128.xor(t, i32x4.shr_u(t, 13));
}

/**
 * A 1,024-bit fingerprint of the `n` floats at p, written as 32 u32 at `out`: eight chains (two
 * multiply–xorshift families over four interleaved streams of 16-byte words). Each step is a
 * bijection of the chain's state for a fixed word and of the word for a fixed state, so changing any
 * one word always changes the fingerprint. The host keys its cache of transformed filters on it
 * (src/backend/wasm/kernels.ts, `winogradCache`): a weight whose bytes changed is transformed again.
 */
export function checksumF32(p: usize, n: i32, out: usize): void {
  let a0 = i32x4.splat(n), a1 = i32x4.splat(1), a2 = i32x4.splat(2), a3 = i32x4.splat(3);
  let b0 = i32x4.splat(~n), b1 = i32x4.splat(5), b2 = i32x4.splat(6), b3 = i32x4.splat(7);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const q = p + (<usize>i << 2);
    const x0 = v128.load(q), x1 = v128.load(q, 16), x2 = v128.load(q, 32), x3 = v128.load(q, 48);
    a0 = mixA(a0, x0); a1 = mixA(a1, x1); a2 = mixA(a2, x2); a3 = mixA(a3, x3);
    b0 = mixB(b0, x0); b1 = mixB(b1, x1); b2 = mixB(b2, x2); b3 = mixB(b3, x3);
  }
  for (; i < n; i++) {
    const x = v128.load32_zero(p + (<usize>i << 2));
    a0 = mixA(a0, x);
    b0 = mixB(b0, x);
  }
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out, b0, 64); v128.store(out, b1, 80); v128.store(out, b2, 96); v128.store(out, b3, 112);
}
