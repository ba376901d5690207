/**
 * 16-bit floating-point decoding shared by the safetensors and ONNX readers (both store F16 / BF16 as
 * little-endian uint16 bit patterns; backprop widens them to float32 on load).
 */

/** IEEE 754 binary16 bits → number (subnormals, ±Infinity and NaN included). */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** bfloat16 bits → number: the upper half of a float32, so the value is exact. */
export function bf16ToF32(h: number): number {
  scratchU32[0] = (h & 0xffff) << 16;
  return scratchF32[0]!;
}

let f16Table: Float32Array | null = null;
/** All 65,536 binary16 values as float32 (exact: every half is a float32), built on first use (256 KiB). */
function f16Lut(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32(h);
  }
  return f16Table;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian uint16 bit patterns of `bytes` (a copy-free view when aligned on a little-endian host). */
function u16View(bytes: Uint8Array, n: number): Uint16Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return out;
}

/**
 * Decode `n` little-endian binary16 values from `bytes` into float32 through a 65,536-entry table —
 * the same values as `f16ToF32` bit for bit (tested over every half), about 10× faster.
 */
export function decodeF16(bytes: Uint8Array, n: number): Float32Array {
  const lut = f16Lut();
  const src = u16View(bytes, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lut[src[i]!]!;
  return out;
}

/** Decode `n` little-endian bfloat16 values into float32: each is the upper half of a float32's bits. */
export function decodeBF16(bytes: Uint8Array, n: number): Float32Array {
  const src = u16View(bytes, n);
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) bits[i] = src[i]! << 16;
  return out;
}
