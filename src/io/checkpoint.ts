/**
 * Training checkpoints: one self-checking binary file holding everything needed to resume training
 * bit for bit — model weights, optimizer and scheduler state, epoch/step counters, RNG states and the
 * data loader's order state — plus anything JSON-able the caller adds.
 *
 * File layout (all integers little-endian):
 * ```
 * offset 0   8 bytes   magic "BPCKPT\0\n"
 *        8   u32       format version (CHECKPOINT_VERSION)
 *        12  u32       header byte length H
 *        16  H bytes   UTF-8 JSON header: { meta, tensors: { id: { dtype, shape, offset, length } } }
 *        16+H …        tensor bytes (each tensor's offset/length is relative to this point)
 *        end−32        SHA-256 of every byte before it
 * ```
 * In the header's `meta`, tensors appear as `{ "$tensor": id }`, typed arrays as `{ "$typed": id }`,
 * `Map`s as `{ "$map": [[k, v], …] }` and non-finite numbers as `{ "$num": "NaN" | "Infinity" | … }`,
 * so any state dict shape (records, maps, nested arrays) round-trips.
 *
 * Loading verifies the magic, version, length and digest before reading the header, so a truncated or
 * bit-flipped file is rejected with a `FormatError` (codes `E_CKPT_*`) and never half-loaded.
 * The digest detects corruption; it does not authenticate the author.
 *
 * `saveCheckpoint`/`loadCheckpoint` (Node) write atomically: temp file in the same folder, fsync,
 * rename over the target, fsync the folder — a crash at any moment leaves the old or the new file.
 */
import { allocate, bytesPerElement, DTYPES, type DType, type TypedArray } from '../core/dtype.js';
import { FormatError, ValueError } from '../core/errors.js';
import type { RngState } from '../core/rng.js';
import { defaultRng, type Rng } from '../core/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { sha256 } from './checkpoint-sha256.js';

/** Format version written into every checkpoint file; `loadCheckpoint` refuses any other version (`E_CKPT_VERSION`). */
export const CHECKPOINT_VERSION = 1;
const MAGIC = [0x42, 0x50, 0x43, 0x4b, 0x50, 0x54, 0x00, 0x0a]; // "BPCKPT\0\n"
const DIGEST = 32;
const PREFIX = 16;

/** What a checkpoint holds. Every field but `version` is optional. */
export interface CheckpointState {
  /** `model.stateDict()`. */
  model?: unknown;
  /** `optimizer.stateDict()`. */
  optimizer?: unknown;
  /** `scheduler.stateDict()`. */
  scheduler?: unknown;
  epoch?: number;
  step?: number;
  /** RNG states by name (`default` is the global generator). */
  rng?: Record<string, RngState>;
  /** `loader.stateDict()` (shuffle order / position). */
  data?: unknown;
  /** Anything JSON-able (history, metrics, config). */
  extra?: unknown;
}

/** A decoded checkpoint: the state plus the version it was written with. */
export interface Checkpoint extends CheckpointState {
  version: number;
}

interface TensorEntry {
  dtype: DType | 'uint8';
  shape: number[];
  offset: number;
  length: number;
}

const TYPED_DTYPE = (a: TypedArray | Uint8Array): DType | 'uint8' =>
  a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : 'uint8';

