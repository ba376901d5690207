/** nn: modules, layers, init, losses; `F` is nn.functional. */
export * as functional from './functional.js';
export * as F from './functional.js';
export { Module, Parameter, StateDictKeyError, StateDictShapeError, type StateDict, type LoadStateDictResult } from './module.js';
export { Sequential, ModuleList, ModuleDict, ParameterList, Identity, Flatten, Unflatten } from './containers.js';
export * from './layers/index.js';
export * as init from './init.js';
export * from './loss.js';
export * as utils from './utils.js';
