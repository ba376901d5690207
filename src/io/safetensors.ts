/**
 * safetensors, byte level (works in Node and the browser). The format: 8 bytes little-endian header
 * length N, N bytes of UTF-8 JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, …,
 * "__metadata__": { string: string } }`, then the raw little-endian tensor bytes; offsets are relative
 * to the start of the data section, and the tensors tile it exactly (no gaps, no overlap, no trailing
 * bytes).
 *
 * Decoding treats the file as hostile: every check (sizes, UTF-8, JSON with duplicate-key detection,
 * dtypes, shapes, offsets, tiling, metadata) runs on the header before any tensor is allocated, and every
 * failure is a `FormatError` with a stable `E_SAFETENSORS_*` code and the byte offset of the problem.
 */
import { FormatError, ValueError, DTypeError } from '../core/errors.js';
import type { DType, TypedArray } from '../core/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { keyOffset, parseStrictJson, utf8Offset, type JsonObject, type JsonValue } from './json.js';
import { decodeBF16, decodeF16 } from './half.js';
import { refusePickle } from './pickle.js';
import { checkOptionKeys } from '../core/options.js';

/** safetensors dtype codes understood on load. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_INFO: Record<SafetensorsDType, { size: number; to: DType }> = {
  F64: { size: 8, to: 'float64' },
  F32: { size: 4, to: 'float32' },
  F16: { size: 2, to: 'float32' },
  BF16: { size: 2, to: 'float32' },
  I64: { size: 8, to: 'int32' },
  I32: { size: 4, to: 'int32' },
  I16: { size: 2, to: 'int32' },
  I8: { size: 1, to: 'int32' },
  U8: { size: 1, to: 'int32' },
  BOOL: { size: 1, to: 'bool' },
};

/** Largest header accepted (bytes), as in the reference implementation. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** A state dict: parameter/buffer name → tensor (PyTorch names and layouts). */
export type StateDict = Record<string, Tensor>;

export interface SafetensorsHeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Absolute byte range of the data in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  tensors: SafetensorsHeaderEntry[];
  metadata: Record<string, string> | null;
  /** Byte offset where the data section starts (8 + header length). */
  dataStart: number;
}

export interface DecodeOptions {
  /** File name used in error messages. */
  file?: string;
}

export interface DecodedSafetensors {
  /** Tensors by name (an object without a prototype: names like `__proto__` are plain keys). */
  tensors: StateDict;
  /** The `__metadata__` map, or `{}` when absent. */
  metadata: Record<string, string>;
}

const isSafeCount = (v: JsonValue): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 53;

