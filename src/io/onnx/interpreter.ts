/**
 * The ONNX interpreter: one function per operator, written with backprop's differentiable tensor ops
 * (so an imported graph can be fine-tuned). Every check here raises a typed error; `OnnxModule` adds
 * the node's name to it.
 */
import { FormatError, NotSupportedError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import type { DType } from '../../core/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { cat, stack } from '../../tensor/functional.js';
import * as F from '../../nn/functional.js';
import { OnnxDataType } from './proto.js';

export type AttrValue = number | string | number[] | Tensor | string[];

export interface INode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}


// ---------------------------------------------------------------- the interpreter

const ints = (t: Tensor | null, what: string): number[] => {
  if (!t) throw new ValueError(`missing ${what}`);
  return Array.from(t.dataSync(), Number);
};
const iAttr = (n: INode, k: string, d: number): number => {
  const v = n.attrs.get(k);
  if (v === undefined) return d;
  if (typeof v !== 'number') throw new FormatError('E_ONNX_GRAPH', `attribute ${k} must be a number`);
  return v;
};
const isAttr = (n: INode, k: string, d: number[]): number[] => {
  const v = n.attrs.get(k);
  if (v === undefined) return d;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x))) throw new FormatError('E_ONNX_GRAPH', `attribute ${k} must be a list of integers`);
  return v as number[];
};
const sAttr = (n: INode, k: string, d: string): string => {
  const v = n.attrs.get(k);
  if (v === undefined) return d;
  if (typeof v !== 'string') throw new FormatError('E_ONNX_GRAPH', `attribute ${k} must be a string`);
  return v;
};

const DTYPE_OF_ONNX: Record<number, DType> = {
  [OnnxDataType.FLOAT]: 'float32', [OnnxDataType.DOUBLE]: 'float64', [OnnxDataType.INT32]: 'int32', [OnnxDataType.INT64]: 'int32',
  [OnnxDataType.BOOL]: 'bool', [OnnxDataType.FLOAT16]: 'float32', [OnnxDataType.INT8]: 'int32', [OnnxDataType.UINT8]: 'int32', [OnnxDataType.INT16]: 'int32',
};

function normAxis(a: number, nd: number, what: string): number {
  const r = a < 0 ? a + nd : a;
  if (!Number.isInteger(r) || r < 0 || r >= Math.max(nd, 1)) throw new ShapeError(`${what}: axis ${a} is out of range for rank ${nd}`, 'E_ONNX_AXIS');
  return r;
}

