/**
 * PyTorch source generation: a backprop module tree → the Python text of an equivalent `torch.nn`
 * module with the same tree, parameter and buffer names and tensor layouts, so the model's
 * safetensors load with `load_state_dict(strict=True)`.
 *
 * Leaves are the built-in layers whose constructor arguments backprop already prints the way
 * PyTorch does (`extraRepr()`, e.g. `Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))`),
 * so `nn.<Type>(<extraRepr>)` is the PyTorch constructor call; `Sequential` becomes `nn.Sequential`.
 * Modules with a hand-written `forward` are translated only by a `translators` entry (the model zoo
 * supplies ResNet's); any other is refused with the reason and the ONNX route.
 */
import { NotSupportedError } from '../../core/errors.js';
import { Module } from '../../nn/module.js';
import { Sequential, Flatten, Identity, Unflatten, ModuleList, ModuleDict, ParameterList } from '../../nn/containers.js';
import * as L from '../../nn/layers/index.js';

/** A translation of one module: its Python constructor (`ctor(args)`), plus class definitions it needs. */
export interface PyTranslation {
  ctor: string;
  args: string;
  /** Python class definitions (keyed by class name, emitted once, before the model). */
  classes?: Record<string, string>;
}
/** Translates a module whose class it was registered for; `emit` translates its children. */
export type PyTranslator = (m: Module, emit: (child: Module, path: string) => string, path: string) => PyTranslation;

/** A Module class (abstract or concrete): the first item of each `PYTORCH_LEAVES` entry. */
export type Ctor = abstract new (...args: never[]) => Module;

/** The built-in layers the generator translates through `nn.<Type>(<extraRepr>)` (PyTorch 1.13 names). */
export const PYTORCH_LEAVES: readonly [Ctor, string][] = [
  [L.Linear, 'Linear'],
  [L.Conv1d, 'Conv1d'],
  [L.Conv2d, 'Conv2d'],
  [L.ConvTranspose2d, 'ConvTranspose2d'],
  [L.MaxPool2d, 'MaxPool2d'],
  [L.AvgPool2d, 'AvgPool2d'],
  [L.AdaptiveAvgPool2d, 'AdaptiveAvgPool2d'],
  [L.Upsample, 'Upsample'],
  [L.BatchNorm1d, 'BatchNorm1d'],
  [L.BatchNorm2d, 'BatchNorm2d'],
  [L.LayerNorm, 'LayerNorm'],
  [L.GroupNorm, 'GroupNorm'],
  [L.Embedding, 'Embedding'],
  [L.RNN, 'RNN'],
  [L.LSTM, 'LSTM'],
  [L.GRU, 'GRU'],
  [L.RNNCell, 'RNNCell'],
  [L.LSTMCell, 'LSTMCell'],
  [L.GRUCell, 'GRUCell'],
  [L.Dropout, 'Dropout'],
  [L.ReLU, 'ReLU'],
  [L.LeakyReLU, 'LeakyReLU'],
  [L.ELU, 'ELU'],
  [L.GELU, 'GELU'],
  [L.SiLU, 'SiLU'],
  [L.Sigmoid, 'Sigmoid'],
  [L.Tanh, 'Tanh'],
  [L.Softplus, 'Softplus'],
  [L.Softmax, 'Softmax'],
  [L.LogSoftmax, 'LogSoftmax'],
  [Flatten, 'Flatten'],
  [Unflatten, 'Unflatten'],
  [Identity, 'Identity'],
];

const ONNX_ROUTE =
  'export it to ONNX instead (`backprop export --model DIR --onnx model.onnx`, or exportOnnx(model, example)) and run it with onnxruntime or onnx2torch, or write the PyTorch class by hand with the same attribute names (the safetensors then load as they are)';

function exactClass(m: Module): Ctor {
  return m.constructor as Ctor;
}

/** Whether m's class (or a base class below Module) defines its own forward(). */
function ownForward(m: Module): boolean {
  for (let p = Object.getPrototypeOf(m) as object | null; p && p !== Module.prototype; p = Object.getPrototypeOf(p) as object | null)
    if (Object.prototype.hasOwnProperty.call(p, 'forward')) return true;
  return false;
}

/**
 * The class the generator translates m as: m's own, or for a subclass that keeps its base's forward()
 * (e.g. \`class Net extends nn.Sequential { constructor() { super(...layers) } }\`), the nearest known
 * base class. A subclass that defines forward(), or adds parameters or buffers of its own to a
 * container, stays itself (and is refused unless a translator knows it).
 */
function translatableClass(m: Module, known: ReadonlySet<Ctor>): Ctor {
  for (let p = Object.getPrototypeOf(m) as object | null; p && p !== Module.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const c = (p as { constructor: Ctor }).constructor;
    if (known.has(c)) {
      if (c === Sequential && m.namedParameters('', false).length + m.namedBuffers('', false).length > 0) break;
      return c;
    }
    if (Object.prototype.hasOwnProperty.call(p, 'forward')) break;
  }
  return exactClass(m);
}

const pyBool = (b: boolean) => (b ? 'True' : 'False');

