/**
 * 18. Transfer learning: train a small CNN on MNIST digits, then freeze its convolutional feature
 * extractor (requiresGrad = false) and train only a new linear head on Fashion-MNIST clothes
 * (Debian's dataset-fashion-mnist; skipped with a message when it is not installed). For
 * comparison, the same head on a frozen *untrained* extractor.
 * Stated results: the frozen extractor's weights are bit-for-bit unchanged after training the head;
 * head test accuracy ≥ 0.8 in full mode (≥ 0.7 fast).
 *
 *   npx tsx examples/18-transfer-learning.ts --full
 */
import { data, FormatError, manualSeed, nn, optim, type Tensor } from '../src/index.js';
import { accuracyOf, claim, f, runIfMain, subset, type ExampleResult, type RunOptions } from './lib.js';

const extractor = () =>
  new nn.Sequential(
    new nn.Conv2d(1, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2), // [N, 16, 12, 12]
    new nn.Conv2d(16, 32, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2), // [N, 32, 4, 4]
    new nn.Flatten(), // [N, 512]
  );

function train(model: nn.Module, params: nn.Parameter[], x: Tensor, y: Tensor, epochs: number): void {
  const opt = new optim.Adam(params, { lr: 2e-3 });
  const lossFn = new nn.CrossEntropyLoss();
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 3 });
  for (let epoch = 0; epoch < epochs; epoch++)
    for (const [xb, yb] of loader) {
      opt.zeroGrad();
      const loss = lossFn.call(model.call(xb!), yb!);
      loss.backward();
      opt.step();
    }
}

export async function run({ fast }: RunOptions): Promise<ExampleResult> {
  let fashion: data.datasets.TrainTest;
  try {
    fashion = await data.datasets.fashionMnist();
  } catch (e) {
    if (e instanceof FormatError && e.code === 'E_DATASET_MISSING')
      return { metrics: {}, claims: [], skipped: 'dataset-fashion-mnist not installed (apt-get install dataset-fashion-mnist)' };
    throw e;
  }
  manualSeed(0);
  // 1. Pretrain on digits.
  const mnist = await data.datasets.mnist();
  const [xd, yd] = subset(mnist.train, fast ? 2000 : 8000, 1) as [Tensor, Tensor];
  const features = extractor();
  const digitNet = new nn.Sequential(features, new nn.Linear(512, 10));
  train(digitNet, digitNet.parameters(), xd, yd, fast ? 2 : 4);

  // 2. Freeze the extractor, attach a new head for the ten clothing classes.
  features.zeroGrad(); // drop the pretraining gradients (grad = null)
  features.requiresGrad_(false);
  const before = features.parameters().map((p) => Float32Array.from(p.dataSync() as Float32Array));
  const [xf, yf] = subset(fashion.train, fast ? 3000 : 20000, 2) as [Tensor, Tensor];
  const [xt, yt] = subset(fashion.test, fast ? 1000 : 10000, 3) as [Tensor, Tensor];
  const head = new nn.Linear(512, 10);
  const transfer = new nn.Sequential(features, head);
  train(transfer, head.parameters(), xf, yf, fast ? 3 : 6); // only the head's parameters are optimised
  const acc = accuracyOf(transfer, xt, yt);
  const sameBits = features.parameters().every((p, i) => p.dataSync().every((v, j) => Object.is(v, before[i]![j])));
  const noGrads = features.parameters().every((p) => p.grad === null);

  // Baseline: the same head on a frozen, untrained extractor.
  const randomFeatures = extractor().requiresGrad_(false);
  const randomHead = new nn.Linear(512, 10);
  const baseline = new nn.Sequential(randomFeatures, randomHead);
  train(baseline, randomHead.parameters(), xf, yf, fast ? 3 : 6);
  const baseAcc = accuracyOf(baseline, xt, yt);
  console.log(`  classes: ${fashion.classes.join(', ')}`);
  const bar = fast ? 0.7 : 0.8;
  return {
    metrics: { head_accuracy: acc, random_extractor_accuracy: baseAcc },
    claims: [
      claim(
        'frozen extractor: weights bit-for-bit unchanged, no gradients',
        sameBits && noGrads,
        `${features.parameters().length} tensors: values ${sameBits ? 'identical' : 'CHANGED'}, gradients ${noGrads ? 'none' : 'PRESENT'}`,
      ),
      claim(
        `new head on Fashion-MNIST: test accuracy ≥ ${bar}`,
        acc >= bar,
        `${f(acc)} on ${xt.shape[0]} test images (random frozen extractor: ${f(baseAcc)})`,
      ),
    ],
  };
}

await runIfMain(import.meta.url, run);
