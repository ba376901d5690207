/**
 * Memory soak of the four loop shapes of issue 13 on the wasm backend (README, "Design: memory model"):
 *
 *   a  explicit synchronous training loop, `loss.item()` every step (never yields: eviction bounds it)
 *   b  `fit()` over a DataLoader, then a `for await` loop (yields: finalizers free)
 *   c  inference loop under noGrad
 *   d  a loop that keeps tensors: every loss (`losses.push(loss)`), every 100th activation a forward hook
 *      stored, and one tensor kept across epochs — all read back exactly at the end
 *
 * Prints one JSON line: RSS, wasm memory and live device bytes after a forced GC at the warm-up mark
 * (a tenth of the steps) and at the end, the memory counters, and for (d) whether the kept tensors
 * read back their values. Run:
 *   node --expose-gc --import tsx bench/soak-loops.ts --loop a|b|c|d|all [--steps 10000] [--memory BYTES] [--threads 1]
 * (`npm run bench:memory` runs all four at 10,000 steps and prints a table.)
 */
import { Rng, backendInfo, data, fit, init, nn, noGrad, optim, randn, tensor, type Tensor } from '../src/index.js';

const { DataLoader, TensorDataset } = data;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const loop = arg('loop', 'a');
const steps = Number(arg('steps', '10000'));
const memory = arg('memory', '');
const threads = Number(arg('threads', '1'));
if (loop === 'all') {
  // one child process per loop (each starts from a fresh heap); prints a table and the JSON lines
  const { execFileSync } = await import('node:child_process');
  const MB = (b: number) => (b / 2 ** 20).toFixed(1);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const rows: string[] = [
    '| loop | steps | RSS at warm-up → end | growth | wasm memory at warm-up → end | growth | evicted / engine-freed / finalized blocks | kept tensors |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const l of ['a', 'b', 'c', 'd']) {
    const args = [
      '--expose-gc',
      '--import',
      'tsx',
      process.argv[1]!,
      '--loop',
      l,
      '--steps',
      String(steps),
      '--threads',
      String(threads),
      ...(memory ? ['--memory', memory] : []),
    ];
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')
      .pop()!;
    console.log(out);
    const r = JSON.parse(out);
    const kept = l === 'd' ? `${r.kept.checked} read back ${r.kept.ok ? 'exactly' : 'WRONG'}` : '—';
    rows.push(
      `| ${l} | ${r.steps} | ${MB(r.atMark.rss)} → ${MB(r.end.rss)} MB | ${pct(r.rssGrowth)} | ${MB(r.atMark.wasm)} → ${MB(r.end.wasm)} MB | ${pct(r.wasmGrowth)} | ${r.memory.evicted} / ${r.memory.engineFreed} / ${r.memory.finalized} | ${kept} |`,
    );
  }
  console.log(rows.join('\n'));
  process.exit(0);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('soak-loops: run node with --expose-gc');
if (!['a', 'b', 'c', 'd'].includes(loop)) throw new Error(`soak-loops: --loop a|b|c|d|all, got ${loop}`);

await init({ backend: 'wasm', threads, ...(memory ? { memory: Number(memory) } : {}) });

interface Mem {
  rss: number;
  heap: number;
  heapTotal: number;
  arrayBuffers: number;
  wasm: number;
  live: number;
}
async function mem(): Promise<Mem> {
  for (let i = 0; i < 2; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 0)); // finalizers run as tasks
  }
  const info = backendInfo().info as { arenaBytes: number; memory: { liveBytes: number } };
  const u = process.memoryUsage();
  return {
    rss: u.rss,
    heapTotal: u.heapTotal,
    heap: u.heapUsed,
    arrayBuffers: u.arrayBuffers,
    wasm: info.arenaBytes,
    live: info.memory.liveBytes,
  };
}

const rng = new Rng(7);
const B = 32;
const model = new nn.Sequential(
  new nn.Linear(64, 128, { rng }),
  new nn.ReLU(),
  new nn.Linear(128, 128, { rng }),
  new nn.ReLU(),
  new nn.Linear(128, 10, { rng }),
);
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const N = 512;
const X = randn([N, 64], { rng });
const Y = tensor(
  Array.from({ length: N }, (_, i) => i % 10),
  { dtype: 'int32' },
);
const batch = (i: number): [Tensor, Tensor] => {
  const at = (i * B) % N;
  return [X.narrow(0, at, B).contiguous(), Y.narrow(0, at, B).contiguous()];
};

