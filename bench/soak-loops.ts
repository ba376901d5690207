/**
 * Memory soak of the four loop shapes of issue 13 on the wasm backend (README, "Design: memory model"):
 *
 *   a  explicit synchronous training loop, `loss.item()` every step (never yields: eviction bounds it)
 *   b  `fit()` over a DataLoader, then a `for await` loop (yields: finalizers free)
 *   c  inference loop under noGrad
 *   d  a loop that keeps tensors: every loss (`losses.push(loss)`), every 100th activation a forward hook
 *      stored, and one tensor kept across epochs — all read back exactly at the end
 *   e  a model with its own `forward` (ops between the layers are user code, so every activation escapes
 *      the engine's frees): the synchronous loop of (a) for half the steps, then inference under noGrad
 *
 * Prints one JSON line: RSS, wasm memory and live device bytes after a forced GC at the warm-up mark
 * (a tenth of the steps) and at the end, the memory counters, and for (d) whether the kept tensors
 * read back their values. Run:
 *   node --expose-gc --import tsx bench/soak-loops.ts --loop a|b|c|d|e|all [--steps 10000] [--memory BYTES] [--threads 1]
 * (`npm run bench:memory` runs all four at 10,000 steps and prints a table.)
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
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
/** `--diag`: also print, to stderr, where the RSS is (V8 heap spaces, mappings that grew) at the mark and the end. */
const diag = process.argv.includes('--diag');
if (loop === 'all') {
  // one child process per loop (each starts from a fresh heap); prints a table and the JSON lines
  const { execFileSync } = await import('node:child_process');
  const MB = (b: number) => (b / 2 ** 20).toFixed(1);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const rows: string[] = [
    '| loop | steps | RSS at warm-up → end | growth | wasm memory at warm-up → end | growth | evicted / engine-freed / finalized blocks | kept tensors |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const l of ['a', 'b', 'c', 'd', 'e']) {
    const args = [
      '--expose-gc',
      // V8's young generation starts at its full size (Node 20's default maximum, 2 × 16 MB): left to
      // itself V8 doubles it once, at a step that depends on timing (+16 MB of RSS, sizing rather than
      // retention), which decided the bar by luck (README, "Memory soak")
      '--min-semi-space-size=16',
      '--max-semi-space-size=16',
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
if (!['a', 'b', 'c', 'd', 'e'].includes(loop)) throw new Error(`soak-loops: --loop a|b|c|d|e|all, got ${loop}`);

await init({ backend: 'wasm', threads, ...(memory ? { memory: Number(memory) } : {}) });

interface Mem {
  rss: number;
  heap: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  wasm: number;
  live: number;
  /** Per V8 heap space: committed (space_size), used, physical (resident) bytes. */
  spaces: Record<string, [number, number, number]>;
  /** /proc/self/status: resident anonymous, file-backed and shared-memory bytes (Linux only). */
  rssAnon?: number;
  rssFile?: number;
  rssShmem?: number;
}

/** Resident kB per mapping (address range, permissions, name) from /proc/self/smaps (Linux only). */
function mappings(): Map<string, number> {
  const out = new Map<string, number>();
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return out;
  }
  let key = '';
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+-[0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) key = `${m[1]} ${m[2]} ${m[3]}`;
    else if (line.startsWith('Rss:')) out.set(key, Number(/\d+/.exec(line)![0]));
  }
  return out;
}
function procStatus(): Pick<Mem, 'rssAnon' | 'rssFile' | 'rssShmem'> {
  try {
    const t = readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string) => 1024 * Number(new RegExp(`${k}:\\s+(\\d+)`).exec(t)?.[1] ?? NaN);
    return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), rssShmem: kb('RssShmem') };
  } catch {
    return {};
  }
}
let mapsAtMark: Map<string, number> | null = null;
/** Print the mappings whose resident size changed most since the mark (to stderr). */
function mappingDelta(): void {
  if (!mapsAtMark) return;
  const now = mappings();
  const rows: [string, number, number][] = [];
  for (const k of new Set([...mapsAtMark.keys(), ...now.keys()])) {
    const a = mapsAtMark.get(k) ?? 0;
    const b = now.get(k) ?? 0;
    if (a !== b) rows.push([k, a, b]);
  }
  rows.sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]));
  const size = (k: string) => {
    const [lo, hi] = k
      .split(' ')[0]!
      .split('-')
      .map((h) => parseInt(h, 16));
    return ((hi! - lo!) / 2 ** 20).toFixed(2);
  };
  let total = 0;
  for (const r of rows) total += r[2] - r[1];
  console.error(`mappings changed: ${rows.length}, net ${(total / 1024).toFixed(1)} MB`);
  for (const [k, a, b] of rows.slice(0, 25)) console.error(`  ${k} (${size(k)} MB): ${a} → ${b} kB`);
}
async function mem(): Promise<Mem> {
  for (let i = 0; i < 2; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 0)); // finalizers run as tasks
  }
  // V8 hands the pages a compacting GC emptied back to the system on a background thread: read at once,
  // the RSS counted up to ~10 MB of them, more or less from run to run (README, "Memory soak")
  await new Promise((r) => setTimeout(r, 25));
  const info = backendInfo().info as { arenaBytes: number; memory: { liveBytes: number } };
  const u = process.memoryUsage();
  const spaces: Mem['spaces'] = {};
  for (const sp of getHeapSpaceStatistics()) spaces[sp.space_name] = [sp.space_size, sp.space_used_size, sp.physical_space_size];
  return {
    rss: u.rss,
    heapTotal: u.heapTotal,
    heap: u.heapUsed,
    external: u.external,
    arrayBuffers: u.arrayBuffers,
    wasm: info.arenaBytes,
    live: info.memory.liveBytes,
    spaces,
    ...procStatus(),
  };
}
/** The warm-up mark: memory after a forced GC (and, with --diag, the mappings to compare the end with). */
async function markNow(): Promise<Mem> {
  const m = await mem();
  if (diag) mapsAtMark = mappings();
  return m;
}
/** RSS without a forced GC, sampled during the run (every tenth of the steps). */
const samples: number[] = [];
/** With --diag: the native heap's (`[heap]`, glibc's main arena) resident bytes and new space's physical bytes at each sample. */
const brkSamples: number[] = [];
const newSpaceSamples: number[] = [];
const abSamples: number[] = [];
const sample = (i: number) => {
  if ((i + 1) % Math.max(1, Math.floor(steps / 10)) !== 0) return;
  samples.push(process.memoryUsage().rss);
  if (!diag) return;
  let brk = 0;
  for (const [k, kb] of mappings()) if (k.endsWith('[heap]')) brk += kb * 1024;
  brkSamples.push(brk);
  abSamples.push(process.memoryUsage().arrayBuffers);
  newSpaceSamples.push(getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')!.physical_space_size);
};

const rng = new Rng(7);
const B = 32;
/** The same layers with a `forward` of its own, as most PyTorch code is written (loop e). */
class Residual extends nn.Module {
  fc1 = new nn.Linear(64, 128, { rng });
  fc2 = new nn.Linear(128, 128, { rng });
  fc3 = new nn.Linear(128, 10, { rng });
  forward(x: Tensor): Tensor {
    const h = this.fc1.call(x).relu();
    return this.fc3.call(this.fc2.call(h).relu().add(h));
  }
}
const model: nn.Module =
  loop === 'e'
    ? new Residual()
    : new nn.Sequential(
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
    sample(i);
    if (i + 1 === mark) atMark = await markNow();
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
      sample(done++);
    },
    onEpochEnd: async () => {
      if (atMark === null && done >= mark) atMark = await markNow();
    },
  } as Parameters<typeof fit>[1]);
  while (done < steps) {
    for await (const [x, y] of loader) {
      opt.zeroGrad();
      const loss = nn.F.crossEntropy(model.call(x!) as Tensor, y!);
      loss.backward();
      opt.step();
      lastLoss = loss.item();
      sample(done);
      if (++done >= steps) break;
    }
    if (atMark === null && done >= mark) atMark = await markNow();
  }
} else if (loop === 'c') {
  model.eval();
  for (let i = 0; i < steps; i++) {
    const [x] = batch(i);
    const out = noGrad(() => model.call(x) as Tensor);
    lastLoss = out.argmax(1).sum().item();
    sample(i);
    if (i + 1 === mark) atMark = await markNow();
  }
} else if (loop === 'e') {
  for (let i = 0; i < steps; i++) {
    if (i < steps / 2) lastLoss = trainStep(i).item();
    else {
      if (i === Math.ceil(steps / 2)) model.eval();
      const [x] = batch(i);
      lastLoss = noGrad(() => model.call(x) as Tensor)
        .argmax(1)
        .sum()
        .item();
    }
    sample(i);
    if (i + 1 === mark) atMark = await markNow();
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
    sample(i);
    if (i + 1 === mark) atMark = await markNow();
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
if (diag) {
  const MB = (b: number) => (b / 2 ** 20).toFixed(1);
  console.error(
    `loop ${loop}: RSS ${MB(m.rss)} → ${MB(end.rss)} MB (anon ${MB(m.rssAnon!)} → ${MB(end.rssAnon!)}, file ${MB(m.rssFile!)} → ${MB(end.rssFile!)}, shmem ${MB(m.rssShmem!)} → ${MB(end.rssShmem!)})`,
  );
  console.error(
    `  heapTotal ${MB(m.heapTotal)} → ${MB(end.heapTotal)}, heapUsed ${MB(m.heap)} → ${MB(end.heap)}, external ${MB(m.external)} → ${MB(end.external)}, arrayBuffers ${MB(m.arrayBuffers)} → ${MB(end.arrayBuffers)}, wasm ${MB(m.wasm)} → ${MB(end.wasm)}`,
  );
  for (const k of Object.keys(end.spaces)) {
    const [a, b] = [m.spaces[k]!, end.spaces[k]!];
    console.error(
      `  ${k.padEnd(24)} committed ${MB(a[0])} → ${MB(b[0])}, used ${MB(a[1])} → ${MB(b[1])}, physical ${MB(a[2])} → ${MB(b[2])}`,
    );
  }
  console.error(`  RSS sampled without GC: ${samples.map(MB).join(' ')}`);
  console.error(`  [heap] sampled:         ${brkSamples.map(MB).join(' ')}`);
  console.error(`  new space physical:     ${newSpaceSamples.map(MB).join(' ')}`);
  console.error(`  arrayBuffers (no GC):   ${abSamples.map(MB).join(' ')}`);
  mappingDelta();
}
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
    rssSamples: samples,
  }),
);
