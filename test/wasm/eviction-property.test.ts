/**
 * Property: random programs — create, view, in-place write, keep or drop, backward, optimizer step —
 * read the same whether or not the device evicts. Each program runs three times: on the wasm backend
 * with a 64 KiB budget plus forced evictions of everything at random points (every storage goes to
 * the JS heap and comes back, many times), on the wasm backend with no eviction (same kernels: must
 * be the same bits), and on the js backend (the specification: same values to float32 rounding of
 * the products). A stale view, a block freed while used, or a lost in-place write shows up here.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend } from '../../src/backend/index.js';
import { getBackend } from '../../src/backend/dispatch.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';
import { Rng } from '../../src/core/rng.js';
import { noGrad } from '../../src/autograd/mode.js';
import { randn } from '../../src/tensor/creation.js';
import * as nn from '../../src/nn/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());
afterAll(() => void setBackend('js'));

const N = 32; // tensors are [N, N]: 1,024 float32, the smallest kernel result placed on the device

type Cmd =
  | { k: 'create' }
  | { k: 'unary'; i: number; op: 'relu' | 'neg' | 'tanh' | 'softmax' | 'norm' }
  | { k: 'binary'; i: number; j: number; op: 'add' | 'mul' | 'sub' }
  | { k: 'matmul'; i: number; j: number }
  | { k: 'view'; i: number; rows: number }
  | { k: 'write'; i: number; v: number }
  | { k: 'drop'; i: number }
  | { k: 'step'; i: number }
  | { k: 'evict' };

const idx = fc.nat(1000);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.constant({ k: 'create' as const }),
  fc.record({
    k: fc.constant('unary' as const),
    i: idx,
    op: fc.constantFrom('relu' as const, 'neg' as const, 'tanh' as const, 'softmax' as const, 'norm' as const),
  }),
  fc.record({ k: fc.constant('binary' as const), i: idx, j: idx, op: fc.constantFrom('add' as const, 'mul' as const, 'sub' as const) }),
  fc.record({ k: fc.constant('matmul' as const), i: idx, j: idx }),
  fc.record({ k: fc.constant('view' as const), i: idx, rows: fc.integer({ min: 1, max: N - 1 }) }),
  fc.record({ k: fc.constant('write' as const), i: idx, v: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ k: fc.constant('drop' as const), i: idx }),
  fc.record({ k: fc.constant('step' as const), i: idx }),
  fc.constant({ k: 'evict' as const }),
);

/** Run a program on the current backend; returns every kept tensor's values and the parameter's. */
function run(prog: Cmd[], seed: number, evict: () => void): number[][] {
  const rng = new Rng(seed);
  const w = randn([N, N], { rng }).mul(0.1).detach().requiresGrad_();
  // pool[i] = [tensor, base]: views share their base's storage; in-place writes go through either
  const pool: Tensor[] = [randn([N, N], { rng })];
  const pick = (i: number) => pool[i % pool.length]!;
  for (const c of prog) {
    switch (c.k) {
      case 'create':
        pool.push(randn([N, N], { rng }));
        break;
      case 'unary': {
        // softmax and batch norm are composites: their intermediates are engine temporaries
        const a = pick(c.i);
        if (c.op === 'softmax') pool.push(a.softmax(1));
        else if (c.op === 'norm') pool.push(nn.F.batchNorm(a, null, null, { training: true }));
        else pool.push(a[c.op]());
        break;
      }
      case 'binary': {
        const a = pick(c.i);
        const b = pick(c.j);
        if (a.shape[0] === b.shape[0]) pool.push(a[c.op](b));
        break;
      }
      case 'matmul': {
        const a = pick(c.i);
        pool.push(a.matmul(pick(c.j).shape[0] === N ? pick(c.j) : w.detach()).mul(0.1));
        break;
      }
      case 'view': {
        const a = pick(c.i);
        pool.push(a.narrow(0, 0, Math.min(c.rows, a.shape[0]!)));
        break;
      }
      case 'write':
        noGrad(() => pick(c.i).add_(c.v));
        break;
      case 'drop':
        if (pool.length > 1) pool.splice(c.i % pool.length, 1);
        break;
      case 'step': {
        const x = pick(c.i);
        // a composite in the graph: its saved intermediates are freed when backward releases them
        const loss = nn.F.batchNorm(x.matmul(w), null, null, { training: true }).relu().logSoftmax(1).mean().neg();
        loss.backward();
        noGrad(() => w.sub_(w.grad!.mul(1e-2)));
        w.grad = null;
        pool.push(loss.detach().reshape([1, 1]).expand([N, N]).contiguous().mul(1e-3));
        break;
      }
      case 'evict':
        evict();
        break;
    }
  }
  return [...pool, w].map((t) => Array.from(t.dataSync()));
}

describe('eviction is invisible: random programs read the same under a tiny budget as without eviction and as on js', () => {
  it('create / view / in-place write / keep or drop / backward / step', async () => {
    const wasm = (await init({ backend: 'wasm', threads: 1 })) as WasmBackend;
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 40 }), fc.nat(1 << 20), async (prog, seed) => {
        await init({ backend: 'wasm', threads: 1, memory: 64 * 1024 });
        const before = wasm.arena.memoryStats().evicted;
        const tiny = run(prog, seed, () => wasm.arena.evict(0));
        const evicted = wasm.arena.memoryStats().evicted - before;
        await init({ backend: 'wasm', threads: 1, memory: 256 * 1024 * 1024 });
        const roomy = run(prog, seed, () => {});
        await init({ backend: 'js' });
        const spec = run(prog, seed, () => {});
        expect(getBackend().name).toBe('js');
        expect(tiny).toEqual(roomy); // same kernels, same bits, evicted or not
        if (prog.length > 10) expect(evicted).toBeGreaterThan(0);
        spec.forEach((t, i) =>
          t.forEach((v, j) => {
            const got = roomy[i]![j]!;
            if (Math.abs(v - got) > 1e-3 * Math.max(1, Math.abs(v))) expect(got, `tensor ${i}[${j}]`).toBe(v);
          }),
        );
      }),
      { numRuns: 25, seed: 13 },
    );
  });
});
