/**
 * Images from tensors: colour maps, normalisation, grids of images (samples, conv filters, activations,
 * saliency maps) and PNG encoding. Images are plain `{ width, height, data }` RGBA byte buffers
 * (the browser's `ImageData` layout), so they can be put on a canvas as-is; `encodePNG` (pngjs,
 * loaded lazily) turns one into PNG bytes in Node.
 */
import { ShapeError, ValueError, NotSupportedError, fmtShape } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOptionKeys } from '../core/options.js';

/** RGBA pixels, row-major, 4 bytes per pixel (same layout as the DOM's ImageData). */
export interface RGBAImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Colour maps for single-channel images: `'gray'`, `'hot'`, `'viridis'`, `'coolwarm'` (perceptual control points, linearly interpolated). */
export type ColorMap = 'gray' | 'hot' | 'viridis' | 'coolwarm';

// control points (t, r, g, b), linearly interpolated
const MAPS: Record<Exclude<ColorMap, 'gray'>, [number, number, number, number][]> = {
  hot: [
    [0, 0, 0, 0],
    [0.375, 255, 0, 0],
    [0.75, 255, 255, 0],
    [1, 255, 255, 255],
  ],
  viridis: [
    [0, 68, 1, 84],
    [0.25, 59, 82, 139],
    [0.5, 33, 145, 140],
    [0.75, 94, 201, 98],
    [1, 253, 231, 37],
  ],
  coolwarm: [
    [0, 59, 76, 192],
    [0.5, 221, 221, 221],
    [1, 180, 4, 38],
  ],
};

/** The colour of `t` ∈ [0, 1] (clamped; NaN → black) under `map`. */
export function colorAt(t: number, map: ColorMap = 'hot'): [number, number, number] {
  if (Number.isNaN(t)) return [0, 0, 0];
  const x = Math.min(1, Math.max(0, t));
  if (map === 'gray') {
    const v = Math.round(x * 255);
    return [v, v, v];
  }
  const pts = MAPS[map];
  if (!pts) throw new ValueError(`colorAt: unknown colour map '${String(map)}'; use gray, hot, viridis or coolwarm`);
  for (let i = 1; i < pts.length; i++) {
    const [t1, r1, g1, b1] = pts[i]!;
    if (x <= t1) {
      const [t0, r0, g0, b0] = pts[i - 1]!;
      const f = (x - t0) / (t1 - t0);
      return [Math.round(r0 + f * (r1 - r0)), Math.round(g0 + f * (g1 - g0)), Math.round(b0 + f * (b1 - b0))];
    }
  }
  const last = pts[pts.length - 1]!;
  return [last[1], last[2], last[3]];
}

/** Options of `tensorToImage`; unknown keys throw a `ValueError`. */
export interface ToImageOptions {
  /** Colour map for single-channel images (default 'gray'). */
  colormap?: ColorMap;
  /** Value range mapped to [0, 1]; default: the tensor's own min and max. 'symmetric': [-m, m], m = max |x|. */
  range?: [number, number] | 'symmetric';
  /** Integer upscaling (nearest neighbour), default 1. */
  scale?: number;
}

/**
 * A tensor as an image. Accepts `[H, W]`, `[1, H, W]` (colour-mapped) or `[3, H, W]` (RGB, values
 * normalised by `range`).
 */
export function tensorToImage(t: Tensor, opts: ToImageOptions = {}): RGBAImage {
  checkOptionKeys('tensorToImage', opts, { colormap: true, range: true, scale: true });
  let shape = [...t.shape];
  if (shape.length === 2) shape = [1, ...shape];
  if (shape.length !== 3 || (shape[0] !== 1 && shape[0] !== 3))
    throw new ShapeError(`tensorToImage: expected [H, W], [1, H, W] or [3, H, W], got ${fmtShape(t.shape)}`);
  const [c, h, w] = shape as [number, number, number];
  const v = t.dataSync();
  let lo: number;
  let hi: number;
  if (opts.range === 'symmetric') {
    let m = 0;
    for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]!)) m = Math.max(m, Math.abs(v[i]!));
    [lo, hi] = [-m, m];
  } else if (opts.range) [lo, hi] = opts.range;
  else {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (Number.isFinite(x)) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
    if (lo === Infinity) [lo, hi] = [0, 1];
  }
  const span = hi - lo || 1;
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new ValueError(`tensorToImage: scale must be a positive integer, got ${scale}`);
  const W = w * scale;
  const H = h * scale;
  const data = new Uint8ClampedArray(W * H * 4);
  const map = opts.colormap ?? 'gray';
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const sy = Math.floor(y / scale);
      const sx = Math.floor(x / scale);
      const o = (y * W + x) * 4;
      if (c === 1) {
        const [r, g, b] = colorAt((v[sy * w + sx]! - lo) / span, map);
        data[o] = r;
        data[o + 1] = g;
        data[o + 2] = b;
      } else
        for (let k = 0; k < 3; k++) {
          const val = (v[k * h * w + sy * w + sx]! - lo) / span;
          data[o + k] = Number.isNaN(val) ? 0 : Math.round(Math.min(1, Math.max(0, val)) * 255);
        }
      data[o + 3] = 255;
    }
  return { width: W, height: H, data };
}

