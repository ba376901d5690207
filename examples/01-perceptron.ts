/**
 * 1. A single perceptron: one neuron ŷ = σ(b + w₁x₁ + w₂x₂) trained by gradient descent.
 * It learns a linearly separable rule, the line g(1 + 3x₁ − 2x₂) (g = step), but not XOR: one line
 * cannot split four quadrants, which is why XOR needs a hidden layer (example 2).
 * Stated results: accuracy ≥ 0.98 on the line; accuracy ≤ 0.75 on XOR.
 *
 *   npx tsx examples/01-perceptron.ts --full
 */
import { data, manualSeed, nn, optim, Rng, tensor, type Tensor } from '../src/index.js';
import { claim, f, runIfMain, type RunOptions } from './lib.js';

/** Points uniform in [−3, 3]², labelled by the step of 1 + 3x₁ − 2x₂. */
function linePoints(n: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const [x1, x2] = [rng.uniformRange(-3, 3), rng.uniformRange(-3, 3)];
    xs.push([x1, x2]);
    ys.push(1 + 3 * x1 - 2 * x2 > 0 ? 1 : 0);
  }
  return { x: tensor(xs), y: tensor(ys) };
}

/** Train one neuron with the explicit loop; returns it and its accuracy on (x, y). */
function trainPerceptron(x: Tensor, y: Tensor, steps: number): { neuron: nn.Linear; acc: number } {
  const neuron = new nn.Linear(2, 1);
  const opt = new optim.SGD(neuron.parameters(), { lr: 0.5 });
  const lossFn = new nn.BCEWithLogitsLoss();
  const target = y.float().unsqueeze(1);
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = lossFn.call(neuron.call(x), target); // forward + loss
    loss.backward(); // gradients
    opt.step(); // w ← w − lr·∂loss/∂w
  }
  const pred = neuron.call(x).squeeze(1).gt(0).int();
  return { neuron, acc: pred.eq(y).float().mean().item() };
}

export async function run({ fast }: RunOptions) {
  manualSeed(0);
  const steps = fast ? 300 : 2000;
  const train = linePoints(fast ? 200 : 1000, 1);
  const test = linePoints(1000, 2);
  const { neuron } = trainPerceptron(train.x, train.y, steps);
  const testAcc = neuron.call(test.x).squeeze(1).gt(0).int().eq(test.y).float().mean().item();
  // The learned (b, w₁, w₂), scaled so b = 1, should point along (1, 3, −2).
  const [w1, w2] = Array.from(neuron.weight.dataSync());
  const b = neuron.bias!.item();
  const term = (v: number, name: string) => `${v < 0 ? '−' : '+'} ${f(Math.abs(v), 2)}${name}`;
  console.log(`  learned boundary: 1 ${term(w1! / b, 'x₁')} ${term(w2! / b, 'x₂')} = 0 (true: 1 + 3x₁ − 2x₂ = 0)`);

  const xor = data.datasets.xor({ n: fast ? 200 : 1000, seed: 3 });
  const { acc: xorAcc } = trainPerceptron(xor.x.div(5), xor.y, steps);
  return {
    metrics: { line_test_accuracy: testAcc, xor_accuracy: xorAcc },
    claims: [
      claim('perceptron learns the line g(1 + 3x₁ − 2x₂): accuracy ≥ 0.98', testAcc >= 0.98, `test accuracy ${f(testAcc)}`),
      claim('a single perceptron cannot learn XOR: accuracy ≤ 0.75', xorAcc <= 0.75, `accuracy on its own training points ${f(xorAcc)}`),
    ],
  };
}

await runIfMain(import.meta.url, run);
