/**
 * Layer semantics not pinned by nn.json: bidirectional and stacked recurrent layers, layouts, cells,
 * attention masks, the Transformer block's wiring, conv variants and pooling values.
 */
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/core/errors.js';
import { Rng, Tensor, cat, nn, noGrad, randn, stack, tensor } from '../../src/index.js';

const rng = new Rng(21);
const rn = (...shape: number[]) => randn(shape, { rng, dtype: 'float64' });

function expectAllClose(a: Tensor, b: Tensor, tol = 1e-10): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(tol + tol * Math.abs(y[i]!));
}

/** Copy the named parameters of `src` (optionally renamed) into `dst`. */
function copyParams(dst: nn.Module, src: nn.Module, rename: (k: string) => string | null): void {
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(src.stateDict())) {
    const n = rename(k);
    if (n !== null) sd[n] = v;
  }
  dst.loadStateDict(sd);
}

const flip = (t: Tensor, dim: number) =>
  t.indexSelect(dim, tensor(Int32Array.from({ length: t.shape[dim]! }, (_, i) => t.shape[dim]! - 1 - i)));

describe('recurrent layers', () => {
  it('bidirectional LSTM = forward LSTM ⊕ time-reversed LSTM with the _reverse weights', () => {
    const bi = new nn.LSTM(3, 4, { bidirectional: true, batchFirst: true, rng }).double();
    const fwd = new nn.LSTM(3, 4, { batchFirst: true, rng }).double();
    const bwd = new nn.LSTM(3, 4, { batchFirst: true, rng }).double();
    copyParams(fwd, bi, (k) => (k.endsWith('_reverse') ? null : k));
    copyParams(bwd, bi, (k) => (k.endsWith('_reverse') ? k.replace('_reverse', '') : null));
    const x = rn(2, 5, 3);
    const [out, [h, c]] = bi.call(x);
    const [of, [hf, cf]] = fwd.call(x);
    const [ob, [hb, cb]] = bwd.call(flip(x, 1));
    expect(out.shape).toEqual([2, 5, 8]);
    expectAllClose(out, cat([of, flip(ob, 1)], 2));
    expectAllClose(h, cat([hf, hb], 0));
    expectAllClose(c, cat([cf, cb], 0));
  });

  it('a 2-layer GRU = two stacked 1-layer GRUs; seq-first and batchFirst agree; unbatched = batch of one', () => {
    const deep = new nn.GRU(3, 4, { numLayers: 2, rng }).double();
    const l0 = new nn.GRU(3, 4, { rng }).double();
    const l1 = new nn.GRU(4, 4, { rng }).double();
    copyParams(l0, deep, (k) => (k.endsWith('_l0') ? k : null));
    copyParams(l1, deep, (k) => (k.endsWith('_l1') ? k.replace('_l1', '_l0') : null));
    const x = rn(5, 2, 3);
    const h0 = rn(2, 2, 4);
    const [out, hn] = deep.call(x, h0);
    const [y0, h0n] = l0.call(x, h0.narrow(0, 0, 1));
    const [y1, h1n] = l1.call(y0, h0.narrow(0, 1, 1));
    expectAllClose(out, y1);
    expectAllClose(hn, cat([h0n, h1n], 0));
    const bf = new nn.GRU(3, 4, { numLayers: 2, batchFirst: true, rng }).double();
    copyParams(bf, deep, (k) => k);
    const [outBf, hnBf] = bf.call(x.transpose(0, 1), h0);
    expectAllClose(outBf, out.transpose(0, 1));
    expectAllClose(hnBf, hn);
    const [u, uh] = deep.call(x.select(1, 0), h0.select(1, 0));
    expectAllClose(u, out.select(1, 0));
    expectAllClose(uh, hn.select(1, 0));
  });

  it('LSTMCell / GRUCell / RNNCell stepped over time = LSTM / GRU / RNN', () => {
    const x = rn(4, 2, 3);
    const pairs: [nn.Module, nn.Module, 'lstm' | 'gru' | 'rnn'][] = [
      [new nn.LSTM(3, 5, { rng }).double(), new nn.LSTMCell(3, 5, { rng }).double(), 'lstm'],
      [new nn.GRU(3, 5, { rng }).double(), new nn.GRUCell(3, 5, { rng }).double(), 'gru'],
      [new nn.RNN(3, 5, { nonlinearity: 'relu', rng }).double(), new nn.RNNCell(3, 5, { nonlinearity: 'relu', rng }).double(), 'rnn'],
    ];
    for (const [full, cell, kind] of pairs) {
      copyParams(cell, full, (k) => k.replace('_l0', ''));
      const outs: Tensor[] = [];
      let h: Tensor | null = null;
      let c: Tensor | null = null;
      for (let t = 0; t < 4; t++) {
        if (kind === 'lstm') [h, c] = (cell as nn.LSTMCell).call(x.select(0, t), h && c ? [h, c] : null);
        else h = (cell as nn.GRUCell).call(x.select(0, t), h);
        outs.push(h!);
      }
      const res = (full as nn.GRU).call(x) as unknown as [Tensor, unknown];
      expectAllClose(res[0], stack(outs, 0));
    }
  });

  it('an RNN step is tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)', () => {
    const m = new nn.RNN(2, 3, { rng }).double();
    const x = rn(1, 1, 2);
    const h0 = rn(1, 1, 3);
    const w = (k: string) => m.getParameter(k);
    const expected = x
      .select(0, 0)
      .matmul(w('weight_ih_l0').t())
      .add(w('bias_ih_l0'))
      .add(h0.select(0, 0).matmul(w('weight_hh_l0').t()))
      .add(w('bias_hh_l0'))
      .tanh();
    expectAllClose(m.call(x, h0)[1].select(0, 0), expected);
  });

  it('inter-layer dropout acts only in training mode', () => {
    const m = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5, rng }).double();
    m.rng = new Rng(1);
    const x = rn(3, 2, 3);
    const a = m.call(x)[0];
    const b = m.call(x)[0];
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
    m.eval();
    expectAllClose(m.call(x)[0], m.call(x)[0]);
  });
});

