/**
 * Elementwise and reduction kernels on the arena (float32). A strided input is copied in as the span
 * of storage it touches and walked with its strides in wasm, so broadcasts (bias rows, keepdim
 * columns, scalars) and transposed views need no js pass. Small tensors, other dtypes, negative
 * strides, sparse views and unlisted ops go to the js kernels.
 */
import { allocate, type DType, type TypedArray } from '../../core/dtype.js';
import { jsKernels } from '../js/index.js';
import type { BinaryOp, Kernels, ReduceOp, UnaryOp, View } from '../types.js';
import { Ew, Red } from './abi.js';
import type { Arena } from './arena.js';
import type { Gemm } from './gemm.js';

/** Below this many elements the js loop is as fast as the copy-in/copy-out. */
export const MIN_ELEMENTS = 64;

/**
 * From `minElements` elements an elementwise call is split across the worker pool by its outermost
 * dimension (after dropping leading 1s): every output element is computed by one share alone, with
 * the same arithmetic, so the bits do not depend on the number of threads. Tests lower it.
 */
export const elementwiseSplit = { minElements: 1 << 16 };

const BIN: Partial<Record<BinaryOp, Ew>> = {
  add: Ew.Add,
  sub: Ew.Sub,
  mul: Ew.Mul,
  div: Ew.Div,
  maximum: Ew.Maximum,
  minimum: Ew.Minimum,
  reluGrad: Ew.ReluGrad,
  eq: Ew.Eq,
  ne: Ew.Ne,
  lt: Ew.Lt,
  le: Ew.Le,
  gt: Ew.Gt,
  ge: Ew.Ge,
};
const UN: Partial<Record<UnaryOp, Ew>> = {
  neg: Ew.Neg,
  abs: Ew.Abs,
  relu: Ew.Relu,
  square: Ew.Square,
  sqrt: Ew.Sqrt,
  reciprocal: Ew.Reciprocal,
  copy: Ew.Copy,
  leakyRelu: Ew.LeakyRelu,
  clamp: Ew.Clamp,
  sign: Ew.Sign,
  exp: Ew.Exp,
  log: Ew.Log,
  tanh: Ew.Tanh,
  sigmoid: Ew.Sigmoid,
  rsqrt: Ew.Rsqrt,
  log1p: Ew.Log1p,
  expm1: Ew.Expm1,
  elu: Ew.Elu,
};
const RED: Partial<Record<ReduceOp, Red>> = { sum: Red.Sum, max: Red.Max, min: Red.Min };

function count(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** First element and element count of the storage a view touches; null for negative strides. */
function span(v: View, shape: readonly number[]): number {
  let len = 1;
  for (let i = 0; i < shape.length; i++) {
    const s = v.strides[i]!;
    if (s < 0) return -1;
    if (shape[i]! > 1) len += (shape[i]! - 1) * s;
  }
  return len;
}

function unitContiguous(v: View, shape: readonly number[]): boolean {
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && v.strides[i] !== acc) return false;
    acc *= shape[i]!;
  }
  return true;
}

