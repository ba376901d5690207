/**
 * The IDX format (MNIST, Fashion-MNIST; http://yann.lecun.com/exdb/mnist/): a 4-byte magic
 * `0x00 0x00 <type> <ndim>`, then `ndim` big-endian uint32 dimensions, then the values row-major,
 * big-endian. Types: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 *
 * Every check runs on the header before anything is allocated; a file whose data is one byte
 * short or long is rejected. Isomorphic (bytes in); `idx-node.ts` reads files and gunzips.
 */
import { FormatError, ValueError, type Location } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from './dataset.js';
import { checkOptionKeys } from '../core/options.js';

/** Element type stored in an IDX file (the MNIST file format), from its type byte. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

const TYPES: Record<number, [IdxDType, number]> = {
  0x08: ['uint8', 1],
  0x09: ['int8', 1],
  0x0b: ['int16', 2],
  0x0c: ['int32', 4],
  0x0d: ['float32', 4],
  0x0e: ['float64', 8],
};

/** A parsed IDX array. `data` is native-endian (a view of the input for 1-byte types). */
export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Options of `parseIdx`; unknown keys throw a `ValueError`. */
export interface IdxOptions {
  /** File name used in error locations. */
  file?: string;
  /** Largest data size in bytes (default 128 MiB: as float32 tensors that is 512 MiB). */
  maxBytes?: number;
}

/**
 * Default cap on IDX data (and on gunzipped output): 128 MiB — MNIST's largest file is 47 MB, and the
 * float32 tensors made from a file are 4× its size. Raise it with `{ maxBytes }`.
 */
export const IDX_MAX_BYTES = 1 << 27;

function err(code: `E_${string}`, msg: string, file: string | undefined, offset: number): FormatError {
  const l: Location = { offset };
  if (file !== undefined) l.file = file;
  return new FormatError(`IDX: ${msg}`, code, l);
}

/** Parse IDX bytes (not gzipped). Throws FormatError `E_IDX_*` with the byte offset of the problem. */
export function parseIdx(bytes: Uint8Array, opts: IdxOptions = {}): IdxArray {
  checkOptionKeys('parseIdx', opts, { file: true, maxBytes: true });
  const { file } = opts;
  const maxBytes = opts.maxBytes ?? IDX_MAX_BYTES;
  const b: unknown = bytes;
  if (!ArrayBuffer.isView(b) || (b as Uint8Array).BYTES_PER_ELEMENT !== 1)
    throw new ValueError(
      `parseIdx: expected the file's bytes as a Uint8Array, got ${b === null ? 'null' : b instanceof ArrayBuffer ? 'an ArrayBuffer; wrap it, new Uint8Array(buffer)' : typeof b}`,
    );
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)
    throw err('E_IDX_GZIPPED', 'the data is gzip-compressed; decompress it first (loadIdx does this for files)', file, 0);
  if (bytes.length < 4)
    throw err('E_IDX_TRUNCATED', `the file has ${bytes.length} bytes, shorter than the 4-byte magic number`, file, bytes.length);
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw err(
      'E_IDX_MAGIC',
      `bad magic number 0x${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')}; an IDX file starts with 0x0000`,
      file,
      0,
    );
  const t = TYPES[bytes[2]!];
  if (!t)
    throw err('E_IDX_DTYPE', `unknown type byte 0x${bytes[2]!.toString(16).padStart(2, '0')}; expected 08, 09, 0b, 0c, 0d or 0e`, file, 2);
  const ndim = bytes[3]!;
  if (ndim === 0 || ndim > 4) throw err('E_IDX_NDIM', `${ndim} dimensions; supported: 1 to 4`, file, 3);
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen)
    throw err(
      'E_IDX_TRUNCATED',
      `the header needs ${headerLen} bytes for ${ndim} dimensions but the file has ${bytes.length}`,
      file,
      bytes.length,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [dtype, size] = t;
  const shape: number[] = [];
  let numel = 1;
  for (let k = 0; k < ndim; k++) {
    const d = view.getUint32(4 + 4 * k, false);
    shape.push(d);
    numel *= d;
    if (numel * size > maxBytes)
      throw err(
        'E_IDX_SIZE',
        `dimensions [${shape.join(',')}${k < ndim - 1 ? ',…' : ''}] need more than maxBytes ${maxBytes} bytes of data`,
        file,
        4 + 4 * k,
      );
  }
  const expected = headerLen + numel * size;
  if (bytes.length < expected)
    throw err(
      'E_IDX_DATA_SHORT',
      `shape [${shape.join(',')}] ${dtype} needs ${expected} bytes but the file has ${bytes.length} (truncated)`,
      file,
      bytes.length,
    );
  if (bytes.length > expected)
    throw err(
      'E_IDX_DATA_LONG',
      `${bytes.length - expected} trailing bytes after the data of shape [${shape.join(',')}] ${dtype}`,
      file,
      expected,
    );
  const body = bytes.subarray(headerLen, expected);
  let data: IdxArray['data'];
  switch (dtype) {
    case 'uint8':
      data = body;
      break;
    case 'int8':
      data = new Int8Array(body.buffer, body.byteOffset, body.length);
      break;
    default: {
      const Ctor = dtype === 'int16' ? Int16Array : dtype === 'int32' ? Int32Array : dtype === 'float32' ? Float32Array : Float64Array;
      const out = new Ctor(numel);
      const dv = new DataView(body.buffer, body.byteOffset, body.length);
      for (let i = 0; i < numel; i++)
        out[i] =
          dtype === 'int16'
            ? dv.getInt16(i * 2, false)
            : dtype === 'int32'
              ? dv.getInt32(i * 4, false)
              : dtype === 'float32'
                ? dv.getFloat32(i * 4, false)
                : dv.getFloat64(i * 8, false);
      if (dtype === 'float32' || dtype === 'float64')
        for (let i = 0; i < numel; i++)
          if (!Number.isFinite(out[i]!)) {
            const size = dtype === 'float32' ? 4 : 8;
            throw err(
              'E_IDX_NON_FINITE',
              `element ${i} is ${out[i]}; float data must be finite numbers`,
              file,
              bytes.length - body.length + i * size,
            );
          }
      data = out;
    }
  }
  return { dtype, shape, data };
}

