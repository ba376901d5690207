/**
 * Image folders in the class-per-folder layout (torchvision's ImageFolder; Kaggle's
 * `trainingSet/<digit>/*.jpg`):
 *
 * ```
 * root/cat/001.png
 * root/cat/002.jpg
 * root/dog/xyz.png
 * ```
 *
 * Rules: classes are the non-hidden sub-folders of `root`, sorted by code point (stable order,
 * label = index); files are the non-hidden regular files directly inside a class folder, sorted
 * the same way; the type comes from the magic bytes, not the extension — a file named like an
 * image (.png/.jpg/.jpeg) that is neither PNG nor JPEG is an error, other files (README.txt,
 * Thumbs.db) are skipped and listed in `skipped`; symlinks whose target lies outside `root` are not
 * followed (skipped); every image must have the size of the first (no resizing); each image's
 * size is checked against `maxPixels` from its header before decoding. Node only.
 */
import { FormatError } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { Dataset, TensorDataset, checkIndex } from './dataset.js';
import { toTensor, type RawImage } from './transforms.js';
import { MAX_IMAGE_PIXELS, decodeImage, readImageHeader, sniffImage, toGray, toRgb } from './image.js';
import { nodeFs, nodePath } from './node.js';
import { checkOptionKeys } from '../core/options.js';

export interface ImageFolderOptions {
  /** 'grayscale' (1 channel), 'rgb' (3), or 'auto' (default): gray when the first image is gray. */
  mode?: 'grayscale' | 'rgb' | 'auto';
  /** Largest width × height per image (default 4096 × 4096), checked before decoding. */
  maxPixels?: number;
  /** Largest file in bytes (default 64 MiB). */
  maxFileBytes?: number;
  /** Most images (default 1,000,000). */
  maxFiles?: number;
  /** Images as [N, C·H·W] instead of [N, C, H, W] (default false). */
  flat?: boolean;
}

export interface ImageFolderResult {
  /** Images float32 [N, C, H, W] in [0, 1], labels int32 [N]. */
  dataset: TensorDataset;
  /** Class names; label k is `classes[k]`. */
  classes: string[];
  /** Path of each sample, in dataset order. */
  files: string[];
  /** Entries not loaded and why (hidden, not an image, symlink leaving the root, …). */
  skipped: { path: string; reason: string }[];
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Load every image of a class-per-folder tree into memory.
 *
 * ```ts
 * const { dataset, classes } = await loadImageFolder('trainingSet', { mode: 'grayscale' });
 * // dataset.tensors[0]: [42000, 1, 28, 28] float32, dataset.tensors[1]: [42000] int32
 * ```
 * Errors: FormatError `E_IMG_NOT_FOUND`, `E_IMG_NO_CLASSES`, `E_IMG_EMPTY`, `E_IMG_UNKNOWN_TYPE`,
 * `E_IMG_TOO_LARGE`, `E_IMG_SIZE_MISMATCH`, `E_IMG_DECODE`, `E_IMG_TOO_MANY`, each naming the file.
 */
export async function loadImageFolder(root: string, opts: ImageFolderOptions = {}): Promise<ImageFolderResult> {
  checkOptionKeys('loadImageFolder', opts, ['mode', 'maxPixels', 'maxFileBytes', 'maxFiles', 'flat']);
  const fs = await nodeFs();
  const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  const { classes, entries, skipped } = await scanImageFolder(root, { maxFileBytes: opts.maxFileBytes, maxFiles: opts.maxFiles });
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  const files: string[] = [];
  let size: { w: number; h: number; file: string } | null = null;
  let channels = opts.mode === 'grayscale' ? 1 : opts.mode === 'rgb' ? 3 : 0;
  for (const { file, label } of entries) {
    const bytes = new Uint8Array(await fs.promises.readFile(file));
    if (!sniffImage(bytes)) {
      if (IMAGE_EXT.test(file)) throw new FormatError('E_IMG_UNKNOWN_TYPE', 'image folder: named like an image but neither PNG nor JPEG (by magic bytes)', { file, offset: 0 });
      skipped.push({ path: file, reason: 'not a PNG or JPEG' });
      continue;
    }
    const header = readImageHeader(bytes, file);
    if (header.width * header.height > maxPixels)
      throw new FormatError('E_IMG_TOO_LARGE', `image folder: ${header.width}×${header.height} pixels exceed maxPixels ${maxPixels} (checked before decoding)`, { file });
    if (size && (header.width !== size.w || header.height !== size.h))
      throw new FormatError(
        'E_IMG_SIZE_MISMATCH',
        `image folder: image is ${header.width}×${header.height} but ${size.file} is ${size.w}×${size.h}; all images must have the same size (resize them first)`,
        { file },
      );
    size ??= { w: header.width, h: header.height, file };
    if (channels === 0) channels = header.channels <= 2 ? 1 : 3;
    const img = await decodeImage(bytes, { maxPixels, file });
    images.push((channels === 1 ? toGray(img) : toRgb(img)).data as Uint8Array);
    labels.push(label);
    files.push(file);
  }
  if (images.length === 0 || !size)
    throw new FormatError('E_IMG_EMPTY', `image folder: no PNG or JPEG images under ${JSON.stringify(root)} (class folders: ${classes.join(', ')})`, { file: root });

  const n = images.length;
  const hw = size.w * size.h;
  const x = new Float32Array(n * channels * hw);
  images.forEach((img, i) => {
    const base = i * channels * hw;
    for (let p = 0; p < hw; p++) for (let k = 0; k < channels; k++) x[base + k * hw + p] = img[p * channels + k]! / 255;
  });
  const shape = opts.flat ? [n, channels * hw] : [n, channels, size.h, size.w];
  return {
    dataset: new TensorDataset(new Tensor(x, shape, 'float32'), new Tensor(Int32Array.from(labels), [n], 'int32')),
    classes,
    files,
    skipped,
  };
}

/**
 * List the classes and candidate files of a class-per-folder tree without decoding anything
 * (same rules as `loadImageFolder`). Files are checked by magic bytes later, when read.
 */
export async function scanImageFolder(
  root: string,
  opts: Pick<ImageFolderOptions, 'maxFileBytes' | 'maxFiles'> = {},
): Promise<{ classes: string[]; entries: { file: string; label: number }[]; skipped: { path: string; reason: string }[] }> {
  checkOptionKeys('scanImageFolder', opts, ['maxFileBytes', 'maxFiles']);
  const fs = await nodeFs();
  const path = await nodePath();
  const maxFileBytes = opts.maxFileBytes ?? 64 << 20;
  const maxFiles = opts.maxFiles ?? 1_000_000;
  let rootReal: string | null = null;
  try {
    const real = await fs.promises.realpath(root);
    if ((await fs.promises.stat(real)).isDirectory()) rootReal = real;
  } catch {
    // missing or unreadable: reported below
  }
  if (rootReal === null) throw new FormatError('E_IMG_NOT_FOUND', `image folder: ${JSON.stringify(root)} is not a readable directory`, { file: root });
  const skipped: { path: string; reason: string }[] = [];
  const inside = (real: string): boolean => real === rootReal || real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);

