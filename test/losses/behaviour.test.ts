/** Values worked out by hand, stability at extreme logits, PyTorch conventions, and the error paths. */
import { describe, expect, it } from 'vitest';
import { DTypeError, IndexError, Rng, ShapeError, ValueError, nn, randn, tensor, type Tensor } from '../../src/index.js';

const F = nn.functional;
const arr = (t: Tensor) => Array.from(t.dataSync());
const i32 = (v: number | number[]) => tensor(v as number[], { dtype: 'int32' });

describe('hand-computed values', () => {
  it('mse / l1 / smoothL1 / huber', () => {
    const x = tensor([0, 1, 4]);
    const t = tensor([1, 1, 1]);
    expect(F.mseLoss(x, t).item()).toBeCloseTo((1 + 0 + 9) / 3, 6);
    expect(F.mseLoss(x, t, { reduction: 'sum' }).item()).toBeCloseTo(10, 6);
    expect(arr(F.l1Loss(x, t, { reduction: 'none' }))).toEqual([1, 0, 3]);
    // |d| = 1, 0, 3 with beta 2: 0.5·1/2, 0, 3 − 1
    expect(arr(F.smoothL1Loss(x, t, { reduction: 'none', beta: 2 }))).toEqual([0.25, 0, 2]);
    // huber with delta 2: 0.5·1, 0, 2·(3 − 1)
    expect(arr(F.huberLoss(x, t, { reduction: 'none', delta: 2 }))).toEqual([0.5, 0, 4]);
  });

  it('crossEntropy equals −log softmax at the target', () => {
    const x = tensor([[1, 2, 3]]);
    const expected = -(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)));
    expect(F.crossEntropy(x, i32([2])).item()).toBeCloseTo(expected, 5);
  });

  it('crossEntropy: ignoreIndex rows are left out of the mean and get zero gradient', () => {
    const x = randn([4, 3], { rng: new Rng(1) }).requiresGrad_();
    const t = i32([0, -100, 2, -100]);
    const loss = F.crossEntropy(x, t);
    const kept = F.crossEntropy(x.detach().indexSelect(0, i32([0, 2])), i32([0, 2]));
    expect(loss.item()).toBeCloseTo(kept.item(), 6);
    loss.backward();
    const g = x.grad!.toArray() as number[][];
    expect(g[1]).toEqual([0, 0, 0]);
    expect(g[3]).toEqual([0, 0, 0]);
    expect(F.crossEntropy(x.detach(), i32([-100, -100, -100, -100])).item()).toBeNaN(); // 0/0 like PyTorch
  });

  it('crossEntropy: class weights divide the mean by the total weight of the targets', () => {
    const x = randn([3, 2], { rng: new Rng(2) });
    const t = i32([0, 1, 1]);
    const w = tensor([2, 0.5]);
    const per = arr(F.crossEntropy(x, t, { reduction: 'none' }));
    const expected = (2 * per[0]! + 0.5 * per[1]! + 0.5 * per[2]!) / 3;
    expect(F.crossEntropy(x, t, { weight: w }).item()).toBeCloseTo(expected, 5);
  });

  it('crossEntropy: label smoothing on indices equals the smoothed one-hot probabilities', () => {
    const x = randn([5, 4], { rng: new Rng(3) });
    const t = i32([0, 3, 1, 1, 2]);
    const eps = 0.2;
    const probs = F.oneHot(t, 4)
      .float()
      .mul(1 - eps)
      .add(eps / 4);
    expect(F.crossEntropy(x, t, { labelSmoothing: eps }).item()).toBeCloseTo(F.crossEntropy(x, probs).item(), 5);
    const a = arr(F.crossEntropy(x, t, { labelSmoothing: eps, reduction: 'none' }));
    const b = arr(F.crossEntropy(x, probs, { reduction: 'none' }));
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    // with labelSmoothing 1 the target is uniform
    const uniform = x.logSoftmax(1).mean(1).neg();
    expect(F.crossEntropy(x, t, { labelSmoothing: 1 }).item()).toBeCloseTo(uniform.mean().item(), 5);
  });

  it('crossEntropy over [N, C, d] equals crossEntropy of the flattened positions', () => {
    const x = randn([2, 3, 4], { rng: new Rng(4) });
    const t = tensor(
      [
        [0, 1, 2, 0],
        [2, 2, 1, 0],
      ],
      { dtype: 'int32' },
    );
    const flatX = x.permute(0, 2, 1).reshape(8, 3);
    expect(F.crossEntropy(x, t).item()).toBeCloseTo(F.crossEntropy(flatX, t.reshape(8)).item(), 5);
    expect(F.crossEntropy(x, t, { reduction: 'none' }).shape).toEqual([2, 4]);
  });

  it('nllLoss picks −input[target]', () => {
    const lp = tensor([
      [-1, -2, -3],
      [-4, -5, -6],
    ]);
    expect(arr(F.nllLoss(lp, i32([2, 0]), { reduction: 'none' }))).toEqual([3, 4]);
  });

  it('binaryCrossEntropy clamps log at −100; probabilities 0 and 1 give finite loss and gradient', () => {
    const x = tensor([0, 1, 0.5]).requiresGrad_();
    const t = tensor([1, 0, 1]);
    const loss = F.binaryCrossEntropy(x, t, { reduction: 'none' });
    expect(arr(loss)[0]).toBe(100);
    expect(arr(loss)[1]).toBe(100);
    expect(arr(loss)[2]).toBeCloseTo(Math.log(2), 6);
    loss.sum().backward();
    expect(arr(x.grad!).every(Number.isFinite)).toBe(true);
  });

  it('binaryCrossEntropyWithLogits equals BCE of the sigmoid, posWeight scales the positive term', () => {
    const x = randn([4, 3], { rng: new Rng(5) });
    const t = tensor([
      [1, 0, 1],
      [0, 0, 1],
      [1, 1, 0],
      [0, 1, 0],
    ]);
    expect(F.binaryCrossEntropyWithLogits(x, t).item()).toBeCloseTo(F.binaryCrossEntropy(x.sigmoid(), t).item(), 5);
    const pw = tensor([3, 1, 0.5]);
    const manual = t
      .mul(x.sigmoid().log())
      .mul(pw)
      .add(t.rsub(1).mul(x.sigmoid().rsub(1).log()))
      .neg()
      .mean();
    expect(F.binaryCrossEntropyWithLogits(x, t, { posWeight: pw }).item()).toBeCloseTo(manual.item(), 5);
  });

  it('klDiv: zero where target is 0; batchmean divides by the batch size; logTarget is equivalent', () => {
    const lp = tensor([[Math.log(0.5), Math.log(0.5)]]);
    const t = tensor([[1, 0]]);
    expect(F.klDiv(lp, t, { reduction: 'sum' }).item()).toBeCloseTo(Math.log(2), 6);
    const x = randn([3, 4], { rng: new Rng(6) }).logSoftmax(1);
    const p = randn([3, 4], { rng: new Rng(7) }).softmax(1);
    const sum = F.klDiv(x, p, { reduction: 'sum' }).item();
    expect(F.klDiv(x, p, { reduction: 'batchmean' }).item()).toBeCloseTo(sum / 3, 6);
    expect(F.klDiv(x, p, { reduction: 'mean' }).item()).toBeCloseTo(sum / 12, 6);
    expect(F.klDiv(x, p.log(), { reduction: 'sum', logTarget: true }).item()).toBeCloseTo(sum, 5);
  });

  it('hinge and cosine embedding losses', () => {
    expect(arr(F.hingeEmbeddingLoss(tensor([0.3, 0.3, 2]), tensor([1, -1, -1]), { reduction: 'none' }))).toEqual([
      expect.closeTo(0.3, 6),
      expect.closeTo(0.7, 6),
      0,
    ]);
    const a = tensor([
      [1, 0],
      [1, 0],
    ]);
    const b = tensor([
      [0, 1],
      [1, 1],
    ]);
    // cos = 0 and 1/√2
    const out = arr(F.cosineEmbeddingLoss(a, b, i32([1, -1]), { reduction: 'none', margin: 0.5 }));
    expect(out[0]).toBeCloseTo(1, 6);
    expect(out[1]).toBeCloseTo(Math.SQRT1_2 - 0.5, 6);
  });

  it('zeroOneLoss counts misclassifications from labels or scores', () => {
    expect(F.zeroOneLoss(i32([0, 1, 2, 2]), i32([0, 1, 1, 0]))).toBe(0.5);
    expect(F.zeroOneLoss(i32([0, 1, 2, 2]), i32([0, 1, 1, 0]), { normalize: false })).toBe(2);
    const scores = tensor([
      [0.9, 0.1],
      [0.2, 0.8],
      [0.6, 0.4],
    ]);
    expect(F.zeroOneLoss(scores, i32([0, 1, 1]))).toBeCloseTo(1 / 3, 10);
  });
});

