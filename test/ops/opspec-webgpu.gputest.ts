/**
 * The op-spec table on the webgpu backend (`npm run test:webgpu`): each sample's inputs are moved to
 * the 'webgpu' device, and the forward outputs and input gradients of L = Σ output·upstream must agree
 * with the js backend (the specification) within the float32 tolerance of opspec-backends.test.ts, or
 * the op must stop with a typed error that says why it cannot run there. Never a wrong value. A sample
 * that stops with every input on the GPU is tried again with its int32 inputs (indices, targets) on the
 * CPU, where index ops and crossEntropy check and take them from.
 *
 * `ON_GPU` lists the entries that run entirely on the GPU today; the README's "WebGPU backend" lists
 * the others. The test fails when either list is out of date.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { init, noGrad, type Tensor } from '../../src/index.js';
import { Gen, SPECS, seedOf, type OpSpec, type Sample } from '../core/opspec.js';

const outs = (o: Tensor | Tensor[]): Tensor[] => (Array.isArray(o) ? o : [o]);

interface Result {
  outputs: { dtype: string; shape: readonly number[]; data: number[] }[];
  grads: (number[] | null)[];
}

/** Typed errors an op may stop with on the GPU (never a silent fallback, never a wrong value). */
const ALLOWED = new Set(['E_WEBGPU_NO_KERNEL', 'E_DEVICE_MISMATCH', 'E_WEBGPU_TARGET', 'E_WEBGPU_SYNC_READ']);

/** The entries whose every sample runs on the GPU, forward and backward. */
const ON_GPU = [
  'abs',
  'adaptiveAvgPool2d',
  'add',
  'add/sub/mul/div with a JS number',
  'all / any / isclose / unique / bincount',
  'amax',
  'amin',
  'argmax / argmin / max indices',
  'argsort (stable; NaN last)',
  'at (basic: ints, slices, ..., None)',
  'avgPool2d',
  'avgPool2dGrad',
  'batchNorm',
  'bmm',
  'cat',
  'ceil',
  'clamp',
  'contiguous / clone',
  'conv1d',
  'conv2d',
  'conv2dGradInput',
  'conv2dGradWeight',
  'convTranspose2d',
  'cos',
  'cosineSimilarity',
  'crossEntropy (fused softmaxCrossEntropy primitive)',
  'cumsum / cumprod',
  'diag / trace / tile / unbind / outer / meshgrid',
  'div',
  'dropout (seeded)',
  'einsum',
  'elu',
  'embedding',
  'eq',
  'erf',
  'exp',
  'expand',
  'expm1',
  'flip / roll / tril / triu',
  'floor',
  'gather',
  'ge',
  'gelu',
  'geluGrad',
  'gt',
  'in-place on views (fill_, copy_, add_, mul_, clamp_, scatter_)',
  'indexAdd',
  'indexSelect',
  'interpolate (nearest)',
  'layerNorm',
  'le',
  'leakyRelu',
  'linalg.vectorNorm',
  'linear',
  'log',
  'log1p',
  'logSoftmax',
  'logsumexp',
  'lt',
  'maskedFill',
  'matmul',
  'max (all, and dim → values)',
  'maxPool2d',
  'maxPool2dGrad',
  'maximum',
  'mean',
  'min (all, and dim → values)',
  'minimum',
  'mm',
  'mul',
  'narrow / slice / select',
  'ne',
  'neg',
  'oneHot',
  'pad',
  'permute / transpose / t',
  'pow',
  'powScalar',
  'prod',
  'reciprocal',
  'relu',
  'reluGrad',
  'remainder / fmod / floorDivide / div roundingMode',
  'repeat / chunk / split',
  'reshape / view',
  'round',
  'rsqrt',
  'rsub and scalar-base pow',
  'scatter / scatterReduce / indexAdd / maskedSelect',
  'scatterAdd',
  'set (index assignment)',
  'sigmoid',
  'sign',
  'silu',
  'sin',
  'softmax',
  'softplus',
  'sort / topk / kthvalue / median / cummax (values)',
  'sqrt',
  'square',
  'squeeze / unsqueeze / flatten / unflatten',
  'stack',
  'std',
  'sub',
  'sum',
  'tanh',
  'trunc / nanToNum / lerp / clamp (tensor bounds) / stdMean',
  'var (correction 0)',
  'var (correction 1)',
  'where',
];

/**
 * Run one sample; `gpu`: every input on the GPU ('all'), or int32 inputs (indices, class targets) kept on
 * the CPU ('indices on cpu'), where index ops and crossEntropy check them and take them from.
 */
