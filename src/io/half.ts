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
