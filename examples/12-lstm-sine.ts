/**
 * 12. A recurrent network on a sequence task: an LSTM reads sine waves of random frequency,
 * amplitude and phase and predicts the next value at every step; then it continues a wave on its
 * own, feeding each prediction back in (autoregressive generation).
 * Stated results: one-step test MSE ≤ 1/10 of the "repeat the last value" baseline, and the
 * 15-step free-running continuation MSE ≤ 1/4 of predicting 0 (fast: ≤ 1/2).
 *
 *   npx tsx examples/12-lstm-sine.ts --full
 */
import { cat, manualSeed, nn, noGrad, optim, Rng, tensor, data, type Tensor } from '../src/index.js';
import { claim, f, runIfMain, type RunOptions } from './lib.js';

/** n waves of length T: [n, T, 1]. */
function waves(n: number, T: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const out: number[][][] = [];
  for (let i = 0; i < n; i++) {
    const [w, a, p] = [rng.uniformRange(0.15, 0.45), rng.uniformRange(0.5, 1), rng.uniformRange(0, 2 * Math.PI)];
    out.push(Array.from({ length: T }, (_, t) => [a * Math.sin(w * t + p)]));
  }
  return tensor(out);
}

class Forecaster extends nn.Module {
  lstm = new nn.LSTM(1, 32, { batchFirst: true });
  head = new nn.Linear(32, 1);
  forward(x: Tensor, state: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const [out, next] = this.lstm.call(x, state); // out: [N, T, 32]
    return [this.head.call(out), next]; // [N, T, 1]: the prediction of x[t + 1] at each t
  }
}

export async function run({ fast }: RunOptions) {
  manualSeed(0);
  const T = 40;
  const train = waves(fast ? 512 : 2048, T + 1, 1);
  const test = waves(128, T + 1, 2);
  const model = new Forecaster();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const loader = new data.DataLoader(new data.TensorDataset(train), { batchSize: 32, shuffle: true, seed: 3 });
  const epochs = fast ? 20 : 40;
  for (let epoch = 0; epoch < epochs; epoch++)
    for (const [seq] of loader) {
      opt.zeroGrad();
      const [pred] = model.call(seq!.narrow(1, 0, T));
      const loss = pred
        .sub(seq!.narrow(1, 1, T))
        .square()
        .mean(); // teacher forcing: true inputs, next-value targets
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), 1);
      opt.step();
    }
  model.eval();
  const { oneStep, baseline, freeRun, zero } = noGrad(() => {
    const [pred] = model.call(test.narrow(1, 0, T));
    const target = test.narrow(1, 1, T);
    const oneStep = pred.sub(target).square().mean().item();
    const baseline = test.narrow(1, 0, T).sub(target).square().mean().item();
    // Free running: read the first 25 values, then feed back 15 predictions.
    const warm = 25;
    const horizon = 15;
    let [out, state] = model.call(test.narrow(1, 0, warm));
    let next = out.narrow(1, warm - 1, 1);
    const gen: Tensor[] = [];
    for (let t = 0; t < horizon; t++) {
      gen.push(next);
      [out, state] = model.call(next, state);
      next = out;
    }
    const freeRun = cat(gen, 1)
      .sub(test.narrow(1, warm, horizon))
      .square()
      .mean()
      .item();
    const zero = test.narrow(1, warm, horizon).square().mean().item(); // predicting 0 (the mean)
    const row = (t: Tensor) =>
      Array.from(t.select(0, 0).reshape([-1]).dataSync())
        .slice(0, 10)
        .map((v) => f(v, 2))
        .join(' ');
    console.log(
      `  continuation of test wave 0 (first 10 of 15):\n    true      ${row(test.narrow(1, warm, horizon))}\n    generated ${row(cat(gen, 1))}`,
    );
    return { oneStep, baseline, freeRun, zero };
  });
  const frac = fast ? 0.5 : 0.25;
  return {
    metrics: { one_step_mse: oneStep, repeat_last_mse: baseline, free_run_mse: freeRun, predict_zero_mse: zero },
    claims: [
      claim(
        'one-step MSE ≤ 1/10 of the repeat-last-value baseline',
        oneStep <= baseline / 10,
        `${f(oneStep, 5)} vs baseline ${f(baseline, 5)}`,
      ),
      claim(`15-step free-running MSE ≤ ${frac} × that of predicting 0`, freeRun <= frac * zero, `${f(freeRun, 4)} vs ${f(zero, 4)}`),
    ],
  };
}

await runIfMain(import.meta.url, run);
