import { describe, expect, it } from 'vitest';
import { DTypeError, Rng, Tensor, ValueError, gradcheck, nn, ones, randn, tensor } from '../../src/index.js';

const F = nn.functional;

describe('gradcheck itself', () => {
  it('catches a wrong gradient (a hook that scales it by 1.5) with a typed error', () => {
    const x = randn([3], { dtype: 'float64', rng: new Rng(1) }).requiresGrad_();
    const broken = (t: Tensor) => {
      const y = t.mul(2);
      if (y.requiresGrad) y.registerHook((g) => g.mul(1.5)); // only while autograd records
      return y;
    };
    let err: unknown;
    try {
      gradcheck(broken, [x]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValueError);
    expect((err as ValueError).code).toBe('E_GRADCHECK');
    expect((err as Error).message).toMatch(/numerical .*analytical/);
    expect(gradcheck(broken, [x], { raiseException: false })).toBe(false);
    expect(gradcheck((t) => t.mul(2), [x])).toBe(true);
  });

  it('refuses float32 inputs that require grad', () => {
    expect(() => gradcheck((t) => t.exp(), [tensor([1], { requiresGrad: true })])).toThrow(DTypeError);
  });
});

describe('dropout (seeded; tested statistically, as the reference README asks)', () => {
  const x = ones([200, 100]);

  it('zeroes a fraction ≈ p and scales survivors by 1/(1−p)', () => {
    for (const p of [0.1, 0.5, 0.8]) {
      const y = Array.from(F.dropout(x, p, true, new Rng(3)).dataSync());
      const zeros = y.filter((v) => v === 0).length / y.length;
      expect(Math.abs(zeros - p)).toBeLessThan(0.02);
      for (const v of y) if (v !== 0) expect(v).toBeCloseTo(1 / (1 - p), 5);
    }
  });

  it('is the identity in eval mode and for p = 0; p = 1 zeroes everything', () => {
    expect(F.dropout(x, 0.5, false)).toBe(x);
    expect(F.dropout(x, 0, true)).toBe(x);
    expect(Array.from(F.dropout(x, 1, true).dataSync()).every((v) => v === 0)).toBe(true);
  });

  it('the same seed gives the same mask; the gradient uses the forward mask', () => {
    const a = F.dropout(x, 0.3, true, new Rng(5));
    const b = F.dropout(x, 0.3, true, new Rng(5));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const xi = randn([50], { rng: new Rng(2) }).requiresGrad_();
    const y = F.dropout(xi, 0.4, true, new Rng(8));
    y.sum().backward();
    const yv = Array.from(y.dataSync());
    const gv = Array.from(xi.grad!.dataSync());
    yv.forEach((v, i) => expect(gv[i]).toBeCloseTo(v === 0 ? 0 : 1 / 0.6, 5));
  });
});

describe('embedding paddingIdx', () => {
  it('the padding row gets no gradient; other rows accumulate per use', () => {
    const w = randn([4, 2], { rng: new Rng(1) }).requiresGrad_();
    const idx = tensor([0, 2, 0, 2, 3], { dtype: 'int32' });
    F.embedding(idx, w, { paddingIdx: 0 }).sum().backward();
    expect(w.grad!.toArray()).toEqual([
      [0, 0],
      [0, 0],
      [2, 2],
      [1, 1],
    ]);
  });
});

describe('batchNorm running statistics', () => {
  it('update in place with momentum and the unbiased variance; eval uses them', () => {
    const x = tensor([
      [1, 2],
      [3, 6],
      [5, 10],
    ]);
    const rm = tensor([0, 0]);
    const rv = tensor([1, 1]);
    F.batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
    expect(Array.from(rm.dataSync())).toEqual([1.5, 3]);
    // unbiased var of [1,3,5] = 4, of [2,6,10] = 16
    expect(Array.from(rv.dataSync())).toEqual([2.5, 8.5]);
    const y = F.batchNorm(tensor([[1.5, 3]]), rm, rv, { training: false, eps: 0 });
    expect(Array.from(y.dataSync())).toEqual([0, 0]);
  });
});

describe('convTranspose2d is the adjoint of conv2d', () => {
  it('equals the gradient of conv2d with respect to its input (groups, stride, padding, dilation, outputPadding)', () => {
    const rng = new Rng(4);
    const opts = { stride: 2, padding: 1, dilation: 2, groups: 2 } as const;
    const w = randn([4, 3, 3, 2], { dtype: 'float64', rng }); // conv2d: Cout 4, Cin/groups 3 → Cin 6
    const inShape = [2, 6, 8, 7];
    const x = randn([2, 4, 3, 4], { dtype: 'float64', rng }); // lives where conv2d's output does
    const y = randn(inShape, { dtype: 'float64', rng }).mul(0).requiresGrad_();
    F.conv2d(y, w, null, opts).mul(x).sum().backward();
    // conv2d maps 8x7 → 3x4 here; the transposed conv maps back to 7x7 plus outputPadding (1, 0)
    const t = F.convTranspose2d(x, w, null, { ...opts, outputPadding: [1, 0] });
    expect(t.shape).toEqual(inShape);
    const a = Array.from(t.dataSync());
    const b = Array.from(y.grad!.dataSync());
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
  });
});
