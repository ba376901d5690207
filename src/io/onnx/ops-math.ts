/**
 * ONNX operators, math family: integer arithmetic with ONNX's exact semantics, Cast, activations,
 * variadic Sum/Mean, the reductions beyond Sum/Mean/Max/Min, CumSum, TopK, Hardmax and Einsum.
 * Float paths use differentiable tensor ops; integer and index work runs on the host (host.ts).
 */
import { DTypeError, FormatError, NotSupportedError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import type { DType } from '../../core/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { OnnxDataType } from './proto.js';
import { iAttr, iAttrF, ints, isAttr, normAxis, sAttr, type INode } from './attrs.js';
import { axisLayout, hostBinary, hostMap, isFloat, mk, roundEven } from './host.js';
import { numel } from '../../core/shape.js';

export interface RunCtx {
  opset: number;
  maxElements: number;
  /** Whether the importing module is in training mode (`train()`), else eval mode. */
  training: boolean;
  /** The declared ONNX element types of the node's inputs, where known (initializers, graph inputs, Constants). */
  inputTypes?: (number | undefined)[];
  /**
   * BatchNormalization only: the next node is a Relu that alone reads its output, and the module is in
   * eval mode, so the node returns relu(y) computed in the same pass (the importer then skips the Relu).
   */
  reluAfter?: boolean;
}

const need = (ins: (Tensor | null)[], i: number): Tensor => {
  const t = ins[i];
  if (!t) throw new FormatError(`missing input ${i}`, 'E_ONNX_GRAPH');
  return t;
};

// ---------------------------------------------------------------- Cast

/** Wrap an integer to a `bits`-wide (un)signed range, as a C cast to that type does. */
function wrapInt(v: number, bits: number, signed: boolean): number {
  const m = 2 ** bits;
  let r = ((Math.trunc(v) % m) + m) % m;
  if (signed && r >= m / 2) r -= m;
  return r;
}

/** Round a number to the nearest binary16 value (ties to even), returned as a number. */
export function roundToF16(x: number): number {
  if (!Number.isFinite(x)) return x;
  const a = Math.abs(x);
  if (a >= 65520) return x > 0 ? Infinity : -Infinity;
  if (a < 2 ** -25) return x >= 0 ? 0 : -0;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const q = 2 ** (e - 10);
  let r = roundEven(a / q) * q;
  if (r === 0) r = 0;
  return x < 0 ? -r : r;
}

function roundToBF16(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (Number.isNaN(x)) return NaN;
  const lsb = (u[0]! >>> 16) & 1;
  u[0] = ((u[0]! + 0x7fff + lsb) >>> 16) << 16;
  return f[0]!;
}

/** Cast `x` to ONNX element type `to` (held in backprop's dtype for it), with ONNX's conversion rules. */
export function castTo(x: Tensor, to: number): Tensor {
  const fromFloat = isFloat(x);
  const intTo = (bits: number, signed: boolean) =>
    hostMap(x, (v) => (Number.isNaN(v) || !Number.isFinite(v) ? 0 : wrapInt(v, bits, signed)), 'int32');
  switch (to) {
    case OnnxDataType.FLOAT:
      return x.to('float32');
    case OnnxDataType.DOUBLE:
      return x.to('float64');
    case OnnxDataType.FLOAT16:
      return hostMap(x.to('float32'), roundToF16, 'float32');
    case OnnxDataType.BFLOAT16:
      return hostMap(x.to('float32'), roundToBF16, 'float32');
    case OnnxDataType.BOOL:
      return x.ne(0);
    case OnnxDataType.INT32:
      return fromFloat ? intTo(32, true) : x.to('int32');
    case OnnxDataType.INT64:
      return fromFloat ? hostMap(x, (v) => (Number.isNaN(v) ? 0 : Math.trunc(v)), 'int32') : x.to('int32');
    case OnnxDataType.INT8:
      return intTo(8, true);
    case OnnxDataType.UINT8:
      return intTo(8, false);
    case OnnxDataType.INT16:
      return intTo(16, true);
    case OnnxDataType.UINT16:
      return intTo(16, false);
  }
  throw new NotSupportedError(
    `Cast to ONNX type ${to} is not supported (backprop holds float, double, float16/bfloat16 as float, integers up to int64 as int32, bool)`,
    'E_ONNX_DTYPE',
  );
}

/** The ONNX element type a backprop dtype stands for (CastLike's target). */
const ONNX_OF_DTYPE: Record<DType, number> = {
  float32: OnnxDataType.FLOAT,
  float64: OnnxDataType.DOUBLE,
  int32: OnnxDataType.INT64,
  bool: OnnxDataType.BOOL,
};

// ---------------------------------------------------------------- integer arithmetic

function intDiv(a: Tensor, b: Tensor): Tensor {
  return hostBinary(a, b, 'int32', 'Div', (x, y) => {
    if (y === 0) throw new ValueError('Div: integer division by zero', 'E_ONNX_DIV_ZERO');
    return Math.trunc(x / y);
  });
}

function mod(a: Tensor, b: Tensor, fmod: boolean): Tensor {
  if (isFloat(a) || isFloat(b)) {
    if (!fmod) throw new FormatError('Mod: floating-point inputs need fmod = 1', 'E_ONNX_GRAPH');
    return hostBinary(a, b, a.dtype, 'Mod', (x, y) => x % y);
  }
  return hostBinary(a, b, 'int32', 'Mod', (x, y) => {
    if (y === 0) throw new ValueError('Mod: integer modulo by zero', 'E_ONNX_DIV_ZERO');
    const r = x % y;
    return fmod ? r : r !== 0 && r < 0 !== y < 0 ? r + y : r;
  });
}

const intArith = (op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor => hostBinary(a, b, 'int32', op, f);

// ---------------------------------------------------------------- reductions

function reduceAxesOf(n: INode, ins: (Tensor | null)[], ctx: RunCtx, nd: number): number[] | null {
  const fromInput = ctx.opset >= 18;
  const axes = fromInput ? (ins[1] ? ints(ins[1], 'axes') : null) : n.attrs.has('axes') ? isAttr(n, 'axes', []) : null;
  if (axes === null || axes.length === 0) return iAttr(n, 'noop_with_empty_axes', 0) ? [] : null;
  return axes.map((a) => normAxis(a, nd, n.op));
}

function reduceMore(n: INode, ins: (Tensor | null)[], ctx: RunCtx): Tensor {
  const v = need(ins, 0);
  const axes = reduceAxesOf(n, ins, ctx, v.ndim);
  if (axes !== null && axes.length === 0) return v;
  const keep = iAttr(n, 'keepdims', 1) === 1;
  const dims = axes ?? v.shape.map((_, i) => i);
  if (v.ndim === 0) return v;
  const f = isFloat(v) ? v : v.to('float64');
  let r: Tensor;
  switch (n.op) {
    case 'ReduceL1':
      r = f.abs().sum(dims, keep);
      break;
    case 'ReduceL2':
      r = f.square().sum(dims, keep).sqrt();
      break;
    case 'ReduceSumSquare':
      r = f.square().sum(dims, keep);
      break;
    case 'ReduceLogSum':
      r = f.sum(dims, keep).log();
      break;
    case 'ReduceLogSumExp':
      r = f.logsumexp(dims, keep);
      break;
    default: {
      r = f;
      for (const d of [...dims].sort((p, q) => q - p)) r = r.prod(d, true);
      if (!keep) r = r.reshape(v.shape.filter((_, i) => !dims.includes(i)));
    }
  }
  return isFloat(v) ? r : hostMap(r, Math.round, 'int32');
}

// ---------------------------------------------------------------- scans, sorting

function cumSum(x: Tensor, axisT: Tensor, exclusive: boolean, reverse: boolean): Tensor {
  const ax = normAxis(ints(axisT, 'axis')[0] ?? 0, x.ndim, 'CumSum');
  const { outer, n, inner } = axisLayout(x.shape, ax);
  if (isFloat(x)) {
    // A triangular [n, n] matrix: out[j] = Σ_i x[i]·T[i, j] — differentiable.
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const take = reverse ? (exclusive ? i > j : i >= j) : exclusive ? i < j : i <= j;
        t[i * n + j] = take ? 1 : 0;
      }
    const T = mk(t, [n, n], x.dtype);
    return x
      .transpose(ax, x.ndim - 1)
      .matmul(T)
      .transpose(ax, x.ndim - 1);
  }
  const src = x.dataSync();
  const out = new Array<number>(src.length).fill(0);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < inner; k++) {
      let acc = 0;
      for (let s = 0; s < n; s++) {
        const i = reverse ? n - 1 - s : s;
        const at = (o * n + i) * inner + k;
        if (exclusive) {
          out[at] = acc;
          acc += Number(src[at]);
        } else {
          acc += Number(src[at]);
          out[at] = acc;
        }
      }
    }
  return mk(out, x.shape, x.dtype);
}

