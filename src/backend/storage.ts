/**
 * Storage records: one per storage, shared by every tensor that views it (see the README's "Design:
 * memory model").
 *
 * A `Storage` is the stable identity of a storage. Its data lives in exactly one place at a time:
 * - on the JS heap (`cell.host`, a typed array), or
 * - on a device (`cell.view`, a float32 view of a block of the device's memory, e.g. wasm memory).
 *
 * The data and its placement live in a `Cell` that the device's block table may hold; the cell never
 * refers back to its `Storage`, so the table never keeps a storage (or a tensor) alive, and the
 * device's FinalizationRegistry — registered on the `Storage` — frees the block once the storage is
 * collected. Under memory pressure the device *evicts* a cell: it copies the block into a fresh JS
 * array (`cell.host`) and frees the block; the storage keeps working and is copied back on its next
 * use by a kernel.
 *
 * `Storage.data` is the current array (the device view or the JS array). An array obtained from it is
 * valid until the next op is applied: eviction happens only when an op starts (see `Device.atOp`).
 * Kernels never depend on that rule: they resolve an array to its storage (`storageOf`) and use the
 * storage's current place.
 */
import type { DType, TypedArray } from '../core/dtype.js';
import { StateError } from '../core/errors.js';
import { syncReadError, type GpuBlockRef } from './gpu.js';

/** A memory a backend keeps storages in (wasm: its linear memory). */
export interface Device {
  /** Note a use of the cell (least-recently-used order). */
  touch(cell: Cell): void;
  /** Move a storage's data onto the device; false when it cannot (too small, wrong dtype, full). */
  upload(s: Storage): boolean;
  /** Give the cell's block back (the engine knows nobody can read it any more). */
  free(cell: Cell): void;
  /** Move the cell's data back to the JS heap now (into `cell.evicted`) and give its block back. */
  toHost(cell: Cell): void;
  /**
   * No graph node holds the cell's storage any more and user code may still hold it (an escaped kernel
   * output): move its data to the JS heap now, while its storage is young (README, "Design: memory model").
   */
  offload?(cell: Cell): void;
  /** Called by `apply()` before each op: evict down to the budget if the device passed it. */
  atOp(): void;
  /**
   * A step ended (backward() finished, or a top-level module call whose output takes no gradient): feeds
   * the default budget's working-set estimate, and moves the step's escaped kernel outputs that no graph
   * node holds to the JS heap, except `keep` (the call's output).
   */
  markStep?(keep?: ReadonlySet<Cell>): void;
}

/**
 * A storage's place on a device: held by the storage, by the device's block table and by its
 * FinalizationRegistry. It never refers to the storage nor to any of the storage's arrays (either
 * would keep the storage alive through the table).
 */
export class Cell {
  /** The device holding the data, or null. */
  device: Device | null = null;
  /** Byte address of the block on the device, or -1. */
  at = -1;
  /** Bytes of the block (64-byte multiple). */
  bytes = 0;
  /** Elements. */
  n = 0;
  /** An evicted block's copy, handed to the storage on its next access. */
  evicted: TypedArray | null = null;
  /**
   * An offloaded small block's values as a plain array (the JS heap's own memory, which its
   * young-generation GC reclaims; see Arena.offload), made a typed array again on the next access.
   */
  values: number[] | null = null;
  /** Set when the engine freed the data: reading it is a bug. */
  freed = false;
  /**
   * Whether the block holds data that came from the JS heap (an upload: parameters, inputs) or was
   * placed explicitly (optimizer state), rather than a kernel's output: eviction takes kernel outputs
   * first (see Arena.evict).
   */
  fromHost = false;
  /**
   * Whether the data is long-lived by contract (parameters, buffers, optimizer state): the default
   * budget leaves room for all of it, since evicting a weight every model needs on every pass only
   * moves it out and back (a Linear(150528, 512) weight thrashed that way under the 64 MiB floor).
   */
  longLived = false;
  /**
   * Whether the data has been on a device before (a kernel's output, or placed explicitly, since moved
   * back by eviction): a kernel that reads it uploads it again, since it is device data in use. Data
   * born on the JS heap (arrays the user made, data-loader batches) is copied in per read instead: an
   * upload would hold a block until the storage's finalizer runs, which waits for a full GC even in a
   * loop that yields (see Arena.refF32).
   */
  resided = false;
  /** Index in the device's list of storages not yet registered with its FinalizationRegistry, or -1. */
  pendingAt = -1;
  /** Graph nodes holding the storage (as an input or as their output); see `Storage.holders`. */
  held = 0;
  /**
   * The storage is a tensor's `.grad` (backward put it there): kept on the device at the end of a step,
   * since the optimizer reads it next.
   */
  grad = false;
  /**
   * A kernel output user code may hold (not uploaded, long-lived nor a `.grad`): once no graph node holds
   * it, it leaves the device at the end of a step or of its last node (`Device.offload`).
   */
  get userData(): boolean {
    return !this.fromHost && !this.longLived && !this.grad;
  }
  /** Least-recently-used list links (device-managed). */
  prev: Cell | null = null;
  next: Cell | null = null;
}

