/**
 * docs/from-pytorch.md runs as written: every ```ts block is a complete program (with
 * `from 'backprop'` pointed at src/), run in one child process one after another, and checked for
 * the lines the guide promises.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const guide = readFileSync(join(root, 'docs', 'from-pytorch.md'), 'utf8');
const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const sections = [...guide.matchAll(/^## (.+)$/gm)].map((m) => m[1]!);

describe('docs/from-pytorch.md', () => {
  it('covers every Learn-the-Basics section, each with PyTorch code beside a backprop program, and the differences', () => {
    expect(sections).toEqual(['Quickstart', 'Tensors', 'Datasets & DataLoaders', 'Transforms', 'Build the Neural Network', 'Autograd', 'Optimization', 'Save & Load', 'Deliberate differences']);
    expect(blocks).toHaveLength(8);
    expect([...guide.matchAll(/```python\n/g)]).toHaveLength(8);
    for (const d of ['model.call(x)', "'float32'", 'int32', 'requiresGrad', 'noGradAsync', "x.to('cpu')", 'loader.first()', 'typedArrayView', 'camelCaseKeys'])
      expect(guide.slice(guide.indexOf('## Deliberate differences'))).toContain(d);
  });

  it('every ts block runs and prints what the guide says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bp-guide-test-'));
    try {
      const src = pathToFileURL(join(root, 'src', 'index.ts')).href;
      const files = blocks.map((b, i) => {
        const f = join(dir, `block${i}.mts`);
        writeFileSync(f, `${b.replaceAll("from 'backprop'", `from ${JSON.stringify(src)}`)}\nexport {};\n`);
        return f;
      });
      const main = join(dir, 'main.mts');
      writeFileSync(main, files.map((f, i) => `console.log('--- block ${i}');\nawait import(${JSON.stringify(pathToFileURL(f).href)});`).join('\n') + '\n');
      const out = execFileSync(process.execPath, ['--import', 'tsx', main], { cwd: root, encoding: 'utf8', timeout: 240_000 });
      for (let i = 0; i < blocks.length; i++) expect(out).toContain(`--- block ${i}`);
      const accs = [...out.matchAll(/Epoch \d: accuracy ([\d.]+) %/g)].map((m) => Number(m[1]));
      expect(accs).toHaveLength(2);
      expect(accs[1]).toBeGreaterThan(85);
      expect(out).toContain('Done!');
      expect(out).toMatch(/\[ 3, 4 \] float32 cpu/);
      expect(out).toContain('[ 0, 0, 0 ]');
      expect(out).toContain('true int64 is not supported');
      expect(out).toContain('[ 64, 1, 28, 28 ] [ 64 ]');
      expect(out).toContain('[ 8, 1, 28, 28 ] [ 8, 10 ]');
      expect(out).toContain('linearReluStack.0.weight [ 512, 784 ]');
      expect(out).toContain('false false');
      expect(out).toMatch(/loss [\d.]+ → [\d.]+/);
      const [first, last] = /loss ([\d.]+) → ([\d.]+)/.exec(out)!.slice(1).map(Number);
      expect(last!).toBeLessThan(first!);
      expect(out).toContain('0 0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