/** Options of `imageGrid`: those of `tensorToImage`, plus the layout; unknown keys throw a `ValueError`. */
export interface GridOptions extends ToImageOptions {
  /** Images per row (default ⌈√n⌉). */
  ncol?: number;
  /** Pixels between images (default 2). */
  padding?: number;
  /** Normalise each image to its own range (default true) or all images to the global range. */
  eachOwnRange?: boolean;
  /** Background grey level 0–255 (default 255). */
  background?: number;
}

/**
 * Tile images into one: `images` is `[N, H, W]`, `[N, 1, H, W]` or `[N, 3, H, W]` (samples, conv
 * filters `[out, in, kH, kW]` with in = 1 or 3, activations of one sample `[C, H, W]` → pass
 * `x.unsqueeze(1)`), or an array of tensors accepted by `tensorToImage`.
 */
export function imageGrid(images: Tensor | readonly Tensor[], opts: GridOptions = {}): RGBAImage {
  checkOptionKeys('imageGrid', opts, {
    ncol: true,
    padding: true,
    eachOwnRange: true,
    background: true,
    colormap: true,
    range: true,
    scale: true,
  });
  let list: Tensor[];
  if (images instanceof Tensor) {
    if (images.ndim !== 3 && images.ndim !== 4)
      throw new ShapeError(`imageGrid: expected [N, H, W] or [N, C, H, W], got ${fmtShape(images.shape)}`);
    list = Array.from({ length: images.shape[0]! }, (_, i) => images.select(0, i));
  } else list = [...images];
  if (list.length === 0) throw new ValueError('imageGrid: no images');
  let range = opts.range;
  if (!range && opts.eachOwnRange === false) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of list)
      for (const x of t.dataSync()) {
        if (Number.isFinite(x)) {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
      }
    range = [lo, hi];
  }
  const tiles = list.map((t) => tensorToImage(t, { colormap: opts.colormap, scale: opts.scale, range }));
  const tw = Math.max(...tiles.map((t) => t.width));
  const th = Math.max(...tiles.map((t) => t.height));
  const ncol = opts.ncol ?? Math.ceil(Math.sqrt(tiles.length));
  const nrow = Math.ceil(tiles.length / ncol);
  const pad = opts.padding ?? 2;
  const W = ncol * tw + (ncol + 1) * pad;
  const H = nrow * th + (nrow + 1) * pad;
  const data = new Uint8ClampedArray(W * H * 4).fill(opts.background ?? 255);
  tiles.forEach((tile, i) => {
    const ox = pad + (i % ncol) * (tw + pad);
    const oy = pad + Math.floor(i / ncol) * (th + pad);
    for (let y = 0; y < tile.height; y++)
      data.set(tile.data.subarray(y * tile.width * 4, (y + 1) * tile.width * 4), ((oy + y) * W + ox) * 4);
  });
  return { width: W, height: H, data };
}

/** Encode an RGBA image as PNG bytes (uses pngjs; Node only). */
export async function encodePNG(img: RGBAImage): Promise<Uint8Array> {
  const name = 'pngjs';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- optional untyped package (pngjs), imported by a variable name
  let mod: any;
  try {
    mod = await import(name);
  } catch {
    throw new NotSupportedError(
      'encodePNG: needs the pngjs package (Node); in the browser draw the RGBAImage on a canvas with new ImageData(img.data, img.width)',
    );
  }
  const PNG = mod.PNG ?? mod.default?.PNG;
  const png = new PNG({ width: img.width, height: img.height });
  png.data.set(img.data);
  return new Uint8Array(PNG.sync.write(png));
}

/** Write an RGBA image as a PNG file, atomically (Node only). */
export async function savePNG(path: string, img: RGBAImage): Promise<void> {
  const { writeFileAtomic } = await import('../io/checkpoint-node.js');
  await writeFileAtomic(path, await encodePNG(img));
}
