import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { data, FormatError, ValueError, tensor } from '../../src/index.js';

async function png(file: string, w: number, h: number, px: (x: number, y: number) => number): Promise<void> {
  const { PNG } = await import('pngjs');
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) p.data.set([px(x, y), px(x, y), px(x, y), 255], (y * w + x) * 4);
  writeFileSync(file, PNG.sync.write(p));
}

describe('data.resize (bilinear, align_corners=False, as torch F.interpolate)', () => {
  it('upsamples 2×2 → 4×4 to the values PyTorch gives', () => {
    const x = tensor([0, 1, 2, 3]).reshape([1, 2, 2]);
    const y = data.resize(4)(x);
    expect(y.shape).toEqual([1, 4, 4]);
    // torch.nn.functional.interpolate(torch.arange(4.).view(1,1,2,2), size=4, mode='bilinear', align_corners=False)
    expect(Array.from(y.dataSync())).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  });
  it('downsamples by 2 as the mean of 2×2 blocks, keeps batches and channels apart', () => {
    const x = tensor(Array.from({ length: 2 * 2 * 16 }, (_, i) => i)).reshape([2, 2, 4, 4]);
    const y = data.resize([2, 2])(x);
    expect(y.shape).toEqual([2, 2, 2, 2]);
    const d = y.dataSync();
    // block (0,0) of the first plane: (0 + 1 + 4 + 5) / 4
    expect(d[0]).toBeCloseTo(2.5, 6);
    expect(d[4]).toBeCloseTo(16 + 2.5, 6);
    expect(d[12]).toBeCloseTo(48 + 2.5, 6);
  });
  it('is the identity at the same size and refuses bad sizes and budgets', () => {
    const x = tensor([1, 2, 3, 4]).reshape([1, 2, 2]);
    expect(data.resize([2, 2])(x)).toBe(x);
    expect(() => data.resize(0)).toThrow(ValueError);
    expect(() => data.resize([2, 2.5] as never)).toThrow(/positive integer/);
    expect(() => data.resize([60000, 60000])(x)).toThrow(/more than/);
  });
});

describe('one image pipeline: loadImage and mixed-size image folders', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'bp-resize-')));
  it('loadImageFolder({ size }) loads a folder of mixed sizes; without size it refuses', async () => {
    const dir = join(root, 'mixed');
    mkdirSync(join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'b'), { recursive: true });
    await png(join(dir, 'a/1.png'), 10, 10, () => 255);
    await png(join(dir, 'a/2.png'), 30, 20, () => 255);
    await png(join(dir, 'b/1.png'), 7, 13, () => 0);
    const r = await data.loadImageFolder(dir, { mode: 'grayscale', size: [8, 8] });
    const [x, y] = r.dataset.tensors;
    expect(x!.shape).toEqual([3, 1, 8, 8]);
    expect(Array.from(y!.dataSync())).toEqual([0, 0, 1]);
    const v = x!.dataSync();
    expect(v.slice(0, 128).every((p) => p === 1)).toBe(true);
    expect(v.slice(128).every((p) => p === 0)).toBe(true);
    await expect(data.loadImageFolder(dir)).rejects.toMatchObject({ code: 'E_IMG_SIZE_MISMATCH' });
    await expect(data.loadImageFolder(dir, { sizee: 3 } as never)).rejects.toThrow(/unknown option 'sizee'/);
  });
  it('an empty class folder is an error (E_IMG_EMPTY_CLASS), in loadImageFolder and ImageFolder', async () => {
    const dir = join(root, 'empty-class');
    mkdirSync(join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'b'), { recursive: true });
    await png(join(dir, 'a/1.png'), 4, 4, () => 9);
    writeFileSync(join(dir, 'b/readme.txt'), 'no images here');
    await expect(data.loadImageFolder(dir)).rejects.toMatchObject({ code: 'E_IMG_EMPTY_CLASS' });
    await expect(data.ImageFolder.open(dir)).rejects.toMatchObject({ code: 'E_IMG_EMPTY_CLASS' });
  });
  it('ImageFolder.open({ size }) resizes lazily', async () => {
    const ds = await data.ImageFolder.open(join(root, 'mixed'), { mode: 'grayscale', size: 5 });
    const [x] = await ds.getItem(1);
    expect(x.shape).toEqual([1, 5, 5]);
  });
  it('loadImage: mode, size and the caps of the library path', async () => {
    const f = join(root, 'one.png');
    await png(f, 6, 4, (x) => x * 40);
    const x = await data.loadImage(f, { mode: 'grayscale', size: [2, 3] });
    expect(x.shape).toEqual([1, 2, 3]);
    await expect(data.loadImage(f, { maxPixels: 10 })).rejects.toMatchObject({ code: 'E_IMG_TOO_LARGE' });
    await expect(data.loadImage(f, { maxFileBytes: 10 })).rejects.toMatchObject({ code: 'E_FILE_TOO_LARGE' });
    await expect(data.loadImage(join(root, 'missing.png'))).rejects.toBeInstanceOf(FormatError);
  });
});
