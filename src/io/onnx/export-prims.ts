/**
 * ONNX export, primitive lowering: one entry per op of the op table (`OpName`), so adding a primitive
 * without saying how it exports — or that it does not — is a compile error. Each rule gets the traced
 * event's typed attributes (and those of the same event traced at batch B+1, for dynamic shapes).
 */
import { NotSupportedError, fmtShape } from '../../core/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { OpAttrs, OpName } from '../../ops/types.js';
import { OnnxDataType } from './proto.js';
import { ONNX_TYPE_OF } from './tensors.js';
import type { GraphBuilder } from './graph.js';
import type { Ev } from './trace.js';
import {
  convOnnxAttrs,
  diffDims,
  pads4,
  geluDecomposed,
  isNotExportable,
  notExportable,
  reduceNode,
  type Lowering,
  type NotExportable,
} from './export-common.js';

export interface PrimCtx {
  g: GraphBuilder;
  ev: Ev;
  twin: Ev | null;
  /** The traced output. */
  out: Tensor;
  /** The first input. */
  x: Tensor;
  /** Graph names of the inputs. */
  ins(): string[];
}
type PrimRule<K extends OpName> = (c: PrimCtx, a: OpAttrs[K], twinAttrs: OpAttrs[K] | undefined) => void;
type PrimTable = { [K in OpName]: PrimRule<K> | NotExportable };

const same = (onnx: string) => (c: PrimCtx) => c.g.emit(c.out, onnx, c.ins());
const gradient = notExportable('a gradient kernel, which only backward() runs');

