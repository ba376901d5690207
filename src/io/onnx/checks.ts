/**
 * Import-time checks: what the interpreter cannot run is refused when the model is imported, with a
 * typed error naming the node, not at the first forward pass. (Shape-dependent problems still surface
 * at run time, also as typed errors.)
 */
import { NotSupportedError } from '../../core/errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { OnnxDataType } from './proto.js';
import type { INode } from './attrs.js';

/** How many outputs each multi-output op can produce here (every other op: 1). */
const MAX_OUTPUTS: Record<string, number> = {
  LSTM: 3,
  GRU: 2,
  RNN: 2,
  TopK: 2,
  Dropout: 2,
  LayerNormalization: 3,
  SoftmaxCrossEntropyLoss: 2,
  Unique: 4,
  BatchNormalization: 3,
  Split: Infinity,
  DynamicQuantizeLinear: 3,
};

const ONE_OF: Record<string, Record<string, readonly string[]>> = {
  Resize: {
    mode: ['nearest', 'linear', 'cubic'],
    coordinate_transformation_mode: [
      'half_pixel',
      'pytorch_half_pixel',
      'align_corners',
      'asymmetric',
      'tf_half_pixel_for_nn',
      'tf_crop_and_resize',
    ],
    nearest_mode: ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'],
    keep_aspect_ratio_policy: ['stretch'],
  },
  Upsample: { mode: ['nearest', 'linear', 'bilinear'] },
  Pad: { mode: ['constant', 'reflect', 'edge', 'wrap'] },
  NegativeLogLikelihoodLoss: { reduction: ['none', 'sum', 'mean'] },
  SoftmaxCrossEntropyLoss: { reduction: ['none', 'sum', 'mean'] },
  ScatterElements: { reduction: ['none', 'add', 'mul', 'max', 'min'] },
  ScatterND: { reduction: ['none', 'add', 'mul', 'max', 'min'] },
  DepthToSpace: { mode: ['DCR', 'CRD'] },
  Gelu: { approximate: ['none', 'tanh'] },
  RoiAlign: { mode: ['avg', 'max'], coordinate_transformation_mode: ['half_pixel', 'output_half_pixel'] },
  GridSample: { mode: ['bilinear', 'nearest', 'bicubic', 'linear', 'cubic'], padding_mode: ['zeros', 'border', 'reflection'] },
};
const AUTO_PAD = ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'];
const CAST_TO = new Set<number>([
  OnnxDataType.FLOAT,
  OnnxDataType.DOUBLE,
  OnnxDataType.FLOAT16,
  OnnxDataType.BFLOAT16,
  OnnxDataType.BOOL,
  OnnxDataType.INT32,
  OnnxDataType.INT64,
  OnnxDataType.INT8,
  OnnxDataType.UINT8,
  OnnxDataType.INT16,
  OnnxDataType.UINT16,
]);

const refuse = (what: string): never => {
  throw new NotSupportedError(what, 'E_ONNX_UNSUPPORTED_ATTR');
};

/**
 * Ops whose definition changed at opset 7 or later in a way the interpreter follows only in the newer
 * form (legacy `broadcast`/`consumed_inputs` attributes, pre-7 pooling and recurrent rules). A model
 * importing an older default opset may still use every other op, whose semantics did not change.
 */
const CHANGED_AT_7 = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Gemm',
  'PRelu',
  'BatchNormalization',
  'Dropout',
  'AveragePool',
  'Upsample',
  'Equal',
  'Less',
  'Greater',
  'And',
  'Or',
  'Xor',
  'LSTM',
  'GRU',
  'RNN',
  'Clip',
  'Concat',
  'Reshape',
  'Cast',
  'Tile',
  'Slice',
  'Pad',
  'Split',
  'Squeeze',
  'Unsqueeze',
  'Transpose',
  'Gather',
  'Flatten',
  'MaxPool',
  'Conv',
  'ConvTranspose',
  'Sum',
  'Mean',
  'Max',
  'Min',
  'LeakyRelu',
  'Relu',
  'Sigmoid',
  'Tanh',
  'Exp',
  'Log',
  'Sqrt',
  'Neg',
  'Abs',
  'Floor',
  'Ceil',
  'Reciprocal',
  'Softmax',
  'LogSoftmax',
  'Hardmax',
  'TopK',
  'ThresholdedRelu',
]);
const CONVERT = `python3 -c "import onnx, onnx.version_converter as v; onnx.save(v.convert_version(onnx.load('model.onnx'), 13), 'model13.onnx')"`;

