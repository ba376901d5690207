/**
 * The wasm backend's kernel table (float32; every other dtype, and anything the arena cannot hold,
 * goes to the js kernels). Each kernel copies its inputs into the arena, runs, and copies out.
 */
import type { DType, TypedArray } from '../../core/dtype.js';
import { jsKernels } from '../js/index.js';
import type { Kernels, MatmulArgs } from '../types.js';
import type { Arena } from './arena.js';
import type { Gemm } from './gemm.js';

export function isF32(...xs: TypedArray[]): boolean {
  for (const x of xs) if (!(x instanceof Float32Array)) return false;
  return true;
}

export function createKernels(arena: Arena, gemm: Gemm): Partial<Kernels> {
  function matmul(p: MatmulArgs, outDType: DType): TypedArray {
    const { batch, m, k, n } = p;
    if (outDType !== 'float32' || !isF32(p.a.data, p.b.data)) return jsKernels.matmul(p, outDType);
    const total = batch * m * n;
    if (total === 0) return new Float32Array(0);
    const aSpan = (batch - 1) * p.strideA + m * k;
    const bSpan = (batch - 1) * p.strideB + k * n;
    const scratch = gemm.scratchFor(m, n, k);
    arena.reset();
    if (!arena.fits((aSpan + bSpan + total) * 4 + scratch + 256)) return jsKernels.matmul(p, outDType);
    const a = arena.putF32(p.a.data, p.a.offset, aSpan);
    const b = arena.putF32(p.b.data, p.b.offset, bSpan);
    const c = arena.alloc(total * 4);
    const s = arena.alloc(scratch);
    const ta = p.transA ? 1 : 0;
    const tb = p.transB ? 1 : 0;
    const lda = ta ? m : k;
    const ldb = tb ? k : n;
    if (batch === 1 || gemm.threads > 1) {
      for (let i = 0; i < batch; i++)
        gemm.run(ta, tb, m, n, k, a + 4 * i * p.strideA, lda, b + 4 * i * p.strideB, ldb, c + 4 * i * m * n, n, 0, s);
    } else {
      arena.exports.sgemmBatched(batch, ta, tb, m, n, k, a, p.strideA, b, p.strideB, c, 0, s);
    }
    return arena.takeF32(c, total);
  }

  return { matmul };
}
