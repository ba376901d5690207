/**
 * The nn features that closed the README's known gaps (issue 14 item 6), beyond the PyTorch golden
 * values of test/nn/fixtures/nn-gaps.json: gradients (float64 gradcheck), PyTorch's prints, and the
 * typed errors for bad arguments.
 */
import { describe, expect, it } from 'vitest';
import { Rng, ValueError, gradcheck, nn, optim, randn, tensor, zeros } from '../../src/index.js';

const F = nn.functional;
const rng = () => new Rng(3);

describe('padding modes', () => {
  it('F.pad reflect / replicate / circular on a row, and their gradients', () => {
    const x = tensor([[1, 2, 3]]);
    expect(F.pad(x, [2, 1], 'reflect').toArray()).toEqual([[3, 2, 1, 2, 3, 2]]);
    expect(F.pad(x, [2, 1], 'replicate').toArray()).toEqual([[1, 1, 1, 2, 3, 3]]);
    expect(F.pad(x, [2, 1], 'circular').toArray()).toEqual([[2, 3, 1, 2, 3, 1]]);
    const x64 = randn([2, 3, 4], { dtype: 'float64', rng: rng() }).requiresGrad_();
    for (const mode of ['reflect', 'replicate', 'circular'] as const)
      expect(gradcheck((t) => F.pad(t, [1, 2, 2, 1], mode), [x64])).toBe(true);
  });
  it('bad pads and modes are ValueErrors', () => {
    const x = tensor([[1, 2, 3]]);
    expect(() => F.pad(x, [3, 0], 'reflect')).toThrow(/smaller than the dimension size 3 in reflect mode/);
    expect(() => F.pad(x, [4, 0], 'circular')).toThrow(ValueError);
    expect(() => F.pad(x, [1, 1], 'mirror' as never)).toThrow(/mode must be 'constant', 'reflect', 'replicate' or 'circular'/);
  });
  it('Conv2d/Conv1d take paddingMode and print it as PyTorch; an unknown mode is refused', () => {
    expect(new nn.Conv2d(1, 2, 3, { padding: 1, paddingMode: 'reflect', rng: rng() }).toString()).toBe(
      'Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect)',
    );
    expect(new nn.Conv1d(1, 2, 3, { padding: 1, paddingMode: 'circular', rng: rng() }).toString()).toBe(
      'Conv1d(1, 2, kernel_size=(3,), stride=(1,), padding=(1,), padding_mode=circular)',
    );
    expect(() => new nn.Conv2d(1, 2, 3, { paddingMode: 'mirror' as never })).toThrow(
      /paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular'/,
    );
    const conv = new nn.Conv2d(1, 1, 3, { padding: 1, paddingMode: 'replicate', bias: false, rng: rng() });
    conv.weight.detach().fill_(1);
    // a constant image stays constant under replicate padding (zeros padding would darken the border)
    const y = conv.call(zeros([1, 1, 4, 4]).add(1));
    expect(Array.from(y.dataSync()).every((v) => Math.abs(v - 9) < 1e-6)).toBe(true);
  });
});

describe('Upsample / F.interpolate bilinear and bicubic', () => {
  it('gradients (float64) and the alignCorners corner rule', () => {
    const x = randn([1, 2, 3, 4], { dtype: 'float64', rng: rng() }).requiresGrad_();
    for (const mode of ['bilinear', 'bicubic'] as const)
      for (const alignCorners of [false, true])
        expect(gradcheck((t) => F.interpolate(t, { scaleFactor: 2, mode, alignCorners }), [x])).toBe(true);
    const y = F.interpolate(x.detach(), { size: [5, 7], mode: 'bilinear', alignCorners: true });
    const at = (t: typeof x, i: number, j: number) => t.select(2, i).select(2, j).toArray();
    expect(at(y, 0, 0)).toEqual(at(x.detach(), 0, 0));
    expect(at(y, 4, 6)).toEqual(at(x.detach(), 2, 3));
  });
  it('prints and errors as PyTorch', () => {
    expect(new nn.Upsample({ scaleFactor: 2, mode: 'bicubic', alignCorners: true }).toString()).toBe(
      'Upsample(scale_factor=2.0, mode=bicubic)',
    );
    expect(() => new nn.Upsample({ scaleFactor: 2, alignCorners: true })).toThrow(
      /alignCorners can only be set with the interpolating modes/,
    );
    expect(() => F.interpolate(zeros([1, 1, 2, 2]), { size: 4, mode: 'trilinear' as never })).toThrow(ValueError);
    expect(() => F.interpolate(zeros([1, 1, 2, 2]), { size: 4, align_corners: true } as never)).toThrow(/did you mean 'alignCorners'/);
  });
});