function pads2d(n: INode, rank: number): { sym: number[]; extra: number[] | null } {
  const autoPad = sAttr(n, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw new NotSupportedError(`auto_pad=${autoPad} is not supported; export with explicit pads`, 'E_ONNX_UNSUPPORTED_OP');
  const pads = isAttr(n, 'pads', new Array<number>(rank * 2).fill(0));
  if (pads.length !== rank * 2 || pads.some((p) => p < 0)) throw new FormatError('E_ONNX_GRAPH', `pads must be ${rank * 2} non-negative integers, got [${pads.join(',')}]`);
  const begins = pads.slice(0, rank);
  const ends = pads.slice(rank);
  if (begins.every((b, i) => b === ends[i])) return { sym: begins, extra: null };
  // Asymmetric: pad explicitly (torch order: last dim first), then no conv padding.
  const extra: number[] = [];
  for (let i = rank - 1; i >= 0; i--) extra.push(begins[i]!, ends[i]!);
  return { sym: new Array<number>(rank).fill(0), extra };
}

function reduceAxes(n: INode, ins: (Tensor | null)[], opset: number, nd: number): number[] | null {
  const fromInput = n.op === 'ReduceSum' ? opset >= 13 : opset >= 18;
  const axes = fromInput ? (ins[1] ? ints(ins[1], 'axes') : null) : (n.attrs.has('axes') ? isAttr(n, 'axes', []) : null);
  if (axes === null || axes.length === 0) return iAttr(n, 'noop_with_empty_axes', 0) ? [] : null;
  return axes.map((a) => normAxis(a, nd, n.op));
}

export function runNode(n: INode, ins: (Tensor | null)[], opset: number, maxElements: number): Tensor[] {
  const x = ins[0] ?? null;
  const X = (): Tensor => {
    if (!x) throw new FormatError('E_ONNX_GRAPH', 'missing input 0');
    return x;
  };
  const I = (i: number): Tensor => {
    const t = ins[i];
    if (!t) throw new FormatError('E_ONNX_GRAPH', `missing input ${i}`);
    return t;
  };
  switch (n.op) {
    case 'Identity':
    case 'Dropout':
      return [X()];
    case 'Add': return [X().add(I(1))];
    case 'Sub': return [X().sub(I(1))];
    case 'Mul': return [X().mul(I(1))];
    case 'Div': return [X().div(I(1))];
    case 'Pow': return [X().pow(I(1).to(X().dtype))];
    case 'Max': return [ins.reduce((a, b) => a!.maximum(b!))!];
    case 'Min': return [ins.reduce((a, b) => a!.minimum(b!))!];
    case 'Equal': return [X().eq(I(1))];
    case 'Less': return [X().lt(I(1))];
    case 'Greater': return [X().gt(I(1))];
    case 'LessOrEqual': return [X().le(I(1))];
    case 'GreaterOrEqual': return [X().ge(I(1))];
    case 'And': return [X().logicalAnd(I(1))];
    case 'Or': return [X().logicalOr(I(1))];
    case 'Xor': return [X().logicalXor(I(1))];
    case 'Not': return [X().logicalNot()];
    case 'Neg': return [X().neg()];
    case 'Abs': return [X().abs()];
    case 'Exp': return [X().exp()];
    case 'Log': return [X().log()];
    case 'Sqrt': return [X().sqrt()];
    case 'Sin': return [X().sin()];
    case 'Cos': return [X().cos()];
    case 'Tanh': return [X().tanh()];
    case 'Sigmoid': return [X().sigmoid()];
    case 'Relu': return [X().relu()];
    case 'Sign': return [X().sign()];
    case 'Reciprocal': return [X().reciprocal()];
    case 'Erf': return [X().erf()];
    case 'Floor': return [X().floor()];
    case 'Ceil': return [X().ceil()];
    case 'Round': return [X().round()];
    case 'IsNaN': return [X().isnan()];
    case 'IsInf': return [X().isinf()];
    case 'LeakyRelu': return [X().leakyRelu(iAttrF(n, 'alpha', 0.01))];
    case 'Elu': return [X().elu(iAttrF(n, 'alpha', 1))];
    case 'Softplus': return [X().softplus()];
    case 'Gelu': {
      const approx = sAttr(n, 'approximate', 'none');
      if (approx === 'none') return [X().gelu()];
      const v = X();
      return [v.mul(v.add(v.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1)).mul(0.5)];
    }
    case 'Clip': {
      const lo = ins[1] ? ins[1].item() : null;
      const hi = ins[2] ? ins[2].item() : null;
      return [X().clamp(lo, hi)];
    }
    case 'Where': return [I(1).where(X(), I(2))];
    case 'Cast': {
      const to = DTYPE_OF_ONNX[iAttr(n, 'to', 0)];
      if (!to) throw new NotSupportedError(`Cast to ONNX type ${iAttr(n, 'to', 0)} is not supported`, 'E_ONNX_DTYPE');
      return [X().to(to)];
    }
    case 'Softmax': return [X().softmax(normAxis(iAttr(n, 'axis', -1), X().ndim, 'Softmax'))];
    case 'LogSoftmax': return [X().logSoftmax(normAxis(iAttr(n, 'axis', -1), X().ndim, 'LogSoftmax'))];
    case 'MatMul': return [X().matmul(I(1))];
    case 'Gemm': {
      let a = X();
      let b = I(1);
      if (a.ndim !== 2 || b.ndim !== 2) throw new ShapeError(`Gemm needs 2-D A and B, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`, 'E_ONNX_SHAPE');
      if (iAttr(n, 'transA', 0)) a = a.t();
      if (iAttr(n, 'transB', 0)) b = b.t();
      const alpha = iAttrF(n, 'alpha', 1);
      const beta = iAttrF(n, 'beta', 1);
      let y = a.matmul(b);
      if (alpha !== 1) y = y.mul(alpha);
      if (ins[2]) y = y.add(beta === 1 ? ins[2] : ins[2].mul(beta));
      return [y];
    }
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceMin': {
      const v = X();
      const axes = reduceAxes(n, ins, opset, v.ndim);
      if (axes !== null && axes.length === 0) return [v];
      const keep = iAttr(n, 'keepdims', 1) === 1;
      const dims = axes ?? v.shape.map((_, i) => i);
      const r = n.op === 'ReduceSum' ? v.sum(dims, keep) : n.op === 'ReduceMean' ? v.mean(dims, keep) : n.op === 'ReduceMax' ? v.amax(dims, keep) : v.amin(dims, keep);
      return [r];
    }
    case 'ArgMax':
    case 'ArgMin': {
      const v = X();
      const ax = normAxis(iAttr(n, 'axis', 0), v.ndim, n.op);
      const keep = iAttr(n, 'keepdims', 1) === 1;
      return [n.op === 'ArgMax' ? v.argmax(ax, keep) : v.argmin(ax, keep)];
    }
    case 'Reshape': {
      const v = X();
      const shape = ints(I(1), 'shape');
      if (iAttr(n, 'allowzero', 0) === 0) shape.forEach((d, i) => { if (d === 0) shape[i] = v.shape[i] ?? 0; });
      return [v.reshape(shape)];
    }
    case 'Flatten': {
      const v = X();
      const ax = iAttr(n, 'axis', 1);
      const a = ax < 0 ? ax + v.ndim : ax;
      if (a < 0 || a > v.ndim) throw new ShapeError(`Flatten: axis ${ax} out of range for rank ${v.ndim}`, 'E_ONNX_AXIS');
      const lead = v.shape.slice(0, a).reduce((p, c) => p * c, 1);
      return [v.reshape(lead, v.numel() / Math.max(lead, 1) || 0)];
    }
    case 'Transpose': {
      const v = X();
      const perm = isAttr(n, 'perm', v.shape.map((_, i) => v.ndim - 1 - i));
      return [v.permute(perm)];
    }
    case 'Expand': {
      const v = X();
      const shape = ints(I(1), 'shape');
      const nd = Math.max(shape.length, v.ndim);
      const vs = [...new Array<number>(nd - v.ndim).fill(1), ...v.shape];
      const ts = [...new Array<number>(nd - shape.length).fill(1), ...shape];
      const out = ts.map((d, i) => (d === 1 ? vs[i]! : d));
      return [v.reshape(vs).expand(out)];
    }
    case 'Unsqueeze': {
      let v = X();
      const axes = ints(I(1), 'axes');
      const nd = v.ndim + axes.length;
      for (const a of axes.map((a) => normAxis(a, nd, 'Unsqueeze')).sort((p, q) => p - q)) v = v.unsqueeze(a);
      return [v];
    }
    case 'Squeeze': {
      const v = X();
      if (!ins[1]) return [v.squeeze()];
      return [v.squeeze(ints(ins[1], 'axes').map((a) => normAxis(a, v.ndim, 'Squeeze')))];
    }
    case 'Shape': {
      const v = X();
      return [new Tensor(Int32Array.from(v.shape), [v.ndim], 'int32')];
    }
    case 'Slice': {
      let v = X();
      const starts = ints(I(1), 'starts');
      const ends = ints(I(2), 'ends');
      const axes = ins[3] ? ints(ins[3], 'axes') : starts.map((_, i) => i);
      const steps = ins[4] ? ints(ins[4], 'steps') : starts.map(() => 1);
      if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) throw new FormatError('E_ONNX_GRAPH', 'Slice: starts/ends/axes/steps lengths differ');
      axes.forEach((ax, i) => {
        const d = normAxis(ax, v.ndim, 'Slice');
        const size = v.shape[d]!;
        const step = steps[i]!;
        if (step <= 0) throw new NotSupportedError('Slice: only positive steps are supported', 'E_ONNX_UNSUPPORTED_OP');
        const clampI = (p: number) => Math.min(Math.max(p < 0 ? p + size : p, 0), size);
        v = v.slice(d, clampI(starts[i]!), clampI(ends[i]!), step);
      });
      return [v];
    }
    case 'Pad': {
      const v = X();
      const mode = sAttr(n, 'mode', 'constant');
      if (mode !== 'constant') throw new NotSupportedError(`Pad mode ${mode} is not supported`, 'E_ONNX_UNSUPPORTED_OP');
      const pads = ints(I(1), 'pads');
      if (pads.length !== 2 * v.ndim) throw new FormatError('E_ONNX_GRAPH', `Pad: ${pads.length} pads for a rank-${v.ndim} input`);
      if (ins[3]) throw new NotSupportedError('Pad with an axes input is not supported', 'E_ONNX_UNSUPPORTED_OP');
      const value = ins[2] ? ins[2].item() : 0;
      const torchPads: number[] = [];
      for (let i = v.ndim - 1; i >= 0; i--) torchPads.push(pads[i]!, pads[i + v.ndim]!);
      return [v.pad(torchPads, value)];
    }
    case 'Concat': {
      const ts = ins.filter((t): t is Tensor => t !== null);
      return [cat(ts, normAxis(iAttr(n, 'axis', 0), ts[0]!.ndim, 'Concat'))];
    }
    case 'Gather': {
      const data = X();
      const idx = I(1).to('int32');
      const ax = normAxis(iAttr(n, 'axis', 0), data.ndim, 'Gather');
      const size = data.shape[ax]!;
      const fixed = idx.lt(0).ifElse(idx.add(size), idx);
      const flat = fixed.reshape(-1);
      const picked = data.indexSelect(ax, flat);
      return [picked.reshape([...data.shape.slice(0, ax), ...idx.shape, ...data.shape.slice(ax + 1)])];
    }
    case 'GatherElements': {
      const data = X();
      return [data.gather(normAxis(iAttr(n, 'axis', 0), data.ndim, 'GatherElements'), I(1).to('int32'))];
    }
    case 'Conv': {
      const v = X();
      const w = I(1);
      const rank = w.ndim - 2;
      const strides = isAttr(n, 'strides', new Array<number>(rank).fill(1));
      const dil = isAttr(n, 'dilations', new Array<number>(rank).fill(1));
      const group = iAttr(n, 'group', 1);
      const { sym, extra } = pads2d(n, rank);
      const xin = extra ? v.pad(extra) : v;
      if (rank === 1) return [F.conv1d(xin, w, ins[2] ?? null, { stride: strides[0]!, padding: sym[0]!, dilation: dil[0]!, groups: group })];
      if (rank === 2)
        return [F.conv2d(xin, w, ins[2] ?? null, { stride: [strides[0]!, strides[1]!], padding: [sym[0]!, sym[1]!], dilation: [dil[0]!, dil[1]!], groups: group })];
      throw new NotSupportedError(`Conv with ${rank} spatial dims is not supported (1 or 2)`, 'E_ONNX_UNSUPPORTED_OP');
    }
    case 'ConvTranspose': {
      const w = I(1);
      if (w.ndim !== 4) throw new NotSupportedError('ConvTranspose: only 2-D is supported', 'E_ONNX_UNSUPPORTED_OP');
      const { sym, extra } = pads2d(n, 2);
      if (extra) throw new NotSupportedError('ConvTranspose: asymmetric pads are not supported', 'E_ONNX_UNSUPPORTED_OP');
      if (n.attrs.has('output_shape')) throw new NotSupportedError('ConvTranspose: output_shape is not supported; use pads/output_padding', 'E_ONNX_UNSUPPORTED_OP');
      const s = isAttr(n, 'strides', [1, 1]);
      const d = isAttr(n, 'dilations', [1, 1]);
      const op = isAttr(n, 'output_padding', [0, 0]);
      return [F.convTranspose2d(X(), w, ins[2] ?? null, { stride: [s[0]!, s[1]!], padding: [sym[0]!, sym[1]!], dilation: [d[0]!, d[1]!], outputPadding: [op[0]!, op[1]!], groups: iAttr(n, 'group', 1) })];
    }
    case 'MaxPool':
    case 'AveragePool': {
      const v = X();
      const k = isAttr(n, 'kernel_shape', []);
      if (k.length !== 2) throw new NotSupportedError(`${n.op}: only 2-D pooling is supported, kernel_shape [${k.join(',')}]`, 'E_ONNX_UNSUPPORTED_OP');
      const s = isAttr(n, 'strides', [1, 1]);
      const { sym, extra } = pads2d(n, 2);
      if (extra) throw new NotSupportedError(`${n.op}: asymmetric pads are not supported`, 'E_ONNX_UNSUPPORTED_OP');
      const ceilMode = iAttr(n, 'ceil_mode', 0) === 1;
      if (n.op === 'MaxPool') {
        if (n.outputs.length > 1 && n.outputs[1]) throw new NotSupportedError('MaxPool: the Indices output is not supported', 'E_ONNX_UNSUPPORTED_OP');
        const d = isAttr(n, 'dilations', [1, 1]);
        return [F.maxPool2d(v, [k[0]!, k[1]!], { stride: [s[0]!, s[1]!], padding: [sym[0]!, sym[1]!], dilation: [d[0]!, d[1]!], ceilMode })];
      }
      return [F.avgPool2d(v, [k[0]!, k[1]!], { stride: [s[0]!, s[1]!], padding: [sym[0]!, sym[1]!], ceilMode, countIncludePad: iAttr(n, 'count_include_pad', 0) === 1 })];
    }
    case 'GlobalAveragePool': {
      const v = X();
      if (v.ndim < 3) throw new ShapeError(`GlobalAveragePool needs [N, C, ...], got ${fmtShape(v.shape)}`, 'E_ONNX_SHAPE');
      return [v.mean(v.shape.map((_, i) => i).slice(2), true)];
    }
    case 'BatchNormalization': {
      if (iAttr(n, 'training_mode', 0)) throw new NotSupportedError('BatchNormalization in training mode is not supported', 'E_ONNX_UNSUPPORTED_OP');
      return [F.batchNorm(X(), I(3), I(4), { weight: I(1), bias: I(2), training: false, eps: iAttrF(n, 'epsilon', 1e-5) })];
    }
    case 'LayerNormalization': {
      const v = X();
      const ax = normAxis(iAttr(n, 'axis', -1), v.ndim, 'LayerNormalization');
      const shape = v.shape.slice(ax);
      const w = I(1);
      const b = ins[2] ?? null;
      return [F.layerNorm(v, shape, w.reshape(shape), b ? b.reshape(shape) : null, iAttrF(n, 'epsilon', 1e-5))];
    }
    case 'Resize': {
      // PyTorch's nearest upsampling: mode nearest, asymmetric coordinates, floor rounding.
      const v = X();
      const mode = sAttr(n, 'mode', 'nearest');
      const ctm = sAttr(n, 'coordinate_transformation_mode', 'half_pixel');
      const nm = sAttr(n, 'nearest_mode', 'round_prefer_floor');
      if (mode !== 'nearest' || ctm !== 'asymmetric' || nm !== 'floor')
        throw new NotSupportedError(`Resize: only mode=nearest with asymmetric coordinates and floor rounding (PyTorch's 'nearest') is supported, got ${mode}/${ctm}/${nm}`, 'E_ONNX_UNSUPPORTED_OP');
      if (v.ndim !== 4) throw new NotSupportedError(`Resize: only 4-D [N, C, H, W] inputs are supported, got ${fmtShape(v.shape)}`, 'E_ONNX_UNSUPPORTED_OP');
      const sizes = ins[3] && ins[3].numel() ? ints(ins[3], 'sizes') : null;
      const scales = ins[2] && ins[2].numel() ? Array.from(ins[2].dataSync(), Number) : null;
      if (sizes) {
        if (sizes.length !== 4 || sizes[0] !== v.shape[0] || sizes[1] !== v.shape[1]) throw new NotSupportedError('Resize: only the spatial dims can be resized', 'E_ONNX_UNSUPPORTED_OP');
        if (sizes[2]! * sizes[3]! * v.shape[0]! * v.shape[1]! > maxElements) throw new FormatError('E_ONNX_LIMIT', `Resize: output [${sizes.join(',')}] exceeds the element limit`);
        return [F.interpolate(v, { size: [sizes[2]!, sizes[3]!] })];
      }
      if (!scales || scales.length !== 4 || scales[0] !== 1 || scales[1] !== 1 || !(scales[2]! > 0) || !(scales[3]! > 0))
        throw new NotSupportedError('Resize: scales must be [1, 1, sh, sw] with positive sh, sw', 'E_ONNX_UNSUPPORTED_OP');
      if (Math.floor(v.shape[2]! * scales[2]!) * Math.floor(v.shape[3]! * scales[3]!) * v.shape[0]! * v.shape[1]! > maxElements)
        throw new FormatError('E_ONNX_LIMIT', 'Resize: the output exceeds the element limit');
      return [F.interpolate(v, { scaleFactor: [scales[2]!, scales[3]!] })];
    }
    case 'ConstantOfShape': {
      const shape = ints(X(), 'shape');
      let count = 1;
      for (const d of shape) {
        if (!Number.isSafeInteger(d) || d < 0) throw new FormatError('E_ONNX_GRAPH', `ConstantOfShape: invalid dim ${d}`);
        count *= d;
      }
      if (count > maxElements) throw new FormatError('E_ONNX_LIMIT', `ConstantOfShape: [${shape.join(',')}] has ${count} elements (limit ${maxElements})`);
      const v = n.attrs.get('value');
      const fill = v instanceof Tensor ? v : new Tensor(new Float32Array([0]), [1], 'float32');
      if (fill.numel() !== 1) throw new FormatError('E_ONNX_GRAPH', 'ConstantOfShape: value must hold one element');
      return [fill.reshape([]).expand(shape).contiguous()];
    }
    case 'LSTM':
    case 'GRU':
    case 'RNN':
      return runRecurrent(n, ins);
    case 'Constant': {
      const v = n.attrs.get('value');
      if (v instanceof Tensor) return [v];
      if (n.attrs.has('value_float')) return [new Tensor(new Float32Array([iAttrF(n, 'value_float', 0)]), [], 'float32')];
      if (n.attrs.has('value_int')) return [new Tensor(new Int32Array([iAttr(n, 'value_int', 0)]), [], 'int32')];
      if (n.attrs.has('value_ints')) { const a = isAttr(n, 'value_ints', []); return [new Tensor(Int32Array.from(a), [a.length], 'int32')]; }
      if (n.attrs.has('value_floats')) { const a = n.attrs.get('value_floats') as number[]; return [new Tensor(Float32Array.from(a), [a.length], 'float32')]; }
      throw new NotSupportedError('Constant: only value / value_float(s) / value_int(s) are supported', 'E_ONNX_UNSUPPORTED_OP');
    }
  }
  throw new NotSupportedError(`operator ${n.op} is not supported by this importer (see ONNX_IMPORT_OPS for the list)`, 'E_ONNX_UNSUPPORTED_OP');
}

