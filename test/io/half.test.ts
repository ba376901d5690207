import { describe, expect, it } from 'vitest';
import { bf16ToF32, decodeBF16, decodeF16, f16ToF32 } from '../../src/io/half.js';
import { emptyTensorProto, protoToTensor } from '../../src/io/onnx/tensors.js';
import { OnnxDataType } from '../../src/io/onnx/proto.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';

// bit patterns with their exact values (IEEE binary16 and bfloat16 tables)
const F16: [number, number][] = [
  [0x0000, 0],
  [0x3c00, 1],
  [0xc000, -2],
  [0x3555, 0.333251953125],
  [0x7bff, 65504], // largest normal
  [0x0400, 2 ** -14], // smallest normal
  [0x0001, 2 ** -24], // smallest subnormal
  [0x03ff, 1023 * 2 ** -24], // largest subnormal
  [0x7c00, Infinity],
  [0xfc00, -Infinity],
];
const BF16: [number, number][] = [
  [0x0000, 0],
  [0x3f80, 1],
  [0xc040, -3],
  [0x3e80, 0.25],
  [0x7f80, Infinity],
  [0xff80, -Infinity],
  [0x0001, 2 ** -133], // smallest subnormal
];

describe('half-precision decoding', () => {
  it('f16ToF32 and bf16ToF32 give the exact values, NaN included', () => {
    for (const [h, v] of F16) expect(f16ToF32(h)).toBe(v);
    for (const [h, v] of BF16) expect(bf16ToF32(h)).toBe(v);
    expect(f16ToF32(0x8000)).toBe(-0);
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(bf16ToF32(0x7fc0)).toBeNaN();
  });

  const bytesOf = (bits: number[]): Uint8Array => {
    const b = new Uint8Array(bits.length * 2);
    const dv = new DataView(b.buffer);
    bits.forEach((h, i) => dv.setUint16(i * 2, h, true));
    return b;
  };

  it('ONNX FLOAT16 / BFLOAT16 initialisers load as float32, from raw_data and from int32_data', () => {
    for (const [dataType, table] of [
      [OnnxDataType.FLOAT16, F16],
      [OnnxDataType.BFLOAT16, BF16],
    ] as const) {
      const bits = table.map(([h]) => h);
      const want = table.map(([, v]) => Math.fround(v));
      const fromRaw = protoToTensor(emptyTensorProto({ name: 'w', dims: [bits.length], dataType, rawData: bytesOf(bits) }));
      expect(fromRaw.dtype).toBe('float32');
      expect(Array.from(fromRaw.dataSync())).toEqual(want);
      const fromInts = protoToTensor(emptyTensorProto({ name: 'w', dims: [bits.length], dataType, int32Data: bits }));
      expect(fromInts.dtype).toBe('float32');
      expect(Array.from(fromInts.dataSync())).toEqual(want);
    }
  });

  it('safetensors F16 / BF16 load as float32 with the same values as the ONNX path', () => {
    for (const [dtype, table] of [
      ['F16', F16],
      ['BF16', BF16],
    ] as const) {
      const data = bytesOf(table.map(([h]) => h));
      const header = new TextEncoder().encode(JSON.stringify({ w: { dtype, shape: [table.length], data_offsets: [0, data.length] } }));
      const file = new Uint8Array(8 + header.length + data.length);
      new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
      file.set(header, 8);
      file.set(data, 8 + header.length);
      const t = decodeSafetensors(file).tensors.w!;
      expect(t.dtype).toBe('float32');
      expect(Array.from(t.dataSync())).toEqual(table.map(([, v]) => Math.fround(v)));
    }
  });
});

describe('table-based half decoding', () => {
  const all = new Uint8Array(65536 * 2);
  for (let h = 0; h < 65536; h++) {
    all[2 * h] = h & 0xff;
    all[2 * h + 1] = h >> 8;
  }
  const same = (a: number, b: number) => (Number.isNaN(b) ? Number.isNaN(a) : Object.is(a, b));

  it('decodeF16 equals f16ToF32 on all 65,536 halves (aligned and unaligned bytes)', () => {
    for (const bytes of [all, new Uint8Array([0, ...all]).subarray(1)]) {
      const got = decodeF16(bytes, 65536);
      let bad = 0;
      for (let h = 0; h < 65536; h++) if (!same(got[h]!, Math.fround(f16ToF32(h)))) bad++;
      expect(bad).toBe(0);
    }
  });

  it('decodeBF16 equals bf16ToF32 on all 65,536 patterns', () => {
    const got = decodeBF16(all, 65536);
    let bad = 0;
    for (let h = 0; h < 65536; h++) if (!same(got[h]!, bf16ToF32(h))) bad++;
    expect(bad).toBe(0);
  });
});
