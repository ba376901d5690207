/**
 * Training on the 'webgpu' device (`npm run test:webgpu`): an async MLP loop matches the same loop on
 * the js backend, and a 1,000-step soak keeps GPU memory flat without any dispose (buffers come back
 * through the engine's deterministic frees and the FinalizationRegistry at each await).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backendInfo, data, evaluate, fit, init, manualSeed, nn, optim, randn, tensor, type Tensor } from '../../../src/index.js';

afterAll(async () => {
  await init({ backend: 'js' });
});

interface GpuMemory {
  liveBytes: number;
  pooledBytes: number;
  highWaterBytes: number;
  finalized: number;
  freedByEngine: number;
}
const memory = () => backendInfo().gpu!.memory as GpuMemory;

function dataset(n: number, features: number, classes: number): { x: Tensor; y: Tensor } {
  const x = randn([n, features]);
  // a learnable labelling: the class is the argmax of a fixed projection of x
  const w = randn([features, classes]);
  return { x, y: x.matmul(w).argmax(1) };
}

/** Loss per step of `steps` Adam steps of an MLP on `device`, from the same initial weights. */
async function train(device: 'cpu' | 'webgpu', steps: number): Promise<{ losses: number[]; weights: number[] }> {
  manualSeed(3);
  const { x, y } = dataset(64, 10, 4);
  const model = new nn.Sequential(new nn.Linear(10, 32), new nn.ReLU(), new nn.Linear(32, 4));
  if (device === 'webgpu') model.to('webgpu');
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const xs = device === 'webgpu' ? x.to('webgpu') : x;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = nn.F.crossEntropy(model.forward(xs), y);
    loss.backward();
    opt.step();
    losses.push(await loss.itemAsync());
  }
  await model.toAsync('cpu');
  const weights = model.parameters().flatMap((p) => Array.from(p.dataSync()));
  return { losses, weights };
}

describe('training on webgpu', () => {
  it('an async MLP loop (Linear, ReLU, cross-entropy, Adam) matches js within float32 rounding', async () => {
    await init({ backend: 'js' });
    const want = await train('cpu', 40);
    await init({ backend: 'webgpu' });
    const got = await train('webgpu', 40);
    expect(got.losses[39]!).toBeLessThan(got.losses[0]! * 0.5);
    for (let s = 0; s < 40; s++)
      expect(Math.abs(got.losses[s]! - want.losses[s]!), `step ${s}`).toBeLessThan(1e-4 + 1e-3 * want.losses[s]!);
    let worst = 0;
    for (let i = 0; i < want.weights.length; i++) worst = Math.max(worst, Math.abs(got.weights[i]! - want.weights[i]!));
    expect(worst).toBeLessThan(1e-3);
  });

  it('fit() and evaluate() train a model on webgpu (batches moved to its device, losses read back async) as on the CPU', async () => {
    const run = async (device: 'cpu' | 'webgpu') => {
      await init({ backend: device === 'cpu' ? 'js' : 'webgpu' });
      manualSeed(11);
      const { x, y } = dataset(96, 6, 3);
      const model = new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 3));
      if (device === 'webgpu') model.to('webgpu');
      const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 32 });
      const history = await fit(model, {
        train: loader,
        loss: nn.F.crossEntropy,
        optimizer: new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }),
        epochs: 3,
        metrics: ['accuracy'],
        progress: false,
      });
      const ev = await evaluate(model, loader, { loss: nn.F.crossEntropy, metrics: ['accuracy'] });
      return { losses: history.history.loss as number[], ev };
    };
    const want = await run('cpu');
    const got = await run('webgpu');
    expect(got.losses.length).toBe(3);
    got.losses.forEach((l, i) => expect(Math.abs(l - want.losses[i]!), `epoch ${i}`).toBeLessThan(1e-4 + 1e-3 * want.losses[i]!));
    expect(Math.abs(got.ev.loss! - want.ev.loss!)).toBeLessThan(1e-3 * want.ev.loss!);
    expect(got.ev.accuracy).toBe(want.ev.accuracy);
  });

  it('soak: 1,000 async steps keep GPU memory flat after warm-up, and report the high-water mark', async () => {
    await init({ backend: 'webgpu' });
    manualSeed(5);
    const model = new nn.Sequential(new nn.Linear(8, 32), new nn.ReLU(), new nn.Linear(32, 4)).to('webgpu');
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const x = randn([32, 8]).to('webgpu');
    const y = tensor(
      Array.from({ length: 32 }, (_, i) => i % 4),
      { dtype: 'int32' },
    );
    const kept: Tensor[] = [];
    let warm: GpuMemory | null = null;
    let first = 0;
    let last = 0;
    for (let s = 1; s <= 1000; s++) {
      opt.zeroGrad();
      const loss = nn.F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      last = await loss.itemAsync();
      if (s === 1) first = last;
      if (s % 250 === 0) kept.push(loss); // (d): tensors the loop keeps stay readable
      if (s === 200) warm = { ...memory() };
    }
    const end = memory();
    console.log(
      `webgpu soak: GPU bytes held at step 200 ${warm!.liveBytes + warm!.pooledBytes}, at step 1000 ${end.liveBytes + end.pooledBytes}; high-water ${warm!.highWaterBytes} → ${end.highWaterBytes}; finalized ${end.finalized}, freed by the engine ${end.freedByEngine}`,
    );
    expect(last).toBeLessThan(first);
    expect(end.freedByEngine).toBeGreaterThan(warm!.freedByEngine);
    expect(end.finalized).toBeGreaterThan(warm!.finalized);
    // without frees, 800 more steps would hold ~800× a step's buffers; flat means within 2× of warm-up
    expect(end.highWaterBytes).toBeLessThan(2 * warm!.highWaterBytes);
    expect(end.liveBytes + end.pooledBytes).toBeLessThan(2 * warm!.highWaterBytes);
    for (const k of kept) expect(Number.isFinite(await k.itemAsync())).toBe(true);
  });
});