  /** Resolve an entry; null (and recorded) when it is a symlink leaving the root or unreadable. */
  const resolve = async (p: string): Promise<{ real: string; stat: import('node:fs').Stats } | null> => {
    try {
      const real = await fs.promises.realpath(p);
      if (!inside(real)) {
        skipped.push({ path: p, reason: 'symlink to a target outside the root (not followed)' });
        return null;
      }
      return { real, stat: await fs.promises.stat(real) };
    } catch {
      skipped.push({ path: p, reason: 'unreadable or dangling link' });
      return null;
    }
  };

  const classes: string[] = [];
  for (const name of (await fs.promises.readdir(rootReal)).sort(byCodePoint)) {
    const p = path.join(rootReal, name);
    if (name.startsWith('.')) {
      skipped.push({ path: p, reason: 'hidden' });
      continue;
    }
    const r = await resolve(p);
    if (!r) continue;
    if (r.stat.isDirectory()) classes.push(name);
    else skipped.push({ path: p, reason: 'a file in the root, not in a class folder' });
  }
  if (classes.length === 0)
    throw new FormatError('E_IMG_NO_CLASSES', `image folder: ${JSON.stringify(root)} has no class folders; expected root/<class>/<image>.png|jpg`, { file: root });

  const entries: { file: string; label: number }[] = [];
  for (let label = 0; label < classes.length; label++) {
    const dir = path.join(rootReal, classes[label]!);
    for (const name of (await fs.promises.readdir(dir)).sort(byCodePoint)) {
      const p = path.join(dir, name);
      if (name.startsWith('.')) {
        skipped.push({ path: p, reason: 'hidden' });
        continue;
      }
      const r = await resolve(p);
      if (!r) continue;
      if (!r.stat.isFile()) {
        skipped.push({ path: p, reason: 'not a regular file (nested folders are not read)' });
        continue;
      }
      if (r.stat.size > maxFileBytes) throw new FormatError('E_IMG_TOO_LARGE', `image folder: file has ${r.stat.size} bytes, over maxFileBytes ${maxFileBytes}`, { file: p });
      entries.push({ file: p, label });
      if (entries.length > maxFiles) throw new FormatError('E_IMG_TOO_MANY', `image folder: more than maxFiles ${maxFiles} files`, { file: root });
    }
  }

