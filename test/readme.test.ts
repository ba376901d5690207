/**
 * The README's explicit training loop is run as written (with `from 'backprop'` pointed at src/),
 * so the first code a reader copies keeps working.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function block(after: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(after);
  expect(at, `README has a section "${after}"`).toBeGreaterThanOrEqual(0);
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(m, `a ts code block after "${after}"`).not.toBeNull();
  return m![1]!;
}

describe('README', () => {
  it('shows the two set-up commands and the main-job command', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('npm install');
    expect(readme).toContain('npm test');
    expect(readme).toContain('npx backprop train --dataset mnist --model mlp --epochs 10');
  });

  it('runs the explicit training loop and it learns', () => {
    const src = block('## The explicit training loop').replaceAll(
      "from 'backprop'",
      `from ${JSON.stringify(join(root, 'src', 'index.ts'))}`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'bp-readme-'));
    try {
      const file = join(dir, 'loop.mts');
      writeFileSync(file, src);
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      const accs = [...out.matchAll(/test accuracy ([\d.]+) %/g)].map((m) => Number(m[1]));
      expect(accs).toHaveLength(3);
      expect(accs[2]).toBeGreaterThan(85);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