/** Throws a typed error when `n` uses an attribute value or output the interpreter does not implement. */
export function checkNodeAtImport(n: INode, opset: number): void {
  if (opset < 7 && (CHANGED_AT_7.has(n.op) || n.attrs.has('consumed_inputs') || n.attrs.has('broadcast')))
    throw new NotSupportedError(
      `${n.op} at opset ${opset} predates the opset-7 definition backprop implements; convert the model first: ${CONVERT}`,
      'E_ONNX_OPSET',
    );
  const produced = n.outputs.filter((o, i) => o !== '' && i >= (MAX_OUTPUTS[n.op] ?? 1));
  if (produced.length)
    throw new NotSupportedError(
      `output(s) ${produced.map((o) => JSON.stringify(o)).join(', ')} of ${n.op} are not supported`,
      'E_ONNX_OUTPUT',
    );
  for (const [attr, allowed] of Object.entries(ONE_OF[n.op] ?? {})) {
    const v = n.attrs.get(attr);
    if (v !== undefined && !allowed.includes(String(v)))
      refuse(`${attr} = ${JSON.stringify(v)} is not supported (supported: ${allowed.join(', ')})`);
  }
  const ap = n.attrs.get('auto_pad');
  if (ap !== undefined && !AUTO_PAD.includes(String(ap))) refuse(`auto_pad = ${JSON.stringify(ap)} is not an ONNX auto_pad mode`);
  const num = (k: string, d: number) => {
    const v = n.attrs.get(k);
    return typeof v === 'number' ? v : d;
  };
  switch (n.op) {
    case 'Resize':
      if (num('antialias', 0) !== 0) refuse('antialias = 1 is not supported');
      break;
    case 'MaxPool':
      if (num('storage_order', 0) !== 0) refuse('storage_order = 1 is not supported');
      if (n.outputs[1]) refuse('the Indices output is not supported');
      break;
    case 'Cast':
      if (!CAST_TO.has(num('to', 0)))
        throw new NotSupportedError(
          `Cast to ONNX type ${num('to', 0)} is not supported (strings, uint32/uint64 and 8-bit floats have no backprop dtype)`,
          'E_ONNX_DTYPE',
        );
      break;
    case 'LSTM':
    case 'GRU':
    case 'RNN': {
      if (n.attrs.has('clip')) refuse('clip is not supported');
      if (num('input_forget', 0) !== 0) refuse('input_forget = 1 is not supported');
      const acts = n.attrs.get('activations');
      if (acts !== undefined) {
        const dflt = n.op === 'LSTM' ? ['Sigmoid', 'Tanh', 'Tanh'] : n.op === 'GRU' ? ['Sigmoid', 'Tanh'] : ['Tanh'];
        const list = Array.isArray(acts) ? acts.map(String) : [];
        const dirs = n.attrs.get('direction') === 'bidirectional' ? 2 : 1;
        const plain = list.length === dflt.length * dirs && list.every((a, i) => a === dflt[i % dflt.length]);
        const rnnRelu = n.op === 'RNN' && list.length === dirs && list.every((a) => a === list[0] && (a === 'Tanh' || a === 'Relu'));
        if (!plain && !rnnRelu) refuse(`activations [${list.join(', ')}] are not supported (only the defaults, or Relu for RNN)`);
      }
      break;
    }
    case 'BatchNormalization':
      if (opset < 9 && num('spatial', 1) !== 1) refuse('spatial = 0 is not supported');
      if (num('training_mode', 0) !== 1 && n.outputs.slice(1).some((o) => o)) refuse('running-statistics outputs need training_mode = 1');
      break;
    case 'Constant':
      if (
        !(n.attrs.get('value') instanceof Tensor) &&
        !['value_float', 'value_floats', 'value_int', 'value_ints'].some((k) => n.attrs.has(k))
      )
        refuse('only value / value_float(s) / value_int(s) are supported (no strings, no sparse tensors)');
      break;
    case 'Einsum':
      if (typeof n.attrs.get('equation') !== 'string') refuse('the equation attribute is missing');
      break;
    case 'Unique':
      break;
  }
}
