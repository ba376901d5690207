import { afterEach, describe, expect, it } from 'vitest';
import { NotSupportedError, backendInfo, getBackend, init, listBackends, setBackend, tensor } from '../../src/index.js';
import { addBackendLoader, jsKernels, kernels, registerBackend } from '../../src/backend/index.js';
import type { Backend, Kernels } from '../../src/backend/types.js';

afterEach(() => {
  setBackend('js');
});

describe('backends and the dispatcher', () => {
  it('with js selected (test/setup-backend.ts does it; nothing is selected at import time) the js backend runs everything', () => {
    expect(getBackend().name).toBe('js');
    expect(backendInfo().backend).toBe('js');
    expect(listBackends()).toContain('js');
    expect(kernels().matmul).toBe(jsKernels.matmul);
  });

  it('a partial backend overrides the kernels it has; every other kernel falls back to js', () => {
    let calls = 0;
    const partial: Partial<Kernels> = {
      unary: (...args: Parameters<Kernels['unary']>) => {
        calls++;
        return jsKernels.unary(...args);
      },
    };
    const spy: Backend = { name: 'spy', kernels: partial as Kernels, info: { note: 'test' } };
    registerBackend(spy);
    setBackend('spy');
    expect(getBackend().name).toBe('spy');
    expect(backendInfo().info).toEqual({ note: 'test' });
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(x.exp().dataSync()[0]).toBeCloseTo(Math.E, 5);
    expect(calls).toBeGreaterThan(0);
    expect(kernels().matmul).toBe(jsKernels.matmul);
    expect(x.matmul(x).toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    setBackend('js');
    const before = calls;
    x.exp();
    expect(calls).toBe(before);
  });

  it('selecting an unknown backend is a NotSupportedError naming the registered ones', () => {
    expect(() => setBackend('cuda')).toThrow(NotSupportedError);
    expect(() => setBackend('cuda')).toThrow(/unknown backend "cuda".*js/);
  });

  it("init({ backend: 'js' }) selects js; a loader that fails is reported, not silently used", async () => {
    expect((await init({ backend: 'js' })).name).toBe('js');
    addBackendLoader({
      name: 'broken',
      load: async () => {
        throw new Error('no such hardware');
      },
    });
    await expect(init({ backend: 'broken' })).rejects.toThrow('no such hardware');
    expect(backendInfo().skipped.broken).toBe('no such hardware');
    expect(getBackend().name).toBe('js');
  });
});
