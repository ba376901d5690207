/**
 * The fused `linear` primitive (F.linear on 2-D input): one kernel call whose bias is added after the
 * product — so its bits must equal the composition x.matmul(w.t()).add(b), on js and on wasm, forward
 * and backward, for contiguous, transposed and resident operands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend } from '../../src/backend/index.js';
import { Rng } from '../../src/core/rng.js';
import * as F from '../../src/nn/functional.js';
import { Parameter } from '../../src/nn/module.js';
import { randn } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());
afterAll(() => {
  setBackend('js');
});

function bothWays(x: Tensor, w: Tensor, b: Tensor | null) {
  const run = (fused: boolean) => {
    const xs = x.detach().requiresGrad_();
    const ws = new Parameter(w.detach().clone());
    const bs = b ? new Parameter(b.detach().clone()) : null;
    const y = fused ? F.linear(xs, ws, bs) : bs ? xs.matmul(ws.t()).add(bs) : xs.matmul(ws.t());
    y.mul(y).sum().backward();
    return {
      y: Array.from(y.storage),
      gx: Array.from(xs.grad!.storage),
      gw: Array.from(ws.grad!.storage),
      gb: bs ? Array.from(bs.grad!.storage) : [],
    };
  };
  return { fused: run(true), composed: run(false) };
}

describe('linear primitive = matmul then add, bit for bit', () => {
  for (const backend of ['js', 'wasm'] as const) {
    it(`${backend}: batch 1, 7, 33; with and without bias; transposed input; resident weight`, async () => {
      await init(backend === 'js' ? { backend: 'js' } : { threads: 1 });
      const rng = new Rng(11);
      for (const m of [1, 7, 33]) {
        for (const withBias of [true, false]) {
          const x = randn([m, 300], { rng });
          const w = randn([40, 300], { rng });
          const b = withBias ? randn([40], { rng }) : null;
          const r = bothWays(x, w, b);
          expect(r.fused).toEqual(r.composed);
          const xt = randn([300, m], { rng }).t();
          const r2 = bothWays(xt, w, b);
          expect(r2.fused).toEqual(r2.composed);
        }
      }
    });
  }

  it('refuses mismatched shapes and dtypes with typed errors', () => {
    setBackend('js');
    expect(() => F.linear(randn([2, 3]), randn([4, 5]))).toThrow(/cannot be multiplied/);
    expect(() => F.linear(randn([2, 3]), randn([4, 3]), randn([5]))).toThrow(/bias|broadcast/);
  });
});
