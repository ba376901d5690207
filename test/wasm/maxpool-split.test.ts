/**
 * Max-pool forward and backward split across the worker pool by planes (src/backend/wasm/kernels.ts):
 * values, indices and input gradients are the same bits as the js kernels (the specification) and as
 * one thread, with every call forced through a pool of 2 and 3 threads — for the 2×2/2 fast path, the
 * general 3×3/2 padded window (resnet's stem), and plane counts that do not divide evenly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend } from '../../src/index.js';
import { jsKernels } from '../../src/backend/js/index.js';
import type { Pool2dArgs } from '../../src/backend/types.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';
import { poolSplit } from '../../src/backend/wasm/kernels.js';
import { ensureBuilt, randF32 } from './setup.js';

const backends: WasmBackend[] = [];
beforeAll(async () => {
  ensureBuilt();
  for (const threads of [2, 3]) backends.push((await init({ backend: 'wasm', threads })) as WasmBackend);
}, 300_000);
afterAll(() => void setBackend('js'));

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

function args(n: number, c: number, h: number, w: number, k: number, s: number, p: number): Pool2dArgs {
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  return {
    n,
    c,
    h,
    w,
    oh,
    ow,
    kh: k,
    kw: k,
    strideH: s,
    strideW: s,
    padH: p,
    padW: p,
    dilH: 1,
    dilW: 1,
    countIncludePad: false,
    divisor: 0,
  } as Pool2dArgs;
}

describe('max-pool split by planes across the pool: the same bits as js and as one thread', () => {
  const cases: [string, Pool2dArgs][] = [
    ['2×2/2, 5 images × 3 channels (15 planes)', args(5, 3, 12, 10, 2, 2, 0)],
    ['3×3/2 pad 1 (resnet stem), 7 planes', args(1, 7, 17, 15, 3, 2, 1)],
  ];
  for (const [name, a] of cases) {
    it(name, () => {
      const x = randF32(a.n * a.c * a.h * a.w, 3);
      const want = jsKernels.maxPool2d(x, a, 'float32');
      const gy = randF32(want.out.length, 4);
      const wantDx = jsKernels.maxPool2dGrad(gy, want.indices!, a, 'float32');
      for (const be of backends) {
        const pool = be.gemm.pool;
        expect(pool).not.toBeNull();
        const prev = pool!.run;
        const saved = poolSplit.minElements;
        let calls = 0;
        pool!.run = (...r) => {
          calls++;
          return prev.apply(pool, r);
        };
        poolSplit.minElements = 0;
        try {
          const got = be.kernels.maxPool2d!(x, a, 'float32');
          expect(bits(got.out)).toEqual(bits(want.out));
          expect(Array.from(got.indices!)).toEqual(Array.from(want.indices!));
          expect(bits(be.kernels.maxPool2dGrad!(gy, got.indices!, a, 'float32'))).toEqual(bits(wantDx));
        } finally {
          pool!.run = prev;
          poolSplit.minElements = saved;
        }
        expect(calls, `${be.gemm.threads} threads`).toBe(2);
      }
    });
  }
});
