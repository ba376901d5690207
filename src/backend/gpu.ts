/**
 * The GPU side of storage records (see the README's "Design: memory model" and "WebGPU backend").
 *
 * A storage whose data lives in a GPU buffer keeps a `GpuBlockRef` in `storage.gpu`, and its JS-side
 * array (`storage.host`, what `tensor.storage` returns) is a *handle*: a typed array of the dtype's
 * kind whose `length` is the storage's length, but whose elements cannot be read or written. Kernels
 * keep their TypedArray signatures: a WebGPU kernel resolves each handle to its buffer
 * (`findStorage(handle).gpu`), view ops (reshape, permute, slice, expand) return the handle with new
 * strides exactly as they return a JS array, and any JS code that touches an element of a handle
 * throws a typed error instead of reading garbage:
 * - inside an op run on webgpu tensors: `E_WEBGPU_NO_KERNEL`, naming the op, counted per op name in
 *   `backendInfo().gpu.missingKernels` (that op has no GPU kernel; nothing is read back silently);
 * - outside an op (a synchronous reader such as `item()`): `E_WEBGPU_SYNC_READ`, naming the async reader.
 *
 * Nothing here depends on the optional `webgpu` package; src/backend/webgpu/ implements `GpuRuntime`.
 */
import type { DType, TypedArray } from '../core/dtype.js';
import { NotSupportedError, StateError, ValueError, fmtShape } from '../core/errors.js';
import type { Kernels, View } from './types.js';
import type { Storage } from './storage.js';

/** A GPU allocation holding one storage's data. `release()` gives it back to the pool, once. */
export interface GpuBlockRef {
  readonly bytes: number;
  readonly released: boolean;
  release(): void;
}

/** What the loaded WebGPU backend provides to tensors (src/backend/webgpu/runtime.ts). */
export interface GpuRuntime {
  /** The full kernel table for webgpu tensors: kernels without a WGSL version throw `E_WEBGPU_NO_KERNEL`. */
  readonly kernels: Kernels;
  /** A new GPU storage holding a copy of `data` (float64 is not a GPU dtype: a typed error). */
  fromHost(data: TypedArray, dtype: DType): Storage;
  /** Move a storage onto the GPU in place: tensors viewing it keep their identity (`module.to('webgpu')`). */
  moveIn(s: Storage, dtype: DType): void;
  /** Read `n` elements of a GPU storage from element `offset` into a fresh JS array of the dtype. */
  read(s: Storage, dtype: DType, offset: number, n: number): Promise<TypedArray>;
  /**
   * Write `src` (a view read against `shape`) into GPU storage `dst` through the view `at` (offset and
   * strides; contiguous from `at.offset` when `at.strides` is omitted): in-place ops, pad, cat.
   */
  copyInto(dst: Storage, at: { offset: number; strides?: readonly number[] }, src: View, shape: readonly number[]): void;
  /**
   * Write `src` (a view read against `shape`, row-major) into GPU storage `dst` at the element positions
   * `positions` (one per element of `shape`); for a repeated position the last write wins.
   */
  writeAt(dst: Storage, positions: Int32Array, src: View, shape: readonly number[]): void;
  /** A new GPU storage of `n` elements of `dtype`, each `value`; returns its handle. */
  filled(dtype: DType, n: number, value: number): TypedArray;
  /** Allocator and fallback statistics for `backendInfo()`. */
  stats(): Record<string, unknown>;
}

let runtime: GpuRuntime | null = null;
/** Why the GPU runtime is not loaded (for error messages), or null when it is or nobody asked. */
let unavailable: string | null = null;

/** @internal Install the WebGPU runtime (done by `init({ backend: 'webgpu' })` or an 'auto' init that found an adapter). */
export function setGpuRuntime(r: GpuRuntime | null, why: string | null = null): void {
  runtime = r;
  unavailable = r === null ? why : null;
}

