/**
 * The wasm backend's direct convolution kernels (assembly/conv.ts, chosen in src/backend/wasm/kernels.ts
 * for unit stride and dilation, one group and at most 32 taps per output): forward and weight gradient
 * close to the js kernels over the edge cases of their blocking (partial groups of four outputs, rows
 * narrower than four, odd channel counts, kernel rows shorter and longer than a five-tap block), an
 * infinity that only the padding lanes would touch, and the same bits for 1–4 threads.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { jsKernels, type Conv2dArgs } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { absOf, ensureBuilt, expectClose, expectScaled, randF32 } from './setup.js';

let wasm: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  wasm = await createWasmBackend({ threads: 1 });
});

function args(n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number, padH: number, padW: number): Conv2dArgs {
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kh,
    kw,
    oh: h + 2 * padH - kh + 1,
    ow: w + 2 * padW - kw + 1,
    strideH: 1,
    strideW: 1,
    padH,
    padW,
    dilH: 1,
    dilW: 1,
    groups: 1,
  };
}

const cases: [string, Conv2dArgs][] = [
  ['LeNet conv1 (1→6, 5×5, pad 2, 28×28), batch 5', args(5, 1, 28, 28, 6, 5, 5, 2, 2)],
  ['3→7 channels 3×3 pad 1, 11×13 (odd channels, ow 13)', args(2, 3, 11, 13, 7, 3, 3, 1, 1)],
  ['ow 2 (< 4), one output channel', args(3, 1, 7, 6, 1, 5, 5, 0, 0)],
  ['1×1 kernel, padded (4 channels)', args(2, 4, 5, 6, 5, 1, 1, 1, 1)],
  ['3×7 kernel, asymmetric padding, ow 9', args(2, 1, 9, 9, 4, 3, 7, 1, 3)],
  ['32 taps: 2→3 channels 4×4, pad 1', args(2, 2, 10, 17, 3, 4, 4, 1, 1)],
  ['ow 17, 16 + 1 outputs per row, 8 channels', args(1, 1, 5, 21, 8, 3, 5, 1, 0)],
];

describe('wasm direct conv2d (few taps) vs js', () => {
  for (const [name, a] of cases) {
    const K = a.cIn * a.kh * a.kw;
    const x = randF32(a.n * a.cIn * a.h * a.w, 11 + K);
    const w = randF32(a.cOut * K, 12 + K);
    const gy = randF32(a.n * a.cOut * a.oh * a.ow, 13 + K);
    it(`forward: ${name}`, () => {
      const got = wasm.kernels.conv2d!(x, w, a, 'float32');
      expectScaled(got, jsKernels.conv2d(x, w, a, 'float32'), jsKernels.conv2d(absOf(x), absOf(w), a, 'float64'), K, name);
    });
    it(`grad weight: ${name}`, () => {
      const got = wasm.kernels.conv2dGradWeight!(x, gy, a, 'float32');
      const scale = jsKernels.conv2dGradWeight(absOf(x), absOf(gy), a, 'float64');
      expectScaled(got, jsKernels.conv2dGradWeight(x, gy, a, 'float32'), scale, a.n * a.oh * a.ow, name);
    });
  }

  it('an infinite input only some taps read leaves the other taps finite (ow not a multiple of four)', () => {
    // no padding, ow = 13 - 3 + 1 = 11: the last column is read only by tap kx = 2; the group of four
    // outputs past ow must not multiply it by the zero-filled dy
    const a = args(2, 1, 6, 13, 2, 3, 3, 0, 0);
    const x = randF32(2 * 6 * 13, 5);
    for (let r = 0; r < 12; r++) x[r * 13 + 12] = Infinity;
    const gy = randF32(2 * 2 * a.oh * a.ow, 6);
    const got = wasm.kernels.conv2dGradWeight!(x, gy, a, 'float32');
    const want = jsKernels.conv2dGradWeight(x, gy, a, 'float32');
    for (let i = 0; i < want.length; i++) {
      if (Number.isFinite(want[i]!)) expect(Math.abs(got[i]! - want[i]!), `element ${i}`).toBeLessThan(1e-4);
      else
        expect(
          Object.is(got[i], want[i]) || (Number.isNaN(got[i]!) && Number.isNaN(want[i]!)),
          `element ${i}: ${got[i]} vs ${want[i]}`,
        ).toBe(true);
    }
    expect(Array.from(want).filter(Number.isFinite).length).toBe(12); // kx = 0, 1 of 2 channels × 3 rows
  });

  it('the same bits on 2, 3 and 4 threads (forward by images, weight gradient by taps, split inside a kernel row too)', async () => {
    for (const threads of [2, 3, 4]) {
      const b = await createWasmBackend({ threads });
      if (!b.info?.sharedMemory) return expect(b.gemm.threads).toBe(1);
      const saved = b.gemm.parallelMinMacs;
      b.gemm.parallelMinMacs = 0;
      try {
        for (const [name, a] of cases) {
          const K = a.cIn * a.kh * a.kw;
          const x = randF32(a.n * a.cIn * a.h * a.w, 21 + K);
          const w = randF32(a.cOut * K, 22 + K);
          const gy = randF32(a.n * a.cOut * a.oh * a.ow, 23 + K);
          expectClose(
            b.kernels.conv2d!(x, w, a, 'float32'),
            wasm.kernels.conv2d!(x, w, a, 'float32'),
            0,
            0,
            `fwd ${name}, ${threads} threads`,
          );
          expectClose(
            b.kernels.conv2dGradWeight!(x, gy, a, 'float32'),
            wasm.kernels.conv2dGradWeight!(x, gy, a, 'float32'),
            0,
            0,
            `dw ${name}, ${threads} threads`,
          );
        }
      } finally {
        b.gemm.parallelMinMacs = saved;
      }
    }
  });
});