export const PRIM_LOWERING: PrimTable = {
  neg: same('Neg'),
  abs: same('Abs'),
  exp: same('Exp'),
  log: same('Log'),
  sqrt: same('Sqrt'),
  sin: same('Sin'),
  cos: same('Cos'),
  tanh: same('Tanh'),
  sigmoid: same('Sigmoid'),
  relu: same('Relu'),
  sign: same('Sign'),
  reciprocal: same('Reciprocal'),
  erf: same('Erf'),
  floor: same('Floor'),
  ceil: same('Ceil'),
  round: same('Round'),
  logicalNot: same('Not'),
  isnan: same('IsNaN'),
  isinf: same('IsInf'),
  rsqrt: (c) => c.g.emit(c.out, 'Reciprocal', [c.g.node('Sqrt', c.ins())[0]!]),
  square: (c) => c.g.emit(c.out, 'Mul', [c.ins()[0]!, c.ins()[0]!]),
  log1p: (c) => c.g.emit(c.out, 'Log', [c.g.node('Add', [c.ins()[0]!, c.g.scalar(1, c.x)])[0]!]),
  expm1: (c) => c.g.emit(c.out, 'Sub', [c.g.node('Exp', c.ins())[0]!, c.g.scalar(1, c.x)]),
  gelu: (c) => void c.g.names.set(c.out, geluDecomposed(c.g, c.ins()[0]!, c.x, 'none')),
  geluGrad: gradient,
  reluGrad: gradient,
  powScalar: (c, a) => c.g.emit(c.out, 'Pow', [c.ins()[0]!, c.g.scalar(a.exponent, c.x)]),
  clamp: (c, a) =>
    c.g.emit(c.out, 'Clip', [c.ins()[0]!, a.min === null ? '' : c.g.scalar(a.min, c.x), a.max === null ? '' : c.g.scalar(a.max, c.x)]),
  leakyRelu: (c, a) => c.g.emit(c.out, 'LeakyRelu', c.ins(), { alpha: a.slope }),
  elu: (c, a) => c.g.emit(c.out, 'Elu', c.ins(), { alpha: a.alpha }),
  softplus: (c, a) => {
    if (a.beta === 1) return c.g.emit(c.out, 'Softplus', c.ins());
    const sp = c.g.node('Softplus', [c.g.node('Mul', [c.ins()[0]!, c.g.scalar(a.beta, c.x)])[0]!])[0]!;
    c.g.emit(c.out, 'Div', [sp, c.g.scalar(a.beta, c.x)]);
  },
  add: same('Add'),
  sub: same('Sub'),
  mul: same('Mul'),
  div: same('Div'),
  pow: same('Pow'),
  maximum: same('Max'),
  minimum: same('Min'),
  eq: same('Equal'),
  lt: same('Less'),
  gt: same('Greater'),
  le: same('LessOrEqual'),
  ge: same('GreaterOrEqual'),
  logicalAnd: same('And'),
  logicalOr: same('Or'),
  logicalXor: same('Xor'),
  ne: (c) => c.g.emit(c.out, 'Not', [c.g.node('Equal', c.ins())[0]!]),
  where: same('Where'),
  cast: (c, a) => c.g.emit(c.out, 'Cast', c.ins(), { to: ONNX_TYPE_OF[a.dtype] }),
  sum: (c, a) => void c.g.names.set(c.out, reduceNode(c.g, 'ReduceSum', c.ins()[0]!, a.dims, a.keepdim)),
  amax: (c, a) => void c.g.names.set(c.out, reduceNode(c.g, 'ReduceMax', c.ins()[0]!, a.dims, a.keepdim)),
  amin: (c, a) => void c.g.names.set(c.out, reduceNode(c.g, 'ReduceMin', c.ins()[0]!, a.dims, a.keepdim)),
  prod: (c, a) => void c.g.names.set(c.out, reduceNode(c.g, 'ReduceProd', c.ins()[0]!, [a.dim], a.keepdim)),
  prodGrad: gradient,
  argmax: (c, a) => argLower(c, 'ArgMax', a),
  argmin: (c, a) => argLower(c, 'ArgMin', a),
  reshape: (c) => {
    const shape = c.out.shape.slice();
    const d = diffDims(shape, c.twin ? c.twin.out[0]!.shape : undefined);
    if (d.length === 1) shape[d[0]!] = -1;
    else if (d.length > 1)
      throw new NotSupportedError(
        `exportOnnx: a reshape to ${fmtShape(c.out.shape)} changes ${d.length} dims with the batch size; export with { dynamicBatch: false }`,
        'E_ONNX_DYNAMIC',
      );
    c.g.emit(c.out, 'Reshape', [c.ins()[0]!, c.g.int64(shape)]);
  },
  permute: (c, a) => c.g.emit(c.out, 'Transpose', c.ins(), { perm: a.dims }),
  expand: (c, a, ta) => {
    const shape = a.shape.slice();
    if (shape.length === c.x.ndim && shape.every((s, i) => s === c.x.shape[i])) return void c.g.names.set(c.out, c.ins()[0]!);
    for (const i of diffDims(shape, ta?.shape)) {
      const j = i - (shape.length - c.x.ndim);
      const twinIn = c.twin!.inputs[0]!;
      if (j >= 0 && c.x.shape[j] === shape[i] && twinIn.shape[j] === ta!.shape[i]) shape[i] = 1;
      else
        throw new NotSupportedError(
          `exportOnnx: an expand to ${fmtShape(a.shape)} depends on the batch size; export with { dynamicBatch: false }`,
          'E_ONNX_DYNAMIC',
        );
    }
    c.g.emit(c.out, 'Expand', [c.ins()[0]!, c.g.int64(shape)]);
  },
  slice: (c, a, ta) => {
    let end = a.end;
    if (ta && ta.end !== a.end) {
      if (a.end === c.x.shape[a.dim] && ta.end === c.twin!.inputs[0]!.shape[a.dim]) end = 2 ** 53 - 1;
      else
        throw new NotSupportedError(
          'exportOnnx: a slice end depends on the batch size; export with { dynamicBatch: false }',
          'E_ONNX_DYNAMIC',
        );
    }
    const g = c.g;
    g.emit(c.out, 'Slice', [
      c.ins()[0]!,
      g.int64([a.start], 'starts'),
      g.int64([end], 'ends'),
      g.int64([a.dim], 'axes'),
      g.int64([a.step], 'steps'),
    ]);
  },
  contiguous: (c) => void c.g.names.set(c.out, c.ins()[0]!),
  pad: (c, a) => {
    // ours: (last-dim begin, last-dim end, second-to-last begin, …); ONNX: all begins then all ends.
    const n = c.x.ndim;
    const begins = new Array<number>(n).fill(0);
    const ends = new Array<number>(n).fill(0);
    for (let k = 0; k < a.pads.length / 2; k++) {
      begins[n - 1 - k] = a.pads[2 * k]!;
      ends[n - 1 - k] = a.pads[2 * k + 1]!;
    }
    if (a.pads.some((v) => v < 0)) throw new NotSupportedError('exportOnnx: negative padding is not exported', 'E_ONNX_EXPORT');
    c.g.emit(c.out, 'Pad', [c.ins()[0]!, c.g.int64([...begins, ...ends], 'pads'), c.g.scalar(a.value, c.x)], { mode: 'constant' });
  },
  cat: (c, a) => c.g.emit(c.out, 'Concat', c.ins(), { axis: a.dim }),
  gather: (c, a) => c.g.emit(c.out, 'GatherElements', c.ins(), { axis: a.dim }),
  indexSelect: (c, a) => c.g.emit(c.out, 'Gather', c.ins(), { axis: a.dim }),
  scatterAdd: notExportable('scatterAdd (ScatterElements with reduction=add) is not lowered yet'),
  indexAdd: notExportable('indexAdd is not lowered yet'),
  softmaxCrossEntropy: notExportable('a loss; export the model without its loss function'),
  // fused batch norm (ops/norm.ts): inputs [x, weight, bias, mean, var] = ONNX's X, scale, B, mean, var
  batchNorm: (c, a) => {
    if (a.training)
      throw new NotSupportedError(
        'exportOnnx: batch norm in training mode (batch statistics) is not exported; call model.eval() first',
        'E_ONNX_EXPORT',
      );
    if (a.relu === true) c.g.emit(c.out, 'Relu', c.g.node('BatchNormalization', c.ins(), { epsilon: a.eps }));
    else c.g.emit(c.out, 'BatchNormalization', c.ins(), { epsilon: a.eps });
  },
  batchNormStats: notExportable('batch statistics are computed only in training mode; call model.eval() before exporting'),
  batchNormGradSums: gradient,
  batchNormGradInput: gradient,
  putFlat: notExportable('index assignment (x.set / in-place writes through views) is not lowered yet'),
  argsort: notExportable('argsort/sort is not lowered yet (TopK would need k = the dim size)'),
  cumsum: notExportable('cumsum is not lowered yet'),
  cumprod: notExportable('cumprod is not lowered yet'),
  cumprodGrad: gradient,
  cumExtremeIndex: notExportable('cummax/cummin is not lowered yet'),
  // C's fmod: the result takes the dividend's sign, which is ONNX Mod with fmod = 1
  fmod: (c) => c.g.emit(c.out, 'Mod', c.ins(), { fmod: 1 }),
  remainder: notExportable("remainder (Python's %, the divisor's sign) is not lowered yet"),
  divRounding: notExportable('div with a rounding mode is not lowered yet'),
  scatterReduce: notExportable('scatterReduce is not lowered yet'),
  softmaxCrossEntropyGrad: gradient,
  bmm: same('MatMul'),
  linear: (c) => c.g.emit(c.out, 'Gemm', c.ins(), { transB: 1 }),
  conv2d: (c, a) => {
    // inputs x, w and the optional bias [Cout]: ONNX Conv's X, W and optional B, in that order
    c.g.emit(c.out, 'Conv', c.ins(), convOnnxAttrs(c.ev.inputs[1]!, a));
  },
  conv2dGradInput: gradient,
  conv2dGradWeight: gradient,
  convTranspose2d: (c, a) => {
    c.g.emit(c.out, 'ConvTranspose', c.ins(), { ...convOnnxAttrs(c.ev.inputs[1]!, a), output_padding: a.outputPadding });
  },
  maxPool2d: (c, a) =>
    c.g.emit(c.out, 'MaxPool', [c.ins()[0]!], {
      kernel_shape: a.kernelSize,
      strides: a.stride,
      pads: pads4(a.padding),
      dilations: a.dilation,
      ceil_mode: a.ceilMode ? 1 : 0,
    }),
  maxPool2dGrad: gradient,
  avgPool2d: (c, a) => {
    if (a.divisorOverride !== null)
      throw new NotSupportedError('exportOnnx: AvgPool2d with divisorOverride has no ONNX equivalent', 'E_ONNX_EXPORT');
    c.g.emit(c.out, 'AveragePool', [c.ins()[0]!], {
      kernel_shape: a.kernelSize,
      strides: a.stride,
      pads: pads4(a.padding),
      ceil_mode: a.ceilMode ? 1 : 0,
      count_include_pad: a.countIncludePad ? 1 : 0,
    });
  },
  avgPool2dGrad: gradient,
};

