/**
 * ONNX export by tracing a forward pass.
 *
 * How it works: the model runs (in eval mode, without autograd) on the example input while three
 * observers record what happens —
 * 1. forward hooks on the standard layers (Linear, Conv*, pools, norms, activations, Dropout, Flatten,
 *    Embedding…) record each layer call as one event, lowered to its ONNX operator (Gemm, Conv,
 *    BatchNormalization, LayerNormalization, Gather…) with the layer's parameters as named initializers
 *    (the state-dict keys, so an imported model has PyTorch's names);
 * 2. a few composite tensor methods (softmax, logSoftmax, matmul, mean, detach) are wrapped for the
 *    duration of the trace so they appear as one ONNX op rather than their primitives;
 * 3. every other primitive (add, mul, reshape, cat, relu…) used by hand-written forward code, e.g. a
 *    residual connection, is recorded through the op table's tracer and lowered one to one.
 * Anything computed from parameters alone is folded into a constant.
 *
 * Dynamic batch: the trace runs twice, with batch sizes B and B+1, and the two recordings are compared:
 * a shape attribute that changes with the batch becomes `-1` (Reshape) or `1` (Expand) so the exported
 * graph accepts any batch size; the graph's inputs and outputs get the symbolic dim `batch`.
 */
import { BackpropError, NotSupportedError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { cat } from '../../tensor/functional.js';
import { Module } from '../../nn/module.js';
import { encodeModelProto, OnnxDataType, type ModelProto, type ValueInfoProto } from './proto.js';
import { ONNX_TYPE_OF } from './tensors.js';

/** The opset used when none is given: 17 (LayerNormalization native; GELU as its erf formula). */
export const DEFAULT_OPSET = 17;
export const MIN_OPSET = 13;
export const MAX_OPSET = 21;

export interface ExportOnnxOptions {
  /** ONNX opset version (13–21, default 17). GELU is a native op from 20, its erf formula below. */
  opset?: number;
  /** Names of the graph inputs (default `input`, `input_1`, …). */
  inputNames?: string[];
  /** Names of the graph outputs (default `output`, `output_1`, …). */
  outputNames?: string[];
  /** Make dim 0 of every input and output a symbolic `batch` dimension (default true). */
  dynamicBatch?: boolean;
  /** Graph name (default: the model's class name). */
  graphName?: string;
  /** Producer metadata stored in the model. */
  docString?: string;
}

import { trace, type Ev } from './trace.js';
import { GraphBuilder } from './graph.js';
import { checkOptionKeys } from '../../core/options.js';

// ---------------------------------------------------------------- lowering

interface Lowering {
  g: GraphBuilder;
  /** The same event from the second trace (batch B+1), when tracing with a dynamic batch. */
  twin: Ev | null;
}

const pairOf = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number]);

function innerPrim(ev: Ev, op: string): Ev {
  const p = ev.inner?.find((e) => e.op === op);
  if (!p) throw new NotSupportedError(`exportOnnx: could not find the ${op} inside ${ev.op}`, 'E_ONNX_EXPORT');
  return p;
}

function geluDecomposed(g: GraphBuilder, x: string, like: Tensor, approximate: string): string {
  if (g.opset >= 20) return g.node('Gelu', [x], { approximate })[0]!;
  if (approximate === 'tanh') {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const x3 = g.node('Mul', [g.node('Mul', [x, x])[0]!, x])[0]!;
    const inner = g.node('Add', [x, g.node('Mul', [x3, g.scalar(0.044715, like)])[0]!])[0]!;
    const th = g.node('Tanh', [g.node('Mul', [inner, g.scalar(Math.sqrt(2 / Math.PI), like)])[0]!])[0]!;
    const one = g.node('Add', [th, g.scalar(1, like)])[0]!;
    return g.node('Mul', [g.node('Mul', [x, one])[0]!, g.scalar(0.5, like)])[0]!;
  }
  // 0.5·x·(1 + erf(x/√2))
  const e = g.node('Erf', [g.node('Div', [x, g.scalar(Math.SQRT2, like)])[0]!])[0]!;
  const one = g.node('Add', [e, g.scalar(1, like)])[0]!;
  return g.node('Mul', [g.node('Mul', [x, one])[0]!, g.scalar(0.5, like)])[0]!;
}

