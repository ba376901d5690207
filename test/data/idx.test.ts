import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { data, FormatError, ValueError } from '../../src/index.js';

const dir = join(__dirname, '../fixtures/data/idx');
interface Case {
  file?: string;
  images?: string;
  labels?: string;
  options?: { maxBytes?: number };
  code: string;
  names: string;
  offset?: number;
  why: string;
}
const cases: Case[] = JSON.parse(readFileSync(join(dir, 'bad/cases.json'), 'utf8'));

describe('IDX malformed corpus', () => {
  it('has at least 12 cases', () => expect(cases.length).toBeGreaterThanOrEqual(12));
  for (const c of cases) {
    it(`rejects ${c.file ?? `${c.images} + ${c.labels}`} (${c.why}) with ${c.code}`, async () => {
      let err: unknown;
      try {
        if (c.file) await data.loadIdx(join(dir, 'bad', c.file), c.options);
        else await data.loadIdxDataset(join(dir, 'bad', c.images!), join(dir, 'bad', c.labels!), c.options);
      } catch (e) {
        err = e;
      }
      expect(err, c.why).toBeInstanceOf(FormatError);
      const fe = err as FormatError;
      expect(fe.code, fe.message).toBe(c.code);
      expect(fe.location.file).toBe(join(dir, 'bad', c.names));
      if (c.offset !== undefined) expect(fe.location.offset, fe.message).toBe(c.offset);
    });
  }
  it('parseIdx on raw bytes gives the same codes (non-gzip single files)', () => {
    for (const c of cases.filter((k) => k.file && !k.file.endsWith('.gz'))) {
      const bytes = new Uint8Array(readFileSync(join(dir, 'bad', c.file!)));
      expect(() => data.parseIdx(bytes, { ...c.options, file: c.file }), c.file).toThrow(FormatError);
      try {
        data.parseIdx(bytes, c.options);
      } catch (e) {
        expect((e as FormatError).code).toBe(c.code);
      }
    }
  });
  it('parseIdx refuses something other than bytes with a ValueError (an ArrayBuffer gets a hint)', () => {
    expect(() => data.parseIdx(null as never)).toThrow(/^parseIdx: expected the file's bytes as a Uint8Array, got null$/);
    expect(() => data.parseIdx(new ArrayBuffer(8) as never)).toThrow(/an ArrayBuffer; wrap it, new Uint8Array\(buffer\)/);
    expect(() => data.parseIdx([0, 0, 8, 1] as never)).toThrow(ValueError);
    expect(() => data.parseIdx(new Float32Array(4) as never)).toThrow(ValueError);
  });
});

describe('IDX reading', () => {
  it('reads uint8 images and labels, plain and gzipped, identically', async () => {
    const a = await data.loadIdxDataset(join(dir, 'good/images-idx3-ubyte'), join(dir, 'good/labels-idx1-ubyte'));
    const b = await data.loadIdxDataset(join(dir, 'good/images-idx3-ubyte.gz'), join(dir, 'good/labels-idx1-ubyte.gz'));
    const [x, y] = a.tensors;
    expect(x!.shape).toEqual([6, 1, 4, 4]);
    expect(x!.dtype).toBe('float32');
    expect(y!.toArray()).toEqual([3, 1, 4, 1, 5, 9]);
    expect(b.tensors[0]!.toArray()).toEqual(x!.toArray());
    const px = (x!.reshape([6, 16]).toArray() as number[][])[1]!;
    expect(px[2]).toBeCloseTo(46 / 255, 7);
    const flat = await data.loadIdxDataset(join(dir, 'good/images-idx3-ubyte'), join(dir, 'good/labels-idx1-ubyte'), { flat: true });
    expect(flat.tensors[0]!.shape).toEqual([6, 16]);
  });
  it('decodes the big-endian types', async () => {
    expect(Array.from((await data.loadIdx(join(dir, 'good/int16.idx'))).data)).toEqual([-2, 300, 32767]);
    expect(Array.from((await data.loadIdx(join(dir, 'good/float32.idx'))).data)).toEqual([1.5, -0.25]);
    expect(Array.from((await data.loadIdx(join(dir, 'good/float64.idx'))).data)).toEqual([Math.PI, -1e300]);
    const i8 = await data.loadIdx(join(dir, 'good/int8.idx'));
    expect(i8.shape).toEqual([2, 2]);
    expect(Array.from(i8.data)).toEqual([-1, -128, 1, 127]);
  });
  it('encodeIdx round-trips', () => {
    const arr = { dtype: 'int32' as const, shape: [2, 3], data: Int32Array.from([1, -2, 3, 2 ** 31 - 1, -(2 ** 31), 0]) };
    const back = data.parseIdx(data.encodeIdx(arr));
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(arr.data));
  });
});

