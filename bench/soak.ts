/**
 * Memory soak: 10,000 MLP training steps (784-256-128-10, Adam) through the public API on the
 * selected backend; heap and array-buffer bytes after a forced GC at step 1,000 and at the end.
 * Run with `node --expose-gc --import tsx bench/soak.ts [--steps N] [--batch B] [--threads T]`;
 * prints one JSON line.
 */
import * as bp from './backprop.js';
import { loadDigits } from './digits.js';
import { mlpTrainer } from './models.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const steps = arg('steps', 10000);
const batch = arg('batch', 16);
const threads = arg('threads', 1);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('soak: run node with --expose-gc');

await bp.init({ threads });
const data = loadDigits();
const t = mlpTrainer(data, batch);
const mem = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss, arena: Number(bp.backendInfo().info.arenaBytes ?? 0) };
};
const mark = Math.min(1000, Math.floor(steps / 10));
let atMark = mem();
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  t.step(i);
  if (i + 1 === mark) atMark = mem();
}
const seconds = (performance.now() - t0) / 1000;
const end = mem();
console.log(
  JSON.stringify({
    backend: bp.backendInfo().backend,
    steps,
    batch,
    mark,
    seconds,
    loss: t.loss(),
    atMark,
    end,
    heapGrowth: end.heapUsed - atMark.heapUsed,
    arrayBufferGrowth: end.arrayBuffers - atMark.arrayBuffers,
  }),
);
