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
 * followed (skipped); every image must have the size of the first unless `size` is given (then
 * each is resized, bilinear); each image's size is checked against `maxPixels` from its header
 * before decoding; every file is opened as a regular file (a FIFO or a device is refused) and its
 * size checked against `maxFileBytes` before it is read; a class folder without images is an error.
 * Node only.
 */
import { FormatError, ValueError } from '../core/errors.js';
import { readRegularFile } from '../core/files.js';
import { checkOptionKeys } from '../core/options.js';
import { Tensor } from '../tensor/tensor.js';
import { Dataset, TensorDataset, checkIndex } from './dataset.js';
import { resize, toTensor, type RawImage } from './transforms.js';
import { MAX_IMAGE_PIXELS, decodeImage, readImageHeader, sniffImage, toGray, toRgb } from './image.js';
import { nodeFs, nodePath } from './node.js';

/** Options of `loadImageFolder` and `ImageFolderDataset`; unknown keys throw a `ValueError`. */
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
  /**
   * Resize every image to [height, width] (or a square), bilinear as `data.resize`, so folders of
   * mixed sizes load. Default: no resizing, and every image must have the size of the first.
   */
  size?: number | readonly [number, number];
  /** Largest decoded dataset, in float32 elements (default 2^28 = 1 GiB), checked before decoding. */
  maxElements?: number;
}

const DEFAULT_MAX_FILE_BYTES = 64 << 20;

/** Options of `loadImage`; unknown keys throw a `ValueError`. */
export interface LoadImageOptions {
  /** 'grayscale' (1 channel), 'rgb' (3), or 'auto' (default: as stored, gray or RGB). */
  mode?: 'grayscale' | 'rgb' | 'auto';
  /** Resize to [height, width] (or a square), bilinear as `data.resize`. */
  size?: number | readonly [number, number];
  /** Largest width × height (default 4096 × 4096), checked from the header before decoding. */
  maxPixels?: number;
  /** Largest file in bytes (default 64 MiB), checked before reading. */
  maxFileBytes?: number;
}

/**
 * Read one PNG or JPEG file as a float32 tensor [C, H, W] in [0, 1] — the one image path of the
 * library and the CLI: a regular file of at most `maxFileBytes`, type by magic bytes, pixel count
 * checked against `maxPixels` before decoding, converted to `mode`, optionally resized to `size`.
 *
 * ```ts
 * const x = await data.loadImage('digit.png', { mode: 'grayscale', size: [28, 28] }); // [1, 28, 28]
 * ```
 */
export async function loadImage(file: string, opts: LoadImageOptions = {}): Promise<Tensor> {
  checkOptionKeys('loadImage', opts, { mode: true, size: true, maxPixels: true, maxFileBytes: true });
  const mode = opts.mode ?? 'auto';
  if (mode !== 'grayscale' && mode !== 'rgb' && mode !== 'auto')
    throw new ValueError(`loadImage: mode must be 'grayscale', 'rgb' or 'auto', got ${JSON.stringify(mode)}`);
  const resizeTo = opts.size === undefined ? null : resize(opts.size);
  const bytes = await readRegularFile(file, { maxBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, who: 'image' });
  const img = await decodeImage(bytes, { maxPixels: opts.maxPixels ?? MAX_IMAGE_PIXELS, file });
  const conv = mode === 'grayscale' ? toGray(img) : mode === 'rgb' ? toRgb(img) : img;
  const x = toTensor()(conv);
  return resizeTo ? resizeTo(x) : x;
}

