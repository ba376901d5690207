/**
 * Optimizers and learning-rate schedulers by name — the one factory behind the CLI's `--optimizer` /
 * `--scheduler` flags and the playground's settings. Each option given is passed on to the class,
 * whose own validation applies (an option the class does not take is refused by it, e.g. `betas`
 * for SGD); options left undefined take the class's defaults.
 *
 * ```ts
 * const opt = optim.createOptimizer('adam', model.parameters(), { lr: 1e-3 });
 * const sched = optim.createScheduler('cosine', opt, { tMax: 10 });
 * ```
 */
import { ValueError } from '../core/errors.js';
import { checkOptionKeys } from '../core/options.js';
import type { ParamsInput } from './optimizer.js';
import { SGD } from './sgd.js';
import { Adam, AdamW } from './adam.js';
import { RMSprop } from './rmsprop.js';
import { Adagrad } from './adagrad.js';
import { CosineAnnealingLR, ExponentialLR, OneCycleLR, ReduceLROnPlateau, StepLR, type LRScheduler } from './lr_scheduler.js';

/** The optimizer names `createOptimizer` (and the CLI's `--optimizer`) accept. */
export const OPTIMIZER_NAMES = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
/** One of `OPTIMIZER_NAMES`. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Hyper-parameters for `createOptimizer`; `lr` is required, the rest only where the optimizer has them. */
export interface OptimizerConfig {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  betas?: [number, number];
}

import type { AnyOptimizer } from './lr_scheduler.js';
export type { AnyOptimizer };

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Construct the optimizer called `name` over `params` (ValueError `E_UNKNOWN_OPTIMIZER` for other names). */
export function createOptimizer(name: OptimizerName, params: ParamsInput<never>, config: OptimizerConfig): AnyOptimizer {
  checkOptionKeys('createOptimizer', config, { lr: true, momentum: true, nesterov: true, weightDecay: true, betas: true });
  const c = defined(config) as OptimizerConfig;
  const p = params;
  switch (name) {
    case 'sgd':
      return new SGD(p, c);
    case 'adam':
      return new Adam(p, c);
    case 'adamw':
      return new AdamW(p, c);
    case 'rmsprop':
      return new RMSprop(p, c);
    case 'adagrad':
      return new Adagrad(p, c);
    default:
      throw new ValueError(
        `createOptimizer: unknown optimizer '${String(name)}'; choose one of ${OPTIMIZER_NAMES.join(', ')}`,
        'E_UNKNOWN_OPTIMIZER',
      );
  }
}

/** The scheduler names `createScheduler` (and the CLI's `--scheduler`) accept; `'none'` means no scheduler. */
export const SCHEDULER_NAMES = ['none', 'step', 'exponential', 'cosine', 'plateau', 'onecycle'] as const;
/** One of `SCHEDULER_NAMES`. */
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/** Settings for `createScheduler`; each scheduler reads its own (see the list there). */
export interface SchedulerConfig {
  /** step: epochs between decays. */
  stepSize?: number;
  /** step, exponential: decay factor. */
  gamma?: number;
  /** cosine: epochs of the half cosine. */
  tMax?: number;
  /** plateau: epochs without improvement before a cut, and the cut factor. */
  patience?: number;
  factor?: number;
  /** onecycle: peak rate (default: the optimizer's current lr), epochs and batches per epoch. */
  maxLr?: number;
  epochs?: number;
  stepsPerEpoch?: number;
}

/** A scheduler from `createScheduler` and how often to step it. */
export interface CreatedScheduler {
  scheduler: LRScheduler | ReduceLROnPlateau | null;
  /** 'batch' for onecycle, 'epoch' otherwise. */
  interval: 'epoch' | 'batch';
}

/**
 * Construct the scheduler called `name` for `optimizer`: 'none' (null), 'step' (StepLR),
 * 'exponential' (ExponentialLR), 'cosine' (CosineAnnealingLR), 'plateau' (ReduceLROnPlateau),
 * 'onecycle' (OneCycleLR, stepped per batch). ValueError `E_UNKNOWN_SCHEDULER` for other names.
 */
export function createScheduler(name: SchedulerName, optimizer: AnyOptimizer, config: SchedulerConfig = {}): CreatedScheduler {
  checkOptionKeys('createScheduler', config, {
    stepSize: true,
    gamma: true,
    tMax: true,
    patience: true,
    factor: true,
    maxLr: true,
    epochs: true,
    stepsPerEpoch: true,
  });
  const c = config;
  switch (name) {
    case 'none':
      return { scheduler: null, interval: 'epoch' };
    case 'step':
      return { scheduler: new StepLR(optimizer, defined({ stepSize: c.stepSize as number, gamma: c.gamma })), interval: 'epoch' };
    case 'exponential':
      return { scheduler: new ExponentialLR(optimizer, defined({ gamma: c.gamma as number })), interval: 'epoch' };
    case 'cosine':
      return { scheduler: new CosineAnnealingLR(optimizer, defined({ tMax: c.tMax as number })), interval: 'epoch' };
    case 'plateau':
      return { scheduler: new ReduceLROnPlateau(optimizer, defined({ patience: c.patience, factor: c.factor })), interval: 'epoch' };
    case 'onecycle':
      return {
        scheduler: new OneCycleLR(
          optimizer,
          defined({ maxLr: c.maxLr ?? optimizer.paramGroups[0]!.lr, epochs: c.epochs, stepsPerEpoch: c.stepsPerEpoch }),
        ),
        interval: 'batch',
      };
    default:
      throw new ValueError(
        `createScheduler: unknown scheduler '${String(name)}'; choose one of ${SCHEDULER_NAMES.join(', ')}`,
        'E_UNKNOWN_SCHEDULER',
      );
  }
}
