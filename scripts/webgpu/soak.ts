/**
 * The webgpu memory soak: an async MLP training loop (Linear–ReLU–Linear, SGD with momentum, a
 * readback of the loss every step) with GPU bytes held, the allocator's high-water mark, finalizer and
 * engine frees and RSS printed every 1,000 steps. No dispose anywhere. With `--fit` the same model
 * trains through `fit()` (a DataLoader of 320 samples in batches of 32: 10 steps per epoch).
 *
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node --import tsx scripts/webgpu/soak.ts [--steps 10000] [--fit]
 *
 * Times printed on SwiftShader (a CPU Vulkan) say nothing about GPU speed.
 */
import { backendInfo, data as bpdata, fit, init, manualSeed, nn, optim, randn, tensor } from '../../src/index.js';

const at = process.argv.indexOf('--steps');
const steps = at >= 0 ? Number(process.argv[at + 1]) : 10_000;
if (!Number.isInteger(steps) || steps <= 0) throw new Error(`soak: --steps must be a positive integer, got ${process.argv[at + 1]}`);

await init({ backend: 'webgpu' });
manualSeed(5);
const model = new nn.Sequential(new nn.Linear(8, 32), new nn.ReLU(), new nn.Linear(32, 4)).to('webgpu');
const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const x = randn([32, 8]).to('webgpu');
const y = tensor(
  Array.from({ length: 32 }, (_, i) => i % 4),
  { dtype: 'int32' },
);
const t0 = performance.now();
function report(s: number, l: number): void {
  const m = backendInfo().gpu!.memory as {
    liveBytes: number;
    pooledBytes: number;
    highWaterBytes: number;
    finalized: number;
    freedByEngine: number;
  };
  console.log(
    `step ${s} loss ${l.toFixed(5)} GPU bytes held ${m.liveBytes + m.pooledBytes} (live ${m.liveBytes}) high-water ${m.highWaterBytes} finalized ${m.finalized} engine-freed ${m.freedByEngine} rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}
if (process.argv.includes('--fit')) {
  // fit(): batches go to the model's device, the loss is read back asynchronously every step
  const ds = new bpdata.TensorDataset(
    randn([320, 8]),
    tensor(
      Array.from({ length: 320 }, (_, i) => i % 4),
      { dtype: 'int32' },
    ),
  );
  const epochs = Math.ceil(steps / 10);
  await fit(model, {
    train: new bpdata.DataLoader(ds, { batchSize: 32, shuffle: true }),
    loss: nn.F.crossEntropy,
    optimizer: opt,
    epochs,
    progress: false,
    onEpochEnd: (_ctx, epoch, logs) => {
      const s = (epoch + 1) * 10;
      if (s % 1000 === 0 || s === 200 || epoch + 1 === epochs) report(s, logs.loss as number);
    },
  });
} else {
  for (let s = 1; s <= steps; s++) {
    opt.zeroGrad();
    const loss = nn.F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    const l = await loss.itemAsync();
    if (s % 1000 === 0 || s === 200 || s === steps) report(s, l);
  }
}
