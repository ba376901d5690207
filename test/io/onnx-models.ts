/**
 * The model zoo exported in the ONNX tests (and by scripts/interop for onnx.checker): every exported
 * layer type, MLPs, CNNs, a ResNet block, residual/concat/gating glue. Seeded, deterministic.
 */
import { nn, randn, randint, Rng, Tensor, cat, noGrad } from '../../src/index.js';

export interface ZooEntry {
  name: string;
  build: (rng: Rng) => nn.Module;
  /** Example input for a batch of n. */
  input: (n: number, rng: Rng) => Tensor | Tensor[];
  opset?: number;
  dynamicBatch?: boolean;
}

/** Give BatchNorm layers non-trivial running statistics and affine parameters. */
function randomizeNorms(m: nn.Module, rng: Rng): nn.Module {
  noGrad(() => {
    for (const [k, b] of m.namedBuffers()) {
      if (k.endsWith('running_mean')) b.copy_(randn(b.shape as number[], { rng }).mul(0.5));
      if (k.endsWith('running_var'))
        b.copy_(
          randn(b.shape as number[], { rng })
            .abs()
            .add(0.5),
        );
    }
    for (const [k, p] of m.namedParameters())
      if (/(^|\.)(bn\d*|norm|ln)\b/.test(k) || k.includes('bn'))
        p.copy_(
          randn(p.shape as number[], { rng })
            .mul(0.3)
            .add(k.endsWith('weight') ? 1 : 0),
        );
  });
  return m;
}

class ResBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  relu = new nn.ReLU();
  constructor(c: number, rng: Rng) {
    super();
    this.conv1 = new nn.Conv2d(c, c, 3, { padding: 1, bias: false, rng });
    this.bn1 = new nn.BatchNorm2d(c);
    this.conv2 = new nn.Conv2d(c, c, 3, { padding: 1, bias: false, rng });
    this.bn2 = new nn.BatchNorm2d(c);
  }
  forward(x: Tensor): Tensor {
    const y = this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
    return this.relu.call(y.add(x));
  }
}

class TwoBranch extends nn.Module {
  a: nn.Linear;
  b: nn.Linear;
  head: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.a = new nn.Linear(6, 4, { rng });
    this.b = new nn.Linear(6, 3, { rng });
    this.head = new nn.Linear(7, 2, { rng });
  }
  forward(x: Tensor): Tensor {
    return this.head.call(cat([this.a.call(x).tanh(), this.b.call(x).relu()], 1));
  }
}

class Gated extends nn.Module {
  v: nn.Linear;
  gate: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.v = new nn.Linear(5, 5, { rng });
    this.gate = new nn.Linear(5, 5, { rng });
  }
  forward(x: Tensor): Tensor {
    return this.v.call(x).mul(this.gate.call(x).sigmoid()).add(x.mul(0.5)).sub(1).div(2);
  }
}

class ReshapeGlue extends nn.Module {
  fc: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.fc = new nn.Linear(6, 2, { rng });
  }
  forward(x: Tensor): Tensor {
    // [N, 12] → [N, 2, 6] → [N, 6, 2] → mean over the last dim → Linear
    const y = x.reshape(x.shape[0]!, 2, 6).permute(0, 2, 1).contiguous();
    return this.fc.call(y.mean(2)).softmax(-1);
  }
}

class TinyAttention extends nn.Module {
  q: nn.Linear;
  k: nn.Linear;
  v: nn.Linear;
  ln: nn.LayerNorm;
  constructor(rng: Rng) {
    super();
    this.q = new nn.Linear(8, 8, { rng });
    this.k = new nn.Linear(8, 8, { rng });
    this.v = new nn.Linear(8, 8, { rng });
    this.ln = new nn.LayerNorm(8);
  }
  forward(x: Tensor): Tensor {
    // x: [N, T, 8]; Linear on 3-D input → MatMul + Add
    const att = this.q.call(x).matmul(this.k.call(x).transpose(1, 2)).div(Math.sqrt(8)).softmax(-1);
    return this.ln.call(att.matmul(this.v.call(x)).add(x));
  }
}