/** What `loadImageFolder` returns: the images and labels as one TensorDataset, and the class names (one sub-folder each, sorted). */
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
  checkOptionKeys('loadImageFolder', opts, {
    mode: true,
    maxPixels: true,
    maxFileBytes: true,
    maxFiles: true,
    flat: true,
    size: true,
    maxElements: true,
  });
  const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  const maxElements = opts.maxElements ?? 2 ** 28;
  const resizeTo = opts.size === undefined ? null : resize(opts.size);
  const { classes, entries, skipped } = await scanImageFolder(root, { maxFileBytes: opts.maxFileBytes, maxFiles: opts.maxFiles });
  const images: Float32Array[] = [];
  const labels: number[] = [];
  const files: string[] = [];
  let size: { w: number; h: number; file: string } | null = null;
  let channels = opts.mode === 'grayscale' ? 1 : opts.mode === 'rgb' ? 3 : 0;
  let elements = 0;
  for (const { file, label } of entries) {
    const bytes = await readRegularFile(file, { maxBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, who: 'image folder' });
    if (!sniffImage(bytes)) {
      if (IMAGE_EXT.test(file))
        throw new FormatError('image folder: named like an image but neither PNG nor JPEG (by magic bytes)', 'E_IMG_UNKNOWN_TYPE', {
          file,
          offset: 0,
        });
      skipped.push({ path: file, reason: 'not a PNG or JPEG' });
      continue;
    }
    const header = readImageHeader(bytes, file);
    if (header.width * header.height > maxPixels)
      throw new FormatError(
        `image folder: ${header.width}×${header.height} pixels exceed maxPixels ${maxPixels} (checked before decoding)`,
        'E_IMG_TOO_LARGE',
        { file },
      );
    if (!resizeTo && size && (header.width !== size.w || header.height !== size.h))
      throw new FormatError(
        `image folder: image is ${header.width}×${header.height} but ${size.file} is ${size.w}×${size.h}; all images must have the same size (pass { size: [h, w] } to resize them)`,
        'E_IMG_SIZE_MISMATCH',
        { file },
      );
    size ??= { w: header.width, h: header.height, file };
    if (channels === 0) channels = header.channels <= 2 ? 1 : 3;
    const per = resizeTo ? 0 : channels * header.width * header.height;
    if (elements + per > maxElements)
      throw new FormatError(
        `image folder: the decoded images would hold more than maxElements ${maxElements} values (checked before decoding)`,
        'E_IMG_TOO_LARGE',
        { file },
      );
    const img = await decodeImage(bytes, { maxPixels, file });
    let x = toTensor()(channels === 1 ? toGray(img) : toRgb(img));
    if (resizeTo) x = resizeTo(x);
    elements += x.numel();
    if (elements > maxElements)
      throw new FormatError(`image folder: the images hold more than maxElements ${maxElements} values`, 'E_IMG_TOO_LARGE', { file });
    images.push(x.dataSync() as Float32Array);
    labels.push(label);
    files.push(file);
    if (resizeTo) size = { w: x.shape[2]!, h: x.shape[1]!, file };
  }
  if (images.length === 0 || !size)
    throw new FormatError(
      `image folder: no PNG or JPEG images under ${JSON.stringify(root)} (class folders: ${classes.join(', ')})`,
      'E_IMG_EMPTY',
      { file: root },
    );
  checkEveryClass(root, classes, labels);

  const n = images.length;
  const per = channels * size.w * size.h;
  const x = new Float32Array(n * per);
  images.forEach((img, i) => x.set(img, i * per));
  const shape = opts.flat ? [n, per] : [n, channels, size.h, size.w];
  return {
    dataset: new TensorDataset(new Tensor(x, shape, 'float32'), new Tensor(Int32Array.from(labels), [n], 'int32')),
    classes,
    files,
    skipped,
  };
}

/** A class folder without a single image is an error (it would be a class the model never sees). */
function checkEveryClass(root: string, classes: readonly string[], labels: readonly number[]): void {
  const seen = new Uint8Array(classes.length);
  for (const l of labels) seen[l] = 1;
  const empty = classes.filter((_, k) => !seen[k]);
  if (empty.length)
    throw new FormatError(
      `image folder: class folder(s) ${empty.map((c) => JSON.stringify(c)).join(', ')} hold no PNG or JPEG images`,
      'E_IMG_EMPTY_CLASS',
      { file: root },
    );
}

/**
 * List the classes and candidate files of a class-per-folder tree without decoding anything
 * (same rules as `loadImageFolder`). Files are checked by magic bytes later, when read.
 */
