import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, mkdirSync, copyFileSync, symlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { data, FormatError, StateError, type Tensor } from '../../src/index.js';

const dir = realpathSync(join(__dirname, '../fixtures/data/images'));
interface Case {
  dir: string;
  code: string;
  file?: string;
  why: string;
  message?: string;
  options?: data.ImageFolderOptions;
}
const cases: Case[] = JSON.parse(readFileSync(join(dir, 'bad/cases.json'), 'utf8'));

async function rejects(root: string, code: string, file: string | undefined, opts?: data.ImageFolderOptions, message?: string) {
  let err: unknown;
  try {
    await data.loadImageFolder(root, opts);
  } catch (e) {
    err = e;
  }
  expect(err, root).toBeInstanceOf(FormatError);
  const fe = err as FormatError;
  expect(fe.code, fe.message).toBe(code);
  if (message) expect(fe.message).toContain(message);
  if (file) expect(fe.location.file).toBe(join(root, file));
  else expect(fe.location.file).toBeDefined();
}

describe('image folder malformed corpus', () => {
  it('has at least 6 cases', () => expect(cases.length).toBeGreaterThanOrEqual(6));
  for (const c of cases)
    it(`rejects ${c.dir} (${c.why}) with ${c.code}`, () => rejects(join(dir, 'bad', c.dir), c.code, c.file, c.options, c.message));
  it('rejects a missing root', () => rejects(join(dir, 'no-such-dir'), 'E_IMG_NOT_FOUND', undefined));
  it('does not follow symlinks that leave the root', async () => {
    const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'bp-img-')));
    const outside = join(tmp, 'outside');
    mkdirSync(join(outside, 'secret'), { recursive: true });
    copyFileSync(join(dir, 'good/digits/0/img_0.png'), join(outside, 'secret/leak.png'));
    const root = join(tmp, 'root');
    mkdirSync(join(root, 'cat'), { recursive: true });
    copyFileSync(join(dir, 'good/digits/0/img_1.png'), join(root, 'cat/ok.png'));
    symlinkSync(join(outside, 'secret/leak.png'), join(root, 'cat/leak.png'));
    symlinkSync(join(outside, 'secret'), join(root, 'secret'));
    symlinkSync(join(root, 'cat/ok.png'), join(root, 'cat/alias.png')); // inside the root: followed
    const r = await data.loadImageFolder(root);
    expect(r.classes).toEqual(['cat']);
    expect(r.files.map((f) => f.slice(root.length + 1))).toEqual(['cat/alias.png', 'cat/ok.png']);
    expect(r.skipped.map((s) => s.path.slice(root.length + 1)).sort()).toEqual(['cat/leak.png', 'secret']);
    // only an outside link → no images
    const root2 = join(tmp, 'root2');
    mkdirSync(join(root2, 'cat'), { recursive: true });
    symlinkSync(join(outside, 'secret/leak.png'), join(root2, 'cat/leak.png'));
    await rejects(root2, 'E_IMG_EMPTY', undefined);
  });
});