describe('MultiheadAttention', () => {
  const E = 6;
  const mha = new nn.MultiheadAttention(E, 3, { batchFirst: true, rng }).double();
  noGrad(() => {
    mha.inProjBias!.normal_(0, 0.1, rng);
    mha.outProj.bias!.normal_(0, 0.1, rng);
  });

  it('key padding: masked keys get zero weight, and the output equals attention without those keys', () => {
    const q = rn(1, 2, E);
    const kv = rn(1, 4, E);
    const kpm = tensor([[false, false, true, true]]);
    const [out, w] = mha.call(q, kv, kv, { keyPaddingMask: kpm });
    expect(w!.shape).toEqual([1, 2, 4]);
    const wd = w!.toArray() as number[][][];
    for (const row of wd[0]!) {
      expect(row[2]).toBe(0);
      expect(row[3]).toBe(0);
      expect(row[0]! + row[1]!).toBeCloseTo(1, 12);
    }
    const [cut] = mha.call(q, kv.narrow(1, 0, 2), kv.narrow(1, 0, 2));
    expectAllClose(out, cut);
  });

  it('causal masking (bool, float −inf, isCausal) agree and zero the upper triangle', () => {
    const x = rn(2, 4, E);
    const bool = tensor([0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => j > i)));
    const float = bool.ifElse(-Infinity, 0).double();
    const [a, wa] = mha.call(x, x, x, { attnMask: bool });
    const [b] = mha.call(x, x, x, { attnMask: float });
    const [c] = mha.call(x, x, x, { isCausal: true });
    expectAllClose(a, b);
    expectAllClose(a, c);
    const w = wa!.toArray() as number[][][];
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) expect(w[1]![i]![j]).toBe(0);
  });

  it('per-head weights average to the returned weights; needWeights false; unbatched; seq-first layout', () => {
    const x = rn(2, 3, E);
    const [o1, avg] = mha.call(x, x, x);
    const [o2, per] = mha.call(x, x, x, { averageAttnWeights: false });
    expect(per!.shape).toEqual([2, 3, 3, 3]);
    expectAllClose(per!.mean(1), avg!);
    expectAllClose(o1, o2);
    expect(mha.call(x, x, x, { needWeights: false })[1]).toBeNull();
    const [u, uw] = mha.call(x.select(0, 1), x.select(0, 1), x.select(0, 1));
    expectAllClose(u, o1.select(0, 1));
    expectAllClose(uw!, avg!.select(0, 1));
    const sf = new nn.MultiheadAttention(E, 3, { rng }).double();
    copyParams(sf, mha, (k) => k);
    expectAllClose(sf.call(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1))[0], o1.transpose(0, 1));
  });

  it('one head = softmax(q kᵀ/√E) v through the projections', () => {
    const m = new nn.MultiheadAttention(4, 1, { batchFirst: true, rng }).double();
    const q = rn(1, 2, 4);
    const k = rn(1, 3, 4);
    const [wq, wk, wv] = m.inProjWeight!.chunk(3, 0) as [Tensor, Tensor, Tensor];
    const attn = nn.F.scaledDotProductAttention(q.matmul(wq.t()), k.matmul(wk.t()), k.matmul(wv.t()));
    const expected = attn.output.matmul(m.outProj.weight.t()).add(m.outProj.bias!);
    const [out, w] = m.call(q, k, k);
    expectAllClose(out, expected);
    expectAllClose(w!, attn.weights);
  });
});

