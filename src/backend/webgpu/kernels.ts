/**
 * WGSL kernels of the webgpu backend, behind the same `Kernels` interface as the js and wasm ones:
 * operands are GPU handles (src/backend/gpu.ts), resolved to buffers; each call enqueues one compute
 * pass and returns the handle of a fresh GPU storage. Nothing is read back.
 *
 * Numerics: every kernel computes in f32 (the js reference computes in float64 and rounds once), so
 * results agree with js to float32 rounding, not bit for bit; reductions and GEMM sum sequentially in
 * f32. Kernels without a WGSL version are in `MISSING` and throw `E_WEBGPU_NO_KERNEL` (counted).
 */
import { noKernel } from '../gpu.js';
import type { Kernels } from '../types.js';
import { jsKernels } from '../js/index.js';
import type { WebGpuRuntime } from './runtime.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { linalgKernels } from './kernels/linalg.js';
import { optimKernels } from './kernels/optim.js';
import { convKernels } from './kernels/conv.js';
import { normKernels } from './kernels/norm.js';
import { indexKernels } from './kernels/indexing.js';
import { selectKernels } from './kernels/select.js';

export function createWebgpuKernels(rt: WebGpuRuntime): { kernels: Kernels; implemented: string[] } {
  const implemented: Partial<Kernels> = {
    ...elementwiseKernels(rt),
    ...linalgKernels(rt),
    ...optimKernels(rt),
    ...convKernels(rt),
    ...normKernels(rt),
    ...indexKernels(rt),
    ...selectKernels(rt),
  };
  const table = { ...implemented } as Record<string, unknown>;
  // every kernel of the interface is in the table: one without a WGSL version throws E_WEBGPU_NO_KERNEL
  for (const name of [...MISSING, ...Object.keys(jsKernels)])
    table[name] ??= () => {
      throw noKernel(`kernel ${name}`);
    };
  return { kernels: table as unknown as Kernels, implemented: Object.keys(implemented).sort() };
}

/** Kernels of the `Kernels` interface that have no WGSL version yet: calling one is `E_WEBGPU_NO_KERNEL`. */
export const MISSING: readonly (keyof Kernels)[] = [];
