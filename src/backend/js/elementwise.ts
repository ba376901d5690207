/**
 * Reference elementwise kernels: unary, binary (broadcast via 0 strides) and where, over strided views.
 * Obvious loops; a fast path for contiguous inputs, a general odometer walk otherwise.
 */
import { allocate, type DType, type TypedArray } from '../../core/dtype.js';
import { numel } from '../../core/shape.js';
import type { BinaryOp, UnaryOp, View } from '../types.js';

/** erf, Abramowitz–Stegun 7.1.26 is too coarse for gradcheck; use a series/continued fraction pair. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 6) return x > 0 ? 1 : -1;
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction for erfc (Lentz), accurate for x ≥ 2.5.
  const erfc = erfcCF(ax);
  return x > 0 ? 1 - erfc : erfc - 1;
}

function erfcCF(x: number): number {
  // erfc x = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + …)))))
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

type F1 = (x: number) => number;

function unaryFn(op: UnaryOp, p0: number, p1: number): F1 {
  switch (op) {
    case 'neg':
      return (x) => -x;
    case 'abs':
      return Math.abs;
    case 'exp':
      return Math.exp;
    case 'log':
      return Math.log;
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'sin':
      return Math.sin;
    case 'cos':
      return Math.cos;
    case 'tanh':
      return Math.tanh;
    case 'sigmoid':
      return (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
    case 'relu':
      return (x) => (x > 0 ? x : x === x ? 0 : x);
    case 'sign':
      return (x) => (x > 0 ? 1 : x < 0 ? -1 : x === x ? 0 : x);
    case 'square':
      return (x) => x * x;
    case 'reciprocal':
      return (x) => 1 / x;
    case 'erf':
      return erf;
    case 'floor':
      return Math.floor;
    case 'ceil':
      return Math.ceil;
    case 'round':
      return roundHalfEven;
    case 'log1p':
      return Math.log1p;
    case 'expm1':
      return Math.expm1;
    // truth is "non-zero", NaN included (PyTorch; JavaScript's NaN is falsy)
    case 'not':
      return (x) => (x === 0 ? 1 : 0);
    case 'isnan':
      return (x) => (x !== x ? 1 : 0);
    case 'isinf':
      return (x) => (x === Infinity || x === -Infinity ? 1 : 0);
    case 'powScalar':
      return powFn(p0);
    case 'clamp': {
      const lo = Number.isNaN(p0) ? -Infinity : p0;
      const hi = Number.isNaN(p1) ? Infinity : p1;
      // min(max(x, lo), hi), NaN kept: with lo > hi every value becomes hi, like PyTorch
      return (x) => (x !== x ? x : x > hi ? hi : x < lo ? (lo > hi ? hi : lo) : x);
    }
    case 'leakyRelu':
      return (x) => (x > 0 ? x : p0 * x);
    case 'elu':
      return (x) => (x > 0 ? x : p0 * Math.expm1(x));
    case 'softplus':
      return (x) => (x * p0 > p1 ? x : Math.max(x * p0, 0) / p0 + Math.log1p(Math.exp(-Math.abs(x * p0))) / p0);
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x * SQRT1_2));
    case 'geluGrad':
      return (x) => 0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case 'copy':
      return (x) => x;
  }
}

function powFn(e: number): F1 {
  if (e === 2) return (x) => x * x;
  if (e === 1) return (x) => x;
  if (e === 0.5) return Math.sqrt;
  if (e === -1) return (x) => 1 / x;
  return (x) => Math.pow(x, e);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add':
      return (a, b) => a + b;
    case 'sub':
      return (a, b) => a - b;
    case 'mul':
      return (a, b) => a * b;
    case 'div':
      return (a, b) => a / b;
    case 'pow':
      return Math.pow;
    // ties (±0) give a, as PyTorch: maximum(+0, −0) = +0, maximum(−0, +0) = −0
    case 'maximum':
      return (a, b) => (a !== a || b !== b ? NaN : b > a ? b : a);
    case 'minimum':
      return (a, b) => (a !== a || b !== b ? NaN : b < a ? b : a);
    case 'atan2':
      return Math.atan2;
    // ReLU's gradient: a (the incoming gradient) except where b (ReLU's input) ≤ 0, there +0 — PyTorch's
    // threshold_backward: a NaN or infinite incoming gradient is cut too, and a NaN input passes it on
    case 'reluGrad':
      return (a, b) => (b <= 0 ? 0 : a);
    case 'eq':
      return (a, b) => (a === b ? 1 : 0);
    case 'ne':
      return (a, b) => (a !== b ? 1 : 0);
    case 'lt':
      return (a, b) => (a < b ? 1 : 0);
    case 'le':
      return (a, b) => (a <= b ? 1 : 0);
    case 'gt':
      return (a, b) => (a > b ? 1 : 0);
    case 'ge':
      return (a, b) => (a >= b ? 1 : 0);
    case 'and':
      return (a, b) => (a !== 0 && b !== 0 ? 1 : 0);
    case 'or':
      return (a, b) => (a !== 0 || b !== 0 ? 1 : 0);
    case 'xor':
      return (a, b) => (a !== 0 ? 1 : 0) ^ (b !== 0 ? 1 : 0);
  }
}

/**
 * Collapse `shape` and the strides of each view: drop size-1 dims and merge neighbours that every view
 * walks contiguously, so a contiguous tensor is one row and a broadcast bias add is rows of the inner dim.
 */