describe('TransformerEncoderLayer', () => {
  it('post-norm (default): x = norm1(x + SA(x)); x = norm2(x + FF(x)); pre-norm with normFirst', () => {
    for (const normFirst of [false, true]) {
      const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, normFirst, activation: 'gelu', rng }).double().eval();
      const x = rn(3, 2, 4);
      const sa = (v: Tensor) => layer.selfAttn.call(v, v, v)[0];
      const ff = (v: Tensor) => layer.linear2.call(layer.linear1.call(v).gelu());
      let e: Tensor;
      if (normFirst) {
        e = x.add(sa(layer.norm1.call(x)));
        e = e.add(ff(layer.norm2.call(e)));
      } else {
        e = layer.norm1.call(x.add(sa(x)));
        e = layer.norm2.call(e.add(ff(e)));
      }
      expectAllClose(layer.call(x), e);
    }
  });

  it('dropout is active in training (seeded, reproducible) and off in eval; batchFirst layout', () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0.5, batchFirst: true, rng }).double();
    const x = rn(2, 3, 4);
    const a = layer.setRng(new Rng(5)).call(x);
    const b = layer.setRng(new Rng(5)).call(x);
    const c = layer.setRng(new Rng(6)).call(x);
    expectAllClose(a, b);
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    layer.eval();
    const seqFirst = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, rng }).double().eval();
    copyParams(seqFirst, layer, (k) => k);
    expectAllClose(layer.call(x), seqFirst.call(x.transpose(0, 1)).transpose(0, 1));
    // key padding: a padded position does not change the others
    const kpm = tensor([
      [false, false, true],
      [false, false, false],
    ]);
    const y = layer.call(x, { srcKeyPaddingMask: kpm });
    const x2 = x.clone();
    noGrad(() => x2.narrow(1, 2, 1).narrow(0, 0, 1).fill_(0));
    const y2 = layer.call(x2.contiguous(), { srcKeyPaddingMask: kpm });
    expectAllClose(y.narrow(1, 0, 2), y2.narrow(1, 0, 2));
  });
});

