/**
 * The benchmark workloads written against backprop's public API, as a user would: nn.Sequential of
 * nn.Linear / nn.Conv2d / nn.MaxPool2d layers, F.crossEntropy, optim.Adam, and the explicit loop. Isomorphic (the
 * browser bench runs the same code).
 */
import * as bp from './backprop.js';

const { nn, optim } = bp;
const F = nn.F;

export interface Trainer {
  /** One optimisation step on batch `i` (wrapping); does not read the loss back (no sync). */
  step(i: number): void;
  loss(): number;
  /** The last loss read back asynchronously: on the GPU, this waits for every step queued before it. */
  lossAsync(): Promise<number>;
  model: bp.nn.Module;
}

/**
 * `device` 'webgpu': the model moves to the GPU before the optimizer is made, and each batch's images
 * go up per step (the labels, int32 class indices, stay on the CPU, as crossEntropy takes them).
 */
function trainer(model: bp.nn.Module, data: Digits, batch: number, imageShape: number[], device: 'cpu' | 'webgpu' = 'cpu'): Trainer {
  if (device !== 'cpu') model.to(device);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const batches = Math.floor(data.n / batch);
  let last: bp.Tensor | null = null;
  return {
    model,
    step(i: number) {
      const b = i % batches;
      const xc = bp.tensor(data.x.subarray(b * batch * 784, (b + 1) * batch * 784), { shape: [batch, ...imageShape] });
      const x = device === 'cpu' ? xc : xc.to(device);
      const y = bp.tensor(data.y.subarray(b * batch, (b + 1) * batch), { dtype: 'int32', shape: [batch] });
      const loss = F.crossEntropy(model.call(x) as bp.Tensor, y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      last = loss;
    },
    loss: () => (last ? last.item() : NaN),
    lossAsync: async () => (last ? await last.itemAsync() : NaN),
  };
}

/** MLP 784-256-128-10: nn.Sequential of nn.Linear/nn.ReLU, cross-entropy, Adam(lr 1e-3). */
export function mlp(seed = 1): bp.nn.Module {
  const rng = new bp.Rng(seed);
  return new nn.Sequential(
    new nn.Linear(784, 256, { rng }),
    new nn.ReLU(),
    new nn.Linear(256, 128, { rng }),
    new nn.ReLU(),
    new nn.Linear(128, 10, { rng }),
  );
}

export function mlpTrainer(data: Digits, batch: number, seed = 1, device: 'cpu' | 'webgpu' = 'cpu'): Trainer {
  return trainer(mlp(seed), data, batch, [784], device);
}

/** Batch-1 inference of the same MLP (no graph); returns the first logit (read back). */
export function mlpInfer(data: { x: Float32Array }, seed = 1): (i: number) => number {
  const model = mlp(seed);
  model.eval();
  return (i: number) =>
    bp.noGrad(() => {
      const x = bp.tensor(data.x.subarray((i % 100) * 784, (i % 100) * 784 + 784), { shape: [1, 784] });
      return (model.call(x) as bp.Tensor).storage[0]!;
    });
}

/** LeNet-5: conv(1→6,5,pad 2)-relu-maxpool2 → conv(6→16,5)-relu-maxpool2 → 400-120-84-10, Adam. */
export function lenetTrainer(data: Digits, batch: number, seed = 1, device: 'cpu' | 'webgpu' = 'cpu'): Trainer {
  const rng = new bp.Rng(seed);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2, rng }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5, { rng }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120, { rng }),
    new nn.ReLU(),
    new nn.Linear(120, 84, { rng }),
    new nn.ReLU(),
    new nn.Linear(84, 10, { rng }),
  );
  return trainer(model, data, batch, [1, 28, 28], device);
}

/**
 * The CLI's Fashion-MNIST `cnn` model (src/train/models.ts, `buildModel({ zoo: 'cnn' })`: [conv3 → BN →
 * ReLU → max-pool] × 2 with 32 and 64 channels → Linear(3136, 128) → BN → ReLU → Dropout(0.3) →
 * Linear(128, 10)), trained with Adam(1e-3) in train mode. The bench feeds it the bundled digits: same
 * 28×28 shape as Fashion-MNIST, and speed does not depend on the pixels.
 */
export function cnnTrainer(data: Digits, batch: number, seed = 1, device: 'cpu' | 'webgpu' = 'cpu'): Trainer {
  bp.manualSeed(seed);
  const model = bp.buildModel({ zoo: 'cnn', inputShape: [1, 28, 28], numClasses: 10 });
  return trainer(model, data, batch, [1, 28, 28], device);
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
