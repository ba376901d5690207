/**
 * `.grad` adopts a fresh incoming gradient instead of copying it (as PyTorch's AccumulateGrad steals an
 * unshared one) — but never one that anything else can hold: another leaf's `.grad`, a hook, a
 * retained intermediate gradient, or the caller's `backward(gradient)`. Each case below must end with
 * the leaf owning storage nobody else has.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const leaf = (v: number[]) => tensor(v, { requiresGrad: true });

describe('gradient adoption never aliases', () => {
  it('values are right and a lone leaf owns its gradient', () => {
    const x = leaf([1, 2, 3]);
    x.mul(x).sum().backward();
    expect(Array.from(x.grad!.storage)).toEqual([2, 4, 6]);
    expect(x.grad!.requiresGrad).toBe(false);
  });

  it('two leaves handed the same gradient (add) get separate storage', () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    a.add(b)
      .mul(tensor([5, 6]))
      .sum()
      .backward();
    expect(a.grad!.storage).not.toBe(b.grad!.storage);
    a.grad!.storage[0] = 100;
    expect(b.grad!.storage[0]).toBe(5);
  });

  it("backward(gradient): a leaf reached unchanged copies the caller's tensor", () => {
    const x = leaf([1, 2, 3]);
    const g = tensor([7, 8, 9]);
    x.clone().backward(g);
    expect(x.grad!.storage).not.toBe(g.storage);
    g.storage[0] = -1;
    expect(x.grad!.storage[0]).toBe(7);
  });

  it('a hook that keeps the gradient does not share it with the leaf', () => {
    const x = leaf([1, 2, 3, 4]);
    const y = x.reshape(2, 2); // reshape passes the hook's gradient back as a view of it
    let kept: Tensor | null = null;
    y.registerHook((g) => {
      kept = g;
    });
    y.mul(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    )
      .sum()
      .backward();
    expect(kept).not.toBeNull();
    // x's gradient is y's reshaped back (same values); it must not be the hook's storage
    expect(x.grad!.storage).not.toBe(kept!.storage);
    x.grad!.storage[0] = 42;
    expect(kept!.storage[0]).toBe(1);
  });

  it('a retained intermediate gradient and a leaf gradient are separate', () => {
    const x = leaf([1, 2]);
    const y = x.add(tensor([0, 0]));
    y.retainGrad();
    y.mul(tensor([3, 4]))
      .sum()
      .backward();
    expect(Array.from(y.grad!.storage)).toEqual([3, 4]);
    expect(Array.from(x.grad!.storage)).toEqual([3, 4]);
    expect(x.grad!.storage).not.toBe(y.grad!.storage);
  });

  it('accumulation over two backward passes adds into a new tensor', () => {
    const x = leaf([1, 2]);
    x.mul(tensor([2, 2]))
      .sum()
      .backward();
    const first = x.grad!;
    x.mul(tensor([3, 3]))
      .sum()
      .backward();
    expect(Array.from(x.grad!.storage)).toEqual([5, 5]);
    expect(Array.from(first.storage)).toEqual([2, 2]);
  });
});
