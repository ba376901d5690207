/**
 * A view made before an in-place write to its storage through another tensor (its base, or another
 * view) reads the write in its gradient, as PyTorch regenerates such a view's grad_fn from its base's
 * (AsStridedBackward). Every expected value was computed with PyTorch 1.13 (the statements are in
 * each test's comment).
 */
import { describe, expect, it } from 'vitest';
import { arange, noGrad, tensor, zeros } from '../../src/index.js';
import { grad } from '../../src/tensor/autograd.js';

const list = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

describe('views made before an in-place write to their storage', () => {
  it('a slice of the written base carries the write: leaf.grad [3, 3, 0, 0]', () => {
    // leaf = tensor([1., 2, 3, 4], requires_grad=True); x = leaf * 1; v = x[:2]; x.mul_(3); v.sum().backward()
    const leaf = tensor([1, 2, 3, 4], { requiresGrad: true });
    const x = leaf.mul(1);
    const v = x.narrow(0, 0, 2);
    x.mul_(3);
    expect(list(v)).toEqual([3, 6]);
    v.sum().backward();
    expect(list(leaf.grad!)).toEqual([3, 3, 0, 0]);
  });

  it('backward() on a stale 0-d view: [0, 5, 0]', () => {
    // x = leaf * 1; v = x.select(0, 1); x.mul_(5); v.backward()
    const leaf = tensor([1, 2, 3], { requiresGrad: true });
    const x = leaf.mul(1);
    const v = x.select(0, 1);
    x.mul_(5);
    v.backward();
    expect(list(leaf.grad!)).toEqual([0, 5, 0]);
  });

  it('a write through one view reaches another view of the same base: [10, 10, 1, 1]', () => {
    // a = x.narrow(0, 0, 2); b = x.view(2, 2); a.mul_(10); b.sum().backward()
    const leaf = tensor([1, 2, 3, 4], { requiresGrad: true });
    const x = leaf.mul(1);
    const a = x.narrow(0, 0, 2);
    const b = x.view([2, 2]);
    a.mul_(10);
    b.sum().backward();
    expect(list(leaf.grad!)).toEqual([10, 10, 1, 1]);
  });

  it('a transposed view of a base whose row was written', () => {
    // leaf = arange(6.).reshape(2, 3); x = leaf * 1; t = x.t(); x[0].mul_(2); (t * arange(6.).reshape(3, 2)).sum().backward()
    const leaf = arange(6).reshape([2, 3]).float().requiresGrad_();
    const x = leaf.mul(1);
    const t = x.t();
    x.select(0, 0).mul_(2);
    t.mul(arange(6).reshape([3, 2]).float())
      .sum()
      .backward();
    expect(list(leaf.grad!)).toEqual([0, 4, 8, 1, 3, 5]);
  });

  it('a view of a tensor without history that a write gives one: requiresGrad, and w.grad [2, 2]', () => {
    // z = zeros(4); v = z.narrow(0, 1, 2); z.narrow(0, 1, 2).copy_(w); y = (v * 2).sum()
    const w = tensor([7, 8], { requiresGrad: true });
    const z = zeros([4]);
    const v = z.narrow(0, 1, 2);
    expect(v.requiresGrad).toBe(false);
    z.narrow(0, 1, 2).copy_(w);
    const y = v.mul(2).sum();
    expect(y.requiresGrad).toBe(true);
    y.backward();
    expect(list(w.grad!)).toEqual([2, 2]);
  });

  it('a view of a leaf updated under noGrad (an optimizer step) still leads to the leaf', () => {
    // w = tensor([1., 2, 3], requires_grad=True); v = w[1:]; with no_grad: w.mul_(2); (v * v).sum().backward()
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const v = w.narrow(0, 1, 2);
    noGrad(() => w.mul_(2));
    expect(list(v)).toEqual([4, 6]);
    v.mul(v).sum().backward();
    expect(list(w.grad!)).toEqual([0, 8, 12]);
  });

  it('second derivatives through a rebuilt view', () => {
    // x = leaf * 1; v = x[:2]; x.mul_(leaf); y = (v ** 3).sum(); g = grad(y, leaf, create_graph=True) → [6, 192, 0];
    // g.sum().backward() → leaf.grad [30, 480, 0]
    const leaf = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const x = leaf.mul(1);
    const v = x.narrow(0, 0, 2);
    x.mul_(leaf);
    const [g] = grad(v.pow(3).sum(), [leaf], { createGraph: true });
    expect(list(g!)).toEqual([6, 192, 0]);
    g!.sum().backward();
    expect(list(leaf.grad!)).toEqual([30, 480, 0]);
  });

  it('leaves the history alone when nothing was written, and for views made after the write', () => {
    const leaf = tensor([1, 2], { requiresGrad: true });
    const x = leaf.mul(3);
    const before = x.view([2]);
    const fn = before.gradFn;
    before.sum();
    expect(before.gradFn).toBe(fn);
    x.mul_(2);
    const after = x.view([2]);
    const fnAfter = after.gradFn;
    after.sum().backward();
    expect(after.gradFn).toBe(fnAfter);
    expect(list(leaf.grad!)).toEqual([6, 6]);
  });
});
