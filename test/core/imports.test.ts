/**
 * Import-direction lint. Parses every `src/**\/*.ts` import (static, re-export and dynamic) with the
 * TypeScript parser and fails on
 * - any cycle among runtime imports (type-only imports vanish at compile time and cannot cycle), and
 * - any import pointing up the layering
 *   core → backend → ops → autograd → tensor → {nn, optim, data, io, viz} → train → index.ts (public API) → cli,
 *   except that `ops` and `autograd` may `import type` from `tensor`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

const LAYERS: Record<string, number> = {
  core: 0,
  backend: 1,
  ops: 2,
  autograd: 3,
  tensor: 4,
  nn: 5,
  optim: 5,
  data: 5,
  io: 5,
  viz: 5,
  train: 6,
  cli: 7,
};

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
  /** `import('...')` */
  dynamic?: boolean;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The area of a src file: its first folder, or `index` for src/index.ts. */
function area(file: string): string {
  const rel = relative(SRC, file).split(/[\\/]/);
  return rel.length === 1 ? 'index' : rel[0]!;
}
/** src/index.ts (the public API) sits above train and below cli: the CLI is a user of the public API. */
const rank = (a: string): number => (a === 'index' ? 6.5 : (LAYERS[a] ?? -1));

/** Every relative import of a file, resolved to a src path, with whether it is erased at compile time. */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): Edge[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean, dynamic = false) => {
    if (!spec.startsWith('.')) return; // packages and node: builtins
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    edges.push({ from: file, to: target, typeOnly, dynamic });
  };
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      let typeOnly = !!c?.isTypeOnly;
      if (c && !typeOnly && !c.name && c.namedBindings && ts.isNamedImports(c.namedBindings))
        typeOnly = c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly);
      add(n.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      let typeOnly = n.isTypeOnly;
      if (!typeOnly && n.exportClause && ts.isNamedExports(n.exportClause))
        typeOnly = n.exportClause.elements.length > 0 && n.exportClause.elements.every((e) => e.isTypeOnly);
      add(n.moduleSpecifier.text, typeOnly);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const a = n.arguments[0];
      if (a && ts.isStringLiteral(a)) add(a.text, false, true);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return edges;
}

/** Problems with one edge against the layering (empty when fine). */
export function layerViolation(e: Edge): string | null {
  const fa = area(e.from);
  const ta = area(e.to);
  if (fa === ta) return null;
  const fr = rank(fa);
  const tr = rank(ta);
  const where = `${relative(ROOT, e.from)} imports ${relative(ROOT, e.to)}`;
  if (fr < 0) return `${where}: src/${fa} is not in the layering; add it to LAYERS`;
  if (tr < 0) return `${where}: src/${ta} is not in the layering; add it to LAYERS`;
  // downward, or sideways between the areas of one layer (nn, optim, data, io, viz; cycles are checked apart)
  if (tr <= fr) return null;
  if ((fa === 'ops' || fa === 'autograd') && ta === 'tensor' && e.typeOnly) return null;
  return `${where}: ${fa} (layer ${fr}) must not import from ${ta} (layer ${tr})${
    (fa === 'ops' || fa === 'autograd') && ta === 'tensor' ? '; use `import type` for Tensor' : ''
  }`;
}

