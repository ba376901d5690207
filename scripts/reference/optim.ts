/** Reference runners for optim.json cases, keyed by the case's `fn`. */
import { optim, Tensor } from '../../src/index.js';
import type { Comparison, RefCase, RefTensor, Registry } from './types.js';
import { toTensor } from './util.js';

/** snake_case PyTorch kwargs → camelCase options. */
export function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

type Ctor = new (params: Tensor[], opts: Record<string, unknown>) => optim.Optimizer<{ lr: number }>;

/** Hyper-parameters PyTorch records that are implementation switches, not math. */
const IMPL_ONLY = new Set(['foreach', 'differentiable', 'capturable', 'fused']);

function runOptimizer(ctor: Ctor) {
  return (c: RefCase): Comparison[] => {
    const p = toTensor(c.inputs.param!).requiresGrad_();
    const opt = new ctor([p], camelKeys(c.kwargs));
    const outs = c.output as RefTensor[];
    const checks: Comparison[] = [];
    outs.forEach((expected, i) => {
      p.grad = toTensor(c.inputs[`grad_${i}`]!);
      opt.step();
      checks.push({ label: `param after step ${i}`, actual: p.detach().clone(), expected });
    });
    // the state after the last step, under PyTorch's names (through stateDict, as a user would see it)
    const st = opt.stateDict().state[0] ?? {};
    for (const [k, v] of Object.entries((c.state ?? {}) as Record<string, RefTensor | number | null>)) {
      const mine = st[k];
      if (v === null) checks.push({ label: `state.${k} is null`, actual: mine === null || mine === undefined ? 0 : 1, expected: 0 });
      else if (mine === undefined || mine === null) throw new Error(`state.${k} missing`);
      else if (typeof v === 'number')
        checks.push({ label: `state.${k}`, actual: mine instanceof Tensor ? mine.item() : mine, expected: v });
      else checks.push({ label: `state.${k}`, actual: mine instanceof Tensor ? mine : (mine as number), expected: v });
    }
    // every hyper-parameter PyTorch filled in must be ours too, with the same value
    const group = opt.paramGroups[0] as Record<string, unknown>;
    for (const [k, v] of Object.entries(camelKeys((c.param_group ?? {}) as Record<string, unknown>))) {
      if (IMPL_ONLY.has(k)) continue;
      const mine = group[k];
      const flat = (x: unknown): number[] => (Array.isArray(x) ? x.map(Number) : [Number(x)]);
      if (mine === undefined) throw new Error(`param group lacks ${k}`);
      checks.push({ label: `param_group.${k}`, actual: flat(mine), expected: flat(v), tol: { rtol: 0, atol: 0 } });
    }
    return checks;
  };
}

export const registry: Registry = {
  'torch.optim.SGD': runOptimizer(optim.SGD as unknown as Ctor),
  'torch.optim.Adagrad': runOptimizer(optim.Adagrad as unknown as Ctor),
  'torch.optim.RMSprop': runOptimizer(optim.RMSprop as unknown as Ctor),
  'torch.optim.Adam': runOptimizer(optim.Adam as unknown as Ctor),
  'torch.optim.AdamW': runOptimizer(optim.AdamW as unknown as Ctor),
};