describe('stability at extreme logits (float32)', () => {
  it('crossEntropy([1e4, 0, −1e4], t) = 0 / 1e4 / 2e4 with finite gradients', () => {
    const expected = [0, 1e4, 2e4];
    for (let t = 0; t < 3; t++) {
      const x = tensor([[1e4, 0, -1e4]]).requiresGrad_();
      const loss = F.crossEntropy(x, i32([t]));
      expect(loss.item()).toBe(expected[t]);
      loss.backward();
      const g = arr(x.grad!);
      expect(g.every(Number.isFinite)).toBe(true);
      // softmax − onehot
      const soft = [1, 0, 0];
      g.forEach((v, i) => expect(v).toBeCloseTo(soft[i]! - (i === t ? 1 : 0), 6));
    }
  });

  it('binaryCrossEntropyWithLogits at ±1e4 gives 0 or 1e4 and finite gradients', () => {
    const x = tensor([1e4, 1e4, -1e4, -1e4]).requiresGrad_();
    const t = tensor([1, 0, 1, 0]);
    const loss = F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none' });
    expect(arr(loss)).toEqual([0, 1e4, 1e4, 0]);
    loss.sum().backward();
    expect(arr(x.grad!)).toEqual([0, 1, -1, 0]);
  });

  it('crossEntropy with label smoothing and extreme logits stays finite', () => {
    const x = tensor([
      [1e4, 0, -1e4],
      [-1e4, 1e4, 0],
    ]).requiresGrad_();
    const loss = F.crossEntropy(x, i32([0, 2]), { labelSmoothing: 0.1 });
    expect(Number.isFinite(loss.item())).toBe(true);
    loss.backward();
    expect(arr(x.grad!).every(Number.isFinite)).toBe(true);
  });
});

