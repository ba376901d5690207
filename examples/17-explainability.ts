/**
 * 17. Explainability: which pixels made the network say "7"? Two attribution methods on a small
 * CNN trained on MNIST digits:
 * - saliency: |∂ score / ∂ pixel| (Simonyan et al., 2013);
 * - integrated gradients (Sundararajan et al., 2017): the gradient averaged along the straight path
 *   from a black baseline x′ to x, times (x − x′). Its completeness axiom says the attributions sum to
 *   F(x) − F(x′) — checked here against the model's own outputs.
 * Image: inputs (top), saliency (middle), signed integrated gradients (bottom).
 * Stated result: |Σ IG − (F(x) − F(x′))| ≤ 2 % of |F(x) − F(x′)| for every explained digit (64 steps;
 * full mode 1 % with 256 steps).
 *
 *   npx tsx examples/17-explainability.ts --full
 */
import { data, integratedGradients, manualSeed, nn, noGrad, optim, saliency, viz, zeros, type Tensor } from '../src/index.js';
import { accuracyOf, claim, f, outFile, runIfMain, subset, type RunOptions } from './lib.js';

/** Stack RGBA images of equal width vertically. */
function stackRows(rows: viz.RGBAImage[]): viz.RGBAImage {
  const height = rows.reduce((s, r) => s + r.height, 0);
  const out = new Uint8ClampedArray(rows[0]!.width * height * 4);
  let offset = 0;
  for (const r of rows) {
    out.set(r.data, offset);
    offset += r.data.length;
  }
  return { width: rows[0]!.width, height, data: out };
}

export async function run({ fast }: RunOptions) {
  manualSeed(0);
  const mnist = await data.datasets.mnist();
  const [xTrain, yTrain] = subset(mnist.train, fast ? 2000 : 8000, 1) as [Tensor, Tensor];
  const [xTest, yTest] = subset(mnist.test, 500, 2) as [Tensor, Tensor];
  const model = new nn.Sequential(
    new nn.Conv2d(1, 8, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2), // [N, 8, 12, 12]
    new nn.Conv2d(8, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2), // [N, 16, 4, 4]
    new nn.Flatten(),
    new nn.Linear(256, 10),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
  const lossFn = new nn.CrossEntropyLoss();
  const loader = new data.DataLoader(new data.TensorDataset(xTrain, yTrain), { batchSize: 64, shuffle: true, seed: 3 });
  for (let epoch = 0; epoch < (fast ? 2 : 6); epoch++)
    for (const [x, y] of loader) {
      opt.zeroGrad();
      const loss = lossFn.call(model.call(x!), y!);
      loss.backward();
      opt.step();
    }
  const acc = accuracyOf(model, xTest, yTest);

  const x = xTest.narrow(0, 0, 8);
  const target = Array.from(noGrad(() => model.eval().call(x).argmax(1)).dataSync(), Number); // explain the predicted class
  const sal = saliency(model, x, target); // [8, 1, 28, 28]
  const steps = fast ? 64 : 256;
  const baseline = zeros(x.shape);
  const { attributions } = integratedGradients(model, x, target, { baseline, steps });
  // Completeness, checked against the model's own outputs.
  const score = (t: Tensor) => noGrad(() => model.eval().call(t)).toArray() as number[][];
  const [fx, fb] = [score(x), score(baseline)];
  const sums = attributions.reshape([8, -1]).sum(1).dataSync();
  const relErr = target.map((c, i) => Math.abs(sums[i]! - (fx[i]![c]! - fb[i]![c]!)) / Math.abs(fx[i]![c]! - fb[i]![c]!));
  console.log(
    `  predicted: ${target.join(' ')}; Σ IG vs F(x) − F(x′): ${target.map((c, i) => `${f(sums[i]!, 2)}/${f(fx[i]![c]! - fb[i]![c]!, 2)}`).join(' ')}`,
  );

  const file = outFile('17-saliency-ig.png', fast);
  const grid = (t: Tensor, opts: viz.GridOptions) => viz.imageGrid(t, { ncol: 8, scale: 3, ...opts });
  await viz.savePNG(
    file,
    stackRows([grid(x, {}), grid(sal, { colormap: 'hot' }), grid(attributions, { colormap: 'coolwarm', range: 'symmetric' })]),
  );
  const tol = fast ? 0.02 : 0.01;
  const worst = Math.max(...relErr);
  return {
    metrics: { test_accuracy: acc, ig_worst_rel_error: worst, ig_steps: steps },
    files: [file],
    claims: [
      claim(
        `IG completeness: |Σ attributions − (F(x) − F(x′))| ≤ ${tol * 100} % for all 8 digits`,
        worst <= tol,
        `worst relative gap ${f(worst * 100, 3)} % with ${steps} steps`,
      ),
    ],
  };
}

await runIfMain(import.meta.url, run);
