/**
 * The committed notebooks, checked without Jupyter (`npm run test:notebooks` executes them):
 * at least six, in the course arc, normalised, carrying outputs from a real run with every claim
 * passed and no error, importing only the public package. Plus the normaliser and claim scanner.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectNotebook, normaliseNotebook, serialiseNotebook, type Notebook } from '../../scripts/notebooks/normalise.js';

const dir = join(import.meta.dirname, '../../notebooks');
const files = readdirSync(dir)
  .filter((n) => /^\d\d-.*\.ipynb$/.test(n))
  .sort();
const text = (src: string | string[]) => (Array.isArray(src) ? src.join('') : src);

describe('notebooks/', () => {
  it('holds at least six notebooks covering the course arc', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    for (const topic of [
      /chain rule/i,
      /learning curves/i,
      /LeNet-5/,
      /confusion matrix/i,
      /dropout/i,
      /early stopping/i,
      /L2/,
      /PCA/,
      /saliency/i,
      /demographic.parity/i,
    ])
      expect(all).toMatch(topic);
  });

  for (const file of files) {
    describe(file, () => {
      const raw = readFileSync(join(dir, file), 'utf8');
      const nb = JSON.parse(raw) as Notebook;
      it('is normalised (npm run test:notebooks -- --write leaves it unchanged)', () => {
        expect(serialiseNotebook(normaliseNotebook(nb))).toBe(raw);
      });
      it('runs on the Deno kernel and imports only the public package', () => {
        expect(nb.metadata.kernelspec).toMatchObject({ name: 'deno' });
        const code = nb.cells
          .filter((c) => c.cell_type === 'code')
          .map((c) => text(c.source))
          .join('\n');
        const specifiers = [...code.matchAll(/\bfrom\s+["']([^"']+)["']/g)].map((m) => m[1]);
        expect(specifiers.length).toBeGreaterThan(0);
        expect(new Set(specifiers)).toEqual(new Set(['backprop']));
      });
      it('carries outputs from a real run: every code cell executed, claims passed, no errors, a plot or image shown', () => {
        const code = nb.cells.filter((c) => c.cell_type === 'code');
        expect(code.every((c, i) => c.execution_count === i + 1)).toBe(true);
        const { claims, errors } = inspectNotebook(nb);
        expect(errors).toEqual([]);
        expect(claims.length).toBeGreaterThan(0);
        expect(claims.filter((c) => !c.pass)).toEqual([]);
        const mimes = code.flatMap((c) => (c.outputs ?? []).flatMap((o) => Object.keys((o.data as object | undefined) ?? {})));
        expect(mimes.some((m) => m === 'image/svg+xml' || m === 'image/png')).toBe(true);
      });
    });
  }
});

describe('normaliseNotebook', () => {
  const run: Notebook = {
    nbformat: 4,
    nbformat_minor: 4,
    metadata: {
      kernelspec: { name: 'deno', display_name: 'Deno (backprop)', language: 'typescript' },
      language_info: { name: 'typescript', version: '6.0.3' },
      widgets: {},
    },
    cells: [
      { cell_type: 'markdown', id: 'x9', metadata: { tags: [] }, source: '# title\ntext' },
      {
        cell_type: 'code',
        id: 'abc',
        execution_count: 7,
        source: 'console.log(1)\n42',
        metadata: { execution: { 'iopub.status.busy': '2026-12-07T02:13:31Z' }, scrolled: true },
        outputs: [
          { output_type: 'stream', name: 'stdout', text: ['1\n'] },
          { output_type: 'stream', name: 'stdout', text: 'claim: x — PASS (ok)\n' },
          { output_type: 'execute_result', execution_count: 7, data: { 'text/plain': '42' }, metadata: {} },
        ],
      },
      { cell_type: 'code', id: 'def', execution_count: 12, source: [], metadata: {}, outputs: [] },
    ],
  };
  const n = normaliseNotebook(run);
  it('renumbers code cells and their results, drops run metadata, fixes ids', () => {
    expect(n.cells.map((c) => [c.id, c.execution_count])).toEqual([
      ['cell-01', undefined],
      ['cell-02', 1],
      ['cell-03', 2],
    ]);
    expect(n.cells[1]!.outputs!.at(-1)!.execution_count).toBe(1);
    expect(n.cells.every((c) => Object.keys(c.metadata).length === 0)).toBe(true);
    expect(n.metadata).toEqual({
      kernelspec: { display_name: 'Deno', language: 'typescript', name: 'deno' },
      language_info: { name: 'typescript' },
    });
    expect(n.nbformat_minor).toBe(5);
  });
  it('merges consecutive writes to one stream and splits sources into lines', () => {
    expect(n.cells[1]!.outputs!.length).toBe(2);
    expect(n.cells[1]!.outputs![0]!.text).toEqual(['1\n', 'claim: x — PASS (ok)\n']);
    expect(n.cells[1]!.source).toEqual(['console.log(1)\n', '42']);
  });
  it('is idempotent, and serialises with sorted keys like nbformat', () => {
    const s = serialiseNotebook(n);
    expect(serialiseNotebook(normaliseNotebook(JSON.parse(s) as Notebook))).toBe(s);
    expect(s.indexOf('"cell_type"')).toBeLessThan(s.indexOf('"execution_count"'));
    expect(s.endsWith('}\n')).toBe(true);
  });
  it('inspectNotebook finds claims (pass and fail) and error outputs', () => {
    const bad: Notebook = {
      ...run,
      cells: [
        {
          cell_type: 'code',
          metadata: {},
          source: '',
          outputs: [
            { output_type: 'stream', name: 'stdout', text: 'claim: a — PASS (1)\nclaim: b — FAIL (2)\nclaims are nice\n' },
            { output_type: 'error', ename: 'Error', evalue: 'claim failed: b (2)', traceback: [] },
          ],
        },
      ],
    };
    const r = inspectNotebook(bad);
    expect(r.claims.map((c) => c.pass)).toEqual([true, false]);
    expect(r.errors).toEqual(['Error: claim failed: b (2)']);
    expect(inspectNotebook(n).claims).toEqual([{ text: 'claim: x — PASS (ok)', pass: true }]);
  });
});
