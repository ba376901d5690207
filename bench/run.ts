/**
 * `npm run bench [-- --quick] [-- --json FILE]`: backprop against TF.js (cpu and wasm backends) and
 * PyTorch (when /usr/bin/python3 can import torch), in one run, trials interleaved, medians and
 * ratios in a table. Workloads: SGEMM 128–1024 (1 and 2 threads); MLP 784-256-128-10 Adam training
 * at batch 32 and 128 on the bundled MNIST digits; LeNet-5 training at batch 64; batch-1 MLP
 * inference latency; the CLI's cnn training at batch 128; resnet18 (torchvision layout) exported to ONNX
 * and run by backprop and onnxruntime-node; a 10,000-step memory soak; and the MLP workloads in headless Chromium when
 * /usr/bin/chromium exists (`--no-browser` skips them).
 *
 * `--webgpu` adds the webgpu backend against backprop's wasm 1-thread figure: SGEMM 1024² (2048² and
 * 4096² without --quick), MLP train b128 and LeNet-5 b64, each trial ending with an async readback so
 * the time includes the GPU's work. The adapter (Dawn's vendor / architecture) is printed beside the
 * numbers; on SwiftShader (a CPU Vulkan) the rows say "not GPU speed". Without the optional `webgpu`
 * package or an adapter it prints one line why and the rest of the bench runs.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as bp from './backprop.js';
import { loadDigits } from './digits.js';
import { cnnTrainer, lenetTrainer, mlpInfer, mlpTrainer, type Trainer } from './models.js';
import { resnet18Onnx } from './resnet18.js';
import { CHROMIUM, PARITY_TOL, runBrowserBench, type BrowserResult } from './browser.js';
import { initTf, tfLenetTrainer, tfMlpInfer, tfMlpTrainer, tfSgemm, useTf, type TfBackend } from './tfjs.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const jsonOut = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined;
const only = argv.includes('--only') ? new RegExp(argv[argv.indexOf('--only') + 1]!) : null;
const wantWebgpu = argv.includes('--webgpu');
/** GPU training trials read the loss back every this many steps (and at the end): memory is reclaimed at await points. */
const GPU_READBACK_EVERY = 50;
const REPS = quick ? 3 : 5;
const TARGET_S = quick ? 0.15 : 0.4;
/**
 * Warm-up per column before calibrating: JIT-compiled code (backprop's and TF.js's JavaScript) runs
 * several times slower until V8 has optimised it, which takes thousands of small calls — one warm-up
 * call would leave a 30 µs workload measured in the interpreter.
 */
const WARM_S = quick ? 0.3 : 0.6;

// ---------------------------------------------------------------- PyTorch client

class Torch {
  private proc: ChildProcessWithoutNullStreams;
  private lines: AsyncIterator<string>;
  version = '';
  private constructor(proc: ChildProcessWithoutNullStreams) {
    this.proc = proc;
    this.lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  }
  static available(): boolean {
    return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  }
  static async start(threads: number): Promise<Torch> {
    const env = {
      ...process.env,
      OPENBLAS_NUM_THREADS: String(threads),
      OMP_NUM_THREADS: String(threads),
      BENCH_TORCH_THREADS: String(threads),
    };
    const t = new Torch(spawn('/usr/bin/python3', [join(here, 'torch_bench.py')], { env }));
    const hello = JSON.parse((await t.lines.next()).value as string) as { torch: string };
    t.version = hello.torch;
    return t;
  }
  async ask(req: Record<string, unknown>): Promise<number> {
    this.proc.stdin.write(JSON.stringify(req) + '\n');
    const r = JSON.parse((await this.lines.next()).value as string) as { seconds?: number; error?: string };
    if (r.error) throw new Error(`pytorch: ${r.error}`);
    return r.seconds!;
  }
  close(): void {
    this.proc.stdin.end();
  }
}

// ---------------------------------------------------------------- measurement

/** One implementation of a workload: run `n` units, resolve to seconds. */
type Runner = (n: number) => Promise<number> | number;

function timeSync(f: (i: number) => void): Runner {
  let i = 0;
  return (n: number) => {
    const t0 = performance.now();
    for (let k = 0; k < n; k++) f(i++);
    return (performance.now() - t0) / 1000;
  };
}