/** Indices of the k largest (smallest) along `ax`; ties keep the lower index first, as ONNX requires. */
function topKIndices(x: Tensor, k: number, ax: number, largest: boolean, sorted: boolean): Tensor {
  const { outer, n, inner } = axisLayout(x.shape, ax);
  if (k < 0 || k > n) throw new ShapeError(`TopK: k = ${k} is out of range for an axis of size ${n}`, 'E_ONNX_SHAPE');
  const src = x.dataSync();
  const out = new Int32Array(outer * k * inner);
  const order = new Array<number>(n);
  for (let o = 0; o < outer; o++)
    for (let q = 0; q < inner; q++) {
      for (let i = 0; i < n; i++) order[i] = i;
      const val = (i: number) => Number(src[(o * n + i) * inner + q]);
      order.sort((a, b) => {
        const va = val(a);
        const vb = val(b);
        if (va !== vb) {
          if (Number.isNaN(va)) return -1;
          if (Number.isNaN(vb)) return 1;
          return largest ? vb - va : va - vb;
        }
        return a - b;
      });
      const pick = order.slice(0, k);
      if (!sorted) pick.sort((a, b) => a - b);
      for (let j = 0; j < k; j++) out[(o * k + j) * inner + q] = pick[j]!;
    }
  const shape = x.shape.slice();
  shape[ax] = k;
  return new Tensor(out, shape, 'int32');
}