/**
 * Parse and validate the header only (no tensor data is read or allocated). Throws `FormatError`.
 * `fileSize` is the total number of bytes in the file.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, opts: DecodeOptions = {}): SafetensorsHeader {
  checkOptionKeys('parseSafetensorsHeader', opts, { file: true });
  const file = opts.file;
  const loc = (offset: number) => (file !== undefined ? { file, offset } : { offset });
  const err = (code: string, msg: string, offset: number): never => {
    throw new FormatError(`safetensors: ${msg}`, `E_SAFETENSORS_${code}`, loc(offset));
  };
  refusePickle(bytes, file);
  if (bytes.length < 8) err('TRUNCATED', `file is ${bytes.length} bytes, shorter than the 8-byte header length`, 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (n > SAFETENSORS_MAX_HEADER) err('HEADER_TOO_LARGE', `header length ${n} exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit`, 0);
  if (8 + n > bytes.length) err('HEADER_TOO_LARGE', `header length ${n} runs past the end of the ${bytes.length}-byte file`, 0);
  if (n < 2) err('HEADER_INVALID', `header length ${n} is too small to hold a JSON object`, 0);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return err('UTF8', 'header is not valid UTF-8', 8);
  }
  const root = parseStrictJson(text, { base: 8, maxDepth: 8, code: 'E_SAFETENSORS_JSON', what: 'safetensors header' });
  if (!(root instanceof Map)) return err('HEADER_NOT_OBJECT', 'header must be a JSON object', 8);
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const tensors: SafetensorsHeaderEntry[] = [];
  for (const [name, v] of (root as JsonObject).entries()) {
    // the entry's byte offset, for error locations only: computed when an error is reported, so
    // parsing stays linear in the header size (once per entry would be quadratic)
    const at = (): number => {
      const ki = keyOffset(root as JsonObject, name);
      return ki === undefined ? 8 : 8 + utf8Offset(text, ki);
    };
    if (name === '__metadata__') {
      if (!(v instanceof Map)) err('METADATA', '__metadata__ must be an object mapping strings to strings', at());
      metadata = Object.create(null) as Record<string, string>;
      for (const [k, s] of (v as JsonObject).entries()) {
        if (typeof s !== 'string') err('METADATA', `__metadata__[${JSON.stringify(k)}] must be a string, got ${JSON.stringify(s)}`, at());
        metadata[k] = s as string;
      }
      continue;
    }
    if (!(v instanceof Map)) err('ENTRY', `entry ${JSON.stringify(name)} must be an object {dtype, shape, data_offsets}`, at());
    const e = v as JsonObject;
    for (const k of e.keys())
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets')
        err('ENTRY', `entry ${JSON.stringify(name)} has an unknown field ${JSON.stringify(k)}`, at());
    const dt = e.get('dtype');
    if (typeof dt !== 'string' || !Object.prototype.hasOwnProperty.call(DTYPE_INFO, dt))
      err(
        'DTYPE',
        `tensor ${JSON.stringify(name)} has unsupported dtype ${JSON.stringify(dt ?? null)}; supported: ${Object.keys(DTYPE_INFO).join(', ')}`,
        at(),
      );
    const shape = e.get('shape');
    if (!Array.isArray(shape)) return err('SHAPE', `tensor ${JSON.stringify(name)}: shape must be an array of integers`, at());
    if (shape.length > 32) err('SHAPE', `tensor ${JSON.stringify(name)}: ${shape.length} dimensions (at most 32)`, at());
    let numel = 1;
    for (const d of shape) {
      if (!isSafeCount(d))
        err('SHAPE', `tensor ${JSON.stringify(name)}: shape ${JSON.stringify(shape)} must hold integers in [0, 2^53)`, at());
      numel *= d as number;
    }
    const offs = e.get('data_offsets');
    if (!Array.isArray(offs) || offs.length !== 2 || !isSafeCount(offs[0]!) || !isSafeCount(offs[1]!))
      return err(
        'OFFSETS',
        `tensor ${JSON.stringify(name)}: data_offsets must be two integers in [0, 2^53), got ${JSON.stringify(offs ?? null)}`,
        at(),
      );
    const [b, en] = offs as [number, number];
    if (b > en) err('OFFSETS', `tensor ${JSON.stringify(name)}: data_offsets [${b},${en}] are reversed`, at());
    if (en > dataLen)
      err('OUT_OF_BOUNDS', `tensor ${JSON.stringify(name)}: data_offsets [${b},${en}] run past the ${dataLen}-byte data section`, at());
    const size = DTYPE_INFO[dt as SafetensorsDType].size;
    // numel may be huge (or overflow precision); compare against the byte range first.
    if (!Number.isSafeInteger(numel) || numel * size !== en - b)
      err(
        'SIZE_MISMATCH',
        `tensor ${JSON.stringify(name)}: shape ${JSON.stringify(shape)} × ${dt} (${size} bytes) needs ${numel * size} bytes but data_offsets [${b},${en}] hold ${en - b}`,
        at(),
      );
    tensors.push({ name, dtype: dt as SafetensorsDType, shape: shape as number[], begin: dataStart + b, end: dataStart + en });
  }
  // Tiling: sorted by begin, each starts where the previous ended; the last ends at the end of the file.
  const sorted = tensors.slice().sort((x, y) => x.begin - y.begin || x.end - y.end);
  let pos = dataStart;
  for (const t of sorted) {
    if (t.begin < pos)
      err(
        'OVERLAP',
        `tensor ${JSON.stringify(t.name)} (bytes ${t.begin - dataStart}..${t.end - dataStart}) overlaps the previous tensor`,
        t.begin,
      );
    if (t.begin > pos) err('GAP', `${t.begin - pos} unused bytes before tensor ${JSON.stringify(t.name)}`, pos);
    pos = t.end;
  }
  if (pos !== bytes.length) err('TRAILING_BYTES', `${bytes.length - pos} bytes after the last tensor`, pos);
  return { tensors, metadata, dataStart };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readEntry(bytes: Uint8Array, t: SafetensorsHeaderEntry, file: string | undefined): TypedArray {
  const info = DTYPE_INFO[t.dtype];
  const n = (t.end - t.begin) / info.size;
  const dv = new DataView(bytes.buffer, bytes.byteOffset + t.begin, t.end - t.begin);
  switch (t.dtype) {
    case 'F32':
    case 'F64':
    case 'I32': {
      const Ctor = t.dtype === 'F32' ? Float32Array : t.dtype === 'F64' ? Float64Array : Int32Array;
      if (LITTLE_ENDIAN) return new Ctor(bytes.slice(t.begin, t.end).buffer);
      const out = new Ctor(n);
      for (let i = 0; i < n; i++)
        out[i] = t.dtype === 'F32' ? dv.getFloat32(i * 4, true) : t.dtype === 'F64' ? dv.getFloat64(i * 8, true) : dv.getInt32(i * 4, true);
      return out;
    }
    case 'F16':
      return decodeF16(bytes.subarray(t.begin, t.end), n);
    case 'BF16':
      return decodeBF16(bytes.subarray(t.begin, t.end), n);
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n)
          throw new FormatError(
            `safetensors: tensor ${JSON.stringify(t.name)} (I64) holds ${v} at element ${i}, outside the int32 range backprop stores integers in`,
            'E_SAFETENSORS_INT64_RANGE',
            { ...(file !== undefined ? { file } : {}), offset: t.begin + i * 8 },
          );
        out[i] = Number(v);
      }
      return out;
    }
    case 'I16': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true);
      return out;
    }
    case 'I8':
    case 'U8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = t.dtype === 'I8' ? dv.getInt8(i) : dv.getUint8(i);
      return out;
    }
    case 'BOOL': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getUint8(i);
        if (v > 1)
          throw new FormatError(
            `safetensors: tensor ${JSON.stringify(t.name)} (BOOL) holds byte ${v} at element ${i}; booleans are 0 or 1`,
            'E_SAFETENSORS_BOOL',
            {
              ...(file !== undefined ? { file } : {}),
              offset: t.begin + i,
            },
          );
        out[i] = v;
      }
      return out;
    }
  }
}

/**
 * Decode a safetensors file from bytes. F16/BF16 become float32, I64/I32/I16/I8/U8 become int32 (I64
 * values outside the int32 range are an error, `E_SAFETENSORS_INT64_RANGE`), BOOL becomes bool.
 * Throws `FormatError` (`E_SAFETENSORS_*`, or `E_PICKLE_REFUSED` for a pickle checkpoint).
 *
 * @example const { tensors, metadata } = decodeSafetensors(bytes); model.loadStateDict(tensors);
 */
