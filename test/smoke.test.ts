import { describe, expect, it } from 'vitest';
import { tensor, randn, Rng, gradcheck } from '../src/index.js';

describe('smoke', () => {
  it('computes a gradient through a small graph', () => {
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [2, 4, 6],
      [8, 10, 12],
    ]);
  });
  it('gradchecks matmul + tanh in float64', () => {
    const a = randn([3, 4], { dtype: 'float64', rng: new Rng(1) }).requiresGrad_();
    const b = randn([4, 5], { dtype: 'float64', rng: new Rng(2) }).requiresGrad_();
    expect(gradcheck((a, b) => a.matmul(b).tanh(), [a, b])).toBe(true);
  });
});
