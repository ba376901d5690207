/**
 * The small harness every example shares: the result type, `claim()`, running a file directly
 * (`npx tsx examples/06-lenet5.ts --full`), where plots go, and a seeded subset of a dataset.
 * Public API only, like the examples themselves.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cat, init, noGrad, Rng, tensor, type nn, type Tensor, type data } from '../src/index.js';

export interface Claim {
  name: string;
  pass: boolean;
  detail: string;
}
export interface ExampleResult {
  metrics: Record<string, number | string>;
  claims: Claim[];
  /** Set when the example could not run here (e.g. a dataset is not installed): neither pass nor fail. */
  skipped?: string;
  /** Files the example wrote (plots, images). */
  files?: string[];
}
export interface RunOptions {
  fast: boolean;
}
export type RunFn = (opts: RunOptions) => Promise<ExampleResult>;

/** A stated result, checked: `pass` is the measured comparison, `detail` shows the numbers. */
export function claim(name: string, pass: boolean, detail: string): Claim {
  return { name, pass, detail };
}

/** Round for printing. */
export const f = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/** Plots go to docs/examples/ in full mode (the README shows them) and to a temp folder in fast mode. */
export function outFile(name: string, fast: boolean): string {
  const dir = fast ? join(tmpdir(), 'backprop-examples') : resolve(fileURLToPath(new URL('../docs/examples/', import.meta.url)));
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** A seeded random subset of `n` rows of a TensorDataset's tensors (all rows when n ≥ length). */
export function subset(ds: data.TensorDataset, n: number, seed: number): Tensor[] {
  const len = ds.length;
  if (n >= len) return ds.tensors.slice();
  const idx = new Rng(seed).permutation(len).slice(0, n);
  return ds.tensors.map((t) => t.indexSelect(0, tensor(idx, { dtype: 'int32' })));
}

/** Classification accuracy of `model` on x [N, …] with labels y [N], in batches, in eval mode. */
export function accuracyOf(model: nn.Module, x: Tensor, y: Tensor, batch = 500): number {
  return predictLabels(model, x, batch).eq(y).float().mean().item();
}

/** argmax of the model's outputs, in batches, in eval mode (restores train mode after). */
export function predictLabels(model: nn.Module, x: Tensor, batch = 500): Tensor {
  const was = model.training;
  model.eval();
  const parts: Tensor[] = [];
  noGrad(() => {
    for (let i = 0; i < x.shape[0]!; i += batch) parts.push(model.call(x.narrow(0, i, Math.min(batch, x.shape[0]! - i))).argmax(1));
  });
  model.train(was);
  return cat(parts);
}

/** Print a result the way the runner does; returns true when every claim passed. */
export function report(name: string, r: ExampleResult, seconds?: number, cpuSeconds?: number): boolean {
  const t = seconds === undefined ? '' : ` (${seconds.toFixed(1)} s${cpuSeconds === undefined ? '' : `, ${cpuSeconds.toFixed(1)} s CPU`})`;
  if (r.skipped) {
    console.log(`SKIP ${name}: skipped: ${r.skipped}${t}`);
    return true; // neither pass nor fail
  }
  const ok = r.claims.length > 0 && r.claims.every((c) => c.pass);
  const m = Object.entries(r.metrics)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? String(v) : f(v)) : v}`)
    .join(' ');
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${m}${t}`);
  for (const c of r.claims) console.log(`     ${c.pass ? 'PASS' : 'FAIL'} ${c.name} — ${c.detail}`);
  for (const file of r.files ?? []) console.log(`     wrote ${file}`);
  return ok;
}

/** When the example file is the script being run: parse --fast/--full, run, print, set the exit code. */
export async function runIfMain(metaUrl: string, run: RunFn): Promise<void> {
  const argv1 = process.argv[1];
  if (!argv1 || resolve(argv1) !== fileURLToPath(metaUrl)) return;
  await init();
  const fast = !process.argv.includes('--full');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await run({ fast });
  const cpu = process.cpuUsage(c0);
  const ok = report(
    fileURLToPath(metaUrl).split(/[\\/]/).pop()!.replace(/\.ts$/, '') + (fast ? ' [fast]' : ' [full]'),
    r,
    (performance.now() - t0) / 1000,
    (cpu.user + cpu.system) / 1e6,
  );
  process.exitCode = ok ? 0 : 1;
}
