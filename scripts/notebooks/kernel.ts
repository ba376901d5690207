/**
 * What the notebook scripts share: where the notebooks and the Deno binary are, and a private
 * Jupyter kernelspec for them (a JUPYTER_PATH folder holding kernels/deno/kernel.json), so neither
 * `npm run notebooks` nor `npm run test:notebooks` needs `deno jupyter --install` or writes to ~.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNELSPEC } from './normalise.js';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
/** The Python that has Jupyter (Debian's); override with PYTHON=… */
export const PYTHON = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
export const NOTEBOOK_DIR = join(ROOT, 'notebooks');

/** The notebooks, in course order (file names start with their number). */
export function listNotebooks(): string[] {
  return readdirSync(NOTEBOOK_DIR)
    .filter((n) => /^\d\d-.*\.ipynb$/.test(n))
    .sort();
}

/**
 * The Deno binary from the `deno` npm package (a devDependency). Its binary ships in a per-platform
 * optional dependency (`@deno/linux-x64-glibc`, …), so no install script is needed: backprop's
 * allowScripts keeps deno's postinstall (which only copies that binary) switched off.
 */
export function denoBinary(): string {
  const plat = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-glibc' : ''}`;
  const exe = process.platform === 'win32' ? 'deno.exe' : 'deno';
  const candidates = [join(ROOT, 'node_modules', '@deno', plat, exe), join(ROOT, 'node_modules', 'deno', exe)];
  try {
    const req = createRequire(join(ROOT, 'package.json'));
    candidates.push(join(dirname(req.resolve(`@deno/${plat}/package.json`)), exe));
  } catch {
    // not resolvable from here; the fixed paths above may still hold it
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`notebooks: no Deno binary for ${plat} — run \`npm install\` (deno is a devDependency of backprop)`);
  return realpathSync(found);
}

/** Exactly what to install when Jupyter is missing. */
export function checkJupyter(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat, notebook'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    return (
      `notebooks: Jupyter is not installed for ${PYTHON}. On Debian/Ubuntu: \`sudo apt-get install jupyter-notebook jupyter-nbconvert python3-ipykernel\`; ` +
      'elsewhere: `pip install notebook nbconvert` (and set PYTHON to that python).'
    );
  return null;
}

/**
 * Write a kernelspec named "deno" (the name `deno jupyter --install` uses, so notebooks open either way)
 * into a fresh folder and return the environment that makes Jupyter find it first.
 */
export function kernelEnv(): NodeJS.ProcessEnv {
  const jp = mkdtempSync(join(tmpdir(), 'backprop-jupyter-'));
  const dir = join(jp, 'kernels', KERNELSPEC.name);
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [denoBinary(), 'jupyter', '--kernel', '--conn', '{connection_file}'],
    display_name: `${KERNELSPEC.display_name} (backprop)`,
    language: KERNELSPEC.language,
    // Plain text outputs (no ANSI colours) and no update check: nothing is downloaded at run time.
    env: { NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
  };
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(spec, null, 1));
  const jupyterPath = [jp, process.env.JUPYTER_PATH].filter(Boolean).join(process.platform === 'win32' ? ';' : ':');
  return { ...process.env, JUPYTER_PATH: jupyterPath };
}