class EmbedBag extends nn.Module {
  emb: nn.Embedding;
  fc: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.emb = new nn.Embedding(20, 6, { rng });
    this.fc = new nn.Linear(6, 3, { rng });
  }
  forward(ids: Tensor): Tensor {
    return this.fc.call(this.emb.call(ids).mean(1));
  }
}

class LastStepLSTM extends nn.Module {
  lstm: nn.LSTM;
  fc: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.lstm = new nn.LSTM(3, 5, { batchFirst: true, rng });
    this.fc = new nn.Linear(5, 2, { rng });
  }
  forward(x: Tensor): Tensor {
    const [out] = this.lstm.call(x);
    return this.fc.call(out.select(1, -1));
  }
}

class LastStepGRU extends nn.Module {
  gru: nn.GRU;
  constructor(rng: Rng) {
    super();
    this.gru = new nn.GRU(3, 4, { numLayers: 2, bidirectional: true, rng });
  }
  forward(x: Tensor): Tensor {
    // x: [T, N, 3] (sequence first); returns the final hidden states [4, N, 4] as [N, 16]
    return this.gru.call(x)[1].permute(1, 0, 2).reshape(x.shape[1]!, -1);
  }
}

class ReluRNN extends nn.Module {
  rnn: nn.RNN;
  constructor(rng: Rng) {
    super();
    this.rnn = new nn.RNN(3, 6, { nonlinearity: 'relu', batchFirst: true, rng });
  }
  forward(x: Tensor): Tensor {
    return this.rnn.call(x)[0];
  }
}

class LSTMWithState extends nn.Module {
  lstm: nn.LSTM;
  constructor(rng: Rng) {
    super();
    this.lstm = new nn.LSTM(3, 4, { batchFirst: true, rng });
  }
  forward(x: Tensor, h0: Tensor, c0: Tensor): Tensor {
    const [out, [h, c]] = this.lstm.call(x, [h0, c0]);
    return out.sum(1).add(h.squeeze(0)).add(c.squeeze(0));
  }
}

class TwoInputs extends nn.Module {
  fa: nn.Linear;
  fb: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.fa = new nn.Linear(3, 4, { rng });
    this.fb = new nn.Linear(2, 4, { rng });
  }
  forward(a: Tensor, b: Tensor): Tensor {
    return this.fa.call(a).add(this.fb.call(b)).relu();
  }
}

/** A module whose forward is `fn` (hand-written glue exercising primitive-level export). */
function fnModule(fn: (x: Tensor) => Tensor): nn.Module {
  return new (class Glue extends nn.Module {
    forward(x: Tensor): Tensor {
      return fn(x);
    }
  })();
}

const vec = (f: number) => (n: number, rng: Rng) => randn([n, f], { rng });
const img =
  (c: number, h: number, w = h) =>
  (n: number, rng: Rng) =>
    randn([n, c, h, w], { rng });

