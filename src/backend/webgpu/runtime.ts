/**
 * The WebGPU runtime: GPU buffers for storages (a pool with a high-water mark, freed by the engine's
 * deterministic frees and by a FinalizationRegistry when a storage is collected), uploads, async
 * readback, and a dispatcher that runs one compute pass per kernel call and submits it at once (so a
 * buffer given back to the pool is only reused by work queued after every use of it). The WGSL
 * kernels are in kernels.ts.
 */
import type { DType, TypedArray } from '../../core/dtype.js';
import { DTypeError, NotSupportedError } from '../../core/errors.js';
import { gpuHandle, missingKernels, type GpuBlockRef, type GpuRuntime } from '../gpu.js';
import { Storage, findStorage } from '../storage.js';
import type { Kernels } from '../types.js';
import { MAP_READ, USAGE, type GpuBuffer, type GpuDeviceHandle, type GpuPipeline } from './gpu-types.js';

/** Element type of a GPU buffer: every GPU dtype is 4 bytes (bool is stored as i32 0/1). */
export type Elem = 'f32' | 'i32';

/** The GPU element type of a dtype. float64 is not a GPU dtype. */
export function elemOf(dtype: DType, where: string): Elem {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'int32' || dtype === 'bool') return 'i32';
  throw new DTypeError(
    `${where}: float64 tensors cannot live on the 'webgpu' device (WebGPU has no 64-bit floats); use float32 (\`x.float()\`) before moving it`,
    'E_WEBGPU_DTYPE',
  );
}

/** One pooled GPU buffer. */
class Block implements GpuBlockRef {
  released = false;
  constructor(
    readonly buffer: GpuBuffer,
    readonly bytes: number,
    private readonly pool: Pool,
  ) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.recycle(this.buffer, this.bytes, true);
  }
}

/** Buffers by size, reused; `live` is held by storages and temporaries, `pooled` waits for reuse. */
class Pool {
  live = 0;
  pooled = 0;
  highWater = 0;
  created = 0;
  destroyed = 0;
  finalized = 0;
  freedByEngine = 0;
  private readonly free = new Map<number, GpuBuffer[]>();
  /** Pooled bytes kept at most: beyond it, given-back buffers are destroyed. */
  maxPooled = 256 * 1024 * 1024;

  constructor(private readonly dev: GpuDeviceHandle) {}

  static roundBytes(bytes: number): number {
    return Math.max(256, Math.ceil(bytes / 256) * 256);
  }

