/**
 * grad() (torch.autograd.grad) and second derivatives: the gradient of a gradient, checked by
 * finite differences of the first gradient ("gradgradcheck"), for the ops whose gradient rules use
 * gradient primitives of their own (conv, pooling, gelu) and some composites.
 */
import { describe, expect, it } from 'vitest';
import { NotSupportedError, Rng, ShapeError, StateError, Tensor, enableGrad, gradcheck, nn, randn, tensor } from '../../src/index.js';
import { grad } from '../../src/tensor/autograd.js';

const F = nn.functional;
const f64 = (v: number[], requiresGrad = true) => tensor(v, { dtype: 'float64', requiresGrad });

describe('grad()', () => {
  it('returns gradients without touching .grad', () => {
    const x = f64([1, 2]);
    const [g] = grad(x.square().sum(), [x]);
    expect(Array.from(g!.dataSync())).toEqual([2, 4]);
    expect(x.grad).toBeNull();
    expect(g!.requiresGrad).toBe(false);
  });

  it('createGraph gives differentiable gradients: d²(x³)/dx² = 6x', () => {
    const x = f64([2, -1]);
    const [g] = grad(x.pow(3).sum(), [x], { createGraph: true });
    expect(Array.from(g!.dataSync())).toEqual([12, 3]);
    expect(g!.requiresGrad).toBe(true);
    const [gg] = grad(g!.sum(), [x]);
    expect(Array.from(gg!.dataSync())).toEqual([12, -6]);
  });

  it('several outputs with gradOutputs, several inputs, allowUnused', () => {
    const a = f64([1, 2]);
    const b = f64([3]);
    const c = f64([5]);
    const [ga, gb, gc] = grad([a.mul(b), b.square()], [a, b, c], {
      gradOutputs: [tensor([1, 10], { dtype: 'float64' }), null],
      allowUnused: true,
    });
    expect(Array.from(ga!.dataSync())).toEqual([3, 30]);
    expect(Array.from(gb!.dataSync())).toEqual([1 + 20 + 6]);
    expect(gc).toBeNull();
  });

  it('typed errors: unused input, input without grad, non-scalar output, wrong gradOutputs shape', () => {
    const x = f64([1, 2]);
    const y = f64([3]);
    expect(() => grad(x.sum(), [y])).toThrow(StateError);
    expect(() => grad(x.sum(), [y])).toThrow(/allowUnused/);
    expect(() => grad(x.sum(), [tensor([1])])).toThrow(/does not require grad/);
    expect(() => grad(x.mul(2), [x])).toThrow(/gradOutputs/);
    expect(() => grad(x.mul(2), [x], { gradOutputs: [tensor([1, 2, 3])] })).toThrow(ShapeError);
  });
});

/**
 * gradcheck of x ↦ ∂(Σ f(x)·u)/∂x, i.e. of the first gradient, which needs every gradient rule that
 * f's backward uses to be differentiable itself.
 */
function gradgradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], wrt = 0): boolean {
  const u = f(...inputs.map((t) => t.detach()))
    .detach()
    .mul(0)
    .add(0.7)
    .add(randn(f(...inputs.map((t) => t.detach())).shape, { dtype: 'float64', rng: new Rng(9) }).mul(0.3));
  const first = (...xs: Tensor[]): Tensor =>
    enableGrad(() => {
      const ins = xs.map((t, i) => (i === wrt && !t.requiresGrad ? t.detach().requiresGrad_() : t));
      return grad(
        f(...ins)
          .mul(u)
          .sum(),
        [ins[wrt]!],
        { createGraph: true },
      )[0]!;
    });
  for (const t of inputs) t.requiresGrad_(true);
  return gradcheck(first, inputs);
}