const mark = Math.max(1, Math.floor(steps / 10));
let atMark: Mem | null = null;
let lastLoss = NaN;
const kept = { ok: true, checked: 0 };

function trainStep(i: number): Tensor {
  const [x, y] = batch(i);
  opt.zeroGrad();
  const loss = nn.F.crossEntropy(model.call(x) as Tensor, y);
  loss.backward();
  opt.step();
  return loss;
}

if (loop === 'a') {
  for (let i = 0; i < steps; i++) {
    lastLoss = trainStep(i).item();
    if (i + 1 === mark) atMark = await mem();
  }
} else if (loop === 'b') {
  // half the steps in fit() (epochs over a DataLoader), half in a `for await` loop over it
  const loader = new DataLoader(new TensorDataset(X, Y), { batchSize: B, shuffle: true, seed: 3 });
  const perEpoch = N / B;
  const fitEpochs = Math.max(1, Math.round(steps / 2 / perEpoch));
  let done = 0;
  await fit(model, {
    train: loader,
    loss: nn.F.crossEntropy,
    optimizer: opt,
    epochs: fitEpochs,
    onBatchEnd: () => {
      done++;
    },
    onEpochEnd: async () => {
      if (atMark === null && done >= mark) atMark = await mem();
    },
  } as Parameters<typeof fit>[1]);
  while (done < steps) {
    for await (const [x, y] of loader) {
      opt.zeroGrad();
      const loss = nn.F.crossEntropy(model.call(x!) as Tensor, y!);
      loss.backward();
      opt.step();
      lastLoss = loss.item();
      if (++done >= steps) break;
    }
    if (atMark === null && done >= mark) atMark = await mem();
  }
} else if (loop === 'c') {
  model.eval();
  for (let i = 0; i < steps; i++) {
    const [x] = batch(i);
    const out = noGrad(() => model.call(x) as Tensor);
    lastLoss = out.argmax(1).sum().item();
    if (i + 1 === mark) atMark = await mem();
  }
} else {
  // d: keep tensors, and what they held when kept
  const losses: Tensor[] = [];
  const lossValues: number[] = [];
  const acts: Tensor[] = [];
  const actValues: Float32Array[] = [];
  let want = false;
  model.modules()[1]!.registerForwardHook((_m, _in, out) => {
    if (want) acts.push(out as Tensor);
  });
  const epochTensor = randn([64, 128], { rng }); // kept across all "epochs"
  const epochValues = epochTensor.dataSync() as Float32Array;
  for (let i = 0; i < steps; i++) {
    want = i % 100 === 0;
    const loss = trainStep(i);
    if (want) actValues.push(acts[acts.length - 1]!.dataSync() as Float32Array);
    losses.push(loss);
    lossValues.push(loss.item());
    if (i % (N / B) === 0) epochTensor.mul(1).sum().item(); // the kept tensor is used now and then
    if (i + 1 === mark) atMark = await mem();
  }
  lastLoss = lossValues[lossValues.length - 1]!;
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    a.length === b.length && Array.prototype.every.call(a, (v: number, j: number) => Object.is(v, b[j]));
  losses.forEach((l, i) => {
    kept.checked++;
    if (!Object.is(l.item(), lossValues[i])) {
      kept.ok = false;
      if (process.env.SOAK_DEBUG) console.error('loss', i, l.item(), lossValues[i]);
    }
  });
  acts.forEach((a, i) => {
    kept.checked++;
    if (!same(a.dataSync(), actValues[i]!)) {
      kept.ok = false;
      if (process.env.SOAK_DEBUG) console.error('act', i, a.dataSync().slice(0, 3), actValues[i]!.slice(0, 3));
    }
  });
  kept.checked++;
  if (!same(epochTensor.dataSync(), epochValues)) kept.ok = false;
}

const end = await mem();
const m = atMark ?? end;
const info = backendInfo().info as { memory: Record<string, number> };
console.log(
  JSON.stringify({
    loop,
    steps,
    mark,
    threads,
    lastLoss,
    atMark: m,
    end,
    rssGrowth: (end.rss - m.rss) / m.rss,
    wasmGrowth: (end.wasm - m.wasm) / m.wasm,
    memory: info.memory,
    kept,
  }),
);
