/**
 * The `backprop` command's work, one module per command (`train.ts`, `evaluate.ts`, `predict.ts`,
 * `info.ts`, `onnx.ts`) over shared pieces (`datasets.ts`, `factories.ts`, `model-file.ts`,
 * `plots.ts`, `errors.ts`). `program.ts` parses flags (commander), loads this module lazily and turns
 * every error into one line and a non-zero exit.
 */
export { CliError, type Log } from './errors.js';
export { loadDataset } from './datasets.js';
export { MODEL_FORMAT, MODEL_FORMAT_VERSION, loadTrained, type ModelFile } from './model-file.js';
export { train, MAX_EPOCHS, CHECKPOINT_FILE, type TrainFlags } from './train.js';
export { evaluateCmd } from './evaluate.js';
export { predictCmd } from './predict.js';
export { infoCmd } from './info.js';
export { exportCmd, importCmd } from './onnx.js';
