/** Shape math: sizes, strides, broadcasting, axis normalisation. Pure functions on number[]. */
import { IndexError, ShapeError, ValueError, fmtShape } from './errors.js';

/** A tensor shape: the size of each dim (empty for a 0-d tensor). */
export type Shape = readonly number[];

/** A size given once for both spatial dims, or as `[h, w]` (kernelSize, stride, padding, ...). */
export type IntOrPair = number | readonly [number, number];

/**
 * The one pair helper: `3` → `[3, 3]`, `[2, 3]` → `[2, 3]`. With `check`, both must be integers ≥ 1
 * (≥ 0 with `allowZero`), and anything else is a ValueError naming `who` and `what`.
 */
export function pair(v: IntOrPair, check?: { what: string; who: string; allowZero?: boolean }): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  if (check)
    for (const x of p)
      if (!Number.isInteger(x) || x < (check.allowZero ? 0 : 1))
        throw new ValueError(
          `${check.who}: ${check.what} must be a ${check.allowZero ? 'non-negative' : 'positive'} integer or a pair of them, got ${JSON.stringify(v)}`,
        );
  return p;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides for a contiguous tensor of `shape`. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy/PyTorch broadcasting of two shapes; throws ShapeError naming `op` and both shapes. */
export function broadcastShapes(a: Shape, b: Shape, op = 'broadcast'): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dimension ${i - n} is ${da} vs ${db})`,
      );
  }
  return out;
}

/**
 * Strides that read a tensor of `shape`/`strides` as if it had the broadcast shape `to`
 * (stride 0 along broadcast dimensions).
 */
export function broadcastStrides(shape: Shape, strides: Shape, to: Shape): number[] {
  const out = new Array<number>(to.length).fill(0);
  const off = to.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[i + off] = shape[i] === 1 && to[i + off] !== 1 ? 0 : strides[i]!;
  return out;
}

/** Normalise a possibly-negative axis for a tensor of rank `ndim`. */
export function normAxis(axis: number, ndim: number, op = 'dim'): number {
  if (!Number.isInteger(axis)) throw new ValueError(`${op}: dimension must be an integer, got ${axis}`);
  const lo = -Math.max(ndim, 1);
  const hi = Math.max(ndim, 1) - 1;
  if (axis < lo || axis > hi)
    throw new IndexError(`${op}: dimension out of range (expected to be in range of [${lo}, ${hi}], but got ${axis})`);
  return axis < 0 ? axis + Math.max(ndim, 1) : axis;
}

/** Normalise a dim argument (undefined = all, number, or list) to a sorted unique list. */
export function normAxes(dim: number | readonly number[] | undefined, ndim: number, op = 'dim'): number[] {
  if (dim === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dim === 'number' ? [dim] : dim;
  const out = list.map((d) => normAxis(d, ndim, op));
  const set = new Set(out);
  if (set.size !== out.length) throw new ValueError(`${op}: dim ${JSON.stringify(list)} appears multiple times in the list of dims`);
  return out.sort((x, y) => x - y);
}

/** Resolve a reshape target containing at most one -1. */
export function inferReshape(from: Shape, to: readonly number[], op = 'reshape'): number[] {
  const total = numel(from);
  let neg = -1;
  let known = 1;
  for (let i = 0; i < to.length; i++) {
    const d = to[i]!;
    if (d === -1) {
      if (neg >= 0) throw new ValueError(`${op}: only one dimension can be inferred (-1) in ${fmtShape(to)}`);
      neg = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ValueError(`${op}: invalid shape dimension ${d} in ${fmtShape(to)}`);
    } else known *= d;
  }
  const out = to.slice();
  if (neg >= 0) {
    if (known === 0 || total % known !== 0)
      throw new ShapeError(`${op}: shape ${fmtShape(to)} is invalid for input of size ${total} (input shape ${fmtShape(from)})`);
    out[neg] = total / known;
  } else if (known !== total) {
    throw new ShapeError(`${op}: shape ${fmtShape(to)} is invalid for input of size ${total} (input shape ${fmtShape(from)})`);
  }
  return out;
}

/** Validate a user-given shape (non-negative integers). */
export function checkShape(shape: readonly number[], op: string): number[] {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0)
      throw new ValueError(`${op}: invalid shape ${fmtShape(shape)}: dimensions must be non-negative integers`);
  return shape.slice();
}

export function isContiguous(shape: Shape, strides: Shape): boolean {
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== acc) return false;
    acc *= shape[i]!;
  }
  return true;
}

/**
 * Strides that let a tensor of (shape, strides) be viewed as `to` without copying, or null when
 * impossible (PyTorch's computeStride): each run of merged dimensions must be contiguous in itself.
 */
export function viewStrides(shape: Shape, strides: Shape, to: Shape): number[] | null {
  if (numel(shape) === 0 || numel(to) === 0) return contiguousStrides(to);
  const out = new Array<number>(to.length);
  let viewD = to.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    // end of a contiguous chunk: the next (outer) dim does not continue this one
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || to[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= to[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) {
    // leading size-1 dims of the target
    while (viewD >= 0) {
      if (to[viewD] !== 1) return null;
      out[viewD] = 1;
      viewD--;
    }
  }
  return out;
}

/** Split `shape` around `axis` into [outer, size, inner]: a contiguous tensor is `outer` blocks of `size` lanes of stride `inner`. */
export function splitAxis(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis] ?? 1, inner];
}

/**
 * The zeros before and after one spatial dim for a padding option: 'same' puts ⌊total/2⌋ before and the
 * rest after (an even effective kernel pads one more after, as PyTorch does).
 */
export function sidePads(padding: number | 'valid' | 'same', k: number, dilation: number): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding === 'same') {
    const total = dilation * (k - 1);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  return [padding, padding];
}
