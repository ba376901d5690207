/**
 * The WebAssembly arena: one linear memory per backend, and the device that keeps storages in it.
 *
 *   [ static data | pool control block | blocks … ]
 *
 * Everything above the control block is one heap of 64-byte-aligned blocks (a coalescing free list
 * sorted by address, first fit, and a top that grows the memory). Blocks are of two kinds:
 *
 * - **Storage blocks** hold float32 storages (see src/backend/storage.ts): kernel outputs are
 *   allocated as blocks and handed out as views (no copy out), and inputs that are storage blocks are
 *   read in place (no copy in). A JS-heap storage a kernel reads is uploaded again if it was on the
 *   device before (evicted, then used); data born on the JS heap is copied in per read (`refF32`).
 * - **Scratch blocks** (`alloc`) are laid out by one kernel call (packed panels, geometry, copies of
 *   inputs that cannot be resident) and freed when the next call starts (`reset`).
 *
 * Freeing storage blocks (the README's "Design: memory model"):
 * - a FinalizationRegistry on each storage frees its block once the storage is collected (runs when
 *   the program yields to the event loop);
 * - when the live storage bytes pass the budget, `atOp` (called by `apply()` before each op) evicts
 *   the least recently used blocks: each is copied into a fresh JS array and freed; a live storage is
 *   uploaded again on its next use, a dead one's copy is ordinary garbage;
 * - the engine frees blocks of its own temporaries at once (`free`).
 *
 * Storage blocks need shared memory: growing a shared memory never detaches views made before, while
 * growing a private one detaches them all. Without it no storage is resident and every kernel call
 * copies its operands in and its result out (the old path: correct, slower — see the README).
 *
 * Bound: the memory grows to the live storage bytes (≤ budget between ops, plus what one op adds),
 * free-list gaps, and one call's scratch; never past `MAX_PAGES` (1 GiB).
 */
import { StateError } from '../../core/errors.js';
import { Cell, DEVICE_MIN, Storage, findStorage, type Device } from '../storage.js';

export { DEVICE_MIN };
/**
 * Smallest kernel result (and kernel-driven upload) placed on the device automatically; smaller ones
 * stay on the JS heap, where the GC frees them (a copy of ≤ 4 KiB costs less than a block that only a
 * finalizer or an eviction would free). Explicit placement (`upload`: parameters, optimizer state)
 * uses `DEVICE_MIN`.
 */
export const AUTO_MIN = 1024;
import { MAX_PAGES, type KernelExports } from './module.js';

const PAGE = 65536;
export const CONTROL_BYTES = 8192;
/**
 * Ceiling on live storage bytes; past it uploads are refused (copied per call). Well above the
 * budget's cap: between ops eviction keeps live bytes under the budget, and one op may add its outputs.
 */
export const RESIDENT_MAX_BYTES = 768 * 1024 * 1024;
/**
 * Default budget: 4× the largest step's storage allocations, within [floor, cap], plus the long-lived
 * blocks. The floor only matters for small models, where it is the room escaped data (a forward hook's
 * activations in a loop that never yields) fills before eviction starts: 64 MiB let memory climb from
 * 20 to 67 MB over a 10,000-step soak before leveling; at 16 MiB it is level from step 1,000. In steady
 * state every escaped block is evicted once either way, so a lower floor costs no copies.
 */
export const BUDGET_FLOOR = 16 * 1024 * 1024;
export const BUDGET_CAP = 384 * 1024 * 1024;
/** Offloaded blocks of at most this many floats are kept as plain arrays (see `Arena.offload`). */
export const OFFLOAD_VALUES_MAX = 16384;
/** Storages placed before the pending ones are registered with the FinalizationRegistry in a loop that never yields. */
export const PENDING_MAX = 512;

/** Counters shown in `backendInfo().info.memory`. */
export interface MemoryStats {
  /** Bytes of live storage blocks. */
  liveBytes: number;
  /** The byte budget eviction keeps live storage under between ops. */
  budget: number;
  /** Whether the budget was set by `init({ memory })` (else derived from the working set). */
  budgetFixed: boolean;
  /** Largest storage allocation seen between two backward() calls. */
  stepBytes: number;
  /** Storage blocks allocated, freed by finalizers, evicted, freed by the engine, uploaded from the JS heap. */
  allocated: number;
  /** Storages registered with the FinalizationRegistry (those still on the device when their job ended). */
  registered: number;
  finalized: number;
  evicted: number;
  engineFreed: number;
  uploaded: number;
  /**
   * Escaped kernel outputs moved to the JS heap when the last graph node holding them was released or
   * at the end of a step (`offload`), and their bytes.
   */
  offloaded: number;
  offloadedBytes: number;
  /** Bytes copied device → JS heap by eviction and JS heap → device by uploads. */
  evictedBytes: number;
  uploadedBytes: number;
}

