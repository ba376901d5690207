import { beforeAll, describe, expect, it } from 'vitest';
import { jsKernels, type Conv2dArgs, type Pool2dArgs } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { absOf, ensureBuilt, expectClose, expectScaled, randF32 } from './setup.js';

let wasm: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  wasm = await createWasmBackend({ threads: 1 });
});

const out = (i: number, k: number, s: number, p: number, d: number) => Math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1;

function convArgs(
  n: number,
  cIn: number,
  h: number,
  w: number,
  cOut: number,
  kh: number,
  kw: number,
  s = 1,
  p = 0,
  d = 1,
  groups = 1,
): Conv2dArgs {
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kh,
    kw,
    oh: out(h, kh, s, p, d),
    ow: out(w, kw, s, p, d),
    strideH: s,
    strideW: s,
    padH: p,
    padW: p,
    dilH: d,
    dilW: d,
    groups,
  };
}

const convCases: [string, Conv2dArgs][] = [
  ['1x1 image, 1x1 kernel, batch 1', convArgs(1, 1, 1, 1, 1, 1, 1)],
  ['pointwise 1x1 (plain GEMM path)', convArgs(2, 5, 6, 7, 3, 1, 1)],
  ['LeNet conv1 shape (batch 3)', convArgs(3, 1, 28, 28, 6, 5, 5)],
  ['LeNet conv2 shape', convArgs(2, 6, 14, 14, 16, 5, 5)],
  ['odd sizes, padding 1', convArgs(2, 3, 11, 13, 7, 3, 3, 1, 1)],
  ['stride 2, padding 2, primes', convArgs(1, 5, 17, 19, 11, 5, 3, 2, 2)],
  ['dilation 2', convArgs(2, 2, 12, 10, 4, 3, 3, 1, 2, 2)],
  ['groups 2', convArgs(2, 4, 9, 9, 6, 3, 3, 1, 1, 1, 2)],
  ['depthwise (groups = channels)', convArgs(1, 3, 8, 8, 3, 3, 3, 2, 1, 1, 3)],
  ['larger: 16→32 channels 3x3 on 20x20, batch 4', convArgs(4, 16, 20, 20, 32, 3, 3, 1, 1)],
  ['stride 2, 3x3 pad 1, wide rows (vector im2col)', convArgs(2, 3, 30, 37, 8, 3, 3, 2, 1)],
  ['resnet stem shape 7x7/2 pad 3', convArgs(1, 3, 32, 40, 4, 7, 7, 2, 3)],
];

describe('wasm conv2d parity with js (float32)', () => {
  for (const [name, a] of convCases) {
    const xLen = a.n * a.cIn * a.h * a.w;
    const wLen = a.cOut * (a.cIn / a.groups) * a.kh * a.kw;
    const yLen = a.n * a.cOut * a.oh * a.ow;
    const K = (a.cIn / a.groups) * a.kh * a.kw;
    const x = randF32(xLen, 1 + xLen);
    const w = randF32(wLen, 2 + wLen);
    const gy = randF32(yLen, 3 + yLen);

    it(`forward: ${name}`, () => {
      const got = wasm.kernels.conv2d!(x, w, a, 'float32');
      expectScaled(got, jsKernels.conv2d(x, w, a, 'float32'), jsKernels.conv2d(absOf(x), absOf(w), a, 'float64'), K, name);
    });
    it(`grad input: ${name}`, () => {
      const got = wasm.kernels.conv2dGradInput!(gy, w, a, 'float32');
      const scale = jsKernels.conv2dGradInput(absOf(gy), absOf(w), a, 'float64');
      expectScaled(got, jsKernels.conv2dGradInput(gy, w, a, 'float32'), scale, a.cOut * a.kh * a.kw, name);
    });
    it(`grad weight: ${name}`, () => {
      const got = wasm.kernels.conv2dGradWeight!(x, gy, a, 'float32');
      const scale = jsKernels.conv2dGradWeight(absOf(x), absOf(gy), a, 'float64');
      expectScaled(got, jsKernels.conv2dGradWeight(x, gy, a, 'float32'), scale, a.n * a.oh * a.ow, name);
    });
  }

  it('float64 inputs fall back to js (identical bits)', () => {
    const a = convArgs(1, 2, 5, 5, 2, 3, 3);
    const x = Float64Array.from(randF32(50, 1));
    const w = Float64Array.from(randF32(36, 2));
    expect(Array.from(wasm.kernels.conv2d!(x, w, a, 'float64'))).toEqual(Array.from(jsKernels.conv2d(x, w, a, 'float64')));
  });
});

function poolArgs(
  n: number,
  c: number,
  h: number,
  w: number,
  k: number,
  s: number,
  p: number,
  d = 1,
  countIncludePad = true,
  divisor = 0,
): Pool2dArgs {
  return {
    n,
    c,
    h,
    w,
    oh: out(h, k, s, p, d),
    ow: out(w, k, s, p, d),
    kh: k,
    kw: k,
    strideH: s,
    strideW: s,
    padH: p,
    padW: p,
    dilH: d,
    dilW: d,
    countIncludePad,
    divisor,
  };
}

const poolCases: [string, Pool2dArgs][] = [
  ['1x1', poolArgs(1, 1, 1, 1, 1, 1, 0)],
  ['2x2 stride 2 (LeNet)', poolArgs(4, 6, 28, 28, 2, 2, 0)],
  ['3x3 stride 2 pad 1, odd', poolArgs(2, 3, 13, 11, 3, 2, 1)],
  ['dilated', poolArgs(1, 2, 10, 10, 2, 1, 0, 3)],
  ['avg excluding padding', poolArgs(2, 2, 7, 9, 3, 2, 1, 1, false)],
  ['avg with a divisor override', poolArgs(1, 3, 6, 6, 2, 2, 1, 1, true, 3)],
];