  take(bytes: number): GpuBuffer {
    const list = this.free.get(bytes);
    let b = list?.pop();
    if (b !== undefined) this.pooled -= bytes;
    else {
      b = this.dev.createBuffer({ size: bytes, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
      this.created++;
    }
    this.live += bytes;
    this.highWater = Math.max(this.highWater, this.live + this.pooled);
    return b;
  }

  recycle(buf: GpuBuffer, bytes: number, byEngine: boolean): void {
    this.live -= bytes;
    if (byEngine) this.freedByEngine++;
    if (this.pooled + bytes > this.maxPooled) {
      buf.destroy();
      this.destroyed++;
      return;
    }
    let list = this.free.get(bytes);
    if (list === undefined) this.free.set(bytes, (list = []));
    list.push(buf);
    this.pooled += bytes;
  }
}

/** A binding of a dispatch: a buffer and the element type the shader reads it as. */
export interface Bound {
  buffer: GpuBuffer;
  elem: Elem;
}

export class WebGpuRuntime implements GpuRuntime {
  readonly pool: Pool;
  kernels!: Kernels;
  /** In-place write of a view into a GPU storage (set by kernels.ts). */
  copyInto!: GpuRuntime['copyInto'];
  /** Scattered in-place write into a GPU storage (set by kernels.ts). */
  writeAt!: GpuRuntime['writeAt'];
  /** A filled GPU storage (set by kernels.ts). */
  filled!: GpuRuntime['filled'];
  /** Names of the kernels with a WGSL version. */
  implemented: string[] = [];
  private readonly pipelines = new Map<string, GpuPipeline>();
  /** Temporaries of the dispatch being built (uploads of CPU operands, metadata), given back after submit. */
  private temps: GpuBuffer[] = [];
  private tempBytes: number[] = [];
  private readonly registry = new FinalizationRegistry<Block>((b) => {
    if (b.released) return;
    this.pool.finalized++;
    b.released = true;
    this.pool.recycle(b.buffer, b.bytes, false);
  });
  /** Objects that must live as long as the device (the GPU instance and adapter). */
  keepAlive: unknown[] = [];
  dispatches = 0;
  uploads = 0;
  readbacks = 0;
  shaderErrors: string[] = [];
  /** Compile checks of new pipelines not yet awaited, and errors not yet thrown by a readback. */
  private pendingChecks: Promise<void>[] = [];
  private unreportedShaderErrors = 0;

  constructor(
    readonly dev: GpuDeviceHandle,
    readonly adapter: string,
  ) {
    this.pool = new Pool(dev);
  }

  // ------------------------------------------------------------------ storages

  /** A fresh GPU storage of `n` elements (contents undefined until a kernel writes them). */
  alloc(dtype: DType, n: number, where: string): { handle: TypedArray; storage: Storage; buffer: GpuBuffer } {
    elemOf(dtype, where);
    const bytes = Pool.roundBytes(n * 4);
    const buffer = this.pool.take(bytes);
    const block = new Block(buffer, bytes, this.pool);
    const handle = gpuHandle(dtype, n);
    const storage = new Storage(dtype, handle);
    storage.placeOnGpu(handle, block);
    this.registry.register(storage, block);
    return { handle, storage, buffer };
  }

  /** The words to upload for a JS array of `dtype` (bool bytes and float64 become 4-byte words). */
  private words(data: ArrayLike<number>, elem: Elem): Float32Array | Int32Array {
    if (elem === 'f32') return data instanceof Float32Array ? data : Float32Array.from(data);
    return data instanceof Int32Array ? data : Int32Array.from(data);
  }

  fromHost(data: TypedArray, dtype: DType): Storage {
    const elem = elemOf(dtype, 'to');
    const { storage, buffer } = this.alloc(dtype, data.length, 'to');
    if (data.length > 0) this.write(buffer, this.words(data, elem));
    return storage;
  }

  moveIn(s: Storage, dtype: DType): void {
    const elem = elemOf(dtype, 'to');
    const host = s.data; // the JS array (a CPU device block is read in place)
    const bytes = Pool.roundBytes(s.length * 4);
    const buffer = this.pool.take(bytes);
    if (s.length > 0) this.write(buffer, this.words(host, elem));
    const c = s.cellIfAny;
    if (c !== null) {
      if (c.device !== null) c.device.toHost(c); // give the CPU block back
      c.evicted = null;
    }
    const block = new Block(buffer, bytes, this.pool);
    s.placeOnGpu(gpuHandle(dtype, s.length), block);
    this.registry.register(s, block);
  }

  private write(buffer: GpuBuffer, words: Float32Array | Int32Array): void {
    this.uploads++;
    // a view into (shared) wasm memory is copied first: Dawn's Node binding mis-sizes views of a
    // SharedArrayBuffer and overruns the buffer (a crash seen here)
    const own = words.buffer instanceof ArrayBuffer && words.byteOffset === 0 && words.byteLength === words.buffer.byteLength;
    this.dev.queue.writeBuffer(buffer, 0, own ? words : words.slice());
  }

  async read(s: Storage, dtype: DType, offset: number, n: number): Promise<TypedArray> {
    const block = s.gpu as Block | null;
    if (block === null || block.released) throw new DTypeError('read: not a live GPU storage', 'E_STORAGE_FREED');
    const bytes = n * 4;
    const out = dtype === 'int32' ? new Int32Array(n) : dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n);
    if (n === 0) return out;
    this.readbacks++;
    await this.checkShaders();
    const staging = this.dev.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: MAP_READ | USAGE.COPY_DST });
    const enc = this.dev.createCommandEncoder();
    enc.copyBufferToBuffer(block.buffer, offset * 4, staging, 0, bytes);
    this.dev.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_READ);
    const range = staging.getMappedRange();
    if (dtype === 'float32') out.set(new Float32Array(range, 0, n));
    else out.set(new Int32Array(range, 0, n));
    staging.unmap();
    staging.destroy();
    return out;
  }

  /** Throw (once) the compile errors of pipelines created since the last check: their dispatches did nothing. */
  async checkShaders(): Promise<void> {
    if (this.pendingChecks.length > 0) {
      const p = this.pendingChecks;
      this.pendingChecks = [];
      await Promise.all(p);
    }
    if (this.unreportedShaderErrors > 0) {
      const n = this.unreportedShaderErrors;
      this.unreportedShaderErrors = 0;
      throw new NotSupportedError(
        `webgpu: ${n} WGSL kernel(s) failed to compile, so their results are missing: ${this.shaderErrors.slice(-n).join('; ')} (please report this)`,
        'E_WEBGPU_SHADER',
      );
    }
  }

  // ------------------------------------------------------------------ dispatch

  /**
   * The buffer behind a kernel operand: a GPU storage's handle resolves to its buffer; a JS array (a
   * CPU 0-d scalar, or an array an op built on the CPU, e.g. class weights) is uploaded for this dispatch.
   */
  bind(data: ArrayLike<number>, where: string): Bound {
    const s = findStorage(data);
    if (s !== undefined && s.gpu !== null) {
      const b = s.gpu as Block;
      if (b.released)
        throw new DTypeError(`${where}: a GPU storage was read after the engine freed it (please report this)`, 'E_STORAGE_FREED');
      return { buffer: b.buffer, elem: s.dtype === 'float32' ? 'f32' : 'i32' };
    }
    const elem: Elem = data instanceof Float32Array || data instanceof Float64Array ? 'f32' : 'i32';
    return { buffer: this.temp(this.words(data, elem)), elem };
  }

  /** Whether `a` is the handle of a live GPU storage. */
  isGpu(a: ArrayLike<number>): boolean {
    const s = findStorage(a);
    return s !== undefined && s.gpu !== null && !s.gpu.released;
  }

  /** A temporary buffer holding `words`, given back after the next submit. */
  temp(words: Float32Array | Int32Array): GpuBuffer {
    const bytes = Pool.roundBytes(words.length * 4);
    const buf = this.pool.take(bytes);
    if (words.length > 0) this.write(buf, words);
    this.temps.push(buf);
    this.tempBytes.push(bytes);
    return buf;
  }

  private pipeline(code: string): GpuPipeline {
    let p = this.pipelines.get(code);
    if (p === undefined) {
      const dev = this.dev;
      // a shader that fails to compile makes every dispatch of it a no-op: catch its validation error
      // and make the next readback throw it (see `read`), instead of returning stale data
      const scoped = dev.pushErrorScope !== undefined && dev.popErrorScope !== undefined;
      if (scoped) dev.pushErrorScope!('validation');
      p = dev.createComputePipeline({ layout: 'auto', compute: { module: dev.createShaderModule({ code }), entryPoint: 'main' } });
      if (scoped)
        this.pendingChecks.push(
          dev.popErrorScope!().then((err) => {
            if (err !== null) {
              const first = code.split('\n').find((l) => l.includes('fn main')) ?? '';
              this.shaderErrors.push(`${err.message.split('\n')[0]} (kernel ${first.trim().slice(0, 80)})`);
              this.unreportedShaderErrors++;
            }
          }),
        );
      this.pipelines.set(code, p);
    }
    return p;
  }

  /** Run `code` once over `groups` workgroups with these buffers at bindings 0…, submitted at once. */
  run(code: string, buffers: GpuBuffer[], groups: [number, number, number]): void {
    const p = this.pipeline(code);
    const group = this.dev.createBindGroup({
      layout: p.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const enc = this.dev.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(p);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    pass.end();
    this.dev.queue.submit([enc.finish()]);
    this.dispatches++;
    for (let i = 0; i < this.temps.length; i++) this.pool.recycle(this.temps[i]!, this.tempBytes[i]!, false);
    this.temps = [];
    this.tempBytes = [];
  }

  /** Workgroups for `n` invocations of a 256-wide 1-D kernel (2-D past the per-dimension limit). */
  static groups1d(n: number): [number, number, number] {
    const g = Math.ceil(n / 256);
    return g <= 65535 ? [g, 1, 1] : [65535, Math.ceil(g / 65535), 1];
  }

  stats(): Record<string, unknown> {
    const p = this.pool;
    const missing: Record<string, number> = {};
    for (const [k, v] of missingKernels) missing[k] = v;
    return {
      adapter: this.adapter,
      memory: {
        liveBytes: p.live,
        pooledBytes: p.pooled,
        highWaterBytes: p.highWater,
        buffersCreated: p.created,
        buffersDestroyed: p.destroyed,
        finalized: p.finalized,
        freedByEngine: p.freedByEngine,
      },
      dispatches: this.dispatches,
      uploads: this.uploads,
      readbacks: this.readbacks,
      pipelines: this.pipelines.size,
      missingKernels: missing,
      shaderErrors: this.shaderErrors.slice(),
      kernels: this.implemented,
    };
  }
}
