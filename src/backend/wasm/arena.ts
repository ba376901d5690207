/**
 * The WebAssembly arena: one linear memory per backend, in three parts:
 *
 *   [ static data | pool control block | resident heap … | scratch … ]
 *
 * - **Scratch** is laid out afresh by each kernel call (a bump allocator reset at the start of every
 *   call): kernels copy ordinary inputs in, compute, and copy the result out into a GC'd typed array.
 * - **Resident blocks** hold float32 arrays that live in the memory itself (parameters and optimizer
 *   state, see `residentF32`): the caller gets an ordinary `Float32Array` view, kernels use it in
 *   place (no copy in or out), and the block returns to a free list when the view is garbage
 *   collected (FinalizationRegistry). Only long-lived arrays are made resident, so finalization lag
 *   never matters; activations and gradients stay ordinary arrays.
 *
 * Resident views need shared memory: growing a shared memory never detaches views made before, while
 * growing a private one would. Without it `residentF32` returns null and everything is copied.
 *
 * Bound: memory grows to the live resident bytes (plus free-list gaps) and the largest single call's
 * scratch, and never past `MAX_PAGES` (1 GiB); the resident heap stops at `RESIDENT_MAX_BYTES` and a
 * call that does not fit is refused (`fits()` false; the caller uses js instead).
 */
import { MAX_PAGES, type KernelExports } from './module.js';

const PAGE = 65536;
export const CONTROL_BYTES = 8192;
/** Ceiling on resident bytes; past it `residentF32` returns null (ordinary arrays, copied per call). */
export const RESIDENT_MAX_BYTES = 512 * 1024 * 1024;

export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  /** Byte address of the pool's control block. */
  readonly control: number;
  /** Whether the memory is shared (resident arrays possible). */
  readonly shared: boolean;
  private readonly heapStart: number;
  /** End of the resident heap; scratch starts at the next 64-byte boundary. */
  private heapTop: number;
  /** Free resident blocks [address, bytes], sorted by address, never adjacent (coalesced). */
  private readonly free: [number, number][] = [];
  private residentBytes = 0;
  private top: number;
  /**
   * The views `residentF32` handed out. (Not their buffers: V8 hands out a new SharedArrayBuffer object
   * for a shared memory whenever *any* shared memory grows, so buffer identity cannot tell.)
   */
  private readonly views = new WeakSet<Float32Array>();
  private readonly registry: FinalizationRegistry<[number, number]> | null;
  f32: Float32Array;
  i32: Int32Array;

  constructor(memory: WebAssembly.Memory, exports: KernelExports) {
    this.memory = memory;
    this.exports = exports;
    this.control = align(exports.heapBase(), 64);
    this.heapStart = this.control + CONTROL_BYTES;
    this.heapTop = this.heapStart;
    this.top = this.heapStart;
    this.shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    this.registry = this.shared && typeof FinalizationRegistry !== 'undefined' ? new FinalizationRegistry(([at, bytes]) => this.release(at, bytes)) : null;
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  /** Bytes currently committed to the memory. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes held by live resident arrays. */
  get residentByteLength(): number {
    return this.residentBytes;
  }

  /** Start laying out a new call (scratch begins above the resident heap). */
  reset(): void {
    this.top = align(this.heapTop, 64);
  }

  /** Whether `bytes` more (plus alignment) can be laid out without passing the ceiling. */
  fits(bytes: number): boolean {
    return this.top + bytes + 64 <= MAX_PAGES * PAGE;
  }

  /** Reserve `bytes` (64-byte aligned) of scratch and return its byte address; grows the memory if needed. */
  alloc(bytes: number): number {
    const at = align(this.top, 64);
    const end = at + bytes;
    this.ensure(end);
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

  /**
   * The address of `n` floats of `src` from `offset`: where they already are when `src` is resident,
   * else a scratch copy. Kernels may read the result but must not write it (it may be the caller's data).
   */
  refF32(src: ArrayLike<number>, offset: number, n: number): number {
    if (this.isResident(src)) return (src as Float32Array).byteOffset + 4 * offset;
    return this.putF32(src, offset, n);
  }

  /** Whether `a` is a resident array of this memory (from `residentF32`): kernels can use it in place. */
  isResident(a: ArrayLike<number>): boolean {
    return a instanceof Float32Array && this.views.has(a);
  }

  /** A fresh Float32Array holding `n` floats from address `at`. */
  takeF32(at: number, n: number): Float32Array {
    return this.f32.slice(at >> 2, (at >> 2) + n);
  }

  /**
   * A zeroed float32 array of length `n` living in the memory (null when the memory is private or the
   * resident heap is full). Must not be called while a kernel call is being laid out.
   */
  residentF32(n: number): Float32Array | null {
    if (!this.registry || n <= 0) return null;
    const bytes = align(n * 4, 64);
    if (this.residentBytes + bytes > RESIDENT_MAX_BYTES) return null;
    let at = -1;
    for (let i = 0; i < this.free.length; i++) {
      const [a, b] = this.free[i]!;
      if (b < bytes) continue;
      at = a;
      if (b === bytes) this.free.splice(i, 1);
      else this.free[i] = [a + bytes, b - bytes];
      break;
    }
    if (at < 0) {
      at = this.heapTop;
      if (at + bytes + 64 > MAX_PAGES * PAGE) return null;
      this.ensure(at + bytes);
      this.heapTop = at + bytes;
    }
    this.residentBytes += bytes;
    const view = new Float32Array(this.memory.buffer, at, n);
    view.fill(0);
    this.views.add(view);
    this.registry.register(view, [at, bytes]);
    return view;
  }

  /** Return a resident block (its view was collected) to the free list. */
  private release(at: number, bytes: number): void {
    this.residentBytes -= bytes;
    const free = this.free;
    let i = 0;
    while (i < free.length && free[i]![0] < at) i++;
    let a = at;
    let b = bytes;
    if (i > 0 && free[i - 1]![0] + free[i - 1]![1] === a) {
      i--;
      a = free[i]![0];
      b += free[i]![1];
      free.splice(i, 1);
    }
    if (i < free.length && a + b === free[i]![0]) {
      b += free[i]![1];
      free.splice(i, 1);
    }
    if (a + b === this.heapTop) this.heapTop = a;
    else free.splice(i, 0, [a, b]);
  }

  private ensure(end: number): void {
    if (end > this.memory.buffer.byteLength) {
      const pages = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
      this.memory.grow(pages);
      this.refresh();
    }
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
