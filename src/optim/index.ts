/** optim: optimizers (a state container over a pure update function each) and learning-rate schedulers.
 * @module
 */
export {
  Optimizer,
  hyperParamError,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ParamsInput,
} from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export * as functional from './functional.js';
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  LinearLR,
  ConstantLR,
  PolynomialLR,
  SequentialLR,
  LambdaLR,
  OneCycleLR,
  CyclicLR,
  type CyclicLROptions,
  ReduceLROnPlateau,
  type OneCycleLROptions,
  type ReduceLROnPlateauOptions,
} from './lr_scheduler.js';
export { type Phase as OneCyclePhase } from './lr_scheduler.js';
export {
  createOptimizer,
  createScheduler,
  OPTIMIZER_NAMES,
  SCHEDULER_NAMES,
  type OptimizerName,
  type OptimizerConfig,
  type SchedulerName,
  type SchedulerConfig,
  type CreatedScheduler,
  type AnyOptimizer,
} from './factory.js';