/** Below this many elements a storage stays on the JS heap (a copy per call costs less than a block). */
export const DEVICE_MIN = 256;

/**
 * Whether a device may take this array's storage (float32, big enough). Only those need finding by
 * array: a storage that never moves is found through its tensors, and kernels use its array as is.
 */
function movable(a: TypedArray): boolean {
  return a.length >= DEVICE_MIN && a instanceof Float32Array;
}

let nextId = 1;
/** The id the next storage will get (storages with a smaller id existed before this call). */
export function nextStorageId(): number {
  return nextId;
}
/** Storage for a typed array (which arrays are which storage's data, so views find their storage). */
/**
 * Which storage an array belongs to: a symbol-keyed property on the array itself. (A WeakMap keyed by
 * the array did this before; every kernel result added an entry, and V8 clears a dead key's entry only
 * in a full mark-compact, so a loop that never yields kept growing its heap between major GCs — see
 * the README's "Design: memory model".) An array that cannot take a property (made non-extensible by
 * its owner) is kept in a WeakMap instead.
 */
const STORAGE = Symbol('backprop.storage');
type Tagged = TypedArray & { [STORAGE]?: Storage };
const sealedArrays = new WeakMap<TypedArray, Storage>();
const byArray = {
  set(a: TypedArray, s: Storage): void {
    if (Object.isExtensible(a)) (a as Tagged)[STORAGE] = s;
    else sealedArrays.set(a, s);
  },
  get(a: TypedArray): Storage | undefined {
    return (a as Tagged)[STORAGE] ?? sealedArrays.get(a);
  },
};

/**
 * One tensor storage's data and where it lives (a device block or a JS typed array), shared by every view
 * of it: `tensor.record`. See README "Design: memory model".
 */
export class Storage {
  /** Creation order (the engine frees only storages born during a backward pass). */
  readonly id: number;
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
  /** @internal Its place on a device: made at first need (most small storages never have one). */
  private home: Cell | null = null;
  /** @internal Graph nodes holding this storage (as an input or as their output); mirrored on its cell. */
  private held = 0;
  /** @internal In-place writes to this storage so far (autograd's version counter: src/autograd/versions.ts). */
  version = 0;
  /** @internal The JS-heap array (null while the data is on a device). */
  host: TypedArray | null;
  /** @internal The view of the device block (null while on the JS heap). */
  view: Float32Array | null = null;
  /**
   * @internal An engine temporary: made inside a composite op (`internalScope`) and not returned by
   * it, so no user code can reach it. Freed at once when the scope ends if no graph node holds it,
   * else when backward releases the last node that does (`holders` counts them).
   */
  internal = false;
  /** @internal Graph nodes holding this storage (as an input or as their output). */
  get holders(): number {
    return this.held;
  }
  set holders(n: number) {
    this.held = n;
    if (this.home !== null) this.home.held = n;
  }

  /** @internal Its place on a device (created on first use). */
  get cell(): Cell {
    if (this.home === null) {
      this.home = new Cell();
      this.home.held = this.held;
    }
    return this.home;
  }

  /** @internal Its cell if it has one (reading this never creates one). */
  get cellIfAny(): Cell | null {
    return this.home;
  }
  /** @internal Its scope is still running (not freed even with no holders). */
  scoped = false;
  /**
   * @internal The user holds its JS array (`fromTypedArray`, `typedArrayView`: memory shared as with
   * PyTorch's `from_numpy`/`numpy()`), so the data stays in that array: never moved onto a device.
   */
  pinned = false;
  /**
   * @internal The GPU buffer holding the data (webgpu tensors), else null. `host` is then a handle
   * (see src/backend/gpu.ts): kernels pass it around, JS code cannot read its elements.
   */
  gpu: GpuBlockRef | null = null;

