/**
 * Reference kernels for sorting, scans, scatter-reduce and the rounding divisions, on contiguous
 * typed arrays. A tensor of shape [outer, n, inner] is processed along its middle axis: each of the
 * outer·inner "lanes" is one sequence of n elements at stride `inner`.
 */
import { allocate, isFloat, type DType, type TypedArray } from '../../core/dtype.js';
import { ValueError } from '../../core/errors.js';
import { contiguousStrides, splitAxis } from '../../core/shape.js';
import type { Kernels, RoundingDivOp } from '../types.js';
import { unary } from './elementwise.js';

/**
 * int32 permutation sorting each lane (a stable sort; NaN counts as larger than every number, as in
 * PyTorch, so it comes last ascending and first descending).
 */
export function argsortLanes(x: TypedArray, shape: readonly number[], dim: number, descending: boolean): Int32Array {
  const [outer, n, inner] = splitAxis(shape, dim);
  const out = new Int32Array(x.length);
  const idx = new Array<number>(n);
  const vals = new Float64Array(n);
  const cmp = descending
    ? (a: number, b: number) => {
        const va = vals[a]!;
        const vb = vals[b]!;
        if (va !== va) return vb !== vb ? 0 : -1;
        if (vb !== vb) return 1;
        return va > vb ? -1 : va < vb ? 1 : 0;
      }
    : (a: number, b: number) => {
        const va = vals[a]!;
        const vb = vals[b]!;
        if (va !== va) return vb !== vb ? 0 : 1;
        if (vb !== vb) return -1;
        return va < vb ? -1 : va > vb ? 1 : 0;
      };
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let k = 0; k < n; k++) {
        idx[k] = k;
        vals[k] = x[base + k * inner]!;
      }
      idx.sort(cmp); // Array.prototype.sort is stable
      for (let k = 0; k < n; k++) out[base + k * inner] = idx[k]!;
    }
  return out;
}

/** Running sum (`prod` false) or product along `dim`, in the output dtype, added in order. */
export function scanLanes(x: TypedArray, shape: readonly number[], dim: number, prod: boolean, dtype: DType): TypedArray {
  const [outer, n, inner] = splitAxis(shape, dim);
  const out = allocate(dtype, x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let acc = prod ? 1 : 0;
      for (let k = 0; k < n; k++) {
        const p = base + k * inner;
        acc = prod ? acc * x[p]! : acc + x[p]!;
        if (dtype === 'float32') acc = Math.fround(acc);
        else if (dtype === 'int32') acc = acc | 0;
        out[p] = acc;
      }
    }
  return out;
}

/**
 * Gradient of cumprod along `dim`, exact also where the input has zeros:
 * dx_i = Σ_{j≥i} g_j · Π_{k≤j, k≠i} x_k. Before the first zero z this is Σ_{j≥i} g_j·y_j / x_i; at z the
 * products skip x_z (one running product); after z every term holds the factor x_z = 0.
 */
export function cumprodGradLanes(
  x: TypedArray,
  y: TypedArray,
  g: TypedArray,
  shape: readonly number[],
  dim: number,
  dtype: DType,
): TypedArray {
  const [outer, n, inner] = splitAxis(shape, dim);
  const out = allocate(dtype, x.length);
  // one element per lane: y = x, so the gradient is g itself, whatever x holds (NaN, ±∞), as PyTorch
  if (n === 1) {
    for (let k = 0; k < x.length; k++) out[k] = g[k]!;
    return out;
  }
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let z = n;
      for (let k = 0; k < n; k++)
        if (x[base + k * inner] === 0) {
          z = k;
          break;
        }
      // suffix sums of g·y up to the first zero
      let acc = 0;
      for (let k = z - 1; k >= 0; k--) {
        const p = base + k * inner;
        acc += g[p]! * y[p]!;
        out[p] = acc / x[p]!;
      }
      if (z < n) {
        const prefix = z === 0 ? 1 : y[base + (z - 1) * inner]!;
        let run = prefix;
        let s = 0;
        for (let j = z; j < n; j++) {
          const p = base + j * inner;
          if (j > z) run *= x[p]!;
          s += g[p]! * run;
        }
        out[base + z * inner] = s;
      }
    }
  return out;
}

/** int32 index of the running max (`max`) or min along `dim`; a later equal value (or NaN) takes over, as in PyTorch. */
export function cumExtremeIndexLanes(x: TypedArray, shape: readonly number[], dim: number, max: boolean): Int32Array {
  const [outer, n, inner] = splitAxis(shape, dim);
  const out = new Int32Array(x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = NaN;
      let bi = 0;
      for (let k = 0; k < n; k++) {
        const p = base + k * inner;
        const v = x[p]!;
        if (k === 0 || v !== v || (max ? v >= best : v <= best)) {
          best = v;
          bi = k;
        }
        out[p] = bi;
      }
    }
  return out;
}

/** C's fmod for the element type (truncated remainder; the sign of `a`). Integer b = 0 is checked by the caller. */
export function fmodScalar(a: number, b: number): number {
  return a % b;
}

/** Python's / PyTorch's remainder: the sign of `b`. */
export function remainderScalar(a: number, b: number): number {
  let m = a % b;
  if (m !== 0 && b < 0 !== m < 0) m += b;
  return m;
}

