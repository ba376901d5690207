import { describe, expect, it } from 'vitest';
import { runReference } from '../../scripts/reference/run.js';

describe('losses.json (PyTorch 1.13 golden values)', () => {
  it('every case passes: values and gradients', async () => {
    const results = await runReference({ files: ['losses.json'] });
    const failed = results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.message}`);
    expect(failed).toEqual([]);
    expect(results.length).toBe(40);
    expect(results.every((r) => r.checks >= 1)).toBe(true);
  });
});
