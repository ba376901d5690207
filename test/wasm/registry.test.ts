/**
 * Deferred FinalizationRegistry registration (src/backend/wasm/arena.ts): a kernel result is registered
 * only if it is still on the device when the current job ends, or once `PENDING_MAX` results are
 * pending in a loop that never yields. Engine temporaries, freed within their op or backward pass, never
 * reach the registry: registering every result made V8 keep each one through young-generation
 * collections, and a synchronous loop grew its heap by hundreds of MB between full GCs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, init, setBackend } from '../../src/backend/index.js';
import { PENDING_MAX } from '../../src/backend/wasm/arena.js';
import { noGrad } from '../../src/autograd/mode.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import { randn } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());
afterAll(() => {
  setBackend('js');
});

const stats = () => (backendInfo().info as { memory: { allocated: number; registered: number; finalized: number } }).memory;

describe('FinalizationRegistry registration is deferred to the end of the job (wasm)', () => {
  it('an inference loop that never yields registers none of its engine-freed temporaries', async () => {
    await init({ threads: 1 });
    const rng = new Rng(3);
    const model = new nn.Sequential(new nn.Linear(64, 256, { rng }), new nn.ReLU(), new nn.Linear(256, 10, { rng }));
    model.eval();
    const x = randn([32, 64], { rng });
    await Promise.resolve(); // the parameters' registrations are done
    const s0 = { ...stats() };
    for (let i = 0; i < 3 * PENDING_MAX; i++) noGrad(() => (model.call(x) as Tensor).sum().item());
    const s1 = { ...stats() };
    expect(s1.allocated - s0.allocated).toBeGreaterThanOrEqual(3 * PENDING_MAX); // the hidden activations went to the device
    // ... and nearly all were freed before their registration came due (the last pending list may hold a few)
    expect(s1.registered - s0.registered).toBeLessThan(PENDING_MAX / 8);
  });

  it('results that escape are registered without yielding once PENDING_MAX are pending, and the rest when the job ends', async () => {
    await init({ threads: 1 });
    const rng = new Rng(4);
    const kept: Tensor[] = [];
    const a = randn([40, 40], { rng });
    a.mul(1); // uploads `a` (its registration comes due at the await)
    await Promise.resolve();
    const r0 = stats().registered;
    for (let i = 0; i < PENDING_MAX + 10; i++) kept.push(a.mul(i)); // 1,600 elements each: device results
    const synchronously = stats().registered - r0;
    expect(synchronously).toBeGreaterThanOrEqual(PENDING_MAX);
    expect(synchronously).toBeLessThan(PENDING_MAX + 10);
    await Promise.resolve();
    expect(stats().registered - r0).toBe(PENDING_MAX + 10);
    expect(Array.from(kept[7]!.storage.subarray(0, 3))).toEqual(Array.from(a.mul(7).storage.subarray(0, 3)));
  });
});
