/** nn.utils: gradient clipping and weight penalties. */
import { describe, expect, it } from 'vitest';
import { Rng, StateError, ValueError, gradcheck, nn, randn, tensor, type Tensor } from '../../src/index.js';

const withGrads = (...grads: number[][]): Tensor[] =>
  grads.map((g) => {
    const p = tensor(g.map(() => 0)).requiresGrad_();
    p.grad = tensor(g);
    return p;
  });
const grads = (ps: Tensor[]) => ps.map((p) => Array.from(p.grad!.dataSync()));

describe('clipGradNorm_', () => {
  it('returns the total 2-norm over all gradients and scales them to maxNorm', () => {
    const ps = withGrads([3, 0], [0, 4]); // total norm 5
    const total = nn.utils.clipGradNorm_(ps, 1);
    expect(total.item()).toBeCloseTo(5, 6);
    const g = grads(ps);
    expect(g[0]![0]).toBeCloseTo(3 / 5, 5);
    expect(g[1]![1]).toBeCloseTo(4 / 5, 5);
    const after = Math.hypot(...g.flat());
    expect(after).toBeLessThanOrEqual(1);
    expect(after).toBeCloseTo(1, 5);
  });
  it('leaves gradients below maxNorm unchanged', () => {
    const ps = withGrads([0.3, 0.4]);
    expect(nn.utils.clipGradNorm_(ps, 1).item()).toBeCloseTo(0.5, 6);
    expect(grads(ps)[0]).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });
  it('other norms: Infinity (max-abs) and 1', () => {
    expect(nn.utils.clipGradNorm_(withGrads([1, -7], [2]), 100, Infinity).item()).toBe(7);
    const ps = withGrads([1, -2], [3]);
    expect(nn.utils.clipGradNorm_(ps, 3, 1).item()).toBe(6);
    expect(
      grads(ps)
        .flat()
        .reduce((a, b) => a + Math.abs(b), 0),
    ).toBeCloseTo(3, 5);
  });
  it('skips parameters without gradients, does not touch tensors that share a gradient’s storage', () => {
    const upstream = tensor([6, 8]);
    const p = tensor([0, 0]).requiresGrad_();
    p.grad = upstream; // a gradient that aliases someone else's tensor
    const q = tensor([1]).requiresGrad_();
    nn.utils.clipGradNorm_([p, q], 5);
    expect(Array.from(upstream.dataSync())).toEqual([6, 8]);
    expect(Array.from(p.grad!.dataSync()).map((v) => +v.toFixed(4))).toEqual([3, 4]);
    expect(q.grad).toBeNull();
  });
  it('non-finite norms: error on request, typed', () => {
    const ps = withGrads([NaN, 1]);
    expect(() => nn.utils.clipGradNorm_(ps, 1, 2, { errorIfNonfinite: true })).toThrow(StateError);
    expect(() => nn.utils.clipGradNorm_(withGrads([1]), -1)).toThrow(ValueError);
  });
  it('works on a model after backward', () => {
    const model = new nn.Linear(4, 3, { rng: new Rng(1) });
    model
      .call(randn([8, 4], { rng: new Rng(2) }))
      .square()
      .sum()
      .mul(100)
      .backward();
    const before = nn.utils.clipGradNorm_(model.parameters(), 0.5).item();
    expect(before).toBeGreaterThan(0.5);
    expect(nn.utils.clipGradNorm_(model.parameters(), 10).item()).toBeCloseTo(0.5, 4);
  });
});

describe('parameter arguments', () => {
  it('model.parameters (uncalled) and non-iterables are ValueErrors, not an empty list clipped silently', () => {
    const model = new nn.Linear(3, 2);
    model
      .call(randn([4, 3]))
      .sum()
      .backward();
    for (const [name, f] of [
      ['clipGradNorm_', (x: never) => nn.utils.clipGradNorm_(x, 1)],
      ['clipGradValue_', (x: never) => nn.utils.clipGradValue_(x, 1)],
      ['weightPenalty', (x: never) => nn.utils.weightPenalty(x, { l2: 1 })],
    ] as const) {
      expect(() => f(model.parameters as never)).toThrow(new RegExp(`^${name}: parameters is a function; call it`));
      expect(() => f(null as never)).toThrow(new RegExp(`^${name}: expected a Tensor or an iterable of Tensors`));
      expect(() => f(3 as never)).toThrow(ValueError);
    }
    // the called form still works, and a single tensor too
    expect(nn.utils.clipGradNorm_(model.parameters(), 1e9).item()).toBeGreaterThan(0);
    expect(nn.utils.clipGradNorm_(model.weight, 1e9).item()).toBeGreaterThan(0);
  });
});

describe('clipGradValue_', () => {
  it('clamps every element into [−v, v]', () => {
    const ps = withGrads([-3, 0.5, 2], [10]);
    nn.utils.clipGradValue_(ps, 1);
    expect(grads(ps)).toEqual([[-1, 0.5, 1], [1]]);
    expect(() => nn.utils.clipGradValue_(ps, -1)).toThrow(ValueError);
  });
});

describe('weight penalties', () => {
  it('l1Penalty, l2Penalty and weightPenalty values', () => {
    const a = tensor([1, -2]);
    const b = tensor([[3]]);
    expect(nn.utils.l1Penalty([a, b]).item()).toBe(6);
    expect(nn.utils.l2Penalty([a, b]).item()).toBe(14);
    expect(nn.utils.weightPenalty([a, b], { l1: 0.5, l2: 0.1 }).item()).toBeCloseTo(3 + 1.4, 6);
    expect(() => nn.utils.weightPenalty([a], { l2: -1 })).toThrow(ValueError);
  });
  it('is differentiable (gradcheck) and the L2 gradient matches SGD weight decay', () => {
    const w = randn([3, 2], { dtype: 'float64', rng: new Rng(3) }).requiresGrad_();
    expect(gradcheck((x) => nn.utils.weightPenalty([x!], { l1: 0.3, l2: 0.7 }), [w])).toBe(true);
    const p = tensor([1, -2]).requiresGrad_();
    nn.utils.l2Penalty([p]).mul(0.05).backward(); // d/dp (λ Σp²) = 2λp = 0.1·p
    expect(Array.from(p.grad!.dataSync()).map((v) => +v.toFixed(6))).toEqual([0.1, -0.2]);
  });
});
