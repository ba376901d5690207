import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  Rng,
  ShapeError,
  StateError,
  Tensor,
  ValueError,
  arange,
  eye,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  rand,
  randLike,
  randn,
  randnLike,
  randint,
  randperm,
  tensor,
  where,
  zeros,
  zerosLike,
} from '../../src/index.js';

const arr = (t: Tensor) => Array.from(t.dataSync());

describe('creation', () => {
  it('tensor() from nested arrays: plain numbers → float32, booleans → bool, shape inferred', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([true, false]).toArray()).toEqual([true, false]);
    expect(tensor(2.5).shape).toEqual([]);
    expect(tensor(2.5).item()).toBe(2.5);
    expect(tensor([1, 2], { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('tensor() from typed arrays keeps the dtype and takes a shape', () => {
    const t = tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(t.dtype).toBe('float64');
    expect(t.shape).toEqual([3, 2]);
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(() => tensor(new Float32Array(5), { shape: [2, 3] })).toThrow(ShapeError);
  });

  it('ragged or non-numeric nested arrays are rejected with the location', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => tensor([1, 'a' as unknown as number])).toThrow(ValueError);
  });

  it('zeros / ones / full / *Like', () => {
    expect(arr(zeros(2, 3))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(zeros([2, 3]).shape).toEqual([2, 3]);
    expect(ones([2], { dtype: 'int32' }).dtype).toBe('int32');
    expect(arr(full([2, 2], 7))).toEqual([7, 7, 7, 7]);
    const like = tensor([[1, 2]], { dtype: 'float64' });
    expect(zerosLike(like).dtype).toBe('float64');
    expect(arr(onesLike(like))).toEqual([1, 1]);
    expect(arr(fullLike(like, 3))).toEqual([3, 3]);
    expect(() => zeros([2, -1])).toThrow(ValueError);
  });

  it('arange / linspace / eye', () => {
    expect(arange(5).dtype).toBe('int32');
    expect(arr(arange(5))).toEqual([0, 1, 2, 3, 4]);
    expect(arr(arange(2, 8, 3))).toEqual([2, 5]);
    expect(arr(arange(3, 0, -1))).toEqual([3, 2, 1]);
    expect(arange(0, 1, 0.25).dtype).toBe('float32');
    expect(arr(arange(0, 1, 0.25))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(() => arange(0, 1, 0)).toThrow(ValueError);
    expect(arr(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(arr(linspace(2, 2, 1))).toEqual([2]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('rand / randn / randint / randperm / randLike are seeded and shaped', () => {
    const r = rand([3, 4], { rng: new Rng(1) });
    expect(r.shape).toEqual([3, 4]);
    expect(arr(r).every((v) => v >= 0 && v < 1)).toBe(true);
    expect(randn([2], { dtype: 'float64', rng: new Rng(1) }).dtype).toBe('float64');
    expect(randint(0, 3, [10], { rng: new Rng(1) }).dtype).toBe('int32');
    expect(arr(randperm(5, { rng: new Rng(2) })).sort()).toEqual([0, 1, 2, 3, 4]);
    const like = zeros([2, 2], { dtype: 'float64' });
    expect(randLike(like).dtype).toBe('float64');
    expect(randnLike(like, { rng: new Rng(4) }).shape).toEqual([2, 2]);
    expect(() => rand([2], { dtype: 'int32' })).toThrow(ValueError);
    expect(() => randint(3, 3, [2])).toThrow(ValueError);
  });

  it('requiresGrad option on creation', () => {
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(tensor([1], { requiresGrad: true }).isLeaf).toBe(true);
  });
});

describe('dtypes: promotion and casts', () => {
  it('binary ops promote bool < int32 < float32 < float64', () => {
    const b = tensor([true, false]);
    const i = tensor([1, 2], { dtype: 'int32' });
    const f = tensor([1, 2]);
    const d = tensor([1, 2], { dtype: 'float64' });
    expect(i.add(b).dtype).toBe('int32');
    expect(i.add(f).dtype).toBe('float32');
    expect(f.add(d).dtype).toBe('float64');
    expect(i.mul(d).dtype).toBe('float64');
  });

  it('JS numbers never widen a float tensor; a fractional number makes an int tensor float32', () => {
    expect(tensor([1, 2]).add(1e10).dtype).toBe('float32');
    expect(tensor([1, 2], { dtype: 'int32' }).add(2).dtype).toBe('int32');
    expect(tensor([1, 2], { dtype: 'int32' }).add(0.5).dtype).toBe('float32');
    expect(tensor([1, 2], { dtype: 'int32' }).mul(0.5).toArray()).toEqual([0.5, 1]);
  });

  it('a 0-d tensor does not widen a dimensioned tensor of its category (PyTorch result_type)', () => {
    const f = tensor([1, 2]);
    const d0 = tensor(2, { dtype: 'float64' });
    expect(f.mul(d0).dtype).toBe('float32');
    expect(d0.mul(f).dtype).toBe('float32');
    expect(where(tensor([true, false]), f, d0).dtype).toBe('float32');
    expect(tensor([1, 2], { dtype: 'int32' }).mul(tensor(1.5)).dtype).toBe('float32'); // higher category promotes
    expect(tensor(1, { dtype: 'float64' }).add(tensor(1)).dtype).toBe('float64'); // both 0-d: ordinary promotion
    expect(f.add(tensor([1], { dtype: 'float64' })).dtype).toBe('float64'); // 1-element but 1-D: promotes
    // and gradients come back in each input's dtype
    const x = tensor([1, 2], { requiresGrad: true });
    const s = tensor(3, { dtype: 'float64', requiresGrad: true });
    x.mul(s).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(s.grad!.dtype).toBe('float64');
    expect(s.grad!.item()).toBe(3);
  });

  it('comparisons give bool', () => {
    const c = tensor([1, 2, 3]).gt(tensor([2, 2, 2]));
    expect(c.dtype).toBe('bool');
    expect(c.toArray()).toEqual([false, false, true]);
    expect(tensor([1, 2]).eq(2).toArray()).toEqual([false, true]);
  });

  it('casts: float → int truncates toward zero, → bool is nonzero, float64 → float32 rounds', () => {
    expect(tensor([1.7, -1.7, 2.5]).int().toArray()).toEqual([1, -1, 2]);
    expect(tensor([0, 2, -0.5]).bool().toArray()).toEqual([false, true, true]);
    expect(tensor([true, false]).float().toArray()).toEqual([1, 0]);
    expect(tensor([0.1], { dtype: 'float64' }).float().item()).toBe(Math.fround(0.1));
    expect(tensor([1], { dtype: 'int32' }).double().dtype).toBe('float64');
    const x = tensor([1, 2]);
    expect(x.to('float32')).toBe(x); // no-op cast returns the same tensor
  });

  it('float math on bool/int promotes to float32 (like torch.exp); neg of bool is refused with a hint', () => {
    expect(tensor([true]).exp().dtype).toBe('float32');
    expect(tensor([1, 2], { dtype: 'int32' }).sqrt().dtype).toBe('float32');
    expect(() => tensor([true]).neg()).toThrow(DTypeError);
    expect(() => tensor([true]).neg()).toThrow(/\.float\(\)/);
  });
});

describe('views share storage; contiguous copies', () => {
  const base = () => arange(24).float().reshape(2, 3, 4);

  it('reshape / view of a contiguous tensor, permute, transpose, expand, narrow, squeeze, unsqueeze, flatten are views', () => {
    const x = base();
    const views: [string, Tensor][] = [
      ['reshape', x.reshape(6, 4)],
      ['view', x.view(-1)],
      ['permute', x.permute(2, 0, 1)],
      ['transpose', x.transpose(0, 1)],
      ['expand', x.narrow(0, 0, 1).expand(5, 3, 4)],
      ['narrow', x.narrow(2, 1, 2)],
      ['slice', x.slice(1, 0, 3, 2)],
      ['select', x.select(1, 2)],
      ['squeeze', x.unsqueeze(0).squeeze(0)],
      ['unsqueeze', x.unsqueeze(1)],
      ['flatten', x.flatten(1)],
    ];
    for (const [name, v] of views) expect(v.storage, name).toBe(x.storage);
  });

  it('a write through storage is seen by every view', () => {
    const x = base();
    const t = x.transpose(1, 2);
    const n = x.narrow(2, 1, 2);
    x.storage[1] = 100;
    expect((t.toArray() as number[][][])[0]![1]![0]).toBe(100);
    expect((n.toArray() as number[][][])[0]![0]![0]).toBe(100);
  });

  it('views have the right strides and offsets', () => {
    const x = base();
    expect(x.strides).toEqual([12, 4, 1]);
    expect(x.permute(2, 0, 1).strides).toEqual([1, 12, 4]);
    expect(x.narrow(2, 1, 2).offset).toBe(1);
    expect(x.narrow(0, 0, 1).expand(5, 3, 4).strides[0]).toBe(0);
    expect(x.slice(1, 1, 3, 2).strides).toEqual([12, 8, 1]);
  });

  it('contiguous() copies a non-contiguous tensor and is a no-op on a contiguous one', () => {
    const x = base();
    expect(x.contiguous()).toBe(x);
    const t = x.transpose(0, 2);
    expect(t.isContiguous()).toBe(false);
    const c = t.contiguous();
    expect(c.isContiguous()).toBe(true);
    expect(c.storage).not.toBe(x.storage);
    expect(c.toArray()).toEqual(t.toArray());
    // reshape of a non-viewable layout copies; view refuses
    expect(t.reshape(-1).storage).not.toBe(x.storage);
    expect(() => t.view(-1)).toThrow(ShapeError);
  });

  it('clone copies; detach shares', () => {
    const x = tensor([1, 2]);
    expect(x.clone().storage).not.toBe(x.storage);
    expect(x.detach().storage).toBe(x.storage);
  });

  it('toArray / dataSync read views in logical order', () => {
    const x = arange(6).reshape(2, 3);
    expect(x.t().toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(Array.from(x.t().dataSync())).toEqual([0, 3, 1, 4, 2, 5]);
    expect(x.slice(1, null, null, 2).toArray()).toEqual([
      [0, 2],
      [3, 5],
    ]);
  });
});

describe('item() and metadata', () => {
  it('item() reads a one-element tensor of any rank, including views', () => {
    expect(tensor(3).item()).toBe(3);
    expect(tensor([[4]]).item()).toBe(4);
    expect(arange(5).narrow(0, 3, 1).item()).toBe(3);
  });

  it('item() on several elements is a ValueError naming the count and shape', () => {
    expect(() => tensor([1, 2]).item()).toThrow(ValueError);
    expect(() => zeros([2, 3]).item()).toThrow(/6 elements.*\[2,3\]/);
  });

  it('size / dim / numel', () => {
    const x = zeros([2, 3, 4]);
    expect(x.size()).toEqual([2, 3, 4]);
    expect(x.size(-1)).toBe(4);
    expect(x.dim()).toBe(3);
    expect(x.numel()).toBe(24);
  });

  it('requiresGrad_ on a non-leaf cannot turn it off', () => {
    const x = tensor([1], { requiresGrad: true });
    expect(() => x.mul(2).requiresGrad_(false)).toThrow(StateError);
  });
});

describe('printing looks like PyTorch', () => {
  it('floats with 4 decimals, aligned, rows on new lines', () => {
    expect(
      tensor([
        [1.5, -2],
        [3, 4],
      ]).toString(),
    ).toBe('tensor([[ 1.5000, -2.0000],\n        [ 3.0000,  4.0000]])');
  });
  it('integral floats print with a trailing dot; ints and bools plainly', () => {
    expect(tensor([1, 2]).toString()).toBe('tensor([1., 2.])');
    expect(tensor([1, 2, 3], { dtype: 'int32' }).toString()).toBe('tensor([1, 2, 3])');
    expect(tensor([true, false]).toString()).toBe('tensor([ true, false])');
  });
  it('0-d, float64 dtype, scientific notation, non-finite values', () => {
    expect(tensor(3.25).toString()).toBe('tensor(3.2500)');
    expect(tensor([0.1, 0.2], { dtype: 'float64' }).toString()).toBe('tensor([0.1000, 0.2000], dtype=float64)');
    expect(tensor([1e-5, 1, 100]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00, 1.0000e+02])');
    expect(tensor([1, NaN, Infinity, -Infinity]).toString()).toBe('tensor([1., nan, inf, -inf])');
    expect(tensor([1.5, NaN]).toString()).toBe('tensor([1.5000,    nan])');
  });
  it('gradFn and requiresGrad are shown', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.toString()).toBe('tensor([1., 2.], requiresGrad=true)');
    expect(x.mul(2).toString()).toBe('tensor([2., 4.], gradFn=<MulBackward>)');
  });
  it('large tensors are summarised with ...', () => {
    expect(arange(2000).toString()).toBe('tensor([   0,    1,    2,  ..., 1997, 1998, 1999])');
    expect(zeros([100, 100]).toString()).toBe(
      [
        'tensor([[0., 0., 0.,  ..., 0., 0., 0.],',
        ...Array(2).fill('        [0., 0., 0.,  ..., 0., 0., 0.],'),
        '        ...,',
        ...Array(2).fill('        [0., 0., 0.,  ..., 0., 0., 0.],'),
        '        [0., 0., 0.,  ..., 0., 0., 0.]])',
      ].join('\n'),
    );
  });
  it('empty tensors show their size', () => {
    expect(zeros([2, 0]).toString()).toBe('tensor([], size=[2, 0])');
  });
});

describe("PyTorch's choices at the edges", () => {
  it('argmax/argmin and max(dim) return the first of tied extremes', () => {
    const x = tensor([
      [1, 3, 3],
      [2, 2, 0],
    ]);
    expect(x.argmax(1).toArray()).toEqual([1, 0]);
    expect(x.max(1).indices.toArray()).toEqual([1, 0]);
    expect(x.argmin(1).toArray()).toEqual([0, 2]);
    expect(x.argmax().item()).toBe(1);
  });

  it('NaN propagates through max/amax and wins argmax', () => {
    expect(tensor([NaN, 1]).max().item()).toBeNaN();
    expect(tensor([1, NaN]).argmax().item()).toBe(1);
    expect(
      tensor([1, NaN])
        .maximum(tensor([0, 0]))
        .toArray(),
    ).toEqual([1, NaN]);
  });

  it('clamp with min > max gives max everywhere; NaN stays NaN', () => {
    expect(tensor([0.5, 2, -1, NaN]).clamp(1, 0).toArray()).toEqual([0, 0, 0, NaN]);
  });

  it('var/std of one element with correction 1 is NaN; with correction 0 it is 0', () => {
    expect(tensor([5]).std().item()).toBeNaN();
    expect(tensor([5]).var(undefined, { correction: 0 }).item()).toBe(0);
  });

  it('integer division is true division; integer sums stay integers', () => {
    expect(
      tensor([3, 4], { dtype: 'int32' })
        .div(tensor([2, 8], { dtype: 'int32' }))
        .toArray(),
    ).toEqual([1.5, 0.5]);
    expect(tensor([1, 2], { dtype: 'int32' }).sum().dtype).toBe('int32');
  });
});
