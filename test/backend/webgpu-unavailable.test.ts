/**
 * The webgpu backend where WebGPU cannot run (part of `npm test`, which must pass on machines without
 * Vulkan): the Vulkan driver is pointed at a file that does not exist, so Dawn finds no adapter (or the
 * optional `webgpu` package is absent). The GPU paths themselves are tested by `npm run test:webgpu`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backendInfo, init, tensor } from '../../src/index.js';
import { gpuHandle, inGpuOp, missingKernels } from '../../src/backend/gpu.js';

process.env.VK_ICD_FILENAMES = '/nonexistent/backprop-test-icd.json';

afterAll(async () => {
  await init({ backend: 'js' });
});

const caught = (f: () => unknown): { code?: string; message: string } => {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected an error');
};

describe('webgpu unavailable', () => {
  it("'auto' chooses a CPU backend and says in backendInfo().skipped why webgpu was not used", async () => {
    await init();
    const info = backendInfo();
    expect(['wasm', 'js']).toContain(info.backend);
    expect(info.skipped.webgpu).toMatch(/not probed by 'auto' in Node.*init\(\{ backend: 'webgpu' \}\)/);
    expect(info.gpu).toBeNull();
  });

  it("an explicit init({ backend: 'webgpu' }) throws E_WEBGPU_UNAVAILABLE with the reason, also kept in skipped", async () => {
    const err = await init({ backend: 'webgpu' }).then(
      () => null,
      (e: { code?: string; message: string }) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.code).toBe('E_WEBGPU_UNAVAILABLE');
    expect(err!.message).toMatch(/no WebGPU adapter|'webgpu' .*not installed/);
    expect(backendInfo().skipped.webgpu).toBe(err!.message.replace(/^init: the webgpu backend cannot load: /, ''));
  });

  it("x.to('webgpu') is a typed error that gives the reason and how to load it", () => {
    const e = caught(() => tensor([1, 2]).to('webgpu'));
    expect(e.code).toBe('E_DEVICE');
    expect(e.message).toMatch(/'webgpu' device is not loaded \(.+\); call `await init\(\{ backend: 'webgpu' \}\)` first/);
  });
});

describe('GPU handles (what a webgpu tensor`s .storage is)', () => {
  it('have a length, but reading or writing an element throws E_WEBGPU_SYNC_READ naming the async reader', () => {
    const h = gpuHandle('float32', 300);
    expect(h.length).toBe(300);
    expect(h).toBeInstanceOf(Float32Array);
    expect(h.subarray(0, 300)).toBe(h);
    expect((h as unknown as { then?: unknown }).then).toBeUndefined();
    // symbol-keyed tags (e.g. the storage link on arrays) can be set and read back
    const tag = Symbol('tag');
    (h as unknown as Record<symbol, number>)[tag] = 7;
    expect((h as unknown as Record<symbol, number>)[tag]).toBe(7);
    for (const f of [() => h[0], () => (h[1] = 2), () => Array.from(h), () => h.slice(), () => h.subarray(1, 5)]) {
      const e = caught(f);
      expect(e.code).toBe('E_WEBGPU_SYNC_READ');
      expect(e.message).toMatch(/await x\.data\(\)/);
    }
  });
  it('inside an op on webgpu tensors, JS access means the op has no WebGPU kernel: E_WEBGPU_NO_KERNEL, counted per op', () => {
    const h = gpuHandle('int32', 10);
    const before = missingKernels.get('someOp') ?? 0;
    const e = caught(() => inGpuOp('someOp', () => h[3]));
    expect(e.code).toBe('E_WEBGPU_NO_KERNEL');
    expect(e.message).toMatch(/op 'someOp' has no WebGPU kernel/);
    expect(missingKernels.get('someOp')).toBe(before + 1);
  });
});
