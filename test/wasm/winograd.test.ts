/**
 * Winograd F(2×2, 3×3) (assembly/winograd.ts) and F(4×4, 3×3) (assembly/winograd4.ts; forward and
 * input gradient) for stride-1 3×3 convolutions and their input gradients, against the js kernels
 * (the specification); every case runs under each variant. Winograd rounds differently from the direct
 * sum (the transforms add inputs before the products, and halve filter sums), yet it stays within the
 * float32-accumulation bound the other conv tests use (2e-6·(terms + 8) on the scale of the same
 * convolution of |x| and |w|, terms = 9·cIn); bits are compared only across thread counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsKernels, type Conv2dArgs } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { winogradConv } from '../../src/backend/wasm/kernels.js';
import { absOf, ensureBuilt, expectScaled, randF32 } from './setup.js';

let wasm: WasmBackend;
let wasm3: WasmBackend;
const savedMinTiles = winogradConv.minTiles;
beforeAll(async () => {
  ensureBuilt();
  winogradConv.minTiles = 1; // small cases too (the default leaves layers with few tiles to im2col)
  wasm = await createWasmBackend({ threads: 1 });
  wasm3 = await createWasmBackend({ threads: 3 });
});
afterAll(() => {
  winogradConv.minTiles = savedMinTiles;
  wasm3.close();
});

function args(n: number, cIn: number, h: number, w: number, cOut: number, p: number, bias: Float32Array | null = null): Conv2dArgs {
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kh: 3,
    kw: 3,
    oh: h + 2 * p - 2,
    ow: w + 2 * p - 2,
    strideH: 1,
    strideW: 1,
    padH: p,
    padW: p,
    dilH: 1,
    dilW: 1,
    groups: 1,
    bias,
  };
}

const cases: [string, Conv2dArgs][] = [
  ['cnn conv2 shape 32→64 at 14×14, batch 3', args(3, 32, 14, 14, 64, 1)],
  ['odd output 13×11, padding 1', args(2, 8, 13, 11, 8, 1)],
  ['padding 0 (odd output 9×7)', args(2, 9, 11, 9, 10, 0)],
  ['padding 2', args(1, 8, 6, 7, 12, 2)],
  ['one tile column, 17 channels', args(4, 17, 2, 2, 9, 1)],
  ['resnet-like 64→64 at 20×20, batch 1', args(1, 64, 20, 20, 64, 1)],
  ['depth past one GEMM slice (cIn 300)', args(1, 300, 6, 6, 8, 1)],
  ['6 tile columns of 4, last one cut (23 wide)', args(1, 8, 37, 23, 8, 1)],
];

for (const [variant, f4MinSide] of [
  ['F(2×2, 3×3)', Infinity],
  ['F(4×4, 3×3)', 1],
] as const)
  describe(`wasm Winograd ${variant} against the js convolution`, () => {
    const savedSide = winogradConv.f4MinSide;
    beforeAll(() => {
      winogradConv.f4MinSide = f4MinSide;
    });
    afterAll(() => {
      winogradConv.f4MinSide = savedSide;
    });
    for (const [name, a] of cases) {
      const xLen = a.n * a.cIn * a.h * a.w;
      const wLen = a.cOut * a.cIn * 9;
      const yLen = a.n * a.cOut * a.oh * a.ow;
      const x = randF32(xLen, 11 + xLen);
      const w = randF32(wLen, 12 + wLen);
      const gy = randF32(yLen, 13 + yLen);
      const bias = randF32(a.cOut, 14);

      it(`forward: ${name}`, () => {
        const got = wasm.kernels.conv2d!(x, w, a, 'float32');
        const scale = jsKernels.conv2d(absOf(x), absOf(w), a, 'float64');
        expectScaled(got, jsKernels.conv2d(x, w, a, 'float32'), scale, 9 * a.cIn, name);
      });
      it(`forward with bias: ${name}`, () => {
        const ab = { ...a, bias };
        const got = wasm.kernels.conv2d!(x, w, ab, 'float32');
        const scale = jsKernels.conv2d(absOf(x), absOf(w), { ...a, bias: Float32Array.from(bias, Math.abs) }, 'float64');
        expectScaled(got, jsKernels.conv2d(x, w, ab, 'float32'), scale, 9 * a.cIn, name);
      });
      it(`input gradient: ${name}`, () => {
        const got = wasm.kernels.conv2dGradInput!(gy, w, a, 'float32');
        const scale = jsKernels.conv2dGradInput(absOf(gy), absOf(w), a, 'float64');
        expectScaled(got, jsKernels.conv2dGradInput(gy, w, a, 'float32'), scale, 9 * a.cOut, name);
      });
      it(`weight gradient: ${name}`, () => {
        const got = wasm.kernels.conv2dGradWeight!(x, gy, a, 'float32');
        const scale = jsKernels.conv2dGradWeight(absOf(x), absOf(gy), a, 'float64');
        expectScaled(got, jsKernels.conv2dGradWeight(x, gy, a, 'float32'), scale, a.n * a.oh * a.ow, name);
      });
      it(`same bits on 1 and 3 threads: ${name}`, () => {
        const gemm = wasm3.gemm;
        const saved = gemm.parallelMinMacs;
        gemm.parallelMinMacs = 1; // force the split
        try {
          expect(Array.from(wasm3.kernels.conv2d!(x, w, { ...a, bias }, 'float32'))).toEqual(
            Array.from(wasm.kernels.conv2d!(x, w, { ...a, bias }, 'float32')),
          );
          expect(Array.from(wasm3.kernels.conv2dGradInput!(gy, w, a, 'float32'))).toEqual(
            Array.from(wasm.kernels.conv2dGradInput!(gy, w, a, 'float32')),
          );
          expect(Array.from(wasm3.kernels.conv2dGradWeight!(x, gy, a, 'float32'))).toEqual(
            Array.from(wasm.kernels.conv2dGradWeight!(x, gy, a, 'float32')),
          );
        } finally {
          gemm.parallelMinMacs = saved;
        }
      });
    }

    it('is the path these shapes take (and differs from im2col + GEMM only by rounding)', () => {
      const a = args(2, 16, 10, 10, 16, 1);
      const x = randF32(2 * 16 * 100, 5);
      const w = randF32(16 * 16 * 9, 6);
      const viaWinograd = wasm.kernels.conv2d!(x, w, a, 'float32');
      winogradConv.enabled = false;
      let viaGemm: Float32Array;
      try {
        viaGemm = wasm.kernels.conv2d!(x, w, a, 'float32') as Float32Array;
      } finally {
        winogradConv.enabled = true;
      }
      expect(Array.from(viaWinograd)).not.toEqual(Array.from(viaGemm));
      let worst = 0;
      for (let i = 0; i < viaGemm.length; i++) worst = Math.max(worst, Math.abs(viaWinograd[i]! - viaGemm[i]!));
      expect(worst).toBeLessThan(1e-4);
    });
  });
