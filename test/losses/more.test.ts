/** Ranking, metric-learning and likelihood losses: hand values, gradcheck, modules, errors. */
import { describe, expect, it } from 'vitest';
import { Rng, ShapeError, ValueError, gradcheck, nn, rand, randn, tensor, type Tensor } from '../../src/index.js';

const F = nn.functional;
const arr = (t: Tensor) => Array.from(t.dataSync());
const g64 = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', rng: new Rng(seed) }).requiresGrad_();
const pos64 = (shape: number[], seed: number): Tensor => rand(shape, { dtype: 'float64', rng: new Rng(seed) }).add(0.2);

describe('hand-computed values', () => {
  it('marginRankingLoss', () => {
    expect(arr(F.marginRankingLoss(tensor([1, 2]), tensor([2, 1]), tensor([1, 1]), { margin: 0.5, reduction: 'none' }))).toEqual([1.5, 0]);
    expect(F.marginRankingLoss(tensor([1, 2]), tensor([2, 1]), tensor([-1, -1], { dtype: 'int32' })).item()).toBeCloseTo(1 / 2, 6);
  });
  it('tripletMarginLoss, with and without the distance swap', () => {
    expect(F.tripletMarginLoss(tensor([[0, 0]]), tensor([[3, 4]]), tensor([[1, 0]])).item()).toBeCloseTo(5, 4);
    const a = tensor([[0, 0]]);
    const p = tensor([[1, 0]]);
    const n = tensor([[5, 0]]);
    expect(F.tripletMarginLoss(a, p, n, { margin: 5 }).item()).toBeCloseTo(1, 4);
    expect(F.tripletMarginLoss(a, p, n, { margin: 5, swap: true }).item()).toBeCloseTo(2, 4);
    expect(F.tripletMarginLoss(a, p, n, { margin: 5, p: 1 }).item()).toBeCloseTo(1, 4);
  });
  it('gaussianNllLoss: value, full constant, eps clamp, per-sample variance', () => {
    const x = tensor([1]);
    const t = tensor([3]);
    expect(F.gaussianNllLoss(x, t, tensor([4])).item()).toBeCloseTo(0.5 * (Math.log(4) + 1), 5);
    expect(F.gaussianNllLoss(x, t, tensor([4]), { full: true }).item()).toBeCloseTo(0.5 * (Math.log(4) + 1 + Math.log(2 * Math.PI)), 5);
    expect(F.gaussianNllLoss(tensor([0]), tensor([0]), tensor([0]), { eps: 1e-2 }).item()).toBeCloseTo(0.5 * Math.log(1e-2), 5);
    const xs = randn([3, 2], { rng: new Rng(1) });
    const ts = randn([3, 2], { rng: new Rng(2) });
    const v = tensor([0.5, 1, 2]);
    const expanded = F.gaussianNllLoss(xs, ts, v.unsqueeze(1).expand(3, 2).contiguous()).item();
    expect(F.gaussianNllLoss(xs, ts, v).item()).toBeCloseTo(expanded, 6);
    expect(F.gaussianNllLoss(xs, ts, v.unsqueeze(1)).item()).toBeCloseTo(expanded, 6);
  });
  it('poissonNllLoss: log input, rate input, Stirling term', () => {
    expect(F.poissonNllLoss(tensor([0]), tensor([2])).item()).toBeCloseTo(1, 6);
    expect(F.poissonNllLoss(tensor([2]), tensor([2]), { logInput: false }).item()).toBeCloseTo(2 - 2 * Math.log(2), 6);
    const stirling = 3 * Math.log(3) - 3 + 0.5 * Math.log(2 * Math.PI * 3);
    expect(F.poissonNllLoss(tensor([0, 0]), tensor([3, 1]), { full: true, reduction: 'none' }).toArray()).toEqual([
      expect.closeTo(1 - 0 + stirling, 5),
      expect.closeTo(1, 6),
    ]);
  });
});

describe('gradcheck (float64)', () => {
  for (const reduction of ['none', 'mean', 'sum'] as const) {
    it(`all four (${reduction})`, () => {
      const y = tensor([1, -1, 1, -1], { dtype: 'float64' });
      expect(gradcheck((a, b) => F.marginRankingLoss(a!, b!, y, { reduction, margin: 0.3 }), [g64([4], 1), g64([4], 2)])).toBe(true);
      expect(
        gradcheck((a, p, n) => F.tripletMarginLoss(a!, p!, n!, { reduction, margin: 2 }), [g64([3, 4], 3), g64([3, 4], 4), g64([3, 4], 5)]),
      ).toBe(true);
      expect(
        gradcheck(
          (a, p, n) => F.tripletMarginLoss(a!, p!, n!, { reduction, margin: 2, p: 3, swap: true }),
          [g64([3, 4], 6), g64([3, 4], 7), g64([3, 4], 8)],
        ),
      ).toBe(true);
      expect(
        gradcheck(
          (x, t, v) => F.gaussianNllLoss(x!, t!, v!, { reduction, full: true }),
          [g64([3, 2], 9), g64([3, 2], 10), pos64([3, 1], 11).requiresGrad_()],
        ),
      ).toBe(true);
      expect(gradcheck((x) => F.poissonNllLoss(x!, pos64([3, 2], 12).mul(4), { reduction, full: true }), [g64([3, 2], 13)])).toBe(true);
      expect(
        gradcheck((x) => F.poissonNllLoss(x!, pos64([3, 2], 14), { reduction, logInput: false }), [pos64([3, 2], 15).requiresGrad_()]),
      ).toBe(true);
    });
  }
});

describe('modules and errors', () => {
  it('modules equal their functional forms', () => {
    const a = randn([3, 4], { rng: new Rng(20) });
    const p = randn([3, 4], { rng: new Rng(21) });
    const n = randn([3, 4], { rng: new Rng(22) });
    expect(new nn.TripletMarginLoss({ margin: 2, swap: true }).call(a, p, n).item()).toBe(
      F.tripletMarginLoss(a, p, n, { margin: 2, swap: true }).item(),
    );
    const y = tensor([1, -1, 1]);
    expect(new nn.MarginRankingLoss({ margin: 1 }).call(a.select(1, 0), p.select(1, 0), y).item()).toBe(
      F.marginRankingLoss(a.select(1, 0), p.select(1, 0), y, { margin: 1 }).item(),
    );
    const v = rand([3, 4], { rng: new Rng(23) });
    expect(new nn.GaussianNLLLoss({ full: true }).call(a, p, v).item()).toBe(F.gaussianNllLoss(a, p, v, { full: true }).item());
    expect(new nn.PoissonNLLLoss({ reduction: 'sum' }).call(a, v).item()).toBe(F.poissonNllLoss(a, v, { reduction: 'sum' }).item());
  });
  it('typed errors', () => {
    expect(() => F.gaussianNllLoss(randn([3, 2]), randn([3, 2]), tensor([1, -1, 1]))).toThrow(ValueError);
    expect(() => F.gaussianNllLoss(randn([3, 2]), randn([3, 2]), randn([2, 2]))).toThrow(ShapeError);
    expect(() => F.tripletMarginLoss(randn([3, 2]), randn([3, 2]), randn([2, 2]))).toThrow(ShapeError);
    expect(() => F.marginRankingLoss(randn([3]), randn([3]), randn([2]))).toThrow(ShapeError);
  });
});
