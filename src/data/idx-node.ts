/**
 * IDX / IDX.gz files (Node): gzip is recognised by its magic bytes (1f 8b), not the file name, and
 * decompressed by node:zlib with an output cap, so a gzip bomb stops at `maxBytes`.
 */
import { FormatError } from '../core/errors.js';
import { IDX_MAX_BYTES, idxImageDataset, parseIdx, type IdxArray, type IdxOptions, type ImageLabelOptions } from './idx.js';
import type { TensorDataset } from './dataset.js';
import { nodeFs, nodeZlib } from './node.js';
import { checkOptionKeys } from '../core/options.js';

/** Read bytes from a file, gunzipping (with a cap) when they start with the gzip magic. */
export async function readMaybeGzip(path: string, opts: { maxBytes?: number; kind?: string } = {}): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? IDX_MAX_BYTES;
  const kind = opts.kind ?? 'IDX';
  const fs = await nodeFs();
  let stat;
  try {
    stat = await fs.promises.stat(path);
  } catch {
    throw new FormatError(`${kind}: cannot read ${JSON.stringify(path)} (no such file or no permission)`, `E_${kind}_NOT_FOUND`, {
      file: path,
    });
  }
  if (!stat.isFile())
    throw new FormatError(`${kind}: ${JSON.stringify(path)} is not a regular file`, `E_${kind}_NOT_FOUND`, { file: path });
  if (stat.size > maxBytes + 64)
    throw new FormatError(`${kind}: the file has ${stat.size} bytes, more than maxBytes ${maxBytes}`, `E_${kind}_SIZE`, {
      file: path,
      offset: 0,
    });
  const raw = await fs.promises.readFile(path);
  return gunzipCapped(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), { maxBytes, kind, file: path });
}

/**
 * Return `bytes` unchanged unless they start with the gzip magic (1f 8b); then gunzip them with
 * node:zlib, stopping at `maxBytes` of output (FormatError `E_<KIND>_GZIP_TOO_LARGE`); corrupt gzip
 * data is `E_<KIND>_GZIP`.
 */
export async function gunzipCapped(bytes: Uint8Array, opts: { maxBytes?: number; kind?: string; file?: string } = {}): Promise<Uint8Array> {
  checkOptionKeys('gunzipCapped', opts, { maxBytes: true, kind: true, file: true });
  const maxBytes = opts.maxBytes ?? IDX_MAX_BYTES;
  const kind = opts.kind ?? 'IDX';
  const loc = opts.file === undefined ? { offset: 0 } : { file: opts.file, offset: 0 };
  if (!(bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)) return bytes;
  const zlib = await nodeZlib();
  const tooLarge = () =>
    new FormatError(
      `${kind}: gzip data decompresses past maxBytes ${maxBytes} (a gzip bomb, or raise maxBytes)`,
      `E_${kind}_GZIP_TOO_LARGE`,
      loc,
    );
  // fail fast on the size the IDX header claims: inflate only the first compressed bytes (at most
  // ~4 MB of output), read the header, and refuse a claim over maxBytes before inflating the rest;
  // then inflate with the claimed size as the output cap, so a bomb stops there
  let cap = maxBytes + 64;
  if (kind === 'IDX') {
    let head: Buffer | null;
    try {
      head = zlib.gunzipSync(bytes.subarray(0, 4096), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 8 << 20 });
    } catch {
      head = null; // corrupt or unusual: the full inflate below reports it
    }
    const claimed = head ? idxClaimedBytes(head) : null;
    if (claimed !== null) {
      if (claimed > maxBytes)
        throw new FormatError(
          `${kind}: the header claims ${claimed} bytes of data, more than maxBytes ${maxBytes} (checked before decompressing; raise maxBytes)`,
          `E_${kind}_GZIP_TOO_LARGE`,
          loc,
        );
      cap = claimed + 1; // one byte more, so parseIdx can report trailing data
    }
  }
  let out: Buffer;
  try {
    out = await new Promise<Buffer>((resolve, reject) =>
      zlib.gunzip(bytes, { maxOutputLength: cap }, (e, r) => (e ? reject(e) : resolve(r))),
    );
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      if (cap <= maxBytes)
        throw new FormatError(`${kind}: gzip data decompresses past the ${cap - 1} bytes its header claims`, `E_${kind}_DATA_LONG`, loc);
      throw tooLarge();
    }
    throw new FormatError(`${kind}: corrupt gzip data (${(e as Error).message})`, `E_${kind}_GZIP`, loc);
  }
  if (out.length > maxBytes) throw tooLarge();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Read an IDX or IDX.gz file.
 *
 * ```ts
 * const { shape, data } = await loadIdx('train-images-idx3-ubyte.gz'); // shape [60000, 28, 28]
 * ```
 */
export async function loadIdx(path: string, opts: IdxOptions = {}): Promise<IdxArray> {
  checkOptionKeys('loadIdx', opts, { file: true, maxBytes: true });
  const bytes = await readMaybeGzip(path, { maxBytes: opts.maxBytes });
  return parseIdx(bytes, { ...opts, file: opts.file ?? path });
}

/**
 * An image/label IDX pair (MNIST layout) as a TensorDataset: images float32 [N, 1, H, W] in [0, 1]
 * (or [N, H·W] with `flat`), labels int32 [N].
 */
export async function loadIdxDataset(
  imagesPath: string,
  labelsPath: string,
  opts: ImageLabelOptions & { maxBytes?: number } = {},
): Promise<TensorDataset> {
  checkOptionKeys('loadIdxDataset', opts, { numClasses: true, flat: true, imagesFile: true, labelsFile: true, maxBytes: true });
  const [images, labels] = await Promise.all([
    loadIdx(imagesPath, { maxBytes: opts.maxBytes }),
    loadIdx(labelsPath, { maxBytes: opts.maxBytes }),
  ]);
  return idxImageDataset(images, labels, { ...opts, imagesFile: imagesPath, labelsFile: labelsPath });
}

const IDX_TYPE_SIZE: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** Total file size an IDX header claims (header + data), or null when `head` is not a complete IDX header. */
function idxClaimedBytes(head: Uint8Array): number | null {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0) return null;
  const size = IDX_TYPE_SIZE[head[2]!];
  const ndim = head[3]!;
  if (size === undefined || ndim === 0 || head.length < 4 + 4 * ndim) return null;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let n = size;
  for (let d = 0; d < ndim; d++) n *= dv.getUint32(4 + 4 * d);
  return 4 + 4 * ndim + n;
}