async function run(spec: OpSpec, sample: Sample, i: number, gpu: false | 'all' | 'indices on cpu'): Promise<Result> {
  const inputs = sample.inputs(new Gen(seedOf(spec.name, i))).map((t) => (t.dtype === 'float64' ? t.float() : t));
  const placed = gpu === false ? inputs : inputs.map((t) => (gpu === 'indices on cpu' && t.dtype === 'int32' ? t : t.to('webgpu')));
  const leaves = placed.map((t) => (t.isFloatingPoint() ? t.detach() : t));
  const which = sample.grad ?? leaves.map((t, k) => (t.isFloatingPoint() ? k : -1)).filter((k) => k >= 0);
  if (spec.differentiable) for (const k of which) leaves[k]!.requiresGrad_(true);
  const fn = sample.fn ?? spec.fn;
  const o = outs(spec.differentiable ? fn(...leaves) : noGrad(() => fn(...leaves)));
  const result: Result = { outputs: [], grads: [] };
  for (const t of o) result.outputs.push({ dtype: t.dtype, shape: t.shape.slice(), data: Array.from(await t.data(), Number) });
  if (spec.differentiable && o.some((t) => t.requiresGrad)) {
    let loss: Tensor | null = null;
    for (const t of o) {
      if (!t.requiresGrad) continue;
      const n = t.numel();
      const w = Float32Array.from({ length: n }, (_, j) => 0.5 + ((j * 7919) % 13) / 13);
      const term = t.mul(t.newTensor(w, t.shape)).sum();
      loss = loss === null ? term : loss.add(term);
    }
    loss!.backward();
    for (const t of leaves) result.grads.push(t.grad === null ? null : Array.from(await t.grad.data(), Number));
  }
  return result;
}

function agree(got: Result, want: Result): string | null {
  if (got.outputs.length !== want.outputs.length) return 'number of outputs';
  const diff = (g: number[], w: number[], exact: boolean): string | null => {
    if (g.length !== w.length) return `length ${g.length} vs ${w.length}`;
    for (let k = 0; k < w.length; k++) {
      const a = g[k]!;
      const b = w[k]!;
      if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
      if (!exact && Math.abs(a - b) <= 1e-5 + 1e-4 * Math.abs(b)) continue;
      return `index ${k}: ${a} vs js ${b}`;
    }
    return null;
  };
  for (const [k, w] of want.outputs.entries()) {
    const g = got.outputs[k]!;
    if (g.dtype !== w.dtype || g.shape.join() !== w.shape.join()) return `output ${k}: ${g.dtype}${g.shape} vs ${w.dtype}${w.shape}`;
    const d = diff(g.data, w.data, w.dtype !== 'float32' && w.dtype !== 'float64');
    if (d) return `output ${k} ${d}`;
  }
  for (const [k, w] of want.grads.entries()) {
    const g = got.grads[k] ?? null;
    if ((w === null) !== (g === null)) return `grad ${k} presence`;
    if (w !== null) {
      const d = diff(g!, w, false);
      if (d) return `grad ${k} ${d}`;
    }
  }
  return null;
}

afterAll(async () => {
  await init({ backend: 'js' });
});

describe('op-spec table on the webgpu backend agrees with js, or stops with a typed error', () => {
  const onGpu: string[] = [];
  for (const spec of SPECS)
    it(spec.name, async () => {
      let all = true;
      for (const [i, s] of spec.samples.entries()) {
        await init({ backend: 'js' });
        const want = await run(spec, s, i, false);
        await init({ backend: 'webgpu' });
        let got: Result;
        try {
          got = await run(spec, s, i, 'all').catch(async (e: { code?: string }) => {
            if (e.code === undefined || !ALLOWED.has(e.code)) throw e;
            return run(spec, s, i, 'indices on cpu');
          });
        } catch (e) {
          const code = (e as { code?: string }).code ?? String(e);
          expect(ALLOWED.has(code), `${spec.name} [${s.label}]: ${code}: ${(e as Error).message}`).toBe(true);
          if (all && process.env.LIST_GPU)
            console.log(`GPU-WHY ${JSON.stringify(spec.name)} ${code} ${(e as Error).message.slice(0, 110)}`);
          all = false;
          continue;
        }
        expect(agree(got, want), `${spec.name} [${s.label}]`).toBeNull();
      }
      if (all) onGpu.push(spec.name);
      if (process.env.LIST_GPU) console.log(`GPU-LIST ${all ? 'on' : 'off'} ${JSON.stringify(spec.name)}`);
    });
  it('the entries that run on the GPU are the ones listed', () => {
    expect(onGpu.sort()).toEqual(ON_GPU.slice().sort());
  });
});
