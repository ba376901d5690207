/**
 * npm run reference -- [DIR] [--files ops.json,nn.json] [--filter REGEX] [--json FILE] [--verbose]
 * Runs every case in a directory of PyTorch reference files; ends with `reference: N passed, M failed`
 * and exits non-zero when M > 0.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultReferenceDir, runReference } from './reference/run.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let dir: string | undefined;
  let files: string[] | undefined;
  let json: string | undefined;
  let filter: RegExp | undefined;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--files') files = argv[++i]!.split(',').filter(Boolean);
    else if (a === '--json') json = argv[++i];
    else if (a === '--filter') filter = new RegExp(argv[++i]!);
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a.startsWith('--')) throw new Error(`reference: unknown option ${a}`);
    else dir = resolve(a);
  }
  const results = await runReference({ dir: dir ?? defaultReferenceDir(), files, filter });
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    if (r.passed) passed++;
    else failed++;
    if (!r.passed) console.log(`FAIL ${r.file} ${r.name} (${r.fn}): ${r.message}`);
    else if (verbose) console.log(`ok   ${r.file} ${r.name}`);
  }
  if (json) writeFileSync(json, JSON.stringify({ passed, failed, results }, null, 2));
  console.log(`reference: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((e) => {
  console.error(`reference: ${(e as Error).message}`);
  process.exitCode = 2;
});