/**
 * The constructor arguments of a leaf: its `extraRepr()` (PyTorch's own repr arguments), with string
 * values PyTorch prints bare quoted (padding='same', padding_mode='reflect', mode='nearest',
 * nonlinearity='relu'), plus the arguments PyTorch's repr leaves out but the layer's output depends on
 * (AvgPool2d's ceil_mode / count_include_pad / divisor_override, Upsample's align_corners, RNN's
 * nonlinearity).
 */
function leafArgs(m: Module): string {
  let s = m
    .extraRepr()
    .replace(/\bpadding=(same|valid)\b/, "padding='$1'")
    .replace(/\bpadding_mode=(\w+)/, "padding_mode='$1'")
    .replace(/\bmode=(nearest|bilinear|bicubic)\b/, "mode='$1'")
    .replace(/\bnonlinearity=(tanh|relu)\b/, "nonlinearity='$1'");
  if (m instanceof L.AvgPool2d)
    s += `, ceil_mode=${pyBool(m.ceilMode)}, count_include_pad=${pyBool(m.countIncludePad)}, divisor_override=${m.divisorOverride ?? 'None'}`;
  if (m instanceof L.Upsample && m.alignCorners !== null) s += `, align_corners=${pyBool(m.alignCorners)}`;
  if (m instanceof L.RNN && m.nonlinearity !== 'tanh') s += `, nonlinearity='${m.nonlinearity}'`;
  return s;
}

/** PyTorch 1.13's `nn.TransformerEncoderLayer(...)` arguments for a backprop TransformerEncoderLayer. */
function encoderLayerArgs(m: L.TransformerEncoderLayer, path: string): string {
  const attn = m.selfAttn;
  if (m.linear1.bias === null)
    throw new NotSupportedError(
      `pytorch export: ${path || 'the model'} is a TransformerEncoderLayer without biases; PyTorch 1.13's nn.TransformerEncoderLayer has no bias=False — ${ONNX_ROUTE}`,
      'E_PYTORCH_EXPORT',
    );
  const p = (m.namedChildren().find(([k]) => k === 'dropout')![1] as L.Dropout).p;
  return [
    `${m.dModel}, ${m.nhead}`,
    `dim_feedforward=${m.linear1.outFeatures}`,
    `dropout=${p}`,
    `activation='${m.activation}'`,
    `layer_norm_eps=${m.norm1.eps}`,
    `batch_first=${pyBool(attn.batchFirst)}`,
    `norm_first=${pyBool(m.normFirst)}`,
  ].join(', ');
}

/** Python for one leaf: `nn.Type(args)`. */
function leafCall(m: Module, name: string, path: string): PyTranslation {
  if (m instanceof L.LayerNorm && m.elementwiseAffine && m.bias === null)
    throw new NotSupportedError(
      `pytorch export: ${path} is a LayerNorm without bias; PyTorch 1.13's nn.LayerNorm has no bias=False — ${ONNX_ROUTE}`,
      'E_PYTORCH_EXPORT',
    );
  return { ctor: `nn.${name}`, args: leafArgs(m) };
}

/**
 * The Python source of `model.py`: imports, helper classes, `class Model(...)`, and safetensors
 * helpers (`load_safetensors`, `save_safetensors`, `load_model`) that need only torch and numpy.
 * Throws NotSupportedError (code E_PYTORCH_EXPORT) naming the first module it cannot translate.
 */
