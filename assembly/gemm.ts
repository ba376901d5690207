// Single-precision GEMM for WebAssembly SIMD: packed, cache-blocked, with a register-tiled 6x8
// micro-kernel. C[m,n] (+)= op(A) · op(B), row-major, op = identity or transpose.
//
// Blocking (Goto/BLIS style): for each kc-deep slice of k, B's slice is packed into NR-wide column
// panels; for each mc-tall block of rows, A's block is packed into MR-tall row panels; the micro-kernel
// then multiplies one MR panel by one NR panel, holding the MR×NR tile of C in 12 v128 registers.
// Edges are zero-padded in the packed buffers and written back through a small tile buffer.
//
// The multiply-add is `f32x4.relaxed_madd` when the module is built with relaxed SIMD (a fused
// multiply-add on x86 with FMA3), else a separate multiply and add.

// 6×8 with fused multiply-add (12 accumulators); 4×8 without, where the separate multiply needs a
// temporary register and 12 accumulators would spill.
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 120; // multiple of MR (4 and 6)
export const NC: i32 = 2048; // multiple of NR

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Bytes of scratch one `sgemm` call needs for its packed panels. */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC) * 4 + MR * NR * 4 + 64;
}

// Pack rows [i0, i0+mc) × cols [p0, p0+kc) of op(A) into MR-tall panels: panel r holds, for each p,
// MR consecutive values op(A)[i0 + r*MR + 0..MR-1, p0 + p] (zero beyond m).
function packA(transA: i32, a: usize, lda: i32, i0: i32, p0: i32, mc: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    if (!transA) {
      // op(A)[i, p] = a[i*lda + p]
      if (rows == MR) {
        const r0 = a + (<usize>((i0 + ir) * lda + p0) << 2);
        const s = <usize>lda << 2;
        let p = 0;
        // four p at a time: rows 0–3 by a 4×4 transpose in registers, rows 4–5 (MR = 6) interleaved
        for (; p + 4 <= kc; p += 4) {
          const src = r0 + (<usize>p << 2);
          const d = dst + (<usize>p * MR << 2);
          packA4(src, s, d);
        }
        for (; p < kc; p++) {
          const src = r0 + (<usize>p << 2);
          const d = dst + (<usize>p * MR << 2);
          store<f32>(d, load<f32>(src));
          store<f32>(d, load<f32>(src + s), 4);
          store<f32>(d, load<f32>(src + 2 * s), 8);
          store<f32>(d, load<f32>(src + 3 * s), 12);
          if (MR == 6) {
            store<f32>(d, load<f32>(src + 4 * s), 16);
            store<f32>(d, load<f32>(src + 5 * s), 20);
          }
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const d = dst + (<usize>p * MR << 2);
          for (let r = 0; r < MR; r++) {
            store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(a + (<usize>((i0 + ir + r) * lda + p0 + p) << 2)) : 0);
          }
        }
      }
    } else {
      // op(A)[i, p] = a[p*lda + i]: each p gives MR consecutive values
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>((p0 + p) * lda + i0 + ir) << 2);
        const d = dst + (<usize>p * MR << 2);
        if (rows == MR) {
          v128.store(d, v128.load(src));
          if (MR == 6) store<u64>(d, load<u64>(src, 16), 16);
        } else {
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(src + (<usize>r << 2)) : 0);
        }
      }
    }
    dst += <usize>MR * kc << 2;
  }
}

/**
 * Four p of one MR-tall panel of A (not transposed): MR rows of four floats at src (row stride s
 * bytes) → for each p the MR values of its column, stored MR floats apart at d.
 */
@inline function packA4(src: usize, s: usize, d: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + s), r2 = v128.load(src + 2 * s), r3 = v128.load(src + 3 * s);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  const c0 = i32x4.shuffle(t0, t1, 0, 1, 4, 5), c1 = i32x4.shuffle(t0, t1, 2, 3, 6, 7);
  const c2 = i32x4.shuffle(t2, t3, 0, 1, 4, 5), c3 = i32x4.shuffle(t2, t3, 2, 3, 6, 7);
  const step = <usize>MR << 2;
  v128.store(d, c0);
  v128.store(d + step, c1);
  v128.store(d + 2 * step, c2);
  v128.store(d + 3 * step, c3);
  if (MR == 6) {
    const r4 = v128.load(src + 4 * s), r5 = v128.load(src + 5 * s);
    const lo = i32x4.shuffle(r4, r5, 0, 4, 1, 5), hi = i32x4.shuffle(r4, r5, 2, 6, 3, 7);
    v128.store64_lane(d, lo, 0, 16);
    v128.store64_lane(d + step, lo, 1, 16);
    v128.store64_lane(d + 2 * step, hi, 0, 16);
    v128.store64_lane(d + 3 * step, hi, 1, 16);
  }
}