interface Impl {
  column: string;
  /** Switch to this implementation's backend before each trial. */
  before?: () => Promise<void>;
  run: Runner;
  /** Work units per trial are calibrated to ~TARGET_S, capped here (slow peers). */
  maxUnits?: number;
}

interface Row {
  workload: string;
  unit: string;
  higherIsBetter: boolean;
  /** column → median value (in `unit`), or null if not run. */
  values: Record<string, number | null>;
  samples: Record<string, number[]>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Interleaved trials: every rep runs each implementation once, in turn. */
const failures: string[] = [];

async function measure(workload: string, unit: string, higherIsBetter: boolean, perUnit: number, impls: Impl[]): Promise<Row> {
  const row: Row = { workload, unit, higherIsBetter, values: {}, samples: {} };
  if (only && !only.test(workload)) return row;
  try {
    return await measureRow(row, perUnit, impls);
  } catch (e) {
    failures.push(`${workload}: ${(e as Error).message.split('\n')[0]}`);
    process.stderr.write(`  ${workload} failed: ${(e as Error).message.split('\n')[0]}\n`);
    return { ...row, values: {} };
  }
}

async function measureRow(row: Row, perUnit: number, impls: Impl[]): Promise<Row> {
  const { workload, higherIsBetter } = row;
  const units = new Map<Impl, number>();
  for (const im of impls) {
    await im.before?.();
    // warm up: doubling batches of calls until WARM_S is spent (capped by the column's unit cap);
    // the per-unit time of the last batch calibrates the trials
    const cap = im.maxUnits ?? 100000;
    let n = 1;
    let spent = 0;
    let perUnit: number;
    for (;;) {
      const s = await im.run(n);
      spent += s;
      perUnit = Math.max(s / n, 1e-9);
      if (spent >= WARM_S || n >= cap) break;
      n = Math.min(cap, n * 2);
    }
    units.set(im, Math.max(1, Math.min(cap, Math.round(TARGET_S / perUnit))));
    row.samples[im.column] = [];
  }
  for (let r = 0; r < REPS; r++)
    for (const im of impls) {
      await im.before?.();
      const n = units.get(im)!;
      const s = await im.run(n);
      // value: units per second × perUnit (GFLOP/s, samples/s) or µs per unit ÷ perUnit (1: µs, 1000: ms)
      row.samples[im.column]!.push(higherIsBetter ? (n * perUnit) / s : ((s / n) * 1e6) / perUnit);
    }
  for (const im of impls) row.values[im.column] = median(row.samples[im.column]!);
  process.stderr.write(`  ${workload}: ${impls.map((im) => `${im.column} ${fmt(row.values[im.column]!)}`).join(', ')}\n`);
  return row;
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = performance.now();
  const data = loadDigits();
  const tf = await initTf(
    join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/',
  );
  const haveTorch = Torch.available();
  const torch1 = haveTorch ? await Torch.start(1) : null;
  const torch2 = haveTorch ? await Torch.start(2) : null;
  const dataFile = join(mkdtempSync(join(tmpdir(), 'bp-bench-')), 'digits.bin');
  writeFileSync(dataFile, Buffer.concat([Buffer.from(data.x.buffer), Buffer.from(data.y.buffer)]));
  await torch1?.ask({ w: 'data', path: dataFile });
  await torch2?.ask({ w: 'data', path: dataFile });

  const bpWith = (threads: number) => async () => {
    await bp.init({ threads });
  };
  // each backprop column's model is built after init() selected its backend, as a user's would be
  // (its parameters then live in that backend's memory; see README "Design")
  const under = async <T>(threads: number, make: () => T): Promise<T> => {
    await bp.init({ threads });
    return make();
  };
  const tfOn = (b: TfBackend) => () => useTf(b);
  await bp.init({ threads: 1 });
  const info = bp.backendInfo();
  process.stderr.write(`backprop: ${info.backend} ${JSON.stringify(info.info)}\n`);

  const rows: Row[] = [];
  // SGEMM
  for (const n of [128, 256, 512, 1024]) {
    const flop = (2 * n * n * n) / 1e9;
    const a = bp.randn([n, n]);
    const b = bp.randn([n, n]);
    const bpRun = timeSync(() => void a.matmul(b));
    const impls: Impl[] = [
      { column: 'backprop 1t', before: bpWith(1), run: bpRun },
      { column: 'backprop 2t', before: bpWith(2), run: bpRun },
      { column: 'TF.js wasm', before: tfOn('wasm'), run: timeSync(tfSgemmOn('wasm', n)) },
    ];
    if (n <= (quick ? 256 : 512)) impls.push({ column: 'TF.js cpu', before: tfOn('cpu'), run: timeSync(tfSgemmOn('cpu', n)), maxUnits: 3 });
    if (torch1) impls.push({ column: 'PyTorch 1t', run: (k) => torch1.ask({ w: 'sgemm', size: n, n: k, threads: 1 }) });
    if (torch2) impls.push({ column: 'PyTorch 2t', run: (k) => torch2.ask({ w: 'sgemm', size: n, n: k, threads: 2 }) });
    rows.push(await measure(`SGEMM ${n}×${n}`, 'GFLOP/s', true, flop, impls));
  }
  // cached TF.js sgemm closures per backend (tensors live on the backend that made them)
  function tfSgemmOn(b: TfBackend, n: number): (i: number) => void {
    let f: (() => void) | null = null;
    return () => {
      if (!f) {
        if (tf.getBackend() !== b) throw new Error('tf backend mismatch');
        f = tfSgemm(n);
      }
      f();
    };
  }

  // training
  const lazyTf = <T extends { step(i: number): void }>(b: TfBackend, make: () => T) => {
    let t: T | null = null;
    return timeSync((i) => {
      if (!t) t = make();
      t.step(i);
    });
  };
  for (const batch of [128, 32]) {
    const bp1 = await under(1, () => mlpTrainer(data, batch));
    const bp2 = await under(2, () => mlpTrainer(data, batch));
    const impls: Impl[] = [
      { column: 'backprop 1t', before: bpWith(1), run: timeSync((i) => bp1.step(i)) },
      { column: 'backprop 2t', before: bpWith(2), run: timeSync((i) => bp2.step(i)) },
      { column: 'TF.js wasm', before: tfOn('wasm'), run: lazyTf('wasm', () => tfMlpTrainer(data, batch)) },
      { column: 'TF.js cpu', before: tfOn('cpu'), run: lazyTf('cpu', () => tfMlpTrainer(data, batch)), maxUnits: quick ? 3 : 10 },
    ];
    if (torch1) impls.push({ column: 'PyTorch 1t', run: (k) => torch1.ask({ w: 'train', kind: 'mlp', batch, n: k }) });
    rows.push(await measure(`MLP train b${batch}`, 'samples/s', true, batch, impls));
  }
  {
    const batch = 64;
    const bp1 = await under(1, () => lenetTrainer(data, batch));
    const bp2 = await under(2, () => lenetTrainer(data, batch));
    const impls: Impl[] = [
      { column: 'backprop 1t', before: bpWith(1), run: timeSync((i) => bp1.step(i)) },
      { column: 'backprop 2t', before: bpWith(2), run: timeSync((i) => bp2.step(i)) },
      { column: 'TF.js wasm', before: tfOn('wasm'), run: lazyTf('wasm', () => tfLenetTrainer(data, batch)) },
    ];
    if (!quick)
      impls.push({ column: 'TF.js cpu', before: tfOn('cpu'), run: lazyTf('cpu', () => tfLenetTrainer(data, batch)), maxUnits: 1 });
    if (torch1) impls.push({ column: 'PyTorch 1t', run: (k) => torch1.ask({ w: 'train', kind: 'lenet', batch, n: k }) });
    rows.push(await measure('LeNet-5 train b64', 'samples/s', true, batch, impls));
  }
  {
    const bpInf = await under(1, () => mlpInfer(data));
    const impls: Impl[] = [
      { column: 'backprop 1t', before: bpWith(1), run: timeSync((i) => void bpInf(i)) },
      { column: 'TF.js wasm', before: tfOn('wasm'), run: lazyInfer('wasm') },
      { column: 'TF.js cpu', before: tfOn('cpu'), run: lazyInfer('cpu') },
    ];
    if (torch1) impls.push({ column: 'PyTorch 1t', run: (k) => torch1.ask({ w: 'infer', n: k }) });
    rows.push(await measure('MLP inference b1', 'µs', false, 1, impls));
  }
  function lazyInfer(b: TfBackend): Runner {
    let f: ((i: number) => number) | null = null;
    return timeSync((i) => {
      if (!f) f = tfMlpInfer(data);
      void b;
      f(i);
    });
  }
  // issue 13's workloads: the CLI's cnn at batch 128 (PyTorch alongside), resnet18 through ONNX
  const extra: Row[] = [];
  {
    const batch = 128;
    const bp1 = await under(1, () => cnnTrainer(data, batch));
    const bp2 = await under(2, () => cnnTrainer(data, batch));
    const impls: Impl[] = [
      { column: 'backprop 1t', before: bpWith(1), run: timeSync((i) => bp1.step(i)) },
      { column: 'backprop 2t', before: bpWith(2), run: timeSync((i) => bp2.step(i)) },
    ];
    if (torch1) impls.push({ column: 'PyTorch 1t', run: (k) => torch1.ask({ w: 'train', kind: 'cnn', batch, n: k }) });
    extra.push(await measure('cnn train b128', 'samples/s', true, batch, impls));
  }
  let resnetParity: number | null = null;
  if (!only || only.test('resnet18-onnx')) {
    // one ONNX file (backprop's exporter), run by backprop's importOnnx and by onnxruntime-node at the
    // same thread counts; the first output of each is compared once
    const ort = await import('onnxruntime-node');
    await bp.init({ threads: 1 });
    const { bytes, input } = resnet18Onnx();
    const x = Float32Array.from(input.dataSync() as Float32Array);
    const bpCol = async (threads: number) => {
      await bp.init({ threads });
      const m = await bp.importOnnx(bytes);
      const xin = bp.tensor(x, { shape: [1, 3, 224, 224] });
      return () => (bp.noGrad(() => m.call(xin)) as bp.Tensor).dataSync() as Float32Array;
    };
    const ortCol = async (threads: number) => {
      const sess = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
      const feeds = { [sess.inputNames[0]!]: new ort.Tensor('float32', x, [1, 3, 224, 224]) };
      return async () => (await sess.run(feeds))[sess.outputNames[0]!]!.data as Float32Array;
    };
    const b1 = await bpCol(1);
    const b2 = await bpCol(2);
    const o1 = await ortCol(1);
    const o2 = await ortCol(2);
    await bp.init({ threads: 1 });
    const want = await o1();
    const got = b1();
    resnetParity = 0;
    for (let i = 0; i < want.length; i++)
      resnetParity = Math.max(resnetParity, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
    if (!(resnetParity <= 1e-4)) failures.push(`resnet18-onnx parity: backprop vs onnxruntime worst error ${resnetParity}`);
    const timeAsync =
      (f: () => Promise<unknown>): Runner =>
      async (n) => {
        const t0 = performance.now();
        for (let k = 0; k < n; k++) await f();
        return (performance.now() - t0) / 1000;
      };
    extra.push(
      await measure('resnet18-onnx 1×3×224×224', 'ms', false, 1000, [
        { column: 'backprop 1t', before: bpWith(1), run: timeSync(() => void b1()), maxUnits: 20 },
        { column: 'onnxruntime 1t', run: timeAsync(o1), maxUnits: 20 },
        { column: 'backprop 2t', before: bpWith(2), run: timeSync(() => void b2()), maxUnits: 20 },
        { column: 'onnxruntime 2t', run: timeAsync(o2), maxUnits: 20 },
      ]),
    );
  }
  // --webgpu: the same workloads on the GPU against wasm 1 thread; every GPU trial ends with a readback
  const gpuRows: Row[] = [];
  let gpuLabel: string | null = null;
  let gpuSkipped: string | null = null;
  const gpuSizes = quick ? [1024] : [1024, 2048, 4096];
  const gpuWorkloads = [...gpuSizes.map((n) => `webgpu SGEMM ${n}×${n}`), 'webgpu MLP train b128', 'webgpu LeNet-5 train b64'];
  const wanted = (w: string) => !only || only.test(w);
  if (wantWebgpu && gpuWorkloads.some(wanted)) {
    let adapter: string | null = null;
    try {
      await bp.init({ backend: 'webgpu', threads: 1 });
      adapter = String(bp.backendInfo().gpu?.adapter ?? 'unknown adapter');
    } catch (e) {
      const why = `--webgpu: skipped, no WebGPU here: ${(e as Error).message.split('\n')[0]}`;
      process.stderr.write(`${why}\n`);
      gpuSkipped = why;
    }
    if (adapter !== null) {
      gpuLabel = /swiftshader/i.test(adapter) ? `${adapter}: SwiftShader (CPU emulation) — not GPU speed` : adapter;
      process.stderr.write(`webgpu adapter: ${gpuLabel}\n`);
      const gpuOn = async () => {
        await bp.init({ backend: 'webgpu', threads: 1 });
      };
      for (const n of gpuSizes) {
        const workload = `webgpu SGEMM ${n}×${n}`;
        if (!wanted(workload)) continue;
        await bp.init({ threads: 1 });
        const a = bp.randn([n, n]);
        const b = bp.randn([n, n]);
        const ag = a.to('webgpu');
        const bg = b.to('webgpu');
        // the timed region ends when a sum of the last product has come back: the queue runs in
        // order, so every product before it is done (the sum is n² work against the GEMMs' n³)
        const gpuRun: Runner = async (k) => {
          const t0 = performance.now();
          let c = ag.matmul(bg);
          for (let i = 1; i < k; i++) c = ag.matmul(bg);
          await c.sum().itemAsync();
          return (performance.now() - t0) / 1000;
        };
        gpuRows.push(
          await measure(workload, 'GFLOP/s', true, (2 * n * n * n) / 1e9, [
            { column: 'wasm 1t', before: bpWith(1), run: timeSync(() => void a.matmul(b)), maxUnits: n >= 2048 ? 2 : 100000 },
            // at most ~256 MB of products per trial: the dropped ones return to the pool only when the
            // garbage collector finds them (no dispose), and a trial has no await before its end
            { column: 'webgpu', before: gpuOn, run: gpuRun, maxUnits: Math.max(1, Math.floor(2 ** 28 / (4 * n * n))) },
          ]),
        );
      }
      const gpuTrain = async (workload: string, batch: number, make: (device: 'cpu' | 'webgpu') => Trainer) => {
        if (!wanted(workload)) return;
        const cpuT = await under(1, () => make('cpu'));
        await gpuOn();
        const gpuT = make('webgpu');
        let i = 0;
        const gpuRun: Runner = async (k) => {
          const t0 = performance.now();
          for (let s = 1; s <= k; s++) {
            gpuT.step(i++);
            if (s % GPU_READBACK_EVERY === 0 && s < k) await gpuT.lossAsync();
          }
          await gpuT.lossAsync();
          return (performance.now() - t0) / 1000;
        };
        gpuRows.push(
          await measure(workload, 'samples/s', true, batch, [
            { column: 'wasm 1t', before: bpWith(1), run: timeSync((j) => cpuT.step(j)) },
            { column: 'webgpu', before: gpuOn, run: gpuRun },
          ]),
        );
      };
      await gpuTrain('webgpu MLP train b128', 128, (d) => mlpTrainer(data, 128, 1, d));
      await gpuTrain('webgpu LeNet-5 train b64', 64, (d) => lenetTrainer(data, 64, 1, d));
      await bp.init({ threads: 1 });
    }
  }
  torch1?.close();
  torch2?.close();

  // soak (own process: needs --expose-gc)
  let soak: Record<string, unknown> | null = null;
  if (!only || only.test('soak')) {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(here, 'soak.ts'), '--steps', '10000', '--batch', quick ? '8' : '32'],
      { encoding: 'utf8' },
    );
    if (r.status === 0) soak = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    else process.stderr.write(`soak failed: ${r.stderr}\n`);
  }

