/**
 * Optimizer and learning-rate scheduler construction from the playground's settings — the framework's
 * own classes, configured from a validated `PgState`.
 */
import { optim, type Tensor } from './bp.js';
import type { PgState } from './state.js';

export interface Optimizer {
  paramGroups: { lr: number; [k: string]: unknown }[];
  zeroGrad(): void;
  step(): unknown;
}

export interface Scheduler {
  step(): void;
}

/** SGD (plain, momentum, Nesterov), RMSprop, Adam or AdamW with the state's hyper-parameters. */
export function makeOptimizer(params: Tensor[], s: PgState): Optimizer {
  const lr = s.preset === 'classic' ? s.learningRate : s.learningRate;
  if (s.preset === 'classic') return new optim.SGD(params, { lr });
  switch (s.optimizer) {
    case 'sgd':
      return new optim.SGD(params, { lr });
    case 'momentum':
      return new optim.SGD(params, { lr, momentum: s.momentum });
    case 'nesterov':
      return new optim.SGD(params, { lr, momentum: Math.max(s.momentum, 1e-3), nesterov: true });
    case 'rmsprop':
      return new optim.RMSprop(params, { lr, momentum: 0 });
    case 'adam':
      return new optim.Adam(params, { lr, betas: [s.beta1, s.beta2] });
    case 'adamw':
      return new optim.AdamW(params, { lr, betas: [s.beta1, s.beta2], weightDecay: s.weightDecay });
  }
}

/** Set the learning rate of every group (a live change from the slider). */
export function setLearningRate(o: Optimizer, lr: number): void {
  for (const g of o.paramGroups) {
    g.lr = lr;
    if ('initialLr' in g) g.initialLr = lr;
  }
}

/**
 * The scheduler, stepped once per epoch. `lastEpoch` > 0 resumes a schedule after a live change, so
 * the rate continues from where the run is rather than restarting.
 */
export function makeScheduler(o: Optimizer, s: PgState, lastEpoch = 0): Scheduler | null {
  if (s.preset === 'classic' || s.scheduler === 'none') return null;
  const opt = o as unknown as ConstructorParameters<typeof optim.StepLR>[0];
  let sch: Scheduler;
  switch (s.scheduler) {
    case 'step':
      sch = new optim.StepLR(opt, { stepSize: s.stepSize, gamma: s.gamma });
      break;
    case 'exponential':
      sch = new optim.ExponentialLR(opt, { gamma: s.gamma });
      break;
    case 'cosine':
      sch = new optim.CosineAnnealingLR(opt, { tMax: s.tMax });
      break;
  }
  for (let i = 0; i < lastEpoch; i++) sch.step();
  return sch;
}