export function decodeSafetensors(data: Uint8Array | ArrayBuffer, opts: DecodeOptions = {}): DecodedSafetensors {
  checkOptionKeys('decodeSafetensors', opts, { file: true });
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const header = parseSafetensorsHeader(bytes, opts);
  const tensors = Object.create(null) as StateDict;
  for (const t of header.tensors) {
    const arr = readEntry(bytes, t, opts.file);
    tensors[t.name] = new Tensor(arr, t.shape.slice(), DTYPE_INFO[t.dtype].to);
  }
  const metadata = header.metadata ?? (Object.create(null) as Record<string, string>);
  return { tensors, metadata };
}

export interface EncodeOptions {
  /** String → string metadata stored under `__metadata__` (e.g. `{ format: 'pt' }`). */
  metadata?: Record<string, string>;
  /**
   * How int32 tensors are written: `'I32'` (default) or `'I64'` (PyTorch's default integer type, e.g.
   * BatchNorm's `num_batches_tracked` and embedding indices).
   */
  intDType?: 'I32' | 'I64';
}

const OUT_CODE: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

/**
 * Encode a state dict as safetensors bytes. Tensors are written contiguously in name order (sorted,
 * like the reference implementation) with the header padded by spaces to a multiple of 8 bytes.
 *
 * @example const bytes = encodeSafetensors(model.stateDict(), { metadata: { format: 'pt' } });
 */