describe('convolutions and pooling', () => {
  it('Conv1d = Conv2d over a height-1 image', () => {
    const c1 = new nn.Conv1d(2, 3, 3, { stride: 2, padding: 1, dilation: 1, rng }).double();
    const c2 = new nn.Conv2d(2, 3, [1, 3], { stride: [1, 2], padding: [0, 1], rng }).double();
    c2.loadStateDict({ weight: c1.weight.unsqueeze(2), bias: c1.bias! });
    const x = rn(2, 2, 7);
    expectAllClose(c1.call(x), c2.call(x.unsqueeze(2)).squeeze(2));
  });

  it('Conv2d padding "same" keeps the size', () => {
    expect(new nn.Conv2d(2, 3, 5, { padding: 'same' }).call(randn(1, 2, 7, 9)).shape).toEqual([1, 3, 7, 9]);
  });

  it('ConvTranspose2d is the adjoint of Conv2d with the same weight: <conv(x), y> = <x, convT(y)>', () => {
    const W = rn(3, 2, 3, 3); // conv: 2 → 3 channels; transposed: 3 → 2
    const conv = new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1, bias: false }).double();
    const convT = new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1, bias: false }).double();
    conv.loadStateDict({ weight: W });
    convT.loadStateDict({ weight: W });
    const x = rn(1, 2, 6, 6);
    const y = rn(1, 3, 3, 3);
    const cx = conv.call(x);
    expect(cx.shape).toEqual([1, 3, 3, 3]);
    const ty = convT.call(y);
    expect(ty.shape).toEqual([1, 2, 6, 6]);
    expect(cx.mul(y).sum().item()).toBeCloseTo(x.mul(ty).sum().item(), 10);
  });

  it('MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Upsample values', () => {
    const x = tensor([
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [9, 10, 11, 12],
          [13, 14, 15, 16],
        ],
      ],
    ]);
    expect(new nn.MaxPool2d(2).call(x).toArray()).toEqual([
      [
        [
          [6, 8],
          [14, 16],
        ],
      ],
    ]);
    expect(new nn.AvgPool2d(2).call(x).toArray()).toEqual([
      [
        [
          [3.5, 5.5],
          [11.5, 13.5],
        ],
      ],
    ]);
    expect(new nn.AdaptiveAvgPool2d(1).call(x).toArray()).toEqual([[[[8.5]]]]);
    expect(new nn.AdaptiveAvgPool2d([1, 2]).call(x).toArray()).toEqual([[[[7.5, 9.5]]]]);
    expect(new nn.Upsample({ scaleFactor: 2 }).call(tensor([[[[1, 2]]]])).toArray()).toEqual([
      [
        [
          [1, 1, 2, 2],
          [1, 1, 2, 2],
        ],
      ],
    ]);
    expect(new nn.Upsample({ size: [1, 3] }).call(tensor([[[[1, 2]]]])).shape).toEqual([1, 1, 1, 3]);
  });

  it('activation modules compute their functions', () => {
    const x = tensor([-2, 0, 3]);
    expect(new nn.ReLU().call(x).toArray()).toEqual([0, 0, 3]);
    expect(new nn.LeakyReLU({ negativeSlope: 0.5 }).call(x).toArray()).toEqual([-1, 0, 3]);
    expect((new nn.ELU().call(x).toArray() as number[])[0]).toBeCloseTo(Math.exp(-2) - 1, 6);
    expect((new nn.Sigmoid().call(x).toArray() as number[])[2]).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    expect((new nn.SiLU().call(x).toArray() as number[])[2]).toBeCloseTo(3 / (1 + Math.exp(-3)), 5);
    expect((new nn.Softplus().call(x).toArray() as number[])[0]).toBeCloseTo(Math.log1p(Math.exp(-2)), 6);
    const t = (new nn.GELU({ approximate: 'tanh' }).call(x).toArray() as number[])[2]!;
    expect(t).toBeCloseTo(0.5 * 3 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (3 + 0.044715 * 27))), 5);
    expect((new nn.GELU().call(x).toArray() as number[])[2]).toBeCloseTo(2.99595, 4);
    expect(new nn.LogSoftmax(0).call(x).exp().sum().item()).toBeCloseTo(1, 6);
  });
});

describe('TransformerEncoder and ParameterList', () => {
  it('TransformerEncoder stacks layers (keys layers.i.…, norm.…) and applies them in order', () => {
    const enc = new nn.TransformerEncoder(() => new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, rng }), 2, {
      norm: new nn.LayerNorm(4),
    })
      .double()
      .eval();
    const keys = Object.keys(enc.stateDict());
    expect(keys[0]).toBe('layers.0.self_attn.in_proj_weight');
    expect(keys).toContain('layers.1.norm2.bias');
    expect(keys.slice(-2)).toEqual(['norm.weight', 'norm.bias']);
    const x = rn(3, 2, 4);
    const l = (i: number) => enc.layers.at(i) as nn.TransformerEncoderLayer;
    expectAllClose(enc.call(x), enc.norm!.call(l(1).call(l(0).call(x))) as Tensor);
  });

  it('ParameterList registers parameters as 0, 1, …', () => {
    class Mix extends nn.Module {
      ws = new nn.ParameterList([randn(2), new nn.Parameter(randn(3))]);
      forward(x: Tensor) {
        return x.mul(this.ws.at(0).sum());
      }
    }
    const m = new Mix();
    expect(m.namedParameters().map(([k]) => k)).toEqual(['ws.0', 'ws.1']);
    expect(m.ws.at(0)).toBeInstanceOf(nn.Parameter);
    expect([...m.ws]).toHaveLength(2);
    m.call(randn(2)).sum().backward();
    expect(m.ws.at(0).grad).not.toBeNull();
  });
});

