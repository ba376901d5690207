/**
 * Hostile input (issue 19), library side: special files, budgets checked before allocating,
 * amplification, non-finite training, user strings as keys, many-class plots, stray CSV tokens.
 * Every case is a typed error (or a correct result) — never a hang, a huge allocation or a crash.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  BackpropError,
  FormatError,
  Tensor,
  data,
  decodeOnnxModel,
  exportOnnx,
  fit,
  importOnnx,
  importOnnxBytes,
  loadCheckpoint,
  loadSafetensors,
  nn,
  optim,
  randn,
  saveCheckpoint,
  viz,
  buildModel,
  specParamCount,
  manualSeed,
} from '../../src/index.js';
import { encodeSafetensors, decodeSafetensors } from '../../src/io/safetensors.js';
import { encodeCheckpoint } from '../../src/io/checkpoint.js';
import { encodeModelProto } from '../../src/io/onnx/proto.js';
import { readRegularFile } from '../../src/core/files.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    if (typeof p === 'function') await p();
    else await p;
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(BackpropError);
    return (e as BackpropError).code;
  }
  return 'no error';
}

// special files: a FIFO (would block forever on open/read) and symlinks to endless devices
const fifo = join(dir, 'pipe');
let haveFifo: boolean;
try {
  execFileSync('mkfifo', [fifo]);
  haveFifo = true;
} catch {
  haveFifo = false;
}
const specials: [string, string][] = [];
if (haveFifo) specials.push(['a FIFO', fifo]);
for (const dev of ['/dev/zero', '/dev/urandom'])
  if (existsSync(dev)) {
    const link = join(dir, `link-${dev.slice(5)}`);
    symlinkSync(dev, link);
    specials.push([`a symlink to ${dev}`, link]);
  }
specials.push(['a directory', dir]);

describe('every reader opens regular files only (FIFO, /dev/zero, /dev/urandom, a directory)', () => {
  it('the platform has special files to test with', () => expect(specials.length).toBeGreaterThanOrEqual(2));
  for (const [what, p] of specials) {
    it(`${what}: readRegularFile, safetensors, ONNX, checkpoint, CSV, IDX, image`, async () => {
      expect(await code(readRegularFile(p))).toBe('E_FILE_NOT_REGULAR');
      expect(await code(loadSafetensors(p))).toBe('E_FILE_NOT_REGULAR');
      expect(await code(importOnnx(p))).toBe('E_FILE_NOT_REGULAR');
      expect(await code(loadCheckpoint(p))).toBe('E_FILE_NOT_REGULAR');
      expect(await code(data.loadCsv(p))).toMatch(/E_FILE_NOT_REGULAR|E_CSV_NOT_FOUND/);
      expect(await code(data.loadIdx(p))).toMatch(/E_IDX_NOT_FOUND/);
      expect(await code(data.loadImage(p))).toBe('E_FILE_NOT_REGULAR');
    }, 20_000);
  }
  it('a file larger than the caller allows is refused before it is read', async () => {
    const f = join(dir, 'big.bin');
    writeFileSync(f, new Uint8Array(1000));
    expect(await code(readRegularFile(f, { maxBytes: 999 }))).toBe('E_FILE_TOO_LARGE');
    expect((await readRegularFile(f, { maxBytes: 1000 })).length).toBe(1000);
    expect(await code(readRegularFile(join(dir, 'missing')))).toBe('E_FILE_NOT_FOUND');
  });
});

describe('safetensors: header parsing is linear, prototype-free', () => {
  it('20,000 tensors decode (the error offset is only computed on error)', () => {
    const sd: Record<string, Tensor> = Object.create(null);
    for (let i = 0; i < 20_000; i++) sd[`t${i}`] = new Tensor(new Float32Array(0), [0], 'float32');
    const r = decodeSafetensors(encodeSafetensors(sd));
    expect(Object.keys(r.tensors)).toHaveLength(20_000);
  });
  it('an error still names the entry’s byte offset', () => {
    const h = JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, é: { dtype: 'X', shape: [], data_offsets: [4, 4] } });
    const j = new TextEncoder().encode(h);
    const b = new Uint8Array(8 + j.length + 4);
    new DataView(b.buffer).setUint32(0, j.length, true);
    b.set(j, 8);
    try {
      decodeSafetensors(b);
      throw new Error('expected an error');
    } catch (e) {
      expect((e as FormatError).code).toBe('E_SAFETENSORS_DTYPE');
      expect((e as FormatError).location.offset).toBe(8 + new TextEncoder().encode(h.slice(0, h.indexOf('"é"'))).length);
    }
  });
});

describe('amplification budgets', () => {
  it('a checkpoint referencing one tensor 400 times is refused before materialising it 400 times', async () => {
    const big = new Tensor(new Float32Array(1 << 18), [1 << 18], 'float32'); // 1 MB
    const bytes = encodeCheckpoint({ model: { w: big } });
    // rewrite the header so 400 entries reference the same tensor id
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const headerLen = dv.getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLen)));
    const ref = header.meta.model.w;
    header.meta.model = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`w${i}`, ref]));
    const { sha256 } = await import('../../src/io/checkpoint-sha256.js');
    const h = new TextEncoder().encode(JSON.stringify(header));
    const data_ = bytes.subarray(16 + headerLen, bytes.length - 32);
    const out = new Uint8Array(16 + h.length + data_.length + 32);
    out.set(bytes.subarray(0, 16));
    new DataView(out.buffer).setUint32(12, h.length, true);
    out.set(h, 16);
    out.set(data_, 16 + h.length);
    out.set(sha256(out.subarray(0, out.length - 32)), out.length - 32);
    const f = join(dir, 'amplified.ckpt');
    writeFileSync(f, out);
    const e = await code(loadCheckpoint(f));
    expect(e).toBe('E_CKPT_HEADER');
    // and a normal checkpoint with the tensor once still loads
    await saveCheckpoint(join(dir, 'ok.ckpt'), { model: { w: big } });
    expect(((await loadCheckpoint(join(dir, 'ok.ckpt'))).model as { w: Tensor }).w.shape).toEqual([1 << 18]);
  });

  it('an IDX.gz whose header claims more than maxBytes fails from the header, before inflating', async () => {
    const header = new Uint8Array(16);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, 0x00000803);
    dv.setUint32(4, 1_200_000);
    dv.setUint32(8, 28);
    dv.setUint32(12, 28);
    const gz = gzipSync(new Uint8Array([...header, ...new Uint8Array(4 << 20)])); // consistent prefix, ~4 KB compressed
    const f = join(dir, 'claims.idx.gz');
    writeFileSync(f, gz);
    const err = await data.loadIdx(f).catch((e: FormatError) => e);
    expect((err as FormatError).code).toBe('E_IDX_GZIP_TOO_LARGE');
    expect((err as FormatError).message).toMatch(/header claims 940800016 bytes/);
    // a gzip that inflates past what its header claims stops at the claim
    dv.setUint32(4, 10);
    const liar = gzipSync(new Uint8Array([...header, ...new Uint8Array(1 << 20)]));
    writeFileSync(f, liar);
    expect(await code(data.loadIdx(f))).toBe('E_IDX_DATA_LONG');
  });

  it('ONNX: node counts are checked before decoding, opset 99 is refused, inference has a per-tensor budget', async () => {
    const model = new nn.Sequential(new nn.Linear(4, 3));
    const proto = decodeOnnxModel(exportOnnx(model, randn([1, 4])));
    const many = {
      ...proto,
      graph: { ...proto.graph!, node: Array.from({ length: 100_001 }, () => ({ input: [], output: [], attribute: [] })) },
    };
    expect(await code(() => importOnnxBytes(encodeModelProto(many)))).toBe('E_ONNX_LIMIT');
    const future = { ...proto, opsetImport: [{ version: 99 }] };
    expect(await code(() => importOnnxBytes(encodeModelProto(future)))).toBe('E_ONNX_OPSET');
    // ConstantOfShape [16384, 16384] at inference: refused before allocating, with the way to raise it
    const shape = {
      name: 'shape',
      dims: [2],
      dataType: 7,
      rawData: new Uint8Array(new BigInt64Array([16384n, 16384n]).buffer),
      floatData: [],
      int32Data: [],
      int64Data: [],
      doubleData: [],
      stringData: [],
      externalData: [],
    };
    const cos = {
      irVersion: 8,
      opsetImport: [{ version: 17 }],
      metadataProps: [],
      graph: {
        node: [{ input: ['shape'], output: ['y'], opType: 'ConstantOfShape', attribute: [] }],
        initializer: [shape],
        input: [],
        output: [{ name: 'y' }],
        valueInfo: [],
      },
    };
    let err: unknown;
    try {
      const m = importOnnxBytes(encodeModelProto(cos as never));
      m.call();
    } catch (e) {
      err = e;
    }
    expect((err as BackpropError).code).toBe('E_ONNX_LIMIT');
  });

  it('a model spec is checked against the parameter budget before anything is allocated', () => {
    expect(() => buildModel({ layers: [{ type: 'Linear', args: [784, 400_000] }], inputShape: [784] }, { maxParams: 1e8 })).toThrow(
      /more than the budget/,
    );
    expect(() => buildModel({ zoo: 'mlp', inputShape: [2_500_000], numClasses: 10 })).toThrow(/budget/);
    // specParamCount is exact for the zoo and the JSON layer types
    manualSeed(0);
    for (const spec of [
      { zoo: 'mlp' as const, inputShape: [1, 28, 28], numClasses: 10 },
      { zoo: 'lenet5' as const, inputShape: [1, 28, 28], numClasses: 10 },
      { zoo: 'cnn' as const, inputShape: [3, 16, 16], numClasses: 5 },
      { zoo: 'resnet-small' as const, inputShape: [3, 16, 16], numClasses: 7 },
      {
        layers: [
          { type: 'Conv2d', args: [3, 8, 3], options: { bias: false } },
          { type: 'BatchNorm2d', args: [8] },
          { type: 'Flatten' },
          { type: 'Linear', args: [8 * 14 * 14, 4] },
          { type: 'LayerNorm', args: [4] },
        ],
        inputShape: [3, 16, 16],
      },
    ]) {
      const m = buildModel(spec);
      expect(specParamCount(spec), JSON.stringify(spec)).toBe(m.parameters().reduce((s, p) => s + p.numel(), 0));
    }
  });
});

describe('non-finite training is never silent', () => {
  it('fit() stops at the first non-finite loss, warns, and keeps the last finite weights', async () => {
    manualSeed(1);
    const model = new nn.Linear(2, 1);
    const x = new Tensor(Float32Array.from([1, 2, 3, NaN, 5, 6, 7, 8]), [4, 2], 'float32');
    const y = new Tensor(new Float32Array(4), [4, 1], 'float32');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const h = await fit(model, {
      train: new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 1 }),
      loss: new nn.MSELoss(),
      optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }),
      epochs: 3,
      progress: false,
    });
    const calls = warn.mock.calls.map((c) => String(c[0]));
    warn.mockRestore();
    expect(h.stopReason).toMatch(/non-finite loss NaN at epoch 1, batch 2/);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/learning rate/);
    expect(model.parameters().every((p) => p.dataSync().every(Number.isFinite))).toBe(true);
  });
  it('terminateOnNaN: false keeps training (opt-out)', async () => {
    const model = new nn.Linear(2, 1);
    const x = new Tensor(Float32Array.from([NaN, 1]), [1, 2], 'float32');
    const h = await fit(model, {
      train: [[x, new Tensor(new Float32Array(1), [1, 1], 'float32')]],
      loss: new nn.MSELoss(),
      optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
      epochs: 2,
      progress: false,
      terminateOnNaN: false,
    });
    expect(h.length).toBe(2);
    expect(h.stopReason).toBeNull();
  });
});

describe('loaders report non-finite numbers with their location', () => {
  it('IDX float data holding NaN or Infinity is E_IDX_NON_FINITE with the byte offset', () => {
    for (const bad of [NaN, Infinity]) {
      const bytes = data.encodeIdx({ dtype: 'float32', shape: [3], data: Float32Array.from([1, bad, 2]) });
      try {
        data.parseIdx(bytes, { file: 'x.idx' });
        throw new Error('expected an error');
      } catch (e) {
        expect((e as FormatError).code).toBe('E_IDX_NON_FINITE');
        expect((e as FormatError).location).toEqual({ file: 'x.idx', offset: 8 + 4 });
      }
    }
    expect(Array.from(data.parseIdx(data.encodeIdx({ dtype: 'float64', shape: [2], data: Float64Array.from([1, -2]) })).data)).toEqual([
      1, -2,
    ]);
  });
});

describe('CSV: stray tokens in numeric columns, prototype-free column maps', () => {
  const rows = (token: string, at: number) =>
    ['x,label', ...Array.from({ length: 200 }, (_, i) => `${i === at ? token : (i * 0.5).toString()},${i % 2 ? 'a' : 'b'}`)].join('\n');
  for (const token of ['1e999', 'inf', '12abc', 'Infinity', '-inf'])
    it(`"${token}" in a numeric column is an error naming row and column (not a categorical column)`, () => {
      let err: FormatError | null = null;
      try {
        data.parseCsv(rows(token, 57));
      } catch (e) {
        err = e as FormatError;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect(err!.code).toMatch(/^E_CSV_NUMBER/);
      expect(err!.location.line).toBe(59);
      expect(err!.location.column).toBe(1);
    });
  it('…unless the column is declared text', () => {
    const t = data.parseCsv(rows('12abc', 57), { columns: { x: 'string' } });
    expect(t.types.x).toBe('string');
  });
  it('a mostly-text column stays text', () => {
    const t = data.parseCsv(['size,n', 'S,1', 'M,2', 'L,3', '1,4'].join('\n'));
    expect(t.types.size).toBe('string');
  });
  it('columns named constructor, __proto__, toString are ordinary columns', () => {
    const t = data.parseCsv(['constructor,__proto__,toString', '1,2,x', '3,4,y'].join('\n'));
    expect(t.names).toEqual(['constructor', '__proto__', 'toString']);
    expect(Array.from(t.column('__proto__') as Float64Array)).toEqual([2, 4]);
    expect(t.types.constructor).toBe('number');
    expect(Object.getPrototypeOf(t.toTable())).toBeNull();
    expect(() => data.parseCsv(['a,b', '1,2'].join('\n')).column('constructor')).toThrow(/no column/);
    const ct = new data.ColumnTransformer([['num', new data.StandardScaler(), ['constructor', '__proto__']]]);
    expect(ct.fitTransform(t.toTable()).shape).toEqual([2, 2]);
    expect(() => new data.ColumnTransformer([['num', new data.StandardScaler(), ['valueOf']]]).fit(t.toTable())).toThrow(
      /not in the table/,
    );
  });
});

describe('plots scale and take any label', () => {
  it('a 1,000-class confusion matrix draws the 50 classes with most samples, without cell text', () => {
    const k = 1000;
    const m = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? i % 97 : 0)));
    const spec = viz.confusionMatrixSpec(m);
    expect((spec.data as { values: unknown[] }).values).toHaveLength(50 * 50);
    expect(spec.usermeta).toEqual({ classes: 1000, shown: 50 });
    expect(JSON.stringify(spec.layer)).not.toMatch(/"text"/);
    expect(String(spec.title)).toMatch(/50 of 1000 classes/);
  });
  it('labels constructor / toString / __proto__ render', async () => {
    const svg = await viz.renderSVG(
      viz.confusionMatrixSpec(
        [
          [3, 1, 0],
          [0, 2, 1],
          [1, 0, 4],
        ],
        { labels: ['constructor', 'toString', '__proto__'] },
      ),
    );
    for (const l of ['constructor', 'toString', '__proto__']) expect(svg).toContain(l);
  }, 30_000);
});

describe('image folders: zero-size images and bombs', () => {
  it('a PNG declaring 16000×16000 is refused from its header in loadImage and loadImageFolder', async () => {
    const { PNG } = await import('pngjs');
    const small = PNG.sync.write(Object.assign(new PNG({ width: 1, height: 1 }), {}));
    const b = new Uint8Array(small);
    new DataView(b.buffer, b.byteOffset).setUint32(16, 16000);
    new DataView(b.buffer, b.byteOffset).setUint32(20, 16000);
    const root = join(dir, 'bomb');
    mkdirSync(join(root, 'a'), { recursive: true });
    mkdirSync(join(root, 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'bomb.png'), b);
    writeFileSync(join(root, 'b', 'ok.png'), small);
    expect(await code(data.loadImage(join(root, 'a', 'bomb.png')))).toBe('E_IMG_TOO_LARGE');
    expect(await code(data.loadImageFolder(root, { size: 28 }))).toBe('E_IMG_TOO_LARGE');
    new DataView(b.buffer, b.byteOffset).setUint32(16, 0);
    writeFileSync(join(root, 'a', 'bomb.png'), b);
    expect(await code(data.loadImageFolder(root, { size: 28 }))).toBe('E_IMG_DECODE');
  });
});

describe('PNG image data is checked against the header before pngjs decodes', () => {
  // a gray 8-bit PNG with the given IHDR size and the given (raw, filter bytes included) image data
  async function png(width: number, height: number, raw: Uint8Array): Promise<Uint8Array> {
    const { PNG } = await import('pngjs');
    const { deflateSync } = await import('node:zlib');
    const base = new Uint8Array(PNG.sync.write(Object.assign(new PNG({ width: 1, height: 1 }), {})));
    const dv = new DataView(base.buffer, base.byteOffset);
    dv.setUint32(16, width);
    dv.setUint32(20, height);
    // rebuild: signature + IHDR (CRC not checked before the data check) + one IDAT + IEND
    const chunk = (type: string, body: Uint8Array): Uint8Array => {
      const out = new Uint8Array(12 + body.length);
      const v = new DataView(out.buffer);
      v.setUint32(0, body.length);
      out.set(new TextEncoder().encode(type), 4);
      out.set(body, 8);
      let c = -1;
      for (const x of out.subarray(4, 8 + body.length)) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      v.setUint32(8 + body.length, (c ^ -1) >>> 0);
      return out;
    };
    const ihdr = base.subarray(16, 29).slice();
    ihdr[8] = 8; // bit depth
    ihdr[9] = 0; // gray
    const parts = [
      base.subarray(0, 8),
      chunk('IHDR', ihdr),
      chunk('IDAT', new Uint8Array(deflateSync(raw))),
      chunk('IEND', new Uint8Array()),
    ];
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  it('whole image data decodes; data that ends early is E_IMG_DECODE (pngjs zero-filled it)', async () => {
    const ok = await data.decodeImage(await png(28, 28, new Uint8Array(28 * 29)));
    expect([ok.width, ok.height]).toEqual([28, 28]);
    const short = data.decodeImage(await png(28, 28, new Uint8Array(28 * 29 - 1)));
    await expect(short).rejects.toMatchObject({ code: 'E_IMG_DECODE', message: expect.stringMatching(/ends early: 811 of the 812 bytes/) });
    await expect(data.decodeImage(await png(28, 28, new Uint8Array(10)))).rejects.toMatchObject({ code: 'E_IMG_DECODE' });
  });
  it(`a side longer than MAX_IMAGE_SIDE is E_IMG_TOO_LARGE from the header, under the pixel cap`, async () => {
    expect(data.MAX_IMAGE_SIDE).toBe(32768);
    const tall = await png(1, 3_750_000, new Uint8Array(10));
    const t0 = Date.now();
    await expect(data.decodeImage(tall)).rejects.toMatchObject({ code: 'E_IMG_TOO_LARGE' });
    const f = join(dir, 'tall.png');
    writeFileSync(f, tall);
    expect(await code(data.loadImage(f))).toBe('E_IMG_TOO_LARGE');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('metrics scale with the number of classes', () => {
  it('classificationReport counts per class (no k × k matrix) and agrees with the confusion matrix', async () => {
    const { metrics } = await import('../../src/index.js');
    const p = [0, 2, 1, 1, 3, 3, 0];
    const t = [0, 1, 1, 2, 3, 0, 0];
    const cm = metrics.confusionMatrix(p, t, 5);
    const r = metrics.classificationReport(p, t, 5);
    for (let c = 0; c < 5; c++) {
      const tp = cm[c]![c]!;
      const predC = cm.reduce((a, row) => a + row[c]!, 0);
      const trueC = cm[c]!.reduce((a, b) => a + b, 0);
      expect(r.precision[c]).toBe(predC ? tp / predC : 0);
      expect(r.recall[c]).toBe(trueC ? tp / trueC : 0);
      expect(r.support[c]).toBe(trueC);
    }
    // 200,000 classes: a dense matrix would be 4·10^10 cells
    const n = 1000;
    const big = metrics.classificationReport(
      Array.from({ length: n }, (_, i) => i % 7),
      Array.from({ length: n }, (_, i) => i % 5),
      200_000,
    );
    expect(big.support).toHaveLength(200_000);
    expect(() => metrics.classificationReport([0, 9], [0, 1], 3)).toThrow(/label 9 at index 1 is outside \[0, 3\)/);
  });
  it('fit/evaluate keep arg-max labels, not scores, when every metric reads labels (same numbers)', async () => {
    manualSeed(3);
    const x = randn([600, 4]);
    const y = new Tensor(
      Int32Array.from({ length: 600 }, (_, i) => i % 3000),
      [600],
      'int32',
    );
    const model = new nn.Linear(4, 3000);
    const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 100 });
    const { evaluate, metrics } = await import('../../src/index.js');
    const m = await evaluate(model, loader, { metrics: ['accuracy', 'f1'] });
    const scores = model.call(x) as Tensor;
    expect(m.accuracy).toBe(metrics.accuracy(scores, y));
    expect(m.f1).toBe(metrics.f1Score(scores, y));
    const both = await evaluate(model, loader, { metrics: ['accuracy', 'top5Accuracy'] });
    expect(both.top5Accuracy).toBe(metrics.topKAccuracy(scores, y, 5));
  });
});

describe('checking forward passes have an activation budget', () => {
  it('a spec whose first layer would produce 84 million values per sample is E_BUDGET before that layer runs', () => {
    const t0 = Date.now();
    let err: unknown;
    try {
      buildModel({ layers: [{ type: 'Conv2d', args: [1, 100_000, 3] }], inputShape: [1, 28, 28] });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_BUDGET', message: expect.stringMatching(/by layer '0'/) });
    expect(Date.now() - t0).toBeLessThan(1500);
  });
  it('summary() of resnet-small on a 1000×1000 input stops at the budget; normal models are unaffected', async () => {
    const { modelSummary, budgetedForward, MAX_ACTIVATION_ELEMENTS } = await import('../../src/index.js');
    expect(MAX_ACTIVATION_ELEMENTS).toBe(2 ** 26);
    const big = buildModel({ zoo: 'resnet-small', inputShape: [1, 1000, 1000], numClasses: 10 });
    expect(() => modelSummary(big, [1, 1000, 1000])).toThrow(expect.objectContaining({ code: 'E_BUDGET' }));
    const small = buildModel({ zoo: 'cnn', inputShape: [1, 28, 28], numClasses: 10 });
    expect(modelSummary(small, [1, 28, 28]).rows.at(-1)!.outputShape).toEqual([1, 10]);
    // the budget counts every leaf layer's output; the hooks are removed afterwards
    const lin = new nn.Linear(4, 8);
    expect(() => budgetedForward(lin, 1, () => lin.call(randn([1, 4])), 'test', 7)).toThrow(/more than 7 values per sample/);
    // one layer's work is bounded too: 32 multiply-adds per budgeted value
    const conv = new nn.Conv2d(16, 16, 3, { padding: 1 });
    expect(() =>
      budgetedForward(conv, 1, () => conv.call(new Tensor(new Float32Array(16 * 1100 * 1100), [1, 16, 1100, 1100], 'float32')), 'test'),
    ).toThrow(/layer '' would take [\d,]+ multiply-adds per sample, more than 2,147,483,648/);
    expect((budgetedForward(lin, 1, () => lin.call(randn([1, 4])), 'test', 8) as Tensor).shape).toEqual([1, 8]);
  });
});