export function encodeSafetensors(stateDict: Readonly<Record<string, Tensor>>, opts: EncodeOptions = {}): Uint8Array {
  checkOptionKeys('encodeSafetensors', opts, { metadata: true, intDType: true });
  if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict) || stateDict instanceof Tensor)
    throw new ValueError(
      `encodeSafetensors: expected a state dict (an object of name → Tensor, e.g. model.stateDict()), got ${stateDict === null ? 'null' : Array.isArray(stateDict) ? 'an array' : stateDict instanceof Tensor ? 'a Tensor' : typeof stateDict}`,
    );
  const intCode = opts.intDType ?? 'I32';
  if (intCode !== 'I32' && intCode !== 'I64')
    throw new ValueError(`encodeSafetensors: intDType must be 'I32' or 'I64', got ${JSON.stringify(intCode)}`);
  const names = Object.keys(stateDict).sort();
  if (names.includes('__metadata__')) throw new ValueError("encodeSafetensors: '__metadata__' is reserved and cannot name a tensor");
  // Build the header as a JSON string by hand so names like `__proto__` are written as ordinary keys.
  const parts: string[] = [];
  const payloads: { arr: TypedArray; code: SafetensorsDType }[] = [];
  let off = 0;
  for (const name of names) {
    const t = stateDict[name];
    if (!(t instanceof Tensor)) throw new ValueError(`encodeSafetensors: state dict entry ${JSON.stringify(name)} is not a Tensor`);
    const code = t.dtype === 'int32' ? intCode : OUT_CODE[t.dtype];
    if (code === undefined) throw new DTypeError(`encodeSafetensors: tensor ${JSON.stringify(name)} has unsupported dtype ${t.dtype}`);
    const arr = t.dataSync();
    const size = DTYPE_INFO[code].size * arr.length;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${code}","shape":${JSON.stringify(t.shape)},"data_offsets":[${off},${off + size}]}`);
    payloads.push({ arr, code });
    off += size;
  }
  if (opts.metadata !== undefined) {
    const m: string[] = [];
    for (const k of Object.keys(opts.metadata)) {
      const v = opts.metadata[k];
      if (typeof v !== 'string')
        throw new ValueError(`encodeSafetensors: metadata[${JSON.stringify(k)}] must be a string, got ${typeof v}`);
      m.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    parts.unshift(`"__metadata__":{${m.join(',')}}`);
  }
  let header = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded !== header.length) {
    const h = new Uint8Array(padded).fill(0x20);
    h.set(header);
    header = h;
  }
  const out = new Uint8Array(8 + header.length + off);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, header.length % 2 ** 32, true);
  dv.setUint32(4, Math.floor(header.length / 2 ** 32), true);
  out.set(header, 8);
  let p = 8 + header.length;
  for (const { arr, code } of payloads) {
    const n = arr.length;
    if (code === 'I64') {
      for (let i = 0; i < n; i++) dv.setBigInt64(p + i * 8, BigInt(arr[i]!), true);
    } else if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), p);
    } else {
      for (let i = 0; i < n; i++) {
        if (code === 'F32') dv.setFloat32(p + i * 4, arr[i]!, true);
        else if (code === 'F64') dv.setFloat64(p + i * 8, arr[i]!, true);
        else if (code === 'I32') dv.setInt32(p + i * 4, arr[i]!, true);
        else dv.setUint8(p + i, arr[i]!);
      }
    }
    p += DTYPE_INFO[code].size * n;
  }
  return out;
}