/**
 * ONNX LSTM (gates i, o, f, c) and GRU (gates z, r, h), forward/reverse/bidirectional, layout 0
 * ([seq, batch, in]) or 1 ([batch, seq, in]), default activations, no peepholes/clip/sequence_lens —
 * what torch.onnx.export emits for nn.LSTM / nn.GRU (GRU with linear_before_reset = 1).
 * Written with differentiable ops, so an imported recurrent model can be fine-tuned.
 */
function runRecurrent(n: INode, ins: (Tensor | null)[]): Tensor[] {
  const lstm = n.op === 'LSTM';
  const rnn = n.op === 'RNN';
  const G = lstm ? 4 : rnn ? 1 : 3;
  const H = iAttr(n, 'hidden_size', 0);
  if (!(H > 0)) throw new FormatError('E_ONNX_GRAPH', `${n.op}: hidden_size must be positive`);
  const direction = sAttr(n, 'direction', 'forward');
  const dirs = direction === 'bidirectional' ? 2 : 1;
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') throw new FormatError('E_ONNX_GRAPH', `${n.op}: unknown direction ${direction}`);
  const layout = iAttr(n, 'layout', 0);
  let relu = false;
  if (n.attrs.has('activations')) {
    const acts = n.attrs.get('activations');
    const ok = rnn && Array.isArray(acts) && acts.length === dirs && acts.every((a) => a === acts[0] && (a === 'Tanh' || a === 'Relu'));
    if (!ok) throw new NotSupportedError(`${n.op}: custom activations are supported only for RNN (Tanh or Relu)`, 'E_ONNX_UNSUPPORTED_OP');
    relu = (acts as string[])[0] === 'Relu';
  }
  if (n.attrs.has('clip') || iAttr(n, 'input_forget', 0))
    throw new NotSupportedError(`${n.op}: clip and input_forget are not supported`, 'E_ONNX_UNSUPPORTED_OP');
  if (n.op === 'GRU' && iAttr(n, 'linear_before_reset', 0) !== 1)
    throw new NotSupportedError('GRU: only linear_before_reset = 1 (PyTorch’s formulation) is supported', 'E_ONNX_UNSUPPORTED_OP');
  if (ins[4]) {
    const lens = ins[4].dataSync();
    const x0 = ins[0]!;
    const T = x0.shape[layout === 0 ? 0 : 1]!;
    for (let i = 0; i < lens.length; i++) if (lens[i] !== T) throw new NotSupportedError(`${n.op}: sequence_lens shorter than the sequence are not supported`, 'E_ONNX_UNSUPPORTED_OP');
  }
  if (lstm && ins[7]) throw new NotSupportedError('LSTM: peephole weights (P) are not supported', 'E_ONNX_UNSUPPORTED_OP');
  let x = ins[0]!;
  if (!x || x.ndim !== 3) throw new ShapeError(`${n.op}: X must be 3-D, got ${x ? fmtShape(x.shape) : 'nothing'}`, 'E_ONNX_SHAPE');
  if (layout === 1) x = x.transpose(0, 1);
  const [T, N] = [x.shape[0]!, x.shape[1]!];
  const W = ins[1]!;
  const R = ins[2]!;
  if (!W || !R || W.ndim !== 3 || R.ndim !== 3 || W.shape[0] !== dirs || W.shape[1] !== G * H || R.shape[0] !== dirs || R.shape[1] !== G * H || R.shape[2] !== H)
    throw new ShapeError(`${n.op}: W/R shapes ${W ? fmtShape(W.shape) : '-'} / ${R ? fmtShape(R.shape) : '-'} do not fit hidden_size ${H} and ${dirs} direction(s)`, 'E_ONNX_SHAPE');
  const B = ins[3] ?? null;
  const h0 = ins[5] ?? null;
  const c0 = lstm ? (ins[6] ?? null) : null;
  const ys: Tensor[] = [];
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  for (let d = 0; d < dirs; d++) {
    const reverse = direction === 'reverse' || d === 1;
    const w = W.select(0, d);
    const r = R.select(0, d);
    const wb = B ? B.select(0, d).narrow(0, 0, G * H) : null;
    const rb = B ? B.select(0, d).narrow(0, G * H, G * H) : null;
    let h = h0 ? h0.select(0, d) : x.newZeros([N, H]);
    let c = c0 ? c0.select(0, d) : x.newZeros([N, H]);
    // Input projections for every step at once: [T, N, G·H].
    const xp = F.linear(x, w, wb);
    const out: Tensor[] = new Array<Tensor>(T);
    for (let k = 0; k < T; k++) {
      const t = reverse ? T - 1 - k : k;
      const xt = xp.select(0, t);
      const hp = F.linear(h, r, rb);
      const gate = (src: Tensor, i: number) => src.narrow(1, i * H, H);
      if (rnn) {
        const pre = xt.add(hp);
        h = relu ? pre.relu() : pre.tanh();
      } else if (lstm) {
        const i = gate(xt, 0).add(gate(hp, 0)).sigmoid();
        const o = gate(xt, 1).add(gate(hp, 1)).sigmoid();
        const f = gate(xt, 2).add(gate(hp, 2)).sigmoid();
        const g = gate(xt, 3).add(gate(hp, 3)).tanh();
        c = f.mul(c).add(i.mul(g));
        h = o.mul(c.tanh());
      } else {
        const z = gate(xt, 0).add(gate(hp, 0)).sigmoid();
        const rr = gate(xt, 1).add(gate(hp, 1)).sigmoid();
        const hh = gate(xt, 2).add(rr.mul(gate(hp, 2))).tanh();
        h = z.neg().add(1).mul(hh).add(z.mul(h));
      }
      out[t] = h;
    }
    ys.push(stack(out, 0)); // [T, N, H]
    hs.push(h);
    cs.push(c);
  }
  let Y = stack(ys, 1); // [T, dirs, N, H]
  let Yh = stack(hs, 0); // [dirs, N, H]
  let Yc = stack(cs, 0);
  if (layout === 1) {
    Y = Y.permute(2, 0, 1, 3); // [N, T, dirs, H]
    Yh = Yh.transpose(0, 1);
    Yc = Yc.transpose(0, 1);
  }
  return lstm ? [Y, Yh, Yc] : [Y, Yh];
}

function iAttrF(n: INode, k: string, d: number): number {
  const v = n.attrs.get(k);
  if (v === undefined) return d;
  if (typeof v !== 'number') throw new FormatError('E_ONNX_GRAPH', `attribute ${k} must be a number`);
  return v;
}