/** The WebGPU runtime, or a typed error saying how to get it. */
export function gpuRuntime(where: string): GpuRuntime {
  if (runtime !== null) return runtime;
  throw new NotSupportedError(
    `${where}: the 'webgpu' device is not loaded${unavailable !== null ? ` (${unavailable})` : ''}; call \`await init({ backend: 'webgpu' })\` first`,
    'E_DEVICE',
  );
}

/** The WebGPU runtime if loaded. */
export function maybeGpuRuntime(): GpuRuntime | null {
  return runtime;
}

/** Ops that needed a kernel the GPU lacks: name → times (shown in `backendInfo().gpu.missingKernels`). */
export const missingKernels = new Map<string, number>();

/** The op running on webgpu tensors right now (set by `apply`), for error messages and counts. */
let currentOp: string | null = null;

/** @internal Run `fn` as the GPU forward of op `name`. */
export function inGpuOp<T>(name: string, fn: () => T): T {
  const outer = currentOp;
  currentOp = name;
  try {
    return fn();
  } finally {
    currentOp = outer;
  }
}

/** The typed error for an op (or kernel) without a GPU implementation; counted per op name. */
export function noKernel(what: string): NotSupportedError {
  const op = currentOp ?? what;
  missingKernels.set(op, (missingKernels.get(op) ?? 0) + 1);
  return new NotSupportedError(
    `webgpu: op '${op}' has no WebGPU kernel (${what}); its inputs are on the 'webgpu' device. Move them with \`await x.toAsync('cpu')\` to run it on the CPU, or see the README's "WebGPU backend" for the ops that run on the GPU`,
    'E_WEBGPU_NO_KERNEL',
  );
}

/** The typed error of an op that mixes a 'webgpu' tensor with a CPU tensor of shape `cpuShape` (not 0-d). */
export function deviceMismatch(op: string, cpuShape: readonly number[]): ValueError {
  return new ValueError(
    `${op}: expected all tensors to be on the same device, but found at least two devices, webgpu and cpu (a ${fmtShape(cpuShape)} cpu tensor); move it with \`x.to('webgpu')\``,
    'E_DEVICE_MISMATCH',
  );
}

/** The typed error of a synchronous reader (`item()`, `tolist()`, ...) called on a tensor on the GPU. */
export function syncReadError(reader: string, asyncReader: string): StateError {
  return new StateError(
    `${reader}: the tensor is on the 'webgpu' device, whose data can only be read asynchronously; use \`await ${asyncReader}\``,
    'E_WEBGPU_SYNC_READ',
  );
}

/**
 * A handle standing for a GPU storage's data: a `length`-long array of the dtype's kind whose elements
 * throw when read or written (see the module comment).
 */
export function gpuHandle(dtype: DType, length: number): TypedArray {
  const target: TypedArray =
    dtype === 'int32'
      ? new Int32Array(0)
      : dtype === 'bool'
        ? new Uint8Array(0)
        : dtype === 'float64'
          ? new Float64Array(0)
          : new Float32Array(0);
  const fail = (what: string): Error =>
    currentOp !== null ? noKernel(`JS code ${what} of a GPU tensor`) : syncReadError(what, 'x.data()');
  const handler: ProxyHandler<TypedArray> = {
    get(t, key) {
      if (key === 'length') return length;
      if (key === 'then') return undefined; // not a thenable
      if (key === 'constructor' || key === 'BYTES_PER_ELEMENT') return Reflect.get(t, key) as unknown;
      // symbol-keyed properties (tags other modules keep on arrays, Symbol.toStringTag) live on the
      // empty target; only iteration reads elements
      if (typeof key === 'symbol' && key !== Symbol.iterator) return Reflect.get(t, key) as unknown;
      if (key === 'subarray')
        return (start = 0, end = length) => {
          if (start === 0 && end === length) return proxy;
          throw fail('took a sub-array');
        };
      throw fail(typeof key === 'string' && /^\d+$/.test(key) ? 'read an element' : `used .${String(key)}`);
    },
    set(t, key, value) {
      if (typeof key === 'symbol') return Reflect.set(t, key, value);
      throw fail('wrote an element');
    },
    has() {
      throw fail('read an element');
    },
  };
  const proxy = new Proxy(target, handler);
  return proxy;
}