/** Flatten to 2-D at `axis` (the pre-13 Softmax family's rule), apply `f` on dim 1, restore the shape. */
export function coerced2d(x: Tensor, axis: number, f: (m: Tensor) => Tensor): Tensor {
  const ax = axis < 0 ? axis + x.ndim : axis;
  if (ax < 0 || ax > x.ndim) throw new ShapeError(`axis ${axis} is out of range for rank ${x.ndim}`, 'E_ONNX_AXIS');
  const rows = numel(x.shape.slice(0, ax));
  return f(x.reshape(rows, numel(x.shape.slice(ax)))).reshape(x.shape);
}

function hardmax(x: Tensor, ax: number): Tensor {
  const idx = x.argmax(ax, true);
  const { outer, n, inner } = axisLayout(x.shape, ax);
  const id = idx.dataSync();
  const out = new Array<number>(numel(x.shape)).fill(0);
  for (let o = 0; o < outer; o++) for (let q = 0; q < inner; q++) out[(o * n + Number(id[o * inner + q])) * inner + q] = 1;
  return mk(out, x.shape, x.dtype);
}

// ---------------------------------------------------------------- Einsum

/** Einsum as broadcast products and sums over a shared label order (repeated labels take diagonals). */
function einsum(eq: string, xs: Tensor[]): Tensor {
  const clean = eq.replace(/\s+/g, '');
  const [lhs, rhsGiven] = clean.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== xs.length)
    throw new FormatError(`Einsum: equation ${eq} names ${terms.length} operands, got ${xs.length}`, 'E_ONNX_GRAPH');
  // Expand "..." into fresh labels (upper-case letters beyond those used).
  const used = new Set(clean.replace(/[^A-Za-z]/g, ''));
  const ellLabels: string[] = [];
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') if (!used.has(c)) ellLabels.push(c);
  let ellRank = 0;
  for (let i = 0; i < terms.length; i++) if (terms[i]!.includes('...')) ellRank = Math.max(ellRank, xs[i]!.ndim - (terms[i]!.length - 3));
  // Right-align ellipsis labels across operands of different ellipsis rank.
  const fixed = terms.map((t, i) => {
    if (!t.includes('...')) return t;
    const r = xs[i]!.ndim - (t.length - 3);
    return t.replace('...', ellLabels.slice(ellRank - r, ellRank).join(''));
  });
  const ell = ellLabels.slice(0, ellRank).join('');
  let rhs: string;
  if (rhsGiven !== undefined) rhs = rhsGiven.replace('...', ell);
  else {
    const counts = new Map<string, number>();
    for (const t of fixed) for (const c of t) counts.set(c, (counts.get(c) ?? 0) + 1);
    rhs =
      ell +
      [...counts]
        .filter(([c, k]) => k === 1 && !ell.includes(c))
        .map(([c]) => c)
        .sort()
        .join('');
  }
  const all: string[] = [];
  for (const t of [...fixed, rhs]) for (const c of t) if (!all.includes(c)) all.push(c);
  const size = new Map<string, number>();
  const aligned = fixed.map((t, i) => {
    let x = xs[i]!;
    if (t.length !== x.ndim)
      throw new ShapeError(`Einsum: term ${terms[i]} does not fit operand ${i} of shape ${fmtShape(x.shape)}`, 'E_ONNX_SHAPE');
    let labels = t.split('');
    // Diagonals for repeated labels within a term.
    for (;;) {
      const dup = labels.findIndex((c, j) => labels.indexOf(c) !== j);
      if (dup < 0) break;
      const first = labels.indexOf(labels[dup]!);
      const nn = x.shape[first]!;
      const eye = new Float64Array(nn * nn);
      for (let j = 0; j < nn; j++) eye[j * nn + j] = 1;
      const shp = x.shape.map((_, j) => (j === first || j === dup ? nn : 1));
      const mask = mk(eye, shp, x.dtype === 'bool' ? 'float32' : x.dtype);
      x = x.mul(mask).sum(dup);
      labels = labels.filter((_, j) => j !== dup);
    }
    labels.forEach((c, j) => {
      const d = x.shape[j]!;
      const prev = size.get(c);
      if (prev !== undefined && prev !== d && prev !== 1 && d !== 1)
        throw new ShapeError(`Einsum: label ${c} has sizes ${prev} and ${d}`, 'E_ONNX_SHAPE');
      if (prev === undefined || prev === 1) size.set(c, d);
    });
    const perm = all.filter((c) => labels.includes(c)).map((c) => labels.indexOf(c));
    const p = x.permute(perm);
    return p.reshape(all.map((c) => (labels.includes(c) ? x.shape[labels.indexOf(c)]! : 1)));
  });
  let prod = aligned[0]!;
  for (const a of aligned.slice(1)) prod = prod.mul(a);
  const sumDims = all.map((c, i) => (rhs.includes(c) ? -1 : i)).filter((i) => i >= 0);
  let r = sumDims.length ? prod.sum(sumDims) : prod;
  const left = all.filter((c) => rhs.includes(c));
  r = r.reshape(left.map((c) => size.get(c) ?? 1).map((d, i) => (r.shape[i] === undefined ? d : r.shape[i]!)));
  return r.permute(rhs.split('').map((c) => left.indexOf(c)));
}

