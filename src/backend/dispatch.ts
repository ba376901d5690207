/**
 * The dispatcher: which backend's kernel runs each primitive. The js backend is always present;
 * a faster backend registered by `setBackend` overrides the kernels it implements, and every kernel
 * it lacks falls back to js. Nothing here runs at import time beyond building the js table.
 */
import { NotSupportedError } from '../core/errors.js';
import { createJsBackend, jsKernels } from './js/index.js';
import type { Backend, Kernels } from './types.js';
import { createWasmBackendSync } from './wasm/index.js';
import type { Device, Storage } from './storage.js';
import { gpuRuntime } from './gpu.js';

const registry = new Map<string, Backend>();
let active: Backend = createJsBackend();
let table: Kernels = { ...jsKernels };
/** Whether a backend has been chosen (by `init()`/`setBackend`, or lazily by the first op). */
let chosen = false;
let lazyWarned = false;

registry.set('js', active);

/**
 * The first op run before `init()` chooses the backend: in Node the wasm SIMD backend is built
 * synchronously (one thread; `await init()` later adds the worker pool). Where that cannot be done
 * (a browser page, an old Node) the js reference backend stays, with one console warning.
 */
function chooseLazily(): void {
  chosen = true;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  let why = 'synchronous start is only possible in Node';
  if (isNode) {
    try {
      const b = createWasmBackendSync();
      registry.set(b.name, b);
      active = b;
      table = { ...jsKernels, ...(b.kernels as Kernels) };
      return;
    } catch (e) {
      why = (e as Error).message;
    }
  }
  warnLazy(why);
}

/** @internal The one-time warning when an op runs before `init()` and wasm cannot start synchronously. */
export function warnLazy(why: string, warn: (msg: string) => void = (m) => console.warn(m)): boolean {
  if (lazyWarned) return false;
  lazyWarned = true;
  warn(
    `backprop: a tensor op ran before \`await init()\`, and the fast wasm backend cannot start synchronously here (${why}); ` +
      "the js reference backend is running, often 10× slower. Call `await init()` once before using tensors (or `await init({ backend: 'js' })` to choose js and silence this).",
  );
  return true;
}

/** The table an op on 'webgpu' tensors runs with (set by `withKernels` for the op's forward), else null. */
let override: Kernels | null = null;

/** The current kernel table (js kernels filled in where the active backend has none; the WebGPU table inside an op on 'webgpu' tensors). */
export function kernels(): Kernels {
  if (override !== null) return override;
  if (!chosen) chooseLazily();
  return table;
}

/** @internal Run `fn` with `k` as the kernel table (an op's forward on 'webgpu' tensors). */
export function withKernels<T>(k: Kernels, fn: () => T): T {
  const outer = override;
  override = k;
  try {
    return fn();
  } finally {
    override = outer;
  }
}

/** Register a backend so `setBackend(name)` can select it. */
export function registerBackend(b: Backend): void {
  registry.set(b.name, b);
}

/** Select a registered backend by name. */
export function setBackend(name: string): Backend {
  const b = registry.get(name);
  if (!b) throw new NotSupportedError(`setBackend: unknown backend "${name}"; registered: ${[...registry.keys()].join(', ')}`);
  active = b;
  table = { ...jsKernels, ...(b.kernels as Kernels) };
  chosen = true;
  return b;
}

/** The active backend (the first call before `init()` chooses one lazily, as the first op does). */
export function getBackend(): Backend {
  if (!chosen) chooseLazily();
  return active;
}

/** Names of the registered backends (e.g. `['js', 'wasm']`), in registration order. */
export function listBackends(): string[] {
  return [...registry.keys()];
}

/**
 * A float32 storage of `n` zeros that the active backend's kernels use in place (see
 * `Backend.residentF32`); null when the backend has none. For long-lived arrays only.
 */
export function residentF32(n: number): Float32Array | null {
  if (!chosen) chooseLazily();
  return active.residentF32?.(n) ?? null;
}

/** Whether `a` is resident in the active backend (came from `residentF32` there). */
export function isResident(a: ArrayLike<number>): boolean {
  return active.isResident?.(a) ?? false;
}

/** The active backend's device memory (null for the js backend: everything is on the JS heap). */
export function activeDevice(): Device | null {
  if (!chosen) chooseLazily();
  return active.device ?? null;
}

/**
 * Move a storage onto the active backend's device if it belongs there (float32, big enough); its
 * tensors keep their identity and values. A no-op on the js backend. Returns whether it is there.
 */
export function toDevice(s: Storage): boolean {
  if (!chosen) chooseLazily();
  return active.device?.upload(s) ?? false;
}

/** The kernels for data in storage `s`: the WebGPU table when it is on the 'webgpu' device (optimizer steps), else the current one. */
export function kernelsOn(s: Storage): Kernels {
  return s.gpu !== null ? gpuRuntime('step').kernels : kernels();
}
