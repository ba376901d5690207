/**
 * The webgpu backend: loads WebGPU (the browser's `navigator.gpu`, or in Node the optional npm package
 * `webgpu`, Dawn), finds an adapter and a device, and installs the runtime that tensors on the
 * 'webgpu' device use. Throws with the reason when any of that is missing (`init()` records it).
 */
import type { InitOptions } from '../init.js';
import type { Backend } from '../types.js';
import { setGpuRuntime } from '../gpu.js';
import type { Gpu } from './gpu-types.js';
import { createWebgpuKernels } from './kernels.js';
import { WebGpuRuntime } from './runtime.js';

let loaded: Promise<WebGpuRuntime> | null = null;

async function findGpu(): Promise<Gpu> {
  const nav = (globalThis as { navigator?: { gpu?: Gpu } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) throw new Error('webgpu backend: this browser has no navigator.gpu');
  let mod: { create(flags: string[]): Gpu };
  try {
    const name = 'webgpu'; // optional dependency: resolved at run time only
    mod = (await import(name)) as { create(flags: string[]): Gpu };
  } catch (e) {
    throw new Error(
      `webgpu backend: the optional npm package 'webgpu' (Dawn for Node) is not installed or failed to load: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return mod.create([]);
}

async function load(): Promise<WebGpuRuntime> {
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter();
  if (adapter === null)
    throw new Error(
      'webgpu backend: no WebGPU adapter (no GPU driver found; without a GPU, Vulkan with SwiftShader works: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)',
    );
  const lim = adapter.limits;
  const requiredLimits: Record<string, number> = {};
  if (lim !== undefined) {
    requiredLimits.maxStorageBufferBindingSize = lim.maxStorageBufferBindingSize;
    if (lim.maxBufferSize !== undefined) requiredLimits.maxBufferSize = lim.maxBufferSize;
  }
  const dev = await adapter.requestDevice({ requiredLimits });
  const i = adapter.info ?? {};
  const name = [i.vendor, i.architecture, i.description].filter((s) => s !== undefined && s !== '').join(' / ') || 'unknown adapter';
  const rt = new WebGpuRuntime(dev, name);
  // Hold the instance and the adapter for the device's lifetime: Dawn's Node binding frees the instance
  // when its JS object is collected, and the device's event processing then crashes (seen here).
  rt.keepAlive = [gpu, adapter];
  const k = createWebgpuKernels(rt);
  rt.kernels = k.kernels;
  rt.implemented = k.implemented;
  return rt;
}

/** Load WebGPU once (later calls share the device) and make the 'webgpu' device available to tensors. */
export async function loadWebgpu(): Promise<WebGpuRuntime> {
  loaded ??= load();
  try {
    const rt = await loaded;
    setGpuRuntime(rt);
    return rt;
  } catch (e) {
    loaded = null;
    setGpuRuntime(null, (e as Error).message);
    throw e;
  }
}

/**
 * The 'webgpu' backend as `init()` selects it: tensors are created on the CPU (the CPU kernels are
 * those of `cpu`, the wasm or js backend loaded with it) and move with `x.to('webgpu')` /
 * `model.to('webgpu')`; ops on webgpu tensors run the WGSL kernels.
 */
export async function createWebgpuBackend(_opts: InitOptions, cpu: Backend): Promise<Backend> {
  const rt = await loadWebgpu();
  return {
    name: 'webgpu',
    kernels: cpu.kernels,
    ...(cpu.residentF32 ? { residentF32: cpu.residentF32 } : {}),
    ...(cpu.isResident ? { isResident: cpu.isResident } : {}),
    ...(cpu.device ? { device: cpu.device } : {}),
    get info() {
      return { ...(cpu.info ?? {}), cpu: cpu.name, gpu: rt.stats() };
    },
  };
}
