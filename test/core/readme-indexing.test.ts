/** The README's indexing example runs as written (with `from 'backprop'` pointed at src/) and prints what it says. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

describe('README: indexing example', () => {
  it('runs and gives PyTorch’s results', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const at = readme.indexOf('### Indexing, in-place ops and the tensor toolbox');
    expect(at).toBeGreaterThanOrEqual(0);
    const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
    const src = m![1]!
      .replaceAll("from 'backprop'", `from ${JSON.stringify(join(root, 'src', 'index.ts'))}`)
      .replace(/console\.log\((.*)\);/, 'console.log(JSON.stringify([$1]));');
    const dir = mkdtempSync(join(tmpdir(), 'bp-readme-idx-'));
    try {
      const file = join(dir, 'idx.mts');
      writeFileSync(file, src);
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      const [col, pickedShape, x, values, indices] = JSON.parse(out.trim()) as unknown[];
      expect(col).toEqual([0, 0, 0, 0]);
      expect(pickedShape).toEqual([2, 4]);
      // ones, column 1 zeroed, rows 1..2 × columns 0, 2 times ten, then everything > 5 set to −1
      expect(x).toEqual([
        [1, 0, 1, 1],
        [-1, 0, -1, 1],
        [-1, 0, -1, 1],
        [1, 0, 1, 1],
      ]);
      expect(values).toEqual([5, 4]);
      expect(indices).toEqual([0, 1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