/** Encode an array as IDX bytes (big-endian), e.g. to write test files. */
export function encodeIdx(arr: IdxArray): Uint8Array {
  const entry = Object.entries(TYPES).find(([, [d]]) => d === arr.dtype)!;
  const code = Number(entry[0]);
  const size = entry[1][1];
  const n = arr.shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * arr.shape.length + n * size);
  const dv = new DataView(out.buffer);
  out[2] = code;
  out[3] = arr.shape.length;
  arr.shape.forEach((d, k) => dv.setUint32(4 + 4 * k, d, false));
  const base = 4 + 4 * arr.shape.length;
  for (let i = 0; i < n; i++) {
    const v = Number(arr.data[i]);
    if (arr.dtype === 'uint8') dv.setUint8(base + i, v);
    else if (arr.dtype === 'int8') dv.setInt8(base + i, v);
    else if (arr.dtype === 'int16') dv.setInt16(base + 2 * i, v, false);
    else if (arr.dtype === 'int32') dv.setInt32(base + 4 * i, v, false);
    else if (arr.dtype === 'float32') dv.setFloat32(base + 4 * i, v, false);
    else dv.setFloat64(base + 8 * i, v, false);
  }
  return out;
}

/** Options of `loadIdxImages`-style image + label readers; unknown keys throw a `ValueError`. */
export interface ImageLabelOptions {
  /** Labels must lie in 0..numClasses−1 (default 10). */
  numClasses?: number;
  /** Images as [N, H·W] instead of [N, 1, H, W] (default false). */
  flat?: boolean;
  imagesFile?: string;
  labelsFile?: string;
}

/**
 * Build a TensorDataset from an IDX image array (uint8 [N, H, W]) and label array (uint8 [N]):
 * images float32 [N, 1, H, W] (or [N, H·W] with `flat`) scaled to [0, 1], labels int32 [N].
 */
export function idxImageDataset(images: IdxArray, labels: IdxArray, opts: ImageLabelOptions = {}): TensorDataset {
  checkOptionKeys('idxImageDataset', opts, { numClasses: true, flat: true, imagesFile: true, labelsFile: true });
  const numClasses = opts.numClasses ?? 10;
  const fi = opts.imagesFile;
  const fl = opts.labelsFile;
  if (images.dtype !== 'uint8') throw err('E_IDX_DTYPE', `images must be uint8 (type 0x08), got ${images.dtype}`, fi, 2);
  if (images.shape.length !== 3) throw err('E_IDX_RANK', `images must have 3 dimensions [N, H, W], got [${images.shape.join(',')}]`, fi, 3);
  if (labels.dtype !== 'uint8') throw err('E_IDX_DTYPE', `labels must be uint8 (type 0x08), got ${labels.dtype}`, fl, 2);
  if (labels.shape.length !== 1) throw err('E_IDX_RANK', `labels must have 1 dimension [N], got [${labels.shape.join(',')}]`, fl, 3);
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) throw err('E_IDX_COUNT_MISMATCH', `${n} images but ${labels.shape[0]} labels`, fl, 4);
  if (n === 0 || h === 0 || w === 0) throw err('E_IDX_EMPTY', `no images (shape [${images.shape.join(',')}])`, fi, 4);
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i]!;
    if (v >= numClasses) throw err('E_IDX_LABEL_RANGE', `label ${v} at index ${i} is outside 0..${numClasses - 1}`, fl, 8 + i);
    lab[i] = v;
  }
  const px = images.data as Uint8Array;
  const x = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) x[i] = px[i]! / 255;
  const shape = opts.flat ? [n, h * w] : [n, 1, h, w];
  return new TensorDataset(new Tensor(x, shape, 'float32'), new Tensor(lab, [n], 'int32'));
}