// ---------------------------------------------------------------- dispatch

export function runMath(n: INode, ins: (Tensor | null)[], ctx: RunCtx): Tensor[] | null {
  const X = () => need(ins, 0);
  switch (n.op) {
    case 'Add':
    case 'Sub':
    case 'Mul': {
      const [a, b] = [X(), need(ins, 1)];
      if (a.dtype !== b.dtype) throw new DTypeError(`${n.op}: inputs have different types ${a.dtype} and ${b.dtype}`, 'E_ONNX_DTYPE');
      if (a.dtype === 'int32')
        return [intArith(n.op, a, b, n.op === 'Add' ? (x, y) => x + y : n.op === 'Sub' ? (x, y) => x - y : (x, y) => x * y)];
      return [n.op === 'Add' ? a.add(b) : n.op === 'Sub' ? a.sub(b) : a.mul(b)];
    }
    case 'Div': {
      const [a, b] = [X(), need(ins, 1)];
      if (a.dtype === 'int32' && b.dtype === 'int32') return [intDiv(a, b)];
      return [a.div(b)];
    }
    case 'Mod':
      return [mod(X(), need(ins, 1), iAttr(n, 'fmod', 0) === 1)];
    case 'Pow': {
      const [a, b] = [X(), need(ins, 1)];
      if (a.dtype === 'int32') return [hostBinary(a, b, 'int32', 'Pow', (x, y) => Math.trunc(x ** y))];
      return [a.pow(b.to(a.dtype))];
    }
    case 'BitShift': {
      const left = sAttr(n, 'direction', '') === 'LEFT';
      return [hostBinary(X(), need(ins, 1), 'int32', 'BitShift', (x, y) => (left ? x * 2 ** y : Math.floor(x / 2 ** y)))];
    }
    case 'Sum':
    case 'Mean': {
      const ts = ins.filter((t): t is Tensor => t !== null);
      let s = ts[0]!;
      for (const t of ts.slice(1)) s = s.add(t);
      return [n.op === 'Mean' ? s.div(ts.length) : s];
    }
    case 'Cast':
      return [castTo(X(), iAttr(n, 'to', 0))];
    case 'CastLike':
      return [castTo(X(), ONNX_OF_DTYPE[need(ins, 1).dtype])];
    case 'Acos':
      return [hostMap(X(), Math.acos)];
    case 'Asin':
      return [hostMap(X(), Math.asin)];
    case 'Atan':
      return [hostMap(X(), Math.atan)];
    case 'Acosh':
      return [hostMap(X(), Math.acosh)];
    case 'Asinh':
      return [hostMap(X(), Math.asinh)];
    case 'Atanh':
      return [hostMap(X(), Math.atanh)];
    case 'Tan':
      return [X().sin().div(X().cos())];
    case 'Sinh':
      return [X().exp().sub(X().neg().exp()).mul(0.5)];
    case 'Cosh':
      return [X().exp().add(X().neg().exp()).mul(0.5)];
    case 'Round':
      return [hostMap(X(), roundEven)];
    case 'Selu':
      return [
        X()
          .elu(iAttrF(n, 'alpha', 1.67326319217681884765625))
          .mul(iAttrF(n, 'gamma', 1.05070102214813232421875)),
      ];
    case 'Celu': {
      const a = iAttrF(n, 'alpha', 1);
      return [X().div(a).elu(1).mul(a)];
    }
    case 'Softsign':
      return [X().div(X().abs().add(1))];
    case 'HardSigmoid':
      return [
        X()
          .mul(iAttrF(n, 'alpha', 0.2))
          .add(iAttrF(n, 'beta', 0.5))
          .clamp(0, 1),
      ];
    case 'HardSwish':
      return [X().mul(X().div(6).add(0.5).clamp(0, 1))];
    case 'ThresholdedRelu':
      return [
        X()
          .gt(iAttrF(n, 'alpha', 1))
          .ifElse(X(), 0),
      ];
    case 'Shrink': {
      const l = iAttrF(n, 'lambd', 0.5);
      const b = iAttrF(n, 'bias', 0);
      return [hostMap(X(), (v) => (v < -l ? v + b : v > l ? v - b : 0))];
    }
    case 'PRelu': {
      const x = X();
      return [x.lt(0).ifElse(x.mul(need(ins, 1)), x)];
    }
    case 'ReduceL1':
    case 'ReduceL2':
    case 'ReduceSumSquare':
    case 'ReduceLogSum':
    case 'ReduceLogSumExp':
    case 'ReduceProd':
      return [reduceMore(n, ins, ctx)];
    case 'CumSum':
      return [cumSum(X(), need(ins, 1), iAttr(n, 'exclusive', 0) === 1, iAttr(n, 'reverse', 0) === 1)];
    case 'TopK': {
      const x = X();
      const ax = normAxis(iAttr(n, 'axis', -1), x.ndim, 'TopK');
      const k = ctx.opset >= 10 ? ints(need(ins, 1), 'K')[0]! : iAttr(n, 'k', 0);
      const idx = topKIndices(x, k, ax, iAttr(n, 'largest', 1) === 1, iAttr(n, 'sorted', 1) === 1);
      return [x.gather(ax, idx), idx];
    }
    case 'Hardmax': {
      const x = X();
      if (ctx.opset < 13) return [coerced2d(x, iAttr(n, 'axis', 1), (m) => hardmax(m, 1))];
      return [hardmax(x, normAxis(iAttr(n, 'axis', -1), x.ndim, 'Hardmax'))];
    }
    case 'Einsum':
      return [
        einsum(
          sAttr(n, 'equation', ''),
          ins.filter((t): t is Tensor => t !== null),
        ),
      ];
    case 'Det':
      return [det(X())];
  }
  return null;
}

