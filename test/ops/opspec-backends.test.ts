/**
 * The op-spec table on every backend: each sample runs in float32 on the js backend (the
 * specification) and on every other backend that loads here (wasm; webgpu when present), and the
 * forward outputs and the input gradients of L = Σ output·upstream must agree.
 *
 * Tolerance: the fast backends may sum in another order (GEMM blocking, SIMD lanes, pairwise
 * reductions), so float32 results agree within 1e-4 relative + 1e-5 absolute, the op-spec table's
 * float32 tolerance; integer and boolean outputs must be equal.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { init, backendInfo, noGrad, type Tensor } from '../../src/index.js';
import { Gen, SPECS, seedOf, type OpSpec, type Sample } from '../core/opspec.js';

const outs = (o: Tensor | Tensor[]): Tensor[] => (Array.isArray(o) ? o : [o]);

interface Result {
  outputs: { dtype: string; shape: readonly number[]; data: number[] }[];
  grads: (number[] | null)[];
}

/** Run one sample on the current backend, in float32, with gradients where the op has them. */
function run(spec: OpSpec, sample: Sample, i: number): Result {
  const inputs = sample.inputs(new Gen(seedOf(spec.name, i))).map((t) => (t.dtype === 'float64' ? t.float() : t));
  // Fresh leaves: .float() of a view is a new tensor, so requiresGrad can be set on it.
  const leaves = inputs.map((t) => (t.isFloatingPoint() ? t.detach() : t));
  const which = sample.grad ?? leaves.map((t, k) => (t.isFloatingPoint() ? k : -1)).filter((k) => k >= 0);
  if (spec.differentiable) for (const k of which) leaves[k]!.requiresGrad_(true);
  const fn = sample.fn ?? spec.fn;
  const o = outs(spec.differentiable ? fn(...leaves) : noGrad(() => fn(...leaves)));
  const result: Result = {
    outputs: o.map((t) => ({ dtype: t.dtype, shape: t.shape.slice(), data: Array.from(t.dataSync(), Number) })),
    grads: [],
  };
  if (spec.differentiable && o.some((t) => t.requiresGrad)) {
    // upstream: a fixed, non-uniform weighting so that every output element matters differently
    let loss: Tensor | null = null;
    for (const t of o) {
      if (!t.requiresGrad) continue;
      const n = t.numel();
      const w = Float32Array.from({ length: n }, (_, j) => 0.5 + ((j * 7919) % 13) / 13);
      const term = t.mul(t.newTensor(w, t.shape)).sum();
      loss = loss === null ? term : loss.add(term);
    }
    loss!.backward();
    result.grads = leaves.map((t) => (t.grad === null ? null : Array.from(t.grad.dataSync(), Number)));
  }
  return result;
}

function compare(got: Result, want: Result, what: string): void {
  expect(got.outputs.length, `${what}: number of outputs`).toBe(want.outputs.length);
  const check = (g: number[], w: number[], exact: boolean, label: string) => {
    expect(g.length, `${label}: length`).toBe(w.length);
    let bad = 0;
    let worst = '';
    for (let k = 0; k < w.length; k++) {
      const a = g[k]!;
      const b = w[k]!;
      if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
      if (!exact && Math.abs(a - b) <= 1e-5 + 1e-4 * Math.abs(b)) continue;
      bad++;
      worst ||= `index ${k}: ${a} vs js ${b}`;
    }
    expect(bad, `${label}: ${bad}/${w.length} differ; first ${worst}`).toBe(0);
  };
  want.outputs.forEach((w, k) => {
    const g = got.outputs[k]!;
    expect(g.dtype, `${what} output ${k} dtype`).toBe(w.dtype);
    expect(g.shape, `${what} output ${k} shape`).toEqual(w.shape);
    check(g.data, w.data, w.dtype !== 'float32' && w.dtype !== 'float64', `${what} output ${k}`);
  });
  want.grads.forEach((w, k) => {
    const g = got.grads[k] ?? null;
    if (w === null) return expect(g, `${what} grad ${k}`).toBeNull();
    expect(g, `${what} grad ${k}`).not.toBeNull();
    check(g!, w, false, `${what} grad of input ${k}`);
  });
}

// The reference values, computed once on js.
const reference = new Map<string, Result>();
async function referenceValues(): Promise<void> {
  if (reference.size > 0) return;
  await init({ backend: 'js' });
  for (const spec of SPECS) spec.samples.forEach((s, i) => reference.set(`${spec.name}#${i}`, run(spec, s, i)));
}

afterAll(async () => {
  await init({ backend: 'js' });
});

describe.each(['wasm'])('op-spec table on the %s backend agrees with js', (backend) => {
  it('the backend loads here', async () => {
    await referenceValues();
    await init({ backend, threads: 2 });
    expect(backendInfo().backend).toBe(backend);
  });
  for (const spec of SPECS)
    it(spec.name, async () => {
      await referenceValues();
      await init({ backend, threads: 2 });
      spec.samples.forEach((s, i) => compare(run(spec, s, i), reference.get(`${spec.name}#${i}`)!, `${spec.name} [${s.label}]`));
    });
});
