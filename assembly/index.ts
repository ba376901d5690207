// Entry point of the backprop WebAssembly kernels. Memory is managed by the host (an arena laid out
// from `heapBase()`); nothing here allocates.
export * from './gemm';
export * from './conv';
export * from './pool';
export * from './elementwise';
export * from './optim';
export * from './norm';

/** First free byte after static data: where the host's arena may begin. */
export function heapBase(): usize {
  return __heap_base;
}
export * from './winograd';