function reduceNode(g: GraphBuilder, op: string, x: string, axes: number[], keepdim: boolean): string {
  const modern = op === 'ReduceSum' ? g.opset >= 13 : g.opset >= 18;
  if (modern) return g.node(op, [x, g.int64(axes, 'axes')], { keepdims: keepdim ? 1 : 0 })[0]!;
  return g.node(op, [x], { axes, keepdims: keepdim ? 1 : 0 })[0]!;
}

function lowerModule(ev: Ev, L: Lowering): void {
  const { g } = L;
  const m = ev.module as unknown as Record<string, unknown> & Module;
  const x = ev.inputs[0]!;
  const xs = g.ref(x);
  const out = ev.out[0]!;
  const p = (k: string): Tensor | null => (m[k] instanceof Tensor ? (m[k] as Tensor) : null);
  switch (ev.op) {
    case 'Linear': {
      const w = p('weight')!;
      const b = p('bias');
      if (x.ndim === 2) {
        g.emit(out, 'Gemm', b ? [xs, g.ref(w), g.ref(b)] : [xs, g.ref(w)], { transB: 1 });
      } else {
        const wt = g.node('Transpose', [g.ref(w)], { perm: [1, 0] })[0]!;
        if (b) g.emit(out, 'Add', [g.node('MatMul', [xs, wt])[0]!, g.ref(b)]);
        else g.emit(out, 'MatMul', [xs, wt]);
      }
      return;
    }
    case 'Conv1d': {
      const k = m.kernelSize as number;
      const d = m.dilation as number;
      const pad = m.padding === 'same' ? (d * (k - 1)) / 2 : m.padding === 'valid' ? 0 : (m.padding as number);
      const w = p('weight')!;
      const b = p('bias');
      g.emit(out, 'Conv', b ? [xs, g.ref(w), g.ref(b)] : [xs, g.ref(w)], {
        kernel_shape: [k], strides: [m.stride as number], pads: [pad, pad], dilations: [d], group: m.groups as number,
      });
      return;
    }
    case 'Conv2d': {
      const a = innerPrim(ev, 'conv2d').attrs as { stride: number[]; padding: number[]; dilation: number[]; groups: number };
      const w = p('weight')!;
      const b = p('bias');
      g.emit(out, 'Conv', b ? [xs, g.ref(w), g.ref(b)] : [xs, g.ref(w)], {
        kernel_shape: [w.shape[2]!, w.shape[3]!], strides: a.stride, pads: [a.padding[0]!, a.padding[1]!, a.padding[0]!, a.padding[1]!], dilations: a.dilation, group: a.groups,
      });
      return;
    }
    case 'ConvTranspose2d': {
      const a = innerPrim(ev, 'convTranspose2d').attrs as { stride: number[]; padding: number[]; dilation: number[]; groups: number; outputPadding: number[] };
      const w = p('weight')!;
      const b = p('bias');
      g.emit(out, 'ConvTranspose', b ? [xs, g.ref(w), g.ref(b)] : [xs, g.ref(w)], {
        kernel_shape: [w.shape[2]!, w.shape[3]!], strides: a.stride, pads: [a.padding[0]!, a.padding[1]!, a.padding[0]!, a.padding[1]!],
        dilations: a.dilation, group: a.groups, output_padding: a.outputPadding,
      });
      return;
    }
    case 'MaxPool2d':
      return lowerPrim(innerPrim(ev, 'maxPool2d'), L, xs, out);
    case 'AvgPool2d':
      return lowerPrim(innerPrim(ev, 'avgPool2d'), L, xs, out);
    case 'AdaptiveAvgPool2d': {
      const [oh, ow] = pairOf(m.outputSize);
      const H = x.shape[2]!;
      const W = x.shape[3]!;
      if (oh === 1 && ow === 1) return g.emit(out, 'GlobalAveragePool', [xs]);
      if (H % oh || W % ow)
        throw new NotSupportedError(`exportOnnx: AdaptiveAvgPool2d(${oh},${ow}) on a ${H}×${W} input has uneven windows, which ONNX pooling cannot express`, 'E_ONNX_EXPORT');
      g.emit(out, 'AveragePool', [xs], { kernel_shape: [H / oh, W / ow], strides: [H / oh, W / ow] });
      return;
    }
    case 'BatchNorm1d':
    case 'BatchNorm2d': {
      const bufs = new Map(m.namedBuffers('', false));
      const mean = bufs.get('running_mean');
      const v = bufs.get('running_var');
      if (!mean || !v) throw new NotSupportedError(`exportOnnx: ${ev.op} without running statistics cannot be exported`, 'E_ONNX_EXPORT');
      const c = mean.shape[0]!;
      const w = p('weight');
      const b = p('bias');
      const ones = new Tensor(new Float32Array(c).fill(1), [c], 'float32');
      const zeros = new Tensor(new Float32Array(c), [c], 'float32');
      g.emit(out, 'BatchNormalization', [xs, g.ref(w ?? ones), g.ref(b ?? zeros), g.ref(mean), g.ref(v)], { epsilon: m.eps as number });
      return;
    }
    case 'LayerNorm': {
      const shape = m.normalizedShape as number[];
      const w = p('weight');
      const b = p('bias');
      if (g.opset < 17) return lowerInner(ev, L);
      const n = shape.reduce((a, c) => a * c, 1);
      const ones = new Tensor(new Float32Array(n).fill(1), shape, 'float32');
      const ins = [xs, g.ref(w ?? ones)];
      if (b) ins.push(g.ref(b));
      g.emit(out, 'LayerNormalization', ins, { axis: -shape.length, epsilon: m.eps as number });
      return;
    }
    case 'Embedding':
      g.emit(out, 'Gather', [g.ref(p('weight')!), xs], { axis: 0 });
      return;
    case 'Dropout':
      g.emit(out, 'Dropout', [xs]);
      return;
    case 'Flatten': {
      const s = m.startDim as number;
      const e = m.endDim as number;
      const sd = s < 0 ? s + x.ndim : s;
      const ed = e < 0 ? e + x.ndim : e;
      if (ed === x.ndim - 1) g.emit(out, 'Flatten', [xs], { axis: sd });
      else lowerInner(ev, L);
      return;
    }
    case 'Identity':
      g.emit(out, 'Identity', [xs]);
      return;
    case 'ReLU':
      return g.emit(out, 'Relu', [xs]);
    case 'Sigmoid':
      return g.emit(out, 'Sigmoid', [xs]);
    case 'Tanh':
      return g.emit(out, 'Tanh', [xs]);
    case 'LeakyReLU':
      return g.emit(out, 'LeakyRelu', [xs], { alpha: m.negativeSlope as number });
    case 'ELU':
      return g.emit(out, 'Elu', [xs], { alpha: m.alpha as number });
    case 'SiLU':
      return g.emit(out, 'Mul', [xs, g.node('Sigmoid', [xs])[0]!]);
    case 'GELU':
      g.names.set(out, geluDecomposed(g, xs, x, m.approximate as string));
      return;
    case 'Softplus': {
      const beta = m.beta as number;
      if (beta === 1) return g.emit(out, 'Softplus', [xs]);
      const sp = g.node('Softplus', [g.node('Mul', [xs, g.scalar(beta, x)])[0]!])[0]!;
      return g.emit(out, 'Div', [sp, g.scalar(beta, x)]);
    }
    case 'Softmax':
    case 'LogSoftmax':
      return g.emit(out, ev.op, [xs], { axis: m.dim as number });
    case 'LSTM':
    case 'GRU':
    case 'RNN':
      if (x.ndim === 3) return lowerRecurrent(ev, L);
      break;
  }
  lowerInner(ev, L);
}

