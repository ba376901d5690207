import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  loadSafetensorsWithMetadata,
  saveSafetensors,
  FormatError,
  BackpropError,
  tensor,
  randn,
  Rng,
  Tensor,
} from '../../src/index.js';

/** Assemble a file from a header (object or raw string) and data bytes. */
function file(header: unknown, data: Uint8Array | number[] = [], opts: { pad?: boolean } = {}): Uint8Array {
  let h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  if (opts.pad !== false && h.length % 8) {
    const p = new Uint8Array(Math.ceil(h.length / 8) * 8).fill(0x20);
    p.set(h);
    h = p;
  }
  return rawFile(h.length, h, data);
}
function rawFile(len: number, h: Uint8Array, data: Uint8Array | number[]): Uint8Array {
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(len), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);

function expectCode(bytes: Uint8Array, code: string | RegExp): FormatError {
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    const fe = e as FormatError;
    if (typeof code === 'string') expect(fe.code).toBe(code);
    else expect(fe.code).toMatch(code);
    expect(typeof fe.location.offset).toBe('number');
    return fe;
  }
  throw new Error('expected a FormatError');
}

describe('safetensors: encode/decode', () => {
  it('round-trips every writable dtype with metadata, names and shapes', () => {
    const sd = {
      '0.weight': tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      '0.bias': tensor([0.5, -0.25], { dtype: 'float64' }),
      'bn.num_batches_tracked': tensor(new Int32Array([7]), { shape: [] }),
      mask: tensor([true, false, true]),
      empty: tensor(new Float32Array(0), { shape: [0, 3] }),
    };
    const bytes = encodeSafetensors(sd, { metadata: { format: 'pt', note: 'ünïcode' } });
    expect(new DataView(bytes.buffer).getUint32(0, true) % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(sd).sort());
    for (const [k, t] of Object.entries(sd)) {
      expect(tensors[k]!.dtype).toBe(t.dtype);
      expect(tensors[k]!.shape).toEqual(t.shape);
      expect(Array.from(tensors[k]!.dataSync())).toEqual(Array.from(t.dataSync()));
    }
  });

  it('writes non-contiguous views in logical (row-major) order', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).t();
    const back = decodeSafetensors(encodeSafetensors({ t })).tensors.t!;
    expect(back.toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it('writes int32 as I64 on request and reads it back', () => {
    const bytes = encodeSafetensors({ n: tensor(new Int32Array([-3, 2147483647])) }, { intDType: 'I64' });
    expect(new TextDecoder().decode(bytes.subarray(8, 60))).toContain('"I64"');
    expect(Array.from(decodeSafetensors(bytes).tensors.n!.dataSync())).toEqual([-3, 2147483647]);
  });

  it('reads F16, BF16, I64, I16, I8, U8 written by hand', () => {
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x7c00, 0x0001]).buffer); // 1, -2, ~0.333, inf, 2^-24
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc040]).buffer); // 1, -3
    const i64 = new Uint8Array(new BigInt64Array([-5n, 1n << 30n]).buffer);
    const i16 = new Uint8Array(new Int16Array([-300, 2]).buffer);
    const parts = [f16, bf16, i64, i16, new Uint8Array([0xff]), new Uint8Array([200])];
    const names = ['h', 'b', 'l', 's', 'c', 'u'];
    const codes = ['F16', 'BF16', 'I64', 'I16', 'I8', 'U8'];
    const sizes = [2, 2, 8, 2, 1, 1];
    const header: Record<string, unknown> = {};
    let off = 0;
    parts.forEach((p, i) => {
      header[names[i]!] = { dtype: codes[i], shape: [p.length / sizes[i]!], data_offsets: [off, off + p.length] };
      off += p.length;
    });
    const data = new Uint8Array(off);
    off = 0;
    for (const p of parts) {
      data.set(p, off);
      off += p.length;
    }
    const t = decodeSafetensors(file(header, data)).tensors;
    const h = Array.from(t.h!.dataSync());
    expect(h[0]).toBe(1);
    expect(h[1]).toBe(-2);
    expect(h[2]).toBeCloseTo(1 / 3, 3);
    expect(h[3]).toBe(Infinity);
    expect(h[4]).toBe(2 ** -24);
    expect(t.h!.dtype).toBe('float32');
    expect(Array.from(t.b!.dataSync())).toEqual([1, -3]);
    expect(t.l!.dtype).toBe('int32');
    expect(Array.from(t.l!.dataSync())).toEqual([-5, 1 << 30]);
    expect(Array.from(t.s!.dataSync())).toEqual([-300, 2]);
    expect(Array.from(t.c!.dataSync())).toEqual([-1]);
    expect(Array.from(t.u!.dataSync())).toEqual([200]);
  });

  it('encodeSafetensors refuses a non-object (e.g. a Tensor instead of a state dict) with a ValueError', () => {
    expect(() => encodeSafetensors(null as never)).toThrow(
      /^encodeSafetensors: expected a state dict \(an object of name → Tensor, e.g. model.stateDict\(\)\), got null$/,
    );
    expect(() => encodeSafetensors(tensor([1, 2]) as never)).toThrow(/got a Tensor$/);
    expect(() => encodeSafetensors([tensor([1])] as never)).toThrow(/got an array$/);
  });
  it('rejects I64 values outside int32 with a typed error naming the tensor', () => {
    const data = new Uint8Array(new BigInt64Array([1n, 1n << 40n]).buffer);
    const e = expectCode(file({ big: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data), 'E_SAFETENSORS_INT64_RANGE');
    expect(e.message).toContain('"big"');
    expect(e.message).toContain('1099511627776');
  });

  it('keeps __proto__ and constructor as plain tensor names without touching prototypes', () => {
    const h =
      '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    const { tensors } = decodeSafetensors(file(h, f32(1, 2)));
    expect(Object.getPrototypeOf(tensors)).toBe(null);
    expect(Object.keys(tensors).sort()).toEqual(['__proto__', 'constructor']);
    expect(tensors['__proto__']).toBeInstanceOf(Tensor);
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
    // …and they survive a re-encode.
    const again = decodeSafetensors(encodeSafetensors(tensors)).tensors;
    expect(Object.keys(again).sort()).toEqual(['__proto__', 'constructor']);
    expect(Array.from(again['constructor']!.dataSync())).toEqual([2]);
  });

  it('property: encode → decode is the identity on random state dicts', () => {
    const dtypeArb = fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const, 'bool' as const);
    const entry = fc.record({
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      dtype: dtypeArb,
      seed: fc.integer({ min: 0, max: 1e6 }),
    });
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__'),
          entry,
          { maxKeys: 6 },
        ),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
        (spec, metadata) => {
          const sd: Record<string, Tensor> = Object.create(null);
          for (const [name, { shape, dtype, seed }] of Object.entries(spec)) {
            const r = randn(shape, { dtype: dtype === 'float64' ? 'float64' : 'float32', rng: new Rng(seed) });
            sd[name] = dtype === 'int32' ? r.mul(100).to('int32') : dtype === 'bool' ? r.gt(0) : r;
          }
          const back = decodeSafetensors(encodeSafetensors(sd, { metadata }));
          expect({ ...back.metadata }).toEqual({ ...metadata });
          expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(sd).sort());
          for (const k of Object.keys(sd)) {
            expect(back.tensors[k]!.dtype).toBe(sd[k]!.dtype);
            expect(back.tensors[k]!.shape).toEqual(sd[k]!.shape);
            expect(Array.from(back.tensors[k]!.dataSync())).toEqual(Array.from(sd[k]!.dataSync()));
          }
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe('safetensors: malformed corpus (typed errors before allocation)', () => {
  const ok = (extra: Record<string, unknown> = {}) => ({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, ...extra });
  const cases: [string, Uint8Array, string][] = [
    ['empty file', new Uint8Array(0), 'E_SAFETENSORS_TRUNCATED'],
    ['7 bytes', new Uint8Array(7), 'E_SAFETENSORS_TRUNCATED'],
    ['header length past the end', rawFile(1000, new TextEncoder().encode('{}'), []), 'E_SAFETENSORS_HEADER_TOO_LARGE'],
    ['header length > 100 MB', rawFile(200_000_000, new Uint8Array(16), []), 'E_SAFETENSORS_HEADER_TOO_LARGE'],
    ['header length 2^63', rawFile(2 ** 63, new Uint8Array(16), []), 'E_SAFETENSORS_HEADER_TOO_LARGE'],
    ['header length 0', rawFile(0, new Uint8Array(0), []), 'E_SAFETENSORS_HEADER_INVALID'],
    ['invalid UTF-8', rawFile(4, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), []), 'E_SAFETENSORS_UTF8'],
    ['invalid JSON', file('{"a": [1,}'), 'E_SAFETENSORS_JSON'],
    ['JSON with trailing garbage', file('{} x'), 'E_SAFETENSORS_JSON'],
    ['header is an array', file('[1,2]'), 'E_SAFETENSORS_HEADER_NOT_OBJECT'],
    ['header is a string', file('"hello"'), 'E_SAFETENSORS_HEADER_NOT_OBJECT'],
    ['entry not an object', file({ a: 3 }), 'E_SAFETENSORS_ENTRY'],
    [
      'entry with unknown field',
      file(ok({ b: { dtype: 'F32', shape: [0], data_offsets: [8, 8], extra: 1 } }), f32(1, 2)),
      'E_SAFETENSORS_ENTRY',
    ],
    ['unknown dtype', file({ a: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, [0, 0]), 'E_SAFETENSORS_DTYPE'],
    [
      'dtype "toString" (prototype name)',
      file({ a: { dtype: 'toString', shape: [2], data_offsets: [0, 2] } }, [0, 0]),
      'E_SAFETENSORS_DTYPE',
    ],
    ['negative shape', file({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32(1, 2)), 'E_SAFETENSORS_SHAPE'],
    ['non-integer shape', file({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, f32(1, 2)), 'E_SAFETENSORS_SHAPE'],
    ['shape ≥ 2^53', file('{"a":{"dtype":"F32","shape":[9007199254740992],"data_offsets":[0,8]}}', f32(1, 2)), 'E_SAFETENSORS_SHAPE'],
    [
      'shape numel overflow (huge product)',
      file({ a: { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 8] } }, f32(1, 2)),
      'E_SAFETENSORS_SIZE_MISMATCH',
    ],
    ['shape not an array', file({ a: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }, f32(1, 2)), 'E_SAFETENSORS_SHAPE'],
    ['negative offset', file({ a: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, f32(1, 2)), 'E_SAFETENSORS_OFFSETS'],
    ['non-integer offset', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8.5] } }, f32(1, 2)), 'E_SAFETENSORS_OFFSETS'],
    ['offset ≥ 2^53', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,9007199254740993]}}', f32(1, 2)), 'E_SAFETENSORS_OFFSETS'],
    ['offsets of length 3', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4, 8] } }, f32(1, 2)), 'E_SAFETENSORS_OFFSETS'],
    ['offsets reversed', file({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, f32(1, 2)), 'E_SAFETENSORS_OFFSETS'],
    ['offsets past the end', file({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(1, 2)), 'E_SAFETENSORS_OUT_OF_BOUNDS'],
    [
      'overlapping tensors',
      file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(1, 2, 3)),
      'E_SAFETENSORS_OVERLAP',
    ],
    [
      'gap between tensors',
      file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(1, 2, 3)),
      'E_SAFETENSORS_GAP',
    ],
    ['gap at the start', file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(1, 2)), 'E_SAFETENSORS_GAP'],
    [
      'byte length ≠ numel × size',
      file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(1, 2)),
      'E_SAFETENSORS_SIZE_MISMATCH',
    ],
    ['trailing bytes', file(ok(), [...f32(1, 2), 9, 9]), 'E_SAFETENSORS_TRAILING_BYTES'],
    [
      'duplicate tensor names',
      file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(1, 2)),
      'E_SAFETENSORS_JSON_DUPLICATE_KEY',
    ],
    [
      'duplicate field inside an entry',
      file('{"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}', f32(1)),
      'E_SAFETENSORS_JSON_DUPLICATE_KEY',
    ],
    ['__metadata__ not an object', file({ __metadata__: 'x', ...ok() }, f32(1, 2)), 'E_SAFETENSORS_METADATA'],
    ['__metadata__ with a number value', file({ __metadata__: { a: 1 }, ...ok() }, f32(1, 2)), 'E_SAFETENSORS_METADATA'],
    ['__metadata__ nested object', file({ __metadata__: { a: { b: 'c' } }, ...ok() }, f32(1, 2)), 'E_SAFETENSORS_METADATA'],
    ['BOOL byte other than 0/1', file({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, [1, 7]), 'E_SAFETENSORS_BOOL'],
    ['deeply nested JSON', file(`{"a":${'['.repeat(200)}${']'.repeat(200)}}`), 'E_SAFETENSORS_JSON'],
    ['zip checkpoint (torch.save)', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]), 'E_PICKLE_REFUSED'],
    ['pickle protocol 2', new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]), 'E_PICKLE_REFUSED'],
    ['pickle protocol 5', new Uint8Array([0x80, 0x05, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x2e]), 'E_PICKLE_REFUSED'],
  ];

  it(`has at least 22 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(22));
  for (const [name, bytes, code] of cases) it(`rejects: ${name} → ${code}`, () => expectCode(bytes, code));

  it('points at the offending entry with a byte offset', () => {
    const bytes = file(
      { good: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, bad: { dtype: 'Q7', shape: [1], data_offsets: [4, 8] } },
      f32(1, 2),
    );
    const e = expectCode(bytes, 'E_SAFETENSORS_DTYPE');
    const at = e.location.offset!;
    expect(new TextDecoder().decode(bytes.subarray(at, at + 5))).toBe('"bad"');
  });

  it('reports byte (not character) offsets after non-ASCII names', () => {
    const bytes = file(
      { 'ünïcødé→': { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, bäd: { dtype: 'Q7', shape: [1], data_offsets: [4, 8] } },
      f32(1, 2),
    );
    const e = expectCode(bytes, 'E_SAFETENSORS_DTYPE');
    const at = e.location.offset!;
    expect(new TextDecoder().decode(bytes.subarray(at, at + 6))).toBe('"bäd"');
  });

  it('does not allocate a huge buffer for a lying header (checks happen first)', () => {
    // 2^31 elements claimed with only 8 data bytes: must fail on the header, instantly.
    const bytes = file({ a: { dtype: 'F64', shape: [2 ** 31], data_offsets: [0, 2 ** 34] } }, f32(1, 2));
    expectCode(bytes, 'E_SAFETENSORS_OUT_OF_BOUNDS');
  });

  it('explains pickle refusal: data not code, and how to convert', () => {
    const e = expectCode(new Uint8Array([0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0]), 'E_PICKLE_REFUSED');
    expect(e.message).toMatch(/never executes code/);
    expect(e.message).toMatch(/numpy/);
    expect(e.message).toMatch(/safetensors/);
  });
});

describe('safetensors: mutation fuzzing', () => {
  it('bit flips, truncations, splices and number edits raise only typed errors', () => {
    const rng = new Rng(12345);
    const seeds = [
      encodeSafetensors(
        { w: randn([3, 4], { rng }), b: randn([4], { rng, dtype: 'float64' }), n: tensor(new Int32Array([5])), m: tensor([true, false]) },
        { metadata: { format: 'pt' } },
      ),
      encodeSafetensors({ x: tensor(new Int32Array([1, 2, 3])) }, { intDType: 'I64' }),
      encodeSafetensors({}),
    ];
    let typed = 0;
    let okCount = 0;
    const N = 3000;
    for (let iter = 0; iter < N; iter++) {
      const base = seeds[iter % seeds.length]!;
      let m: Uint8Array = base.slice();
      const kind = rng.int(0, 5);
      if (kind === 0) {
        for (let k = rng.int(1, 4); k > 0; k--) {
          const i = rng.int(0, m.length);
          m[i] = m[i]! ^ (1 << rng.int(0, 8));
        }
      } else if (kind === 1) {
        m = m.slice(0, rng.int(0, m.length));
      } else if (kind === 2) {
        const other = seeds[rng.int(0, seeds.length)]!;
        const cut = rng.int(0, m.length);
        const from = rng.int(0, other.length);
        const s = new Uint8Array(cut + other.length - from);
        s.set(m.subarray(0, cut));
        s.set(other.subarray(from), cut);
        m = s;
      } else if (kind === 3) {
        // Replace a number in the header with a huge/negative/fractional one (length fixed up).
        const n = new DataView(m.buffer).getUint32(0, true);
        const text = new TextDecoder().decode(m.subarray(8, 8 + n));
        const digits = [...text.matchAll(/\d+/g)];
        if (digits.length) {
          const d = digits[rng.int(0, digits.length)]!;
          const repl = ['99999999999999999999', '-1', '1.5', '1e308', '0', '9007199254740993'][rng.int(0, 6)]!;
          const hb = new TextEncoder().encode(text.slice(0, d.index) + repl + text.slice(d.index! + d[0].length));
          m = rawFile(hb.length, hb, m.subarray(8 + n));
        }
      } else {
        // Overwrite the header length with a random 64-bit value.
        new DataView(m.buffer).setUint32(0, rng.int(0, 2 ** 31) * 2, true);
        new DataView(m.buffer).setUint32(4, rng.int(0, 3) === 0 ? rng.int(0, 2 ** 31) : 0, true);
      }
      try {
        decodeSafetensors(m);
        okCount++;
      } catch (e) {
        if (!(e instanceof BackpropError)) throw new Error(`untyped error on mutation ${iter} (kind ${kind}): ${String(e)}`, { cause: e });
        typed++;
      }
    }
    expect(typed + okCount).toBe(N);
    expect(typed).toBeGreaterThan(N / 2);
  });
});

describe('safetensors: files', () => {
  it('saves atomically and loads from a path, and refuses a .pt file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bp-st-'));
    try {
      const p = join(dir, 'model.safetensors');
      await saveSafetensors({ 'fc.weight': tensor([[1, 2]]), 'fc.bias': tensor([3]) }, p, { metadata: { format: 'pt' } });
      const { tensors, metadata } = await loadSafetensorsWithMetadata(p);
      expect(metadata.format).toBe('pt');
      expect(tensors['fc.weight']!.toArray()).toEqual([[1, 2]]);
      expect((await loadSafetensors(new Uint8Array(readFileSync(p))))['fc.bias']!.toArray()).toEqual([3]);
      const pt = join(dir, 'model.pt');
      writeFileSync(pt, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0, 0, 0]));
      await expect(loadSafetensors(pt)).rejects.toMatchObject({ code: 'E_PICKLE_REFUSED', location: { file: pt } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('safetensors: URLs (the browser path, fetch)', () => {
  it('loads from an http URL and names the URL in errors', async () => {
    const good = encodeSafetensors({
      w: tensor([
        [1, 2],
        [3, 4],
      ]),
    });
    const server = createServer((req, res) => {
      if (req.url === '/good.safetensors') res.end(Buffer.from(good));
      else if (req.url === '/model.pt') res.end(Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0, 0, 0, 0, 0, 0]));
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await loadSafetensors(`${base}/good.safetensors`)).w!.toArray()).toEqual([
        [1, 2],
        [3, 4],
      ]);
      await expect(loadSafetensors(`${base}/model.pt`)).rejects.toMatchObject({
        code: 'E_PICKLE_REFUSED',
        location: { file: `${base}/model.pt` },
      });
      await expect(loadSafetensors(`${base}/missing`)).rejects.toMatchObject({ code: 'E_IO_FETCH' });
    } finally {
      server.close();
    }
  });
});