describe('GroupNorm', () => {
  it('one group = LayerNorm over [C, H, W]; C groups = per-channel (instance) normalisation', () => {
    const x = rn(2, 4, 3, 3);
    const noAffine = { affine: false };
    expectAllClose(
      new nn.GroupNorm(1, 4, noAffine).double().call(x),
      new nn.LayerNorm([4, 3, 3], { elementwiseAffine: false }).double().call(x),
    );
    const inst = new nn.GroupNorm(4, 4, noAffine).double().call(x);
    const m = x.mean([2, 3], true);
    expectAllClose(inst, x.sub(m).div(x.sub(m).square().mean([2, 3], true).add(1e-5).sqrt()));
    expect(Object.keys(new nn.GroupNorm(2, 4).stateDict())).toEqual(['weight', 'bias']);
    expect(new nn.GroupNorm(2, 4).toString()).toBe('GroupNorm(2, 4, eps=1e-05, affine=True)');
    expect(() => new nn.GroupNorm(3, 4)).toThrow(/divisible/);
    expect(() => new nn.GroupNorm(2, 4).call(rn(2, 6, 3))).toThrow(/expected input \[N, 4, \*\]/);
  });
});

describe('Embedding.fromPretrained', () => {
  it('wraps a table (frozen by default), copies it, and looks rows up', () => {
    const table = tensor([
      [0, 0],
      [1, 2],
      [3, 4],
    ]);
    const e = nn.Embedding.fromPretrained(table);
    expect(e.weight.requiresGrad).toBe(false);
    expect(e.weight.storage).not.toBe(table.storage);
    expect(e.call(tensor(new Int32Array([2, 1]))).toArray()).toEqual([
      [3, 4],
      [1, 2],
    ]);
    expect(nn.Embedding.fromPretrained(table, { freeze: false }).weight.requiresGrad).toBe(true);
    expect(() => nn.Embedding.fromPretrained(tensor([1, 2]))).toThrow(/2-D/);
  });
});

describe('activation layers take one validated options object', () => {
  it('LeakyReLU / ELU / Softplus read their options', () => {
    const x = tensor([-2, 0, 3]);
    expect(new nn.LeakyReLU({ negativeSlope: 0.5 }).call(x).toArray()).toEqual([-1, 0, 3]);
    expect(new nn.LeakyReLU().negativeSlope).toBe(0.01);
    expect((new nn.ELU({ alpha: 2 }).call(x).toArray() as number[])[0]).toBeCloseTo(2 * (Math.exp(-2) - 1), 6);
    const sp = new nn.Softplus({ beta: 2, threshold: 10 });
    expect([sp.beta, sp.threshold]).toEqual([2, 10]);
    expect((sp.call(x).toArray() as number[])[0]).toBeCloseTo(Math.log1p(Math.exp(-4)) / 2, 6);
  });

  it('refuse unknown keys, the PyTorch spelling and non-finite values with a typed error', () => {
    expect(() => new nn.LeakyReLU({ negative_slope: 0.2 } as never)).toThrow(/did you mean 'negativeSlope'/);
    expect(() => new nn.LeakyReLU({ negativeSlope: NaN })).toThrow(ValueError);
    expect(() => new nn.LeakyReLU(0.2 as never)).toThrow(ValueError);
    expect(() => new nn.ELU({ alpha: Infinity })).toThrow(/ELU: alpha must be a finite number/);
    expect(() => new nn.Softplus({ beta: 0 })).toThrow(/beta must be non-zero/);
    expect(() => new nn.Softplus({ threshold: 'x' as never })).toThrow(ValueError);
  });
});
