/**
 * The notebook normaliser: what `npm run test:notebooks -- --write` applies before a freshly executed
 * notebook is committed, so that diffs show changed code and changed results, not run bookkeeping.
 *
 * - code cells are numbered 1, 2, 3, … in document order (their `execute_result` outputs likewise);
 * - per-cell metadata from the run (nbclient's `execution` timestamps, collapsed/scrolled state) is dropped;
 * - notebook metadata keeps only the kernelspec and the language name (no versions, no widget state);
 * - cell ids become `cell-NN` by position (nbformat 4.5 wants ids; random ones would churn);
 * - consecutive outputs to the same stream (one per console.log) are merged into one block.
 *
 * Outputs themselves (text, SVG, PNG) are kept as the run produced them: they are the real results.
 * Pure function; no I/O.
 */

export interface NotebookOutput {
  output_type: string;
  execution_count?: number | null;
  [key: string]: unknown;
}
export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  metadata: Record<string, unknown>;
  source: string | string[];
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  [key: string]: unknown;
}
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** The one kernelspec every backprop notebook runs under (`deno jupyter`'s default name). */
export const KERNELSPEC = { display_name: 'Deno', language: 'typescript', name: 'deno' } as const;

/** Split text into nbformat's list-of-lines form (each line keeps its '\n'). */
function lines(text: string | string[]): string[] {
  const s = Array.isArray(text) ? text.join('') : text;
  if (s === '') return [];
  return s.split(/(?<=\n)/);
}

export function normaliseNotebook(nb: Notebook): Notebook {
  let count = 0;
  const cells = nb.cells.map((cell, i): NotebookCell => {
    const base = { id: `cell-${String(i + 1).padStart(2, '0')}`, metadata: {}, source: lines(cell.source) };
    if (cell.cell_type !== 'code') return { cell_type: cell.cell_type, ...base };
    const n = ++count;
    const outputs: NotebookOutput[] = [];
    for (const o of cell.outputs ?? []) {
      const out: NotebookOutput = { ...o };
      if (out.output_type === 'execute_result') out.execution_count = n;
      if (out.output_type === 'stream') {
        const text = lines((out.text ?? '') as string | string[]);
        const prev = outputs.at(-1);
        // consecutive writes to the same stream read as one block, as Jupyter's front end shows them
        if (prev?.output_type === 'stream' && prev.name === out.name) {
          prev.text = lines([...(prev.text as string[]), ...text]);
          continue;
        }
        out.text = text;
      }
      outputs.push(out);
    }
    return { cell_type: 'code', execution_count: n, ...base, outputs };
  });
  return {
    cells,
    metadata: { kernelspec: { ...KERNELSPEC }, language_info: { name: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** Serialise the way Jupyter does (1-space indent, trailing newline), so saving in Jupyter changes little. */
export function serialiseNotebook(nb: Notebook): string {
  return JSON.stringify(sortKeys(nb), null, 1) + '\n';
}

/** Keys in sorted order at every level, as nbformat writes them (json.dumps(sort_keys=True)). */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortKeys(o[k])]),
  );
}

/** The claims a notebook printed (`claim: … — PASS|FAIL` lines on stdout), and its error outputs. */
export function inspectNotebook(nb: Notebook): { claims: { text: string; pass: boolean }[]; errors: string[] } {
  const claims: { text: string; pass: boolean }[] = [];
  const errors: string[] = [];
  for (const cell of nb.cells)
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'error') errors.push(`${String(o.ename)}: ${String(o.evalue)}`);
      if (o.output_type === 'stream') {
        const text = Array.isArray(o.text) ? o.text.join('') : String(o.text);
        for (const m of text.matchAll(/^claim: (.*) — (PASS|FAIL)\b.*$/gm)) claims.push({ text: m[0], pass: m[2] === 'PASS' });
      }
    }
  return { claims, errors };
}
