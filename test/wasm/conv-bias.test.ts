/**
 * conv2d's fused bias on the wasm backend: the forward with a bias gives the bits of the forward
 * without it followed by a float32 add of bias[co] (direct and im2col + GEMM paths, groups, one and
 * several threads), and the js kernel does the same.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { jsKernels, type Conv2dArgs } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { ensureBuilt, expectClose, randF32 } from './setup.js';

let wasm: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  wasm = await createWasmBackend({ threads: 1 });
});

const out = (i: number, k: number, s: number, p: number, d: number) => Math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1;
function args(n: number, cIn: number, h: number, w: number, cOut: number, k: number, s = 1, p = 0, d = 1, groups = 1): Conv2dArgs {
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kh: k,
    kw: k,
    oh: out(h, k, s, p, d),
    ow: out(w, k, s, p, d),
    strideH: s,
    strideW: s,
    padH: p,
    padW: p,
    dilH: d,
    dilW: d,
    groups,
  };
}

const cases: [string, Conv2dArgs][] = [
  ['LeNet conv1 (direct)', args(3, 1, 28, 28, 6, 5, 1, 2)],
  ['odd channels, ow 13 (direct)', args(2, 3, 11, 13, 7, 3, 1, 1)],
  ['LeNet conv2 (im2col)', args(2, 6, 14, 14, 16, 5)],
  ['stride 2, padding 2 (im2col)', args(1, 5, 17, 19, 11, 5, 2, 2)],
  ['groups 2 (im2col)', args(2, 4, 9, 9, 6, 3, 1, 1, 1, 2)],
  ['pointwise (plain GEMM)', args(2, 5, 6, 7, 3, 1)],
];

/** y + bias[co], one float32 add per element. */
function addBias(y: ArrayLike<number>, bias: Float32Array, a: Conv2dArgs): Float32Array {
  const r = Float32Array.from(y);
  const P = a.oh * a.ow;
  for (let i = 0; i < r.length; i++) r[i] = r[i]! + bias[Math.floor(i / P) % a.cOut]!;
  return r;
}

describe('conv2d with a fused bias = conv2d then add, bit for bit', () => {
  for (const [name, a] of cases) {
    const x = randF32(a.n * a.cIn * a.h * a.w, 41);
    const w = randF32(a.cOut * (a.cIn / a.groups) * a.kh * a.kw, 42);
    const bias = randF32(a.cOut, 43);
    it(`wasm: ${name}`, () => {
      const want = addBias(wasm.kernels.conv2d!(x, w, a, 'float32'), bias, a);
      expectClose(wasm.kernels.conv2d!(x, w, { ...a, bias }, 'float32'), want, 0, 0, name);
    });
    it(`js: ${name}`, () => {
      const want = addBias(jsKernels.conv2d(x, w, a, 'float32'), bias, a);
      expectClose(jsKernels.conv2d(x, w, { ...a, bias }, 'float32'), want, 0, 0, name);
    });
  }

  it('split over 2 and 3 threads: the same bits', async () => {
    for (const threads of [2, 3]) {
      const b = await createWasmBackend({ threads });
      if (!b.info?.sharedMemory) return expect(b.gemm.threads).toBe(1);
      const saved = b.gemm.parallelMinMacs;
      b.gemm.parallelMinMacs = 0;
      try {
        for (const [name, a] of cases) {
          const x = randF32(a.n * a.cIn * a.h * a.w, 51);
          const w = randF32(a.cOut * (a.cIn / a.groups) * a.kh * a.kw, 52);
          const bias = randF32(a.cOut, 53);
          expectClose(
            b.kernels.conv2d!(x, w, { ...a, bias }, 'float32'),
            wasm.kernels.conv2d!(x, w, { ...a, bias }, 'float32'),
            0,
            0,
            `${name}, ${threads} threads`,
          );
        }
      } finally {
        b.gemm.parallelMinMacs = saved;
      }
    }
  });
});
