/**
 * `npm run notebooks` — start a Jupyter notebook server on notebooks/ with the Deno kernel, without a
 * browser (it prints the URL with its token; open it, or forward the port from a remote machine).
 * Extra arguments go to Jupyter: `npm run notebooks -- --port 8899 --ip 0.0.0.0`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkJupyter, kernelEnv, NOTEBOOK_DIR, ROOT } from './kernel.js';

const missing = checkJupyter();
if (missing) {
  console.error(missing);
  process.exit(1);
}
if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error('notebooks: dist/ is missing — run `npm run build` first (the notebooks import the built package)');
  process.exit(1);
}
const child = spawn('jupyter', ['notebook', '--no-browser', `--notebook-dir=${NOTEBOOK_DIR}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: kernelEnv(),
});
child.on('exit', (code) => process.exit(code ?? 1));
