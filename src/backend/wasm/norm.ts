/**
 * The fused batch-norm kernels (assembly/norm.ts) on the arena, float32: the same arithmetic as the js
 * kernels (src/backend/js/norm.ts) in the same order, so the same bits. Large calls are split across
 * the worker pool by channels — each channel's results depend on that channel alone, so the bits do
 * not depend on the number of threads. Other dtypes, and calls the arena cannot hold, go to js.
 */
import type { DType, TypedArray } from '../../core/dtype.js';
import { jsKernels } from '../js/index.js';
import type { Kernels } from '../types.js';
import type { Arena } from './arena.js';
import type { Gemm } from './gemm.js';

/** From `minElements` elements a call is split across the worker pool (a handoff costs ~10–50 µs); tests lower it. */
export const normSplit = { minElements: 1 << 17 };

type NormFn = 'batchNormStatsF32' | 'batchNormForwardF32' | 'batchNormGradSumsF32' | 'batchNormGradInputF32';
type NormKernels = Pick<Kernels, 'batchNormStats' | 'batchNormForward' | 'batchNormGradSums' | 'batchNormGradInput'>;

export function createNorm(arena: Arena, gemm: Gemm): NormKernels {
  const e = arena.exports;

  /** Run `fn(...args, c0, c1)` over channels [0, c), in channel ranges across the pool when it pays. */
  function channels(fn: NormFn, c: number, elements: number, args: number[]): void {
    const pool = gemm.pool;
    const T = pool && elements >= normSplit.minElements ? Math.min(pool.size, c) : 1;
    const call = (a: readonly number[]) => (e[fn] as (...x: number[]) => void)(...a);
    if (T === 1) return call([...args, 0, c]);
    const per = Math.ceil(c / T);
    const parts: number[][] = [];
    for (let c0 = 0; c0 < c; c0 += per) parts.push([...args, c0, Math.min(c, c0 + per)]);
    pool!.run(fn, parts, call);
  }

  /** Lay out `ins` (copied in unless resident) and `outFloats` of output; null when it does not fit. */
  function layout(ins: TypedArray[], outFloats: number): { ptrs: number[]; out: number } | null {
    arena.reset();
    let bytes = outFloats * 4 + 64 * (ins.length + 2);
    for (const x of ins) bytes += x.length * 4;
    if (!arena.fits(bytes)) return null;
    const ptrs = ins.map((x) => arena.refF32(x, 0, x.length));
    return { ptrs, out: arena.alloc(outFloats * 4) };
  }

  const f32 = (dt: DType, ...xs: TypedArray[]) => dt === 'float32' && xs.every((x) => x instanceof Float32Array);

  return {
    batchNormStats(x, n, c, inner, outDType) {
      const l = f32(outDType, x) ? layout([x], 2 * c) : null;
      if (!l) return jsKernels.batchNormStats(x, n, c, inner, outDType);
      channels('batchNormStatsF32', c, x.length, [l.ptrs[0]!, n, c, inner, l.out]);
      return arena.takeF32(l.out, 2 * c);
    },
    batchNormForward(x, mean, vari, w, b, n, c, inner, eps, outDType, relu = false) {
      const l = f32(outDType, x, mean, vari, w, b) ? layout([x, mean, vari, w, b], x.length) : null;
      if (!l) return jsKernels.batchNormForward(x, mean, vari, w, b, n, c, inner, eps, outDType, relu);
      channels('batchNormForwardF32', c, x.length, [...l.ptrs, n, c, inner, eps, relu ? 1 : 0, l.out]);
      return arena.takeF32(l.out, x.length);
    },
    batchNormGradSums(g, x, mean, vari, n, c, inner, eps, outDType) {
      const l = f32(outDType, g, x, mean, vari) ? layout([g, x, mean, vari], 2 * c) : null;
      if (!l) return jsKernels.batchNormGradSums(g, x, mean, vari, n, c, inner, eps, outDType);
      channels('batchNormGradSumsF32', c, x.length, [...l.ptrs, n, c, inner, eps, l.out]);
      return arena.takeF32(l.out, 2 * c);
    },
    batchNormGradInput(g, x, mean, vari, w, sums, n, c, inner, eps, outDType) {
      const ins = sums ? [g, x, mean, vari, w, sums] : [g, x, mean, vari, w];
      const l = f32(outDType, ...ins) ? layout(ins, x.length) : null;
      if (!l) return jsKernels.batchNormGradInput(g, x, mean, vari, w, sums, n, c, inner, eps, outDType);
      const [pg, px, pm, pv, pw, ps] = l.ptrs;
      channels('batchNormGradInputF32', c, x.length, [pg!, px!, pm!, pv!, pw!, ps ?? 0, n, c, inner, eps, l.out]);
      return arena.takeF32(l.out, x.length);
    },
  };
}
