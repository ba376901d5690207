/**
 * Run the course examples and check their stated results.
 *
 *   npm run examples -- --fast            every example, fast mode (CI)
 *   npm run examples -- --full 06         one example (by number or name), full mode
 *   npm run examples -- --fast 03 lenet   a selection, fast mode
 *
 * Prints one line per example (measured metrics, PASS/FAIL/SKIP, wall and CPU seconds), one line per
 * claim, and finally `examples: N passed, M failed`; exits 1 if any claim failed or an example threw.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { backendInfo, init } from '../src/index.js';
import { report, type RunFn } from './lib.js';

const args = process.argv.slice(2);
const full = args.includes('--full');
const fast = !full;
const filters = args.filter((a) => !a.startsWith('--')).map((a) => a.toLowerCase());
const dir = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(dir)
  .filter((n) => /^\d\d-.*\.ts$/.test(n))
  .sort();
const selected = filters.length
  ? all.filter((n) => filters.some((q) => n.toLowerCase().startsWith(q.padStart(2, '0')) || n.toLowerCase().includes(q)))
  : all;
if (selected.length === 0) {
  console.error(`examples: nothing matches ${filters.join(' ')}; available:\n  ${all.join('\n  ')}`);
  process.exit(2);
}
if (full && selected.length !== 1 && filters.length === 0)
  console.log('examples: --full without a name runs every example in full mode (slow)');

await init();
console.log(`examples: ${selected.length} in ${fast ? 'fast' : 'full'} mode on the ${backendInfo().backend} backend`);
let [passed, failed, skipped] = [0, 0, 0];
const t0 = performance.now();
const c0 = process.cpuUsage();
for (const file of selected) {
  const name = file.replace(/\.ts$/, '');
  const t = performance.now();
  const c = process.cpuUsage();
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run: RunFn };
    const r = await mod.run({ fast });
    const cpu = process.cpuUsage(c);
    const ok = report(name, r, (performance.now() - t) / 1000, (cpu.user + cpu.system) / 1e6);
    if (r.skipped) skipped++;
    else if (ok) passed++;
    else failed++;
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: threw ${(e as Error).stack ?? String(e)}`);
  }
}
const cpu = process.cpuUsage(c0);
console.log(`examples: total ${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`);
console.log(`examples: ${passed} passed, ${failed} failed${skipped ? ` (${skipped} skipped)` : ''}`);
process.exitCode = failed ? 1 : 0;
