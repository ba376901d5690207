/** The fused softmax-cross-entropy primitive behind F.crossEntropy, against the logSoftmax + nllLoss composite. */
import { describe, expect, it } from 'vitest';
import { Rng, nn, randint, randn, tensor, type Tensor } from '../../src/index.js';

const F = nn.functional;
const close = (a: Tensor, b: Tensor, tol = 1e-5) => {
  const x = Array.from(a.dataSync());
  const y = Array.from(b.dataSync());
  expect(a.shape).toEqual(b.shape);
  x.forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i]!))));
};

describe('fused crossEntropy = logSoftmax + nllLoss', () => {
  const configs: [string, number[], Tensor | null, number][] = [
    ['[N, C]', [7, 5], null, -100],
    ['[N, C] weighted, ignored rows', [7, 5], tensor([0.5, 1, 2, 0.1, 3]), 4],
    ['[N, C, H, W] weighted', [2, 5, 3, 2], tensor([0.5, 1, 2, 0.1, 3]), -100],
  ];
  for (const [label, shape, weight, ignoreIndex] of configs)
    for (const dtype of ['float32', 'float64'] as const)
      it(`${label} ${dtype}: values and gradients for every reduction`, () => {
        const tshape = [shape[0]!, ...shape.slice(2)];
        const target = randint(0, shape[1]!, tshape, { rng: new Rng(2) });
        const w = weight ? weight.to(dtype) : null;
        for (const reduction of ['none', 'mean', 'sum'] as const) {
          const a = randn(shape, { dtype, rng: new Rng(1) })
            .mul(3)
            .requiresGrad_();
          const b = a.detach().clone().requiresGrad_();
          const fa = F.crossEntropy(a, target, { weight: w, ignoreIndex, reduction });
          const fb = F.nllLoss(b.logSoftmax(1), target, { weight: w, ignoreIndex, reduction });
          close(fa, fb, dtype === 'float64' ? 1e-12 : 1e-5);
          const up = randn(fa.shape, { dtype, rng: new Rng(3) });
          fa.backward(up);
          fb.backward(up);
          close(a.grad!, b.grad!, dtype === 'float64' ? 1e-12 : 1e-5);
        }
      });

  it('second derivatives (createGraph) match the composite', () => {
    const target = tensor([2, 0, 1], { dtype: 'int32' });
    const weight = tensor([1, 2, 0.5, 1], { dtype: 'float64' });
    const a = randn([3, 4], { dtype: 'float64', rng: new Rng(4) }).requiresGrad_();
    const b = a.detach().clone().requiresGrad_();
    F.crossEntropy(a, target, { weight }).backward(undefined, { createGraph: true, retainGraph: true });
    F.nllLoss(b.logSoftmax(1), target, { weight }).backward(undefined, { createGraph: true, retainGraph: true });
    const ga = a.grad!;
    const gb = b.grad!;
    expect(ga.requiresGrad).toBe(true);
    close(ga, gb, 1e-12);
    a.grad = null;
    b.grad = null;
    ga.square().sum().backward();
    gb.square().sum().backward();
    close(a.grad!, b.grad!, 1e-10);
    expect(Array.from(a.grad!.dataSync()).some((v) => v !== 0)).toBe(true);
  });
});
