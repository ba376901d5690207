/**
 * Image decoding for the data loaders: file type by magic bytes (PNG `89 50 4E 47 0D 0A 1A 0A`,
 * JPEG `FF D8 FF`), dimensions read from the header (PNG IHDR, JPEG SOFn) and checked against a
 * pixel cap *before* decoding, then pngjs / jpeg-js decode. Decoder failures become
 * `FormatError('E_IMG_DECODE')`. The decoders are imported lazily (pngjs needs Node's zlib).
 */
import { FormatError, type Location } from '../core/errors.js';
import type { RawImage } from './transforms.js';
import { checkOptionKeys } from '../core/options.js';

/** The image formats backprop decodes: PNG and baseline/progressive JPEG. */
export type ImageKind = 'png' | 'jpeg';

/** What `readImageHeader` reads without decoding the pixels: format, size and stored channels. */
export interface ImageHeader {
  kind: ImageKind;
  width: number;
  height: number;
  /** Channels stored in the file: 1 (gray), 2 (gray+alpha), 3 (RGB), 4 (RGBA). */
  channels: number;
}

/** Default pixel cap per image: 4096 × 4096. */
export const MAX_IMAGE_PIXELS = 4096 * 4096;
/**
 * Longest side `decodeImage` accepts: 32,768 pixels (the pixel cap alone lets a 1 × 16,777,216 PNG
 * through, whose per-row decoding costs seconds and hundreds of MB). Checked from the header.
 */
export const MAX_IMAGE_SIDE = 32768;

function fe(code: `E_${string}`, msg: string, file: string | undefined, offset?: number): FormatError {
  const l: Location = {};
  if (file !== undefined) l.file = file;
  if (offset !== undefined) l.offset = offset;
  return new FormatError(`image: ${msg}`, code, l);
}

/** The image type from the first bytes, or null. */
export function sniffImage(b: Uint8Array): ImageKind | null {
  if (
    b.length >= 8 &&
    b[0] === 0x89 &&
    b[1] === 0x50 &&
    b[2] === 0x4e &&
    b[3] === 0x47 &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  )
    return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  return null;
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** Read width, height and channels from a PNG or JPEG header without decoding pixels. */
export function readImageHeader(b: Uint8Array, file?: string): ImageHeader {
  const kind = sniffImage(b);
  if (kind === 'png') {
    if (b.length < 33) throw fe('E_IMG_DECODE', 'PNG ends inside its IHDR header', file, b.length);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const type = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!);
    if (type !== 'IHDR' || dv.getUint32(8) !== 13) throw fe('E_IMG_DECODE', 'PNG does not start with a valid IHDR chunk', file, 8);
    const width = dv.getUint32(16);
    const height = dv.getUint32(20);
    const colorType = b[25]!;
    const channels = PNG_CHANNELS[colorType];
    if (channels === undefined) throw fe('E_IMG_DECODE', `PNG has an invalid color type ${colorType}`, file, 25);
    if (width === 0 || height === 0) throw fe('E_IMG_DECODE', `PNG has zero size ${width}×${height}`, file, 16);
    return { kind, width, height, channels };
  }
  if (kind === 'jpeg') {
    let i = 2;
    while (i < b.length) {
      if (b[i] !== 0xff) throw fe('E_IMG_DECODE', `JPEG marker expected at byte ${i}`, file, i);
      while (i < b.length && b[i] === 0xff) i++; // fill bytes
      if (i >= b.length) break;
      const m = b[i]!;
      i++;
      if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue; // no length
      if (m === 0xd9 || m === 0xda) break; // end of image / start of scan before a frame header
      if (i + 2 > b.length) break;
      const len = (b[i]! << 8) | b[i + 1]!;
      if (len < 2) throw fe('E_IMG_DECODE', `JPEG segment with length ${len}`, file, i);
      const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
      if (isSof) {
        if (i + 8 > b.length) break;
        const height = (b[i + 3]! << 8) | b[i + 4]!;
        const width = (b[i + 5]! << 8) | b[i + 6]!;
        const channels = b[i + 7]!;
        if (width === 0 || height === 0) throw fe('E_IMG_DECODE', `JPEG has zero size ${width}×${height}`, file, i + 3);
        if (![1, 3, 4].includes(channels)) throw fe('E_IMG_DECODE', `JPEG has ${channels} components`, file, i + 7);
        return { kind, width, height, channels };
      }
      i += len;
    }
    throw fe('E_IMG_DECODE', 'JPEG has no frame header (SOF) before its image data or end', file, Math.min(i, b.length));
  }
  throw fe('E_IMG_UNKNOWN_TYPE', 'not a PNG or JPEG (by magic bytes)', file, 0);
}

/** Options of `decodeImage`; unknown keys throw a `ValueError`. */
export interface DecodeOptions {
  /** Largest width × height (default 4096 × 4096). Checked from the header, before decoding. */
  maxPixels?: number;
  /** File name for error locations. */
  file?: string;
}

/**
 * Decode PNG or JPEG bytes to 8-bit pixels (HWC). Output channels: 1 for gray files, 3 for color
 * (alpha is dropped). Throws FormatError `E_IMG_UNKNOWN_TYPE`, `E_IMG_TOO_LARGE`, `E_IMG_DECODE`.
 */