/**
 * nn.LSTM / nn.GRU / nn.RNN → one ONNX LSTM / GRU / RNN node per layer (dynamic batch and sequence
 * length). PyTorch's gate blocks are reordered for ONNX with Slice/Concat on the named parameters
 * (LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h), so the exported graph keeps `weight_ih_l0` & co.
 */
function lowerRecurrent(ev: Ev, L: Lowering): void {
  const { g } = L;
  const m = ev.module as unknown as Record<string, unknown> & Module;
  const mode = m.mode as string;
  const op = mode === 'LSTM' ? 'LSTM' : mode === 'GRU' ? 'GRU' : 'RNN';
  const H = m.hiddenSize as number;
  const layers = m.numLayers as number;
  const D = m.bidirectional ? 2 : 1;
  const params = new Map(m.namedParameters('', false));
  const order = op === 'LSTM' ? [0, 3, 1, 2] : op === 'GRU' ? [1, 0, 2] : [0];
  const reorder = (name: string): string => {
    const src = g.ref(params.get(name)!);
    if (order.length === 1) return src;
    const parts = order.map((k) => g.node('Slice', [src, g.int64([k * H], 'starts'), g.int64([(k + 1) * H], 'ends'), g.int64([0], 'axes')])[0]!);
    return g.node('Concat', parts, { axis: 0 })[0]!;
  };
  const unsq = (v: string) => g.node('Unsqueeze', [v, g.int64([0], 'axes')])[0]!;
  const dirs = (make: (sfx: string) => string): string => {
    const per = Array.from({ length: D }, (_, d) => unsq(make(d === 1 ? '_reverse' : '')));
    return D === 1 ? per[0]! : g.node('Concat', per, { axis: 0 })[0]!;
  };
  const states = ev.inputs.slice(1).map((t) => (g.isDynamic(t) ? g.ref(t) : ''));
  let seq = m.batchFirst ? g.node('Transpose', [g.ref(ev.inputs[0]!)], { perm: [1, 0, 2] })[0]! : g.ref(ev.inputs[0]!);
  const finals: string[][] = [[], []];
  for (let l = 0; l < layers; l++) {
    const W = dirs((sfx) => reorder(`weight_ih_l${l}${sfx}`));
    const R = dirs((sfx) => reorder(`weight_hh_l${l}${sfx}`));
    const B = m.bias ? dirs((sfx) => g.node('Concat', [reorder(`bias_ih_l${l}${sfx}`), reorder(`bias_hh_l${l}${sfx}`)], { axis: 0 })[0]!) : '';
    const slice = (s: string | undefined) =>
      s ? g.node('Slice', [s, g.int64([l * D], 'starts'), g.int64([(l + 1) * D], 'ends'), g.int64([0], 'axes')])[0]! : '';
    const inputs = [seq, W, R, B, '', slice(states[0])];
    if (op === 'LSTM') inputs.push(slice(states[1]));
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const attrs: Record<string, number | string | string[]> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
    if (op === 'GRU') attrs.linear_before_reset = 1;
    if (mode === 'RNN_RELU') attrs.activations = new Array<string>(D).fill('Relu');
    const outs = g.node(op, inputs, attrs, op === 'LSTM' ? 3 : 2);
    // Y [T, D, N, H] → [T, N, D·H]
    seq = g.node('Reshape', [g.node('Transpose', [outs[0]!], { perm: [0, 2, 1, 3] })[0]!, g.int64([0, 0, -1])])[0]!;
    finals[0]!.push(outs[1]!);
    if (op === 'LSTM') finals[1]!.push(outs[2]!);
  }
  g.names.set(ev.out[0]!, m.batchFirst ? g.node('Transpose', [seq], { perm: [1, 0, 2] })[0]! : seq);
  const join = (xs: string[]) => (xs.length === 1 ? xs[0]! : g.node('Concat', xs, { axis: 0 })[0]!);
  if (ev.out[1]) g.names.set(ev.out[1], join(finals[0]!));
  if (op === 'LSTM' && ev.out[2]) g.names.set(ev.out[2], join(finals[1]!));
}

