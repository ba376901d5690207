/**
 * Gradients the engine alone has seen are freed when they are dropped (`zeroGrad`, a new accumulation,
 * gradient clipping) instead of waiting for eviction; a gradient user code has read (`p.grad`) is never
 * freed under it and keeps its values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, init, setBackend } from '../../src/backend/index.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import { randn } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());
afterAll(() => void setBackend('js'));

const freed = () => (backendInfo().info as { memory: { engineFreed: number } }).memory.engineFreed;

function setup(): { lin: nn.Linear; opt: optim.SGD; x: Tensor } {
  const rng = new Rng(5);
  const lin = new nn.Linear(64, 64, { rng }); // a 4,096-float weight: its gradient lives on the device
  return { lin, opt: new optim.SGD(lin.parameters(), { lr: 0.1 }), x: randn([8, 64], { rng }) };
}

describe('unseen gradients are freed when dropped (wasm)', () => {
  it('zeroGrad frees the gradient no user code read; training still matches the js backend', async () => {
    const run = () => {
      const { lin, opt, x } = setup();
      for (let i = 0; i < 5; i++) {
        opt.zeroGrad();
        (lin.call(x) as Tensor).square().mean().backward();
        opt.step();
      }
      return Array.from(lin.weight.dataSync().slice(0, 8));
    };
    await init({ backend: 'js' });
    const want = run();
    await init({ backend: 'wasm', threads: 1 });
    const { lin, opt, x } = setup();
    (lin.call(x) as Tensor).square().mean().backward();
    const before = freed();
    opt.zeroGrad();
    expect(freed()).toBeGreaterThan(before); // the weight's gradient went back to the pool at once
    const got = run();
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('a gradient the user read stays readable after zeroGrad, a second backward and a step', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const { lin, opt, x } = setup();
    (lin.call(x) as Tensor).square().mean().backward();
    const kept = lin.weight.grad!; // user code holds it now
    const values = Array.from(kept.dataSync());
    opt.zeroGrad();
    (lin.call(x) as Tensor).sum().backward();
    opt.step();
    expect(Array.from(kept.dataSync())).toEqual(values);
  });

  it('accumulation over two backward calls frees the unseen partial sum and keeps a seen one', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const a = setup();
    (a.lin.call(a.x) as Tensor).square().mean().backward();
    const first = Array.from(a.lin.weight.grad!.dataSync()); // seen: must survive accumulation
    const firstTensor = a.lin.weight.grad!;
    (a.lin.call(a.x) as Tensor).square().mean().backward();
    expect(Array.from(firstTensor.dataSync())).toEqual(first);
    const b = setup();
    (b.lin.call(b.x) as Tensor).square().mean().backward();
    const before = freed();
    (b.lin.call(b.x) as Tensor).square().mean().backward(); // the unseen first gradient is replaced by the sum
    expect(freed()).toBeGreaterThan(before);
    const sum = b.lin.weight.grad!.dataSync();
    for (let i = 0; i < 8; i++) expect(sum[i]).toBeCloseTo(2 * first[i]!, 5);
  });

  it('clipGradNorm_ replaces unseen gradients without leaving them to eviction', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const { lin, x } = setup();
    (lin.call(x) as Tensor).square().mean().backward();
    const before = freed();
    nn.utils.clipGradNorm_(lin.parameters(), 1e-3);
    expect(freed()).toBeGreaterThan(before);
    let s = 0;
    for (const p of lin.parameters()) for (const v of p.grad!.dataSync()) s += v * v;
    expect(Math.sqrt(s)).toBeCloseTo(1e-3, 6);
  });
});
