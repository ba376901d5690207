/**
 * Mutation fuzzing of every loader over the valid fixture corpus: bit flips, byte overwrites,
 * truncations, splices, duplicated segments and "huge numbers" (CSV numeric tokens, IDX
 * dimensions, PNG/JPEG header sizes). Fixed seed, bounded count. Every mutant must either load or
 * throw one of our typed errors (BackpropError); nothing else may escape. The slowest input is
 * measured, printed, and held under RELIABILITY.md's 1 s per input (a hang guard with a wide margin:
 * the slowest takes tens of ms); the loaders' caps are what keep any single input bounded.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { BackpropError, Rng, data } from '../../src/index.js';

const fx = join(__dirname, '../fixtures/data');
const read = (p: string) => new Uint8Array(readFileSync(join(fx, p)));

type Mutator = (b: Uint8Array, rng: Rng, seeds: Uint8Array[]) => Uint8Array;

const generic: Mutator[] = [
  // flip 1–8 random bits
  (b, rng) => {
    const o = b.slice();
    const k = rng.int(1, 9);
    for (let i = 0; i < k && o.length; i++) o[rng.int(0, o.length)]! ^= 1 << rng.int(0, 8);
    return o;
  },
  // overwrite a byte with an interesting value
  (b, rng) => {
    const o = b.slice();
    if (o.length) o[rng.int(0, o.length)] = [0, 0xff, 0x7f, 0x80, 0x0a, 0x22, 0x2c][rng.int(0, 7)]!;
    return o;
  },
  // truncate
  (b, rng) => b.slice(0, b.length ? rng.int(0, b.length) : 0),
  // splice: a chunk of another seed inserted at a random point
  (b, rng, seeds) => {
    const other = seeds[rng.int(0, seeds.length)]!;
    const at = rng.int(0, b.length + 1);
    const s = rng.int(0, other.length + 1);
    const e = Math.min(other.length, s + rng.int(0, 64));
    return concat(b.subarray(0, at), other.subarray(s, e), b.subarray(at));
  },
  // duplicate or delete a segment
  (b, rng) => {
    if (b.length < 2) return b.slice();
    const s = rng.int(0, b.length - 1);
    const e = Math.min(b.length, s + rng.int(1, 32));
    return rng.uniform() < 0.5 ? concat(b.subarray(0, e), b.subarray(s, e), b.subarray(e)) : concat(b.subarray(0, s), b.subarray(e));
  },
];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const HUGE = ['1e999', '-1e999', '99999999999999999999999999', '1e-400', '-0', '3.5e38', '4e38', '9007199254740993', 'NaN', '""'];
const csvHuge: Mutator = (b, rng) => {
  const s = new TextDecoder().decode(b);
  const tokens = [...s.matchAll(/-?\d+(\.\d+)?/g)];
  if (!tokens.length) return b.slice();
  const t = tokens[rng.int(0, tokens.length)]!;
  return new TextEncoder().encode(s.slice(0, t.index!) + HUGE[rng.int(0, HUGE.length)] + s.slice(t.index! + t[0].length));
};
const u32At =
  (positions: (b: Uint8Array) => number[]): Mutator =>
  (b, rng) => {
    const o = b.slice();
    const pos = positions(o);
    if (!pos.length) return o;
    const p = pos[rng.int(0, pos.length)]!;
    const v = [0xffffffff, 0x7fffffff, 0x10000, 0, 1, 0x80000000][rng.int(0, 6)]!;
    if (p + 4 <= o.length) new DataView(o.buffer).setUint32(p, v >>> 0, false);
    return o;
  };
const idxHuge = u32At((b) => Array.from({ length: b[3] ?? 0 }, (_, k) => 4 + 4 * k).filter((p) => p + 4 <= b.length));
const pngHuge = u32At(() => [16, 20]);
// amplification and silent truncation (RELIABILITY.md, after the hostile-input run): a 1 × N image
// under the pixel cap with a side past MAX_IMAGE_SIDE, and an IDAT whose data ends early
const pngTall: Mutator = (b, rng) => {
  const o = b.slice();
  if (o.length < 24) return o;
  const dv = new DataView(o.buffer);
  dv.setUint32(16, 1, false);
  dv.setUint32(20, [40_000, 1 << 19, 1 << 20][rng.int(0, 3)]!, false);
  return o;
};
/** Cut the first IDAT chunk's data short (length and CRC fixed up, so only the image data is short). */
function pngCutIdat(b: Uint8Array, rng: Rng): Uint8Array | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 8; i + 12 <= b.length;) {
    const len = dv.getUint32(i, false);
    const type = String.fromCharCode(...b.subarray(i + 4, i + 8));
    if (type === 'IDAT' && len > 4) {
      const keep = rng.int(2, len - 1);
      const body = b.slice(i + 4, i + 8 + keep);
      let c = -1;
      for (const x of body) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      const head = b.slice(0, i + 8 + keep);
      new DataView(head.buffer).setUint32(i, keep, false);
      const crc = new Uint8Array(4);
      new DataView(crc.buffer).setUint32(0, (c ^ -1) >>> 0, false);
      return concat(head, crc, b.subarray(i + 12 + len));
    }
    i += 12 + len;
  }
  return null;
}
const jpegHuge: Mutator = (b, rng) => {
  const o = b.slice();
  for (let i = 2; i < o.length - 8; i++)
    if (o[i] === 0xff && o[i + 1]! >= 0xc0 && o[i + 1]! <= 0xc2) {
      new DataView(o.buffer).setUint16(i + 5 + 2 * rng.int(0, 2), [0xffff, 0x8000, 0, 1][rng.int(0, 4)]!, false);
      break;
    }
  return o;
};

