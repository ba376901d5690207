/**
 * A Sequential of built-in layers runs as an internal scope (its intermediates are engine temporaries)
 * even when its layers have hooks: a hook is user code, so the tensors it is handed escape and the
 * tensors it makes are the user's. Everything a hook kept reads back what the js backend computes,
 * after training steps with eviction forced by a tiny budget, and the intermediates no hook saw are
 * still freed by the engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, init, setBackend } from '../../src/backend/index.js';
import { noGrad } from '../../src/autograd/mode.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import { randn, tensor } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());
afterAll(() => void setBackend('js'));

interface Kept {
  outs: number[][];
  means: number[];
  preIns: number[][];
  losses: number[];
}

/** Train 6 steps of a hooked MLP; the hooks keep the ReLU output, a mean made in the hook, and an input a pre-hook saw. */
function run(): Kept {
  const rng = new Rng(11);
  const model = new nn.Sequential(
    new nn.Linear(48, 64, { rng }),
    new nn.ReLU(),
    new nn.Linear(64, 64, { rng }),
    new nn.Tanh(),
    new nn.Linear(64, 4, { rng }),
  );
  const outs: Tensor[] = [];
  const means: Tensor[] = [];
  const preIns: Tensor[] = [];
  model.at(1).registerForwardHook((_m, _in, out) => {
    outs.push(out as Tensor);
    means.push((out as Tensor).mean()); // made inside the chain's scope, by user code
  });
  model.at(3).registerForwardPreHook((_m, inputs) => {
    preIns.push(inputs[0] as Tensor);
  });
  model.at(2).registerForwardHook((_m, _in, out) => (out as Tensor).mul(0.5)); // a replaced output
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const losses: Tensor[] = [];
  for (let i = 0; i < 6; i++) {
    const x = randn([32, 48], { rng });
    const y = tensor(
      Array.from({ length: 32 }, (_, j) => (i + j) % 4),
      { dtype: 'int32' },
    );
    const loss = nn.F.crossEntropy(model.call(x) as Tensor, y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss);
  }
  noGrad(() => model.call(randn([32, 48], { rng })));
  const read = (t: Tensor) => Array.from(t.dataSync());
  return { outs: outs.map(read), means: means.map((t) => t.item()), preIns: preIns.map(read), losses: losses.map((t) => t.item()) };
}

describe('Sequential internal scope with hooks (wasm)', () => {
  it('what hooks kept reads back as on js, with eviction forced; unseen intermediates are engine-freed', async () => {
    await init({ backend: 'js' });
    const want = run();
    await init({ backend: 'wasm', threads: 1, memory: 64 * 1024 });
    const mem = () => (backendInfo().info as { memory: { engineFreed: number; evicted: number } }).memory;
    const before = { ...mem() };
    const got = run();
    expect(got.outs.length).toBe(7);
    for (let i = 0; i < want.outs.length; i++) {
      const w = want.outs[i]!;
      const g = got.outs[i]!;
      expect(g.length).toBe(w.length);
      for (let j = 0; j < w.length; j++) expect(g[j]).toBeCloseTo(w[j]!, 4);
    }
    for (let i = 0; i < want.preIns.length; i++) expect(got.preIns[i]![5]).toBeCloseTo(want.preIns[i]![5]!, 4);
    got.means.forEach((m, i) => expect(m).toBeCloseTo(want.means[i]!, 4));
    got.losses.forEach((l, i) => expect(l).toBeCloseTo(want.losses[i]!, 4));
    expect(mem().evicted).toBeGreaterThan(before.evicted); // the tiny budget moved kept tensors out and back
    expect(mem().engineFreed).toBeGreaterThan(before.engineFreed); // the chain's unseen intermediates
  });
});
