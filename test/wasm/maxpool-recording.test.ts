/**
 * Max pooling keeps its argmax indices only when a graph node will hold the op (its backward routes
 * the gradient through them): under `noGrad`, or on an input that needs no gradient, the wasm kernel
 * writes the values alone, with the same bits; while recording, the gradient is PyTorch's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, kernels, setBackend } from '../../src/backend/index.js';
import { noGrad } from '../../src/autograd/mode.js';
import { Rng } from '../../src/core/rng.js';
import * as F from '../../src/nn/functional.js';
import { randn } from '../../src/tensor/creation.js';
import { ensureBuilt } from './setup.js';

beforeAll(async () => {
  ensureBuilt();
  await init({ backend: 'wasm', threads: 1 });
});
afterAll(() => void setBackend('js'));

describe('maxPool2d keeps indices only while recording (wasm)', () => {
  it('asks for indices only when a backward may run, with the same values either way', () => {
    const table = kernels() as unknown as { maxPool2d: (...a: unknown[]) => { indices: Int32Array | null } };
    const real = table.maxPool2d;
    const asked: (boolean | undefined)[] = [];
    const kept: boolean[] = [];
    table.maxPool2d = (...a: unknown[]) => {
      asked.push(a[3] as boolean | undefined);
      const r = real(...a);
      kept.push(r.indices !== null);
      return r;
    };
    try {
      const rng = new Rng(3);
      const x = randn([2, 3, 20, 18], { rng });
      const plain = F.maxPool2d(x, 3, { stride: 2, padding: 1 }); // x needs no gradient
      const quiet = noGrad(() => F.maxPool2d(x.clone().requiresGrad_(), 3, { stride: 2, padding: 1 }));
      const xg = x.clone().requiresGrad_();
      const rec = F.maxPool2d(xg, 3, { stride: 2, padding: 1 });
      expect(asked).toEqual([false, false, true]);
      expect(kept).toEqual([false, false, true]);
      expect(Array.from(plain.dataSync())).toEqual(Array.from(rec.dataSync()));
      expect(Array.from(quiet.dataSync())).toEqual(Array.from(rec.dataSync()));
      // the gradient goes to each window's max: every output's 1 lands on exactly one input
      rec.sum().backward();
      const g = xg.grad!.dataSync();
      let total = 0;
      for (const v of g) total += v;
      expect(total).toBe(rec.numel());
    } finally {
      table.maxPool2d = real;
    }
  });
});