/** Serialise a checkpoint to bytes. Tensors are stored contiguous in their own dtype. */
export function encodeCheckpoint(state: CheckpointState): Uint8Array {
  const blobs: Uint8Array[] = [];
  const tensors: Record<string, TensorEntry> = {};
  let cursor = 0;
  const add = (bytes: Uint8Array, dtype: DType | 'uint8', shape: number[]): string => {
    const id = String(blobs.length);
    // align every tensor to 8 bytes so views can be made without copying when possible
    const pad = (8 - (cursor % 8)) % 8;
    if (pad) {
      blobs.push(new Uint8Array(pad));
      cursor += pad;
    }
    tensors[id] = { dtype, shape, offset: cursor, length: bytes.length };
    blobs.push(bytes);
    cursor += bytes.length;
    return id;
  };
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (v === undefined) return null;
    if (typeof v === 'number') return Number.isFinite(v) ? (Object.is(v, -0) ? { $num: '-0' } : v) : { $num: String(v) };
    if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol')
      throw new ValueError(`encodeCheckpoint: cannot store a ${typeof v} at ${path}`, 'E_CKPT_VALUE');
    if (v instanceof Tensor) {
      const data = v.dataSync();
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      return { $tensor: add(bytes.slice(), v.dtype, [...v.shape]), requiresGrad: v.requiresGrad || undefined };
    }
    if (ArrayBuffer.isView(v)) {
      if (!(v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint8Array))
        throw new ValueError(`encodeCheckpoint: unsupported typed array ${v.constructor.name} at ${path}`, 'E_CKPT_VALUE');
      return { $typed: add(new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice(), TYPED_DTYPE(v), [v.length]) };
    }
    if (seen.has(v as object)) throw new ValueError(`encodeCheckpoint: circular reference at ${path}`, 'E_CKPT_VALUE');
    seen.add(v as object);
    try {
      if (Array.isArray(v)) return v.map((e, i) => walk(e, `${path}[${i}]`));
      if (v instanceof Map) return { $map: [...v.entries()].map(([k, e]) => [walk(k, `${path}.key`), walk(e, `${path}.${String(k)}`)]) };
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v as Record<string, unknown>)) {
        if (e === undefined) continue;
        Object.defineProperty(out, k, { value: walk(e, `${path}.${k}`), enumerable: true, writable: true, configurable: true });
      }
      return out;
    } finally {
      seen.delete(v as object);
    }
  };
  const meta = walk({ ...state, version: undefined }, 'checkpoint');
  const header = new TextEncoder().encode(JSON.stringify({ meta, tensors }));
  const total = PREFIX + header.length + cursor + DIGEST;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, CHECKPOINT_VERSION, true);
  dv.setUint32(12, header.length, true);
  out.set(header, PREFIX);
  let p = PREFIX + header.length;
  for (const b of blobs) {
    out.set(b, p);
    p += b.length;
  }
  out.set(sha256(out.subarray(0, total - DIGEST)), total - DIGEST);
  return out;
}

function fail(code: `E_${string}`, msg: string, offset?: number, file?: string): never {
  throw new FormatError(`checkpoint: ${msg}`, code, { file, offset });
}

/**
 * Parse and verify checkpoint bytes. Throws `FormatError` with code `E_CKPT_MAGIC`, `E_CKPT_VERSION`,
 * `E_CKPT_TRUNCATED`, `E_CKPT_DIGEST` or `E_CKPT_HEADER`; nothing is returned unless every check passes.
 */
