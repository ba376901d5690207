/**
 * Reference runners for nn.json cases, keyed by the case's `fn`: build the module from the case's
 * args/kwargs (snake_case kwargs → camelCase options), load the recorded state dict by
 * `state_dict_keys`, set train/eval mode, run forward with `forward_args`/`forward_kwargs`, and compare
 * outputs, gradients (forward inputs and parameters) and `state_after` buffers.
 */
import { nn, type Tensor } from '../../src/index.js';
import type { CaseRunner, Comparison, RefCase, Registry, RefTensor } from './types.js';
import { camelKeys as camelKwargs } from './optim.js';
import { refDeviceNow, resolveArg, standardChecks, toTensor } from './util.js';

/** The ResidualBlock of nn.json's `definition`: conv3x3-bn-relu-conv3x3-bn, plus the input, then relu. */
class ResidualBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  constructor(channels: number) {
    super();
    this.conv1 = new nn.Conv2d(channels, channels, 3, { padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(channels);
    this.conv2 = new nn.Conv2d(channels, channels, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(channels);
  }
  forward(x: Tensor): Tensor {
    const out = nn.F.relu(this.bn1.call(this.conv1.call(x)));
    return nn.F.relu(this.bn2.call(this.conv2.call(out)).add(x));
  }
}

/** gen_nn_gaps.py's `Packed`: padPackedSequence(rnn(packPaddedSequence(x, lengths))) → [padded, h_n(, c_n)]. */
class Packed extends nn.Module {
  rnn: nn.RNN | nn.LSTM | nn.GRU;
  constructor(
    kind: string,
    inputSize: number,
    hiddenSize: number,
    private readonly opts: { batchFirst?: boolean; enforceSorted?: boolean } & Record<string, unknown>,
  ) {
    super();
    const { enforceSorted: _e, ...rnnOpts } = opts;
    this.rnn =
      kind === 'LSTM'
        ? new nn.LSTM(inputSize, hiddenSize, rnnOpts)
        : kind === 'GRU'
          ? new nn.GRU(inputSize, hiddenSize, rnnOpts)
          : new nn.RNN(inputSize, hiddenSize, rnnOpts);
  }
  forward(x: Tensor, lengths: Tensor): Tensor[] {
    const packed = nn.packPaddedSequence(x, lengths, {
      batchFirst: this.opts.batchFirst ?? false,
      enforceSorted: this.opts.enforceSorted ?? false,
    });
    const [out, h] = this.rnn.callPacked(packed);
    const [padded] = nn.padPackedSequence(out, { batchFirst: this.opts.batchFirst ?? false });
    return [padded, ...(Array.isArray(h) ? h : [h])];
  }
}

type Builder = (args: unknown[], kwargs: Record<string, unknown>) => nn.Module;

const builders: Record<string, Builder> = {
  'torch.nn.Linear': (a, k) => new nn.Linear(a[0] as number, a[1] as number, k),
  'torch.nn.Conv2d': (a, k) => new nn.Conv2d(a[0] as number, a[1] as number, a[2] as number, k),
  'torch.nn.BatchNorm1d': (a, k) => new nn.BatchNorm1d(a[0] as number, k),
  'torch.nn.BatchNorm2d': (a, k) => new nn.BatchNorm2d(a[0] as number, k),
  'torch.nn.LayerNorm': (a, k) => new nn.LayerNorm(a[0] as number[], k),
  'torch.nn.Embedding': (a, k) => new nn.Embedding(a[0] as number, a[1] as number, k),
  'torch.nn.RNN': (a, k) => new nn.RNN(a[0] as number, a[1] as number, k),
  'torch.nn.LSTM': (a, k) => new nn.LSTM(a[0] as number, a[1] as number, k),
  'torch.nn.GRU': (a, k) => new nn.GRU(a[0] as number, a[1] as number, k),
  'torch.nn.MultiheadAttention': (a, k) => new nn.MultiheadAttention(a[0] as number, a[1] as number, k),
  ResidualBlock: (a) => new ResidualBlock(a[0] as number),
  // modules exercised by test/nn/fixtures/nn-extra.json (scripts/reference/gen_nn_extra.py)
  'torch.nn.Conv1d': (a, k) => new nn.Conv1d(a[0] as number, a[1] as number, a[2] as number, k),
  'torch.nn.ConvTranspose2d': (a, k) => new nn.ConvTranspose2d(a[0] as number, a[1] as number, a[2] as number, k),
  'torch.nn.MaxPool2d': (a, k) => new nn.MaxPool2d(a[0] as number, k),
  'torch.nn.AvgPool2d': (a, k) => new nn.AvgPool2d(a[0] as number, k),
  'torch.nn.AdaptiveAvgPool2d': (a) => new nn.AdaptiveAvgPool2d(a[0] as [number, number]),
  'torch.nn.Upsample': (_a, k) => new nn.Upsample(k),
  'torch.nn.GroupNorm': (a, k) => new nn.GroupNorm(a[0] as number, a[1] as number, k),
  'torch.nn.RNNCell': (a, k) => new nn.RNNCell(a[0] as number, a[1] as number, k),
  'torch.nn.LSTMCell': (a, k) => new nn.LSTMCell(a[0] as number, a[1] as number, k),
  'torch.nn.GRUCell': (a, k) => new nn.GRUCell(a[0] as number, a[1] as number, k),
  'torch.nn.TransformerEncoderLayer': (a, k) => new nn.TransformerEncoderLayer(a[0] as number, a[1] as number, k),
  TransformerEncoder: (a) => {
    const [d, heads, layers, ff, p] = a as number[];
    return new nn.TransformerEncoder(() => new nn.TransformerEncoderLayer(d!, heads!, { dimFeedforward: ff!, dropout: p! }), layers!, {
      norm: new nn.LayerNorm(d!),
    });
  },
  'torch.nn.GELU': (_a, k) => new nn.GELU(k),
  'torch.nn.Softplus': (_a, k) => new nn.Softplus({ beta: k.beta as number | undefined, threshold: k.threshold as number | undefined }),
  'torch.nn.ELU': (_a, k) => new nn.ELU({ alpha: k.alpha as number | undefined }),
  'torch.nn.LeakyReLU': (_a, k) => new nn.LeakyReLU({ negativeSlope: k.negativeSlope as number | undefined }),
  'torch.nn.SiLU': () => new nn.SiLU(),
  'torch.nn.Sigmoid': () => new nn.Sigmoid(),
  'torch.nn.Tanh': () => new nn.Tanh(),
  'torch.nn.ReLU': () => new nn.ReLU(),
  'torch.nn.Softmax': (_a, k) => new nn.Softmax(k.dim as number),
  'torch.nn.LogSoftmax': (_a, k) => new nn.LogSoftmax(k.dim as number),
  'torch.nn.Flatten': (a) => new nn.Flatten(a[0] as number | undefined, a[1] as number | undefined),
  'torch.nn.Unflatten': (a) => new nn.Unflatten(a[0] as number, a[1] as number[]),
  // test/nn/fixtures/nn-gaps.json (scripts/reference/gen_nn_gaps.py)
  Packed: (a, k) => new Packed(a[0] as string, a[1] as number, a[2] as number, k),
};

function flatten(out: unknown): Tensor[] {
  if (Array.isArray(out)) return out.flatMap(flatten);
  if (out === null || out === undefined) return [];
  return [out as Tensor];
}

function runModuleCase(build: Builder): CaseRunner {
  return (c: RefCase): Comparison[] => {
    const module = build(c.args, camelKwargs(c.kwargs));
    if (c.dtype === 'float64') module.double();
    const keys = c.state_dict_keys as string[];
    const sd: Record<string, Tensor> = {};
    for (const k of keys) sd[k] = toTensor(c.inputs[k]!, { cpu: true });
    module.loadStateDict(sd);
    if (refDeviceNow() === 'webgpu') module.to('webgpu');
    module.train(c.mode === 'train');
    const paramNames = new Set(c.parameters as string[]);
    // forward inputs: everything in `inputs` that is not state
    const fwd: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(c.inputs))
      if (!keys.includes(k)) fwd[k] = toTensor(v, { requiresGrad: k in c.grads && v.dtype !== 'int64' });
    const args = (c.forward_args as unknown[]).map((a) => resolveArg(a, fwd));
    const fk = c.forward_kwargs as Record<string, unknown>;
    if (Object.keys(fk).length) args.push(Object.fromEntries(Object.entries(camelKwargs(fk)).map(([k, v]) => [k, resolveArg(v, fwd)])));
    const outs = flatten(module.call(...(args as never[])));
    const named: Record<string, Tensor> = { ...fwd };
    for (const name of paramNames) named[name] = module.getParameter(name);
    const checks = standardChecks(c, named, outs);
    for (const [k, v] of Object.entries(c.state_after ?? {}))
      checks.push({ label: `state_after[${k}]`, actual: module.getBuffer(k), expected: v as RefTensor });
    return checks;
  };
}

export const registry: Registry = Object.fromEntries(Object.entries(builders).map(([fn, b]) => [fn, runModuleCase(b)]));