describe('second derivatives (gradgradcheck)', () => {
  const rng = new Rng(21);
  const R = (...s: number[]) => randn(s, { dtype: 'float64', rng });

  it('gelu, tanh, sigmoid, softplus, elu', () => {
    for (const f of [
      (x: Tensor) => x.gelu(),
      (x: Tensor) => x.tanh(),
      (x: Tensor) => x.sigmoid(),
      (x: Tensor) => x.softplus(),
      (x: Tensor) => x.elu(),
    ])
      expect(gradgradcheck(f, [R(3, 4)])).toBe(true);
  });

  it('softmax, logSoftmax, logsumexp, layerNorm', () => {
    expect(gradgradcheck((x) => x.softmax(1), [R(2, 4)])).toBe(true);
    expect(gradgradcheck((x) => x.logSoftmax(-1), [R(2, 4)])).toBe(true);
    expect(gradgradcheck((x) => x.logsumexp(1), [R(2, 4)])).toBe(true);
    expect(gradgradcheck((x) => F.layerNorm(x, [4]), [R(2, 4)])).toBe(true);
  });

  it('matmul with respect to each operand (mixed second derivatives)', () => {
    expect(gradgradcheck((a, b) => a!.matmul(b!).square(), [R(2, 3), R(3, 2)], 0)).toBe(true);
    expect(gradgradcheck((a, b) => a!.matmul(b!).square(), [R(2, 3), R(3, 2)], 1)).toBe(true);
  });

  it('conv2d with respect to input and weight (conv gradient primitives are differentiable)', () => {
    const conv = (x: Tensor, w: Tensor) => F.conv2d(x, w, null, { stride: 2, padding: 1, groups: 2 }).tanh();
    expect(gradgradcheck(conv as (...xs: Tensor[]) => Tensor, [R(1, 4, 4, 4), R(2, 2, 3, 3)], 0)).toBe(true);
    expect(gradgradcheck(conv as (...xs: Tensor[]) => Tensor, [R(1, 4, 4, 4), R(2, 2, 3, 3)], 1)).toBe(true);
  });

  it('convTranspose2d, maxPool2d, avgPool2d', () => {
    const ct = (x: Tensor, w: Tensor) => F.convTranspose2d(x, w, null, { stride: 2 }).square();
    expect(gradgradcheck(ct as (...xs: Tensor[]) => Tensor, [R(1, 2, 2, 2), R(2, 1, 3, 3)], 0)).toBe(true);
    expect(gradgradcheck(ct as (...xs: Tensor[]) => Tensor, [R(1, 2, 2, 2), R(2, 1, 3, 3)], 1)).toBe(true);
    expect(gradgradcheck((x) => F.maxPool2d(x!.square(), 2), [R(1, 2, 4, 4)])).toBe(true);
    expect(gradgradcheck((x) => F.avgPool2d(x!.square(), 3, { stride: 1, padding: 1 }), [R(1, 1, 4, 4)])).toBe(true);
  });

  it('second derivatives through prod, zeros included (PyTorch 1.13 values)', () => {
    // x = tensor(v, float64); g = grad(x.prod(), x, create_graph=True); grad((g * [1, 2, 3]).sum(), x)
    for (const [v, g1, g2] of [
      [
        [1.5, 2, 3],
        [6, 4.5, 3],
        [12, 7.5, 5],
      ],
      [
        [1.5, 0, 3],
        [0, 4.5, 0],
        [6, 7.5, 3],
      ],
      [
        [0, 0, 3],
        [0, 0, 0],
        [6, 3, 0],
      ],
    ]) {
      const x = f64(v!);
      const [g] = grad(x.prod(), [x], { createGraph: true });
      expect(Array.from(g!.dataSync())).toEqual(g1);
      const [gg] = grad(g!.mul(tensor([1, 2, 3], { dtype: 'float64' })).sum(), [x]);
      expect(Array.from(gg!.dataSync())).toEqual(g2);
    }
    // over dim 1 of [[1, 2, 0], [3, −1, 2]], then grad((g ** 2).sum(), x)
    const x = tensor(
      [
        [1, 2, 0],
        [3, -1, 2],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const [g] = grad(x.prod(1).sum(), [x], { createGraph: true });
    expect(Array.from(g!.dataSync())).toEqual([0, 0, 2, -2, 6, -3]);
    expect(Array.from(grad(g!.square().sum(), [x])[0]!.dataSync())).toEqual([8, 4, 0, 30, -26, 40]);
    expect(gradgradcheck((t) => t!.prod(0), [R(3, 2)])).toBe(true);
  });

  it('a primitive without a gradient rule refuses to be differentiated instead of giving a silent 0', () => {
    const x = f64([1.5, 2, 3]);
    const [g] = grad(x.cumprod(0).sum(), [x]); // first order is fine
    expect(Array.from(g!.dataSync())).toEqual([1 + 2 + 6, 1.5 + 4.5, 3]);
    let err: unknown;
    try {
      // cumprod's gradient uses cumprodGrad, which has no rule of its own
      const y = f64([1.5, 2, 3]);
      grad(y.cumprod(0).sum(), [y], { createGraph: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotSupportedError);
    expect((err as NotSupportedError).code).toBe('E_NO_GRADIENT');
    expect((err as Error).message).toMatch(/cumprodGrad/);
  });
});