function argLower(c: PrimCtx, op: 'ArgMax' | 'ArgMin', a: OpAttrs['argmax']): void {
  const g = c.g;
  if (a.dim === null) {
    const flat = g.node('Reshape', [c.ins()[0]!, g.int64([-1])])[0]!;
    return g.emit(c.out, 'Cast', [g.node(op, [flat], { axis: 0, keepdims: 0 })[0]!], { to: OnnxDataType.INT32 });
  }
  g.emit(c.out, 'Cast', [g.node(op, c.ins(), { axis: a.dim, keepdims: a.keepdim ? 1 : 0 })[0]!], { to: OnnxDataType.INT32 });
}

/** Lower one traced primitive (optionally reading its first input from `xsOverride` / writing `outOverride`). */
export function lowerPrim(ev: Ev, L: Lowering, xsOverride?: string, outOverride?: Tensor): void {
  const rule = (PRIM_LOWERING as Record<string, PrimRule<OpName> | NotExportable | undefined>)[ev.op];
  if (rule === undefined)
    throw new NotSupportedError(`exportOnnx: the primitive '${ev.op}' has no ONNX lowering yet`, 'E_ONNX_UNSUPPORTED_OP');
  if (isNotExportable(rule))
    throw new NotSupportedError(`exportOnnx: the primitive '${ev.op}' is not exportable: ${rule.notExportable}`, 'E_ONNX_UNSUPPORTED_OP');
  const c: PrimCtx = {
    g: L.g,
    ev,
    twin: L.twin,
    out: outOverride ?? ev.out[0]!,
    x: ev.inputs[0]!,
    ins: () => ev.inputs.map((t, i) => (i === 0 && xsOverride ? xsOverride : L.g.ref(t))),
  };
  rule(c, ev.attrs as never, L.twin?.attrs as never);
}
