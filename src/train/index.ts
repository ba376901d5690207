/** The train barrel: everything this area exports publicly. */
export {
  fit,
  evaluate,
  predict,
  type FitOptions,
  type EvaluateOptions,
  type Callback,
  type TrainContext,
  type BatchLogs,
  type LossLike,
  type OptimizerLike,
  type SchedulerLike,
  type MetricFn,
  type MetricName,
  type MetricsSpec,
  type Batches,
} from './fit.js';
export { History, type EpochLogs, type MonitorMode } from './history.js';
export {
  EarlyStopping,
  ModelCheckpoint,
  TerminateOnNaN,
  HistoryLogger,
  LRSchedulerCallback,
  LambdaCallback,
  type EarlyStoppingOptions,
  type ModelCheckpointOptions,
} from './callbacks.js';
export * as metrics from './metrics.js';
export {
  encodeCheckpoint,
  decodeCheckpoint,
  captureCheckpoint,
  restoreCheckpoint,
  CHECKPOINT_VERSION,
  type Checkpoint,
  type CheckpointState,
  type CheckpointTargets,
} from '../io/checkpoint.js';
export { saveCheckpoint, loadCheckpoint, writeFileAtomic } from '../io/checkpoint-node.js';
export { saliency, integratedGradients, attributionImage, type IntegratedGradientsOptions } from './explain.js';
export {
  buildModel,
  specParamCount,
  MAX_MODEL_PARAMS,
  MAX_INPUT_ELEMENTS,
  MAX_ACTIVATION_ELEMENTS,
  budgetedForward,
  type BuildModelOptions,
  summary as modelSummary,
  formatSummary as formatModelSummary,
  ZOO as MODEL_ZOO,
  SPEC_LAYER_TYPES,
  BasicBlock,
  ResNetSmall,
  type ZooName,
  type ModelSpec,
  type LayerSpec,
  type SummaryRow,
} from './models.js';
export { pytorchSource, ZOO_PYTORCH_TRANSLATORS } from './pytorch.js';
