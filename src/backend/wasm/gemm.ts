/**
 * GEMM on the arena: single-threaded for small products, split across the pool for large ones.
 * Addresses are byte offsets into the arena; matrices are row-major float32.
 *
 * Determinism: the split is by rows or columns of C only (never along k), each share written by one
 * thread, and every element's sum is the same sequence of operations wherever its tile lies — so a
 * product gives the same bits on any number of threads, whichever thread runs which share.
 */
import type { Arena } from './arena.js';
import type { Pool } from './pool.js';

/** Below this many multiply-adds a product stays on one thread (the handoff costs ~10–50 µs). */
export const PARALLEL_MIN_MACS = 1 << 22;

export class Gemm {
  readonly arena: Arena;
  pool: Pool | null;
  /** Multiply-add threshold for using the pool (tests lower it to exercise the split on small shapes). */
  parallelMinMacs = PARALLEL_MIN_MACS;
  private readonly scratchBytes: number;

  constructor(arena: Arena, pool: Pool | null) {
    this.arena = arena;
    this.pool = pool;
    this.scratchBytes = arena.exports.gemmScratchBytes();
  }

  get threads(): number {
    return this.pool?.size ?? 1;
  }

  /** Scratch bytes one call needs (per thread that may take part). */
  scratchFor(m: number, n: number, k: number): number {
    const t = this.pool && m * n * k >= this.parallelMinMacs ? this.pool.size : 1;
    return t * (this.scratchBytes + 64);
  }

  /** C = op(A)·op(B) (acc 0) or C += … (acc 1); `scratch` from an `alloc(scratchFor(...))`. */
  run(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    acc: number,
    scratch: number,
  ): void {
    const e = this.arena.exports;
    const pool = this.pool;
    if (!pool || m * n * k < this.parallelMinMacs) {
      e.sgemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, acc, scratch);
      return;
    }
    const T = pool.size;
    const parts: number[][] = [];
    const sb = this.scratchBytes + 64;
    if (n >= m) {
      // split columns in multiples of 8 (the micro-kernel's width)
      const chunk = Math.ceil(n / T / 8) * 8;
      for (let j0 = 0, t = 0; j0 < n; j0 += chunk, t++) {
        const nn = Math.min(chunk, n - j0);
        parts.push([transA, transB, m, nn, k, a, lda, b + 4 * (transB ? j0 * ldb : j0), ldb, c + 4 * j0, ldc, acc, scratch + t * sb]);
      }
    } else {
      // split rows in multiples of 12 (both micro-kernel heights divide it); a short last share
      // keeps the packed path the whole product takes (acc | 2), so the bits do not depend on T
      const chunk = Math.ceil(m / T / 12) * 12;
      const packedOnly = m > 4 ? 2 : 0;
      for (let i0 = 0, t = 0; i0 < m; i0 += chunk, t++) {
        const mm = Math.min(chunk, m - i0);
        parts.push([
          transA,
          transB,
          mm,
          n,
          k,
          a + 4 * (transA ? i0 : i0 * lda),
          lda,
          b,
          ldb,
          c + 4 * i0 * ldc,
          ldc,
          acc | packedOnly,
          scratch + t * sb,
        ]);
      }
    }
    pool.run('sgemm', parts, (p) => e.sgemm(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!, p[7]!, p[8]!, p[9]!, p[10]!, p[11]!, p[12]!));
  }
}
