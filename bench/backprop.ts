/**
 * The library as the benchmarks see it: the compiled package (`dist/`, what `import 'backprop'`
 * loads; built by `npm install` and by `npm run bench` itself), not the TypeScript sources through
 * tsx, whose keep-names transform wraps every function and adds ~15–20 % per op to small workloads.
 */
export * from '../dist/index.js';