  return { classes, entries, skipped };
}

/**
 * A lazily decoded class-per-folder dataset (torchvision's ImageFolder): the tree is scanned once
 * (same rules as `loadImageFolder`), each `getItem(i)` reads and decodes one file and returns
 * `[transform(image), label]` — by default `toTensor()` → float32 [C, H, W] in [0, 1]. Decoding is
 * asynchronous, so iterate a DataLoader over it with `for await`. Use it for folders too large to
 * hold decoded, or to apply random augmentation per sample. Only the first bytes of each file are
 * read by `open` (to keep exactly the PNG/JPEG files); image sizes are checked per image against
 * `maxPixels`, and equal sizes only when a batch is stacked (a ShapeError naming both shapes).
 *
 * ```ts
 * const ds = await ImageFolder.open('trainingSet', { mode: 'grayscale' });
 * const loader = new DataLoader(ds, { batchSize: 64, shuffle: true, seed: 0 });
 * for await (const [x, y] of loader) { … }   // x: [64, 1, 28, 28], y: [64] int32
 * ```
 */
export class ImageFolder<T = Tensor> extends Dataset<Promise<[T, number]>> {
  private constructor(
    readonly root: string,
    readonly classes: string[],
    readonly samples: readonly { file: string; label: number }[],
    readonly skipped: { path: string; reason: string }[],
    private readonly opts: ImageFolderOptions,
    private readonly transform: (img: RawImage) => T,
  ) {
    super();
  }

  /** Scan `root` and return the dataset (no image is decoded yet). */
  static async open<T = Tensor>(
    root: string,
    opts: ImageFolderOptions & { transform?: (img: RawImage) => T } = {},
  ): Promise<ImageFolder<T>> {
    checkOptionKeys('ImageFolder.open', opts, ['mode', 'maxPixels', 'maxFileBytes', 'maxFiles', 'flat', 'transform']);
    const { classes, entries: all, skipped } = await scanImageFolder(root, { maxFileBytes: opts.maxFileBytes, maxFiles: opts.maxFiles });
    // sniff the first bytes of every file now, so the samples are exactly the PNG/JPEG files
    const fs = await nodeFs();
    const entries: { file: string; label: number }[] = [];
    for (const e of all) {
      const fh = await fs.promises.open(e.file, 'r');
      const head = new Uint8Array(8);
      try {
        await fh.read(head, 0, 8, 0);
      } finally {
        await fh.close();
      }
      if (sniffImage(head)) entries.push(e);
      else if (IMAGE_EXT.test(e.file)) throw new FormatError('E_IMG_UNKNOWN_TYPE', 'image folder: named like an image but neither PNG nor JPEG (by magic bytes)', { file: e.file, offset: 0 });
      else skipped.push({ path: e.file, reason: 'not a PNG or JPEG' });
    }
    if (entries.length === 0)
      throw new FormatError('E_IMG_EMPTY', `image folder: no PNG or JPEG files under ${JSON.stringify(root)} (class folders: ${classes.join(', ')})`, { file: root });
    const transform = opts.transform ?? ((img: RawImage) => toTensor()(img) as unknown as T);
    let mode = opts.mode ?? 'auto';
    if (mode === 'auto') {
      // as in loadImageFolder: gray when the first image is gray, for every sample
      const first = entries[0]!.file;
      mode = readImageHeader(new Uint8Array(await fs.promises.readFile(first)), first).channels <= 2 ? 'grayscale' : 'rgb';
    }
    return new ImageFolder<T>(root, classes, entries, skipped, { ...opts, mode }, transform);
  }

  get length(): number {
    return this.samples.length;
  }

  /** Decode sample `index` → `[transform(image), label]`. Errors as in `loadImageFolder`. */
  async getItem(index: number): Promise<[T, number]> {
    const { file, label } = this.samples[checkIndex(index, this.length, 'ImageFolder')]!;
    const fs = await nodeFs();
    const bytes = new Uint8Array(await fs.promises.readFile(file));
    if (!sniffImage(bytes)) throw new FormatError('E_IMG_UNKNOWN_TYPE', 'image folder: neither PNG nor JPEG (by magic bytes)', { file, offset: 0 });
    const img = await decodeImage(bytes, { maxPixels: this.opts.maxPixels ?? MAX_IMAGE_PIXELS, file });
    const conv = this.opts.mode === 'grayscale' ? toGray(img) : toRgb(img);
    return [this.transform(conv), label];
  }
}
