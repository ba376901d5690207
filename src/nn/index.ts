/** nn: modules, layers, init, losses; `F` is nn.functional. */
export * as functional from './functional.js';
export * as F from './functional.js';