export const ZOO: ZooEntry[] = [
  {
    name: 'mlp-relu',
    build: (rng) => new nn.Sequential(new nn.Linear(4, 16, { rng }), new nn.ReLU(), new nn.Linear(16, 3, { rng })),
    input: vec(4),
  },
  {
    name: 'mlp-sigmoid-tanh',
    build: (rng) =>
      new nn.Sequential(
        new nn.Linear(5, 8, { rng }),
        new nn.Sigmoid(),
        new nn.Linear(8, 8, { rng }),
        new nn.Tanh(),
        new nn.Linear(8, 2, { rng }),
      ),
    input: vec(5),
  },
  {
    name: 'mlp-leaky-elu',
    build: (rng) =>
      new nn.Sequential(
        new nn.Linear(4, 8, { rng }),
        new nn.LeakyReLU({ negativeSlope: 0.2 }),
        new nn.Linear(8, 8, { rng }),
        new nn.ELU({ alpha: 0.7 }),
        new nn.Linear(8, 2, { rng }),
      ),
    input: vec(4),
  },
  {
    name: 'mlp-softplus',
    build: (rng) =>
      new nn.Sequential(
        new nn.Linear(4, 8, { rng }),
        new nn.Softplus(),
        new nn.Linear(8, 8, { rng }),
        new nn.Softplus({ beta: 2 }),
        new nn.Linear(8, 2, { rng }),
      ),
    input: vec(4),
  },
  {
    name: 'mlp-gelu-erf-opset17',
    build: (rng) => new nn.Sequential(new nn.Linear(4, 8, { rng }), new nn.GELU(), new nn.Linear(8, 2, { rng })),
    input: vec(4),
    opset: 17,
  },
  {
    name: 'mlp-gelu-native-opset20',
    build: (rng) => new nn.Sequential(new nn.Linear(4, 8, { rng }), new nn.GELU(), new nn.Linear(8, 2, { rng })),
    input: vec(4),
    opset: 20,
  },
  {
    name: 'mlp-gelu-tanh',
    build: (rng) => new nn.Sequential(new nn.Linear(4, 8, { rng }), new nn.GELU({ approximate: 'tanh' }), new nn.Linear(8, 2, { rng })),
    input: vec(4),
  },
  {
    name: 'mlp-silu',
    build: (rng) => new nn.Sequential(new nn.Linear(4, 8, { rng }), new nn.SiLU(), new nn.Linear(8, 2, { rng })),
    input: vec(4),
  },
  {
    name: 'classifier-softmax',
    build: (rng) => new nn.Sequential(new nn.Linear(6, 10, { rng }), new nn.ReLU(), new nn.Linear(10, 4, { rng }), new nn.Softmax(1)),
    input: vec(6),
  },
  {
    name: 'classifier-logsoftmax-dropout',
    build: (rng) =>
      new nn.Sequential(
        new nn.Linear(6, 10, { rng }),
        new nn.ReLU(),
        new nn.Dropout(0.3),
        new nn.Linear(10, 4, { rng }),
        new nn.LogSoftmax(-1),
      ),
    input: vec(6),
  },
  {
    name: 'mlp-batchnorm1d',
    build: (rng) =>
      randomizeNorms(
        new nn.Sequential(new nn.Linear(4, 8, { rng }), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 2, { rng })),
        rng,
      ),
    input: vec(4),
  },
  {
    name: 'mlp-layernorm-opset17',
    build: (rng) => randomizeNorms(new nn.Sequential(new nn.Linear(4, 8, { rng }), new nn.LayerNorm(8), new nn.Linear(8, 2, { rng })), rng),
    input: vec(4),
  },
  {
    name: 'mlp-layernorm-opset13-decomposed',
    build: (rng) => randomizeNorms(new nn.Sequential(new nn.Linear(4, 8, { rng }), new nn.LayerNorm(8), new nn.Linear(8, 2, { rng })), rng),
    input: vec(4),
    opset: 13,
  },
  {
    name: 'cnn-conv-maxpool-flatten',
    build: (rng) =>
      new nn.Sequential(
        new nn.Conv2d(1, 4, 3, { rng }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(4 * 3 * 3, 5, { rng }),
      ),
    input: img(1, 8),
  },
  {
    name: 'cnn-strided-dilated-grouped',
    build: (rng) =>
      new nn.Sequential(
        new nn.Conv2d(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2, rng }),
        new nn.Tanh(),
        new nn.Conv2d(6, 3, [1, 3], { padding: [0, 1], rng }),
      ),
    input: img(4, 9),
  },
  {
    name: 'cnn-avgpool-ceil-maxpool',
    build: () =>
      new nn.Sequential(
        new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }),
        new nn.MaxPool2d(2, { stride: 2, ceilMode: true }),
      ),
    input: img(2, 9),
  },
  {
    name: 'cnn-global-avgpool',
    build: (rng) =>
      new nn.Sequential(
        new nn.Conv2d(3, 5, 3, { padding: 'same', rng }),
        new nn.AdaptiveAvgPool2d(1),
        new nn.Flatten(),
        new nn.Linear(5, 2, { rng }),
      ),
    input: img(3, 6),
  },
  {
    name: 'cnn-adaptive-avgpool-2x2',
    build: (rng) => new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1, rng }), new nn.AdaptiveAvgPool2d(2), new nn.Flatten()),
    input: img(2, 6),
  },
  {
    name: 'cnn-batchnorm2d',
    build: (rng) =>
      randomizeNorms(
        new nn.Sequential(new nn.Conv2d(3, 4, 3, { rng }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Conv2d(4, 2, 1, { rng })),
        rng,
      ),
    input: img(3, 7),
  },
  { name: 'resnet-block', build: (rng) => randomizeNorms(new ResBlock(4, rng), rng), input: img(4, 6) },
  {
    name: 'conv-transpose',
    build: (rng) => new nn.Sequential(new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1, rng }), new nn.Sigmoid()),
    input: img(3, 4),
  },
  {
    name: 'conv1d',
    build: (rng) =>
      new nn.Sequential(
        new nn.Conv1d(3, 4, 3, { padding: 1, stride: 2, rng }),
        new nn.ReLU(),
        new nn.Flatten(),
        new nn.Linear(4 * 5, 2, { rng }),
      ),
    input: (n, rng) => randn([n, 3, 10], { rng }),
  },
  { name: 'concat-branches', build: (rng) => new TwoBranch(rng), input: vec(6) },
  { name: 'gated-residual-mul', build: (rng) => new Gated(rng), input: vec(5) },
  { name: 'reshape-permute-mean', build: (rng) => new ReshapeGlue(rng), input: vec(12) },
  {
    name: 'attention-matmul-layernorm',
    build: (rng) => randomizeNorms(new TinyAttention(rng), rng),
    input: (n, rng) => randn([n, 4, 8], { rng }),
  },
  { name: 'embedding-gather', build: (rng) => new EmbedBag(rng), input: (n, rng) => randint(0, 20, [n, 5], { rng }) },
  {
    name: 'upsample-nearest',
    build: (rng) => new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1, rng }), new nn.Upsample({ scaleFactor: 2 })),
    input: img(2, 4),
  },
  {
    name: 'groupnorm',
    build: (rng) => randomizeNorms(new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1, rng }), new nn.GroupNorm(2, 4)), rng),
    input: img(2, 4),
  },
  {
    name: 'transformer-encoder-layer',
    build: (rng) => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, rng }),
    input: (n, rng) => randn([n, 5, 8], { rng }),
  },
  {
    name: 'glue-elementwise',
    build: () => fnModule((x) => x.clamp(-0.5, 0.5).pow(2).add(x.abs().exp().log1p()).sqrt().sum(1).neg()),
    input: vec(6),
  },
  { name: 'glue-reductions', build: () => fnModule((x) => x.max(1).values.add(x.var(1)).add(x.std(1)).add(x.logsumexp(1))), input: vec(6) },
  {
    name: 'glue-pad-slice-chunk',
    build: () =>
      fnModule((x) => {
        const p = x.pad([1, 2]);
        return p
          .slice(1, 1, 5)
          .add(p.narrow(1, 0, 4))
          .mul(p.chunk(2, 1)[0]!.sum(1, true));
      }),
    input: vec(4),
  },
  { name: 'glue-where-compare', build: () => fnModule((x) => x.gt(0).ifElse(x, x.mul(0.1)).maskedFill(x.lt(-1), 0)), input: vec(5) },
  {
    name: 'unflatten-partial-flatten',
    build: () => new nn.Sequential(new nn.Unflatten(1, [2, 3]), new nn.Flatten(1, 2), new nn.Identity()),
    input: (n, rng) => randn([n, 6, 4], { rng }),
  },
  { name: 'two-inputs', build: (rng) => new TwoInputs(rng), input: (n, rng) => [randn([n, 3], { rng }), randn([n, 2], { rng })] },
  { name: 'lstm-batch-first', build: (rng) => new LastStepLSTM(rng), input: (n, rng) => randn([n, 4, 3], { rng }) },
  {
    name: 'gru-2-layer-bidirectional-seq-first',
    build: (rng) => new LastStepGRU(rng),
    input: (n, rng) => randn([4, n, 3], { rng }),
    dynamicBatch: false,
  },
  { name: 'rnn-relu', build: (rng) => new ReluRNN(rng), input: (n, rng) => randn([n, 5, 3], { rng }) },
  {
    name: 'lstm-with-initial-state',
    build: (rng) => new LSTMWithState(rng),
    input: (n, rng) => [randn([n, 4, 3], { rng }), randn([1, n, 4], { rng }), randn([1, n, 4], { rng })],
    dynamicBatch: false,
  },
];