/** Four rows of four floats at src (row stride s bytes) → four columns, stored NR floats apart at d. */
@inline function transpose4(src: usize, s: usize, d: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + s), r2 = v128.load(src + 2 * s), r3 = v128.load(src + 3 * s);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(d + (<usize>NR << 2), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(d + (<usize>(2 * NR) << 2), i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(d + (<usize>(3 * NR) << 2), i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

// Pack rows [p0, p0+kc) × cols [j0, j0+nc) of op(B) into NR-wide panels.
function packB(transB: i32, b: usize, ldb: i32, p0: i32, j0: i32, kc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    if (!transB) {
      // op(B)[p, j] = b[p*ldb + j]
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>((p0 + p) * ldb + j0 + jr) << 2);
        const d = dst + (<usize>p * NR << 2);
        if (cols == NR) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        } else {
          for (let c = 0; c < NR; c++) store<f32>(d + (<usize>c << 2), c < cols ? load<f32>(src + (<usize>c << 2)) : 0);
        }
      }
    } else {
      // op(B)[p, j] = b[j*ldb + p]
      if (cols == NR) {
        const c0 = b + (<usize>((j0 + jr) * ldb + p0) << 2);
        const s = <usize>ldb << 2;
        let p = 0;
        // four p at a time: two 4×4 transposes (rows 0–3 and 4–7 of the panel) in registers
        for (; p + 4 <= kc; p += 4) {
          const src = c0 + (<usize>p << 2);
          const d = dst + (<usize>p * NR << 2);
          transpose4(src, s, d);
          transpose4(src + 4 * s, s, d + 16);
        }
        for (; p < kc; p++) {
          const src = c0 + (<usize>p << 2);
          const d = dst + (<usize>p * NR << 2);
          store<f32>(d, load<f32>(src));
          store<f32>(d, load<f32>(src + s), 4);
          store<f32>(d, load<f32>(src + 2 * s), 8);
          store<f32>(d, load<f32>(src + 3 * s), 12);
          store<f32>(d, load<f32>(src + 4 * s), 16);
          store<f32>(d, load<f32>(src + 5 * s), 20);
          store<f32>(d, load<f32>(src + 6 * s), 24);
          store<f32>(d, load<f32>(src + 7 * s), 28);
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const d = dst + (<usize>p * NR << 2);
          for (let c = 0; c < NR; c++) {
            store<f32>(d + (<usize>c << 2), c < cols ? load<f32>(b + (<usize>((j0 + jr + c) * ldb + p0 + p) << 2)) : 0);
          }
        }
      }
    }
    dst += <usize>NR * kc << 2;
  }
}

