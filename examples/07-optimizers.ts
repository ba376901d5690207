/**
 * 7. Optimizers and learning-rate schedules on the same task (a tanh MLP on three spiral arms,
 * full batch, identical initial weights): SGD, SGD + momentum, Adagrad, RMSprop, Adam, and
 * momentum with step decay and exponential decay. All loss curves go in one plot.
 * Stated result: at an equal number of steps, momentum, RMSprop and Adam each reach a lower
 * training loss than plain SGD.
 *
 *   npx tsx examples/07-optimizers.ts --full
 */
import { data, manualSeed, nn, optim, viz, type Tensor } from '../src/index.js';
import { claim, f, outFile, runIfMain, type RunOptions } from './lib.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = optim.Optimizer<any>;
type Config = { name: string; make: (p: nn.Parameter[]) => AnyOptimizer; schedule?: (o: AnyOptimizer, steps: number) => { step(): void } };
const configs: Config[] = [
  { name: 'SGD', make: (p) => new optim.SGD(p, { lr: 0.3 }) },
  { name: 'SGD+momentum', make: (p) => new optim.SGD(p, { lr: 0.3, momentum: 0.9 }) },
  { name: 'Adagrad', make: (p) => new optim.Adagrad(p, { lr: 0.1 }) },
  { name: 'RMSprop', make: (p) => new optim.RMSprop(p, { lr: 0.01 }) },
  { name: 'Adam', make: (p) => new optim.Adam(p, { lr: 0.02 }) },
  {
    name: 'momentum+StepLR',
    make: (p) => new optim.SGD(p, { lr: 0.3, momentum: 0.9 }),
    schedule: (o, steps) => new optim.StepLR(o, { stepSize: Math.round(steps / 4), gamma: 0.5 }),
  },
  {
    name: 'momentum+ExponentialLR',
    make: (p) => new optim.SGD(p, { lr: 0.3, momentum: 0.9 }),
    schedule: (o, steps) => new optim.ExponentialLR(o, { gamma: Math.pow(0.1, 1 / steps) }),
  },
];

function train(cfg: Config, x: Tensor, y: Tensor, steps: number): number[] {
  manualSeed(7); // same initial weights for every optimizer
  const model = new nn.Sequential(new nn.Linear(2, 32), new nn.Tanh(), new nn.Linear(32, 32), new nn.Tanh(), new nn.Linear(32, 3));
  const opt = cfg.make(model.parameters());
  const sched = cfg.schedule?.(opt, steps);
  const lossFn = new nn.CrossEntropyLoss();
  const curve: number[] = [];
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = lossFn.call(model.call(x), y);
    loss.backward();
    opt.step();
    sched?.step(); // schedules here step once per optimisation step
    curve.push(loss.item());
  }
  return curve;
}

export async function run({ fast }: RunOptions) {
  const { x, y } = data.datasets.spiral({ n: fast ? 150 : 300, classes: 3, noise: 0.1, seed: 1 });
  const steps = fast ? 300 : 1500;
  const final: Record<string, number> = {};
  const values: { step: number; loss: number; optimizer: string }[] = [];
  for (const cfg of configs) {
    const curve = train(cfg, x.div(5), y, steps);
    final[cfg.name] = curve.slice(-10).reduce((a, b) => a + b, 0) / 10; // mean of the last 10 steps
    curve.forEach((loss, step) => step % 5 === 0 && values.push({ step, loss, optimizer: cfg.name }));
    console.log(`  ${cfg.name.padEnd(24)} final loss ${f(final[cfg.name]!, 4)}`);
  }
  const file = outFile('07-optimizers.svg', fast);
  await viz.saveSVG(file, {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Training loss, ${steps} full-batch steps on spirals`,
    width: 520,
    height: 320,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'cross-entropy (log scale)' },
      color: { field: 'optimizer', type: 'nominal', sort: configs.map((c) => c.name) },
    },
  });
  const sgd = final.SGD!;
  return {
    metrics: Object.fromEntries(Object.entries(final).map(([k, v]) => [`loss_${k}`, v])),
    files: [file],
    claims: (['SGD+momentum', 'RMSprop', 'Adam'] as const).map((name) =>
      claim(
        `${name} reaches a lower loss than plain SGD after ${steps} steps`,
        final[name]! < sgd,
        `${f(final[name]!, 4)} vs SGD ${f(sgd, 4)}`,
      ),
    ),
  };
}

await runIfMain(import.meta.url, run);
