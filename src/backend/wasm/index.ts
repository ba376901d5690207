/**
 * The wasm backend: AssemblyScript kernels compiled to WebAssembly SIMD (relaxed-SIMD FMA where the
 * engine has it), an arena they work in, and a worker pool for large GEMMs. Created by `init()` through
 * `wasmLoader`; nothing happens at import time.
 */
import type { Backend } from '../types.js';
import type { InitOptions } from '../init.js';
import { Arena } from './arena.js';
import { Gemm } from './gemm.js';
import { createKernels } from './kernels.js';
import { compileBest, compileBestSync, MAX_PAGES, type Compiled, type KernelExports } from './module.js';
import { Pool } from './pool.js';

export interface WasmBackend extends Backend {
  readonly arena: Arena;
  readonly gemm: Gemm;
  /** Stop the worker pool (the backend keeps working on one thread). */
  close(): void;
}

/** Default worker count: the number of cores. */
export async function defaultThreads(): Promise<number> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (isNode) {
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

const cache = new Map<string, Promise<WasmBackend>>();

/** Build (or reuse) a wasm backend for these options. */
export function createWasmBackend(opts: InitOptions = {}): Promise<WasmBackend> {
  const key = `${opts.threads ?? 'default'}:${opts.relaxedSimd === false ? 'simd' : 'auto'}:${opts.sharedMemory === false ? 'private' : 'shared'}:${String(opts.wasmBase ?? '')}`;
  let p = cache.get(key);
  if (!p) {
    p = build(opts);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  // the budget is a setting of the backend in use, not part of its identity: every init() sets it
  // (`memory` given: fixed; absent: derived from the working set again)
  return p.then((b) => {
    b.arena.setBudget(opts.memory ?? null);
    return b;
  });
}

async function build(opts: InitOptions): Promise<WasmBackend> {
  if (typeof WebAssembly === 'undefined') throw new Error('wasm backend: no WebAssembly in this environment');
  const threads = Math.max(1, Math.floor(opts.threads ?? (await defaultThreads())));
  const compiled = await compileBest(
    threads > 1,
    opts.relaxedSimd === false ? 'simd' : undefined,
    opts.wasmBase,
    opts.sharedMemory !== false,
  );
  const shared = compiled.caps.sharedMemory;
  const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
  const instance = await WebAssembly.instantiate(compiled.module, { env: { memory } });
  const arena = new Arena(memory, instance.exports as unknown as KernelExports);
  const pool = compiled.caps.threads && threads > 1 ? await Pool.create(threads, compiled.module, memory, arena.control) : null;
  return assemble(compiled, arena, pool, threads, false);
}

/**
 * The wasm backend built synchronously, on one thread (no worker pool): what the first op run before
 * `await init()` gets in Node. Throws where that is impossible (see `compileBestSync`).
 */
export function createWasmBackendSync(): WasmBackend {
  if (typeof WebAssembly === 'undefined') throw new Error('wasm backend: no WebAssembly in this environment');
  const compiled = compileBestSync();
  const memory = new WebAssembly.Memory({
    initial: 64,
    maximum: MAX_PAGES,
    shared: compiled.caps.sharedMemory,
  } as WebAssembly.MemoryDescriptor);
  const instance = new WebAssembly.Instance(compiled.module, { env: { memory } });
  const arena = new Arena(memory, instance.exports as unknown as KernelExports);
  return assemble(compiled, arena, null, 1, true);
}

function assemble(compiled: Compiled, arena: Arena, pool: Pool | null, threads: number, lazy: boolean): WasmBackend {
  const gemm = new Gemm(arena, pool);
  const kernels = createKernels(arena, gemm);
  const info = {
    variant: compiled.variant,
    simd: compiled.caps.simd,
    relaxedSimd: compiled.caps.relaxedSimd,
    sharedMemory: compiled.caps.sharedMemory,
    get threads() {
      return gemm.threads;
    },
    requestedThreads: threads,
    get arenaBytes() {
      return arena.byteLength;
    },
    get residentBytes() {
      return arena.residentByteLength;
    },
    /** Device memory: live storage bytes, the eviction budget, and what was evicted, finalized, freed. */
    get memory() {
      return arena.memoryStats();
    },
    kernels: Object.keys(kernels).sort(),
    notes: compiled.notes,
    ...(lazy ? { lazy: true } : {}),
  };
  return {
    name: 'wasm',
    kernels,
    info,
    arena,
    gemm,
    residentF32: (n) => arena.residentF32(n),
    isResident: (a) => arena.isResident(a),
    device: arena,
    close() {
      gemm.pool?.close();
      gemm.pool = null;
    },
  };
}

/** The loader `init()` tries first: the wasm backend, or an error saying why it cannot load. */
export const wasmLoader = { name: 'wasm', load: (opts: InitOptions) => createWasmBackend(opts) };