describe('wasm pooling parity with js', () => {
  for (const [name, a] of poolCases) {
    const x = randF32(a.n * a.c * a.h * a.w, 7 + a.h);
    const gy = randF32(a.n * a.c * a.oh * a.ow, 8 + a.w);
    it(`max pool forward/backward: ${name}`, () => {
      if (a.dilH === 1) {
        // plant a NaN: it must win its window, like PyTorch
        x[Math.floor(x.length / 2)] = NaN;
      }
      const got = wasm.kernels.maxPool2d!(x, a, 'float32');
      const want = jsKernels.maxPool2d(x, a, 'float32');
      expect(Array.from(got.indices!)).toEqual(Array.from(want.indices!));
      expectClose(got.out, want.out, 0, 0, name);
      expectClose(
        wasm.kernels.maxPool2dGrad!(gy, want.indices!, a, 'float32'),
        jsKernels.maxPool2dGrad(gy, want.indices!, a, 'float32'),
        1e-6,
        1e-7,
        name,
      );
    });
    it(`avg pool forward/backward: ${name}`, () => {
      expectClose(wasm.kernels.avgPool2d!(x, a, 'float32'), jsKernels.avgPool2d(x, a, 'float32'), 1e-5, 1e-6, name);
      expectClose(wasm.kernels.avgPool2dGrad!(gy, a, 'float32'), jsKernels.avgPool2dGrad(gy, a, 'float32'), 1e-5, 1e-6, name);
    });
  }
});

describe('conv on two threads (split by images) matches one thread', () => {
  it('forward and both gradients, odd batch', async () => {
    const two = await createWasmBackend({ threads: 2 });
    if (!two.info?.sharedMemory) return expect(two.gemm.threads).toBe(1);
    const saved = two.gemm.parallelMinMacs;
    two.gemm.parallelMinMacs = 0;
    try {
      for (const [name, a] of [convCases[2]!, convCases[4]!, convCases[7]!, convCases[9]!]) {
        const x = randF32(a.n * a.cIn * a.h * a.w, 31);
        const w = randF32(a.cOut * (a.cIn / a.groups) * a.kh * a.kw, 32);
        const gy = randF32(a.n * a.cOut * a.oh * a.ow, 33);
        expectClose(two.kernels.conv2d!(x, w, a, 'float32'), wasm.kernels.conv2d!(x, w, a, 'float32'), 0, 0, `fwd ${name}`);
        expectClose(
          two.kernels.conv2dGradInput!(gy, w, a, 'float32'),
          wasm.kernels.conv2dGradInput!(gy, w, a, 'float32'),
          0,
          0,
          `dx ${name}`,
        );
        // the weight gradient is split by columns of dW (each element still sums every image in
        // order on one thread): the same bits as one thread, and close to js
        const dw2 = two.kernels.conv2dGradWeight!(x, gy, a, 'float32');
        expectClose(dw2, wasm.kernels.conv2dGradWeight!(x, gy, a, 'float32'), 0, 0, `dw ${name}`);
        const scale = jsKernels.conv2dGradWeight(absOf(x), absOf(gy), a, 'float64');
        expectScaled(dw2, jsKernels.conv2dGradWeight(x, gy, a, 'float32'), scale, a.n * a.oh * a.ow, `dw ${name}`);
      }
    } finally {
      two.gemm.parallelMinMacs = saved;
    }
  });
});

describe('one image on 2 and 3 threads (column rows, then output columns, across the pool) matches one thread', () => {
  it('forward with and without bias: im2col, strided, small-m and pointwise shapes', async () => {
    const cases: Conv2dArgs[] = [
      convCases[5]![1], // stride 2, padding 2, primes (P = 99)
      convCases[11]![1], // resnet stem 7×7/2, 4 output channels (the GEMM's small-m path)
      convArgs(1, 16, 12, 13, 24, 3, 3, 2, 1), // resnet's strided 3×3, 42 outputs: split by output channels
      convArgs(1, 20, 9, 11, 12, 1, 1), // pointwise (no columns: the GEMM reads x)
      convArgs(1, 8, 14, 14, 16, 1, 1, 2), // 1×1 stride 2 (resnet's downsample)
    ];
    for (const threads of [2, 3]) {
      const many = await createWasmBackend({ threads });
      if (!many.info?.sharedMemory) {
        expect(many.gemm.threads).toBe(1);
        continue;
      }
      const saved = many.gemm.parallelMinMacs;
      many.gemm.parallelMinMacs = 0;
      try {
        for (const a of cases) {
          const x = randF32(a.n * a.cIn * a.h * a.w, 41);
          const w = randF32(a.cOut * a.cIn * a.kh * a.kw, 42);
          const name = `${a.cIn}→${a.cOut} ${a.kh}×${a.kw}/${a.strideH} at ${a.h}×${a.w}, ${threads} threads`;
          expectClose(many.kernels.conv2d!(x, w, a, 'float32'), wasm.kernels.conv2d!(x, w, a, 'float32'), 0, 0, name);
          const b = { ...a, bias: randF32(a.cOut, 43) };
          expectClose(many.kernels.conv2d!(x, w, b, 'float32'), wasm.kernels.conv2d!(x, w, b, 'float32'), 0, 0, `${name} + bias`);
          expectClose(many.kernels.conv2d!(x, w, b, 'float32'), jsKernels.conv2d(x, w, b, 'float32'), 1e-5, 1e-5, `${name} + bias vs js`);
        }
      } finally {
        many.gemm.parallelMinMacs = saved;
        many.close();
      }
    }
  });
});
