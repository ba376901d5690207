/**
 * Generic runners over the op-spec table's samples: strided (non-contiguous) inputs give the same
 * values as their contiguous copies, and float32 agrees with float64.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, noGrad } from '../../src/index.js';
import { Gen, SPECS, seedOf } from './opspec.js';

const outs = (o: Tensor | Tensor[]): Tensor[] => (Array.isArray(o) ? o : [o]);

function maxDiff(a: Tensor, b: Tensor, rtol: number): { bad: number; worst: string } {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let bad = 0;
  let worst = '';
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (!(d <= rtol * (1 + Math.abs(y[i]!))) && !(Number.isNaN(x[i]!) && Number.isNaN(y[i]!))) {
      bad++;
      worst ||= `index ${i}: ${x[i]} vs ${y[i]}`;
    }
  }
  return { bad, worst };
}

describe('op-spec table: non-contiguous inputs = contiguous copies', () => {
  for (const spec of SPECS) {
    it(spec.name, () => {
      spec.samples.forEach((sample, i) => {
        const inputs = sample.inputs(new Gen(seedOf(spec.name, i)));
        const fn = sample.fn ?? spec.fn;
        const a = outs(noGrad(() => fn(...inputs)));
        const b = outs(noGrad(() => fn(...inputs.map((t) => t.contiguous().clone()))));
        a.forEach((t, k) => {
          const r = maxDiff(t, b[k]!, 1e-12);
          expect(r.bad, `${sample.label} output ${k}: ${r.worst}`).toBe(0);
          expect(t.dtype).toBe(b[k]!.dtype);
        });
      });
    });
  }
});

describe('op-spec table: float32 agrees with float64', () => {
  for (const spec of SPECS.filter((s) => s.f32Tol !== null)) {
    it(spec.name, () => {
      spec.samples.forEach((sample, i) => {
        const inputs = sample.inputs(new Gen(seedOf(spec.name, i)));
        const fn = sample.fn ?? spec.fn;
        const hi = outs(noGrad(() => fn(...inputs)));
        const lo = outs(noGrad(() => fn(...inputs.map((t) => (t.dtype === 'float64' ? t.float() : t)))));
        lo.forEach((t, k) => {
          if (hi[k]!.dtype === 'float64') expect(t.dtype, `${sample.label} output ${k}`).toBe('float32');
          const r = maxDiff(t, hi[k]!, spec.f32Tol ?? 1e-4);
          expect(r.bad, `${sample.label} output ${k}: ${r.worst}`).toBe(0);
        });
      });
    });
  }
});
