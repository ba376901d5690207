/**
 * A few of the quickest course examples in fast mode: their stated results must hold. The whole
 * fast suite (all 18) runs from CI with `npm run examples -- --fast`.
 */
import { describe, expect, it } from 'vitest';
import { report, type ExampleResult } from '../../examples/lib.js';
import { run as perceptron } from '../../examples/01-perceptron.js';
import { run as houses } from '../../examples/04-house-regression.js';
import { run as fairness } from '../../examples/16-fairness.js';

function expectAllClaims(name: string, r: ExampleResult): void {
  expect(r.skipped).toBeUndefined();
  expect(r.claims.length).toBeGreaterThan(0);
  const ok = report(name, r);
  for (const c of r.claims) expect(c.pass, `${name}: ${c.name} — ${c.detail}`).toBe(true);
  expect(ok).toBe(true);
}

describe('course examples (fast mode)', () => {
  it('01 perceptron learns the line and fails on XOR', async () => {
    const r = await perceptron({ fast: true });
    expectAllClaims('01-perceptron', r);
    expect(r.metrics.line_test_accuracy).toBeGreaterThanOrEqual(0.98);
    expect(r.metrics.xor_accuracy).toBeLessThanOrEqual(0.75);
  });
  it('04 house prices: vector-output regression reaches its R²', async () => {
    expectAllClaims('04-house-regression', await houses({ fast: true }));
  });
  it('16 fairness: mitigation shrinks the gaps; the proxy leaks', async () => {
    const r = await fairness({ fast: true });
    expectAllClaims('16-fairness', r);
    expect(r.metrics.dp_after).toBeLessThan(r.metrics.dp_before as number);
  });
  it('the same seed gives the same measured result', async () => {
    const [a, b] = [await perceptron({ fast: true }), await perceptron({ fast: true })];
    expect(a.metrics).toEqual(b.metrics);
  });
});
