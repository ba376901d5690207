/**
 * End to end through the data pipeline: a synthetic table → split → preprocessing fitted on the
 * training rows only → TensorDataset → shuffled DataLoader → a few epochs of linear regression with
 * autograd. The point is the plumbing (shapes, dtypes, train-only fitting), checked by the loss.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, data, zeros, noGrad } from '../../src/index.js';

describe('data pipeline end to end', () => {
  it('house prices: ColumnTransformer + DataLoader + SGD lowers the held-out error', () => {
    const h = data.datasets.housePrices({ n: 600, seed: 2 });
    const n = h.table.area.length;
    const { train, test } = data.trainValTestSplit({ length: n, getItem: (i: number) => i }, { val: 0, test: 0.2, seed: 1 });
    const rows = (idx: Int32Array): data.Table => {
      const out: Record<string, number[] | string[]> = {};
      for (const c of [...h.numeric, ...h.categorical, 'price']) {
        const col = h.table[c as keyof typeof h.table] as ArrayLike<number | string>;
        out[c] = Array.from(idx, (i) => col[i]!) as number[] | string[];
      }
      return out;
    };
    const trainT = rows(train.indices);
    const testT = rows(test.indices);
    const ct = new data.ColumnTransformer([
      { name: 'num', transformer: new data.StandardScaler(), columns: h.numeric },
      { name: 'cat', transformer: new data.OneHotEncoder({ handleUnknown: 'ignore' }), columns: h.categorical },
    ]).fit(trainT);
    const ys = new data.StandardScaler().fit((trainT.price as number[]).map((v) => [v]));
    const xTrain = ct.transform(trainT);
    const yTrain = ys.transform((trainT.price as number[]).map((v) => [v]));
    const xTest = ct.transform(testT);
    const yTest = ys.transform((testT.price as number[]).map((v) => [v]));
    expect(xTrain.shape).toEqual([480, 12]);
    expect(xTest.shape).toEqual([120, 12]);

    const w = zeros([12, 1]).requiresGrad_();
    const b = zeros([1]).requiresGrad_();
    const mse = (x: Tensor, y: Tensor) => x.matmul(w).add(b).sub(y).square().mean();
    const before = noGrad(() => mse(xTest, yTest).item());
    const loader = new data.DataLoader(new data.TensorDataset(xTrain, yTrain), { batchSize: 32, shuffle: true, seed: 0 });
    for (let epoch = 0; epoch < 20; epoch++)
      for (const [xb, yb] of loader) {
        w.grad = null;
        b.grad = null;
        mse(xb!, yb!).backward();
        noGrad(() => {
          w.sub_(w.grad!.mul(0.05));
          b.sub_(b.grad!.mul(0.05));
        });
      }
    const after = noGrad(() => mse(xTest, yTest).item());
    console.log(`held-out MSE (standardised price): ${before.toFixed(3)} → ${after.toFixed(3)}`);
    expect(before).toBeGreaterThan(0.5);
    expect(after).toBeLessThan(0.15 * before);
  });
});