interface Stats {
  total: number;
  ok: number;
  typed: Map<string, number>;
  slowestMs: number;
}

async function fuzz(
  name: string,
  seeds: Uint8Array[],
  count: number,
  extra: Mutator[],
  run: (b: Uint8Array) => unknown | Promise<unknown>,
): Promise<Stats> {
  const rng = new Rng(20_240_601);
  const muts = [...generic, ...extra];
  const stats: Stats = { total: 0, ok: 0, typed: new Map(), slowestMs: 0 };
  for (let i = 0; i < count; i++) {
    const seed = seeds[i % seeds.length]!;
    let b = muts[rng.int(0, muts.length)]!(seed, rng, seeds);
    if (rng.uniform() < 0.3) b = muts[rng.int(0, muts.length)]!(b, rng, seeds); // stacked mutations
    const t0 = performance.now();
    try {
      await run(b);
      stats.ok++;
    } catch (e) {
      if (!(e instanceof BackpropError)) {
        throw new Error(
          `${name}: mutant ${i} escaped with ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}\nbytes (base64): ${Buffer.from(b).toString('base64').slice(0, 400)}`,
          { cause: e },
        );
      }
      stats.typed.set(e.code, (stats.typed.get(e.code) ?? 0) + 1);
    }
    stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t0);
    stats.total++;
  }
  console.log(
    `fuzz ${name}: ${stats.total} mutants, ${stats.ok} loaded, typed errors ${JSON.stringify(Object.fromEntries(stats.typed))}, slowest ${stats.slowestMs.toFixed(1)} ms`,
  );
  expect(stats.slowestMs, `${name}: slowest mutant took ${stats.slowestMs.toFixed(0)} ms`).toBeLessThan(1000);
  return stats;
}

