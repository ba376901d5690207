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

/** SGD (plain, momentum, Nesterov), RMSprop, Adam or AdamW with the state's hyper-parameters (the library's shared factory). */
export function makeOptimizer(params: Tensor[], s: PgState): Optimizer {
  const lr = s.learningRate;
  if (s.preset === 'classic') return optim.createOptimizer('sgd', params, { lr });
  switch (s.optimizer) {
    case 'sgd':
      return optim.createOptimizer('sgd', params, { lr });
    case 'momentum':
      return optim.createOptimizer('sgd', params, { lr, momentum: s.momentum });
    case 'nesterov':
      return optim.createOptimizer('sgd', params, { lr, momentum: Math.max(s.momentum, 1e-3), nesterov: true });
    case 'rmsprop':
      return optim.createOptimizer('rmsprop', params, { lr, momentum: 0 });
    case 'adam':
      return optim.createOptimizer('adam', params, { lr, betas: [s.beta1, s.beta2] });
    case 'adamw':
      return optim.createOptimizer('adamw', params, { lr, betas: [s.beta1, s.beta2], weightDecay: s.weightDecay });
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
  const opt = o as unknown as Parameters<typeof optim.createScheduler>[1];
  const sch = optim.createScheduler(s.scheduler, opt, { stepSize: s.stepSize, gamma: s.gamma, tMax: s.tMax }).scheduler as Scheduler;
  for (let i = 0; i < lastEpoch; i++) sch.step();
  return sch;
}
