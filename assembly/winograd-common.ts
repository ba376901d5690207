// What the Winograd kernels (winograd.ts: F(2×2, 3×3); winograd4.ts: F(4×4, 3×3)) share: where an
// element of a transformed-filter plane lives in the GEMM's packed layout, the padded input rows the
// input transforms read, and partial stores of four tiles (one per lane).
import { ConvGeom } from '../src/backend/wasm/abi';
import { KC, MR, packedRows } from './gemm';
import { copyF32, gi, zeroF32 } from './conv-common';

/**
 * Byte offset, in an A packed for `sgemmPackedA` (m × k, `packedRows(m)` = mp), of element (i, p): the
 * kc-deep slices of k one after another (each mp × kc floats), in each slice the MR-tall panels of
 * `packA` (panel i / MR holds, for each p of the slice, MR consecutive rows).
 */
@inline export function packedAt(mp: i32, k: i32, i: i32, p: i32): usize {
  const pc = (p / KC) * KC;
  const kc = min(KC, k - pc);
  const r = i % MR;
  return <usize>(pc * mp + (i - r) * kc + (p - pc) * MR + r) << 2;
}

/** Store the first `n` (1..4) lanes of v at p. */
@inline export function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Row buffer `dst` (n floats) = input row iy of channel plane xc, shifted right by pw, zero outside. */
@inline export function padRow(xc: usize, h: i32, w: i32, iy: i32, pw: i32, n: i32, dst: usize): void {
  if (iy < 0 || iy >= h) {
    zeroF32(dst, n);
    return;
  }
  // buffer column k holds input column k − pw: zeros in [0, k0), the row in [k0, k1), zeros after
  const k0 = min(pw, n), k1 = min(w + pw, n);
  if (k0 > 0) zeroF32(dst, k0);
  if (k1 > k0) copyF32(dst + (<usize>k0 << 2), xc + (<usize>(iy * w + k0 - pw) << 2), k1 - k0);
  if (n > k1) zeroF32(dst + (<usize>k1 << 2), n - k1);
}


/**
 * Tile rows per block: enough rows for `target` tiles (at most `total`), or up to three rows more when
 * that leaves less of the GEMM's last 8-wide column panel empty (a block of 3 rows of 14 tiles is 42
 * columns, 6 of its 48 computed for nothing; 4 rows is 56, none).
 */
@inline export function blockRowsFor(target: i32, tilesX: i32, total: i32): i32 {
  const base = max(1, min((target + tilesX - 1) / tilesX, total));
  let best = base;
  let bestWaste: f64 = <f64>(((base * tilesX + 7) & ~7) - base * tilesX) / <f64>(base * tilesX);
  for (let r = base + 1; r <= min(base + 3, total); r++) {
    const nb = r * tilesX;
    const waste: f64 = <f64>(((nb + 7) & ~7) - nb) / <f64>nb;
    if (waste < bestWaste) {
      best = r;
      bestWaste = waste;
    }
  }
  return best;
}

/** Tiles of m outputs across n outputs. */
@inline export function tilesOf(n: i32, m: i32): i32 {
  return (n + m - 1) / m;
}

/**
 * Tile rows per block for tiles of m × m outputs ((m + 2)² planes): the V and M blocks ((m + 2)²·(cIn +
 * cOut) floats per tile) near 512 KiB, but at least 32 tiles, so that each block's GEMMs stay large
 * next to their packing.
 */
@inline export function blockRowsOf(g: usize, m: i32): i32 {
  const perTile = (m + 2) * (m + 2) * (gi(g, ConvGeom.CIn) + gi(g, ConvGeom.COut));
  const tiles = max(32, (128 * 1024) / perTile);
  return blockRowsFor(tiles, tilesOf(gi(g, ConvGeom.OW), m), gi(g, ConvGeom.N) * tilesOf(gi(g, ConvGeom.OH), m));
}

/** Floats of one padded input row for tiles of m: m per tile column, rounded to groups of four tiles, plus slack. */
@inline export function rowFloatsOf(g: usize, m: i32): i32 {
  return m * ((tilesOf(gi(g, ConvGeom.OW), m) + 3) & ~3) + 8;
}

/**
 * Floats between the planes U[ξ]: cOut × cIn packed for the GEMM (`packedAt`: cOut rounded up to whole
 * micro-kernel panels), plus one cache line, so that the planes the filter transform writes at once do
 * not all fall in the same cache sets (their size is often a power of two).
 */
@inline export function uPlaneFloats(g: usize): i32 {
  return packedRows(gi(g, ConvGeom.COut)) * gi(g, ConvGeom.CIn) + 16;
}

/**
 * Bytes of a tiles call's work buffer for tiles of m: `scratch` bytes for the transforms, V and M of
 * one block ((m + 2)² planes, rows of nb + 4 floats), m + 2 padded input rows, slack.
 */
@inline export function workBytesOf(g: usize, m: i32, scratch: i32): i32 {
  const nb = blockRowsOf(g, m) * tilesOf(gi(g, ConvGeom.OW), m);
  const planes = (m + 2) * (m + 2);
  return scratch + (planes * (gi(g, ConvGeom.CIn) + gi(g, ConvGeom.COut)) * (nb + 4) + (m + 2) * rowFloatsOf(g, m) + 16) * 4 + 64;
}

/**
 * Where the 3×3 filter of (co, ci) starts: w[co][ci] (w: [cOut, cIn, 3, 3]), or with `flip` w[ci][co]
 * (w: [cIn, cOut, 3, 3] in this geometry's names: the input gradient of the convolution whose weight w
 * is), whose taps `tap` then reads rotated by 180°.
 */
@inline export function filterAt(wt: usize, flip: i32, co: i32, ci: i32, cOut: i32, cIn: i32): usize {
  return wt + (<usize>((flip ? ci * cOut + co : co * cIn + ci) * 9) << 2);
}

/** Tap i (0..8, row-major) of the filter at src, rotated by 180° with `flip`. */
@inline export function tap(src: usize, flip: i32, i: i32): f32 {
  return load<f32>(src + (<usize>(flip ? 8 - i : i) << 2));
}
