/** Generic runner: float64 gradcheck of every sample of every differentiable op in the op-spec table. */
import { describe, expect, it } from 'vitest';
import { gradcheck, type Tensor } from '../../src/index.js';
import { OPS } from '../../src/ops/table.js';
import { setOpTracer } from '../../src/tensor/tensor.js';
import { Gen, SPECS, seedOf, type OpSpec, type Sample } from './opspec.js';

function prepare(spec: OpSpec, sample: Sample, i: number): Tensor[] {
  const inputs = sample.inputs(new Gen(seedOf(spec.name, i)));
  const which = sample.grad ?? inputs.map((t, k) => (t.isFloatingPoint() ? k : -1)).filter((k) => k >= 0);
  for (const k of which) inputs[k]!.requiresGrad_(true);
  return inputs;
}

describe('op-spec table: coverage of the gradcheck runner', () => {
  for (const spec of SPECS.filter((s) => s.differentiable)) {
    it(`${spec.name}: ≥ 3 samples, one with a non-contiguous input${spec.broadcasts ? ', one broadcasting' : ''}`, () => {
      expect(spec.samples.length).toBeGreaterThanOrEqual(3);
      const all = spec.samples.map((s, i) => s.inputs(new Gen(seedOf(spec.name, i))));
      expect(all.some((ins) => ins.some((t) => t.isFloatingPoint() && !t.isContiguous()))).toBe(true);
      if (spec.broadcasts) {
        const differ = (ins: Tensor[]) => {
          const fl = ins.filter((t) => t.isFloatingPoint());
          return fl.some((t) => t.shape.join() !== fl[0]!.shape.join());
        };
        expect(all.some(differ)).toBe(true);
      }
    });
  }
});

describe('op-spec table: every differentiable primitive is gradchecked', () => {
  it('the samples of differentiable specs run every op-table entry that has a gradient rule', () => {
    const seen = new Set<string>();
    const prev = setOpTracer((name) => void seen.add(name));
    try {
      for (const spec of SPECS.filter((s) => s.differentiable))
        spec.samples.forEach((s, i) => (s.fn ?? spec.fn)(...s.inputs(new Gen(seedOf(spec.name, i)))));
    } finally {
      setOpTracer(prev);
    }
    const differentiable = Object.entries(OPS)
      .filter(([, def]) => def.backward !== null)
      .map(([name]) => name);
    const missing = differentiable.filter((n) => !seen.has(n));
    expect(missing, `add op-spec entries (test/core/opspec.ts) that run: ${missing.join(', ')}`).toEqual([]);
  });
});

describe('op-spec table: float64 gradcheck', () => {
  for (const spec of SPECS.filter((s) => s.differentiable)) {
    describe(spec.name, () => {
      spec.samples.forEach((sample, i) => {
        it(sample.label, () => {
          const inputs = prepare(spec, sample, i);
          expect(inputs.some((t) => t.requiresGrad)).toBe(true);
          expect(gradcheck(sample.fn ?? spec.fn, inputs)).toBe(true);
        });
      });
    });
  }
});

describe('op-spec table: non-differentiable outputs', () => {
  for (const spec of SPECS.filter((s) => !s.differentiable)) {
    it(`${spec.name}: outputs never require grad`, () => {
      spec.samples.forEach((sample, i) => {
        const inputs = sample.inputs(new Gen(seedOf(spec.name, i)));
        for (const t of inputs) if (t.isFloatingPoint()) t.requiresGrad_(true);
        const out = (sample.fn ?? spec.fn)(...inputs);
        for (const o of Array.isArray(out) ? out : [out]) {
          expect(o.isFloatingPoint()).toBe(false);
          expect(o.requiresGrad).toBe(false);
          expect(o.gradFn).toBeNull();
        }
      });
    });
  }
});
