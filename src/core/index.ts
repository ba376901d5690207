export * from './errors.js';
export * from './dtype.js';
export * from './shape.js';
export * from './rng.js';
