/**
 * npm run reference -- [DIR] [--files ops.json,nn.json] [--filter REGEX] [--json FILE] [--verbose] [--backend NAME]
 * Runs every case in a directory of PyTorch reference files; ends with `reference: N passed, M failed`
 * and exits non-zero when M > 0. `--backend webgpu` runs the float32 cases with their float and bool
 * inputs on the 'webgpu' device (int64 indices and targets stay on the CPU) and reads results back
 * asynchronously; float64 cases cannot run there and are counted as not run.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { init } from '../src/index.js';
import { defaultReferenceDir, runReference } from './reference/run.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let dir: string | undefined;
  let files: string[] | undefined;
  let json: string | undefined;
  let filter: RegExp | undefined;
  let verbose = false;
  let backend: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--files') files = argv[++i]!.split(',').filter(Boolean);
    else if (a === '--json') json = argv[++i];
    else if (a === '--filter') filter = new RegExp(argv[++i]!);
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--backend') backend = argv[++i];
    else if (a.startsWith('--')) throw new Error(`reference: unknown option ${a}`);
    else dir = resolve(a);
  }
  if (backend !== undefined) await init({ backend });
  const device = backend === 'webgpu' ? 'webgpu' : 'cpu';
  const results = await runReference({ dir: dir ?? defaultReferenceDir(), files, filter, device });
  let passed = 0;
  let failed = 0;
  let notRun = 0;
  for (const r of results) {
    if (r.notRun) notRun++;
    else if (r.passed) passed++;
    else failed++;
    if (r.notRun) {
      if (verbose) console.log(`--   ${r.file} ${r.name}: ${r.message}`);
    } else if (!r.passed) console.log(`FAIL ${r.file} ${r.name} (${r.fn}): ${r.message}`);
    else if (verbose) console.log(`ok   ${r.file} ${r.name}`);
  }
  if (json) writeFileSync(json, JSON.stringify({ passed, failed, notRun, results }, null, 2));
  console.log(`reference: ${passed} passed, ${failed} failed${notRun > 0 ? `, ${notRun} not run on ${device} (float64)` : ''}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((e) => {
  console.error(`reference: ${(e as Error).message}`);
  process.exitCode = 2;
});