describe('image folders', () => {
  it('loads gray PNG + JPEG digits with stable classes, ignoring hidden and non-image entries', async () => {
    const r = await data.loadImageFolder(join(dir, 'good/digits'));
    expect(r.classes).toEqual(['0', '1', '2']);
    const [x, y] = r.dataset.tensors;
    expect(x!.shape).toEqual([10, 1, 8, 8]);
    expect(y!.toArray()).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
    expect(r.files[9]!.endsWith('2/img_9.jpg')).toBe(true);
    const reasons = r.skipped.map((s) => `${s.path.slice(dir.length + 'good/digits/'.length + 1)}: ${s.reason}`);
    expect(reasons.some((s) => s.startsWith('.ipynb_checkpoints: hidden'))).toBe(true);
    expect(reasons.some((s) => s.startsWith('1/README.txt'))).toBe(true);
    expect(reasons.some((s) => s.startsWith('labels.csv'))).toBe(true);
  });
  it('PNG pixels are exact, JPEG close', async () => {
    const r = await data.loadImageFolder(join(dir, 'good/digits'));
    const x = r.dataset.tensors[0]!;
    const expected = (w: number, h: number, seed: number) => {
      const g: number[] = [];
      for (let yy = 0; yy < h; yy++)
        for (let xx = 0; xx < w; xx++) g.push(Math.abs(xx - yy - (seed % 5) + 2) < 1.5 ? 255 : (xx * 7 + yy * 3 + seed * 11) % 40);
      return g;
    };
    const got0 = (x.select(0, 0).flatten().toArray() as number[]).map((v) => Math.round(v * 255));
    expect(got0).toEqual(expected(8, 8, 0));
    const got9 = (x.select(0, 9).flatten().toArray() as number[]).map((v) => Math.round(v * 255));
    const exp9 = expected(8, 8, 9);
    const maxErr = Math.max(...got9.map((v, i) => Math.abs(v - exp9[i]!)));
    expect(maxErr).toBeLessThan(60); // lossy, but the stroke is there
  });
  it('RGB folders give 3 channels; grayscale mode converts with BT.601 luma', async () => {
    const rgb = await data.loadImageFolder(join(dir, 'good/rgb'));
    expect(rgb.classes).toEqual(['blue', 'red']);
    expect(rgb.dataset.tensors[0]!.shape).toEqual([4, 3, 4, 5]);
    const gray = await data.loadImageFolder(join(dir, 'good/rgb'), { mode: 'grayscale' });
    expect(gray.dataset.tensors[0]!.shape).toEqual([4, 1, 4, 5]);
    const c = rgb.dataset.tensors[0]!.select(0, 0).dataSync();
    const g = gray.dataset.tensors[0]!.select(0, 0).dataSync();
    const luma = Math.round(0.299 * c[0]! * 255 + 0.587 * c[20]! * 255 + 0.114 * c[40]! * 255);
    expect(Math.round(g[0]! * 255)).toBe(luma);
    const up = await data.loadImageFolder(join(dir, 'good/digits'), { mode: 'rgb', flat: true });
    expect(up.dataset.tensors[0]!.shape).toEqual([10, 192]);
  });
  it('ImageFolder decodes lazily, matches the eager loader, and batches with for await', async () => {
    const root = join(dir, 'good/digits');
    const eager = await data.loadImageFolder(root);
    const lazy = await data.ImageFolder.open(root);
    expect(lazy.classes).toEqual(eager.classes);
    expect(lazy.length).toBe(10);
    expect(lazy.samples.map((s) => s.file)).toEqual(eager.files);
    const [img, label] = await lazy.getItem(9);
    expect(label).toBe(2);
    expect(img.toArray()).toEqual(eager.dataset.tensors[0]!.select(0, 9).toArray());
    const loader = new data.DataLoader(lazy, { batchSize: 4, shuffle: true, seed: 3 });
    const seen: number[] = [];
    for await (const [x, y] of loader as unknown as AsyncIterable<[Tensor, Tensor]>) {
      expect(x.shape.slice(1)).toEqual([1, 8, 8]);
      seen.push(...(y.toArray() as number[]));
    }
    expect(seen.sort()).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
    expect(() => [...loader]).toThrow(StateError);
    await expect(data.ImageFolder.open(join(dir, 'bad/fake-png'))).rejects.toMatchObject({ code: 'E_IMG_UNKNOWN_TYPE' });
    const bad = await data.ImageFolder.open(join(dir, 'bad/truncated-png'));
    await expect(bad.getItem(1)).rejects.toMatchObject({ code: 'E_IMG_DECODE' });
  });
  it('decodeImage / readImageHeader on bytes', async () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'good/rgb/red/0.png')));
    expect(data.readImageHeader(bytes)).toEqual({ kind: 'png', width: 5, height: 4, channels: 3 });
    const img = await data.decodeImage(bytes);
    expect([img.width, img.height, img.channels, img.data.length]).toEqual([5, 4, 3, 60]);
    const t = data.toTensor()(img);
    expect(t.shape).toEqual([3, 4, 5]);
    await expect(data.decodeImage(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'E_IMG_UNKNOWN_TYPE' });
  });
});
