import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { backendInfo, init, kernels, setBackend } from '../../src/backend/index.js';
import { randn, tensor } from '../../src/tensor/creation.js';
import { isResident } from '../../src/backend/dispatch.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import { ensureBuilt } from './setup.js';

afterAll(() => {
  setBackend('js');
});

describe('init() and the wasm backend', () => {
  it('auto picks wasm, with the thread count defaulting to the cores', async () => {
    ensureBuilt();
    await init();
    const info = backendInfo();
    expect(info.backend).toBe('wasm');
    expect(info.info.requestedThreads).toBe(availableParallelism());
    // Node has SharedArrayBuffer: the pool exists whenever more than one core is asked for
    expect(info.info.threads).toBe(availableParallelism() > 1 ? availableParallelism() : 1);
    expect(info.info.variant).toMatch(/-mt$/); // shared memory whenever the engine has it (resident arrays)
  });

  it('init({ threads: 1 }) keeps shared memory (resident arrays) without a pool', async () => {
    await init({ threads: 1 });
    const info = backendInfo();
    expect(info.info.threads).toBe(1);
    expect(info.info.sharedMemory).toBe(true);
  });

  it('init({ sharedMemory: false }) gives a private-memory build: no pool, no resident arrays, same results', async () => {
    await init({ threads: 2, sharedMemory: false });
    const info = backendInfo();
    expect(info.info.variant).toMatch(/^(relaxed|simd)$/);
    expect(info.info.sharedMemory).toBe(false);
    expect(info.info.threads).toBe(1);
    const lin = new nn.Linear(300, 20, { rng: new Rng(3) });
    expect(isResident(lin.weight.storage)).toBe(false);
    const x = randn([4, 300], { rng: new Rng(4) });
    const got = lin.call(x).toArray() as number[][];
    await init({ threads: 1 });
    const shared = lin.call(x).toArray() as number[][];
    expect(shared).toEqual(got);
  });

  it('init({ relaxedSimd: false }) forces plain SIMD and still computes', async () => {
    await init({ threads: 1, relaxedSimd: false });
    expect(backendInfo().info.variant).toMatch(/^simd(-mt)?$/);
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(a.matmul(a).toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
  });

  it('kernels the backend lacks fall back to js (gather, indexSelect)', async () => {
    await init({ threads: 1 });
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(
      x
        .gather(
          1,
          tensor(
            [
              [2, 0],
              [1, 1],
            ],
            { dtype: 'int32' },
          ),
        )
        .toArray(),
    ).toEqual([
      [3, 1],
      [5, 5],
    ]);
    expect(typeof kernels().indexSelect).toBe('function');
  });

  it('tensors returned by wasm kernels own ordinary (non-shared) buffers', async () => {
    await init({ threads: 2 });
    const a = tensor(
      Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 7) - 3),
      { shape: [64, 64] },
    );
    const c = a.matmul(a).relu().sum(1);
    expect(c.storage.buffer).toBeInstanceOf(ArrayBuffer);
    expect(c.storage.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('fallback when the wasm modules cannot be loaded', () => {
  it("auto falls back to js and says why in backendInfo().skipped; an explicit 'wasm' throws", async () => {
    const nowhere = new URL('file:///nonexistent-backprop-wasm/');
    await init({ wasmBase: nowhere, threads: 1 });
    const info = backendInfo();
    expect(info.backend).toBe('js');
    expect(info.skipped.wasm).toMatch(/not found.*build:wasm/);
    await expect(init({ backend: 'wasm', wasmBase: nowhere, threads: 1 })).rejects.toThrow(/not found/);
  });

  it('an explicit wasmBase pointing at the build folder loads', async () => {
    await init({ wasmBase: new URL('../../build/wasm/', import.meta.url), threads: 1 });
    expect(backendInfo().backend).toBe('wasm');
  });
});
