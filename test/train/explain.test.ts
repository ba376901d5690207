import { describe, expect, it } from 'vitest';
import { Module, Parameter } from '../../src/nn/module.js';
import { Rng } from '../../src/core/rng.js';
import { randn } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/mode.js';
import { ShapeError, ValueError } from '../../src/core/errors.js';
import { saliency, integratedGradients, attributionImage } from '../../src/train/explain.js';
import { encodePNG } from '../../src/viz/image.js';
import { PNG } from 'pngjs';

/** A small nonlinear float64 net: x [N,1,4,4] → flatten → tanh(W1 x) → W2 → [N,3]. */
class Net extends Module {
  w1: Parameter;
  w2: Parameter;
  constructor() {
    super();
    const rng = new Rng(3);
    this.w1 = new Parameter(randn([8, 16], { rng, dtype: 'float64' }).mul(0.5));
    this.w2 = new Parameter(randn([3, 8], { rng, dtype: 'float64' }));
  }
  forward(x: Tensor): Tensor {
    return x.flatten(1).matmul(this.w1.t()).tanh().matmul(this.w2.t());
  }
}

describe('saliency', () => {
  const model = new Net();
  const x = randn([2, 1, 4, 4], { rng: new Rng(9), dtype: 'float64' });
  const target = [2, 0];

  it('equals central finite differences of the class score', () => {
    const s = saliency(model, x, target, { abs: false });
    expect(s.shape).toEqual([2, 1, 4, 4]);
    const g = s.dataSync();
    const base = x.dataSync() as Float64Array;
    const eps = 1e-6;
    const score = (data: Float64Array, i: number): number =>
      noGrad(() => model.call(new Tensor(data, x.shape, 'float64')).dataSync()[i * 3 + target[i]!] as number);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 16; j++) {
        const k = i * 16 + j;
        const p = base.slice();
        const m = base.slice();
        p[k]! += eps;
        m[k]! -= eps;
        const num = (score(p, i) - score(m, i)) / (2 * eps);
        expect(Math.abs(num - g[k]!)).toBeLessThan(1e-7 + 1e-5 * Math.abs(num));
      }
    // abs variant and no gradient left on the parameters
    const a = saliency(model, x, target).dataSync();
    a.forEach((v, i) => expect(v).toBeCloseTo(Math.abs(g[i]!), 12));
    expect(model.w1.grad).toBeNull();
  });

  it('checks targets and shapes', () => {
    expect(() => saliency(model, x, 3)).toThrow(ValueError);
    expect(() => saliency(model, x, [1])).toThrow(ShapeError);
  });
});

describe('integrated gradients', () => {
  const model = new Net();
  const x = randn([2, 1, 4, 4], { rng: new Rng(4), dtype: 'float64' });
  it('satisfies completeness: sum of attributions = F(x) − F(baseline)', () => {
    const { attributions, delta } = integratedGradients(model, x, [1, 2], { steps: 200 });
    expect(attributions.shape).toEqual([2, 1, 4, 4]);
    for (const d of delta) expect(Math.abs(d)).toBeLessThan(1e-3);
    const coarse = integratedGradients(model, x, [1, 2], { steps: 2 });
    expect(Math.max(...coarse.delta.map(Math.abs))).toBeGreaterThan(Math.max(...delta.map(Math.abs)));
  });
  it('for a linear model equals (x − x′) ⊙ w exactly', () => {
    class Lin extends Module {
      w = new Parameter(randn([2, 3], { rng: new Rng(1), dtype: 'float64' }));
      forward(v: Tensor) {
        return v.matmul(this.w.t());
      }
    }
    const lin = new Lin();
    const v = randn([1, 3], { rng: new Rng(2), dtype: 'float64' });
    const baseline = randn([1, 3], { rng: new Rng(5), dtype: 'float64' });
    const { attributions } = integratedGradients(lin, v, 1, { baseline, steps: 3 });
    const w = lin.w.dataSync();
    const a = attributions.dataSync();
    for (let j = 0; j < 3; j++) expect(a[j]).toBeCloseTo((v.dataSync()[j]! - baseline.dataSync()[j]!) * w[3 + j]!, 12);
  });
  it('renders as a heat-map PNG', async () => {
    const { attributions } = integratedGradients(model, x, 0, { steps: 4 });
    const img = attributionImage(attributions.select(0, 0), { scale: 4 });
    expect([img.width, img.height]).toEqual([16, 16]);
    const png = PNG.sync.read(Buffer.from(await encodePNG(img)));
    expect([png.width, png.height]).toEqual([16, 16]);
    // the most-attributed pixel is the brightest (white end of 'hot')
    const att = attributions.select(0, 0).abs().amax(0).dataSync();
    let best = 0;
    att.forEach((v, i) => (v > att[best]! ? (best = i) : 0));
    const px = (Math.floor(best / 4) * 4 * 16 + (best % 4) * 4) * 4;
    expect([png.data[px], png.data[px + 1], png.data[px + 2]]).toEqual([255, 255, 255]);
  });
});
