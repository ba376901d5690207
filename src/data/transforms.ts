/**
 * Image transforms (torchvision.transforms): `toTensor`, `normalize`, `randomShift`,
 * `randomHorizontalFlip`, `compose`. Each factory returns a plain function `(x) => y`.
 * Tensor transforms accept one image [C, H, W] or a batch [N, C, H, W] (float); random ones draw
 * from an explicit seeded `Rng` (one draw per image, so a batch gets independent augmentations).
 * Isomorphic.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { Rng, defaultRng } from '../core/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOptionKeys } from '../core/options.js';

/** Decoded pixels in row-major HWC order, 8 bits per channel (what the image loaders produce). */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** 1 (grayscale), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

/** A per-sample transform (PyTorch's torchvision transform): a function from one input to one output, composable with `compose`. */
export type Transform<I = Tensor, O = Tensor> = (x: I) => O;

/**
 * Pixels 0–255 in HWC order → float32 [C, H, W] in [0, 1] (torchvision's ToTensor). Accepts a
 * `RawImage`, or a tensor [H, W, C] / [H, W] of 0–255 values.
 */
export function toTensor(): Transform<RawImage | Tensor, Tensor> {
  return (img) => {
    let src: ArrayLike<number>;
    let h: number;
    let w: number;
    let c: number;
    if (img instanceof Tensor) {
      if (img.ndim === 2) [h, w, c] = [img.shape[0]!, img.shape[1]!, 1];
      else if (img.ndim === 3) [h, w, c] = [img.shape[0]!, img.shape[1]!, img.shape[2]!];
      else throw new ShapeError(`toTensor: expected an image [H, W] or [H, W, C], got ${fmtShape(img.shape)}`);
      src = img.dataSync();
    } else {
      if (img === null || typeof img !== 'object' || !img.data)
        throw new ValueError(
          `toTensor: expected a Tensor [H, W] / [H, W, C] or an image { data, width, height, channels }, got ${img === null ? 'null' : typeof img}`,
        );
      ({ width: w, height: h, channels: c } = img);
      src = img.data;
      if (!Number.isInteger(w) || !Number.isInteger(h) || ![1, 2, 3, 4].includes(c) || src.length !== w * h * c)
        throw new ShapeError(`toTensor: image data has ${src.length} bytes, expected width ${w} × height ${h} × channels ${c}`);
    }
    const hw = h * w;
    const out = new Float32Array(c * hw);
    for (let p = 0; p < hw; p++) for (let k = 0; k < c; k++) out[k * hw + p] = src[p * c + k]! / 255;
    return new Tensor(out, [c, h, w], 'float32');
  };
}