describe('Embedding maxNorm', () => {
  it('renormalises the looked-up rows in place (only those), as PyTorch', () => {
    const e = new nn.Embedding(3, 2, { maxNorm: 1, rng: rng() });
    e.weight.detach().copy_(
      tensor([
        [3, 4],
        [0.3, 0.4],
        [6, 8],
      ]),
    );
    const out = e.call(tensor([0, 1, 0], { dtype: 'int32' }));
    expect(out.select(0, 0).toArray()).toEqual(out.select(0, 2).toArray());
    const w = e.weight.toArray() as number[][];
    expect(w[0]![0]).toBeCloseTo(0.6, 6);
    expect(w[0]![1]).toBeCloseTo(0.8, 6);
    expect(w[1]).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect(w[2]).toEqual([6, 8]); // not looked up: untouched
    expect(e.toString()).toBe('Embedding(3, 2, max_norm=1.0)');
    expect(() => new nn.Embedding(3, 2, { maxNorm: -1 })).toThrow(ValueError);
  });
});

describe('LSTM projSize', () => {
  it('parameters, state shapes and the print follow PyTorch; projSize ≥ hiddenSize is refused', () => {
    const lstm = new nn.LSTM(3, 4, { projSize: 2, rng: rng() });
    expect(lstm.namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0:16x3',
      'weight_hh_l0:16x2',
      'bias_ih_l0:16',
      'bias_hh_l0:16',
      'weight_hr_l0:2x4',
    ]);
    const [out, [h, c]] = lstm.call(randn([5, 2, 3], { rng: rng() }));
    expect([out.shape, h.shape, c.shape]).toEqual([
      [5, 2, 2],
      [1, 2, 2],
      [1, 2, 4],
    ]);
    expect(lstm.toString()).toBe('LSTM(3, 4, proj_size=2)');
    expect(() => new nn.LSTM(3, 4, { projSize: 4 })).toThrow(/projSize \(4\) has to be smaller than hiddenSize \(4\)/);
    expect(() => new nn.GRU(3, 4, { projSize: 2 } as never)).toThrow(/unknown option 'projSize'/);
  });
});

describe('packed sequences', () => {
  it('pack → pad round-trips, in PyTorch layout, sorted or not', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 0],
      [6, 0, 0],
    ])
      .t()
      .unsqueeze(2); // [T=3, B=3, 1], lengths 3, 2, 1
    const p = nn.packPaddedSequence(x, [3, 2, 1]);
    expect(Array.from(p.batchSizes)).toEqual([3, 2, 1]);
    expect(Array.from(p.data.dataSync())).toEqual([1, 4, 6, 2, 5, 3]);
    expect(p.sortedIndices).toBeNull();
    const [back, lens] = nn.padPackedSequence(p);
    expect(back.toArray()).toEqual(x.toArray());
    expect(Array.from(lens.dataSync())).toEqual([3, 2, 1]);
    const u = nn.packPaddedSequence(x, tensor([3, 2, 1], { dtype: 'int32' }), { enforceSorted: false });
    expect(Array.from(u.sortedIndices!)).toEqual([0, 1, 2]);
    // the same sequences in the batch order [2, 0, 1], batch-first
    const shuffled = tensor([
      [6, 0, 0],
      [1, 2, 3],
      [4, 5, 0],
    ]).unsqueeze(2);
    const q = nn.packPaddedSequence(shuffled, [1, 3, 2], { batchFirst: true, enforceSorted: false });
    expect(Array.from(q.data.dataSync())).toEqual([1, 4, 6, 2, 5, 3]);
    expect(Array.from(q.sortedIndices!)).toEqual([1, 2, 0]);
    expect(nn.padPackedSequence(q, { batchFirst: true, totalLength: 4, paddingValue: -1 })[0].toArray()).toEqual([
      [[6], [-1], [-1], [-1]],
      [[1], [2], [3], [-1]],
      [[4], [5], [-1], [-1]],
    ]);
  });
  it('the padded steps change neither the outputs nor the final state', () => {
    const gru = new nn.GRU(2, 3, { batchFirst: true, rng: rng() });
    const x = randn([2, 4, 2], { rng: rng() });
    const packed = nn.packPaddedSequence(x, [4, 2], { batchFirst: true });
    const [out, h] = gru.callPacked(packed);
    const [padded] = nn.padPackedSequence(out as nn.PackedSequence, { batchFirst: true });
    // the short sequence alone, unpadded
    const [alone, hAlone] = gru.call(x.narrow(0, 1, 1).narrow(1, 0, 2));
    const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-6);
    expect(close(Array.from(padded.narrow(0, 1, 1).narrow(1, 0, 2).dataSync()), Array.from(alone.dataSync()))).toBe(true);
    expect(Array.from(padded.narrow(0, 1, 1).narrow(1, 2, 2).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(close(Array.from((h as ReturnType<typeof randn>).select(1, 1).dataSync()), Array.from(hAlone.select(1, 0).dataSync()))).toBe(
      true,
    );
  });
  it('bad lengths are typed errors', () => {
    const x = zeros([3, 2, 1]);
    expect(() => nn.packPaddedSequence(x, [1, 3])).toThrow(/must be sorted in decreasing order.*enforceSorted: false/);
    expect(() => nn.packPaddedSequence(x, [4, 1])).toThrow(/every length must be in \[1, 3\]/);
    expect(() => nn.packPaddedSequence(x, [3])).toThrow(/expected 2 lengths/);
    expect(() => nn.packPaddedSequence(x, [3, 1], { batch_first: true } as never)).toThrow(/did you mean 'batchFirst'/);
    expect(() => nn.padPackedSequence(nn.packPaddedSequence(x, [3, 1]), { totalLength: 2 })).toThrow(
      /at least the length of the longest sequence \(3\)/,
    );
  });
});