export async function scanImageFolder(
  root: string,
  opts: Pick<ImageFolderOptions, 'maxFileBytes' | 'maxFiles'> = {},
): Promise<{ classes: string[]; entries: { file: string; label: number }[]; skipped: { path: string; reason: string }[] }> {
  checkOptionKeys('scanImageFolder', opts, { maxFileBytes: true, maxFiles: true });
  const fs = await nodeFs();
  const path = await nodePath();
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxFiles = opts.maxFiles ?? 1_000_000;
  let rootReal: string | null = null;
  try {
    const real = await fs.promises.realpath(root);
    if ((await fs.promises.stat(real)).isDirectory()) rootReal = real;
  } catch {
    // missing or unreadable: reported below
  }
  if (rootReal === null)
    throw new FormatError(`image folder: ${JSON.stringify(root)} is not a readable directory`, 'E_IMG_NOT_FOUND', { file: root });
  const skipped: { path: string; reason: string }[] = [];
  const inside = (real: string): boolean =>
    real === rootReal || real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);

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
    throw new FormatError(
      `image folder: ${JSON.stringify(root)} has no class folders; expected root/<class>/<image>.png|jpg`,
      'E_IMG_NO_CLASSES',
      { file: root },
    );

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
      if (r.stat.size > maxFileBytes)
        throw new FormatError(`image folder: file has ${r.stat.size} bytes, over maxFileBytes ${maxFileBytes}`, 'E_IMG_TOO_LARGE', {
          file: p,
        });
      entries.push({ file: p, label });
      if (entries.length > maxFiles)
        throw new FormatError(`image folder: more than maxFiles ${maxFiles} files`, 'E_IMG_TOO_MANY', { file: root });
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
    opts: Omit<ImageFolderOptions, 'flat' | 'maxElements'> & { transform?: (img: RawImage) => T } = {},
  ): Promise<ImageFolder<T>> {
    checkOptionKeys('ImageFolder.open', opts, {
      mode: true,
      maxPixels: true,
      maxFileBytes: true,
      maxFiles: true,
      size: true,
      transform: true,
    });
    if (opts.size !== undefined && opts.transform)
      throw new ValueError(
        'ImageFolder.open: `size` resizes with the default transform; with your own transform, compose data.resize(size) into it',
      );
    const resizeTo = opts.size === undefined ? null : resize(opts.size);
    const { classes, entries: all, skipped } = await scanImageFolder(root, { maxFileBytes: opts.maxFileBytes, maxFiles: opts.maxFiles });
    // sniff the first bytes of every file now, so the samples are exactly the PNG/JPEG files
    const fs = await nodeFs();
    const entries: { file: string; label: number }[] = [];
    for (const e of all) {
      const fh = await fs.promises.open(e.file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
      const head = new Uint8Array(8);
      try {
        await fh.read(head, 0, 8, 0);
      } finally {
        await fh.close();
      }
      if (sniffImage(head)) entries.push(e);
      else if (IMAGE_EXT.test(e.file))
        throw new FormatError('image folder: named like an image but neither PNG nor JPEG (by magic bytes)', 'E_IMG_UNKNOWN_TYPE', {
          file: e.file,
          offset: 0,
        });
      else skipped.push({ path: e.file, reason: 'not a PNG or JPEG' });
    }
    if (entries.length === 0)
      throw new FormatError(
        `image folder: no PNG or JPEG files under ${JSON.stringify(root)} (class folders: ${classes.join(', ')})`,
        'E_IMG_EMPTY',
        { file: root },
      );
    checkEveryClass(
      root,
      classes,
      entries.map((e) => e.label),
    );
    const transform = opts.transform ?? ((img: RawImage) => (resizeTo ? resizeTo(toTensor()(img)) : toTensor()(img)) as unknown as T);
    let mode = opts.mode ?? 'auto';
    if (mode === 'auto') {
      // as in loadImageFolder: gray when the first image is gray, for every sample
      const first = entries[0]!.file;
      mode =
        readImageHeader(await readRegularFile(first, { maxBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, who: 'image folder' }), first)
          .channels <= 2
          ? 'grayscale'
          : 'rgb';
    }
    return new ImageFolder<T>(root, classes, entries, skipped, { ...opts, mode }, transform);
  }

  get length(): number {
    return this.samples.length;
  }

  /** Decode sample `index` → `[transform(image), label]`. Errors as in `loadImageFolder`. */
  async getItem(index: number): Promise<[T, number]> {
    const { file, label } = this.samples[checkIndex(index, this.length, 'ImageFolder')]!;
    const bytes = await readRegularFile(file, { maxBytes: this.opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, who: 'image folder' });
    if (!sniffImage(bytes))
      throw new FormatError('image folder: neither PNG nor JPEG (by magic bytes)', 'E_IMG_UNKNOWN_TYPE', { file, offset: 0 });
    const img = await decodeImage(bytes, { maxPixels: this.opts.maxPixels ?? MAX_IMAGE_PIXELS, file });
    const conv = this.opts.mode === 'grayscale' ? toGray(img) : toRgb(img);
    return [this.transform(conv), label];
  }
}
