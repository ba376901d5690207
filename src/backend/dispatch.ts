/**
 * The dispatcher: which backend's kernel runs each primitive. The js backend is always present;
 * a faster backend registered by `setBackend` overrides the kernels it implements, and every kernel
 * it lacks falls back to js. Nothing here runs at import time beyond building the js table.
 */
import { NotSupportedError } from '../core/errors.js';
import { createJsBackend, jsKernels } from './js/index.js';
import type { Backend, Kernels } from './types.js';
import type { Device, Storage } from './storage.js';

const registry = new Map<string, Backend>();
let active: Backend = createJsBackend();
let table: Kernels = { ...jsKernels };

registry.set('js', active);

/** The current kernel table (js kernels filled in where the active backend has none). */
export function kernels(): Kernels {
  return table;
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
  return b;
}

export function getBackend(): Backend {
  return active;
}

export function listBackends(): string[] {
  return [...registry.keys()];
}

/**
 * A float32 storage of `n` zeros that the active backend's kernels use in place (see
 * `Backend.residentF32`); null when the backend has none. For long-lived arrays only.
 */
export function residentF32(n: number): Float32Array | null {
  return active.residentF32?.(n) ?? null;
}

/** Whether `a` is resident in the active backend (came from `residentF32` there). */
export function isResident(a: ArrayLike<number>): boolean {
  return active.isResident?.(a) ?? false;
}

/** The active backend's device memory (null for the js backend: everything is on the JS heap). */
export function activeDevice(): Device | null {
  return active.device ?? null;
}

/**
 * Move a storage onto the active backend's device if it belongs there (float32, big enough); its
 * tensors keep their identity and values. A no-op on the js backend. Returns whether it is there.
 */
export function toDevice(s: Storage): boolean {
  return active.device?.upload(s) ?? false;
}
