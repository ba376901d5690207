/** Matmul, convolution and pooling primitives (NCHW activations, OIHW weights). */
import { isFloat, promote } from '../core/dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { kernels } from '../backend/dispatch.js';
import type { Conv2dArgs, Pool2dArgs, View, Window2d } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { contiguousData } from './util.js';
import type { ConvAttrs, GradCtx, OpRule, PoolAttrs } from './types.js';

/** How a [r, c] matrix with strides [sr, sc] lies in storage: row-major, column-major (its transpose is row-major), or neither. */
function layout(r: number, c: number, sr: number, sc: number): 'row' | 'col' | null {
  if ((sc === 1 || c === 1) && (sr === c || r === 1)) return 'row';
  if ((sr === 1 || r === 1) && (sc === r || c === 1)) return 'col';
  return null;
}

/** Read a [B, R, C] tensor as a matmul operand: plain row-major, transposed, or copied. */
function operand(t: Tensor): { v: View; trans: boolean; batchStride: number } {
  const [b, r, c] = t.shape as [number, number, number];
  const [sb, sr, sc] = t.strides as [number, number, number];
  const batchStride = b === 1 ? 0 : r * c;
  const l = b === 1 || sb === r * c ? layout(r, c, sr, sc) : null;
  if (l === null) return { v: { data: contiguousData(t), offset: 0, strides: [] }, trans: false, batchStride };
  return { v: { data: t.storage, offset: t.offset, strides: [] }, trans: l === 'col', batchStride };
}

/**
 * A 2-D matmul operand without building tensors: t [r, c] itself (or, with `t_`, its transpose
 * [c, r]) as plain row-major or transposed storage; copied when neither.
 */
function operand2(t: Tensor, t_: boolean): { v: View; trans: boolean } {
  const [r0, c0] = t.shape as [number, number];
  const [s0, s1] = t.strides as [number, number];
  const l = t_ ? layout(c0, r0, s1, s0) : layout(r0, c0, s0, s1);
  // a contiguous copy of t is row-major t, i.e. its transpose read transposed
  if (l === null) return { v: { data: contiguousData(t), offset: 0, strides: [] }, trans: t_ };
  return { v: { data: t.storage, offset: t.offset, strides: [] }, trans: l === 'col' };
}

function checkFloat(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (!isFloat(t.dtype)) throw new DTypeError(`${op}: expected floating-point tensors, got ${t.dtype}`);
}

