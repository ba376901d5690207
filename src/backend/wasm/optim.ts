/**
 * Fused optimizer updates (float32 parameters) on the arena, f32x4 SIMD: bit-identical to the
 * reference loops in src/optim/functional.ts (the same float32 operations in the same order, from the
 * same float32 scalars), several times faster including the copies. Anything else (float64, small tensors) reports "not handled".
 */
import type { TypedArray } from '../../core/dtype.js';
import type { AdamUpdateArgs, SgdUpdateArgs } from '../types.js';
import type { Arena } from './arena.js';
import type { Gemm } from './gemm.js';
import { adamScalars, sgdScalars } from '../optim_scalars.js';

/** Below this many elements the reference js loop wins. */
const MIN = 256;
/** From this many elements an update is split across the worker pool. */
const PARALLEL_MIN = 1 << 15;

export function createOptim(arena: Arena, gemm: Gemm) {
  const e = arena.exports;

  /** Run an elementwise update over n elements, split in 4-aligned chunks when the pool pays. */
  function split(fn: 'adamF32' | 'sgdF32', n: number, ptrs: number[], rest: number[]): void {
    const pool = gemm.pool;
    const T = pool && n >= PARALLEL_MIN ? pool.size : 1;
    const chunk = Math.ceil(n / T / 4) * 4;
    const parts: number[][] = [];
    for (let i0 = 0; i0 < n; i0 += chunk) parts.push([Math.min(chunk, n - i0), ...ptrs.map((q) => (q ? q + 4 * i0 : 0)), ...rest]);
    const call = (a: readonly number[]) => (e[fn] as (...x: number[]) => void)(...a);
    if (parts.length === 1 || !pool) call(parts[0]!);
    else pool.run(fn, parts, call);
  }

  /** Arrays the update reads and writes: resident ones in place, others copied in (and back by `finish`). */
  function inout(xs: (TypedArray | null)[], n: number): { ptrs: number[]; finish(): void } {
    const back: [TypedArray, number][] = [];
    const ptrs = xs.map((x) => {
      if (!x) return 0;
      const here = arena.inPlaceF32(x);
      if (here >= 0) return here;
      const at = arena.putF32(x, 0, n);
      back.push([x, at]);
      return at;
    });
    return {
      ptrs,
      finish() {
        const f = arena.f32;
        for (const [x, at] of back) x.set(f.subarray(at >> 2, (at >> 2) + n));
      },
    };
  }

  function adamUpdate(
    p: TypedArray,
    g: ArrayLike<number>,
    m: TypedArray,
    v: TypedArray,
    maxv: TypedArray | null,
    step: number,
    h: AdamUpdateArgs,
  ): boolean {
    const n = p.length;
    if (
      n < MIN ||
      !(p instanceof Float32Array) ||
      !(g instanceof Float32Array) ||
      !(m instanceof Float32Array) ||
      !(v instanceof Float32Array)
    )
      return false;
    if (h.amsgrad && !(maxv instanceof Float32Array)) return false;
    arena.reset();
    if (!arena.fits(5 * n * 4 + 512)) return false;
    const pg = arena.refF32(g, 0, n);
    const io = inout([p, m, v, h.amsgrad ? maxv : null], n);
    const [pp, pm, pv, px] = io.ptrs as [number, number, number, number];
    const s = adamScalars(step, h);
    const flags = (h.maximize ? 1 : 0) | (h.decoupled ? 2 : 0) | (h.amsgrad ? 4 : 0) | (h.weightDecay !== 0 ? 8 : 0);
    split(
      'adamF32',
      n,
      [pp, pg, pm, pv, px],
      [s.negStepSize, s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.bc2Sqrt, s.eps, h.decoupled ? s.decay : s.weightDecay, flags],
    );
    io.finish();
    return true;
  }

  function sgdUpdate(p: TypedArray, g: ArrayLike<number>, buf: TypedArray | null, first: boolean, h: SgdUpdateArgs): boolean {
    const n = p.length;
    if (n < MIN || !(p instanceof Float32Array) || !(g instanceof Float32Array)) return false;
    const useBuf = h.momentum !== 0 && buf !== null;
    if (useBuf && !(buf instanceof Float32Array)) return false;
    arena.reset();
    if (!arena.fits(3 * n * 4 + 512)) return false;
    const pg = arena.refF32(g, 0, n);
    const io = inout([p, useBuf ? buf : null], n);
    const [pp, pb] = io.ptrs as [number, number];
    const s = sgdScalars(h);
    const flags = (h.maximize ? 1 : 0) | (h.nesterov ? 2 : 0) | (first ? 4 : 0) | (useBuf ? 8 : 0) | (h.weightDecay !== 0 ? 16 : 0);
    split('sgdF32', n, [pp, pg, pb], [s.negLr, s.momentum, s.oneMinusDampening, s.weightDecay, flags]);
    io.finish();
    return true;
  }

  return { adamUpdate, sgdUpdate };
}
