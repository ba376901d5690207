/**
 * The benchmark workloads written against backprop's public API, as a user would: parameters as
 * tensors, F.linear / F.conv2d, F.crossEntropy, optim.Adam, and the explicit loop. Isomorphic (the
 * browser bench runs the same code).
 */
import * as bp from '../src/index.js';

const { nn, optim } = bp;
const F = nn.F;

function uniformParam(shape: number[], fanIn: number, rng: bp.Rng): bp.Tensor {
  const b = 1 / Math.sqrt(fanIn);
  return bp.rand(shape, { rng }).mul(2 * b).sub(b).requiresGrad_();
}

export interface Trainer {
  /** One optimisation step on samples [i0, i0 + batch) (wrapping); returns nothing, to not sync. */
  step(i0: number): void;
  loss(): number;
  params: bp.Tensor[];
}

/** MLP 784-256-128-10, ReLU, cross-entropy, Adam(lr 1e-3). */
export function mlpTrainer(data: { x: Float32Array; y: Int32Array; n: number }, batch: number, seed = 1): Trainer {
  const rng = new bp.Rng(seed);
  const dims = [784, 256, 128, 10];
  const params: bp.Tensor[] = [];
  for (let l = 0; l < 3; l++) {
    params.push(uniformParam([dims[l + 1]!, dims[l]!], dims[l]!, rng));
    params.push(uniformParam([dims[l + 1]!], dims[l]!, rng));
  }
  const opt = new optim.Adam(params, { lr: 1e-3 });
  let last: bp.Tensor | null = null;
  const batches = Math.floor(data.n / batch);
  return {
    params,
    step(i: number) {
      const b = i % batches;
      const x = bp.tensor(data.x.subarray(b * batch * 784, (b + 1) * batch * 784), { shape: [batch, 784] });
      const y = bp.tensor(data.y.subarray(b * batch, (b + 1) * batch), { dtype: 'int32', shape: [batch] });
      let h = x;
      for (let l = 0; l < 3; l++) {
        h = F.linear(h, params[2 * l]!, params[2 * l + 1]!);
        if (l < 2) h = F.relu(h);
      }
      const loss = F.crossEntropy(h, y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      last = loss;
    },
    loss: () => (last ? last.item() : NaN),
  };
}

/** Batch-1 inference of the same MLP (no graph). */
export function mlpInfer(data: { x: Float32Array }, seed = 1): (i: number) => number {
  const t = mlpTrainer({ ...data, y: new Int32Array(1), n: 1 }, 1, seed);
  const p = t.params;
  return (i: number) =>
    bp.noGrad(() => {
      const x = bp.tensor(data.x.subarray((i % 100) * 784, (i % 100) * 784 + 784), { shape: [1, 784] });
      let h = F.relu(F.linear(x, p[0]!, p[1]!));
      h = F.relu(F.linear(h, p[2]!, p[3]!));
      h = F.linear(h, p[4]!, p[5]!);
      return h.storage[0]!;
    });
}

/** LeNet-5: conv(1→6,5,pad 2)-relu-maxpool2 → conv(6→16,5)-relu-maxpool2 → 400-120-84-10, Adam. */
export function lenetTrainer(data: { x: Float32Array; y: Int32Array; n: number }, batch: number, seed = 1): Trainer {
  const rng = new bp.Rng(seed);
  const c1 = uniformParam([6, 1, 5, 5], 25, rng);
  const b1 = uniformParam([6], 25, rng);
  const c2 = uniformParam([16, 6, 5, 5], 150, rng);
  const b2 = uniformParam([16], 150, rng);
  const fc: bp.Tensor[] = [];
  const dims = [400, 120, 84, 10];
  for (let l = 0; l < 3; l++) {
    fc.push(uniformParam([dims[l + 1]!, dims[l]!], dims[l]!, rng));
    fc.push(uniformParam([dims[l + 1]!], dims[l]!, rng));
  }
  const params = [c1, b1, c2, b2, ...fc];
  const opt = new optim.Adam(params, { lr: 1e-3 });
  let last: bp.Tensor | null = null;
  const batches = Math.floor(data.n / batch);
  return {
    params,
    step(i: number) {
      const b = i % batches;
      const x = bp.tensor(data.x.subarray(b * batch * 784, (b + 1) * batch * 784), { shape: [batch, 1, 28, 28] });
      const y = bp.tensor(data.y.subarray(b * batch, (b + 1) * batch), { dtype: 'int32', shape: [batch] });
      let h = F.maxPool2d(F.relu(F.conv2d(x, c1, b1, { padding: 2 })), 2);
      h = F.maxPool2d(F.relu(F.conv2d(h, c2, b2)), 2);
      h = h.flatten(1);
      for (let l = 0; l < 3; l++) {
        h = F.linear(h, fc[2 * l]!, fc[2 * l + 1]!);
        if (l < 2) h = F.relu(h);
      }
      const loss = F.crossEntropy(h, y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      last = loss;
    },
    loss: () => (last ? last.item() : NaN),
  };
}

export interface Digits {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/** Assemble the ten per-digit arrays of the `mnist` package (784 floats per image) into a fixed shuffle. */
export function digitsFrom(raws: readonly (readonly number[])[]): Digits {
  const ys: number[] = [];
  raws.forEach((r, d) => {
    for (let i = 0; i < r.length / 784; i++) ys.push(d);
  });
  const n = ys.length;
  const x = new Float32Array(n * 784);
  let o = 0;
  for (const r of raws) {
    x.set(r, o);
    o += r.length;
  }
  const perm = new bp.Rng(0).permutation(n);
  const xp = new Float32Array(n * 784);
  const yp = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    xp.set(x.subarray(perm[i]! * 784, perm[i]! * 784 + 784), i * 784);
    yp[i] = ys[perm[i]!]!;
  }
  return { x: xp, y: yp, n };
}
