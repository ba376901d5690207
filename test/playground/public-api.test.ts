/** The playground uses the public API only: the one import of the framework is src/bp.ts → src/index.ts. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../playground');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === 'dist' || n === 'node_modules') return [];
    return statSync(p).isDirectory() ? files(p) : /\.ts$/.test(n) ? [p] : [];
  });
}

describe('playground imports', () => {
  it('reaches the framework only through src/bp.ts, which re-exports src/index.ts', () => {
    const offenders: string[] = [];
    for (const f of files(ROOT)) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2]!;
        if (!spec.startsWith('.')) continue; // packages (vite, node:*) and virtual modules
        const target = resolve(f, '..', spec);
        if (relative(ROOT, target).startsWith('..')) offenders.push(`${relative(ROOT, f)} → ${spec}`);
      }
    }
    expect(offenders).toEqual(['src/bp.ts → ../../src/index.js']);
  });

  it('builds no HTML from strings and sets no inline style attributes (CSP)', () => {
    for (const f of files(ROOT)) {
      const src = readFileSync(f, 'utf8');
      expect(src, f).not.toMatch(/\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write\(/);
      expect(src, f).not.toMatch(/setAttribute\(\s*['"]style['"]/);
      expect(src, f).not.toMatch(/new Function\(|[^.\w]eval\(/);
    }
  });
});