describe('error paths: typed errors that name the op and the shapes', () => {
  const x = randn([4, 3], { rng: new Rng(8) });
  it('wrong target shape for crossEntropy', () => {
    expect(() => F.crossEntropy(x, i32([0, 1, 2]))).toThrow(ShapeError);
    expect(() => F.crossEntropy(x, i32([0, 1, 2]))).toThrow(/crossEntropy.*\[4\].*\[4,3\].*\[3\]/);
    const col = tensor([[0], [1], [2], [0]], { dtype: 'int32' });
    expect(() => F.crossEntropy(x, col)).toThrow(/hint: squeeze the last dimension/);
  });
  it('out-of-range class index names the index and the number of classes', () => {
    const run = () => F.crossEntropy(x, i32([0, 1, 3, 0]));
    expect(run).toThrow(IndexError);
    expect(run).toThrow(/target 3 is out of bounds.*3 classes/);
    expect(() => F.nllLoss(x, i32([0, -1, 0, 0]))).toThrow(IndexError);
    try {
      run();
    } catch (e) {
      expect((e as IndexError).code).toBe('E_INDEX');
    }
  });
  it('float class indices are a DTypeError with a hint', () => {
    expect(() => F.crossEntropy(x, tensor([0, 1, 2, 0]))).toThrow(DTypeError);
    expect(() => F.crossEntropy(x, tensor([0, 1, 2, 0]))).toThrow(/\.int\(\)/);
    expect(() => F.crossEntropy(tensor([[1, 2]], { dtype: 'int32' }), i32([0]))).toThrow(DTypeError);
  });
  it('regression losses reject shapes that would broadcast silently', () => {
    const run = () => F.mseLoss(randn([4, 1]), randn([4]));
    expect(run).toThrow(ShapeError);
    expect(run).toThrow(/would broadcast to \[4,4\]/);
  });
  it('dtype mismatches and integer targets are DTypeErrors', () => {
    expect(() => F.mseLoss(randn([2]), randn([2], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => F.l1Loss(randn([2]), i32([1, 2]))).toThrow(DTypeError);
  });
  it('bad options are ValueErrors', () => {
    expect(() => F.mseLoss(x, x, { reduction: 'avg' as never })).toThrow(ValueError);
    expect(() => F.huberLoss(x, x, { delta: 0 })).toThrow(ValueError);
    expect(() => F.smoothL1Loss(x, x, { beta: -1 })).toThrow(ValueError);
    expect(() => F.crossEntropy(x, i32([0, 1, 2, 0]), { labelSmoothing: 1.5 })).toThrow(ValueError);
    expect(() => F.binaryCrossEntropy(tensor([1.5]), tensor([1]))).toThrow(/between 0 and 1.*binaryCrossEntropyWithLogits/);
  });
  it('a non-Tensor argument is a ValueError naming the op and the argument', () => {
    expect(() => F.crossEntropy(x, null as never)).toThrow(/^crossEntropy: target must be a Tensor, got null$/);
    expect(() => F.crossEntropy(x, [0, 1, 2, 0] as never)).toThrow(
      /^crossEntropy: target must be a Tensor, got an array; convert it with tensor\(\.\.\.\)$/,
    );
    expect(() => F.mseLoss([1] as never, [1] as never)).toThrow(/^mseLoss: input must be a Tensor, got an array/);
    expect(() => F.mseLoss(x, undefined as never)).toThrow(/^mseLoss: target must be a Tensor, got undefined$/);
    expect(() => F.crossEntropy(x, i32([0, 1, 2, 0]), { weight: [1, 2, 3] as never })).toThrow(/^crossEntropy: weight must be a Tensor/);
    expect(() => F.binaryCrossEntropyWithLogits(x, x, { posWeight: [2] as never })).toThrow(
      /^binaryCrossEntropyWithLogits: posWeight must be a Tensor/,
    );
    expect(() => F.hingeEmbeddingLoss(x, null as never)).toThrow(ValueError);
    expect(() => F.cosineEmbeddingLoss(x, x, null as never)).toThrow(/^cosineEmbeddingLoss: target must be a Tensor/);
    expect(() => F.zeroOneLoss(x, null as never)).toThrow(ValueError);
    expect(() => new nn.CrossEntropyLoss().call(x, undefined as never)).toThrow(/^crossEntropy: target must be a Tensor, got undefined$/);
  });
  it('the CrossEntropyLoss module raises the same typed errors (wrong target shape, out-of-range class)', () => {
    const ce = new nn.CrossEntropyLoss();
    expect(() => ce.call(x, i32([0, 1, 2]))).toThrow(ShapeError);
    expect(() => ce.call(x, i32([0, 1, 2]))).toThrow(
      /crossEntropy: expected target of shape \[4\] \(class indices\) for input \[4,3\], got \[3\]/,
    );
    expect(() => ce.call(x, i32([0, 1, 3, 0]))).toThrow(IndexError);
    expect(() => ce.call(x, i32([0, 1, 3, 0]))).toThrow(/target 3 is out of bounds.*3 classes/);
    expect(() => new nn.CrossEntropyLoss({ ignoreIndex: 3 }).call(x, i32([0, 1, 3, 0]))).not.toThrow();
  });
  it('weight of the wrong length', () => {
    expect(() => F.crossEntropy(x, i32([0, 1, 2, 0]), { weight: tensor([1, 2]) })).toThrow(ShapeError);
  });
});