// C tile (MR×NR at c, row stride ldc floats) (+)= Ap panel · Bp panel over kc.
// When the tile is partial (mr < MR or nr < NR) it goes through `tile` first.
function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, acc: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    if (MR == 6) {
      a = v128.load32_splat(ap, 16);
      c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
      a = v128.load32_splat(ap, 20);
      c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
    }
    ap += MR * 4;
    bp += 32;
  }
  const full = mr == MR && nr == NR;
  let dst = full ? c : tile;
  const ld: usize = full ? (<usize>ldc << 2) : 32;
  if (full && acc) {
    v128.store(dst, f32x4.add(v128.load(dst), c00)); v128.store(dst, f32x4.add(v128.load(dst, 16), c01), 16); dst += ld;
    v128.store(dst, f32x4.add(v128.load(dst), c10)); v128.store(dst, f32x4.add(v128.load(dst, 16), c11), 16); dst += ld;
    v128.store(dst, f32x4.add(v128.load(dst), c20)); v128.store(dst, f32x4.add(v128.load(dst, 16), c21), 16); dst += ld;
    v128.store(dst, f32x4.add(v128.load(dst), c30)); v128.store(dst, f32x4.add(v128.load(dst, 16), c31), 16);
    if (MR == 6) {
      dst += ld;
      v128.store(dst, f32x4.add(v128.load(dst), c40)); v128.store(dst, f32x4.add(v128.load(dst, 16), c41), 16); dst += ld;
      v128.store(dst, f32x4.add(v128.load(dst), c50)); v128.store(dst, f32x4.add(v128.load(dst, 16), c51), 16);
    }
    return;
  }
  v128.store(dst, c00); v128.store(dst, c01, 16); dst += ld;
  v128.store(dst, c10); v128.store(dst, c11, 16); dst += ld;
  v128.store(dst, c20); v128.store(dst, c21, 16); dst += ld;
  v128.store(dst, c30); v128.store(dst, c31, 16);
  if (MR == 6) {
    dst += ld;
    v128.store(dst, c40); v128.store(dst, c41, 16); dst += ld;
    v128.store(dst, c50); v128.store(dst, c51, 16);
  }
  if (full) return;
  // the tile's first mr rows and nr columns into C: whole vectors of four where they fit (the same
  // f32 adds as one at a time), the rest one by one
  const v = nr & ~3;
  for (let r = 0; r < mr; r++) {
    const cr = c + (<usize>(r * ldc) << 2);
    const tr = tile + (<usize>(r * NR) << 2);
    if (acc) {
      for (let j = 0; j < v; j += 4) v128.store(cr + (<usize>j << 2), f32x4.add(v128.load(cr + (<usize>j << 2)), v128.load(tr + (<usize>j << 2))));
      for (let j = v; j < nr; j++) store<f32>(cr + (<usize>j << 2), load<f32>(cr + (<usize>j << 2)) + load<f32>(tr + (<usize>j << 2)));
    } else {
      for (let j = 0; j < v; j += 4) v128.store(cr + (<usize>j << 2), v128.load(tr + (<usize>j << 2)));
      for (let j = v; j < nr; j++) store<f32>(cr + (<usize>j << 2), load<f32>(tr + (<usize>j << 2)));
    }
  }
}

// Small-m path (m ≤ 4, no packing): rows of C as axpy over rows of B (B not transposed) or as dot
// products against rows of B (B transposed). Packing would cost as much as the product itself.
function gemmSmallM(transA: i32, transB: i32, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, acc: i32): void {
  for (let i = 0; i < m; i++) {
    const crow = c + (<usize>(i * ldc) << 2);
    if (!transB) {
      if (!acc) memory.fill(crow, 0, <usize>n << 2);
      const n8 = n & ~7;
      for (let p = 0; p < k; p++) {
        const av = transA ? load<f32>(a + (<usize>(p * lda + i) << 2)) : load<f32>(a + (<usize>(i * lda + p) << 2));
        const va = f32x4.splat(av);
        const brow = b + (<usize>(p * ldb) << 2);
        let j = 0;
        for (; j < n8; j += 8) {
          const o = <usize>j << 2;
          v128.store(crow + o, madd(va, v128.load(brow + o), v128.load(crow + o)));
          v128.store(crow + o, madd(va, v128.load(brow + o, 16), v128.load(crow + o, 16)), 16);
        }
        for (; j < n; j++) {
          const o = <usize>j << 2;
          store<f32>(crow + o, load<f32>(crow + o) + av * load<f32>(brow + o));
        }
      }
    } else {
      // C[i, j] = Σ_p op(A)[i, p] · B[j, p]
      let arow = a + (<usize>(i * lda) << 2);
      let tmp: usize = 0;
      if (transA) {
        // gather the strided column of A into the C row's tail is unsafe; read strided
        tmp = 1;
      }
      const k16 = k & ~15;
      for (let j = 0; j < n; j++) {
        const brow = b + (<usize>(j * ldb) << 2);
        let s: f32 = 0;
        if (!tmp) {
          let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
          let p = 0;
          for (; p < k16; p += 16) {
            const o = <usize>p << 2;
            s0 = madd(v128.load(arow + o), v128.load(brow + o), s0);
            s1 = madd(v128.load(arow + o, 16), v128.load(brow + o, 16), s1);
            s2 = madd(v128.load(arow + o, 32), v128.load(brow + o, 32), s2);
            s3 = madd(v128.load(arow + o, 48), v128.load(brow + o, 48), s3);
          }
          const t = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
          s = f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
          for (; p < k; p++) s += load<f32>(arow + (<usize>p << 2)) * load<f32>(brow + (<usize>p << 2));
        } else {
          for (let p = 0; p < k; p++) s += load<f32>(a + (<usize>(p * lda + i) << 2)) * load<f32>(brow + (<usize>p << 2));
        }
        const o = crow + (<usize>j << 2);
        store<f32>(o, acc ? load<f32>(o) + s : s);
      }
    }
  }
}