/** Cycles among runtime edges (Tarjan's strongly connected components of size > 1, or self-loops). */
export function findCycles(edges: Edge[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const e of edges) {
    if (e.typeOnly) continue;
    if (!graph.has(e.from)) graph.set(e.from, []);
    graph.get(e.from)!.push(e.to);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.map((f) => relative(ROOT, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

describe('import direction', () => {
  const files = walk(SRC);
  const edges = files.flatMap((f) => importsOf(f));

  it('parses the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(20);
    // tensor.ts imports the op table and the engine: the parser must see those edges
    const fromTensor = edges.filter((e) => e.from.endsWith(join('tensor', 'tensor.ts'))).map((e) => relative(SRC, e.to));
    expect(fromTensor).toContain(join('ops', 'table.ts'));
    expect(fromTensor).toContain(join('autograd', 'engine.ts'));
  });

  it('every relative import resolves to an existing file', () => {
    const missing = edges.filter((e) => !files.includes(e.to)).map((e) => `${relative(ROOT, e.from)} → ${relative(ROOT, e.to)}`);
    expect(missing, missing.join('\n')).toEqual([]);
  });

  it('no import points up the layering', () => {
    const bad = edges.map(layerViolation).filter((m): m is string => m !== null);
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('no runtime import cycles', () => {
    const cycles = findCycles(edges);
    expect(cycles, cycles.map((c) => c.join(' → ')).join('\n')).toEqual([]);
  });

  it('no import-time side effects: the wasm backend is reached only by a dynamic import() — and by the lazy synchronous start', () => {
    // dispatch.ts imports createWasmBackendSync statically: the first op run before `await init()`
    // builds the wasm backend synchronously (Node), which a dynamic import cannot do. Importing it
    // builds nothing: the backend is created on that first op (test/core/lazy-init.test.ts).
    const wasmDir = join(SRC, 'backend', 'wasm');
    const staticIn = edges.filter((e) => e.to.startsWith(wasmDir) && !e.from.startsWith(wasmDir) && !e.typeOnly && !e.dynamic);
    expect(
      staticIn.map((e) => `${relative(ROOT, e.from)} → ${relative(ROOT, e.to)}`),
      'static imports of src/backend/wasm',
    ).toEqual([`${join('src', 'backend', 'dispatch.ts')} → ${join('src', 'backend', 'wasm', 'index.ts')}`]);
  });

  it('the checker itself catches an upward import and a cycle', () => {
    const f = (p: string) => join(SRC, p);
    expect(layerViolation({ from: f('core/shape.ts'), to: f('tensor/tensor.ts'), typeOnly: false })).toMatch(
      /core .* must not import from tensor/,
    );
    expect(layerViolation({ from: f('ops/reduce.ts'), to: f('tensor/tensor.ts'), typeOnly: true })).toBeNull();
    expect(layerViolation({ from: f('ops/reduce.ts'), to: f('tensor/tensor.ts'), typeOnly: false })).toMatch(/import type/);
    expect(layerViolation({ from: f('nn/functional.ts'), to: f('train/fit.ts'), typeOnly: false })).toMatch(/must not import/);
    expect(layerViolation({ from: f('train/fit.ts'), to: f('nn/functional.ts'), typeOnly: false })).toBeNull();
    expect(layerViolation({ from: f('cli/app.ts'), to: f('index.ts'), typeOnly: false })).toBeNull();
    expect(layerViolation({ from: f('index.ts'), to: f('cli/app.ts'), typeOnly: false })).toMatch(/must not import/);
    expect(layerViolation({ from: f('nn/module.ts'), to: f('index.ts'), typeOnly: false })).toMatch(/must not import/);
    const cyc = findCycles([
      { from: f('a.ts'), to: f('b.ts'), typeOnly: false },
      { from: f('b.ts'), to: f('a.ts'), typeOnly: false },
    ]);
    expect(cyc).toHaveLength(1);
    expect(
      findCycles([
        { from: f('a.ts'), to: f('b.ts'), typeOnly: false },
        { from: f('b.ts'), to: f('a.ts'), typeOnly: true },
      ]),
    ).toEqual([]);
    const parsed = importsOf(
      f('ops/x.ts'),
      "import type { Tensor } from '../tensor/tensor.js';\nimport { type A } from './y.js';\nexport * from '../core/shape.js';\nconst m = import('../tensor/z.js');",
    );
    expect(parsed[3]!.dynamic).toBe(true);
    expect(parsed.map((e) => [relative(SRC, e.to), e.typeOnly])).toEqual([
      [join('tensor', 'tensor.ts'), true],
      [join('ops', 'y.ts'), true],
      [join('core', 'shape.ts'), false],
      [join('tensor', 'z.ts'), false],
    ]);
  });
});