describe('MultiheadAttention addBiasKv / addZeroAttn', () => {
  it('bias_k/bias_v parameters and one more source position each', () => {
    const mha = new nn.MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true, batchFirst: true, rng: rng() });
    expect(mha.namedParameters().map(([k]) => k)).toEqual([
      'in_proj_weight',
      'in_proj_bias',
      'bias_k',
      'bias_v',
      'out_proj.weight',
      'out_proj.bias',
    ]);
    const q = randn([2, 3, 4], { rng: rng() });
    const kv = randn([2, 5, 4], { rng: rng() });
    const [out, w] = mha.call(q, kv, kv);
    expect(out.shape).toEqual([2, 3, 4]);
    expect(w!.shape).toEqual([2, 3, 7]); // 5 keys + bias_k + the zero key
  });
});

describe('CyclicLR', () => {
  it('triangular cycle: up over stepSizeUp, down over stepSizeDown; momentum moves the other way', () => {
    const p = zeros([1]).requiresGrad_();
    const opt = new optim.SGD([p], { lr: 1, momentum: 0.9 });
    const s = new optim.CyclicLR(opt, { baseLr: 0.1, maxLr: 0.5, stepSizeUp: 2, stepSizeDown: 2 });
    const lrs: number[] = [];
    const moms: number[] = [];
    for (let i = 0; i < 6; i++) {
      lrs.push(opt.paramGroups[0]!.lr);
      moms.push(opt.paramGroups[0]!.momentum as number);
      s.step();
    }
    expect(lrs.map((v) => +v.toFixed(6))).toEqual([0.1, 0.3, 0.5, 0.3, 0.1, 0.3]);
    expect(moms.map((v) => +v.toFixed(6))).toEqual([0.9, 0.85, 0.8, 0.85, 0.9, 0.85]);
  });
  it('needs momentum to cycle it; bad modes and options are typed errors', () => {
    const p = zeros([1]).requiresGrad_();
    expect(() => new optim.CyclicLR(new optim.Adam([p]), { baseLr: 0.1, maxLr: 1 })).toThrow(/must support momentum.*cycleMomentum: false/);
    expect(new optim.CyclicLR(new optim.Adam([p]), { baseLr: 0.1, maxLr: 1, cycleMomentum: false }).getLastLr()).toEqual([0.1]);
    const sgd = new optim.SGD([p], { lr: 1, momentum: 0.9 });
    expect(() => new optim.CyclicLR(sgd, { baseLr: 0.1, maxLr: 1, mode: 'triangle' as never })).toThrow(/mode must be/);
    expect(() => new optim.CyclicLR(sgd, { base_lr: 0.1, maxLr: 1 } as never)).toThrow(/did you mean 'baseLr'/);
    const custom = new optim.CyclicLR(sgd, { baseLr: 0, maxLr: 1, stepSizeUp: 1, scaleFn: () => 0.5 });
    custom.step();
    expect(custom.getLastLr()[0]).toBeCloseTo(0.5, 12);
  });
});