export function decodeCheckpoint(bytes: Uint8Array, file?: string): Checkpoint {
  if (!(bytes instanceof Uint8Array)) throw new ValueError('decodeCheckpoint: expected a Uint8Array');
  if (bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b)
    fail(
      'E_CKPT_MAGIC',
      'this looks like a zip/PyTorch .pt file; backprop checkpoints are data-only files written by saveCheckpoint',
      0,
      file,
    );
  for (let i = 0; i < Math.min(MAGIC.length, bytes.length); i++)
    if (bytes[i] !== MAGIC[i]) fail('E_CKPT_MAGIC', 'not a backprop checkpoint (bad magic bytes)', i, file);
  if (bytes.length < PREFIX + DIGEST)
    fail(
      'E_CKPT_TRUNCATED',
      `file is ${bytes.length} bytes, shorter than the smallest checkpoint (${PREFIX + DIGEST})`,
      bytes.length,
      file,
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  const headerLen = dv.getUint32(12, true);
  if (PREFIX + headerLen + DIGEST > bytes.length)
    fail('E_CKPT_TRUNCATED', `header length ${headerLen} runs past the end of the ${bytes.length}-byte file (truncated?)`, 12, file);
  const want = sha256(bytes.subarray(0, bytes.length - DIGEST));
  const got = bytes.subarray(bytes.length - DIGEST);
  for (let i = 0; i < DIGEST; i++)
    if (want[i] !== got[i])
      fail('E_CKPT_DIGEST', 'SHA-256 digest mismatch: the file is corrupted or truncated', bytes.length - DIGEST + i, file);
  if (version !== CHECKPOINT_VERSION)
    fail('E_CKPT_VERSION', `format version ${version} is not supported (this build reads version ${CHECKPOINT_VERSION})`, 8, file);
  let header: { meta?: unknown; tensors?: unknown };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLen)));
  } catch {
    fail('E_CKPT_HEADER', 'header is not valid UTF-8 JSON', PREFIX, file);
  }
  if (typeof header !== 'object' || header === null || typeof header.tensors !== 'object' || header.tensors === null)
    fail('E_CKPT_HEADER', 'header must be an object with "meta" and "tensors"', PREFIX, file);
  const dataStart = PREFIX + headerLen;
  const dataLen = bytes.length - DIGEST - dataStart;
  const entries = header.tensors as Record<string, TensorEntry>;
  // amplification budget: references may repeat a tensor, but what is materialised stays within
  // twice the data section (+1 MiB), so one 8 MB tensor referenced 400 times is refused at ~16 MB
  const budget = 2 * dataLen + (1 << 20);
  let materialised = 0;
  const materialise = (id: unknown, kind: '$tensor' | '$typed'): Tensor | TypedArray => {
    if (typeof id !== 'string' || !Object.prototype.hasOwnProperty.call(entries, id))
      fail('E_CKPT_HEADER', `unknown tensor reference ${String(id)}`, PREFIX, file);
    const e = entries[id]!;
    const dtype = e.dtype;
    if (!(DTYPES as readonly string[]).includes(dtype) && dtype !== 'uint8')
      fail('E_CKPT_HEADER', `tensor ${id} has unknown dtype ${String(dtype)}`, PREFIX, file);
    const okInt = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
    if (!Array.isArray(e.shape) || !e.shape.every(okInt) || !okInt(e.offset) || !okInt(e.length) || e.offset + e.length > dataLen)
      fail('E_CKPT_HEADER', `tensor ${id} has an invalid shape or byte range`, PREFIX, file);
    const bpe = dtype === 'uint8' ? 1 : bytesPerElement(dtype);
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (n * bpe !== e.length)
      fail('E_CKPT_HEADER', `tensor ${id}: ${e.length} bytes do not hold shape [${e.shape.join(',')}] of ${dtype}`, PREFIX, file);
    materialised += e.length;
    if (materialised > budget)
      fail(
        'E_CKPT_HEADER',
        `tensor references materialise more than ${budget} bytes from a ${dataLen}-byte data section (a tensor referenced many times?)`,
        PREFIX,
        file,
      );
    const src = bytes.subarray(dataStart + e.offset, dataStart + e.offset + e.length);
    const arr: TypedArray = dtype === 'uint8' ? new Uint8Array(n) : allocate(dtype, n);
    new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(src);
    if (kind === '$typed') return arr;
    return new Tensor(arr, e.shape, dtype as DType);
  };
  const revive = (v: unknown, depth = 0): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (depth > 64) fail('E_CKPT_HEADER', 'header nests deeper than 64 levels', PREFIX, file);
    if (Array.isArray(v)) return v.map((e) => revive(e, depth + 1));
    const o = v as Record<string, unknown>;
    if ('$tensor' in o) {
      const t = materialise(o.$tensor, '$tensor') as Tensor;
      if (o.requiresGrad === true) t.requiresGrad_(true);
      return t;
    }
    if ('$typed' in o) return materialise(o.$typed, '$typed');
    if ('$num' in o) return Number(o.$num);
    if ('$map' in o) {
      if (!Array.isArray(o.$map)) fail('E_CKPT_HEADER', '$map must be an array of pairs', PREFIX, file);
      return new Map((o.$map as unknown[][]).map((pair) => [revive(pair?.[0], depth + 1), revive(pair?.[1], depth + 1)]));
    }
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(o))
      Object.defineProperty(out, k, { value: revive(e, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  };
  const meta = revive(header.meta ?? {}) as CheckpointState;
  return { ...meta, version };
}

// ------------------------------------------------------------------ gathering and restoring state

/** Anything a checkpoint can save and restore: an object with `stateDict()` and `loadStateDict(state)` (modules, optimizers, schedulers). */
export interface HasStateDict {
  /** The object's state to save. */
  stateDict(): unknown;
  /** Restore a state from `stateDict()`. */
  loadStateDict(state: never): unknown;
}

/** The objects whose state a checkpoint captures. Any of them may be left out. */
export interface CheckpointTargets {
  model?: HasStateDict;
  optimizer?: HasStateDict;
  scheduler?: HasStateDict;
  /** A data loader (or anything with stateDict/loadStateDict) whose shuffle order must resume. */
  data?: HasStateDict;
  /** Named generators to save; the global `defaultRng()` is always saved as `default`. */
  rngs?: Record<string, Rng>;
}

/**
 * The same state with every tensor on the 'webgpu' device read back to the CPU (asynchronously, as GPU
 * readback is): `encodeCheckpoint` reads tensors synchronously. Arrays and plain objects are walked;
 * CPU tensors and everything else are kept as they are. `saveCheckpoint` calls it.
 */
export async function checkpointToHost<T>(state: T): Promise<T> {
  const seen = new Set<object>();
  const walk = async (v: unknown): Promise<unknown> => {
    if (v instanceof Tensor) return v.device === 'webgpu' ? await v.toAsync('cpu') : v;
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || seen.has(v)) return v; // a cycle: encodeCheckpoint names it
    seen.add(v);
    try {
      if (Array.isArray(v)) return await Promise.all(v.map(walk));
      if (v instanceof Map) return new Map(await Promise.all([...v.entries()].map(async ([k, e]) => [k, await walk(e)] as const)));
      // the same own enumerable keys encodeCheckpoint stores (defineProperty: a '__proto__' key stays a key)
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v as Record<string, unknown>))
        Object.defineProperty(out, k, { value: await walk(e), enumerable: true, writable: true, configurable: true });
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return (await walk(state)) as T;
}

