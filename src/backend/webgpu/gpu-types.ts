/**
 * The few WebGPU interfaces the backend uses, declared here so that backprop typechecks and builds
 * without the optional `webgpu` package (whose types come from `@webgpu/types`). They are structural
 * subsets of the standard ones: a browser's `navigator.gpu` and Dawn's `create()` both satisfy them.
 */

/** `GPUBuffer` (subset). */
export interface GpuBuffer {
  readonly size: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

/** `GPUComputePipeline` (subset). */
export interface GpuPipeline {
  getBindGroupLayout(index: number): unknown;
}

/** `GPUComputePassEncoder` (subset). */
export interface GpuPass {
  setPipeline(p: GpuPipeline): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

/** `GPUCommandEncoder` (subset). */
export interface GpuEncoder {
  beginComputePass(): GpuPass;
  copyBufferToBuffer(src: GpuBuffer, srcOffset: number, dst: GpuBuffer, dstOffset: number, size: number): void;
  finish(): unknown;
}

/** `GPUDevice` (subset). */
export interface GpuDeviceHandle {
  readonly limits: { readonly maxStorageBufferBindingSize: number; readonly maxComputeWorkgroupsPerDimension: number };
  readonly queue: {
    submit(buffers: unknown[]): void;
    writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView): void;
    onSubmittedWorkDone(): Promise<void>;
  };
  readonly lost?: Promise<{ message: string }>;
  createBuffer(d: { size: number; usage: number }): GpuBuffer;
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): GpuPipeline;
  createBindGroup(d: {
    layout: unknown;
    entries: { binding: number; resource: { buffer: GpuBuffer; offset?: number; size?: number } }[];
  }): unknown;
  createCommandEncoder(): GpuEncoder;
  pushErrorScope?(filter: string): void;
  popErrorScope?(): Promise<{ message: string } | null>;
}

/** `GPUAdapter` (subset). */
export interface GpuAdapter {
  readonly info?: { vendor?: string; architecture?: string; description?: string; device?: string };
  requestDevice(d?: { requiredLimits?: Record<string, number> }): Promise<GpuDeviceHandle>;
  readonly limits?: { readonly maxStorageBufferBindingSize: number; readonly maxBufferSize?: number };
}

/** `GPU` (navigator.gpu or Dawn's `create([])`). */
export interface Gpu {
  requestAdapter(o?: { powerPreference?: string }): Promise<GpuAdapter | null>;
}

/** GPUBufferUsage flags (the standard values). */
export const USAGE = { MAP_READ: 0x0001, COPY_SRC: 0x0004, COPY_DST: 0x0008, STORAGE: 0x0080 } as const;
/** GPUMapMode.READ. */
export const MAP_READ = 0x0001;
