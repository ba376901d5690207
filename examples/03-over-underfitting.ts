/**
 * 3. Over- and underfitting. Part A: least-squares polynomials of degree 1, 2 and 15 on 20 noisy
 * samples of a quadratic — degree 1 underfits (high train and test error), degree 15 overfits
 * (lowest train error, test error above degree 2's). Part B: the same lesson with an MLP of growing
 * width, then L2, dropout and early stopping on the widest one closing the train–test gap.
 * Stated results: the train/test orderings above; every regulariser's gap < the unregularised gap.
 *
 *   npx tsx examples/03-over-underfitting.ts --full
 */
import { arange, data, manualSeed, nn, optim, noGrad, tensor, viz, type Tensor } from '../src/index.js';
import { claim, f, outFile, runIfMain, type RunOptions } from './lib.js';
import { solve } from './linalg.js';

const quad = (n: number, seed: number) => data.datasets.polynomial({ n, seed, coefficients: [0.2, -0.6, 1.5], noise: 0.25 });
const mse = (a: Tensor, b: Tensor) => a.sub(b).square().mean().item();

/** Least squares on features [1, x, …, x^d] via the normal equations (XᵀX) w = Xᵀy in float64. */
function polyFit(x: Tensor, y: Tensor, degree: number): (x: Tensor) => Tensor {
  const feats = (t: Tensor) => t.double().pow(arange(0, degree + 1, 1, { dtype: 'float64' })); // [N, 1] ** [d+1] → [N, d+1]
  const X = feats(x); // [N, d+1]
  const A = X.t().matmul(X).toArray() as number[][];
  const b = (X.t().matmul(y.double()).toArray() as number[][]).map((r) => r[0]!);
  const w = solve(A, b);
  return (t) =>
    feats(t)
      .matmul(tensor(w, { dtype: 'float64' }).unsqueeze(1))
      .float();
}

type Reg = 'none' | 'l2' | 'dropout' | 'early-stopping';
/** An MLP trained full-batch with the explicit loop; returns per-step curves and the final errors. */
function trainMLP(width: number, reg: Reg, sets: Record<'train' | 'val' | 'test', { x: Tensor; y: Tensor }>, steps: number) {
  const layers: nn.Module[] = [new nn.Linear(1, width), new nn.ReLU()];
  if (reg === 'dropout') layers.push(new nn.Dropout(0.3));
  layers.push(new nn.Linear(width, width), new nn.ReLU());
  if (reg === 'dropout') layers.push(new nn.Dropout(0.3));
  layers.push(new nn.Linear(width, 1));
  const model = new nn.Sequential(...layers);
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const curve: { epoch: number; loss: number; valLoss: number }[] = [];
  let best = { val: Infinity, state: model.stateDict() };
  const evalOn = (s: { x: Tensor; y: Tensor }) => noGrad(() => mse(model.eval().call(s.x), s.y));
  for (let step = 0; step < steps; step++) {
    model.train();
    opt.zeroGrad();
    let loss = mse0(model.call(sets.train.x), sets.train.y);
    if (reg === 'l2') loss = loss.add(nn.utils.l2Penalty(model.parameters()).mul(3e-3));
    loss.backward();
    opt.step();
    if ((step + 1) % (steps / 60) === 0) {
      // 60 checkpoints
      const val = evalOn(sets.val);
      curve.push({ epoch: step + 1, loss: evalOn(sets.train), valLoss: evalOn(sets.test) });
      // stateDict() returns the live tensors (as in PyTorch): snapshot copies of the best weights
      if (reg === 'early-stopping' && val < best.val)
        best = { val, state: Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.clone()])) };
    }
  }
  if (reg === 'early-stopping') model.loadStateDict(best.state);
  const train = evalOn(sets.train);
  const test = evalOn(sets.test);
  return { train, test, gap: test - train, curve };
}
const mse0 = (a: Tensor, b: Tensor) => a.sub(b).square().mean();

export async function run({ fast }: RunOptions) {
  manualSeed(0);
  const sets = { train: quad(20, 1), val: quad(200, 2), test: quad(500, 3) };
  console.log('  degree   train MSE   test MSE');
  const poly: Record<number, { train: number; test: number }> = {};
  for (let d = 1; d <= 15; d++) {
    const fit = polyFit(sets.train.x, sets.train.y, d);
    poly[d] = { train: mse(fit(sets.train.x), sets.train.y), test: mse(fit(sets.test.x), sets.test.y) };
    if (d === 1 || d === 2 || d === 15)
      console.log(`  ${String(d).padStart(6)}   ${f(poly[d]!.train, 4).padStart(9)}   ${poly[d]!.test.toPrecision(4).padStart(8)}`);
  }
  const files = [outFile('03-polynomial-complexity.svg', fast)];
  const rows = Object.entries(poly).map(([d, e]) => ({ complexity: Number(d), trainError: e.train, testError: Math.min(e.test, 1) }));
  await viz.saveSVG(
    files[0]!,
    viz.complexityCurveSpec(rows, { xTitle: 'polynomial degree', yTitle: 'MSE (test clipped at 1)', title: 'Under- and overfitting' }),
  );

  const steps = fast ? 600 : 3000;
  const widths = fast ? [2, 64] : [2, 8, 64, 256];
  const byWidth = widths.map((w) => ({ width: w, ...trainMLP(w, 'none', sets, steps) }));
  for (const r of byWidth)
    console.log(`  MLP width ${String(r.width).padStart(3)}: train ${f(r.train, 4)} test ${f(r.test, 4)} gap ${f(r.gap, 4)}`);
  const wide = byWidth.at(-1)!;
  const regs = (['l2', 'dropout', 'early-stopping'] as const).map((reg) => ({ reg, ...trainMLP(wide.width, reg, sets, steps) }));
  for (const r of regs) console.log(`  width ${wide.width} + ${r.reg}: train ${f(r.train, 4)} test ${f(r.test, 4)} gap ${f(r.gap, 4)}`);
  files.push(outFile('03-mlp-learning-curves.svg', fast));
  await viz.saveSVG(
    files[1]!,
    viz.learningCurvesSpec(
      { epochs: wide.curve },
      { title: `MLP width ${wide.width}, no regularisation (val = test)`, monitor: 'valLoss' },
    ),
  );

  const [p1, p2, p15] = [poly[1]!, poly[2]!, poly[15]!];
  return {
    metrics: {
      deg1_test: p1.test,
      deg2_test: p2.test,
      deg15_train: p15.train,
      deg15_test: p15.test,
      mlp_gap: wide.gap,
      ...Object.fromEntries(regs.map((r) => [`gap_${r.reg}`, r.gap])),
    },
    files,
    claims: [
      claim(
        'degree 15 has the lowest train error but a higher test error than degree 2',
        p15.train < p2.train && p15.train < p1.train && p15.test > p2.test,
        `train ${f(p15.train, 4)} vs ${f(p2.train, 4)}; test ${p15.test.toPrecision(4)} vs ${f(p2.test, 4)}`,
      ),
      claim(
        'degree 1 underfits: train and test error above degree 2',
        p1.train > p2.train && p1.test > p2.test,
        `train ${f(p1.train, 4)} vs ${f(p2.train, 4)}; test ${f(p1.test, 4)} vs ${f(p2.test, 4)}`,
      ),
      ...regs.map((r) =>
        claim(
          `${r.reg} shrinks the train–test gap of the width-${wide.width} MLP`,
          r.gap < wide.gap,
          `gap ${f(r.gap, 4)} vs ${f(wide.gap, 4)} unregularised`,
        ),
      ),
    ],
  };
}

await runIfMain(import.meta.url, run);