  // the same MLP workloads in headless Chromium (same kernels, one page)
  let browser: BrowserResult | null = null;
  if (existsSync(CHROMIUM) && !argv.includes('--no-browser') && (!only || only.test('browser'))) {
    try {
      browser = await runBrowserBench(quick);
      for (const r of browser.rows)
        process.stderr.write(`  browser ${r.workload}: backprop ${fmt(r.backprop)}, TF.js wasm ${fmt(r.tfjsWasm)}\n`);
      const bad = browser.parity.filter((p) => !(p.worst <= PARITY_TOL));
      if (bad.length)
        failures.push(`browser parity (wasm vs js in Chromium): ${bad.map((p) => `${p.name} ${p.worst.toExponential(2)}`).join(', ')}`);
    } catch (e) {
      process.stderr.write(`browser bench failed: ${(e as Error).message}\n`);
    }
  }

  // PyTorch's BLAS check: reference BLAS is ~30× slower than OpenBLAS; flag the column then
  const g512 = rows.find((r) => r.workload === 'SGEMM 512×512');
  const torchSlow = !!g512 && g512.values['PyTorch 1t'] != null && g512.values['PyTorch 1t']! < 0.3 * g512.values['backprop 1t']!;

  const columns = ['backprop 1t', 'backprop 2t', 'TF.js wasm', 'TF.js cpu', 'PyTorch 1t', 'PyTorch 2t'];
  const lines: string[] = [];
  lines.push(`| workload | unit | ${columns.join(' | ')} | bp 1t / TF.js wasm | bp 1t / PyTorch 1t | bp 2t / bp 1t |`);
  lines.push(`|---|---|${columns.map(() => '---:').join('|')}|---:|---:|---:|`);
  for (const r of rows) {
    if (Object.keys(r.values).length === 0) continue;
    const v = (c: string) => r.values[c] ?? null;
    const ratio = (a: string, b: string) => {
      const x = v(a);
      const y = v(b);
      if (x === null || y === null) return '—';
      return `${(r.higherIsBetter ? x / y : y / x).toFixed(2)}×`;
    };
    lines.push(
      `| ${r.workload} | ${r.unit} | ${columns.map((c) => fmt(v(c))).join(' | ')} | ${ratio('backprop 1t', 'TF.js wasm')} | ${ratio('backprop 1t', 'PyTorch 1t')}${torchSlow ? ' ⚠' : ''} | ${ratio('backprop 2t', 'backprop 1t')} |`,
    );
  }
  const env = `Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(
      '/',
    )}; backprop ${info.info.variant} (relaxed SIMD ${info.info.relaxedSimd}); ${torch1 ? `PyTorch ${torch1.version}` : 'PyTorch not available'}; TF.js ${tf.version.tfjs}`;
  const notes = [
    'Ratios ≥ 1 favour backprop (for µs, the inverse). Medians of interleaved trials.',
    'TF.js 4.22 wasm has no Conv2DBackpropFilter kernel; the bench registers one composed from its slice/matMul/stack ops (bench/tfjs.ts), as a user would.',
    'TF.js wasm runs single-threaded in Node; TF.js cpu is its plain-JS backend (large SGEMMs and LeNet skipped in --quick).',
  ];
  for (const f of failures) notes.push(`Failed: ${f}`);
  if (gpuSkipped) notes.push(gpuSkipped);
  if (torchSlow)
    notes.push(
      "⚠ PyTorch is running on a slow (reference) BLAS: its GEMM rate is under 0.3× backprop's — install libopenblas0-pthread; the PyTorch ratios are not a fair anchor.",
    );
  if (soak) {
    const mb = (x: unknown) => ((x as number) / 1e6).toFixed(2);
    notes.push(
      `Memory soak: ${soak.steps} MLP steps at batch ${soak.batch} on ${soak.backend} in ${(soak.seconds as number).toFixed(1)} s; heap after GC grew ${mb(soak.heapGrowth)} MB and array buffers ${mb(soak.arrayBufferGrowth)} MB between step ${soak.mark} and the end; wasm arena ${mb((soak.end as { arena: number }).arena)} MB.`,
    );
  }
  if (browser) {
    lines.push(
      '',
      `Headless Chromium (${browser.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'}, backprop ${String(browser.backend.info.variant)} on one thread, TF.js wasm on ${browser.tfjsThreads}):`,
      '',
    );
    lines.push('| workload | backprop | TF.js wasm | ratio |', '|---|---:|---:|---:|');
    for (const r of browser.rows)
      lines.push(`| ${r.workload} | ${fmt(r.backprop)} | ${fmt(r.tfjsWasm)} | ${(r.backprop / r.tfjsWasm).toFixed(2)}× |`);
    lines.push(
      '',
      `Browser parity, wasm vs js kernels in the page (worst error / result scale, tolerance ${PARITY_TOL}): ${browser.parity.map((p) => `${p.name} ${p.worst.toExponential(1)}`).join('; ')}.`,
    );
  }
  if (extra.some((r) => Object.keys(r.values).length > 0)) {
    // the peer: PyTorch for training, onnxruntime-node for the ONNX file; ratios ≥ 1 favour backprop
    const cols = ['backprop 1t', 'backprop 2t', 'PyTorch 1t', 'onnxruntime 1t', 'onnxruntime 2t'];
    lines.push('', "Issue 13 workloads (the CLI's cnn; resnet18 exported by backprop, run by backprop and onnxruntime-node):", '');
    lines.push(`| workload | unit | ${cols.join(' | ')} | bp 1t / peer 1t | bp 2t / peer 2t | bp 2t / bp 1t |`);
    lines.push(`|---|---|${cols.map(() => '---:').join('|')}|---:|---:|---:|`);
    for (const r of extra) {
      if (Object.keys(r.values).length === 0) continue;
      const v = (c: string) => r.values[c] ?? null;
      const ratio = (a: string, b: string) => {
        const x = v(a);
        const y = v(b);
        return x === null || y === null ? '—' : `${(r.higherIsBetter ? x / y : y / x).toFixed(2)}×`;
      };
      const peer = v('PyTorch 1t') !== null ? 'PyTorch' : 'onnxruntime';
      lines.push(
        `| ${r.workload} | ${r.unit} | ${cols.map((c) => fmt(v(c))).join(' | ')} | ${ratio('backprop 1t', `${peer} 1t`)} | ${ratio('backprop 2t', `${peer} 2t`)} | ${ratio('backprop 2t', 'backprop 1t')} |`,
      );
    }
    if (resnetParity !== null)
      notes.push(
        `resnet18-onnx: backprop's and onnxruntime's outputs differ by at most ${resnetParity.toExponential(1)} (relative to max(1, |y|)).`,
      );
  }
  if (gpuRows.some((r) => Object.keys(r.values).length > 0)) {
    lines.push('', `WebGPU (\`--webgpu\`; adapter ${gpuLabel}), against backprop's wasm backend on 1 thread:`, '');
    lines.push('| workload | unit | adapter | wasm 1t | webgpu | webgpu / wasm 1t |', '|---|---|---|---:|---:|---:|');
    for (const r of gpuRows) {
      const w = r.values['wasm 1t'];
      const g = r.values['webgpu'];
      if (w == null || g == null) continue;
      lines.push(
        `| ${r.workload} | ${r.unit} | ${gpuLabel} | ${fmt(w)} | ${fmt(g)} | ${g / w >= 0.1 ? (g / w).toFixed(2) : (g / w).toPrecision(2)}× |`,
      );
    }
    notes.push(
      `webgpu: each GPU trial ends with an async readback (SGEMM: the sum of the last product; training: the last loss, and every ${GPU_READBACK_EVERY} steps), so the times include the GPU's work; images go up per step, labels stay on the CPU.`,
    );
  }
  const table = lines.join('\n');
  console.log(`\n${env}\n\n${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
  console.error(`bench: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (jsonOut)
    writeFileSync(
      jsonOut,
      JSON.stringify(
        { env, quick, rows, extra, webgpu: { adapter: gpuLabel, rows: gpuRows }, browser, soak, torchSlow, notes, table },
        null,
        2,
      ),
    );
  process.exit(0);
}

await main();
