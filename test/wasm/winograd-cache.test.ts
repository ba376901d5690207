/**
 * The cache of transformed Winograd filters (`winogradCache`, src/backend/wasm/kernels.ts): a weight
 * seen twice with the same bytes keeps its U, later calls skip the filter transform, and every call
 * gives exactly the bits of the uncached path — including after the weight is written in place
 * (which must never use the stale U) and for the input gradient, which caches its own flipped U.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Conv2dArgs } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { winogradCache } from '../../src/backend/wasm/kernels.js';
import { init, nn, noGrad, optim, randn, Rng } from '../../src/index.js';
import { ensureBuilt, randF32 } from './setup.js';

let wasm: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  wasm = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  winogradCache.enabled = true;
});

// 1 image, 24→16 channels at 10×10, padding 1: 25 tiles (cached: fewer than winogradCache.maxTiles)
const a: Conv2dArgs = {
  n: 1,
  cIn: 24,
  h: 10,
  w: 10,
  cOut: 16,
  kh: 3,
  kw: 3,
  oh: 10,
  ow: 10,
  strideH: 1,
  strideW: 1,
  padH: 1,
  padW: 1,
  dilH: 1,
  dilW: 1,
  groups: 1,
  bias: null,
};

function uncached<T>(f: () => T): T {
  winogradCache.enabled = false;
  try {
    return f();
  } finally {
    winogradCache.enabled = true;
  }
}

describe('wasm Winograd filter cache', () => {
  it('keeps U for an unchanged weight storage and gives the uncached bits', () => {
    const w = wasm.residentF32!(a.cOut * a.cIn * 9)!;
    w.set(randF32(w.length, 1));
    const x = randF32(a.n * a.cIn * a.h * a.w, 2);
    const want = Array.from(uncached(() => wasm.kernels.conv2d!(x, w, a, 'float32')));
    const hits0 = winogradCache.hits;
    const kept0 = winogradCache.kept;
    for (let i = 0; i < 4; i++) expect(Array.from(wasm.kernels.conv2d!(x, w, a, 'float32'))).toEqual(want);
    // call 1 stores the fingerprint, call 2 keeps U, calls 3 and 4 find it
    expect(winogradCache.kept - kept0).toBe(1);
    expect(winogradCache.hits - hits0).toBe(2);
  });

  it('never uses U after the weight is written in place (one element, then all)', () => {
    const w = wasm.residentF32!(a.cOut * a.cIn * 9)!;
    w.set(randF32(w.length, 3));
    const x = randF32(a.n * a.cIn * a.h * a.w, 4);
    for (let i = 0; i < 3; i++) wasm.kernels.conv2d!(x, w, a, 'float32'); // U kept and used
    const before = Array.from(wasm.kernels.conv2d!(x, w, a, 'float32'));
    w[w.length - 1] = w[w.length - 1]! + 0.5; // the last tap of the last filter
    const want = Array.from(uncached(() => wasm.kernels.conv2d!(x, w, a, 'float32')));
    expect(want).not.toEqual(before);
    const hits0 = winogradCache.hits;
    expect(Array.from(wasm.kernels.conv2d!(x, w, a, 'float32'))).toEqual(want);
    expect(winogradCache.hits).toBe(hits0); // a changed fingerprint: transformed again
    w.set(randF32(w.length, 5));
    const want2 = Array.from(uncached(() => wasm.kernels.conv2d!(x, w, a, 'float32')));
    for (let i = 0; i < 3; i++) expect(Array.from(wasm.kernels.conv2d!(x, w, a, 'float32'))).toEqual(want2);
  });

  it('caches the input gradient’s flipped U apart from the forward’s', () => {
    const w = wasm.residentF32!(a.cOut * a.cIn * 9)!;
    w.set(randF32(w.length, 6));
    const x = randF32(a.n * a.cIn * a.h * a.w, 7);
    const gy = randF32(a.n * a.cOut * a.oh * a.ow, 8);
    const wantY = Array.from(uncached(() => wasm.kernels.conv2d!(x, w, a, 'float32')));
    const wantDx = Array.from(uncached(() => wasm.kernels.conv2dGradInput!(gy, w, a, 'float32')));
    for (let i = 0; i < 3; i++) {
      expect(Array.from(wasm.kernels.conv2d!(x, w, a, 'float32'))).toEqual(wantY);
      expect(Array.from(wasm.kernels.conv2dGradInput!(gy, w, a, 'float32'))).toEqual(wantDx);
    }
  });

  it('follows an optimizer’s in-place updates through a Conv2d (eval, train step, eval)', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const rng = new Rng(9);
    const conv = new nn.Conv2d(24, 16, 3, { padding: 1 });
    const x = randn([1, 24, 10, 10], { rng });
    const opt = new optim.SGD(conv.parameters(), { lr: 0.1 });
    const hits0 = winogradCache.hits;
    for (let step = 0; step < 3; step++) {
      const want = uncached(() => Array.from(noGrad(() => conv.call(x)).dataSync()));
      for (let i = 0; i < 3; i++) expect(Array.from(noGrad(() => conv.call(x)).dataSync())).toEqual(want);
      opt.zeroGrad();
      conv.call(x).square().mean().backward();
      opt.step();
      const after = uncached(() => Array.from(noGrad(() => conv.call(x)).dataSync()));
      expect(after).not.toEqual(want);
    }
    expect(winogradCache.hits - hits0).toBeGreaterThanOrEqual(3); // the cached path did run
  });
});

describe('wasm Winograd filter cache on 3 threads', () => {
  it('fingerprints a large weight in shares and still never uses a stale U', async () => {
    const three = await createWasmBackend({ threads: 3 });
    try {
      const b: Conv2dArgs = { ...a, cIn: 256, cOut: 128, h: 8, w: 8, oh: 8, ow: 8 }; // 294,912 floats ≥ 2^18
      const w = three.residentF32!(b.cOut * b.cIn * 9)!;
      w.set(randF32(w.length, 11));
      const x = randF32(b.n * b.cIn * b.h * b.w, 12);
      const want = Array.from(uncached(() => three.kernels.conv2d!(x, w, b, 'float32')));
      const hits0 = winogradCache.hits;
      for (let i = 0; i < 3; i++) expect(Array.from(three.kernels.conv2d!(x, w, b, 'float32'))).toEqual(want);
      expect(winogradCache.hits - hits0).toBe(1);
      // a change in each third of the weight is seen
      for (const at of [5, (w.length / 2) | 0, w.length - 3]) {
        w[at] = w[at]! - 0.25;
        const now = Array.from(uncached(() => three.kernels.conv2d!(x, w, b, 'float32')));
        expect(Array.from(three.kernels.conv2d!(x, w, b, 'float32'))).toEqual(now);
      }
    } finally {
      three.close();
    }
  });
});

describe('wasm Winograd filter cache without shared memory', () => {
  it('takes no fingerprint (nothing can be kept resident) and gives the same bits', async () => {
    const priv = await createWasmBackend({ threads: 1, sharedMemory: false });
    const shared = await createWasmBackend({ threads: 1 });
    const w = shared.residentF32!(a.cOut * a.cIn * 9)!;
    w.set(randF32(w.length, 21));
    const x = randF32(a.n * a.cIn * a.h * a.w, 22);
    const want = Array.from(shared.kernels.conv2d!(x, w, a, 'float32'));
    const f0 = winogradCache.fingerprints;
    for (let i = 0; i < 3; i++) expect(Array.from(priv.kernels.conv2d!(x, w, a, 'float32'))).toEqual(want);
    expect(winogradCache.fingerprints).toBe(f0);
    shared.kernels.conv2d!(x, w, a, 'float32');
    expect(winogradCache.fingerprints).toBe(f0 + 1); // the shared backend does take one
  });
});