export function createElementwise(arena: Arena, gemm: Gemm) {
  const e = arena.exports;

  /** Copy a view's span in; returns its address, or -1 when it is not worth it. */
  function putView(v: View, shape: readonly number[], n: number): number {
    const len = span(v, shape);
    if (len < 0 || len > 4 * n + 1024) return -1;
    return arena.refF32(v.data, v.offset, len);
  }

  function putStrides(v: View, nd: number): number {
    const p = arena.alloc(Math.max(nd, 1) * 4);
    for (let i = 0; i < nd; i++) arena.i32[(p >> 2) + i] = v.strides[i]!;
    return p;
  }

  function run(
    code: number,
    a: View,
    b: View | null,
    shape: readonly number[],
    n: number,
    outBytes: 1 | 4,
    p0: number,
    p1: number,
  ): TypedArray | null {
    const nd = shape.length;
    if (nd > 8) return null;
    arena.reset();
    const need = (span(a, shape) + (b ? span(b, shape) : 0) + n) * 4 + 1024 + (gemm.pool ? gemm.pool.size * 256 : 0);
    if (!arena.fits(need)) return null;
    const pa = putView(a, shape, n);
    if (pa < 0) return null;
    let pb = pa;
    if (b) {
      pb = putView(b, shape, n);
      if (pb < 0) return null;
    }
    const ps = arena.alloc(Math.max(nd, 1) * 4);
    for (let i = 0; i < nd; i++) arena.i32[(ps >> 2) + i] = shape[i]!;
    const sa = putStrides(a, nd);
    const sb = b ? putStrides(b, nd) : sa;
    const out = arena.alloc(n * outBytes);
    // the outermost dimension of size > 1: the split runs over it (leading 1s address nothing)
    let d0 = 0;
    while (d0 < nd - 1 && shape[d0] === 1) d0++;
    const rows = nd > 0 ? shape[d0]! : 1;
    const pool = gemm.pool;
    const T = pool && n >= elementwiseSplit.minElements ? Math.min(pool.size, rows) : 1;
    if (T === 1) e.elementwise(code, nd, ps, pa, sa, pb, sb, out, p0, p1);
    else {
      const inner = n / rows;
      const [strideA, strideB] = [a.strides[d0]!, b ? b.strides[d0]! : 0];
      const per = Math.ceil(rows / T);
      const parts: number[][] = [];
      for (let r0 = 0; r0 < rows; r0 += per) {
        const r = Math.min(per, rows - r0);
        // each share its own shape and stride arrays: the kernel rewrites them in place
        const psh = arena.alloc(nd * 4);
        for (let i = 0; i < nd; i++) arena.i32[(psh >> 2) + i] = i === d0 ? r : shape[i]!;
        const qa = putStrides(a, nd);
        const qb = b ? putStrides(b, nd) : qa;
        parts.push([
          code,
          nd,
          psh,
          pa + 4 * r0 * strideA,
          qa,
          pb + 4 * r0 * (b ? strideB : strideA),
          qb,
          out + r0 * inner * outBytes,
          p0,
          p1,
        ]);
      }
      const call = (x: readonly number[]) => e.elementwise(x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, x[5]!, x[6]!, x[7]!, x[8]!, x[9]!);
      pool!.run('elementwise', parts, call);
    }
    if (outBytes === 4) return arena.takeF32(out, n);
    const r = new Uint8Array(n);
    r.set(new Uint8Array(arena.memory.buffer, out, n));
    return r;
  }

  function unary(op: UnaryOp, x: View, shape: readonly number[], outDType: DType, p0 = 0, p1 = 0): TypedArray {
    const n = count(shape);
    if (
      op === 'copy' &&
      (outDType !== 'float32' || !(x.data instanceof Float32Array) || n < MIN_ELEMENTS) &&
      n > 0 &&
      unitContiguous(x, shape)
    ) {
      // a cast or small copy of contiguous data: typed-array set() converts exactly like element stores
      const out = allocate(outDType, n);
      out.set(x.data.subarray(x.offset, x.offset + n));
      return out;
    }
    const code = UN[op];
    if (code !== undefined && n >= MIN_ELEMENTS && outDType === 'float32' && x.data instanceof Float32Array) {
      let q0 = p0;
      let q1 = p1;
      if (op === 'clamp') {
        q0 = Number.isNaN(p0) ? -Infinity : p0;
        q1 = Number.isNaN(p1) ? Infinity : p1;
      }
      const r = run(code, x, null, shape, n, 4, q0, q1);
      if (r) return r;
    }
    return jsKernels.unary(op, x, shape, outDType, p0, p1);
  }

  function binary(op: BinaryOp, a: View, b: View, shape: readonly number[], outDType: DType): TypedArray {
    const code = BIN[op];
    if (code !== undefined && a.data instanceof Float32Array && b.data instanceof Float32Array) {
      const n = count(shape);
      const cmp = code >= Ew.Eq;
      if (n >= MIN_ELEMENTS && (cmp ? outDType === 'bool' : outDType === 'float32')) {
        const r = run(code, a, b, shape, n, cmp ? 1 : 4, 0, 0);
        if (r) return r;
      }
    }
    return jsKernels.binary(op, a, b, shape, outDType);
  }

  function reduce(op: ReduceOp, x: TypedArray, shape: readonly number[], axis: number, outDType: DType): TypedArray {
    const code = RED[op];
    const n = count(shape);
    if (code !== undefined && outDType === 'float32' && x instanceof Float32Array && n >= MIN_ELEMENTS && x.length === n) {
      let outer = 1;
      let inner = 1;
      for (let i = 0; i < axis; i++) outer *= shape[i]!;
      for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
      const size = shape[axis] ?? 1;
      arena.reset();
      if (size > 0 && arena.fits((n + outer * inner) * 4 + inner * 8 + 1024)) {
        const px = arena.refF32(x, 0, n);
        const out = arena.alloc(outer * inner * 4);
        const acc = arena.alloc(inner * 8);
        e.reduce(code, outer, size, inner, px, out, acc);
        return arena.takeF32(out, outer * inner);
      }
    }
    // sums with a float64 side: the intermediate steps of multi-axis float32 reductions (f32 → f64 → f32)
    const xF64 = x instanceof Float64Array;
    if (
      op === 'sum' &&
      (x instanceof Float32Array || xF64) &&
      (outDType === 'float32' || outDType === 'float64') &&
      n >= MIN_ELEMENTS &&
      x.length === n
    ) {
      let outer = 1;
      let inner = 1;
      for (let i = 0; i < axis; i++) outer *= shape[i]!;
      for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
      const size = shape[axis] ?? 1;
      const outF64 = outDType === 'float64';
      arena.reset();
      if (size > 0 && arena.fits(n * 8 + outer * inner * 8 + inner * 8 + 1024)) {
        let px: number;
        if (xF64) {
          px = arena.alloc(n * 8);
          new Float64Array(arena.memory.buffer, px, n).set(x);
        } else px = arena.refF32(x, 0, n);
        const out = arena.alloc(outer * inner * (outF64 ? 8 : 4));
        const acc = arena.alloc(inner * 8);
        e.reduceSumMixed(outer, size, inner, px, xF64 ? 1 : 0, out, outF64 ? 1 : 0, acc);
        if (!outF64) return arena.takeF32(out, outer * inner);
        return new Float64Array(arena.memory.buffer, out, outer * inner).slice();
      }
    }
    return jsKernels.reduce(op, x, shape, axis, outDType);
  }

  /** Fused softmax cross-entropy (float32 logits); large class counts are where it pays. */
  const softmaxCrossEntropy: Kernels['softmaxCrossEntropy'] = (x, m, c, target, weight, outDType) => {
    const n = m * c;
    arena.reset();
    if (
      outDType === 'float32' &&
      x instanceof Float32Array &&
      weight instanceof Float32Array &&
      n >= MIN_ELEMENTS &&
      x.length === n &&
      arena.fits((2 * n + 3 * m) * 4 + 1024)
    ) {
      const px = arena.refF32(x, 0, n);
      const pt = arena.alloc(m * 4);
      arena.i32.set(target.subarray(0, m), pt >> 2);
      const pw = arena.refF32(weight, 0, m);
      const loss = arena.alloc(m * 4);
      const probs = arena.alloc(n * 4);
      e.softmaxCrossEntropyF32(px, m, c, pt, pw, loss, probs);
      // probs is kept raw by the op for its backward (not a tensor, so never re-resolved): a JS copy
      return { loss: arena.takeF32(loss, m), probs: arena.f32.slice(probs >> 2, (probs >> 2) + n) };
    }
    return jsKernels.softmaxCrossEntropy(x, m, c, target, weight, outDType);
  };

  return { unary, binary, reduce, softmaxCrossEntropy };
}
