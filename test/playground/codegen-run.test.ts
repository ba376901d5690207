/** The "show code" output is real code: write it out with the page's CSV and run it with Node. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import { generateCode } from '../../playground/src/codegen.js';
import { generate, toCsv } from '../../playground/src/datasets.js';
import { parseHash } from '../../playground/src/state.js';

const SRC = resolve(import.meta.dirname, '../../src/index.ts');
// tsx's ESM loader by absolute URL (the temp folder has no node_modules)
const TSX = pathToFileURL(resolve(import.meta.dirname, '../../node_modules/tsx/dist/loader.mjs')).href;

function runGenerated(hash: string): number[] {
  const s = parseHash(hash).state;
  const dir = mkdtempSync(join(tmpdir(), 'pg-code-'));
  try {
    writeFileSync(join(dir, 'data.csv'), toCsv(generate(s, new Rng(s.dataSeed))));
    const code = generateCode(s)
      .replace("from 'backprop'", `from ${JSON.stringify(SRC)}`)
      .replace('const epochs = 200;', 'const epochs = 20;');
    writeFileSync(join(dir, 'train.ts'), code);
    const out = execFileSync(process.execPath, ['--import', TSX, 'train.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return [...out.matchAll(/loss (\S+)/g)].map((m) => Number(m[1]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('playground show-code runs', () => {
  it('binary (modern, L2, AdamW): the loss falls', () => {
    const l = runGenerated('networkShape=4,2&optimizer=adamw&regularization=L2&regularizationRate=0.001&xSquared=true');
    expect(l).toHaveLength(2);
    expect(l.every(Number.isFinite)).toBe(true);
    expect(l[1]!).toBeLessThan(0.4);
  });

  it('classic preset and multi-class both run', () => {
    const c = runGenerated('preset=classic&learningRate=0.1&networkShape=4');
    expect(c.every(Number.isFinite)).toBe(true);
    const m = runGenerated('dataset=blobs&classes=3&networkShape=5&activation=relu');
    expect(m[1]!).toBeLessThan(0.5);
  });

  it("TensorFlow Playground's initZero: the code starts from zero weights as the page does", () => {
    const s = parseHash('initZero=true&seed=0.5&networkShape=3').state;
    expect(s.init).toBe('zero');
    expect(generateCode(s)).toContain('nn.init.zeros_(m.weight)');
    const l = runGenerated('initZero=true&seed=0.5&networkShape=3');
    expect(l.every(Number.isFinite)).toBe(true);
  });
});
