/**
 * One thing to profile: the CLI's Fashion-MNIST `cnn` model (`buildModel({ zoo: 'cnn' })`, as
 * `backprop train --model cnn` builds it) training at batch 128 with Adam (lr 3e-3, the CLI's default
 * for it) on seeded random 1×28×28 inputs, the explicit loop with loss.item() every step.
 * Profile with:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-cnn.ts --steps 30 --threads 1
 * then summarise with `node bench/profile-summary.mjs /tmp/prof/*.cpuprofile`.
 */
import { Rng, backendInfo, buildModel, getBackend, init, manualSeed, nn, optim, randint, randn, type Tensor } from '../src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const steps = arg('steps', 30);
const threads = arg('threads', 1);
const batch = arg('batch', 128);
const memory = arg('memory', 0);
const sharedMemory = arg('shared', 1) === 1;
await init({ backend: 'wasm', threads, sharedMemory, ...(memory ? { memory } : {}) });
manualSeed(0);
const model = buildModel({ zoo: 'cnn', inputShape: [1, 28, 28], numClasses: 10 });
const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
const rng = new Rng(1);
const xs = Array.from({ length: 4 }, () => randn([batch, 1, 28, 28], { rng }));
const ys = Array.from({ length: 4 }, () => randint(0, 10, [batch], { rng }));
model.train();
const step = (i: number) => {
  opt.zeroGrad();
  const loss = nn.F.crossEntropy(model.call(xs[i % 4]!) as Tensor, ys[i % 4]!);
  loss.backward();
  opt.step();
  return loss.item();
};
for (let i = 0; i < 3; i++) step(i); // warm-up
// bytes copied between the JS heap and wasm memory per step: scratch copies in (putF32) and results
// copied out (takeF32 when it copies), plus evictions and uploads (the device's own counters)
const arena = (
  getBackend() as unknown as {
    arena: { putF32: (...a: never[]) => number; takeF32: (at: number, n: number) => Float32Array; f32: Float32Array };
  }
).arena;
let copiedIn = 0;
let copiedOut = 0;
const put = arena.putF32.bind(arena);
const take = arena.takeF32.bind(arena);
arena.putF32 = ((src: never, off: never, n: number) => ((copiedIn += 4 * n), put(src, off, n as never))) as never;
arena.takeF32 = (at: number, n: number) => {
  const r = take(at, n);
  if (r.buffer !== arena.f32.buffer && !(r.buffer instanceof SharedArrayBuffer)) copiedOut += 4 * n;
  return r;
};
const mem0 = { ...((backendInfo().info as { memory?: Record<string, number> }).memory ?? {}) };
const t0 = performance.now();
let loss = 0;
for (let i = 0; i < steps; i++) loss = step(i);
const ms = (performance.now() - t0) / steps;
const info = backendInfo().info as { memory: Record<string, number> };
const mem1 = (info as { memory?: Record<string, number> }).memory ?? {};
const moved = ((mem1.evictedBytes ?? 0) - (mem0.evictedBytes ?? 0) + (mem1.uploadedBytes ?? 0) - (mem0.uploadedBytes ?? 0)) / steps;
const MB = 2 ** 20;
console.log(
  JSON.stringify({
    copyMBPerStep: { in: copiedIn / steps / MB, out: copiedOut / steps / MB, evictUpload: moved / MB },
    steps,
    batch,
    threads,
    msPerStep: ms,
    samplesPerSec: (batch * 1000) / ms,
    loss,
    memory: info.memory,
  }),
);
