/** float64 finite-difference gradcheck of every layer's forward w.r.t. its inputs and its parameters. */
import { describe, expect, it } from 'vitest';
import { Rng, nn, randn, tensor, type Tensor } from '../../src/index.js';
import { moduleGradcheck } from './helpers.js';

const rng = new Rng(7);
const x64 = (...shape: number[]) => randn(shape, { dtype: 'float64', rng }).requiresGrad_(true);

describe('gradcheck (float64) over layers, inputs and parameters', () => {
  it('Linear (with and without bias, batched 3-D input)', () => {
    const m = new nn.Linear(3, 2, { rng }).double();
    expect(moduleGradcheck(m, [x64(2, 2, 3)], (x) => m.call(x))).toBe(true);
    const nb = new nn.Linear(3, 2, { bias: false, rng }).double();
    expect(moduleGradcheck(nb, [x64(4, 3)], (x) => nb.call(x))).toBe(true);
  });

  it('Conv1d (stride 2, padding 1)', () => {
    const m = new nn.Conv1d(2, 3, 3, { stride: 2, padding: 1, rng }).double();
    expect(moduleGradcheck(m, [x64(2, 2, 6)], (x) => m.call(x))).toBe(true);
  });

  it('Conv2d (padding, groups, dilation)', () => {
    const m = new nn.Conv2d(2, 2, 3, { padding: 1, rng }).double();
    expect(moduleGradcheck(m, [x64(1, 2, 4, 4)], (x) => m.call(x))).toBe(true);
    const g = new nn.Conv2d(4, 2, 2, { groups: 2, dilation: 2, stride: 1, rng }).double();
    expect(moduleGradcheck(g, [x64(1, 4, 5, 5)], (x) => g.call(x))).toBe(true);
  });

  it('ConvTranspose2d (stride 2, outputPadding 1)', () => {
    const m = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1, outputPadding: 1, rng }).double();
    expect(moduleGradcheck(m, [x64(1, 2, 3, 3)], (x) => m.call(x))).toBe(true);
  });

  it('pooling and upsampling (no parameters)', () => {
    const x = x64(1, 2, 5, 5);
    for (const m of [
      new nn.MaxPool2d(2, { stride: 1 }),
      new nn.AvgPool2d(3, { stride: 2, padding: 1 }),
      new nn.AdaptiveAvgPool2d([2, 3]),
      new nn.Upsample({ scaleFactor: 2 }),
    ])
      expect(moduleGradcheck(m, [x], (v) => m.call(v))).toBe(true);
  });

  it('BatchNorm1d / BatchNorm2d in train and eval mode', () => {
    const b1 = new nn.BatchNorm1d(3).double();
    expect(moduleGradcheck(b1, [x64(5, 3)], (x) => b1.call(x))).toBe(true);
    const b2 = new nn.BatchNorm2d(2).double();
    expect(moduleGradcheck(b2, [x64(2, 2, 3, 3)], (x) => b2.call(x))).toBe(true);
    b2.eval();
    expect(moduleGradcheck(b2, [x64(2, 2, 3, 3)], (x) => b2.call(x))).toBe(true);
  });

  it('LayerNorm over one and two trailing dims', () => {
    const m = new nn.LayerNorm(4).double();
    expect(moduleGradcheck(m, [x64(3, 4)], (x) => m.call(x))).toBe(true);
    const m2 = new nn.LayerNorm([2, 3]).double();
    expect(moduleGradcheck(m2, [x64(2, 2, 3)], (x) => m2.call(x))).toBe(true);
  });

  it('GroupNorm', () => {
    const m = new nn.GroupNorm(2, 4).double();
    expect(moduleGradcheck(m, [x64(2, 4, 3)], (x) => m.call(x))).toBe(true);
  });

  it('Embedding (parameter gradient; the padding row gets none, as in PyTorch)', () => {
    const idx = tensor(new Int32Array([1, 0, 4, 1]), { shape: [2, 2] });
    const e = new nn.Embedding(5, 3, { rng }).double();
    expect(moduleGradcheck(e, [], () => e.call(idx))).toBe(true);
    const m = new nn.Embedding(5, 3, { paddingIdx: 0, rng }).double();
    m.call(idx).mul(3).sum().backward();
    expect(Array.from(m.weight.grad!.select(0, 1).dataSync())).toEqual([6, 6, 6]);
    expect(Array.from(m.weight.grad!.select(0, 0).dataSync())).toEqual([0, 0, 0]);
  });

  it('activation modules', () => {
    const x = x64(2, 5);
    for (const m of [
      new nn.ReLU(),
      new nn.LeakyReLU({ negativeSlope: 0.2 }),
      new nn.ELU({ alpha: 0.7 }),
      new nn.GELU(),
      new nn.GELU({ approximate: 'tanh' }),
      new nn.SiLU(),
      new nn.Sigmoid(),
      new nn.Tanh(),
      new nn.Softplus({ beta: 2, threshold: 20 }),
      new nn.Softmax(1),
      new nn.LogSoftmax(-1),
      new nn.Flatten(0),
      new nn.Unflatten(1, [5, 1]),
      new nn.Identity(),
    ])
      expect(moduleGradcheck(m, [x], (v) => m.call(v))).toBe(true);
  });

  it('RNN (tanh and relu, 2 layers, bidirectional, with h0)', () => {
    const m = new nn.RNN(2, 3, { numLayers: 2, bidirectional: true, rng }).double();
    expect(moduleGradcheck(m, [x64(3, 2, 2), x64(4, 2, 3)], (x, h) => m.call(x, h))).toBe(true);
    const r = new nn.RNN(2, 2, { nonlinearity: 'relu', batchFirst: true, rng }).double();
    expect(moduleGradcheck(r, [x64(2, 3, 2)], (x) => r.call(x))).toBe(true);
  });

  it('LSTM (batchFirst, bidirectional, with [h0, c0])', () => {
    const m = new nn.LSTM(2, 2, { batchFirst: true, bidirectional: true, rng }).double();
    expect(
      moduleGradcheck(m, [x64(2, 3, 2), x64(2, 2, 2), x64(2, 2, 2)], (x, h, c) => {
        const [out, [hn, cn]] = m.call(x, [h, c]);
        return [out, hn, cn];
      }),
    ).toBe(true);
  });

  it('GRU (2 layers, unbatched input)', () => {
    const m = new nn.GRU(2, 2, { numLayers: 2, rng }).double();
    expect(moduleGradcheck(m, [x64(3, 2)], (x) => m.call(x))).toBe(true);
  });

  it('RNNCell, LSTMCell, GRUCell', () => {
    const r = new nn.RNNCell(2, 3, { rng }).double();
    expect(moduleGradcheck(r, [x64(2, 2), x64(2, 3)], (x, h) => r.call(x, h))).toBe(true);
    const l = new nn.LSTMCell(2, 2, { rng }).double();
    expect(moduleGradcheck(l, [x64(2, 2), x64(2, 2), x64(2, 2)], (x, h, c) => l.call(x, [h, c]))).toBe(true);
    const g = new nn.GRUCell(2, 2, { rng }).double();
    expect(moduleGradcheck(g, [x64(2, 2)], (x) => g.call(x))).toBe(true);
  });

  it('MultiheadAttention (cross attention with key padding and attention masks, per-head weights)', () => {
    const m = new nn.MultiheadAttention(4, 2, { batchFirst: true, rng }).double();
    const kpm = tensor([
      [false, false, true],
      [false, false, false],
    ]);
    const am = tensor([
      [false, true, false],
      [false, false, false],
    ]);
    expect(
      moduleGradcheck(m, [x64(2, 2, 4), x64(2, 3, 4), x64(2, 3, 4)], (q, k, v) => {
        const [out, w] = m.call(q, k, v, { keyPaddingMask: kpm, attnMask: am, averageAttnWeights: false });
        return [out, w!];
      }),
    ).toBe(true);
  });

  it('MultiheadAttention with key/value dims other than E (separate q/k/v weights)', () => {
    const m = new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 2, rng }).double();
    expect(Object.keys(m.stateDict())).toEqual([
      'q_proj_weight',
      'k_proj_weight',
      'v_proj_weight',
      'in_proj_bias',
      'out_proj.weight',
      'out_proj.bias',
    ]);
    expect(moduleGradcheck(m, [x64(2, 1, 4), x64(3, 1, 3), x64(3, 1, 2)], (q, k, v) => m.call(q, k, v)[0])).toBe(true);
    expect(() => m.call(x64(2, 1, 4), x64(3, 1, 4), x64(3, 1, 2))).toThrow(/expected key \[S, N, kdim\] with kdim = 3/);
  });

  it('TransformerEncoderLayer (post-norm relu and pre-norm gelu), eval mode', () => {
    for (const opts of [{}, { normFirst: true, activation: 'gelu' as const }]) {
      const m = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, rng, ...opts }).double().eval();
      expect(moduleGradcheck(m, [x64(3, 1, 4)], (x) => m.call(x, { isCausal: true }))).toBe(true);
    }
  });

  it('non-contiguous (transposed / sliced) inputs', () => {
    const lin = new nn.Linear(3, 2, { rng }).double();
    expect(moduleGradcheck(lin, [x64(3, 4)], (x) => lin.call(x.t()))).toBe(true);
    const conv = new nn.Conv2d(2, 2, 2, { rng }).double();
    expect(moduleGradcheck(conv, [x64(1, 4, 4, 2)], (x) => conv.call(x.permute(0, 3, 1, 2)))).toBe(true);
    const gru = new nn.GRU(2, 2, { rng }).double();
    expect(moduleGradcheck(gru, [x64(2, 3, 4)], (x) => gru.call(x.slice(2, 0, null, 2).transpose(0, 1)))).toBe(true);
    const ln = new nn.LayerNorm(3).double();
    expect(moduleGradcheck(ln, [x64(3, 2)], (x) => ln.call(x.t()))).toBe(true);
  });

  it('a Sequential model end to end', () => {
    const m = new nn.Sequential(
      new nn.Conv2d(1, 2, 3, { rng }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(2, 2, { rng }),
    ).double();
    const x: Tensor = x64(2, 1, 4, 4);
    expect(moduleGradcheck(m, [x], (v) => m.call(v))).toBe(true);
  });
});