/** Fall back to a layer's primitives (e.g. LayerNorm below opset 17). */
function lowerInner(ev: Ev, L: Lowering): void {
  const twinInner = L.twin?.inner ?? null;
  ev.inner!.forEach((e, i) => lowerEvent(e, { g: L.g, twin: twinInner?.[i] ?? null }));
}

const BINARY: Record<string, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', maximum: 'Max', minimum: 'Min', eq: 'Equal', lt: 'Less', gt: 'Greater', le: 'LessOrEqual', ge: 'GreaterOrEqual', logicalAnd: 'And', logicalOr: 'Or', logicalXor: 'Xor' };
const UNARY: Record<string, string> = { neg: 'Neg', abs: 'Abs', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', sin: 'Sin', cos: 'Cos', tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu', sign: 'Sign', reciprocal: 'Reciprocal', erf: 'Erf', floor: 'Floor', ceil: 'Ceil', round: 'Round', logicalNot: 'Not', isnan: 'IsNaN', isinf: 'IsInf' };

/** Batch-dependent positions: where `a` and `b` (same op, two batch sizes) differ. */
function diffDims(a: readonly number[], b: readonly number[] | undefined): number[] {
  if (!b || a.length !== b.length) return [];
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

function lowerPrim(ev: Ev, L: Lowering, xsOverride?: string, outOverride?: Tensor): void {
  const { g, twin } = L;
  const out = outOverride ?? ev.out[0]!;
  const a = ev.attrs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const ta = twin?.attrs as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  const ins = (): string[] => ev.inputs.map((t, i) => (i === 0 && xsOverride ? xsOverride : g.ref(t)));
  const x = ev.inputs[0]!;
  if (BINARY[ev.op]) return g.emit(out, BINARY[ev.op]!, ins());
  if (ev.op === 'ne') return g.emit(out, 'Not', [g.node('Equal', ins())[0]!]);
  if (UNARY[ev.op]) return g.emit(out, UNARY[ev.op]!, ins());
  switch (ev.op) {
    case 'rsqrt':
      return g.emit(out, 'Reciprocal', [g.node('Sqrt', ins())[0]!]);
    case 'square':
      return g.emit(out, 'Mul', [ins()[0]!, ins()[0]!]);
    case 'log1p':
      return g.emit(out, 'Log', [g.node('Add', [ins()[0]!, g.scalar(1, x)])[0]!]);
    case 'expm1':
      return g.emit(out, 'Sub', [g.node('Exp', ins())[0]!, g.scalar(1, x)]);
    case 'powScalar':
      return g.emit(out, 'Pow', [ins()[0]!, g.scalar(a.exponent, x)]);
    case 'clamp':
      return g.emit(out, 'Clip', [ins()[0]!, a.min === null ? '' : g.scalar(a.min, x), a.max === null ? '' : g.scalar(a.max, x)]);
    case 'leakyRelu':
      return g.emit(out, 'LeakyRelu', ins(), { alpha: a.slope });
    case 'elu':
      return g.emit(out, 'Elu', ins(), { alpha: a.alpha });
    case 'softplus': {
      if (a.beta === 1) return g.emit(out, 'Softplus', ins());
      const sp = g.node('Softplus', [g.node('Mul', [ins()[0]!, g.scalar(a.beta, x)])[0]!])[0]!;
      return g.emit(out, 'Div', [sp, g.scalar(a.beta, x)]);
    }
    case 'gelu':
      g.names.set(out, geluDecomposed(g, ins()[0]!, x, 'none'));
      return;
    case 'where':
      return g.emit(out, 'Where', ins());
    case 'cast':
      return g.emit(out, 'Cast', ins(), { to: ONNX_TYPE_OF[a.dtype as keyof typeof ONNX_TYPE_OF] });
    case 'sum':
      g.names.set(out, reduceNode(g, 'ReduceSum', ins()[0]!, a.dims, a.keepdim));
      return;
    case 'amax':
      g.names.set(out, reduceNode(g, 'ReduceMax', ins()[0]!, a.dims, a.keepdim));
      return;
    case 'amin':
      g.names.set(out, reduceNode(g, 'ReduceMin', ins()[0]!, a.dims, a.keepdim));
      return;
    case 'argmax':
    case 'argmin': {
      if (a.dim === null) {
        const flat = g.node('Reshape', [ins()[0]!, g.int64([-1])])[0]!;
        const r = g.node(ev.op === 'argmax' ? 'ArgMax' : 'ArgMin', [flat], { axis: 0, keepdims: 0 })[0]!;
        return g.emit(out, 'Cast', [r], { to: OnnxDataType.INT32 });
      }
      const r = g.node(ev.op === 'argmax' ? 'ArgMax' : 'ArgMin', ins(), { axis: a.dim, keepdims: a.keepdim ? 1 : 0 })[0]!;
      return g.emit(out, 'Cast', [r], { to: OnnxDataType.INT32 });
    }
    case 'reshape': {
      const shape = (out.shape as number[]).slice();
      const d = diffDims(shape, twin ? (twin.out[0]!.shape as number[]) : undefined);
      if (d.length === 1) shape[d[0]!] = -1;
      else if (d.length > 1)
        throw new NotSupportedError(`exportOnnx: a reshape to ${fmtShape(out.shape)} changes ${d.length} dims with the batch size; export with { dynamicBatch: false }`, 'E_ONNX_DYNAMIC');
      return g.emit(out, 'Reshape', [ins()[0]!, g.int64(shape)]);
    }
    case 'permute':
      return g.emit(out, 'Transpose', ins(), { perm: a.dims });
    case 'expand': {
      const shape = (a.shape as number[]).slice();
      if (shape.length === x.ndim && shape.every((s, i) => s === x.shape[i])) {
        g.names.set(out, ins()[0]!);
        return;
      }
      for (const i of diffDims(shape, ta?.shape)) {
        const j = i - (shape.length - x.ndim);
        const twinIn = twin!.inputs[0]!;
        if (j >= 0 && x.shape[j] === shape[i] && twinIn.shape[j] === ta!.shape[i]) shape[i] = 1;
        else throw new NotSupportedError(`exportOnnx: an expand to ${fmtShape(a.shape)} depends on the batch size; export with { dynamicBatch: false }`, 'E_ONNX_DYNAMIC');
      }
      return g.emit(out, 'Expand', [ins()[0]!, g.int64(shape)]);
    }
    case 'slice': {
      let end = a.end as number;
      if (ta && ta.end !== a.end) {
        if (a.end === x.shape[a.dim] && ta.end === twin!.inputs[0]!.shape[a.dim]) end = 2 ** 53 - 1;
        else throw new NotSupportedError(`exportOnnx: a slice end depends on the batch size; export with { dynamicBatch: false }`, 'E_ONNX_DYNAMIC');
      }
      return g.emit(out, 'Slice', [ins()[0]!, g.int64([a.start], 'starts'), g.int64([end], 'ends'), g.int64([a.dim], 'axes'), g.int64([a.step], 'steps')]);
    }
    case 'contiguous':
      g.names.set(out, ins()[0]!);
      return;
    case 'pad': {
      // ours: (last-dim begin, last-dim end, second-to-last begin, …); ONNX: all begins then all ends.
      const pads = a.pads as number[];
      const n = x.ndim;
      const begins = new Array<number>(n).fill(0);
      const ends = new Array<number>(n).fill(0);
      for (let k = 0; k < pads.length / 2; k++) {
        begins[n - 1 - k] = pads[2 * k]!;
        ends[n - 1 - k] = pads[2 * k + 1]!;
      }
      if (pads.some((v) => v < 0)) throw new NotSupportedError('exportOnnx: negative padding is not exported', 'E_ONNX_EXPORT');
      return g.emit(out, 'Pad', [ins()[0]!, g.int64([...begins, ...ends], 'pads'), g.scalar(a.value, x)], { mode: 'constant' });
    }
    case 'cat':
      return g.emit(out, 'Concat', ins(), { axis: a.dim });
    case 'gather':
      return g.emit(out, 'GatherElements', ins(), { axis: a.dim });
    case 'indexSelect':
      return g.emit(out, 'Gather', ins(), { axis: a.dim });
    case 'bmm':
      return g.emit(out, 'MatMul', ins());
    case 'linear':
      return g.emit(out, 'Gemm', ins(), { transB: 1 });
    case 'conv2d': {
      // inputs x, w and the optional bias [Cout]: ONNX Conv's X, W and optional B, in that order
      const w = ev.inputs[1]!;
      return g.emit(out, 'Conv', ins(), {
        kernel_shape: [w.shape[2]!, w.shape[3]!], strides: a.stride, pads: [a.padding[0], a.padding[1], a.padding[0], a.padding[1]], dilations: a.dilation, group: a.groups,
      });
    }
    case 'convTranspose2d': {
      const w = ev.inputs[1]!;
      return g.emit(out, 'ConvTranspose', ins(), {
        kernel_shape: [w.shape[2]!, w.shape[3]!], strides: a.stride, pads: [a.padding[0], a.padding[1], a.padding[0], a.padding[1]],
        dilations: a.dilation, group: a.groups, output_padding: a.outputPadding,
      });
    }
    case 'maxPool2d':
      return g.emit(out, 'MaxPool', [ins()[0]!], {
        kernel_shape: a.kernelSize, strides: a.stride, pads: [a.padding[0], a.padding[1], a.padding[0], a.padding[1]], dilations: a.dilation, ceil_mode: a.ceilMode ? 1 : 0,
      });
    case 'batchNorm': {
      // F.batchNorm outside a BatchNorm layer (fused primitive, ops/norm.ts): eval mode only
      if (a.training) throw new NotSupportedError('exportOnnx: batch norm in training mode (batch statistics) is not exported; call model.eval() first', 'E_ONNX_EXPORT');
      return g.emit(out, 'BatchNormalization', ins(), { epsilon: a.eps });
    }
    case 'avgPool2d': {
      if (a.divisorOverride !== null) throw new NotSupportedError('exportOnnx: AvgPool2d with divisorOverride has no ONNX equivalent', 'E_ONNX_EXPORT');
      return g.emit(out, 'AveragePool', [ins()[0]!], {
        kernel_shape: a.kernelSize, strides: a.stride, pads: [a.padding[0], a.padding[1], a.padding[0], a.padding[1]], ceil_mode: a.ceilMode ? 1 : 0,
        count_include_pad: a.countIncludePad ? 1 : 0,
      });
    }
  }
  throw new NotSupportedError(`exportOnnx: the primitive '${ev.op}' has no ONNX lowering yet`, 'E_ONNX_UNSUPPORTED_OP');
}

function lowerMethod(ev: Ev, L: Lowering): void {
  const { g } = L;
  const out = ev.out[0]!;
  const x = ev.inputs[0]!;
  const args = ev.attrs.args as unknown[];
  switch (ev.op) {
    case 'softmax':
      return g.emit(out, 'Softmax', [g.ref(x)], { axis: args[0] as number });
    case 'logSoftmax':
      return g.emit(out, 'LogSoftmax', [g.ref(x)], { axis: args[0] as number });
    case 'matmul':
      return g.emit(out, 'MatMul', [g.ref(x), g.ref(ev.inputs[1]!)]);
    case 'mean': {
      const dim = args[0];
      const keep = (args[1] as boolean | undefined) ?? false;
      const axes = dim === undefined || dim === null ? x.shape.map((_, i) => i) : Array.isArray(dim) ? (dim as number[]) : [dim as number];
      const xs = x.dtype === 'float32' || x.dtype === 'float64' ? g.ref(x) : g.node('Cast', [g.ref(x)], { to: OnnxDataType.FLOAT })[0]!;
      g.names.set(out, reduceNode(g, 'ReduceMean', xs, axes, keep));
      return;
    }
  }
}

function lowerEvent(ev: Ev, L: Lowering): void {
  const { g } = L;
  if (ev.kind === 'alias') {
    if (g.isDynamic(ev.inputs[0]!)) g.names.set(ev.out[0]!, g.ref(ev.inputs[0]!));
    return;
  }
  // Constant folding: an event none of whose inputs depends on the graph inputs is skipped; its output,
  // if used later, becomes an initializer holding the value computed during tracing.
  if (!ev.inputs.some((t) => g.isDynamic(t))) return;
  // A constant made inside forward whose shape follows the batch size (e.g. zeros([N, H]) as an initial
  // state) would be frozen into the graph at the example's batch: refuse rather than export a wrong graph.
  if (L.twin)
    ev.inputs.forEach((t, i) => {
      const u = L.twin!.inputs[i];
      if (!g.isDynamic(t) && !g.paramNames.has(t) && u && (u.ndim !== t.ndim || u.shape.some((d, j) => d !== t.shape[j])))
        throw new NotSupportedError(
          `exportOnnx: ${ev.op} uses a tensor created inside forward whose shape follows the batch size (${fmtShape(t.shape)} vs ${fmtShape(u.shape)}); export with { dynamicBatch: false }`,
          'E_ONNX_DYNAMIC',
        );
    });
  if (ev.kind === 'module') return lowerModule(ev, L);
  if (ev.kind === 'method') return lowerMethod(ev, L);
  return lowerPrim(ev, L);
}

/** Make a batch of size b+1 from example `x` (repeat its first row). */
function growBatch(x: Tensor): Tensor {
  if (x.ndim === 0) throw new ShapeError('exportOnnx: a 0-d example input has no batch dimension; pass { dynamicBatch: false }', 'E_ONNX_DYNAMIC');
  return cat([x, x.narrow(0, 0, 1)], 0);
}

function valueInfo(name: string, t: Tensor, dynamic: boolean): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_TYPE_OF[t.dtype],
        shape: { dim: t.shape.map((d, i) => (dynamic && i === 0 ? { dimParam: 'batch' } : { dimValue: d })) },
      },
    },
  };
}