export class Arena implements Device {
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  /** Byte address of the pool's control block. */
  readonly control: number;
  /** Whether the memory is shared (resident storages possible). */
  readonly shared: boolean;
  private readonly heapStart: number;
  /** End of the highest block in use. */
  private heapTop: number;
  /** Free blocks [address, bytes], sorted by address, never adjacent (coalesced). */
  private readonly holes: [number, number][] = [];
  /** This call's scratch blocks: address → bytes. */
  private temps = new Map<number, number>();
  private readonly registry: FinalizationRegistry<Cell> | null;
  /**
   * Storages placed since the last `register()` and not yet registered with the registry. Registration
   * is deferred because V8 keeps a registered object through young-generation collections: registering
   * every kernel result promoted each one to the old generation, so a loop that never yields grew its
   * heap by hundreds of MB between full GCs. Most results are engine temporaries freed within the op or
   * the backward pass; those are gone from the device by the time the list is registered and never
   * touch the registry. The list holds the storages strongly until then, so none can die unregistered;
   * a storage whose block is given back meanwhile is dropped from it at once (`Cell.pendingAt`), so an
   * engine temporary is not kept alive by the list either (each one it kept survived the scavenges
   * that ran while it was pending: up to 512 storages, ~180 KB, copied at every scavenge of an
   * inference loop, which made V8 grow its new space).
   */
  private pending: (Storage | null)[] = [];
  private registerQueued = false;
  /** Least-recently-used order of live storage cells: head is the oldest. */
  private head: Cell | null = null;
  private tail: Cell | null = null;
  private fixedBudget: number | null = null;
  private allocSinceStep = 0;
  private peakStep = 0;
  /** Live bytes of long-lived cells (parameters, optimizer state): the default budget adds them. */
  private longBytes = 0;
  readonly stats: Omit<MemoryStats, 'budget' | 'budgetFixed' | 'stepBytes'> = {
    liveBytes: 0,
    allocated: 0,
    registered: 0,
    finalized: 0,
    evicted: 0,
    engineFreed: 0,
    uploaded: 0,
    offloaded: 0,
    offloadedBytes: 0,
    evictedBytes: 0,
    uploadedBytes: 0,
  };
  f32: Float32Array;
  i32: Int32Array;

