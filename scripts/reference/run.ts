/** Run every case of the reference files in a directory and report per-case results. */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../src/index.js';
import { compare } from './compare.js';
import { setRefDevice } from './util.js';
import { allRunners } from './registry.js';
import type { CaseResult, Comparison, RefCase } from './types.js';

/** ../shared/reference/torch relative to the repository root. */
export function defaultReferenceDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', '..', 'shared', 'reference', 'torch');
}

export interface RunOptions {
  dir?: string;
  /** File names inside `dir` (default: every *.json except manifest.json). */
  files?: string[];
  /** Only cases whose name matches. */
  filter?: RegExp;
  /** Put the inputs on this device (default 'cpu'); on 'webgpu' float64 cases are not run. */
  device?: 'cpu' | 'webgpu';
}

/** A comparison whose tensor is on the GPU, read back (async) into a CPU tensor. */
async function onCpu(k: Comparison): Promise<Comparison> {
  return k.actual instanceof Tensor && k.actual.device === 'webgpu' ? { ...k, actual: await k.actual.toAsync('cpu') } : k;
}

export async function runReference(opts: RunOptions = {}): Promise<CaseResult[]> {
  const dir = opts.dir ?? defaultReferenceDir();
  const files =
    opts.files ??
    readdirSync(dir)
      .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
      .sort();
  const runners = allRunners();
  const device = opts.device ?? 'cpu';
  setRefDevice(device);
  const results: CaseResult[] = [];
  for (const file of files) {
    const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cases?: RefCase[] };
    if (!Array.isArray(parsed.cases)) throw new Error(`reference: ${file} has no "cases" list`);
    for (const c of parsed.cases) {
      if (opts.filter && !opts.filter.test(c.name)) continue;
      const base = { name: c.name, fn: c.fn, file };
      const run = runners[c.fn];
      if (!run) {
        results.push({ ...base, passed: false, message: `no mapping for fn ${c.fn}`, checks: 0 });
        continue;
      }
      if (device === 'webgpu' && c.dtype === 'float64') {
        results.push({ ...base, passed: false, notRun: true, message: 'float64 cannot run on the webgpu device', checks: 0 });
        continue;
      }
      try {
        const checks = await Promise.all((await run(c)).map(onCpu));
        if (checks.length === 0) throw new Error('runner made no comparisons');
        const problems = checks.map((k) => compare(k, k.tol ?? c.tol)).filter((m): m is string => m !== null);
        results.push({ ...base, passed: problems.length === 0, message: problems.join('; ') || undefined, checks: checks.length });
      } catch (e) {
        results.push({ ...base, passed: false, message: `threw ${(e as Error).name}: ${(e as Error).message}`, checks: 0 });
      }
    }
  }
  setRefDevice('cpu');
  return results;
}
