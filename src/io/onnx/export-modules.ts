/**
 * ONNX export, module lowering: one rule per standard layer type (`LayerType`, matched by the layer's
 * `typeName`, which survives minification), so a layer the tracer records without a rule here is a
 * compile error. A rule emits the layer as its ONNX operator with its parameters as named
 * initializers (the state-dict keys), or falls back to the layer's traced primitives.
 */
import { NotSupportedError } from '../../core/errors.js';
import { pair, type IntOrPair } from '../../core/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Module } from '../../nn/module.js';
import type { LayerType, Ev } from './trace.js';
import { convOnnxAttrs, geluDecomposed, innerAttrs, innerPrim, type Lowering } from './export-common.js';
import { lowerPrim } from './export-prims.js';

interface ModCtx {
  ev: Ev;
  L: Lowering;
  g: Lowering['g'];
  /** The layer, read by property name (hyper-parameters and parameters). */
  m: Record<string, unknown> & Module;
  x: Tensor;
  xs: string;
  out: Tensor;
  /** A parameter of the layer, or null. */
  p(k: string): Tensor | null;
}
type ModuleRule = (c: ModCtx) => void;

const emitAs = (onnx: string) => (c: ModCtx) => c.g.emit(c.out, onnx, [c.xs]);

function batchNorm(c: ModCtx): void {
  const { g, m } = c;
  const bufs = new Map(m.namedBuffers('', false));
  const mean = bufs.get('running_mean');
  const v = bufs.get('running_var');
  if (!mean || !v) throw new NotSupportedError(`exportOnnx: ${c.ev.op} without running statistics cannot be exported`, 'E_ONNX_EXPORT');
  const n = mean.shape[0]!;
  const w = c.p('weight');
  const b = c.p('bias');
  const ones = new Tensor(new Float32Array(n).fill(1), [n], 'float32');
  const zeros = new Tensor(new Float32Array(n), [n], 'float32');
  g.emit(c.out, 'BatchNormalization', [c.xs, g.ref(w ?? ones), g.ref(b ?? zeros), g.ref(mean), g.ref(v)], { epsilon: m.eps as number });
}

function recurrent(c: ModCtx): void {
  if (c.x.ndim === 3) lowerRecurrent(c.ev, c.L);
  else lowerInner(c.ev, c.L);
}

