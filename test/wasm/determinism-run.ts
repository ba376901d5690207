/**
 * Seeded training runs for the wasm determinism test (test/wasm/determinism.test.ts). Run directly
 * (`node --import tsx test/wasm/determinism-run.ts <threads>`) it trains both models on the wasm
 * backend and prints one sha-256 per model, so a fresh process can be compared with the test's own.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { init, manualSeed, nn, optim, randint, randn, Rng, type Tensor } from '../../src/index.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';

/** Start the wasm backend with `threads` (2 = the caller and one worker). */
export async function wasmBackend(threads: number): Promise<WasmBackend> {
  return (await init({ backend: 'wasm', threads })) as WasmBackend;
}

/** The raw float32 bits of every parameter, in order. */
export function snapshot(model: nn.Module): Float32Array[] {
  return model.parameters().map((p) => Float32Array.from(p.dataSync() as Float32Array));
}

export interface Run {
  model: nn.Module;
  opt: optim.Adam;
  x: Tensor;
  y: Tensor;
}

/**
 * LeNet-like CNN with a batch norm, Adam, fixed seeded data. Batch 48: conv1 (5.6 M multiply-adds)
 * and conv2 (11.5 M) are over the pool's 4 M threshold, so their forward passes and gradients go to
 * the pool; the batch norm's 225,792 activations to its split by channels; fc1's 48,000 weights go to
 * the pool's split Adam update.
 */
export function makeCnn(seed = 0): Run {
  manualSeed(seed);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }),
    new nn.BatchNorm2d(6),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120),
    new nn.ReLU(),
    new nn.Linear(120, 10),
  );
  const rng = new Rng(seed + 100);
  return {
    model,
    opt: new optim.Adam(model.parameters(), { lr: 2e-3 }),
    x: randn([48, 1, 28, 28], { rng }),
    y: randint(0, 10, [48], { rng }),
  };
}

/**
 * MLP, Adam, fixed seeded data: the 256×512 · 512×384 products (50 M multiply-adds) are split over
 * the pool by columns or rows, and the 196,608-weight layer's Adam update by elements.
 */
export function makeMlp(seed = 0): Run {
  manualSeed(seed);
  const model = new nn.Sequential(new nn.Linear(512, 384), new nn.ReLU(), new nn.Linear(384, 384), new nn.Tanh(), new nn.Linear(384, 10));
  const rng = new Rng(seed + 200);
  return { model, opt: new optim.Adam(model.parameters(), { lr: 1e-3 }), x: randn([256, 512], { rng }), y: randint(0, 10, [256], { rng }) };
}

/** `steps` Adam steps of cross-entropy on the run's fixed batch. */
export function train(r: Run, steps: number): Run {
  for (let i = 0; i < steps; i++) {
    r.opt.zeroGrad();
    nn.F.crossEntropy(r.model.call(r.x) as Tensor, r.y).backward();
    r.opt.step();
  }
  return r;
}

export const trainCnn = (steps: number, seed = 0): Float32Array[] => snapshot(train(makeCnn(seed), steps).model);
export const trainMlp = (steps: number, seed = 0): Float32Array[] => snapshot(train(makeMlp(seed), steps).model);

export function digest(params: Float32Array[]): string {
  const h = createHash('sha256');
  for (const p of params) h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex');
}

export const CNN_STEPS = 40;
export const MLP_STEPS = 40;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const threads = Number(process.argv[2] ?? 2);
  const b = await wasmBackend(threads);
  if (process.argv[3] !== undefined) b.gemm.parallelMinMacs = Number(process.argv[3]);
  console.log(JSON.stringify({ threads: b.gemm.threads, cnn: digest(trainCnn(CNN_STEPS)), mlp: digest(trainMlp(MLP_STEPS)) }));
}
