/**
 * Reference runners for training.json: rebuild the `nn.Sequential` from `[class, args, kwargs]`, load
 * `initial_state_dict`, then run `zeroGrad → crossEntropy(model(x), y) → backward → step` for `steps`
 * steps, comparing the loss before every update, the first step's gradients, the weights after every
 * update and the final weights.
 */
import { nn, optim, type Tensor } from '../../src/index.js';
import { camelKeys } from './optim.js';
import type { Comparison, RefCase, RefTensor, Registry } from './types.js';
import { refDeviceNow, toTensor } from './util.js';

type LayerSpec = [string, unknown[], Record<string, unknown>];

const layers: Record<string, (a: unknown[], k: Record<string, unknown>) => nn.Module> = {
  'torch.nn.Linear': (a, k) => new nn.Linear(a[0] as number, a[1] as number, k),
  'torch.nn.ReLU': () => new nn.ReLU(),
  'torch.nn.Conv2d': (a, k) => new nn.Conv2d(a[0] as number, a[1] as number, a[2] as number, k),
  'torch.nn.MaxPool2d': (a, k) => new nn.MaxPool2d(a[0] as number, k),
  'torch.nn.Flatten': () => new nn.Flatten(),
};

const optimizers: Record<string, new (params: Tensor[], opts: Record<string, unknown>) => optim.Optimizer<{ lr: number }>> = {
  'torch.optim.SGD': optim.SGD as never,
  'torch.optim.Adam': optim.Adam as never,
  'torch.optim.AdamW': optim.AdamW as never,
  'torch.optim.RMSprop': optim.RMSprop as never,
  'torch.optim.Adagrad': optim.Adagrad as never,
};

function stateDictOf(sd: Record<string, RefTensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, toTensor(v, { cpu: true })]));
}

async function runTraining(c: RefCase): Promise<Comparison[]> {
  const specs = c.args as LayerSpec[];
  const model = new nn.Sequential(
    ...specs.map(([cls, a, k]) => {
      const make = layers[cls];
      if (!make) throw new Error(`no layer mapping for ${cls}`);
      return make(a, camelKeys(k));
    }),
  );
  model.loadStateDict(stateDictOf(c.initial_state_dict as Record<string, RefTensor>));
  if (refDeviceNow() === 'webgpu') model.to('webgpu');
  const optSpec = c.optimizer as { fn: string; kwargs: Record<string, unknown> };
  const Opt = optimizers[optSpec.fn];
  if (!Opt) throw new Error(`no optimizer mapping for ${optSpec.fn}`);
  const opt = new Opt(model.parameters(), camelKeys(optSpec.kwargs));
  const lossSpec = c.loss as { fn: string; kwargs: Record<string, unknown> };
  if (lossSpec.fn !== 'torch.nn.functional.cross_entropy') throw new Error(`no loss mapping for ${lossSpec.fn}`);
  const x = toTensor(c.inputs.x!);
  const y = toTensor(c.inputs.y!);
  const steps = c.steps as number;
  const losses: number[] = [];
  const checks: Comparison[] = [];
  const after = c.state_dict_after_each_step as Record<string, RefTensor>[];
  const firstGrads = c.first_step_grads as Record<string, RefTensor>;
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = nn.F.crossEntropy(model.forward(x), y, camelKeys(lossSpec.kwargs));
    losses.push(await loss.itemAsync());
    loss.backward();
    if (s === 0)
      for (const [name, p] of model.namedParameters())
        if (firstGrads[name])
          checks.push({ label: `first step grad ${name}`, actual: p.grad!.detach().clone(), expected: firstGrads[name]! });
    opt.step();
    const sd = model.stateDict();
    for (const [k, v] of Object.entries(after[s] ?? {}))
      checks.push({ label: `step ${s} ${k}`, actual: sd[k]!.detach().clone(), expected: v });
  }
  checks.unshift({ label: 'loss per step', actual: losses, expected: c.output as RefTensor });
  const final = model.stateDict();
  for (const [k, v] of Object.entries(c.final_state_dict as Record<string, RefTensor>))
    checks.push({ label: `final ${k}`, actual: final[k]!, expected: v });
  return checks;
}

export const registry: Registry = {
  'torch.nn.Sequential': runTraining,
};
