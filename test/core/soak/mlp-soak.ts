/**
 * Memory soak: train a small MLP (raw tensors, manual SGD under noGrad) for many steps and report the
 * heap after a forced GC at checkpoints. Run with `node --expose-gc --import tsx mlp-soak.ts STEPS`;
 * `STEPS leak` keeps every graph alive (a deliberate leak, the negative control). Prints one JSON line: { steps, heapMB: {step: MB}, growthMB, collected, finalLoss }.
 */
import { Rng, noGrad, nn, randn, tensor, zeros, type Tensor } from '../../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const F = nn.functional;
const steps = Number(process.argv[2] ?? 10000);
/** `leak`: keep every step's loss with its graph (retainGraph) — the control that the soak detects leaks. */
const leak = process.argv[3] === 'leak';
const kept: Tensor[] = [];
const rng = new Rng(1);

// two-moons-like data: 256 points, 2 classes
const n = 256;
const x = randn([n, 2], { rng });
const y = x
  .narrow(1, 0, 1)
  .mul(x.narrow(1, 1, 1))
  .gt(0)
  .squeeze(1)
  .to('int32');

const layers = [
  [randn([32, 2], { rng }).mul(0.5), zeros([32])],
  [randn([32, 32], { rng }).mul(0.2), zeros([32])],
  [randn([2, 32], { rng }).mul(0.2), zeros([2])],
].map(([w, b]) => [w!.requiresGrad_(), b!.requiresGrad_()]) as [Tensor, Tensor][];
const params = layers.flat();

const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const heapMB: Record<number, number> = {};
let lossValue = NaN;
let probe: WeakRef<Tensor> | null = null;
let collected = false;
for (let s = 1; s <= steps; s++) {
  const idx = tensor(Int32Array.from(rng.permutation(n).slice(0, 32)), { shape: [32] });
  let h = x.indexSelect(0, idx);
  layers.forEach(([w, b], i) => {
    h = F.linear(h, w, b);
    if (i < layers.length - 1) h = h.relu();
  });
  const loss = h.logSoftmax(1).gather(1, y.indexSelect(0, idx).unsqueeze(1)).mean().neg();
  for (const p of params) p.grad = null;
  loss.backward(undefined, { retainGraph: leak });
  if (leak) kept.push(loss);
  noGrad(() => {
    for (const p of params) p.sub_(p.grad!.mul(0.05));
  });
  lossValue = loss.item();
  if (s === 500) probe = new WeakRef(h); // an activation of an old step: must become garbage
  if (s === 1000 || s === steps || s % 2500 === 0) {
    // WeakRef targets stay alive until the current job ends: yield to the event loop first
    await new Promise((r) => setImmediate(r));
    heapMB[s] = heap();
    if (probe && s > 500) collected = probe.deref() === undefined;
  }
}
const growthMB = heapMB[steps]! - heapMB[1000]!;
console.log(JSON.stringify({ steps, heapMB, growthMB, collected, finalLoss: lossValue }));
