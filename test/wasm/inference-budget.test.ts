/**
 * The default budget follows an inference loop's working set too: a top-level module call whose output
 * needs no gradient (inference, `noGrad`) ends a step for the working-set estimate, as `backward()`
 * ends a training step. Before, a loop that never called backward kept the 16 MiB floor, and a
 * network whose activations pass it evicted and re-uploaded blocks on every forward.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, init, nn, noGrad, randn, Rng, setBackend, type Tensor } from '../../src/index.js';
import { BUDGET_FLOOR } from '../../src/backend/wasm/arena.js';
import { ensureBuilt } from './setup.js';

beforeAll(async () => {
  ensureBuilt();
  await init({ backend: 'wasm', threads: 1 });
});
afterAll(() => void setBackend('js'));

type Mem = { evictedBytes: number; budget: number };
const mem = () => (backendInfo().info as { memory: Mem }).memory;

describe('default budget in an inference loop (wasm)', () => {
  it('grows to the forward pass’s working set: no evictions after the first pass', () => {
    const rng = new Rng(2);
    const net = new nn.Sequential(
      new nn.Conv2d(3, 16, 3, { padding: 1, rng }),
      new nn.BatchNorm2d(16),
      new nn.ReLU(),
      new nn.Conv2d(16, 16, 3, { padding: 1, rng }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
    );
    net.eval();
    const x = randn([8, 3, 128, 128], { rng }); // 8·16·128·128 floats = 8 MiB per activation
    const first = noGrad(() => net.call(x) as Tensor).toArray();
    expect(mem().budget).toBeGreaterThan(BUDGET_FLOOR + 16 * 1024 * 1024);
    const before = mem().evictedBytes;
    for (let i = 0; i < 4; i++) expect(noGrad(() => net.call(x) as Tensor).toArray()).toEqual(first);
    expect(mem().evictedBytes - before).toBe(0);
  });
});
