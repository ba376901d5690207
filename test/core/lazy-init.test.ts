/**
 * Forgetting `await init()`: the first op starts the wasm backend synchronously in Node (one thread,
 * no pool) instead of silently running the ~10× slower js backend. Runs in a child process, since
 * the test setup (test/setup-backend.ts) selects js for every test file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { warnLazy } from '../../src/backend/dispatch.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const index = pathToFileURL(join(root, 'src/index.ts')).href;
const dir = mkdtempSync(join(tmpdir(), 'backprop-lazy-'));
let n = 0;
/** Run a script (a file, not `-e`: the worker pool's threads inherit `--input-type`) in a fresh process. */
const run = (code: string): string => {
  const file = join(dir, `script${n++}.mts`);
  writeFileSync(file, code.replaceAll("'./src/index.ts'", JSON.stringify(index)));
  return execFileSync(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
};

describe('lazy backend start before init()', () => {
  it('the first op starts the wasm backend synchronously (one thread), and await init() adds the pool later', () => {
    const out = run(`
      import { tensor, backendInfo, init, randn } from './src/index.ts';
      const warnings: string[] = [];
      console.warn = (m: string) => warnings.push(m);
      const a = randn([64, 64], { rng: undefined });
      const y = a.matmul(a).sum().item();
      const first = backendInfo();
      const b = await init();
      console.log(JSON.stringify({ backend: first.backend, lazy: first.info.lazy === true, threads: first.info.threads, finite: Number.isFinite(y), after: b.name, afterLazy: b.info?.lazy === true, warnings }));
    `);
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r).toEqual({ backend: 'wasm', lazy: true, threads: 1, finite: true, after: 'wasm', afterLazy: false, warnings: [] });
  });

  it('backendInfo() before any op reports what the first op will use', () => {
    const out = run(`import { backendInfo } from './src/index.ts'; console.log(backendInfo().backend);`);
    expect(out.trim()).toBe('wasm');
  });

  it("init({ backend: 'js' }) chooses js explicitly: no lazy start, no warning", () => {
    const out = run(`
      import { tensor, backendInfo, init } from './src/index.ts';
      const warnings: string[] = [];
      console.warn = (m: string) => warnings.push(m);
      await init({ backend: 'js' });
      tensor([1, 2]).add(1);
      console.log(JSON.stringify([backendInfo().backend, warnings.length]));
    `);
    expect(JSON.parse(out.trim())).toEqual(['js', 0]);
  });

  it('where wasm cannot start synchronously (a browser page) the warning is printed once, and says what to do', () => {
    const seen: string[] = [];
    expect(warnLazy('synchronous start is only possible in Node', (m) => seen.push(m))).toBe(true);
    expect(warnLazy('again', (m) => seen.push(m))).toBe(false);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/ran before `await init\(\)`.*js reference backend is running.*Call `await init\(\)` once/);
  });
});
