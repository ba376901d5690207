/**
 * Elementwise kernels split across the worker pool by their outermost dimension (src/backend/wasm/
 * elementwise.ts, `elementwiseSplit`): the same bits as one thread, for broadcasts, transposed
 * views, leading size-1 dimensions and comparison (bool) outputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BinaryOp, UnaryOp, View } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { elementwiseSplit } from '../../src/backend/wasm/elementwise.js';
import { ensureBuilt, randF32 } from './setup.js';

let one: WasmBackend;
let three: WasmBackend;
const saved = elementwiseSplit.minElements;
let split = 0;
beforeAll(async () => {
  ensureBuilt();
  one = await createWasmBackend({ threads: 1 });
  three = await createWasmBackend({ threads: 3 });
  elementwiseSplit.minElements = 1;
  // count the calls that really went through the pool
  const pool = three.gemm.pool!;
  const run = pool.run.bind(pool);
  pool.run = (fn, parts, here) => {
    if (fn === 'elementwise') split++;
    run(fn, parts, here);
  };
});
afterAll(() => {
  elementwiseSplit.minElements = saved;
  three.close();
});

// [name, output shape, strides of a, strides of b, storage length of a, of b]
const layouts: [string, number[], number[], number[], number, number][] = [
  ['contiguous [7, 130]', [7, 130], [130, 1], [130, 1], 910, 910],
  ['channel broadcast [5, 3, 40] + [3, 1]', [5, 3, 40], [120, 40, 1], [0, 1, 0], 600, 3],
  ['leading 1s [1, 1, 9, 33]', [1, 1, 9, 33], [297, 297, 33, 1], [297, 297, 33, 1], 297, 297],
  ['transposed a [40, 30]', [40, 30], [1, 40], [30, 1], 1200, 1200],
  ['outer broadcast of b [6, 50]', [6, 50], [50, 1], [0, 1], 300, 50],
];

describe('wasm elementwise split across 3 threads: same bits as 1 thread', () => {
  const binOps: BinaryOp[] = ['add', 'mul', 'div', 'maximum', 'reluGrad', 'gt'];
  const unOps: UnaryOp[] = ['relu', 'exp', 'copy', 'sigmoid'];
  for (const [name, shape, sa, sb, la, lb] of layouts)
    it(name, () => {
      const a: View = { data: randF32(la, la), offset: 0, strides: sa };
      const b: View = { data: randF32(lb, lb + 7), offset: 0, strides: sb };
      for (const op of binOps) {
        const out = op === 'gt' ? 'bool' : 'float32';
        const want = one.kernels.binary!(op, a, b, shape, out);
        expect(Array.from(three.kernels.binary!(op, a, b, shape, out)), `${name} ${op}`).toEqual(Array.from(want));
      }
      for (const op of unOps) {
        const want = one.kernels.unary!(op, a, shape, 'float32');
        expect(Array.from(three.kernels.unary!(op, a, shape, 'float32')), `${name} ${op}`).toEqual(Array.from(want));
      }
      expect(split).toBeGreaterThan(0);
    });
});
