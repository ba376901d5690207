/**
 * Extreme logits (RELIABILITY.md): softmax, logSoftmax and logsumexp give finite values and gradients
 * for logits of ±1e4 in float32, with the exact expected values (they need the max-shifted forms).
 */
import { describe, expect, it } from 'vitest';
import { Tensor, nn, tensor } from '../../src/index.js';

const F = nn.functional;
const finite = (t: Tensor) => Array.from(t.dataSync()).every(Number.isFinite);
const logits = () =>
  tensor(
    [
      [1e4, 0, -1e4],
      [-1e4, -1e4, -1e4],
      [1e4, 1e4, 0],
    ],
    { requiresGrad: true },
  );
const up = tensor([
  [0.3, -1.2, 0.7],
  [1, 2, 3],
  [0.5, 0.25, -2],
]);

describe('extreme logits (±1e4, float32)', () => {
  it('softmax: exact one-hot / uniform / half-half values, finite gradients', () => {
    const x = logits();
    const y = F.softmax(x, -1);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([[1, 0, 0], [1 / 3, 1 / 3, 1 / 3].map(Math.fround), [0.5, 0.5, 0]]);
    y.backward(up);
    expect(finite(x.grad!)).toBe(true);
    // softmax Jacobian-vector product: s ⊙ (u − Σ s·u); a saturated row has zero gradient
    expect(Array.from(x.grad!.narrow(0, 0, 1).dataSync(), (v) => v + 0)).toEqual([0, 0, 0]);
    const g2 = Array.from(x.grad!.select(0, 2).dataSync());
    expect(g2[0]).toBeCloseTo(0.5 * (0.5 - 0.375), 6);
    expect(g2[1]).toBeCloseTo(0.5 * (0.25 - 0.375), 6);
    expect(g2[2]! + 0).toBe(0);
  });

  it('logSoftmax: finite (0, -1e4, -2e4), no rounding of 1e4 + log 2, finite gradients', () => {
    const x = logits();
    const y = F.logSoftmax(x, -1);
    const v = y.toArray() as number[][];
    expect(v[0]).toEqual([0, -1e4, -2e4]);
    for (const r of v[1]!) expect(r).toBeCloseTo(-Math.log(3), 6);
    expect(v[2]![0]).toBeCloseTo(-Math.LN2, 6);
    expect(v[2]![1]).toBeCloseTo(-Math.LN2, 6);
    expect(v[2]![2]).toBe(Math.fround(-1e4 - Math.LN2));
    y.backward(up);
    expect(finite(x.grad!)).toBe(true);
    // d logsoftmax: u − softmax · Σu; row 0: softmax = [1,0,0], Σu = −0.2
    const g0 = Array.from(x.grad!.select(0, 0).dataSync());
    expect(g0[0]).toBeCloseTo(0.3 + 0.2, 6);
    expect(g0[1]).toBeCloseTo(-1.2, 6);
    expect(g0[2]).toBeCloseTo(0.7, 6);
  });

  it('logsumexp: max + log Σ exp(x − max), finite gradient = softmax', () => {
    const x = logits();
    const y = x.logsumexp(1);
    const v = Array.from(y.dataSync());
    expect(v[0]).toBe(1e4);
    expect(v[1]).toBeCloseTo(-1e4 + Math.log(3), 2);
    expect(v[2]).toBe(Math.fround(1e4 + Math.LN2));
    y.sum().backward();
    expect(finite(x.grad!)).toBe(true);
    expect(x.grad!.toArray()).toEqual(F.softmax(x.detach(), 1).toArray());
  });

  it('logsumexp of all −inf is −inf (not NaN); of +inf is +inf', () => {
    expect(tensor([-Infinity, -Infinity]).logsumexp(0).item()).toBe(-Infinity);
    expect(tensor([Infinity, 0]).logsumexp(0).item()).toBe(Infinity);
  });

  it('the naive forms would overflow: exp(1e4) is inf in float32', () => {
    // guards the meaning of the tests above
    expect(tensor([1e4]).exp().item()).toBe(Infinity);
  });

  it('softplus stays finite and linear for large inputs, and 0 for very negative ones', () => {
    const x = tensor([1e4, -1e4, 30], { requiresGrad: true });
    const y = F.softplus(x);
    expect(Array.from(y.dataSync())).toEqual([1e4, 0, 30]);
    y.sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([1, 0, 1]);
  });

  it('sigmoid and tanh saturate without NaN in value or gradient', () => {
    const x = tensor([1e4, -1e4], { requiresGrad: true });
    const y = x.sigmoid().add(x.tanh());
    expect(Array.from(y.dataSync())).toEqual([2, -1]);
    y.sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 0]);
  });
});
