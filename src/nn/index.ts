/**
 * nn: PyTorch's `torch.nn` in TypeScript casing — `Module`/`Parameter`, containers, layers with
 * PyTorch's default initialisation and state-dict names, `init`, loss modules, `utils`; `F` (alias
 * `functional`) holds the math.
 *
 * ```ts
 * import { nn, optim, randn } from 'backprop';
 * const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
 * const logits = model.call(randn(64, 784));         // [64, 10]; module(x) is spelled module.call(x)
 * model.stateDict();                                  // { '0.weight': [128, 784], '0.bias': …, '2.weight': … }
 * console.log(model.toString());                      // PyTorch's module print
 * ```
 * @module
 */
export * as functional from './functional.js';
export * as F from './functional.js';
export {
  Module,
  Parameter,
  StateDictKeyError,
  StateDictShapeError,
  camelCaseKeys,
  snakeCaseKeys,
  type StateDict,
  type LoadStateDictResult,
} from './module.js';
export { type ForwardHook, type ForwardPreHook } from './module.js';
export { Sequential, ModuleList, ModuleDict, ParameterList, Identity, Flatten, Unflatten } from './containers.js';
export * from './layers/index.js';
export * as init from './init.js';
export * from './loss.js';
export * as utils from './utils.js';
export { PackedSequence, packPaddedSequence, padPackedSequence } from './rnn-utils.js';