/** PyTorch's floor division of floats (div_floor_floating): exact for the representable cases Python's `//` is. */
export function floorDivScalar(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return Math.sign(a / b) < 0 || Object.is(a / b, -0) ? -0 : 0;
  let f = Math.floor(div);
  if (div - f > 0.5) f += 1;
  return f;
}

/**
 * Where each element k of `index` (shape `ishape`, row-major) reads `src` (`sp[k]`) and writes into
 * x (`xp[k]`): the index replaces coordinate `dim` of x. Shared by the js and WebGPU scatterReduce.
 */
export function scatterPositions(
  xshape: readonly number[],
  index: Int32Array,
  ishape: readonly number[],
  sshape: readonly number[],
  dim: number,
): { xp: Int32Array; sp: Int32Array } {
  const nd = xshape.length;
  const xs = contiguousStrides(xshape);
  const ss = contiguousStrides(sshape);
  const n = index.length;
  const xp = new Int32Array(n);
  const sp = new Int32Array(n);
  const coord = new Array<number>(nd).fill(0);
  for (let k = 0; k < n; k++) {
    let a = 0;
    let b = 0;
    for (let d = 0; d < nd; d++) {
      a += (d === dim ? index[k]! : coord[d]!) * xs[d]!;
      b += coord[d]! * ss[d]!;
    }
    xp[k] = a;
    sp[k] = b;
    advance(coord, ishape);
  }
  return { xp, sp };
}

/**
 * out = x, then for each element of `index` (shape `ishape`), reduce src into out at the position of
 * x with the index replacing coordinate `dim`. `includeSelf` false: positions that receive values drop
 * x's own value first. Returns the output and the per-position count of contributions.
 */
export const scatterReduce: Kernels['scatterReduce'] = (x, xshape, index, ishape, src, sshape, dim, reduce, includeSelf, dtype) => {
  const out = allocate(dtype, x.length);
  out.set(x);
  const count = new Int32Array(x.length);
  const touched = new Uint8Array(x.length);
  const { xp: xps, sp: sps } = scatterPositions(xshape, index, ishape, sshape, dim);
  for (let k = 0; k < index.length; k++) {
    const xp = xps[k]!;
    const v = src[sps[k]!]!;
    if (!touched[xp]) {
      touched[xp] = 1;
      count[xp] = 1;
      if (!includeSelf) {
        out[xp] = v;
        continue;
      }
    }
    const cur = out[xp]!;
    count[xp]!++;
    out[xp] =
      reduce === 'sum' || reduce === 'mean'
        ? cur + v
        : reduce === 'prod'
          ? cur * v
          : reduce === 'amax'
            ? v !== v || v > cur
              ? v
              : cur
            : v !== v || v < cur
              ? v
              : cur;
  }
  if (reduce === 'mean')
    for (let p = 0; p < out.length; p++) {
      const c = touched[p] ? count[p]! : 1;
      out[p] = dtype === 'int32' ? Math.floor(out[p]! / c) : out[p]! / c;
    }
  for (let p = 0; p < out.length; p++) if (!touched[p]) count[p] = 1;
  return { out, count };
};

function advance(coord: number[], shape: readonly number[]): void {
  for (let d = shape.length - 1; d >= 0; d--) {
    if (++coord[d]! < shape[d]!) return;
    coord[d] = 0;
  }
}

const ROUNDING: Record<RoundingDivOp, { name: string; float: (a: number, b: number) => number; int: (a: number, b: number) => number }> = {
  remainder: { name: 'remainder', float: remainderScalar, int: remainderScalar },
  fmod: { name: 'fmod', float: fmodScalar, int: fmodScalar },
  floorDiv: { name: 'floorDivide', float: floorDivScalar, int: (a, b) => Math.floor(a / b) },
  truncDiv: { name: 'div', float: (a, b) => Math.trunc(a / b), int: (a, b) => Math.trunc(a / b) },
};

/** The rounding divisions, elementwise over broadcast views; integer division by zero is an E_ZERO_DIVISION ValueError. */
export const roundingDiv: Kernels['roundingDiv'] = (op, a, b, shape, outDType) => {
  const x = unary('copy', a, shape, outDType);
  const y = unary('copy', b, shape, outDType);
  const r = ROUNDING[op];
  const int = !isFloat(outDType);
  const f = int ? r.int : r.float;
  for (let i = 0; i < x.length; i++) {
    if (int && y[i] === 0) throw new ValueError(`${r.name}: integer division by zero`, 'E_ZERO_DIVISION');
    x[i] = f(x[i], y[i]);
  }
  return x;
};

export const scan: Kernels['scan'] = (x, shape, axis, prod, outDType) => scanLanes(x, shape, axis, prod, outDType);
export const cumprodGrad: Kernels['cumprodGrad'] = cumprodGradLanes;
export const cumExtremeIndex: Kernels['cumExtremeIndex'] = cumExtremeIndexLanes;
export const argsort: Kernels['argsort'] = argsortLanes;

export const putFlat: Kernels['putFlat'] = (base, index, values, outDType) => {
  const out = allocate(outDType, base.length);
  out.set(base);
  for (let k = 0; k < index.length; k++) out[index[k]!] = values[k]!;
  return out;
};
