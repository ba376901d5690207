/** The reference harness itself: comparison rules, unmapped fns fail, any directory works, CLI contract. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';
import { compare } from '../../scripts/reference/compare.js';
import { runReference } from '../../scripts/reference/run.js';
import type { RefTensor } from '../../scripts/reference/types.js';

const tol = { rtol: 1.3e-6, atol: 1e-5 };
const ref = (data: (number | string | boolean)[], dtype: RefTensor['dtype'] = 'float32', shape = [data.length]): RefTensor => ({
  shape,
  dtype,
  data,
});

describe('compare (assert_close rules)', () => {
  it('passes within atol + rtol·|expected| and fails beyond, naming the count and worst index', () => {
    expect(compare({ label: 'out', actual: tensor([1, 2]), expected: ref([1 + 5e-6, 2]) }, tol)).toBeNull();
    const msg = compare({ label: 'out', actual: tensor([1, 2, 3]), expected: ref([1, 2.1, 3.5]) }, tol);
    expect(msg).toMatch(/out: 2\/3 elements mismatch; worst at flat index 2: got 3, expected 3.5/);
  });

  it('NaN and Inf positions must match; strings decode', () => {
    expect(compare({ label: 'o', actual: tensor([NaN, Infinity, -Infinity]), expected: ref(['nan', 'inf', '-inf']) }, tol)).toBeNull();
    expect(compare({ label: 'o', actual: tensor([0]), expected: ref(['nan']) }, tol)).toMatch(/mismatch/);
    expect(compare({ label: 'o', actual: tensor([Infinity]), expected: ref([1e38]) }, tol)).toMatch(/mismatch/);
  });

  it('integers and bools are exact, and dtypes must correspond', () => {
    expect(compare({ label: 'i', actual: tensor([1, 2], { dtype: 'int32' }), expected: ref([1, 2], 'int64') }, tol)).toBeNull();
    expect(compare({ label: 'i', actual: tensor([1, 2]), expected: ref([1, 2], 'int64') }, tol)).toMatch(/dtype float32 != expected int64/);
    expect(compare({ label: 'b', actual: tensor([true, false]), expected: ref([true, false], 'bool') }, tol)).toBeNull();
    expect(compare({ label: 'd', actual: tensor([1]), expected: ref([1], 'float64') }, tol)).toMatch(/dtype/);
  });

  it('shape mismatches are reported even when the element count agrees', () => {
    expect(compare({ label: 's', actual: tensor([[1, 2]]), expected: ref([1, 2], 'float32', [2, 1]) }, tol)).toMatch(
      /shape \[1,2\] != expected \[2,1\]/,
    );
  });
});

function caseFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-ref-'));
  const base = { args: [{ input: 'input' }], kwargs: {}, dtype: 'float32', tol, upstream: ref([1, 1]) };
  const cases = [
    { ...base, name: 'neg/ok', fn: 'torch.neg', inputs: { input: ref([1, -2]) }, output: ref([-1, 2]), grads: { input: ref([-1, -1]) } },
    {
      ...base,
      name: 'neg/wrong-grad',
      fn: 'torch.neg',
      inputs: { input: ref([1, -2]) },
      output: ref([-1, 2]),
      grads: { input: ref([1, -1]) },
    },
    { ...base, name: 'unmapped', fn: 'torch.special.zeta', inputs: { input: ref([1, 2]) }, output: ref([1, 2]), grads: {} },
  ];
  writeFileSync(join(dir, 'mine.json'), JSON.stringify({ cases }));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ note: 'skipped by the runner' }));
  return dir;
}

describe('runReference on any directory in the format', () => {
  it('runs every case; wrong gradients and unmapped fns count as failed, never skipped', async () => {
    const results = await runReference({ dir: caseFile() });
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ['neg/ok', true],
      ['neg/wrong-grad', false],
      ['unmapped', false],
    ]);
    expect(results[1]!.message).toMatch(/grad\[input\]: 1\/2 elements mismatch/);
    expect(results[2]!.message).toBe('no mapping for fn torch.special.zeta');
  });

  it('the CLI prints the summary line, writes --json and exits non-zero on failures', () => {
    const dir = caseFile();
    const out = join(mkdtempSync(join(tmpdir(), 'backprop-out-')), 'results.json');
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/reference.ts', dir, '--files', 'mine.json', '--json', out], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.stdout.trim().split('\n').pop()).toBe('reference: 1 passed, 2 failed');
    expect(r.status).toBe(1);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect([json.passed, json.failed, json.results.length]).toEqual([1, 2, 3]);
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/reference.ts', dir, '--filter', '^neg/ok$'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(ok.stdout.trim().split('\n').pop()).toBe('reference: 1 passed, 0 failed');
    expect(ok.status).toBe(0);
  });
});
