/** The js backend: every kernel, in plain TypeScript over typed arrays. The specification. */
import type { Backend, Kernels } from '../types.js';
import { binary, unary, where } from './elementwise.js';
import { conv2d, conv2dGradInput, conv2dGradWeight, avgPool2d, avgPool2dGrad, matmul, maxPool2d, maxPool2dGrad } from './linalg.js';
import { argReduce, gather, indexAdd, indexSelect, prodGrad, reduce, scatterAdd } from './reduce.js';
import { softmaxCrossEntropy, softmaxCrossEntropyGrad } from './loss.js';
import { argsort, cumExtremeIndex, cumprodGrad, putFlat, roundingDiv, scan, scatterReduce } from './select.js';
import { batchNormForward, batchNormGradInput, batchNormGradSums, batchNormStats } from './norm.js';

export const jsKernels: Kernels = {
  unary,
  binary,
  where,
  reduce,
  argReduce,
  prodGrad,
  roundingDiv,
  scan,
  cumprodGrad,
  cumExtremeIndex,
  argsort,
  putFlat,
  scatterReduce,
  matmul,
  conv2d,
  conv2dGradInput,
  conv2dGradWeight,
  maxPool2d,
  maxPool2dGrad,
  avgPool2d,
  avgPool2dGrad,
  gather,
  scatterAdd,
  indexSelect,
  indexAdd,
  softmaxCrossEntropy,
  softmaxCrossEntropyGrad,
  batchNormStats,
  batchNormForward,
  batchNormGradSums,
  batchNormGradInput,
};

export function createJsBackend(): Backend {
  return { name: 'js', kernels: jsKernels, info: { simd: false, threads: 1 } };
}