export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<RawImage & { header: ImageHeader }> {
  checkOptionKeys('decodeImage', opts, { maxPixels: true, file: true });
  const { file } = opts;
  const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  const header = readImageHeader(bytes, file);
  if (header.width * header.height > maxPixels)
    throw fe(
      'E_IMG_TOO_LARGE',
      `${header.width}×${header.height} pixels exceed maxPixels ${maxPixels} (checked before decoding)`,
      file,
      header.kind === 'png' ? 16 : undefined,
    );
  if (header.width > MAX_IMAGE_SIDE || header.height > MAX_IMAGE_SIDE)
    throw fe(
      'E_IMG_TOO_LARGE',
      `${header.width}×${header.height}: a side longer than ${MAX_IMAGE_SIDE} pixels (checked before decoding)`,
      file,
      header.kind === 'png' ? 16 : undefined,
    );
  if (header.kind === 'png') await checkPngData(bytes, file);
  let rgba: Uint8Array;
  let w: number;
  let h: number;
  try {
    if (header.kind === 'png') {
      const pngMod = (await import('pngjs')) as typeof import('pngjs') & { default?: typeof import('pngjs') };
      const PNG = pngMod.PNG ?? pngMod.default!.PNG;
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { checkCRC: true });
      rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
      [w, h] = [png.width, png.height];
    } else {
      const jpeg = await import('jpeg-js');
      const decode = (jpeg.default?.decode ?? (jpeg as unknown as { decode: typeof jpeg.decode }).decode) as typeof jpeg.decode;
      const img = decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        maxResolutionInMP: Math.max(1, Math.ceil(maxPixels / 1e6)),
        maxMemoryUsageInMB: Math.max(64, Math.ceil((maxPixels * 8) / (1 << 20))),
      });
      rgba = img.data;
      [w, h] = [img.width, img.height];
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw fe('E_IMG_DECODE', `cannot decode ${header.kind.toUpperCase()}: ${(e as Error)?.message ?? String(e)}`, file);
  }
  if (w !== header.width || h !== header.height || rgba.length !== w * h * 4)
    throw fe('E_IMG_DECODE', `decoded size ${w}×${h} does not match the header ${header.width}×${header.height}`, file);
  const gray = header.channels <= 2;
  const c = gray ? 1 : 3;
  const out = new Uint8Array(w * h * c);
  for (let p = 0; p < w * h; p++) {
    if (gray) out[p] = rgba[p * 4]!;
    else {
      out[p * 3] = rgba[p * 4]!;
      out[p * 3 + 1] = rgba[p * 4 + 1]!;
      out[p * 3 + 2] = rgba[p * 4 + 2]!;
    }
  }
  return { data: out, width: w, height: h, channels: c, header };
}

const PNG_SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
// Adam7 passes: x start, y start, x step, y step
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The exact inflated size of a PNG's image data: filter byte + packed samples per (pass) row. */
function pngDataBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (Math.ceil((w * bitsPerPixel) / 8) + 1) : 0);
  if (!interlaced) return rows(width, height);
  let n = 0;
  for (const [x0, y0, dx, dy] of ADAM7) n += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  return n;
}

/**
 * Inflate the IDAT data with an output cap of exactly the size the header implies, before pngjs
 * decodes: pngjs inflates interlaced (Adam7) images without a limit (a tiny file could expand to
 * gigabytes), and it silently zero-fills image data that ends early (a truncated file decoded as
 * if it were whole). Too much data, too little, or a corrupt zlib stream is `E_IMG_DECODE`.
 */
async function checkPngData(b: Uint8Array, file: string | undefined): Promise<void> {
  if (b.length < 29) return; // readImageHeader has checked the IHDR
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  const interlaced = b[28] === 1;
  const expected = pngDataBytes(width, height, (PNG_SAMPLES[b[25]!] ?? 4) * b[24]!, interlaced);
  const parts: Uint8Array[] = [];
  let i = 8;
  while (i + 8 <= b.length) {
    const len = dv.getUint32(i);
    const type = String.fromCharCode(b[i + 4]!, b[i + 5]!, b[i + 6]!, b[i + 7]!);
    if (i + 12 + len > b.length) return; // malformed: pngjs reports it
    if (type === 'IDAT') parts.push(b.subarray(i + 8, i + 8 + len));
    if (type === 'IEND') break;
    i += 12 + len;
  }
  if (parts.length === 0) throw fe('E_IMG_DECODE', 'PNG has no image data (IDAT)', file);
  const total = parts.reduce((a, p) => a + p.length, 0);
  const data = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  const { nodeZlib } = await import('./node.js');
  const zlib = await nodeZlib();
  let got: number;
  try {
    got = zlib.inflateSync(data, { maxOutputLength: Math.max(1, expected) }).length;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw fe(
        'E_IMG_DECODE',
        `PNG image data inflates past the ${expected} bytes its ${width}×${height}${interlaced ? ' interlaced' : ''} header allows${interlaced ? ' (a decompression bomb)' : ''}`,
        file,
      );
    throw fe('E_IMG_DECODE', `PNG image data is corrupt or truncated (zlib: ${(e as Error).message})`, file);
  }
  if (got < expected)
    throw fe(
      'E_IMG_DECODE',
      `PNG image data ends early: ${got} of the ${expected} bytes a ${width}×${height} image needs (truncated file?)`,
      file,
    );
}

/** RGB → gray with ITU-R BT.601 luma (as PIL's convert('L')): Y = 0.299 R + 0.587 G + 0.114 B. */
export function toGray(img: RawImage): RawImage {
  if (img.channels === 1) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const c = img.channels;
  for (let p = 0; p < n; p++) out[p] = Math.round(0.299 * img.data[p * c]! + 0.587 * img.data[p * c + 1]! + 0.114 * img.data[p * c + 2]!);
  return { data: out, width: img.width, height: img.height, channels: 1 };
}

/** Gray → RGB by repeating the channel. */
export function toRgb(img: RawImage): RawImage {
  if (img.channels === 3) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = img.data[p * img.channels]!;
  return { data: out, width: img.width, height: img.height, channels: 3 };
}