/** Snapshot the state of the given objects (plus epoch/step/extra) into a `CheckpointState`. */
export function captureCheckpoint(
  targets: CheckpointTargets,
  counters: { epoch?: number; step?: number; extra?: unknown } = {},
): CheckpointState {
  const rng: Record<string, RngState> = { default: defaultRng().getState() };
  for (const [k, r] of Object.entries(targets.rngs ?? {})) rng[k] = r.getState();
  return {
    model: targets.model?.stateDict(),
    optimizer: targets.optimizer?.stateDict(),
    scheduler: targets.scheduler?.stateDict(),
    data: targets.data?.stateDict(),
    rng,
    epoch: counters.epoch,
    step: counters.step,
    extra: counters.extra,
  };
}

/**
 * Load a decoded checkpoint into the given objects (model, optimizer, scheduler, data loader, RNGs).
 * Throws `StateError`-style errors from the objects' own `loadStateDict` when shapes or keys differ.
 */
export function restoreCheckpoint(ckpt: CheckpointState, targets: CheckpointTargets): void {
  const need = (what: keyof CheckpointState, name: string): void => {
    if (ckpt[what] === undefined || ckpt[what] === null)
      throw new ValueError(`restoreCheckpoint: the checkpoint holds no ${name} state`, 'E_CKPT_MISSING');
  };
  if (targets.model) {
    need('model', 'model');
    targets.model.loadStateDict(ckpt.model as never);
  }
  if (targets.optimizer) {
    need('optimizer', 'optimizer');
    targets.optimizer.loadStateDict(ckpt.optimizer as never);
  }
  if (targets.scheduler) {
    need('scheduler', 'scheduler');
    targets.scheduler.loadStateDict(ckpt.scheduler as never);
  }
  if (targets.data) {
    need('data', 'data loader');
    targets.data.loadStateDict(ckpt.data as never);
  }
  if (ckpt.rng?.default) defaultRng().setState(ckpt.rng.default);
  for (const [k, r] of Object.entries(targets.rngs ?? {})) {
    const s = ckpt.rng?.[k];
    if (!s) throw new ValueError(`restoreCheckpoint: the checkpoint holds no RNG state named '${k}'`, 'E_CKPT_MISSING');
    r.setState(s);
  }
}
