/**
 * F.batchNorm's fused primitives (ops/norm.ts: batchNormStats, batchNorm, batchNormGradSums,
 * batchNormGradInput) against the composed ops they replace — the js kernels are the specification:
 *   mean = x.mean(dims), var = (x − mean)².mean(dims), y = (x − mean)·rsqrt(var + eps)·w + b.
 * Tolerances: training statistics are summed once per channel in double (the composed mean sums one
 * axis at a time in float32), so float32 results agree to ~1e-5 relative; float64 to 1e-10. In eval
 * mode (constant statistics) the fused forward rounds exactly as the composed ops: same bits.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  DTypeError,
  Rng,
  ShapeError,
  exportOnnx,
  gradcheck,
  grad,
  importOnnx,
  nn,
  noGrad,
  randn,
  rand,
  type DType,
  type Tensor,
} from '../../src/index.js';
import { apply } from '../../src/tensor/tensor.js';

const F = nn.F;
const EPS = 1e-5;

function composed(x: Tensor, w: Tensor, b: Tensor, mean: Tensor | null, vari: Tensor | null): Tensor {
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bs = x.shape.map((s, i) => (i === 1 ? s : 1));
  const m = mean ? mean.reshape(bs) : x.mean(dims, true);
  const v = vari ? vari.reshape(bs) : x.sub(m).square().mean(dims, true);
  return x.sub(m).mul(v.add(EPS).rsqrt()).mul(w.reshape(bs)).add(b.reshape(bs));
}

function maxRel(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(Number(x[i]) - Number(y[i])) / Math.max(1, Math.abs(Number(y[i]))));
  return worst;
}

function setup(shape: number[], dtype: DType, seed: number) {
  const rng = new Rng(seed);
  const c = shape[1]!;
  // an offset and scale per element so the statistics are not (0, 1)
  const x = randn(shape, { rng, dtype }).mul(3).add(1.5).detach().requiresGrad_();
  const w = rand([c], { rng, dtype }).add(0.5).requiresGrad_();
  const b = randn([c], { rng, dtype }).requiresGrad_();
  const g = randn(shape, { rng, dtype });
  const rm = randn([c], { rng, dtype }).mul(0.1);
  const rv = rand([c], { rng, dtype }).add(0.5);
  return { x, w, b, g, rm, rv };
}

const SHAPES = [
  [8, 3, 5, 5],
  [16, 4],
  [4, 3, 7],
  [2, 5, 3, 2],
];

describe('fused batch norm = the composed ops', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    const tol = dtype === 'float32' ? 2e-5 : 1e-10;
    for (const shape of SHAPES) {
      it(`training ${dtype} [${shape}]: output, input/weight/bias gradients and running statistics`, () => {
        const { x, w, b, g, rm, rv } = setup(shape, dtype, 7);
        const rm2 = rm.clone();
        const rv2 = rv.clone();
        const y = F.batchNorm(x, rm, rv, { weight: w, bias: b, training: true, eps: EPS, momentum: 0.1 });
        const want = composed(x, w, b, null, null);
        expect(maxRel(y, want)).toBeLessThanOrEqual(tol);
        const [gx, gw, gb] = grad(y, [x, w, b], { gradOutputs: g });
        const [wx, ww, wb] = grad(want, [x, w, b], { gradOutputs: g });
        expect(maxRel(gx!, wx!)).toBeLessThanOrEqual(tol * 10);
        expect(maxRel(gw!, ww!)).toBeLessThanOrEqual(tol * 10);
        expect(maxRel(gb!, wb!)).toBeLessThanOrEqual(tol);
        // running stats: (1 − m)·old + m·batch, with the unbiased variance
        const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
        const n = x.numel() / shape[1]!;
        const bm = x.detach().mean(dims);
        const bv = x.detach().sub(x.detach().mean(dims, true)).square().mean(dims);
        expect(maxRel(rm, rm2.mul(0.9).add(bm.mul(0.1)))).toBeLessThanOrEqual(tol);
        expect(maxRel(rv, rv2.mul(0.9).add(bv.mul((0.1 * n) / (n - 1))))).toBeLessThanOrEqual(tol);
      });

      it(`eval ${dtype} [${shape}]: same bits forward; gradients match`, () => {
        const { x, w, b, g, rm, rv } = setup(shape, dtype, 11);
        const y = F.batchNorm(x, rm, rv, { weight: w, bias: b, training: false, eps: EPS });
        const want = composed(x, w, b, rm, rv);
        expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
        const [gx, gw, gb] = grad(y, [x, w, b], { gradOutputs: g });
        const [wx, ww, wb] = grad(want, [x, w, b], { gradOutputs: g });
        expect(Array.from(gx!.dataSync())).toEqual(Array.from(wx!.dataSync())); // (g·w)·invstd, as composed
        expect(maxRel(gw!, ww!)).toBeLessThanOrEqual(tol * 10);
        expect(maxRel(gb!, wb!)).toBeLessThanOrEqual(tol);
      });
    }
  }

  it('the layers take the fused path (BatchNorm2d training step = composed) and gradcheck passes in float64', () => {
    const { x, w, b } = setup([3, 2, 3, 3], 'float64', 5);
    const rm = x.detach().mean([0, 2, 3]);
    const rv = x.detach().var([0, 2, 3]);
    for (const training of [true, false]) {
      const f = (xx: Tensor, ww: Tensor, bb: Tensor) =>
        F.batchNorm(xx, training ? null : rm, training ? null : rv, { weight: ww, bias: bb, training, eps: EPS });
      expect(gradcheck(f, [x, w, b])).toBe(true);
    }
  });

  it('second derivatives (createGraph) match the composed ops', () => {
    for (const training of [true, false]) {
      const { x, w, b, g, rm, rv } = setup([4, 3, 2, 2], 'float64', 9);
      const y = F.batchNorm(x, training ? null : rm, training ? null : rv, { weight: w, bias: b, training, eps: EPS });
      const want = composed(x, w, b, training ? null : rm, training ? null : rv);
      const [gx] = grad(y, [x], { gradOutputs: g, createGraph: true });
      const [wx] = grad(want, [x], { gradOutputs: g, createGraph: true });
      // (in eval, dx = g·w·invstd does not depend on x: both sides give null there)
      const [ggx, ggw] = grad(gx!.square().sum(), [x, w], { allowUnused: true });
      const [wgx, wgw] = grad(wx!.square().sum(), [x, w], { allowUnused: true });
      expect(ggx === null).toBe(!training);
      expect(wgx === null).toBe(!training);
      if (training) expect(maxRel(ggx!, wgx!)).toBeLessThanOrEqual(1e-9);
      expect(maxRel(ggw!, wgw!)).toBeLessThanOrEqual(1e-9);
    }
  });

  it('BatchNorm2d trains through the fused ops (a training step lowers the loss)', () => {
    const rng = new Rng(3);
    const bn = new nn.BatchNorm2d(3);
    const x = randn([6, 3, 4, 4], { rng }).mul(2).add(1);
    const target = randn([6, 3, 4, 4], { rng });
    const loss = () => (bn.call(x) as Tensor).sub(target).square().mean();
    const before = loss().item();
    for (let i = 0; i < 20; i++) {
      bn.zeroGrad();
      loss().backward();
      for (const p of bn.parameters()) p.detach().copy_(p.detach().sub(p.grad!.mul(0.5)));
    }
    expect(loss().item()).toBeLessThan(before);
  });

  it('F.batchNorm outside a layer exports as BatchNormalization (eval mode)', async () => {
    const rng = new Rng(21);
    class Functional extends nn.Module {
      w = new nn.Parameter(rand([3], { rng }).add(0.5));
      b = new nn.Parameter(randn([3], { rng }));
      rm = randn([3], { rng });
      rv = rand([3], { rng }).add(0.5);
      forward(x: Tensor): Tensor {
        return F.batchNorm(x, this.rm, this.rv, { weight: this.w, bias: this.b, training: this.training, eps: EPS });
      }
    }
    const m = new Functional();
    const x = randn([2, 3, 4, 4], { rng });
    m.eval();
    const bytes = exportOnnx(m, x);
    const want = noGrad(() => m.call(x)) as Tensor;
    const back = noGrad(() => (importOnnx(bytes) as unknown as Promise<nn.Module>).then((mm) => mm.call(x) as Tensor));
    expect(Array.from((await back).dataSync())).toEqual(Array.from(want.dataSync()));
    const sess = await ort.InferenceSession.create(bytes);
    const res = await sess.run({ [sess.inputNames[0]!]: new ort.Tensor('float32', x.dataSync() as Float32Array, [2, 3, 4, 4]) });
    expect(maxRel(want.newTensor(res[sess.outputNames[0]!]!.data as Float32Array, want.shape as number[]), want)).toBeLessThanOrEqual(1e-6);
  });

  it('bad input: typed errors naming the op', () => {
    const x = randn([4, 3, 2]);
    const c3 = randn([3]);
    expect(() => apply('batchNorm', [x, randn([2]), c3, c3, c3], { eps: EPS, training: true })).toThrow(ShapeError);
    expect(() => apply('batchNorm', [x, randn([2]), c3, c3, c3], { eps: EPS, training: true })).toThrow(
      /batchNorm: weight has shape \[2\]/,
    );
    expect(() => apply('batchNorm', [x, c3.to('float64'), c3, c3, c3], { eps: EPS, training: true })).toThrow(DTypeError);
    expect(() => apply('batchNormStats', [randn([4])], {})).toThrow(ShapeError);
    expect(() => apply('batchNormStats', [randn([4, 3]).to('int32')], {})).toThrow(DTypeError);
  });
});