export function convOutSize(inp: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((inp + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function poolOutSize(inp: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = inp + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // the last window must start inside the input or the left padding
  if (ceil && (out - 1) * s >= inp + p) out--;
  return out;
}

/** The plain conv2d attributes within a conv-family op's attributes. */
function convAttrsOf(a: ConvAttrs): ConvAttrs {
  return { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups };
}

/**
 * The gradients of a transposed convolution y = convᵀ(u, w) (conv2dGradInput, convTranspose2d), which
 * is bilinear: d u = conv2d(G, w), d w = conv2dGradWeight(G, u).
 */
function convTransposeGrads(G: Tensor, u: Tensor, w: Tensor, attrs: ConvAttrs, run: GradCtx<unknown>['run']): (Tensor | null)[] {
  const conv = convAttrsOf(attrs);
  return [
    u.requiresGrad ? fitTo(run('conv2d', [G, w], conv), u.shape) : null,
    w.requiresGrad ? run('conv2dGradWeight', [G, u], { ...conv, weightShape: w.shape.slice() }) : null,
  ];
}

/** conv2d(G, w) can be taller/wider than u when outputPadding >= stride (allowed when dilation > stride): the extra rows/cols only saw output padding. */
function fitTo(t: Tensor, shape: readonly number[]): Tensor {
  return t.shape[2] === shape[2] && t.shape[3] === shape[3] ? t : t.narrow(2, 0, shape[2]!).narrow(3, 0, shape[3]!);
}

/** The window geometry of input [n, c, h, w] → output [.., .., oh, ow] with a kh×kw window. */
function windowArgs(
  x: readonly number[],
  y: readonly number[],
  k: readonly number[],
  a: { stride: [number, number]; padding: [number, number]; dilation: [number, number] },
): Window2d {
  const [strideH, strideW] = a.stride;
  const [padH, padW] = a.padding;
  const [dilH, dilW] = a.dilation;
  return { n: x[0], h: x[2], w: x[3], oh: y[2], ow: y[3], kh: k[0], kw: k[1], strideH, strideW, padH, padW, dilH, dilW };
}

function convArgs(x: readonly number[], w: readonly number[], y: readonly number[], a: ConvAttrs): Conv2dArgs {
  return { ...windowArgs(x, y, [w[2], w[3]], a), cIn: x[1], cOut: w[0], groups: a.groups };
}

function poolArgs(x: readonly number[], y: readonly number[], a: PoolAttrs, countIncludePad = true, divisor = 0): Pool2dArgs {
  return { ...windowArgs(x, y, a.kernelSize, a), c: x[1], countIncludePad, divisor };
}

/** Validate conv input/weight and give the output shape [N, Cout, OH, OW]. */
function inferConv(op: string, x: Tensor, w: Tensor, a: ConvAttrs): number[] {
  checkFloat(op, x, w);
  if (x.shape.length !== 4)
    throw new ShapeError(
      `${op}: expected a 4-D input [N, C, H, W], got ${fmtShape(x.shape)}${x.shape.length === 3 ? ' (add a batch dimension with .unsqueeze(0))' : ''}`,
    );
  if (w.shape.length !== 4) throw new ShapeError(`${op}: expected a 4-D weight [Cout, Cin/groups, kH, kW], got ${fmtShape(w.shape)}`);
  const [, c, h, wd] = x.shape as number[];
  const [co, cig, kh, kw] = w.shape as number[];
  const g = a.groups;
  if (!Number.isInteger(g) || g < 1) throw new ValueError(`${op}: groups must be a positive integer, got ${g}`);
  if (c !== cig * g)
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} has ${c} channels but weight ${fmtShape(w.shape)} with groups=${g} expects ${cig * g}`,
    );
  if (co % g !== 0) throw new ShapeError(`${op}: out channels ${co} of weight ${fmtShape(w.shape)} not divisible by groups=${g}`);
  for (const v of [...a.stride, ...a.dilation])
    if (!Number.isInteger(v) || v < 1) throw new ValueError(`${op}: stride and dilation must be positive integers`);
  for (const v of a.padding) if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: padding must be a non-negative integer`);
  const oh = convOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
  const ow = convOutSize(wd, kw, a.stride[1], a.padding[1], a.dilation[1]);
  if (oh < 1 || ow < 1)
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} is too small for kernel ${kh}x${kw} (padding ${a.padding.join('x')}, dilation ${a.dilation.join('x')}): output would be ${oh}x${ow}`,
    );
  return [x.shape[0], co, oh, ow];
}

function inferPool(op: string, x: Tensor, a: PoolAttrs): number[] {
  if (x.shape.length !== 4) throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W], got ${fmtShape(x.shape)}`);
  checkFloat(op, x);
  for (let i = 0; i < 2; i++) {
    if (a.padding[i] * 2 > a.kernelSize[i])
      throw new ValueError(`${op}: padding ${a.padding[i]} should be at most half of the kernel size ${a.kernelSize[i]}`);
    if (a.kernelSize[i] < 1 || a.stride[i] < 1) throw new ValueError(`${op}: kernel size and stride must be positive`);
  }
  const oh = poolOutSize(x.shape[2], a.kernelSize[0], a.stride[0], a.padding[0], a.dilation[0], a.ceilMode);
  const ow = poolOutSize(x.shape[3], a.kernelSize[1], a.stride[1], a.padding[1], a.dilation[1], a.ceilMode);
  if (oh < 1 || ow < 1)
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} is too small for kernel ${a.kernelSize.join('x')}: output would be ${oh}x${ow}`,
    );
  return [x.shape[0], x.shape[1], oh, ow];
}

/** Whether a [B, R, C] operand is a transposed view of row-major storage (read with trans = true). */
function storedTransposed(t: Tensor): boolean {
  const [, r, c] = t.shape as [number, number, number];
  return r > 1 && c > 1 && t.strides[1] === 1 && t.strides[2] === r;
}

/** Sum a batched gradient over the batch when that operand was broadcast (batch 1). */
function batchReduce(g: Tensor, like: Tensor): Tensor {
  return like.shape[0] === 1 && g.shape[0] !== 1 ? g.sum(0, true) : g;
}

export const linalgOps = {
  // C[b] = A[b] @ B[b]; A [B|1, M, K], B [B|1, K, N]
  bmm: {
    infer: ([a, b]) => {
      checkFloat('matmul', a, b);
      const [ba, m, k] = a.shape as number[];
      const [bb, k2, n] = b.shape as number[];
      if (k !== k2)
        throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${k} vs ${k2})`);
      if (ba !== bb && ba !== 1 && bb !== 1) throw new ShapeError(`matmul: batch sizes ${ba} and ${bb} do not broadcast`);
      return { shape: [Math.max(ba, bb), m, n], dtype: promote(a.dtype, b.dtype) };
    },
    forward: ([a, b], _at, out) => {
      const A = operand(a);
      const B = operand(b);
      const [batch, m, n] = out.shape as [number, number, number];
      const data = kernels().matmul(
        { a: A.v, b: B.v, batch, m, k: a.shape[2], n, transA: A.trans, transB: B.trans, strideA: A.batchStride, strideB: B.batchStride },
        out.dtype,
      );
      return { data };
    },
    // dA = dC Bᵀ, dB = Aᵀ dC. An operand stored transposed (e.g. `w.t()` in linear) gets its gradient
    // computed transposed — dBᵀ = dCᵀ A — so it lands contiguous in the layout of the stored tensor
    // (same sums in the same order; no strided copy when the optimizer reads the parameter's grad).
    backward: (g, { inputs: [a, b] }) => [
      a.requiresGrad ? batchReduce(storedTransposed(a) ? b.bmm(g.transpose(1, 2)).transpose(1, 2) : g.bmm(b.transpose(1, 2)), a) : null,
      b.requiresGrad ? batchReduce(storedTransposed(b) ? g.transpose(1, 2).bmm(a).transpose(1, 2) : a.transpose(1, 2).bmm(g), b) : null,
    ],
  } satisfies OpRule<'bmm'>,

  // y = x Wᵀ + b in one kernel call (the bias added after the product, rounded as a separate add
  // would round it, so the bits equal matmul-then-add). x [m, k], W [n, k], b [n] (optional), one dtype.
  linear: {
    infer: ([x, w, b]) => {
      checkFloat('linear', x, w);
      if (x.ndim !== 2 || w.ndim !== 2)
        throw new ShapeError(`linear: expected a 2-D input and weight, got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
      const [m, k] = x.shape as number[];
      const [n, k2] = w.shape as number[];
      if (k !== k2)
        throw new ShapeError(`linear: input ${fmtShape(x.shape)} and weight ${fmtShape(w.shape)} cannot be multiplied (${k} vs ${k2})`);
      if (x.dtype !== w.dtype || (b && b.dtype !== x.dtype))
        throw new DTypeError(
          `linear: input, weight and bias must share one dtype, got ${(b ? [x, w, b] : [x, w]).map((t) => t.dtype).join(', ')}`,
        );
      if (b && (b.ndim !== 1 || b.shape[0] !== n)) throw new ShapeError(`linear: bias must be [${n}], got ${fmtShape(b.shape)}`);
      return { shape: [m, n], dtype: x.dtype };
    },
    forward: ([x, w, b], _at, out) => {
      const X = operand2(x, false);
      // Wᵀ [k, n] read from W's storage: "transposed" when W is row-major
      const W = operand2(w, true);
      const [m, n] = out.shape as [number, number];
      const bias = b ? (b.isContiguous() ? b.storage.subarray(b.offset, b.offset + n) : contiguousData(b)) : null;
      const data = kernels().matmul(
        { a: X.v, b: W.v, batch: 1, m, k: x.shape[1], n, transA: X.trans, transB: W.trans, strideA: 0, strideB: 0, bias },
        out.dtype,
      );
      return { data };
    },
    // the same products as bmm's rule for x @ W.t() (dW lands in W's layout): dx = g W, dW = gᵀ x, db = Σ_rows g
    backward: (g, { inputs: [x, w, b] }) => [
      x.requiresGrad ? g.matmul(w) : null,
      w.requiresGrad ? g.t().matmul(x) : null,
      b && b.requiresGrad ? g.sum(0) : null,
    ],
  } satisfies OpRule<'linear'>,

  // x [N, Cin, H, W], w [Cout, Cin/groups, kH, kW], optional bias b [Cout] of the output's dtype, added
  // in the kernel after the convolution (rounded as a separate add would round it: the bits equal
  // conv2d then add(b.reshape(1, -1, 1, 1)), with no extra pass over the activation)
  conv2d: {
    infer: ([x, w, b], a) => {
      const shape = inferConv('conv2d', x, w, a);
      const dtype = promote(x.dtype, w.dtype);
      if (b && (b.ndim !== 1 || b.shape[0] !== shape[1]))
        throw new ShapeError(`conv2d: bias must be [${shape[1]}], got ${fmtShape(b.shape)}`);
      if (b && b.dtype !== dtype) throw new DTypeError(`conv2d: bias must be ${dtype} like the output, got ${b.dtype}`);
      return { shape, dtype };
    },
    forward: ([x, w, b], a, out) => ({
      data: kernels().conv2d(
        contiguousData(x),
        contiguousData(w),
        { ...convArgs(x.shape, w.shape, out.shape, a), bias: b ? contiguousData(b) : null },
        out.dtype,
      ),
    }),
    // db = Σ_{N,H,W} g: the reduction add's backward makes for b.reshape(1, -1, 1, 1) (same sums)
    backward: (g, { inputs: [x, w, b], attrs, run }) => [
      x.requiresGrad ? run('conv2dGradInput', [g, w], { ...attrs, inputShape: x.shape.slice() }) : null,
      w.requiresGrad ? run('conv2dGradWeight', [x, g], { ...attrs, weightShape: w.shape.slice() }) : null,
      b && b.requiresGrad ? g.sum([0, 2, 3], true).reshape(b.shape) : null,
    ],
  } satisfies OpRule<'conv2d'>,

  conv2dGradInput: {
    infer: (_i, a) => ({ shape: a.inputShape.slice(), dtype: _i[0].dtype }),
    forward: ([gy, w], a, out) => ({
      data: kernels().conv2dGradInput(contiguousData(gy), contiguousData(w), convArgs(a.inputShape, w.shape, gy.shape, a), out.dtype),
    }),
    // gx = convᵀ(gy, w): second derivatives by the transposed convolution's rule
    backward: (gg, { inputs: [gy, w], attrs, run }) => convTransposeGrads(gg, gy, w, attrs, run),
  } satisfies OpRule<'conv2dGradInput'>,

  conv2dGradWeight: {
    infer: (_i, a) => ({ shape: a.weightShape.slice(), dtype: _i[0].dtype }),
    forward: ([x, gy], a, out) => ({
      data: kernels().conv2dGradWeight(contiguousData(x), contiguousData(gy), convArgs(x.shape, a.weightShape, gy.shape, a), out.dtype),
    }),
    // gw = Σ x ⋆ gy is bilinear: d x = conv2dGradInput(gy, G), d gy = conv2d(x, G)
    backward: (gg, { inputs: [x, gy], attrs, run }) => {
      const conv = convAttrsOf(attrs);
      return [
        x.requiresGrad ? run('conv2dGradInput', [gy, gg], { ...conv, inputShape: x.shape.slice() }) : null,
        gy.requiresGrad ? run('conv2d', [x, gg], conv) : null,
      ];
    },
  } satisfies OpRule<'conv2dGradWeight'>,

  // the transpose of conv2d: x [N, Cin, H, W], w [Cin, Cout/groups, kH, kW]
  convTranspose2d: {
    infer: ([x, w], a) => {
      checkFloat('convTranspose2d', x, w);
      if (x.shape.length !== 4) throw new ShapeError(`convTranspose2d: expected a 4-D input [N, C, H, W], got ${fmtShape(x.shape)}`);
      if (w.shape.length !== 4)
        throw new ShapeError(`convTranspose2d: expected a 4-D weight [Cin, Cout/groups, kH, kW], got ${fmtShape(w.shape)}`);
      if (x.shape[1] !== w.shape[0])
        throw new ShapeError(
          `convTranspose2d: input ${fmtShape(x.shape)} has ${x.shape[1]} channels but weight ${fmtShape(w.shape)} expects ${w.shape[0]}`,
        );
      const size = (i: number, k: number, d: 0 | 1) =>
        (i - 1) * a.stride[d] - 2 * a.padding[d] + a.dilation[d] * (k - 1) + a.outputPadding[d] + 1;
      const oh = size(x.shape[2], w.shape[2], 0);
      const ow = size(x.shape[3], w.shape[3], 1);
      if (oh < 1 || ow < 1) throw new ShapeError(`convTranspose2d: output size ${oh}x${ow} is too small`);
      for (let d = 0; d < 2; d++)
        if (a.outputPadding[d] >= Math.max(a.stride[d], a.dilation[d]))
          throw new ValueError(`convTranspose2d: output padding must be smaller than either stride or dilation`);
      return { shape: [x.shape[0], w.shape[1] * a.groups, oh, ow], dtype: promote(x.dtype, w.dtype) };
    },
    forward: ([x, w], a, out) => ({
      data: kernels().conv2dGradInput(contiguousData(x), contiguousData(w), convArgs(out.shape, w.shape, x.shape, a), out.dtype),
    }),
    backward: (g, { inputs: [x, w], attrs, run }) => convTransposeGrads(g, x, w, attrs, run),
  } satisfies OpRule<'convTranspose2d'>,

  maxPool2d: {
    infer: ([x], a) => ({ shape: inferPool('maxPool2d', x, a), dtype: x.dtype }),
    forward: ([x], a, out, recording) => {
      // the argmax indices only where a backward may route the gradient through them
      const r = kernels().maxPool2d(contiguousData(x), poolArgs(x.shape, out.shape, a), out.dtype, recording);
      return { data: r.out, saved: r.indices };
    },
    backward: (g, { inputs: [x], attrs, saved, run }) => [
      run('maxPool2dGrad', [g], { ...attrs, inputShape: x.shape.slice(), indices: saved as Int32Array }),
    ],
  } satisfies OpRule<'maxPool2d'>,

  maxPool2dGrad: {
    infer: ([g], a) => ({ shape: a.inputShape.slice(), dtype: g.dtype }),
    forward: ([g], a, out) => ({
      data: kernels().maxPool2dGrad(contiguousData(g), a.indices, poolArgs(a.inputShape, g.shape, a), out.dtype),
    }),
    // linear in g: its gradient picks G at each window's argmax (a gather over the flattened plane)
    backward: (gg, { inputs: [g], attrs }) => {
      const [n, c, h, w] = attrs.inputShape as [number, number, number, number];
      const per = g.shape[2] * g.shape[3];
      const idx = gg.newTensor(attrs.indices, [n, c, per], 'int32');
      return [
        gg
          .reshape(n, c, h * w)
          .gather(2, idx)
          .reshape(g.shape),
      ];
    },
  } satisfies OpRule<'maxPool2dGrad'>,

  avgPool2d: {
    infer: ([x], a) => ({ shape: inferPool('avgPool2d', x, a), dtype: x.dtype }),
    forward: ([x], a, out) => ({
      data: kernels().avgPool2d(contiguousData(x), poolArgs(x.shape, out.shape, a, a.countIncludePad, a.divisorOverride ?? 0), out.dtype),
    }),
    backward: (g, { inputs: [x], attrs, run }) => [run('avgPool2dGrad', [g], { ...attrs, inputShape: x.shape.slice() })],
  } satisfies OpRule<'avgPool2d'>,

  avgPool2dGrad: {
    infer: ([g], a) => ({ shape: a.inputShape.slice(), dtype: g.dtype }),
    forward: ([g], a, out) => ({
      data: kernels().avgPool2dGrad(
        contiguousData(g),
        poolArgs(a.inputShape, g.shape, a, a.countIncludePad, a.divisorOverride ?? 0),
        out.dtype,
      ),
    }),
    // avg-pool's gradient is linear in g: its own gradient is avg-pool again
    backward: (gg, { attrs, run }) => [
      run('avgPool2d', [gg], {
        kernelSize: attrs.kernelSize,
        stride: attrs.stride,
        padding: attrs.padding,
        dilation: attrs.dilation,
        ceilMode: attrs.ceilMode,
        countIncludePad: attrs.countIncludePad,
        divisorOverride: attrs.divisorOverride,
      }),
    ],
  } satisfies OpRule<'avgPool2dGrad'>,
};
