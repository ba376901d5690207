/**
 * The data area must stay importable in browsers: Node built-ins and Node-only packages may be
 * loaded only with a dynamic `import()` inside a function, never by a static import.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, '../../src/data');
const NODE_ONLY = /^(node:|fs$|path$|zlib$|stream$|pngjs$|jpeg-js$|mnist$|csv-parse$|csv-parse\/sync$|csv-parse\/stream$)/;

describe('isomorphic data modules', () => {
  it('no static import of Node built-ins or Node-only packages in src/data', () => {
    const offenders: string[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) {
        const spec = m[1]!;
        const typeOnly = /^\s*(?:import|export)\s+type\s/.test(m[0]);
        if (!typeOnly && NODE_ONLY.test(spec)) offenders.push(`${f}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
