/** Reference runners for sched.json cases, keyed by the case's `fn`. */
import { optim, zeros } from '../../src/index.js';
import type { Comparison, RefCase, RefTensor, Registry } from './types.js';
import { camelKeys } from './optim.js';
import { decodeNumber } from './util.js';

/** PyTorch kwargs → our option names (T_max → tMax, T_0 → t0, T_mult → tMult, snake → camel). */
function schedOptions(kwargs: Record<string, unknown>): Record<string, unknown> {
  // PyTorch's capital T_ names: T_max → tMax, T_0 → t0; the rest is the usual snake → camel
  return camelKeys(
    Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k.startsWith('T_') ? `t${k.charAt(2).toUpperCase()}${k.slice(3)}` : k, v])),
  );
}

type SchedCtor = new (opt: optim.SGD, opts: Record<string, unknown>) => { step(metric?: number): void; getLastLr(): number[] };

function runScheduler(ctor: SchedCtor) {
  return (c: RefCase): Comparison[] => {
    const okw = ((c.optimizer as { kwargs: Record<string, unknown> }).kwargs ?? {}) as { lr: number; momentum?: number };
    const p = zeros([2]).requiresGrad_();
    const opt = new optim.SGD([p], { lr: okw.lr, momentum: okw.momentum ?? 0 });
    const sched = new ctor(opt, schedOptions(c.kwargs));
    const epochs = c.epochs as number;
    const metrics = (c.inputs.metrics as RefTensor | undefined)?.data.map(decodeNumber);
    const lrs: number[] = [];
    const moms: number[] = [];
    for (let e = 0; e < epochs; e++) {
      lrs.push(opt.paramGroups[0]!.lr);
      moms.push(opt.paramGroups[0]!.momentum);
      if (sched.getLastLr()[0] !== opt.paramGroups[0]!.lr) throw new Error(`getLastLr() disagrees with the group's lr at epoch ${e}`);
      p.grad = p.onesLike();
      opt.step();
      if (metrics) sched.step(metrics[e]!);
      else sched.step();
    }
    const checks: Comparison[] = [{ label: 'lr per epoch', actual: lrs, expected: c.output as RefTensor }];
    if (c.momentum) checks.push({ label: 'momentum per epoch', actual: moms, expected: c.momentum as RefTensor });
    return checks;
  };
}

export const registry: Registry = {
  'torch.optim.lr_scheduler.StepLR': runScheduler(optim.StepLR as unknown as SchedCtor),
  'torch.optim.lr_scheduler.MultiStepLR': runScheduler(optim.MultiStepLR as unknown as SchedCtor),
  'torch.optim.lr_scheduler.ExponentialLR': runScheduler(optim.ExponentialLR as unknown as SchedCtor),
  'torch.optim.lr_scheduler.CosineAnnealingLR': runScheduler(optim.CosineAnnealingLR as unknown as SchedCtor),
  'torch.optim.lr_scheduler.CosineAnnealingWarmRestarts': runScheduler(optim.CosineAnnealingWarmRestarts as unknown as SchedCtor),
  'torch.optim.lr_scheduler.LinearLR': runScheduler(optim.LinearLR as unknown as SchedCtor),
  'torch.optim.lr_scheduler.OneCycleLR': runScheduler(optim.OneCycleLR as unknown as SchedCtor),
  'torch.optim.lr_scheduler.ReduceLROnPlateau': runScheduler(optim.ReduceLROnPlateau as unknown as SchedCtor),
  // test/nn/fixtures/nn-gaps.json (scripts/reference/gen_nn_gaps.py)
  'torch.optim.lr_scheduler.CyclicLR': runScheduler(optim.CyclicLR as unknown as SchedCtor),
};