describe('bundled and real datasets', () => {
  it('mnist(): 8,000 / 2,000 real digits, fixed documented split', async () => {
    const t0 = performance.now();
    const { train, test, classes } = await data.datasets.mnist();
    console.log(`mnist(): 10,000 bundled digits loaded in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(train.length).toBe(8000);
    expect(test.length).toBe(2000);
    expect(classes).toHaveLength(10);
    const [x, y] = train.tensors;
    expect(x!.shape).toEqual([8000, 1, 28, 28]);
    expect(y!.dtype).toBe('int32');
    expect(data.datasets.mnistTestCounts()).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    const testLabels = test.tensors[1]!.toArray() as number[];
    data.datasets.mnistTestCounts().forEach((k, d) => expect(testLabels.filter((v) => v === d).length).toBe(k));
    expect(x!.amin().item()).toBe(0);
    expect(x!.amax().item()).toBeLessThanOrEqual(1);
    // a digit has ink: mean intensity between 5% and 40%
    const m = x!.select(0, 0).mean().item();
    expect(m).toBeGreaterThan(0.05);
    expect(m).toBeLessThan(0.4);
    const again = await data.datasets.mnist({ flat: true });
    expect(again.test.tensors[0]!.shape).toEqual([2000, 784]);
    expect(again.test.tensors[0]!.select(0, 5).toArray()).toEqual(test.tensors[0]!.select(0, 5).flatten().toArray());
  });
  it('fashionMnist(): a typed error that says how to install when missing', async () => {
    await expect(data.datasets.fashionMnist({ dir: join(dir, 'nowhere') })).rejects.toMatchObject({ code: 'E_DATASET_MISSING' });
    const err = await data.datasets.fashionMnist({ dir: '/nonexistent-dir' }).catch((e) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect(err.message).toContain('zalandoresearch/fashion-mnist');
  });
  const installed = existsSync(join(data.datasets.FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
  // CI installs dataset-fashion-mnist, so there a missing package fails; elsewhere, without the
  // package, the default location must give the install instructions instead.
  it(`fashionMnist(): ${installed || process.env.CI ? 'the full 60,000 / 10,000 Debian files load with exact sizes' : 'the default location is missing here, and the error says how to install it'}`, async () => {
    if (!installed && !process.env.CI) {
      const err = await data.datasets.fashionMnist().catch((e) => e);
      expect(err).toBeInstanceOf(FormatError);
      expect(err.code).toBe('E_DATASET_MISSING');
      expect(err.message).toContain('apt-get install');
      return;
    }
    const t0 = performance.now();
    const { train, test, classes } = await data.datasets.fashionMnist();
    console.log(`fashionMnist(): 60,000 + 10,000 images loaded in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(train.tensors[0]!.shape).toEqual([60000, 1, 28, 28]);
    expect(train.tensors[1]!.shape).toEqual([60000]);
    expect(test.tensors[0]!.shape).toEqual([10000, 1, 28, 28]);
    expect(test.tensors[1]!.shape).toEqual([10000]);
    expect(classes[9]).toBe('Ankle boot');
    // balanced: 6,000 per class in train, 1,000 in test
    const counts = new Array(10).fill(0);
    for (const v of test.tensors[1]!.dataSync()) counts[v]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    expect(Array.from(train.tensors[1]!.dataSync()).reduce((a, b) => a + b, 0)).toBe(6000 * 45);
  });
});
