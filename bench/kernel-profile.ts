/**
 * Where a workload's time goes, kernel by kernel: `npm run build && node --import tsx
 * bench/kernel-profile.ts [cnn|mlp|mlp32|lenet|resnet18] [threads] [steps]`. Wraps every entry of the active kernel
 * table and charges each call's process CPU time (user + system, all threads of the process) to the
 * kernel, keyed by op or layer geometry. CPU time rather than wall time, so a machine loaded by other
 * work still gives a usable split (wall time is printed too). `cnn`: one Adam training step of the
 * CLI's cnn at batch 128; `mlp` / `mlp32`: one step of the bench's MLP 784-256-128-10 at batch 128 / 32; `lenet`: LeNet-5 at batch 64; `resnet18`: one 1×3×224×224 inference of resnet18 through importOnnx.
 */
import * as bp from './backprop.js';
import { kernels } from '../dist/backend/dispatch.js';
import { loadDigits } from './digits.js';
import { cnnTrainer, lenetTrainer, mlpTrainer } from './models.js';
import { resnet18Onnx } from './resnet18.js';

const workload = process.argv[2] ?? 'cnn';
const threads = Number(process.argv[3] ?? 1);
const steps = Number(process.argv[4] ?? 4);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

await bp.init({ threads });
// WINO_MIN_TILES=n: the smallest tile count that runs Winograd (experiments; see winogradConv)
if (process.env.WINO_MIN_TILES)
  (await import('../dist/backend/wasm/kernels.js')).winogradConv.minTiles = Number(process.env.WINO_MIN_TILES);
let step: () => void;
if (workload === 'cnn') {
  const tr = cnnTrainer(loadDigits(), 128);
  let i = 0;
  step = () => tr.step(i++);
} else if (workload === 'mlp' || workload === 'mlp32') {
  const tr = mlpTrainer(loadDigits(), workload === 'mlp' ? 128 : 32);
  let i = 0;
  step = () => tr.step(i++);
} else if (workload === 'lenet') {
  const tr = lenetTrainer(loadDigits(), 64);
  let i = 0;
  step = () => tr.step(i++);
} else if (workload === 'resnet18') {
  const { bytes, input } = resnet18Onnx();
  const m = await bp.importOnnx(bytes);
  step = () => void (bp.noGrad(() => m.call(input)) as bp.Tensor).dataSync();
} else throw new Error(`kernel-profile: unknown workload '${workload}' (cnn, mlp, mlp32, lenet or resnet18)`);
for (let i = 0; i < 2; i++) step(); // warm up

const table = kernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
const spent = new Map<string, [ms: number, calls: number, wallMs: number]>();
for (const name of Object.keys(table)) {
  const f = table[name]!;
  table[name] = (...a: unknown[]) => {
    const t0 = cpu();
    const w0 = performance.now();
    const r = f(...a);
    const dw = performance.now() - w0;
    const dt = cpu() - t0;
    let key = name;
    if (name === 'unary' || name === 'binary' || name === 'reduce') key += ` ${String(a[0])}`;
    if (name.startsWith('conv2d')) {
      const g = a[2] as { cIn: number; cOut: number; h: number; w: number; kh: number; kw: number; strideH: number };
      key += ` ${g.cIn}→${g.cOut} ${g.kh}×${g.kw}/${g.strideH} at ${g.h}×${g.w}`;
    }
    if (name === 'matmul') {
      const p = a[0] as { m: number; k: number; n: number };
      key += ` ${p.m}×${p.k}·${p.k}×${p.n}`;
    }
    const e = spent.get(key) ?? [0, 0, 0];
    e[0] += dt;
    e[1]++;
    e[2] += dw;
    spent.set(key, e);
    return r;
  };
}
const c0 = cpu();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const wall = (performance.now() - t0) / steps;
const total = (cpu() - c0) / steps;
const rows = [...spent.entries()].sort((a, b) => b[1][0] - a[1][0]);
const inKernels = rows.reduce((s, [, v]) => s + v[0], 0) / steps;
console.log(
  `${workload}, ${threads} thread(s): ${wall.toFixed(1)} ms wall, ${total.toFixed(1)} ms process CPU per step; ${inKernels.toFixed(1)} ms CPU inside kernels (load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`,
);
console.log('| CPU ms/step | share | wall ms/step | calls/step | kernel |\n|---:|---:|---:|---:|---|');
for (const [k, [ms, n, wms]] of rows)
  console.log(
    `| ${(ms / steps).toFixed(1)} | ${((100 * ms) / steps / total).toFixed(1)} % | ${(wms / steps).toFixed(1)} | ${n / steps} | ${k} |`,
  );
