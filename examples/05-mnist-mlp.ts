/**
 * 5. Softmax + cross-entropy: an MLP classifies the bundled MNIST digits (8,000 train / 2,000
 * test). Learning curves, the confusion matrix and an image of misclassified digits are written.
 * Full mode adds random ±2-pixel shifts (augmentation) and dropout.
 * Stated result: test accuracy ≥ 0.96 in full mode (≥ 0.88 in fast mode).
 *
 *   npx tsx examples/05-mnist-mlp.ts --full
 */
import { data, manualSeed, metrics, nn, noGrad, optim, Rng, tensor, viz, type Tensor } from '../src/index.js';
import { accuracyOf, claim, f, outFile, predictLabels, runIfMain, subset, type RunOptions } from './lib.js';

export async function run({ fast }: RunOptions) {
  manualSeed(0);
  const mnist = await data.datasets.mnist();
  const [xTrain, yTrain] = subset(mnist.train, fast ? 3000 : 8000, 1) as [Tensor, Tensor];
  const [xTest, yTest] = subset(mnist.test, fast ? 1000 : 2000, 2) as [Tensor, Tensor];
  const model = new nn.Sequential(
    new nn.Flatten(), // [N, 1, 28, 28] → [N, 784]
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Dropout(fast ? 0 : 0.2),
    new nn.Linear(256, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10), // logits; CrossEntropyLoss applies log-softmax
  );
  const epochs = fast ? 5 : 30;
  const augment = fast ? (x: Tensor) => x : data.randomShift(2, { rng: new Rng(4) });
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const sched = new optim.CosineAnnealingLR(opt, { tMax: epochs });
  const lossFn = new nn.CrossEntropyLoss();
  const loader = new data.DataLoader(new data.TensorDataset(xTrain, yTrain), { batchSize: 64, shuffle: true, seed: 3 });
  const history: { epoch: number; loss: number; valLoss: number; accuracy: number; valAccuracy: number }[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let [sum, correct] = [0, 0];
    for (const [x, y] of loader) {
      opt.zeroGrad();
      const logits = model.call(augment(x!));
      const loss = lossFn.call(logits, y!);
      loss.backward();
      opt.step();
      sum += loss.item() * y!.shape[0]!;
      correct += noGrad(() => logits.argmax(1).eq(y!).sum().item());
    }
    sched.step();
    const valLoss = noGrad(() => lossFn.call(model.eval().call(xTest), yTest).item());
    model.train();
    history.push({
      epoch,
      loss: sum / xTrain.shape[0]!,
      valLoss,
      accuracy: correct / xTrain.shape[0]!,
      valAccuracy: accuracyOf(model, xTest, yTest),
    });
  }
  const pred = predictLabels(model, xTest);
  const acc = metrics.accuracy(pred, yTest);
  const cm = metrics.confusionMatrix(pred, yTest, 10);
  const [p, t] = [pred.dataSync(), yTest.dataSync()];
  const wrong = Array.from(p.keys())
    .filter((i) => p[i] !== t[i])
    .slice(0, 24);
  console.log(`  misclassified (true→predicted): ${wrong.map((i) => `${t[i]}→${p[i]}`).join(' ')}`);
  const files = ['05-mnist-learning-curves.svg', '05-mnist-confusion.svg', '05-mnist-misclassified.png'].map((n) => outFile(n, fast));
  await viz.saveSVG(files[0]!, viz.learningCurvesSpec({ epochs: history }, { title: 'MLP on MNIST', monitor: 'valLoss' }));
  await viz.saveSVG(files[1]!, viz.confusionMatrixSpec(cm, { title: `Confusion matrix (test accuracy ${f(acc)})` }));
  if (wrong.length)
    await viz.savePNG(files[2]!, viz.imageGrid(xTest.indexSelect(0, tensor(wrong, { dtype: 'int32' })), { ncol: 8, scale: 2 }));
  const bar = fast ? 0.88 : 0.96;
  return {
    metrics: { test_accuracy: acc, final_train_loss: history.at(-1)!.loss, epochs },
    files,
    claims: [claim(`test accuracy ≥ ${bar}`, acc >= bar, `${f(acc, 4)} on ${xTest.shape[0]} test digits (${epochs} epochs)`)],
  };
}

await runIfMain(import.meta.url, run);