export function pytorchModelSource(
  model: Module,
  opts: { translators?: Map<Ctor, PyTranslator>; inputShape?: readonly number[]; title?: string } = {},
): string {
  const translators = opts.translators ?? new Map<Ctor, PyTranslator>();
  const classes: Record<string, string> = {};
  const leafName = new Map<Ctor, string>(PYTORCH_LEAVES.map(([c, n]) => [c, n]));
  const known = new Set<Ctor>([...translators.keys(), ...leafName.keys(), Sequential, L.TransformerEncoderLayer, L.TransformerEncoder]);
  const translate = (m: Module, path: string, indent: string): PyTranslation => {
    const cls = translatableClass(m, known);
    const tr = translators.get(cls);
    if (tr) {
      const t = tr(m, (c, p) => emit(c, p, indent + '    '), path);
      Object.assign(classes, t.classes ?? {});
      return t;
    }
    if (cls === L.TransformerEncoderLayer)
      return { ctor: 'nn.TransformerEncoderLayer', args: encoderLayerArgs(m as L.TransformerEncoderLayer, path) };
    if (cls === L.TransformerEncoder) {
      const enc = m as L.TransformerEncoder;
      const layers = enc.layers.children();
      const args = layers.map((l, i) => {
        if (exactClass(l) !== L.TransformerEncoderLayer)
          throw new NotSupportedError(
            `pytorch export: ${path ? `${path}.` : ''}layers.${i} is a ${l.constructor.name}; PyTorch's nn.TransformerEncoder stacks copies of one nn.TransformerEncoderLayer — ${ONNX_ROUTE}`,
            'E_PYTORCH_EXPORT',
          );
        return encoderLayerArgs(l as L.TransformerEncoderLayer, `${path ? `${path}.` : ''}layers.${i}`);
      });
      if (args.some((a) => a !== args[0]))
        throw new NotSupportedError(
          `pytorch export: ${path || 'the model'} is a TransformerEncoder whose layers differ in their settings; PyTorch's nn.TransformerEncoder stacks copies of one layer — ${ONNX_ROUTE}`,
          'E_PYTORCH_EXPORT',
        );
      const norm = enc.norm === null ? 'None' : emit(enc.norm, `${path ? `${path}.` : ''}norm`, indent + '    ');
      // enable_nested_tensor=False: backprop has no nested-tensor fast path; its outputs are the dense ones
      return {
        ctor: 'nn.TransformerEncoder',
        args: `nn.TransformerEncoderLayer(${args[0]}), ${enc.numLayers}, norm=${norm}, enable_nested_tensor=False`,
      };
    }
    const leaf = leafName.get(cls);
    if (leaf) {
      if (m.children().length)
        throw new NotSupportedError(`pytorch export: ${path} (${leaf}) has sub-modules the generator does not know`, 'E_PYTORCH_EXPORT');
      return leafCall(m, leaf, path);
    }
    if (cls === Sequential) {
      const kids = m.namedChildren();
      const inner = indent + '    ';
      const sub = (k: string) => (path ? `${path}.${k}` : k);
      if (kids.every(([k], i) => k === String(i)))
        return { ctor: 'nn.Sequential', args: `\n${kids.map(([k, c]) => `${inner}${emit(c, sub(k), inner)},`).join('\n')}\n${indent}` };
      if (!kids.every(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)))
        throw new NotSupportedError(
          `pytorch export: ${path || 'the model'} is a Sequential with child names that are not Python identifiers`,
          'E_PYTORCH_EXPORT',
        );
      return {
        ctor: 'nn.Sequential',
        args: `OrderedDict([\n${kids.map(([k, c]) => `${inner}(${JSON.stringify(k)}, ${emit(c, sub(k), inner)}),`).join('\n')}\n${indent}])`,
      };
    }
    const where = path ? `'${path}'` : 'the model itself';
    const name = m.constructor.name;
    const reason =
      m instanceof L.MultiheadAttention
        ? `${where} is a MultiheadAttention: it takes (query, key, value) and returns (output, weights), so only a module with its own forward() can call it, and the generator cannot translate one`
        : m instanceof ModuleList || m instanceof ModuleDict || m instanceof ParameterList
          ? `${where} is a ${name}, a container without a forward() (as in PyTorch): only a module with its own forward() uses one, and the generator cannot translate such a module`
          : `${where} is a ${name}${ownForward(m) ? ' with its own forward()' : ''}, which the generator cannot translate to Python (it translates backprop's built-in layers, Sequential, the zoo models and subclasses of them that keep their forward())`;
    throw new NotSupportedError(`pytorch export: ${reason}; ${ONNX_ROUTE}`, 'E_PYTORCH_EXPORT');
  };
  const emit = (m: Module, path: string, indent: string): string => {
    const t = translate(m, path, indent);
    return `${t.ctor}(${t.args})`;
  };
  const root = translate(model, '', '        ');
  const title = opts.title ?? 'a backprop model';
  return [
    `"""${title}, as a PyTorch module — generated by backprop (\`backprop export --pytorch\`).`,
    '',
    'Same module tree, parameter/buffer names and tensor layouts as the backprop model, so',
    "`Model().load_state_dict(load_safetensors('model.safetensors'))` is strict-exact. Needs torch and numpy only.",
    '"""',
    'import json',
    'import struct',
    'from collections import OrderedDict',
    '',
    'import numpy as np',
    'import torch',
    'from torch import nn',
    '',
    `INPUT_SHAPE = ${opts.inputShape ? `[${opts.inputShape.join(', ')}]` : 'None'}  # one sample, without the batch dimension`,
    '',
    '',
    ...Object.values(classes).flatMap((c) => [c.trimEnd(), '', '']),
    `class Model(${root.ctor}):`,
    '    def __init__(self):',
    `        super().__init__(${root.args})`,
    '',
    '',
    SAFETENSORS_PY,
  ].join('\n');
}

/** Minimal safetensors reading/writing with numpy (no `safetensors` package needed). */
export const SAFETENSORS_PY = `_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def load_safetensors(path):
    """{name: tensor} from a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        arr = np.frombuffer(raw[8 + n + start:8 + n + end], dtype=np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<"))
        out[name] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return out


def save_safetensors(tensors, path, metadata=None):
    """Write {name: tensor} as safetensors. int64 tensors (e.g. BatchNorm's num_batches_tracked) are
    stored as int32, the integer type backprop keeps."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name].detach().cpu().contiguous().numpy()
        if a.dtype == np.int64:
            a = a.astype(np.int32)
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_model(path="model.safetensors"):
    """The model with the weights from \`path\`, strictly loaded, in eval mode."""
    model = Model()
    model.load_state_dict(load_safetensors(path), strict=True)
    return model.eval()
`;
