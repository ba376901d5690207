import { describe, expect, it } from 'vitest';
import { runReference } from '../../scripts/reference/run.js';

describe('PyTorch reference: ops.json', () => {
  it('every case passes (float32 and float64)', async () => {
    const results = await runReference({ files: ['ops.json'] });
    const failed = results.filter((r) => !r.passed).map((r) => `${r.name} (${r.fn}): ${r.message}`);
    expect(failed, failed.join('\n')).toEqual([]);
    // the file holds 172 cases in 65 fns; guard against a filter silently dropping them
    expect(results.length).toBeGreaterThanOrEqual(172);
    expect(results.every((r) => r.checks > 0)).toBe(true);
  });
});
