import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/creation.js';
import * as m from '../../src/train/metrics.js';
import { ShapeError, ValueError } from '../../src/core/errors.js';

describe('classification metrics', () => {
  const scores = tensor([
    [0.1, 0.7, 0.2], // 1
    [0.8, 0.1, 0.1], // 0
    [0.2, 0.3, 0.5], // 2
    [0.3, 0.4, 0.3], // 1
    [0.6, 0.3, 0.1], // 0
  ]);
  const target = tensor([1, 0, 1, 2, 0], { dtype: 'int32' });

  it('accuracy from scores and from labels', () => {
    expect(m.accuracy(scores, target)).toBeCloseTo(3 / 5, 12);
    expect(m.accuracy([1, 0, 2, 1, 0], [1, 0, 1, 2, 0])).toBeCloseTo(0.6, 12);
  });

  it('top-k accuracy', () => {
    // top-2 sets: {1,2},{0,1|2 tie → 1},{2,1},{1,0|2 tie → 0},{0,1}
    expect(m.topKAccuracy(scores, target, 1)).toBeCloseTo(0.6, 12);
    expect(m.topKAccuracy(scores, target, 2)).toBeCloseTo(4 / 5, 12); // sample 3 (target 2) misses
    expect(m.topKAccuracy(scores, target, 3)).toBe(1);
    expect(() => m.topKAccuracy(scores, target, 4)).toThrow(ValueError);
  });

  it('confusion matrix is [true][pred]', () => {
    expect(m.confusionMatrix(scores, target)).toEqual([
      [2, 0, 0],
      [0, 1, 1],
      [0, 1, 0],
    ]);
  });

  it('precision / recall / F1 per class, macro, micro (hand-computed)', () => {
    // class0: tp2 fp0 fn0 → P1 R1 F1 1; class1: tp1 fp1 fn1 → .5 .5 .5; class2: tp0 fp1 fn1 → 0 0 0
    expect(m.precision(scores, target, { average: 'none' })).toEqual([1, 0.5, 0]);
    expect(m.recall(scores, target, { average: 'none' })).toEqual([1, 0.5, 0]);
    expect(m.f1Score(scores, target, { average: 'none' })).toEqual([1, 0.5, 0]);
    expect(m.precision(scores, target)).toBeCloseTo(0.5, 12);
    expect(m.f1Score(scores, target, { average: 'macro' })).toBeCloseTo(0.5, 12);
    // micro = accuracy for single-label
    expect(m.precision(scores, target, { average: 'micro' })).toBeCloseTo(0.6, 12);
    expect(m.recall(scores, target, { average: 'micro' })).toBeCloseTo(0.6, 12);
    expect(m.f1Score(scores, target, { average: 'micro' })).toBeCloseTo(0.6, 12);
    // asymmetric case: P != R
    const r = m.classificationReport([0, 0, 0, 1], [0, 1, 1, 1]);
    expect(r.precision).toEqual([1 / 3, 1]);
    expect(r.recall).toEqual([1, 1 / 3]);
    expect(r.f1[0]).toBeCloseTo(0.5, 12);
    expect(r.support).toEqual([1, 3]);
  });

  it('rejects mismatched lengths and bad averages', () => {
    expect(() => m.accuracy([1, 2], [1])).toThrow(ShapeError);
    expect(() => m.precision([1], [1], { average: 'weighted' as 'macro' })).toThrow(ValueError);
    expect(() => m.accuracy([0.5], [1])).toThrow(/not an integer/);
  });
});

describe('regression metrics', () => {
  const pred = [2.5, 0.0, 2, 8];
  const target = [3, -0.5, 2, 7];
  it('MSE, MAE, RMSE, R² (sklearn docs example)', () => {
    expect(m.mse(pred, target)).toBeCloseTo(0.375, 12);
    expect(m.mae(pred, target)).toBeCloseTo(0.5, 12);
    expect(m.rmse(pred, target)).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(m.r2Score(pred, target)).toBeCloseTo(0.9486081370449679, 12);
    expect(m.r2Score([1, 1], [1, 1])).toBe(1);
  });
});

describe('ROC-AUC', () => {
  it('matches the pairwise definition with ties as ½', () => {
    // sklearn docs: y=[0,0,1,1], s=[.1,.4,.35,.8] → 0.75
    expect(m.rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    // ties: pos {0.5, 0.9}, neg {0.5, 0.1}: pairs (0.5v0.5)=½, (0.5v0.1)=1, (0.9v*)=1,1 → 3.5/4
    expect(m.rocAuc([0.5, 0.9, 0.5, 0.1], [1, 1, 0, 0])).toBeCloseTo(0.875, 12);
    expect(
      m.rocAuc(
        tensor([
          [0.9, 0.1],
          [0.2, 0.8],
        ]),
        [0, 1],
      ),
    ).toBe(1);
    expect(() => m.rocAuc([0.1, 0.2], [1, 1])).toThrow(ValueError);
  });
});

describe('fairness metrics (hand-computed)', () => {
  // group a: preds 1,1,0,0 → rate .5 ; group b: preds 1,0,0,0 → rate .25
  const pred = [1, 1, 0, 0, 1, 0, 0, 0];
  const target = [1, 0, 1, 0, 1, 1, 0, 0];
  const group = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
  it('demographic parity difference', () => {
    expect(m.demographicParityDifference(pred, group)).toBeCloseTo(0.25, 12);
    expect(m.demographicParityDifference([1, 0, 1, 0], [0, 0, 1, 1])).toBe(0);
  });
  it('equalized odds difference = max(TPR gap, FPR gap)', () => {
    // a: positives idx0,2 → tp 1/2; negatives idx1,3 → fp 1/2
    // b: positives idx4,5 → tp 1/2; negatives idx6,7 → fp 0
    // TPR gap 0, FPR gap 0.5
    expect(m.equalizedOddsDifference(pred, target, group)).toBeCloseTo(0.5, 12);
    // three groups with TPR gap largest: g0 tpr 1, g1 tpr 0, g2 tpr .5; fpr all 0
    expect(m.equalizedOddsDifference([1, 0, 0, 0, 1, 0, 0], [1, 0, 1, 0, 1, 1, 0], [0, 0, 1, 1, 2, 2, 2])).toBeCloseTo(1, 12);
  });
  it('rejects non-binary predictions and a single group', () => {
    expect(() => m.demographicParityDifference([2, 0], ['a', 'b'])).toThrow(ValueError);
    expect(() => m.demographicParityDifference([1, 0], ['a', 'a'])).toThrow(/two groups/);
  });
});
