/**
 * Long-lived blocks and the default budget (src/backend/wasm/arena.ts): parameters and optimizer state
 * are resident by contract, so the default budget leaves room for all of them on top of the transient
 * working set. Before, a weight larger than the 64 MiB floor was evicted at the next op and uploaded
 * again for the product, on every pass: `backprop info --model mlp --input-shape 3,224,224` (a 308 MB
 * Linear weight) peaked at 1.25 GB instead of ~0.43 GB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, init, setBackend } from '../../src/backend/index.js';
import { BUDGET_FLOOR } from '../../src/backend/wasm/arena.js';
import { noGrad } from '../../src/autograd/mode.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import { randn } from '../../src/tensor/creation.js';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());
afterAll(() => {
  setBackend('js');
});

interface Mem {
  liveBytes: number;
  evicted: number;
  budget: number;
  budgetFixed: boolean;
}
const mem = () => (backendInfo().info as { memory: Mem }).memory;

describe('the default budget leaves room for long-lived blocks (wasm)', () => {
  it('a weight larger than the budget floor is not evicted and uploaded again by forward passes', async () => {
    await init({ threads: 1 });
    const rng = new Rng(1);
    // 20,000 × 1,000 float32 = 80 MB, more than the budget floor
    const lin = new nn.Linear(20_000, 1_000, { rng });
    expect(lin.weight.numel() * 4).toBeGreaterThan(BUDGET_FLOOR);
    const before = mem();
    expect(before.budgetFixed).toBe(false);
    expect(before.budget).toBeGreaterThanOrEqual(BUDGET_FLOOR + lin.weight.numel() * 4);
    for (let i = 0; i < 3; i++) noGrad(() => lin.forward(randn([2, 20_000], { rng })));
    expect(mem().evicted).toBe(before.evicted);
  });

  it('training with Adam keeps weights and optimizer state resident (no eviction over steps)', async () => {
    await init({ threads: 1 });
    const rng = new Rng(2);
    const lin = new nn.Linear(9_000, 1_000, { rng }); // 36 MB of weights, 72 MB more of Adam state
    const opt = new optim.Adam(lin.parameters(), { lr: 1e-3 });
    const x = randn([4, 9_000], { rng });
    const step = () => {
      opt.zeroGrad();
      lin.forward(x).square().mean().backward();
      opt.step();
    };
    step(); // creates the optimizer state
    const before = mem();
    for (let i = 0; i < 3; i++) step();
    expect(mem().evicted).toBe(before.evicted);
  });
});
