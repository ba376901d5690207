/**
 * `npm run test:notebooks` — execute every notebook in notebooks/ headless, from a clean state, with
 * nbclient (the engine of `jupyter nbconvert --execute`; execute.py says why it is called directly)
 * and the Deno kernel; check each one's stated claims.
 *
 *   npm run test:notebooks                 every notebook (CI)
 *   npm run test:notebooks -- 03 lenet     a selection (by number or name)
 *   npm run test:notebooks -- --write      also write the executed, normalised notebooks back into
 *                                          notebooks/ (do this before committing a changed notebook)
 *
 * A notebook fails when a cell raises (execution stops there), when an output is an error, or when it
 * printed no `claim: … — PASS` line (every notebook states and checks its result; a failed claim throws
 * in the notebook, which is a cell error). Exits 1 if any notebook failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkJupyter, HERE, kernelEnv, listNotebooks, NOTEBOOK_DIR, PYTHON } from './kernel.js';
import { inspectNotebook, normaliseNotebook, serialiseNotebook, type Notebook } from './normalise.js';

const args = process.argv.slice(2);
const write = args.includes('--write');
const filters = args.filter((a) => !a.startsWith('--')).map((a) => a.toLowerCase());
const all = listNotebooks();
const selected = filters.length
  ? all.filter((n) => filters.some((q) => n.startsWith(q.padStart(2, '0')) || n.toLowerCase().includes(q)))
  : all;
if (selected.length === 0) {
  console.error(`notebooks: nothing matches ${filters.join(' ')}; available:\n  ${all.join('\n  ')}`);
  process.exit(2);
}
const missing = checkJupyter();
if (missing) {
  console.error(missing);
  process.exit(1);
}

const env = kernelEnv();
const out = mkdtempSync(join(tmpdir(), 'backprop-notebooks-'));
console.log(`notebooks: executing ${selected.length} with the Deno kernel (outputs in ${out})`);
let failed = 0;
const t0 = performance.now();
for (const name of selected) {
  const t = performance.now();
  const r = spawnSync(
    PYTHON,
    [join(HERE, 'execute.py'), join(NOTEBOOK_DIR, name), join(out, name), '--kernel', 'deno', '--timeout', '1200'],
    {
      env,
      encoding: 'utf8',
      cwd: NOTEBOOK_DIR,
    },
  );
  const secs = ((performance.now() - t) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed++;
    const tail = `${r.stderr ?? ''}`
      .split('\n')
      .filter((l) => !/unstable and might change/.test(l))
      .slice(-25)
      .join('\n');
    console.log(`FAIL ${name} (${secs} s): execution exited ${r.status ?? r.error?.message}\n${tail}`);
    continue;
  }
  const nb = JSON.parse(readFileSync(join(out, name), 'utf8')) as Notebook;
  const { claims, errors } = inspectNotebook(nb);
  const ok = errors.length === 0 && claims.length > 0 && claims.every((c) => c.pass);
  if (!ok) failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name} (${secs} s)${claims.length === 0 ? ': no checked claim printed' : ''}`);
  for (const c of claims) console.log(`  ${c.text}`);
  for (const e of errors) console.log(`  error output: ${e}`);
  if (ok && write) writeFileSync(join(NOTEBOOK_DIR, name), serialiseNotebook(normaliseNotebook(nb)));
}
console.log(
  `notebooks: ${selected.length - failed} passed, ${failed} failed, ${((performance.now() - t0) / 1000).toFixed(1)} s total${write ? ' (passing ones written back, normalised)' : ''}`,
);
process.exitCode = failed ? 1 : 0;
