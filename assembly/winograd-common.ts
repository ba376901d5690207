// What the Winograd kernels (winograd.ts: F(2×2, 3×3); winograd4.ts: F(4×4, 3×3)) share: where an
// element of a transformed-filter plane lives in the GEMM's packed layout, the padded input rows the
// input transforms read, and partial stores of four tiles (one per lane).
import { KC, MR } from './gemm';
import { copyF32, zeroF32 } from './conv-common';

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