  constructor(dtype: DType, data: TypedArray) {
    this.id = nextId++;
    this.dtype = dtype;
    this.length = data.length;
    this.host = data;
    if (movable(data)) byArray.set(data, this);
  }

  /** The storage's current array: a view of its device block, or its JS array. */
  get data(): TypedArray {
    const c = this.home;
    if (c !== null) {
      if (c.device !== null) {
        c.device.touch(c);
        return this.view!;
      }
      if (c.evicted !== null || c.values !== null) this.adoptHost();
    }
    if (this.host === null)
      throw new StateError(
        'storage: this storage was freed by the engine (an engine temporary was read after its last use; please report this)',
        'E_STORAGE_FREED',
      );
    return this.host;
  }

  /** Whether the data is on a device right now. */
  get onDevice(): boolean {
    return this.home !== null && this.home.device !== null;
  }

  /** @internal The device put the data into a block viewed by `view`. */
  placed(view: Float32Array): void {
    this.view = view;
    this.host = null;
    byArray.set(view, this);
  }

  /** @internal The data now lives in the GPU block `block`; `handle` stands for it on the JS side. */
  placeOnGpu(handle: TypedArray, block: GpuBlockRef): void {
    this.gpu = block;
    this.host = handle;
    this.view = null;
    byArray.set(handle, this);
  }

  /** @internal The data came back from the GPU into `host` (a JS array of the dtype): the GPU block is given back. */
  placeOnHost(host: TypedArray): void {
    this.gpu?.release();
    this.gpu = null;
    this.host = host;
    byArray.set(host, this);
  }

  /** @internal Take the copy an eviction left in the cell as the JS array. */
  adoptHost(): void {
    const c = this.home;
    if (c === null) return;
    let h = c.evicted;
    if (c.values !== null) {
      h = Float32Array.from(c.values);
      c.values = null;
    }
    if (h === null) return;
    c.evicted = null;
    this.host = h;
    this.view = null;
    byArray.set(h, this);
  }
}
/** The storage an array belongs to, creating one that owns it if it has none. */
export function storageOf(data: TypedArray, dtype: DType): Storage {
  return byArray.get(data) ?? new Storage(dtype, data);
}

/** The storage an array belongs to, or undefined. */
export function findStorage(data: ArrayLike<number>): Storage | undefined {
  return byArray.get(data as TypedArray);
}

/** Free a kernel result the engine used and dropped (it never reached a tensor): its device block, if any. */
export function freeTemp(a: TypedArray): void {
  const s = byArray.get(a);
  if (s === undefined) return;
  if (s.gpu !== null) releaseGpu(s);
  else if (s.onDevice) s.cell.device!.free(s.cell);
}

/** Give a GPU storage's buffer back to the pool now (the engine knows nobody can read it any more). */
function releaseGpu(s: Storage): void {
  s.gpu!.release();
  s.host = null;
}

/**
 * Keep a storage's data on the JS heap for good (the user shares its array): a device block is copied
 * back and freed now, and no device takes the storage again. Returns its (now stable) JS array.
 */
export function pinToHost(s: Storage): TypedArray {
  if (s.gpu !== null) throw syncReadError('sharing the data as a JS array', 'x.data()');
  s.pinned = true;
  const c = s.cellIfAny;
  if (c !== null && c.device !== null) c.device.toHost(c);
  return s.data;
}

/** Give an internal storage's device block back now (its data must never be read again). */
export function freeInternal(s: Storage): void {
  s.internal = false;
  if (s.gpu !== null) return releaseGpu(s);
  const c = s.cellIfAny;
  if (c !== null && c.device !== null) c.device.free(c);
}

/**
 * A graph node holding `s` was released. At the last hold an engine temporary is freed; an escaped
 * kernel output (user code may still hold it: an activation a custom `forward` or a hook saw) moves to
 * the JS heap now, while its storage is young, so that if it is dead the young-generation GC takes it
 * with its copy. Left on the device it was copied out only when eviction reached it, by then promoted,
 * and that copy waited for a full GC in a loop that never yields.
 */
export function dropHold(s: Storage): void {
  if (--s.holders > 0) return;
  if (s.internal) {
    if (!s.scoped) freeInternal(s);
    return;
  }
  const c = s.cellIfAny;
  if (c !== null && c.device !== null && c.userData) c.device.offload?.(c);
}