/** The ONNX ModelProto (as an object) for `model` traced on `example`. See `exportOnnx`. */
export function exportOnnxModel(model: Module, example: Tensor | Tensor[], opts: ExportOnnxOptions = {}): ModelProto {
  checkOptionKeys('exportOnnxModel', opts, ['opset', 'inputNames', 'outputNames', 'dynamicBatch', 'graphName', 'docString']);
  if (!(model instanceof Module)) throw new ValueError('exportOnnx: the first argument must be an nn.Module');
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    throw new ValueError(`exportOnnx: opset ${opset} is not supported; choose an integer in [${MIN_OPSET}, ${MAX_OPSET}] (default ${DEFAULT_OPSET})`);
  const inputs = Array.isArray(example) ? example : [example];
  if (inputs.length === 0 || !inputs.every((t) => t instanceof Tensor)) throw new ValueError('exportOnnx: the example input must be a Tensor or a non-empty array of Tensors');
  const dynamic = opts.dynamicBatch ?? true;
  if (dynamic) {
    const b = inputs[0]!.shape[0];
    for (const t of inputs)
      if (t.ndim === 0 || t.shape[0] !== b)
        throw new ShapeError(`exportOnnx: with a dynamic batch every example input needs the same dim 0; got ${inputs.map((t) => fmtShape(t.shape)).join(' and ')}`, 'E_ONNX_DYNAMIC');
  }
  const paramNames = new Map<Tensor, string>();
  for (const [k, t] of model.namedParameters()) paramNames.set(t, k);
  for (const [k, t] of model.namedBuffers()) paramNames.set(t, k);

  // Trace in eval mode, restoring each module's flag afterwards.
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  let first: ReturnType<typeof trace>;
  let second: ReturnType<typeof trace> | null = null;
  try {
    first = trace(model, inputs);
    if (dynamic) second = trace(model, inputs.map(growBatch));
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
  if (second && (second.events.length !== first.events.length || second.events.some((e, i) => e.op !== first.events[i]!.op)))
    throw new NotSupportedError(
      'exportOnnx: the forward pass records different operations for different batch sizes (data-dependent control flow), so it cannot be exported with a dynamic batch; pass { dynamicBatch: false }',
      'E_ONNX_DYNAMIC',
    );

  const g = new GraphBuilder(opset, paramNames);
  const inputNames = inputs.map((_, i) => opts.inputNames?.[i] ?? (i === 0 ? 'input' : `input_${i}`));
  const outputNames = first.outputs.map((_, i) => opts.outputNames?.[i] ?? (i === 0 ? 'output' : `output_${i}`));
  for (const n of [...inputNames, ...outputNames]) {
    if (!n) throw new ValueError('exportOnnx: input/output names must be non-empty');
    g.reserve(n);
  }
  for (const n of paramNames.values()) g.reserve(n);
  inputs.forEach((t, i) => g.names.set(t, inputNames[i]!));
  try {
    first.events.forEach((ev, i) => lowerEvent(ev, { g, twin: second?.events[i] ?? null }));
  } catch (e) {
    if (e instanceof BackpropError) throw e;
    throw new NotSupportedError(`exportOnnx: could not lower the traced graph (${e instanceof Error ? e.message : String(e)})`, 'E_ONNX_EXPORT');
  }
  // Outputs: rename the final values with Identity nodes (an output may also be an input or a constant).
  first.outputs.forEach((t, i) => {
    const src = g.ref(t);
    g.nodes.push({ input: [src], output: [outputNames[i]!], opType: 'Identity', attribute: [], name: g.fresh('output_identity') });
  });
  // Keep only initializers that are used.
  const used = new Set(g.nodes.flatMap((n) => n.input));
  const initializer = g.initializers.filter((t) => used.has(t.name!));
  return {
    irVersion: opset >= 21 ? 10 : opset >= 19 ? 9 : 8,
    producerName: 'backprop',
    producerVersion: '0.1.0',
    docString: opts.docString ?? '',
    opsetImport: [{ domain: '', version: opset }],
    metadataProps: [],
    graph: {
      name: opts.graphName ?? model.constructor.name,
      node: g.nodes,
      initializer,
      input: inputs.map((t, i) => valueInfo(inputNames[i]!, t, dynamic)),
      output: first.outputs.map((t, i) => valueInfo(outputNames[i]!, t, dynamic)),
      valueInfo: [],
    },
  };
}

/**
 * Export `model` to ONNX bytes by tracing a forward pass on `example` (see the module doc for how).
 * The model runs in eval mode (dropout off, batch norm with running statistics); dim 0 is a symbolic
 * `batch` unless `{ dynamicBatch: false }`. Parameters become initializers named by their state-dict
 * keys (`0.weight`).
 *
 * Shapes: `example` is what `model.call(example)` accepts, e.g. `[N, inFeatures]`.
 * @example const bytes = exportOnnx(model, randn([1, 784]), { opset: 17 });
 * @throws NotSupportedError (`E_ONNX_UNSUPPORTED_OP`, `E_ONNX_DYNAMIC`) naming what cannot be exported.
 */
export function exportOnnx(model: Module, example: Tensor | Tensor[], opts: ExportOnnxOptions = {}): Uint8Array {
  checkOptionKeys('exportOnnx', opts, ['opset', 'inputNames', 'outputNames', 'dynamicBatch', 'graphName', 'docString']);
  return encodeModelProto(exportOnnxModel(model, example, opts));
}