/**
 * C[m,n] = op(A)·op(B) (acc = 0) or C += op(A)·op(B) (acc = 1). Row-major with leading dimensions
 * lda/ldb/ldc in elements; A is stored [m,k] (transA = 0) or [k,m]; B [k,n] or [n,k].
 * `scratch` must hold `gemmScratchBytes()` bytes.
 *
 * acc bit 2 (acc | 2) forces the packed path even for m ≤ 4: set by a caller that split a taller
 * product by rows, so that a short last share is computed exactly as the whole product would compute
 * those rows (the small-m path associates the sums differently) — results then do not depend on how
 * many threads took part. Every element's sum runs over k in the same order whatever the row or
 * column offset of the tile, so any row/column split of the packed path gives the same bits.
 */
export function sgemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, acc: i32, scratch: usize,
): void {
  const packedOnly = acc & 2;
  acc &= 1;
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!acc) for (let i = 0; i < m; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  if (m <= 4 && !packedOnly && (!transA || transB == 0)) {
    gemmSmallM(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, acc);
    return;
  }
  packedGemm(transA, transB, m, n, k, a, lda, 0, b, ldb, c, ldc, acc, scratch);
}

/**
 * The packed path: for each kc-deep slice of k, B's slice packed into NR-wide panels, then each MC-tall
 * block of A's rows (packed here from a, or taken from `ap` when A came packed: `sgemmPackedA`) times
 * every panel, MR × NR tiles at a time.
 */
function packedGemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, ap: usize, b: usize, ldb: i32, c: usize, ldc: i32, acc: i32, scratch: usize,
): void {
  const pa = (scratch + 15) & ~(<usize>15);
  const pb = pa + (<usize>(MC * KC) << 2);
  const tile = pb + (<usize>(KC * NC) << 2);
  const mp = packedRows(m);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const accum = acc || pc > 0 ? 1 : 0;
      packB(transB, b, ldb, pc, jc, kc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        let block = pa;
        if (ap) block = ap + (<usize>(pc * mp + ic * kc) << 2);
        else packA(transA, a, lda, ic, pc, mc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = pb + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            micro(kc, block + (<usize>(ir * kc) << 2), bp, cp, ldc, mr, nr, accum, tile);
          }
        }
      }
    }
  }
}

/** Rows of a matrix packed for `sgemmPackedA`: m rounded up to whole MR-tall panels. */
export function packedRows(m: i32): i32 {
  return ((m + MR - 1) / MR) * MR;
}

/**
 * C[m,n] (+)= A · B with A already packed (winograd.ts `packedAt`'s layout, m × k; B [k, n], ldb). The same
 * micro-kernel over the same kc slices, in the same order, as `sgemm`'s packed path: the same bits as
 * `sgemm(0, 0, …, acc | 2)` of the unpacked A, without packing A on every call.
 */
export function sgemmPackedA(m: i32, n: i32, k: i32, ap: usize, b: usize, ldb: i32, c: usize, ldc: i32, acc: i32, scratch: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!acc) for (let i = 0; i < m; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  packedGemm(0, 0, m, n, k, 0, 0, ap, b, ldb, c, ldc, acc, scratch);
}

/**
 * Batched GEMM over `batch` matrices; strideA/strideB/strideC are element strides between batch
 * members (0 = the same matrix for every member).
 */
export function sgemmBatched(
  batch: i32, transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, strideA: i32, b: usize, strideB: i32, c: usize, acc: i32, scratch: usize,
): void {
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  for (let i = 0; i < batch; i++) {
    sgemm(transA, transB, m, n, k,
      a + (<usize>(i * strideA) << 2), lda, b + (<usize>(i * strideB) << 2), ldb,
      c + (<usize>(i * m * n) << 2), n, acc, scratch);
  }
}

/** c[r, j] += bias[j] for `rows` contiguous rows of n floats (the fused Linear's bias; one f32 add each). */
export function addRowBias(c: usize, rows: i32, n: i32, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = c + (<usize>(r * n) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
    }
  }
}