  constructor(memory: WebAssembly.Memory, exports: KernelExports) {
    this.memory = memory;
    this.exports = exports;
    this.control = align(exports.heapBase(), 64);
    this.heapStart = this.control + CONTROL_BYTES;
    this.heapTop = this.heapStart;
    this.shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    this.registry =
      this.shared && typeof FinalizationRegistry !== 'undefined' ? new FinalizationRegistry((c: Cell) => this.finalized(c)) : null;
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  /** Bytes currently committed to the memory. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes held by live storage blocks. */
  get residentByteLength(): number {
    return this.stats.liveBytes;
  }

  /** The eviction budget in bytes: `init({ memory })`, else 4× the largest step, within [16 MiB, 384 MiB]. */
  get budget(): number {
    if (this.fixedBudget !== null) return this.fixedBudget;
    // room for the transient working set, plus every long-lived block (weights, optimizer state)
    return Math.min(BUDGET_CAP, Math.max(BUDGET_FLOOR, 4 * this.peakStep)) + this.longBytes;
  }

  /** Fix the budget (bytes), or null to derive it from the working set again. */
  setBudget(bytes: number | null): void {
    this.fixedBudget = bytes;
  }

  memoryStats(): MemoryStats {
    return { ...this.stats, budget: this.budget, budgetFixed: this.fixedBudget !== null, stepBytes: this.peakStep };
  }

  /**
   * A step ended (backward() finished, or a top-level inference call returned): the working-set estimate
   * behind the default budget, and the step's leftovers. A kernel output that no graph node holds and
   * that is not long-lived, uploaded, nor a `.grad` is data user code made and may or may not still hold
   * (a custom `forward`'s intermediates under `noGrad`, a tensor made outside any module); it moves to
   * the JS heap now, while its storage is young, except `keep` (the call's output). A live one is
   * uploaded again at its next use.
   */
  markStep(keep?: ReadonlySet<Cell>): void {
    if (this.allocSinceStep > this.peakStep) this.peakStep = this.allocSinceStep;
    this.allocSinceStep = 0;
    for (let c = this.head; c !== null;) {
      const next = c.next;
      if (c.userData && c.held === 0 && !keep?.has(c)) this.offload(c);
      c = next;
    }
  }

  /**
   * Move an escaped kernel output's data to the JS heap now (see `markStep` and `dropHold`). A block of
   * up to `OFFLOAD_VALUES_MAX` floats without a NaN is kept as a plain array of numbers in V8's own heap;
   * a larger one, or one holding a NaN (a plain array may not keep a NaN's bits), as a Float32Array.
   * Why: most offloaded data is dead, and V8 collects young garbage when its new space fills. A small
   * Float32Array's bytes live outside that space (malloc'd), so dead copies piled up between scavenges of
   * a loop that allocates little else: loop (e) of `bench/soak-loops.ts`, inference with a custom
   * `forward`, held 20–30 MB of them and grew the RSS 17 % (0.5 % with plain arrays). A plain array costs
   * about 3 µs more per 16 KB. Large blocks are mmapped by malloc and unmapped when freed.
   */
  offload(c: Cell): void {
    if (c.device !== this) return;
    const at = c.at >> 2;
    const n = c.n;
    let values: number[] | null = null;
    if (n <= OFFLOAD_VALUES_MAX) {
      const f = this.f32;
      values = new Array<number>(n);
      for (let k = 0; k < n; k++) {
        const v = f[at + k]!;
        if (v !== v) {
          values = null;
          break;
        }
        values[k] = v;
      }
    }
    if (values !== null) c.values = values;
    else c.evicted = this.f32.slice(at, at + n);
    this.stats.offloaded++;
    this.stats.offloadedBytes += c.n * 4;
    this.drop(c);
  }

  // ------------------------------------------------------------------ scratch (one kernel call)

  /** Start laying out a new call: the previous call's scratch is freed. */
  reset(): void {
    if (this.temps.size === 0) return;
    for (const [at, bytes] of this.temps) this.release(at, bytes);
    this.temps.clear();
  }

  /** Whether `bytes` more (plus alignment) can be laid out without passing the ceiling. */
  fits(bytes: number): boolean {
    return this.heapTop + bytes + 64 <= MAX_PAGES * PAGE;
  }

  /** Reserve `bytes` of scratch (64-byte aligned) for this call; returns its byte address. */
  alloc(bytes: number): number {
    const size = Math.max(64, align(bytes, 64));
    const at = this.block(size);
    if (at < 0) throw new StateError(`wasm: out of memory laying out a kernel call (${bytes} bytes)`, 'E_WASM_MEMORY');
    this.temps.set(at, size);
    return at;
  }

  /** Copy `n` floats of `src` starting at `offset` into fresh scratch; returns its address. */
  putF32(src: ArrayLike<number> & { subarray?: unknown }, offset: number, n: number): number {
    const at = this.alloc(n * 4);
    const s = src as Float32Array;
    this.f32.set(offset === 0 && s.length === n ? s : s.subarray(offset, offset + n), at >> 2);
    return at;
  }

  /**
   * The address of `n` floats of `src` from `offset`, for kernels to read (never write): in place when
   * `src` is (or was) a storage's data and that storage is resident here, or was before (evicted) and
   * can be made so again; else a scratch copy. Data born on the JS heap (a batch, an input) is not
   * uploaded by a read: a block outlives its storage until the finalizer runs, which waits for a full
   * GC even in a loop that yields, so a fresh batch uploaded every step held one dead block per step
   * (`fit()` on an MLP: the wasm memory grew 9.6 → 58 MB from step 1,000 to 10,000) where a copy per
   * read costs a few microseconds and leaves the batch to the young-generation GC. A stale array (its storage was evicted or moved since) resolves to the storage's
   * current place.
   */
  refF32(src: ArrayLike<number>, offset: number, n: number): number {
    const s = findStorage(src);
    if (s === undefined) return this.putF32(src, offset, n);
    // a storage that never had a device block has no cell: data born on the JS heap, copied per read
    const c = s.cellIfAny;
    if (c !== null && (c.device === this || (s.length >= AUTO_MIN && c.resided && this.upload(s)))) {
      this.touch(c);
      return c.at + 4 * offset;
    }
    return this.putF32(c !== null && c.freed ? src : s.data, offset, n);
  }

  /**
   * The address of a storage's data that an in-place update (optimizer step) may read and write, or -1
   * when it is not resident here and cannot be made so.
   */
  inPlaceF32(a: ArrayLike<number>): number {
    const s = findStorage(a);
    if (s === undefined || s.length !== a.length) return -1;
    if (s.cellIfAny?.device === this || this.upload(s)) {
      this.touch(s.cell);
      return s.cell.at;
    }
    return -1;
  }

  /** Whether `a` is the data (or a former array) of a storage resident here: kernels use it in place. */
  isResident(a: ArrayLike<number>): boolean {
    const c = findStorage(a)?.cellIfAny;
    return c !== undefined && c !== null && c.device === this;
  }

  /**
   * The `n` floats at `at` as a result: when `at` is this call's scratch block and big enough, the block
   * itself becomes a resident storage (no copy) and its view is returned; else a fresh JS copy.
   */
  takeF32(at: number, n: number): Float32Array {
    const bytes = this.temps.get(at);
    if (this.registry === null || bytes === undefined || n < AUTO_MIN || n * 4 > bytes || this.stats.liveBytes + bytes > RESIDENT_MAX_BYTES)
      return this.f32.slice(at >> 2, (at >> 2) + n);
    this.temps.delete(at);
    return this.adopt(at, bytes, n);
  }

  // ------------------------------------------------------------------ storages (the Device)

  /**
   * A zeroed float32 storage of `n` elements resident here (null when the memory is private or full);
   * `longLived` counts it with the parameters in the default budget.
   */
  residentF32(n: number, longLived = false): Float32Array | null {
    if (this.registry === null || n <= 0) return null;
    const bytes = align(n * 4, 64);
    if (this.stats.liveBytes + bytes > RESIDENT_MAX_BYTES) return null;
    const at = this.block(bytes);
    if (at < 0) return null;
    const view = this.adopt(at, bytes, n, true, longLived);
    view.fill(0);
    return view;
  }

  upload(s: Storage): boolean {
    if (this.registry === null) return false;
    const c = s.cell;
    if (c.device !== null) return c.device === this;
    if (s.pinned) return false;
    s.adoptHost();
    const h = s.host;
    if (!(h instanceof Float32Array) || s.dtype !== 'float32' || h.length < DEVICE_MIN) return false;
    // only an array that is its whole buffer: a part of a bigger buffer may be aliased by other storages
    if (h.byteOffset !== 0 || h.byteLength !== h.buffer.byteLength) return false;
    const bytes = align(h.length * 4, 64);
    if (this.stats.liveBytes + bytes > RESIDENT_MAX_BYTES) return false;
    const at = this.block(bytes);
    if (at < 0) return false;
    this.f32.set(h, at >> 2);
    this.place(s, at, bytes, new Float32Array(this.memory.buffer, at, h.length));
    c.fromHost = true;
    this.stats.uploaded++;
    this.stats.uploadedBytes += h.length * 4;
    return true;
  }

  touch(c: Cell): void {
    if (this.tail === c) return;
    this.unlink(c);
    this.link(c);
  }

  free(c: Cell): void {
    if (c.device !== this) return;
    this.drop(c);
    c.freed = true;
    this.stats.engineFreed++;
  }

  toHost(c: Cell): void {
    if (c.device !== this) return;
    c.evicted = this.f32.slice(c.at >> 2, (c.at >> 2) + c.n);
    this.stats.evicted++;
    this.stats.evictedBytes += c.n * 4;
    this.drop(c);
  }

  atOp(): void {
    const budget = this.budget;
    if (this.stats.liveBytes > budget) this.evict(Math.floor(budget * 0.75));
  }

  /**
   * Evict storages until live storage bytes are at most `target`: first kernel outputs, least recently
   * used first, then the rest (uploaded and explicitly placed data: parameters, optimizer state,
   * inputs) in the same order. In a loop that never yields, most kernel outputs past the budget are
   * dead activations whose finalizers have not run; taking them first keeps a model whose weights
   * and activations together exceed the budget from evicting and re-uploading all its weights on every
   * pass (resnet18 inference under the 64 MiB default: 80 MB evicted and 47 MB uploaded per inference
   * with plain LRU).
   */
  evict(target: number): void {
    for (let c = this.head; c !== null && this.stats.liveBytes > target;) {
      const next = c.next;
      if (!c.fromHost) this.toHost(c);
      c = next;
    }
    while (this.stats.liveBytes > target && this.head !== null) this.toHost(this.head);
  }

  /** Turn the block at `at` into a new storage's home; returns its view. */
  private adopt(at: number, bytes: number, n: number, fromHost = false, longLived = false): Float32Array {
    const view = new Float32Array(this.memory.buffer, at, n);
    const s = new Storage('float32', view);
    s.cell.longLived = longLived;
    this.place(s, at, bytes, view);
    s.cell.fromHost = fromHost;
    return view;
  }

  private place(s: Storage, at: number, bytes: number, view: Float32Array): void {
    const c = s.cell;
    c.device = this;
    c.resided = true;
    c.at = at;
    c.bytes = bytes;
    c.n = view.length;
    s.placed(view);
    c.pendingAt = this.pending.length;
    this.pending.push(s);
    if (this.pending.length >= PENDING_MAX) this.register();
    else if (!this.registerQueued) {
      this.registerQueued = true;
      queueMicrotask(() => this.register());
    }
    this.link(c);
    this.stats.liveBytes += bytes;
    if (c.longLived) this.longBytes += bytes;
    this.stats.allocated++;
    this.allocSinceStep += bytes;
  }

  /**
   * Register the pending storages still on this device with the FinalizationRegistry (runs when the
   * current job ends, or once `PENDING_MAX` storages are pending in a loop that never yields).
   */
  private register(): void {
    this.registerQueued = false;
    const list = this.pending;
    this.pending = [];
    for (const s of list) {
      if (s === null) continue;
      const c = s.cell;
      c.pendingAt = -1;
      // the cell is also the unregister token: eviction and engine frees unregister it, so the registry
      // never holds a cell whose storage left the device (it would keep an evicted copy alive until the
      // program yields, which a synchronous loop never does)
      if (c.device !== this) continue;
      this.registry!.register(s, c, c);
      this.stats.registered++;
    }
  }

  private finalized(c: Cell): void {
    if (c.device !== this) return;
    this.drop(c);
    this.stats.finalized++;
  }

  /** Unlink a live cell and free its block (the cell's data is wherever the caller put it). */
  private drop(c: Cell): void {
    if (c.pendingAt >= 0) {
      // not registered yet: let the list forget it (an engine temporary then dies young)
      if (this.pending[c.pendingAt]?.cell === c) this.pending[c.pendingAt] = null;
      c.pendingAt = -1;
    } else this.registry!.unregister(c);
    this.unlink(c);
    this.stats.liveBytes -= c.bytes;
    if (c.longLived) this.longBytes -= c.bytes;
    this.release(c.at, c.bytes);
    c.device = null;
    c.at = -1;
    c.bytes = 0;
  }

  private link(c: Cell): void {
    c.prev = this.tail;
    c.next = null;
    if (this.tail) this.tail.next = c;
    else this.head = c;
    this.tail = c;
  }

  private unlink(c: Cell): void {
    if (c.prev) c.prev.next = c.next;
    else if (this.head === c) this.head = c.next;
    if (c.next) c.next.prev = c.prev;
    else if (this.tail === c) this.tail = c.prev;
    c.prev = c.next = null;
  }

  // ------------------------------------------------------------------ the block heap

  /** A block of `bytes` (a 64-byte multiple): first fit in the free list, else from the top; -1 if full. */
  private block(bytes: number): number {
    const free = this.holes;
    for (let i = 0; i < free.length; i++) {
      const f = free[i]!;
      if (f[1] < bytes) continue;
      const a = f[0];
      if (f[1] === bytes) free.splice(i, 1);
      else {
        f[0] = a + bytes;
        f[1] -= bytes;
      }
      return a;
    }
    const at = this.heapTop;
    if (at + bytes + 64 > MAX_PAGES * PAGE) return -1;
    this.ensure(at + bytes);
    this.heapTop = at + bytes;
    return at;
  }

  /** Return a block to the free list (coalescing; the top shrinks when the block ends it). */
  private release(at: number, bytes: number): void {
    const free = this.holes;
    let lo = 0;
    let hi = free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (free[mid]![0] < at) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
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
