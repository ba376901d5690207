/** float64 finite-difference gradient checks for every loss, over reductions and options. */
import { describe, expect, it } from 'vitest';
import { Rng, gradcheck, nn, rand, randint, randn, tensor, type Tensor } from '../../src/index.js';

const F = nn.functional;
const REDUCTIONS = ['none', 'mean', 'sum'] as const;

const g64 = (shape: number[], seed: number, scale = 1): Tensor =>
  randn(shape, { dtype: 'float64', rng: new Rng(seed) })
    .mul(scale)
    .requiresGrad_();
const c64 = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', rng: new Rng(seed) });
/** probabilities strictly inside (0, 1) */
const p64 = (shape: number[], seed: number): Tensor =>
  rand(shape, { dtype: 'float64', rng: new Rng(seed) })
    .mul(0.9)
    .add(0.05);
const check = (fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]) => expect(gradcheck(fn, inputs)).toBe(true);

describe('gradcheck: regression losses', () => {
  for (const reduction of REDUCTIONS) {
    it(`mseLoss / l1Loss (${reduction})`, () => {
      check((x, t) => F.mseLoss(x!, t!, { reduction }), [g64([4, 3], 1), c64([4, 3], 2)]);
      check((x, t) => F.l1Loss(x!, t!, { reduction }), [g64([4, 3], 3), c64([4, 3], 4)]);
    });
    it(`smoothL1Loss and huberLoss on both sides of the kink (${reduction})`, () => {
      for (const beta of [0.5, 1, 2]) check((x, t) => F.smoothL1Loss(x!, t!, { reduction, beta }), [g64([5, 3], 5, 2), c64([5, 3], 6)]);
      check((x, t) => F.smoothL1Loss(x!, t!, { reduction, beta: 0 }), [g64([5, 3], 5, 2), c64([5, 3], 6)]);
      for (const delta of [0.5, 1, 2]) check((x, t) => F.huberLoss(x!, t!, { reduction, delta }), [g64([5, 3], 7, 2), c64([5, 3], 8)]);
    });
  }
  it('mseLoss through a non-contiguous (transposed) input', () => {
    const x = g64([3, 4], 9);
    check((a, t) => F.mseLoss(a!.t(), t!), [x, c64([4, 3], 10)]);
  });
  it('gradient with respect to the target too', () => {
    check((x, t) => F.mseLoss(x!, t!), [g64([3, 2], 11), g64([3, 2], 12)]);
    check((x, t) => F.huberLoss(x!, t!), [g64([3, 2], 13), g64([3, 2], 14)]);
  });
});

describe('gradcheck: binary classification losses', () => {
  for (const reduction of REDUCTIONS) {
    it(`binaryCrossEntropy (${reduction}), with and without weight`, () => {
      const target = p64([4, 3], 21);
      check((x) => F.binaryCrossEntropy(x!, target, { reduction }), [p64([4, 3], 20).requiresGrad_()]);
      const w = p64([3], 22);
      check((x) => F.binaryCrossEntropy(x!, target, { reduction, weight: w }), [p64([4, 3], 23).requiresGrad_()]);
    });
    it(`binaryCrossEntropyWithLogits (${reduction}), weight and posWeight`, () => {
      const target = p64([4, 3], 24);
      check((x) => F.binaryCrossEntropyWithLogits(x!, target, { reduction }), [g64([4, 3], 25, 3)]);
      check(
        (x) => F.binaryCrossEntropyWithLogits(x!, target, { reduction, weight: p64([4, 1], 26), posWeight: p64([3], 27).mul(3) }),
        [g64([4, 3], 28, 3)],
      );
    });
  }
  it('binaryCrossEntropyWithLogits: gradient with respect to the target', () => {
    check((x, t) => F.binaryCrossEntropyWithLogits(x!, t!), [g64([3, 2], 29), p64([3, 2], 30).requiresGrad_()]);
  });
});

describe('gradcheck: class losses', () => {
  const tgt = (n: number, c: number, seed: number, shape = [n]) => randint(0, c, shape, { rng: new Rng(seed) });
  for (const reduction of REDUCTIONS) {
    it(`crossEntropy with class indices (${reduction})`, () => {
      check((x) => F.crossEntropy(x!, tgt(5, 4, 31), { reduction }), [g64([5, 4], 32, 2)]);
    });
    it(`crossEntropy with weight, ignoreIndex and labelSmoothing (${reduction})`, () => {
      const t = tensor([0, 3, -100, 1, 2, -100], { dtype: 'int32' });
      const weight = p64([4], 33);
      check((x) => F.crossEntropy(x!, t, { reduction, weight, labelSmoothing: 0.2 }), [g64([6, 4], 34)]);
      const t2 = tensor([0, 3, 7, 1, 2, 7], { dtype: 'int32' });
      check((x) => F.crossEntropy(x!, t2, { reduction, ignoreIndex: 7, labelSmoothing: 0.1 }), [g64([6, 4], 35)]);
    });
    it(`crossEntropy with class probabilities (${reduction})`, () => {
      const probs = p64([5, 4], 36);
      const target = probs.div(probs.sum(1, true));
      check((x) => F.crossEntropy(x!, target, { reduction }), [g64([5, 4], 37)]);
      check((x) => F.crossEntropy(x!, target, { reduction, weight: p64([4], 38), labelSmoothing: 0.3 }), [g64([5, 4], 39)]);
    });
    it(`crossEntropy over spatial dims [N, C, H, W] (${reduction})`, () => {
      check((x) => F.crossEntropy(x!, tgt(2, 3, 40, [2, 2, 3]), { reduction, weight: p64([3], 41) }), [g64([2, 3, 2, 3], 42)]);
    });
    it(`nllLoss (${reduction}) with weight`, () => {
      check((x) => F.nllLoss(x!.logSoftmax(1), tgt(5, 4, 43), { reduction, weight: p64([4], 44) }), [g64([5, 4], 45)]);
    });
    it(`klDiv (${reduction} and batchmean; probability and log targets)`, () => {
      const t = p64([3, 4], 46);
      for (const r of [reduction, 'batchmean'] as const) {
        check((x) => F.klDiv(x!.logSoftmax(1), t, { reduction: r }), [g64([3, 4], 47)]);
        check((x) => F.klDiv(x!.logSoftmax(1), t.log(), { reduction: r, logTarget: true }), [g64([3, 4], 48)]);
      }
    });
    it(`hingeEmbeddingLoss (${reduction})`, () => {
      const t = tensor([1, -1, -1, 1, -1, 1], { dtype: 'float64' });
      check((x) => F.hingeEmbeddingLoss(x!, t, { reduction, margin: 1.5 }), [g64([6], 49)]);
    });
    it(`cosineEmbeddingLoss (${reduction}) with respect to both inputs`, () => {
      const t = tensor([1, -1, 1, -1], { dtype: 'int32' });
      check((a, b) => F.cosineEmbeddingLoss(a!, b!, t, { reduction, margin: -0.5 }), [g64([4, 5], 50), g64([4, 5], 51)]);
    });
  }
  it('crossEntropy unbatched: input [C], target []', () => {
    check((x) => F.crossEntropy(x!, tensor(2, { dtype: 'int32' })), [g64([4], 52)]);
    check((x) => F.crossEntropy(x!, tensor(2, { dtype: 'int32' }), { reduction: 'none' }), [g64([4], 53)]);
  });
});
