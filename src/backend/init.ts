/**
 * `await init()` chooses the backend. Nothing is selected at import time: until `init()` runs, the js
 * backend (always available) is used. Faster backends register a loader here and are tried in order;
 * any that fails to load is skipped, with the reason recorded in `backendInfo()`.
 *
 * Built in: 'wasm' (WebAssembly SIMD, relaxed-SIMD FMA when available, worker threads for large GEMMs),
 * and 'webgpu' (WGSL kernels for tensors moved to the 'webgpu' device; see the README's "WebGPU
 * backend"), which only an explicit `init({ backend: 'webgpu' })` loads in Node.
 */
import { getBackend, registerBackend, setBackend } from './dispatch.js';
import type { Backend } from './types.js';
import { maybeGpuRuntime } from './gpu.js';
import { NotSupportedError, ValueError } from '../core/errors.js';

/** Options of `init()`; unknown keys throw a `ValueError`. */
export interface InitOptions {
  /** Backend to use: 'auto' (default: the fastest that loads), 'js', or a registered name. */
  backend?: string;
  /** Worker threads for backends that use them (default: the number of cores). */
  threads?: number;
  /** wasm: use relaxed-SIMD fused multiply-add when the engine has it (default true); false forces plain SIMD. */
  relaxedSimd?: boolean;
  /**
   * wasm: use shared memory where the engine has it (default true): parameters and optimizer state
   * then live in the kernels' memory (no copy per call) and the worker pool can run. false forces a
   * private memory: no pool, every operand copied in per call.
   */
  sharedMemory?: boolean;
  /**
   * wasm: the folder (URL or file URL, ending in `/`) holding `backprop-*.wasm`, for bundlers and CDNs
   * that move them; default: `build/wasm/` of the installed package.
   */
  wasmBase?: string | URL;
  /**
   * Device memory budget in bytes (wasm: live tensor storage in its memory). Past it, the least
   * recently used storages are evicted to the JS heap when the next op starts (and copied back when
   * used). Default: 4× the largest training step's allocations, within [16 MiB, 384 MiB]. See the
   * README's "Design: memory model".
   */
  memory?: number;
}

export interface BackendLoader {
  name: string;
  load(opts: InitOptions): Promise<Backend>;
}

// Built-in loaders. The wasm module is imported only when `init()` asks for it.
const loaders: BackendLoader[] = [{ name: 'wasm', load: async (opts) => (await import('./wasm/index.js')).createWasmBackend(opts) }];
const skipped: Record<string, string> = {};

/** Make a backend available to `init()` (tried in registration order, before js). */
export function addBackendLoader(loader: BackendLoader): void {
  if (!loaders.some((l) => l.name === loader.name)) loaders.push(loader);
}

/**
 * Select the backend; resolves to the chosen one.
 *
 * `'webgpu'` loads WebGPU (in Node the optional npm package `webgpu`) next to the fastest CPU backend:
 * tensors are still created on the CPU and move with `x.to('webgpu')`, `model.to('webgpu')`. When
 * WebGPU, the package or an adapter is missing, it throws a `NotSupportedError` (`E_WEBGPU_UNAVAILABLE`)
 * with the reason. `'auto'` chooses among the CPU backends; it also makes the 'webgpu' device available
 * where the page has `navigator.gpu`, and otherwise records in `backendInfo().skipped.webgpu` why not
 * (in Node it does not load Dawn unasked: that costs ~160 ms and prints driver warnings without a GPU).
 */
export async function init(opts: InitOptions = {}): Promise<Backend> {
  const want = opts.backend ?? 'auto';
  if (want === 'webgpu') {
    const cpu = await initCpu({ ...opts, backend: 'auto' });
    let b: Backend;
    try {
      b = await (await import('./webgpu/index.js')).createWebgpuBackend(opts, cpu);
    } catch (e) {
      skipped.webgpu = (e as Error).message;
      throw new NotSupportedError(`init: the webgpu backend cannot load: ${(e as Error).message}`, 'E_WEBGPU_UNAVAILABLE');
    }
    delete skipped.webgpu;
    registerBackend(b);
    return setBackend('webgpu');
  }
  const b = await initCpu(opts);
  if (want === 'auto') {
    const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
    if (nav?.gpu) {
      try {
        await (await import('./webgpu/index.js')).loadWebgpu();
        delete skipped.webgpu;
      } catch (e) {
        skipped.webgpu = (e as Error).message;
      }
    } else if (skipped.webgpu === undefined)
      skipped.webgpu =
        typeof process !== 'undefined' && typeof process.versions?.node === 'string'
          ? "not probed by 'auto' in Node: call `await init({ backend: 'webgpu' })` to load the optional 'webgpu' package"
          : 'this page has no navigator.gpu';
  }
  return b;
}

async function initCpu(opts: InitOptions): Promise<Backend> {
  if (opts.memory !== undefined && (typeof opts.memory !== 'number' || !Number.isInteger(opts.memory) || opts.memory < 0))
    throw new ValueError(`init: memory must be a whole number of bytes ≥ 0, got ${String(opts.memory)}`, 'E_INIT_MEMORY');
  const want = opts.backend ?? 'auto';
  if (want === 'js') return setBackend('js');
  for (const l of loaders) {
    if (want !== 'auto' && want !== l.name) continue;
    try {
      const b = await l.load(opts);
      registerBackend(b);
      return setBackend(b.name);
    } catch (e) {
      skipped[l.name] = (e as Error).message;
      if (want !== 'auto') throw e;
    }
  }
  return setBackend(want === 'auto' ? 'js' : want);
}

/** What is running: the backend's name and capabilities, and why any faster backend was skipped. */
export function backendInfo(): {
  backend: string;
  info: Record<string, unknown>;
  skipped: Record<string, string>;
  /** The 'webgpu' device when loaded: adapter, GPU memory (live, pooled, high-water bytes), ops without a kernel. */
  gpu: Record<string, unknown> | null;
} {
  const b = getBackend();
  return { backend: b.name, info: { ...(b.info ?? {}) }, skipped: { ...skipped }, gpu: maybeGpuRuntime()?.stats() ?? null };
}