export const MODULE_LOWERING: Record<LayerType, ModuleRule> = {
  Linear: (c) => {
    const { g, xs, out } = c;
    const w = c.p('weight')!;
    const b = c.p('bias');
    if (c.x.ndim === 2) return g.emit(out, 'Gemm', b ? [xs, g.ref(w), g.ref(b)] : [xs, g.ref(w)], { transB: 1 });
    const wt = g.node('Transpose', [g.ref(w)], { perm: [1, 0] })[0]!;
    if (b) g.emit(out, 'Add', [g.node('MatMul', [xs, wt])[0]!, g.ref(b)]);
    else g.emit(out, 'MatMul', [xs, wt]);
  },
  Conv1d: (c) => {
    const { g, m } = c;
    const k = m.kernelSize as number;
    const d = m.dilation as number;
    const pad = m.padding === 'same' ? (d * (k - 1)) / 2 : m.padding === 'valid' ? 0 : (m.padding as number);
    const w = c.p('weight')!;
    const b = c.p('bias');
    g.emit(c.out, 'Conv', b ? [c.xs, g.ref(w), g.ref(b)] : [c.xs, g.ref(w)], {
      kernel_shape: [k],
      strides: [m.stride as number],
      pads: [pad, pad],
      dilations: [d],
      group: m.groups as number,
    });
  },
  Conv2d: (c) => {
    const a = innerAttrs(c.ev, 'conv2d');
    const w = c.p('weight')!;
    const b = c.p('bias');
    c.g.emit(c.out, 'Conv', b ? [c.xs, c.g.ref(w), c.g.ref(b)] : [c.xs, c.g.ref(w)], convOnnxAttrs(w, a));
  },
  ConvTranspose2d: (c) => {
    // The layer's bias is added after the convTranspose2d primitive, so the rule reads it from the layer.
    const a = innerAttrs(c.ev, 'convTranspose2d');
    const w = c.p('weight')!;
    const b = c.p('bias');
    c.g.emit(c.out, 'ConvTranspose', b ? [c.xs, c.g.ref(w), c.g.ref(b)] : [c.xs, c.g.ref(w)], {
      ...convOnnxAttrs(w, a),
      output_padding: a.outputPadding,
    });
  },
  MaxPool2d: (c) => lowerPrim(innerPrim(c.ev, 'maxPool2d'), c.L, c.xs, c.out),
  AvgPool2d: (c) => lowerPrim(innerPrim(c.ev, 'avgPool2d'), c.L, c.xs, c.out),
  AdaptiveAvgPool2d: (c) => {
    const [oh, ow] = pair(c.m.outputSize as IntOrPair);
    const H = c.x.shape[2]!;
    const W = c.x.shape[3]!;
    if (oh === 1 && ow === 1) return c.g.emit(c.out, 'GlobalAveragePool', [c.xs]);
    if (H % oh || W % ow)
      throw new NotSupportedError(
        `exportOnnx: AdaptiveAvgPool2d(${oh},${ow}) on a ${H}×${W} input has uneven windows, which ONNX pooling cannot express`,
        'E_ONNX_EXPORT',
      );
    c.g.emit(c.out, 'AveragePool', [c.xs], { kernel_shape: [H / oh, W / ow], strides: [H / oh, W / ow] });
  },
  BatchNorm1d: batchNorm,
  BatchNorm2d: batchNorm,
  LayerNorm: (c) => {
    const { g, m } = c;
    const shape = m.normalizedShape as number[];
    if (g.opset < 17) return lowerInner(c.ev, c.L);
    const w = c.p('weight');
    const b = c.p('bias');
    const n = shape.reduce((a, v) => a * v, 1);
    const ins = [c.xs, g.ref(w ?? new Tensor(new Float32Array(n).fill(1), shape, 'float32'))];
    if (b) ins.push(g.ref(b));
    g.emit(c.out, 'LayerNormalization', ins, { axis: -shape.length, epsilon: m.eps as number });
  },
  Embedding: (c) => c.g.emit(c.out, 'Gather', [c.g.ref(c.p('weight')!), c.xs], { axis: 0 }),
  Dropout: emitAs('Dropout'),
  Flatten: (c) => {
    const s = c.m.startDim as number;
    const e = c.m.endDim as number;
    const nd = c.x.ndim;
    if ((e < 0 ? e + nd : e) === nd - 1) c.g.emit(c.out, 'Flatten', [c.xs], { axis: s < 0 ? s + nd : s });
    else lowerInner(c.ev, c.L);
  },
  Identity: emitAs('Identity'),
  ReLU: emitAs('Relu'),
  Sigmoid: emitAs('Sigmoid'),
  Tanh: emitAs('Tanh'),
  LeakyReLU: (c) => c.g.emit(c.out, 'LeakyRelu', [c.xs], { alpha: c.m.negativeSlope as number }),
  ELU: (c) => c.g.emit(c.out, 'Elu', [c.xs], { alpha: c.m.alpha as number }),
  SiLU: (c) => c.g.emit(c.out, 'Mul', [c.xs, c.g.node('Sigmoid', [c.xs])[0]!]),
  GELU: (c) => void c.g.names.set(c.out, geluDecomposed(c.g, c.xs, c.x, c.m.approximate as string)),
  Softplus: (c) => {
    const beta = c.m.beta as number;
    if (beta === 1) return c.g.emit(c.out, 'Softplus', [c.xs]);
    const sp = c.g.node('Softplus', [c.g.node('Mul', [c.xs, c.g.scalar(beta, c.x)])[0]!])[0]!;
    c.g.emit(c.out, 'Div', [sp, c.g.scalar(beta, c.x)]);
  },
  Softmax: (c) => c.g.emit(c.out, 'Softmax', [c.xs], { axis: c.m.dim as number }),
  LogSoftmax: (c) => c.g.emit(c.out, 'LogSoftmax', [c.xs], { axis: c.m.dim as number }),
  LSTM: recurrent,
  GRU: recurrent,
  RNN: recurrent,
};

/** Lower a recorded layer call through its rule. */
export function lowerModule(ev: Ev, L: Lowering): void {
  const m = ev.module as unknown as Record<string, unknown> & Module;
  const x = ev.inputs[0]!;
  MODULE_LOWERING[ev.op as LayerType]({
    ev,
    L,
    g: L.g,
    m,
    x,
    xs: L.g.ref(x),
    out: ev.out[0]!,
    p: (k) => (m[k] instanceof Tensor ? (m[k] as Tensor) : null),
  });
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
    const parts = order.map(
      (k) => g.node('Slice', [src, g.int64([k * H], 'starts'), g.int64([(k + 1) * H], 'ends'), g.int64([0], 'axes')])[0]!,
    );
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
    const B = m.bias
      ? dirs((sfx) => g.node('Concat', [reorder(`bias_ih_l${l}${sfx}`), reorder(`bias_hh_l${l}${sfx}`)], { axis: 0 })[0]!)
      : '';
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
  ev.inner!.forEach((e, i) => L.lower(e, { ...L, twin: twinInner?.[i] ?? null }));
}