function imageDims(x: Tensor, who: string): { n: number; c: number; h: number; w: number } {
  if (!(x instanceof Tensor)) throw new ValueError(`${who}: expected a Tensor`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${who}: expected a float image tensor, got ${x.dtype}`);
  if (x.ndim === 3) return { n: 1, c: x.shape[0]!, h: x.shape[1]!, w: x.shape[2]! };
  if (x.ndim === 4) return { n: x.shape[0]!, c: x.shape[1]!, h: x.shape[2]!, w: x.shape[3]! };
  throw new ShapeError(`${who}: expected an image [C, H, W] or a batch [N, C, H, W], got ${fmtShape(x.shape)}`);
}

/**
 * Per-channel `(x − mean[c]) / std[c]` (torchvision's Normalize). `mean`/`std` have one entry per
 * channel (or one for all). MNIST: `normalize([0.1307], [0.3081])`.
 */
export function normalize(mean: readonly number[] | number, std: readonly number[] | number): Transform {
  const values = (v: unknown, what: string): number[] => {
    const list = typeof v === 'number' ? [v] : Array.isArray(v) ? v.slice() : null;
    if (!list || list.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
      throw new ValueError(
        `normalize: ${what} must be a finite number or an array of them (one per channel), got ${JSON.stringify(v) ?? typeof v}`,
      );
    return list;
  };
  const m = values(mean, 'mean');
  const s = values(std, 'std');
  if (m.length !== s.length || m.length === 0)
    throw new ValueError(`normalize: mean (${m.length} values) and std (${s.length} values) must have the same length`);
  if (s.some((v) => !(v !== 0) || !Number.isFinite(v)))
    throw new ValueError(`normalize: std must be finite and non-zero, got ${JSON.stringify(s)}`);
  return (x) => {
    const { n, c, h, w } = imageDims(x, 'normalize');
    if (m.length !== 1 && m.length !== c)
      throw new ShapeError(`normalize: ${m.length} means for an image with ${c} channels ${fmtShape(x.shape)}`);
    const d = x.dataSync();
    const out = d instanceof Float64Array ? new Float64Array(d.length) : new Float32Array(d.length);
    const hw = h * w;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < c; k++) {
        const mk = m.length === 1 ? m[0]! : m[k]!;
        const sk = s.length === 1 ? s[0]! : s[k]!;
        const base = (i * c + k) * hw;
        for (let p = 0; p < hw; p++) out[base + p] = (d[base + p]! - mk) / sk;
      }
    return new Tensor(out, x.shape.slice(), x.dtype);
  };
}

/**
 * Flip each image left–right with probability `p` (torchvision's RandomHorizontalFlip), drawing
 * one uniform number per image from `rng`.
 */
export function randomHorizontalFlip(p = 0.5, opts: { rng?: Rng } = {}): Transform {
  checkOptionKeys('randomHorizontalFlip', opts, { rng: true });
  if (!(p >= 0 && p <= 1)) throw new ValueError(`randomHorizontalFlip: p must be in [0, 1], got ${p}`);
  const rng = opts.rng ?? defaultRng();
  return (x) => {
    const { n, c, h, w } = imageDims(x, 'randomHorizontalFlip');
    const d = x.dataSync();
    const out = d.slice();
    for (let i = 0; i < n; i++) {
      if (!(rng.uniform() < p)) continue;
      for (let k = 0; k < c; k++)
        for (let r = 0; r < h; r++) {
          const row = ((i * c + k) * h + r) * w;
          for (let col = 0; col < w; col++) out[row + col] = d[row + w - 1 - col]!;
        }
    }
    return new Tensor(out, x.shape.slice(), x.dtype);
  };
}

/**
 * Translate each image by a random whole number of pixels, dx and dy uniform in
 * [−maxShift, maxShift], filling uncovered pixels with `fill` (default 0) — the classic MNIST
 * augmentation (like torchvision's RandomAffine(translate) with integer steps, or Keras'
 * width/height_shift with constant fill).
 */
export function randomShift(maxShift: number, opts: { rng?: Rng; fill?: number } = {}): Transform {
  checkOptionKeys('randomShift', opts, { rng: true, fill: true });
  if (!Number.isInteger(maxShift) || maxShift < 0)
    throw new ValueError(`randomShift: maxShift must be a non-negative integer, got ${maxShift}`);
  const rng = opts.rng ?? defaultRng();
  const fill = opts.fill ?? 0;
  return (x) => {
    const { n, c, h, w } = imageDims(x, 'randomShift');
    const d = x.dataSync();
    const out = d.slice().fill(fill);
    for (let i = 0; i < n; i++) {
      const dx = rng.int(-maxShift, maxShift + 1);
      const dy = rng.int(-maxShift, maxShift + 1);
      for (let k = 0; k < c; k++) {
        const base = (i * c + k) * h * w;
        for (let r = 0; r < h; r++) {
          const sr = r - dy;
          if (sr < 0 || sr >= h) continue;
          for (let col = 0; col < w; col++) {
            const sc = col - dx;
            if (sc >= 0 && sc < w) out[base + r * w + col] = d[base + sr * w + sc]!;
          }
        }
      }
    }
    return new Tensor(out, x.shape.slice(), x.dtype);
  };
}

/** Largest output of `resize`, in elements (2^28, 1 GiB of float32). Checked before allocating. */
export const MAX_RESIZE_ELEMENTS = 2 ** 28;

function resizeSize(size: unknown): [number, number] {
  const hw = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 2 ? size : null;
  if (!hw || !hw.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65536))
    throw new ValueError(
      `resize: size must be a positive integer or [height, width] of positive integers ≤ 65536, got ${JSON.stringify(size) ?? typeof size}`,
    );
  return hw as [number, number];
}

/**
 * Bilinear resampling of every image to `size` (a number for a square, or [height, width]):
 * PyTorch's `F.interpolate(x, size, mode='bilinear', align_corners=False)` without antialiasing —
 * the source coordinate of output pixel `o` is `(o + 0.5) · in/out − 0.5`, clamped at 0, and the
 * two neighbours are clamped to the last row/column. Same size in and out is the identity.
 * Accepts [C, H, W] or [N, C, H, W] float tensors, like the other tensor transforms.
 *
 * ```ts
 * const t = data.compose([data.toTensor(), data.resize([28, 28])]);
 * ```
 */
export function resize(size: number | readonly [number, number]): Transform {
  const [oh, ow] = resizeSize(size);
  return (x) => {
    const { n, c, h, w } = imageDims(x, 'resize');
    if (h === oh && w === ow) return x;
    if (n * c * oh * ow > MAX_RESIZE_ELEMENTS)
      throw new ValueError(`resize: the output would hold ${n * c * oh * ow} elements, more than ${MAX_RESIZE_ELEMENTS}`, 'E_BUDGET');
    if (h === 0 || w === 0) throw new ShapeError(`resize: cannot resample an empty image ${fmtShape(x.shape)}`);
    const d = x.dataSync();
    const out = d instanceof Float64Array ? new Float64Array(n * c * oh * ow) : new Float32Array(n * c * oh * ow);
    const axis = (o: number, inSize: number, outSize: number) => {
      const s = Math.max(0, ((o + 0.5) * inSize) / outSize - 0.5);
      const i0 = Math.min(inSize - 1, Math.floor(s));
      return { i0, i1: Math.min(inSize - 1, i0 + 1), f: s - i0 };
    };
    const xs = Array.from({ length: ow }, (_, o) => axis(o, w, ow));
    const ys = Array.from({ length: oh }, (_, o) => axis(o, h, oh));
    for (let p = 0; p < n * c; p++) {
      const src = p * h * w;
      const dst = p * oh * ow;
      for (let oy = 0; oy < oh; oy++) {
        const { i0: y0, i1: y1, f: fy } = ys[oy]!;
        for (let ox = 0; ox < ow; ox++) {
          const { i0: x0, i1: x1, f: fx } = xs[ox]!;
          const top = (1 - fx) * d[src + y0 * w + x0]! + fx * d[src + y0 * w + x1]!;
          const bottom = (1 - fx) * d[src + y1 * w + x0]! + fx * d[src + y1 * w + x1]!;
          out[dst + oy * ow + ox] = (1 - fy) * top + fy * bottom;
        }
      }
    }
    return new Tensor(out, x.ndim === 3 ? [c, oh, ow] : [n, c, oh, ow], x.dtype);
  };
}

/** Chain transforms left to right (torchvision's Compose). */
export function compose<I = Tensor, O = Tensor>(transforms: readonly Transform<never, unknown>[]): Transform<I, O> {
  if (!Array.isArray(transforms)) throw new ValueError('compose: expected an array of transforms');
  transforms.forEach((t, i) => {
    if (typeof t !== 'function') throw new ValueError(`compose: transform ${i} is not a function`);
  });
  return (x: I) => transforms.reduce((acc, t) => (t as Transform<unknown, unknown>)(acc), x as unknown) as O;
}