function collapse(shape: readonly number[], views: readonly View[]): { dims: number[]; strides: number[][] } {
  const dims: number[] = [];
  const strides: number[][] = views.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const k = dims.length - 1;
    // merge into the previous kept dim when, for every view, stride(prev) == stride(d) * size
    if (k >= 0 && views.every((v, i) => strides[i]![k] === v.strides[d]! * size)) {
      dims[k]! *= size;
      views.forEach((v, i) => (strides[i]![k] = v.strides[d]!));
      continue;
    }
    dims.push(size);
    views.forEach((v, i) => strides[i]!.push(v.strides[d]!));
  }
  return { dims, strides };
}

/**
 * Visit every element of `shape` in row-major order, one inner row at a time:
 * `row(outStart, off0, off1, off2, length, s0, s1, s2)` with the starting element offsets and inner
 * strides of up to three strided views. Rows keep the per-element work in one tight loop per op.
 */
function rows(
  shape: readonly number[],
  views: readonly View[],
  row: (i: number, o0: number, o1: number, o2: number, n: number, s0: number, s1: number, s2: number) => void,
): void {
  if (numel(shape) === 0) return;
  const { dims, strides } = collapse(shape, views);
  const nv = views.length;
  const off = [0, 0, 0];
  for (let v = 0; v < nv; v++) off[v] = views[v]!.offset;
  if (dims.length === 0) {
    row(0, off[0]!, off[1]!, off[2]!, 1, 0, 0, 0);
    return;
  }
  const last = dims.length - 1;
  const inner = dims[last]!;
  const s0 = nv > 0 ? strides[0]![last]! : 0;
  const s1 = nv > 1 ? strides[1]![last]! : 0;
  const s2 = nv > 2 ? strides[2]![last]! : 0;
  const idx = new Array<number>(last).fill(0);
  let i = 0;
  for (;;) {
    row(i, off[0]!, off[1]!, off[2]!, inner, s0, s1, s2);
    i += inner;
    // advance the odometer over the outer dimensions
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]!++;
      for (let v = 0; v < nv; v++) off[v]! += strides[v]![d]!;
      if (idx[d]! < dims[d]!) break;
      for (let v = 0; v < nv; v++) off[v]! -= strides[v]![d]! * dims[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** a^e in int32 arithmetic, wrapping as PyTorch's int32 does (e a non-negative integer). */
function ipow(a: number, e: number): number {
  let r = 1;
  let b = a | 0;
  for (let k = e; k > 0; k >>>= 1) {
    if (k & 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
  }
  return r;
}

/**
 * Products in int32 wrap (PyTorch): a double product past 2^53 would round before the int32 store
 * truncates it, so int32 results take Math.imul and square-and-multiply instead.
 */
function intFn1(op: UnaryOp, p0: number): F1 | null {
  if (op === 'square') return (x) => Math.imul(x, x);
  if (op === 'powScalar' && Number.isInteger(p0) && p0 >= 0) return (x) => ipow(x, p0);
  return null;
}

export function unary(op: UnaryOp, x: View, shape: readonly number[], outDType: DType, p0 = 0, p1 = 0): TypedArray {
  const out = allocate(outDType, numel(shape));
  const intF = outDType === 'int32' ? intFn1(op, p0) : null;
  const f = intF ?? unaryFn(op, p0, p1);
  // the fast loops below, unless an int32 rule replaced the op's (then the generic loop runs it)
  const kind: UnaryOp | 'generic' = intF === null ? op : 'generic';
  const xd = x.data;
  // the commonest ops get their own loop (a direct expression instead of a call per element)
  rows(shape, [x], (i, o, _o1, _o2, n, s) => {
    const end = i + n;
    switch (kind) {
      case 'copy':
        if (s === 1 && out.constructor === xd.constructor) out.set(xd.subarray(o, o + n), i);
        else for (; i < end; i++, o += s) out[i] = xd[o]!;
        return;
      case 'neg':
        for (; i < end; i++, o += s) out[i] = -xd[o]!;
        return;
      case 'relu':
        for (; i < end; i++, o += s) {
          const v = xd[o]!;
          out[i] = v > 0 ? v : v === v ? 0 : v;
        }
        return;
      case 'square':
        for (; i < end; i++, o += s) out[i] = xd[o]! * xd[o]!;
        return;
      case 'exp':
        for (; i < end; i++, o += s) out[i] = Math.exp(xd[o]!);
        return;
      default:
        for (; i < end; i++, o += s) out[i] = f(xd[o]!);
    }
  });
  return out;
}

export function binary(op: BinaryOp, a: View, b: View, shape: readonly number[], outDType: DType): TypedArray {
  const out = allocate(outDType, numel(shape));
  // int32 products wrap (see intFn1)
  const intF =
    outDType !== 'int32'
      ? null
      : op === 'mul'
        ? Math.imul
        : op === 'pow'
          ? (x: number, e: number) => (e >= 0 ? ipow(x, e) : Math.pow(x, e))
          : null;
  const f = intF ?? binaryFn(op);
  const kind: BinaryOp | 'generic' = intF === null ? op : 'generic';
  const ad = a.data;
  const bd = b.data;
  rows(shape, [a, b], (i, oa, ob, _o2, n, sa, sb) => {
    const end = i + n;
    switch (kind) {
      case 'add':
        for (; i < end; i++, oa += sa, ob += sb) out[i] = ad[oa]! + bd[ob]!;
        return;
      case 'sub':
        for (; i < end; i++, oa += sa, ob += sb) out[i] = ad[oa]! - bd[ob]!;
        return;
      case 'mul':
        for (; i < end; i++, oa += sa, ob += sb) out[i] = ad[oa]! * bd[ob]!;
        return;
      case 'div':
        for (; i < end; i++, oa += sa, ob += sb) out[i] = ad[oa]! / bd[ob]!;
        return;
      default:
        for (; i < end; i++, oa += sa, ob += sb) out[i] = f(ad[oa]!, bd[ob]!);
    }
  });
  return out;
}

export function where(cond: View, a: View, b: View, shape: readonly number[], outDType: DType): TypedArray {
  const out = allocate(outDType, numel(shape));
  const cd = cond.data;
  const ad = a.data;
  const bd = b.data;
  rows(shape, [cond, a, b], (i, oc, oa, ob, n, sc, sa, sb) => {
    for (const end = i + n; i < end; i++, oc += sc, oa += sa, ob += sb) out[i] = cd[oc] ? ad[oa]! : bd[ob]!;
  });
  return out;
}