describe('mutation fuzzing (fixed seed)', () => {
  it('CSV: parseCsv + toTensors', async () => {
    const seeds = ['csv/good/iris-like.csv', 'csv/good/houses.csv', 'csv/good/no-header.csv'].map(read);
    const s = await fuzz('csv', seeds, 600, [csvHuge, csvHuge], (b) => {
      const t = data.parseCsv(b, { missing: 'drop', delimiter: b.includes(0x3b) ? ';' : ',' });
      t.toTensors();
    });
    expect(s.total).toBe(600);
    expect(s.typed.size).toBeGreaterThan(3);
  });
  it('CSV: streaming loadCsv and streamCsv through files', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'bp-fuzz-csv-'));
    const seeds = ['csv/good/iris-like.csv', 'csv/good/houses.csv'].map(read);
    let k = 0;
    const s = await fuzz('csv-stream', seeds, 150, [csvHuge], async (b) => {
      const p = join(tmp, `m${k++}.csv`);
      writeFileSync(p, b);
      const delimiter = b.includes(0x3b) ? ';' : ',';
      if (k % 2) await data.loadCsv(p, { missing: 'mean', delimiter });
      else for await (const row of data.streamCsv(p, { missing: 'drop', delimiter, inferRows: 2 })) void row;
    });
    rmSync(tmp, { recursive: true, force: true });
    expect(s.total).toBe(150);
  });
  it('IDX: parseIdx, gunzip, image/label pairs', async () => {
    const labels = data.parseIdx(read('idx/good/labels-idx1-ubyte'));
    const seeds = [
      'idx/good/images-idx3-ubyte',
      'idx/good/labels-idx1-ubyte',
      'idx/good/int16.idx',
      'idx/good/float32.idx',
      'idx/good/float64.idx',
      'idx/good/int8.idx',
    ].map(read);
    const s = await fuzz('idx', seeds, 600, [idxHuge, idxHuge], (b) => {
      const arr = data.parseIdx(b);
      if (arr.shape.length === 3) data.idxImageDataset(arr, labels);
    });
    const gz = ['idx/good/images-idx3-ubyte.gz', 'idx/good/labels-idx1-ubyte.gz'].map(read);
    const g = await fuzz('idx.gz', gz, 300, [], async (b) =>
      data.parseIdx(await data.gunzipCapped(b, { maxBytes: 1 << 20 }), { maxBytes: 1 << 20 }),
    );
    expect(s.total + g.total).toBe(900);
  });
  it('images: decodeImage on PNG and JPEG', async () => {
    const png = ['images/good/digits/0/img_0.png', 'images/good/rgb/red/0.png'].map(read);
    const jpg = [read('images/good/digits/2/img_9.jpg')];
    const p = await fuzz('png', png, 400, [pngHuge, pngTall], (b) => data.decodeImage(b, { maxPixels: 1 << 20 }));
    const j = await fuzz('jpeg', jpg, 400, [jpegHuge, jpegHuge], (b) => data.decodeImage(b, { maxPixels: 1 << 20 }));
    expect(p.total + j.total).toBe(800);
  });
  it('PNG: image data cut short is never decoded as if whole; a side past MAX_IMAGE_SIDE is refused', async () => {
    const seeds = ['images/good/digits/0/img_0.png', 'images/good/rgb/red/0.png', 'images/good/digits/0/img_1.png'].map(read);
    const rng = new Rng(19);
    let cut = 0;
    for (let i = 0; i < 120; i++) {
      const b = pngCutIdat(seeds[i % seeds.length]!, rng);
      if (!b) continue;
      cut++;
      await expect(data.decodeImage(b), `mutant ${i}`).rejects.toBeInstanceOf(BackpropError);
    }
    expect(cut).toBe(120);
    for (let i = 0; i < 20; i++)
      await expect(data.decodeImage(pngTall(seeds[0]!, rng, seeds))).rejects.toMatchObject({ code: 'E_IMG_TOO_LARGE' });
  });
  it('image folders: mutated files inside a class tree', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'bp-fuzz-img-'));
    const seeds = ['images/good/digits/0/img_0.png', 'images/good/digits/2/img_9.jpg'].map(read);
    const good = read('images/good/digits/0/img_1.png');
    let k = 0;
    const s = await fuzz('image-folder', seeds, 100, [pngHuge, jpegHuge], async (b) => {
      const root = join(tmp, `r${k++}`);
      mkdirSync(join(root, 'a'), { recursive: true });
      mkdirSync(join(root, 'b'), { recursive: true });
      writeFileSync(join(root, 'a', 'good.png'), good);
      writeFileSync(join(root, 'b', 'mutant.png'), b);
      await data.loadImageFolder(root, { maxPixels: 1 << 20 });
    });
    rmSync(tmp, { recursive: true, force: true });
    expect(s.total).toBe(100);
  });
});
