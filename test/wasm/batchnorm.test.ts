/**
 * The wasm batch-norm kernels (assembly/norm.ts) against the js kernels, the specification: the same
 * arithmetic in the same order, so the same bits — on one thread and split by channels across a pool
 * of 2 and 3 threads (the split must not change a bit). Training and eval, odd sizes (inner not a
 * multiple of four, one channel, [N, C] inputs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend } from '../../src/index.js';
import { jsKernels } from '../../src/backend/js/index.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';
import { normSplit } from '../../src/backend/wasm/norm.js';
import { ensureBuilt, randF32 } from './setup.js';

const backends: WasmBackend[] = [];
beforeAll(async () => {
  ensureBuilt();
  for (const threads of [1, 2, 3]) backends.push((await init({ backend: 'wasm', threads })) as WasmBackend);
}, 300_000);
afterAll(() => void setBackend('js'));

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const EPS = 1e-5;

describe('wasm batch norm = js batch norm, bit for bit, for any thread count', () => {
  const cases: [number, number, number][] = [
    [8, 3, 25],
    [16, 4, 1],
    [5, 1, 7],
    [64, 32, 49],
    [128, 8, 130],
  ];
  for (const [n, c, inner] of cases) {
    it(`[${n}, ${c}, ${inner}]`, () => {
      const len = n * c * inner;
      const x = randF32(len, 1, 3).map((v) => v + 1.5);
      const g = randF32(len, 2);
      const w = randF32(c, 3).map((v) => v + 1.2);
      const b = randF32(c, 4);
      const rm = randF32(c, 5, 0.2);
      const rv = randF32(c, 6).map((v) => Math.abs(v) + 0.5);
      const js = jsKernels;
      const stats = js.batchNormStats(x, n, c, inner, 'float32');
      const mean = stats.subarray(0, c),
        vari = stats.subarray(c);
      const want = {
        stats,
        y: js.batchNormForward(x, mean, vari, w, b, n, c, inner, EPS, 'float32'),
        yEval: js.batchNormForward(x, rm, rv, w, b, n, c, inner, EPS, 'float32'),
        sums: js.batchNormGradSums(g, x, mean, vari, n, c, inner, EPS, 'float32'),
        sumsEval: js.batchNormGradSums(g, x, rm, rv, n, c, inner, EPS, 'float32'),
      };
      // relu fused into the eval pass: the relu kernel's bits on the batch norm's (js, the specification)
      const yEvalRelu = js.batchNormForward(x, rm, rv, w, b, n, c, inner, EPS, 'float32', true);
      const relu = (y: Float32Array) => js.unary('relu', { data: y, offset: 0, strides: [1] }, [y.length], 'float32');
      expect(bits(yEvalRelu)).toEqual(bits(relu(want.yEval as Float32Array)));
      expect(yEvalRelu.some((v) => v === 0) && yEvalRelu.some((v) => v > 0)).toBe(true);
      const dx = js.batchNormGradInput(g, x, mean, vari, w, want.sums, n, c, inner, EPS, 'float32');
      const dxEval = js.batchNormGradInput(g, x, rm, rv, w, null, n, c, inner, EPS, 'float32');
      for (const be of backends) {
        for (const forcePool of be.gemm.pool ? [false, true] : [false]) {
          const k = be.kernels;
          const what = `${be.gemm.threads} threads${forcePool ? ', every call split' : ''}`;
          const run = () => {
            expect(bits(k.batchNormStats!(x, n, c, inner, 'float32')), `${what}: stats`).toEqual(bits(want.stats));
            expect(bits(k.batchNormForward!(x, mean, vari, w, b, n, c, inner, EPS, 'float32')), `${what}: y`).toEqual(bits(want.y));
            expect(bits(k.batchNormForward!(x, rm, rv, w, b, n, c, inner, EPS, 'float32')), `${what}: y eval`).toEqual(bits(want.yEval));
            const yr = k.batchNormForward!(x, rm, rv, w, b, n, c, inner, EPS, 'float32', true) as Float32Array;
            expect(bits(yr), `${what}: relu(y eval)`).toEqual(bits(yEvalRelu));
            // the same bits as the wasm relu kernel on the wasm batch norm
            const yw = k.batchNormForward!(x, rm, rv, w, b, n, c, inner, EPS, 'float32') as Float32Array;
            expect(bits(yr)).toEqual(bits(k.unary!('relu', { data: yw, offset: 0, strides: [1] }, [yw.length], 'float32')));
            expect(bits(k.batchNormGradSums!(g, x, mean, vari, n, c, inner, EPS, 'float32')), `${what}: sums`).toEqual(bits(want.sums));
            expect(bits(k.batchNormGradSums!(g, x, rm, rv, n, c, inner, EPS, 'float32')), `${what}: sums eval`).toEqual(
              bits(want.sumsEval),
            );
            expect(bits(k.batchNormGradInput!(g, x, mean, vari, w, want.sums, n, c, inner, EPS, 'float32')), `${what}: dx`).toEqual(
              bits(dx),
            );
            expect(bits(k.batchNormGradInput!(g, x, rm, rv, w, null, n, c, inner, EPS, 'float32')), `${what}: dx eval`).toEqual(
              bits(dxEval),
            );
          };
          if (!forcePool) run();
          else {
            // the split threshold lowered to 0: every call goes through the pool
            const pool = be.gemm.pool!;
            const prev = pool.run;
            let calls = 0;
            pool.run = (...a) => {
              if (a[0].startsWith('batchNorm')) calls++;
              return prev.apply(pool, a);
            };
            try {
              withThreshold(0, run);
            } finally {
              pool.run = prev;
            }
            if (c > 1) expect(calls, what).toBe(9);
          }
        }
      }
    });
  }
});

/** Run `f` with the split threshold set to `min` elements. */
function withThreshold(min: number, f: () => void): void {
  const prev = normSplit.minElements;
  normSplit.minElements = min;
  try {
    f();
  } finally {
    normSplit.minElements = prev;
  }
}
