/**
 * Differential autograd fuzzing against PyTorch: `npm run test:fuzz-torch [-- --js N --wasm N --start S]`.
 * gen.py writes seeded random programs (views, in-place writes, index assignment, elementwise and
 * reduction ops, matmul, cat/stack, gather, sort/topk values, retainGraph double backward, createGraph
 * second derivatives) twice — as TypeScript for backprop and as Python for PyTorch 1.13 — runs each
 * program in torch while generating (to keep only valid ones), then both programs run here and
 * compare.py compares every value, loss and leaf gradient (1e-9 relative for float64, 1e-5 for
 * float32; which statement raised an error must agree too). Exits 1 on any hard mismatch; a gradient
 * that is null on one side and all zeros on the other is reported but soft. Needs `/usr/bin/python3`
 * with torch (Debian's python3-torch). The programs and results go to a temporary folder (printed); a
 * mismatching program can be cut down with minimize.py.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'backprop-fuzz-torch-'));
const env = { ...process.env, BACKPROP_SRC: join(root, 'src') };
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const start = arg('start', 1000);
const batches: [backend: 'js' | 'wasm', count: number][] = [
  ['js', arg('js', 200)],
  ['wasm', arg('wasm', 60)],
];
const py = '/usr/bin/python3';
let hard = 0;
for (const [backend, count] of batches) {
  if (count <= 0) continue;
  const base = join(out, `${backend}-${start}-${count}`);
  execFileSync(py, [join(here, 'gen.py'), String(start), String(count), base, backend], { stdio: 'inherit', env });
  execFileSync(py, [`${base}.py`, `${base}.py.json`], { stdio: 'inherit' });
  execFileSync(process.execPath, ['--import', 'tsx', `${base}.mts`, `${base}.ts.json`], { cwd: root, stdio: 'inherit' });
  const report = execFileSync(py, [join(here, 'compare.py'), `${base}.ts.json`, `${base}.py.json`, `${base}.json`], { encoding: 'utf8' });
  process.stdout.write(`${backend}, seeds ${start}–${start + count - 1} (${base}.*):\n${report}`);
  const m = /(\d+) hard mismatches of (\d+)/.exec(report);
  if (!m) throw new Error('fuzz-torch: compare.py printed no summary');
  hard += Number(m[1]);
}
if (hard > 0) {
  console.error(`fuzz-torch: ${hard} program(s) differ from PyTorch (minimise one with scripts/fuzz-torch/minimize.py)`);
  process.exit(1);
}
console.log('fuzz-torch: every program agrees with PyTorch');
