/**
 * The WebAssembly arena: one linear memory per backend, laid out afresh by each kernel call (a bump
 * allocator reset at the start of every call). Tensors never live here — kernels copy their inputs in,
 * compute, and copy the result out into an ordinary GC'd typed array.
 *
 * Bound: memory grows only to the largest single call's footprint and never past `MAX_PAGES`
 * (1 GiB); a call that would need more is refused (`fits()` false) and the caller uses js instead.
 * The first 8 KiB after the static data hold the worker pool's control block.
 */
import { MAX_PAGES, type KernelExports } from './module.js';

const PAGE = 65536;
export const CONTROL_BYTES = 8192;

export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  /** Byte address of the pool's control block. */
  readonly control: number;
  private readonly base: number;
  private top: number;
  f32: Float32Array;
  i32: Int32Array;

  constructor(memory: WebAssembly.Memory, exports: KernelExports) {
    this.memory = memory;
    this.exports = exports;
    this.control = align(exports.heapBase(), 64);
    this.base = this.control + CONTROL_BYTES;
    this.top = this.base;
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  /** Bytes currently committed to the memory. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Start laying out a new call. */
  reset(): void {
    this.top = this.base;
  }

  /** Whether `bytes` more (plus alignment) can be laid out without passing the ceiling. */
  fits(bytes: number): boolean {
    return this.top + bytes + 64 <= MAX_PAGES * PAGE;
  }

  /** Reserve `bytes` (64-byte aligned) and return its byte address; grows the memory if needed. */
  alloc(bytes: number): number {
    const at = align(this.top, 64);
    const end = at + bytes;
    if (end > this.memory.buffer.byteLength) {
      const pages = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
      this.memory.grow(pages);
      this.refresh();
    }
    this.top = end;
    return at;
  }

  /** Copy `n` floats of `src` starting at `offset` into a fresh reservation; returns its address. */
  putF32(src: ArrayLike<number> & { subarray?: unknown }, offset: number, n: number): number {
    const at = this.alloc(n * 4);
    const s = src as Float32Array;
    this.f32.set(offset === 0 && s.length === n ? s : s.subarray(offset, offset + n), at >> 2);
    return at;
  }

  /** A fresh Float32Array holding `n` floats from address `at`. */
  takeF32(at: number, n: number): Float32Array {
    return this.f32.slice(at >> 2, (at >> 2) + n);
  }

  refresh(): void {
    if (this.f32.buffer !== this.memory.buffer || this.f32.length * 4 !== this.memory.buffer.byteLength) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
  }
}

export function align(x: number, a: number): number {
  return (x + a - 1) & ~(a - 1);
}
