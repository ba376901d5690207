import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Modules reachable from the public API must load in a browser: Node-only and heavy packages
// (fs, process-bound progress bars, PNG codec, vega) are imported lazily inside functions.
const root = resolve(import.meta.dirname, '../..');
const files = [
  ...readdirSync(join(root, 'src/train')).map((f) => join('src/train', f)),
  ...readdirSync(join(root, 'src/viz')).map((f) => join('src/viz', f)),
  'src/io/checkpoint.ts',
  'src/io/checkpoint-node.ts',
  'src/io/checkpoint-sha256.ts',
].filter((f) => f.endsWith('.ts'));

describe('train/viz/checkpoint modules are browser-safe', () => {
  it.each(files)('%s has no static import of Node-only or heavy packages', (f) => {
    const src = readFileSync(join(root, f), 'utf8');
    const staticImports = [...src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
    const bad = staticImports.filter((s) =>
      /^(node:|fs$|path$|os$|child_process$|cli-progress$|pngjs$|jpeg-js$|vega$|vega-lite$|commander$)/.test(s),
    );
    expect(bad).toEqual([]);
    // no top-level use of process.* either (only inside functions, guarded)
    expect(src).not.toMatch(/^process\./m);
  });
});