/** Determinant of the trailing [n, n] matrices (LU with partial pivoting, in doubles). */
function det(x: Tensor): Tensor {
  const nn = x.shape[x.ndim - 1]!;
  if (x.ndim < 2 || x.shape[x.ndim - 2] !== nn) throw new ShapeError(`Det: expected [..., n, n], got ${fmtShape(x.shape)}`, 'E_ONNX_SHAPE');
  const src = x.dataSync();
  const batch = numel(x.shape.slice(0, -2));
  const out = new Array<number>(batch);
  for (let b = 0; b < batch; b++) {
    const a = Array.from(src.subarray(b * nn * nn, (b + 1) * nn * nn), Number);
    let d = 1;
    for (let c = 0; c < nn; c++) {
      let p = c;
      for (let r = c + 1; r < nn; r++) if (Math.abs(a[r * nn + c]!) > Math.abs(a[p * nn + c]!)) p = r;
      if (a[p * nn + c] === 0) {
        d = 0;
        break;
      }
      if (p !== c) {
        for (let j = 0; j < nn; j++) [a[c * nn + j], a[p * nn + j]] = [a[p * nn + j]!, a[c * nn + j]!];
        d = -d;
      }
      d *= a[c * nn + c]!;
      for (let r = c + 1; r < nn; r++) {
        const f = a[r * nn + c]! / a[c * nn + c]!;
        for (let j = c; j < nn; j++) a[r * nn + j]! -= f * a[c * nn + j]!;
      }
    }
    out[b] = d;
  }
  return mk(out, x.shape.slice(0, -2), x.dtype);
}
