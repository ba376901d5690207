/** The playground's only door into the framework: backprop's public API (src/index.ts), nothing deeper. */
export * from '../../src/index.js';
