/**
 * The vectorised interior of the general max pool (assembly/pool.ts, `maxPoolFour`: stride 1 or 2,
 * no dilation, four outputs at a time) against the js kernel: values and indices, with ties (±0,
 * repeated values), infinities and several NaNs per window — in one row (the first wins its row) and
 * in later rows (a later row's first NaN takes over), exactly as the scalar rule does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { jsKernels, type Pool2dArgs } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { Rng } from '../../src/core/rng.js';
import { ensureBuilt } from './setup.js';

let wasm: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  wasm = await createWasmBackend({ threads: 1 });
});

function args(n: number, c: number, h: number, w: number, k: number, s: number, p: number): Pool2dArgs {
  const o = (i: number) => Math.floor((i + 2 * p - k) / s) + 1;
  return {
    n,
    c,
    h,
    w,
    oh: o(h),
    ow: o(w),
    kh: k,
    kw: k,
    strideH: s,
    strideW: s,
    padH: p,
    padW: p,
    dilH: 1,
    dilW: 1,
    countIncludePad: true,
    divisor: 0,
  };
}

const cases: [string, Pool2dArgs][] = [
  ['resnet stem 3×3/2 pad 1', args(1, 3, 40, 38, 3, 2, 1)],
  ['3×3/1 pad 1', args(2, 2, 17, 21, 3, 1, 1)],
  ['3×3/2 no padding', args(1, 2, 23, 29, 3, 2, 0)],
  ['2×2/1', args(1, 2, 12, 15, 2, 1, 0)],
  ['5×5/2 pad 2', args(1, 1, 30, 33, 5, 2, 2)],
];

describe('wasm max pool, vector interior, against js', () => {
  for (const [name, a] of cases)
    for (const fill of ['random', 'ties and specials'] as const)
      it(`${name}: ${fill}`, () => {
        const r = new Rng(a.h * 31 + a.w);
        const x = new Float32Array(a.n * a.c * a.h * a.w);
        const specials = [NaN, NaN, Infinity, -Infinity, 0, -0, 1, 1];
        for (let i = 0; i < x.length; i++) {
          const u = r.uniform();
          x[i] = fill === 'random' ? u * 2 - 1 : u < 0.3 ? specials[Math.floor(r.uniform() * specials.length)]! : Math.round(u * 3);
        }
        const got = wasm.kernels.maxPool2d!(x, a, 'float32');
        const want = jsKernels.maxPool2d(x, a, 'float32');
        expect(Array.from(got.indices!)).toEqual(Array.from(want.indices!));
        for (let i = 0; i < want.out.length; i++) expect(Object.is(got.out[i], want.out[i]), `output ${i}`).toBe(true);
        // values alone (no gradient to come): the same comparisons, so the same bits, and no indices
        const values = wasm.kernels.maxPool2d!(x, a, 'float32', false);
        expect(values.indices).toBeNull();
        expect(Array.from(new Uint32Array((values.out as Float32Array).buffer, values.out.byteOffset, values.out.length))).toEqual(
          Array.from(new Uint32Array((want.out as Float32Array).buffer, want.out.byteOffset, want.out.length)),
        );
      });
});
