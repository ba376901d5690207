/** Indexing (x.at), index assignment (x.set), in-place ops on views, and version counters. */
import { describe, expect, it } from 'vitest';
import { IndexError, StateError, Tensor, arange, noGrad, ones, tensor, zeros } from '../../src/index.js';
import { storageVersion } from '../../src/autograd/versions.js';

const f64 = (data: number[] | number[][], grad = true): Tensor => {
  const t = tensor(data as number[][], { dtype: 'float64' });
  return grad ? t.requiresGrad_() : t;
};
const arr = (t: Tensor) => Array.from(t.dataSync());

describe('indexing: x.at()', () => {
  const x = arange(24).reshape(2, 3, 4);

  it('the string and item spellings agree', () => {
    expect(x.at(':, 1').toArray()).toEqual(x.at(':', 1).toArray());
    expect(x.at('..., ::2').toArray()).toEqual(x.at('...', [null, null, 2]).toArray());
    expect(x.at('None, 1, -2:').toArray()).toEqual(x.at(null, 1, [-2]).toArray());
    expect(x.at('1, 2, 3').item()).toBe(23);
    expect(x.at('-1').toArray()).toEqual(x.at(-1).toArray());
  });

  it('basic indices give views of the same storage; index tensors and masks give copies', () => {
    const v = x.at(':, 1, 1:3');
    expect(v.shape).toEqual([2, 2]);
    expect(v.storage).toBe(x.storage);
    expect(v.toArray()).toEqual([
      [5, 6],
      [17, 18],
    ]);
    const c = x.at(tensor(Int32Array.from([1, 0, 1])));
    expect(c.shape).toEqual([3, 3, 4]);
    expect(c.storage).not.toBe(x.storage);
    const m = x.at(x.gt(20));
    expect(m.toArray()).toEqual([21, 22, 23]);
    // a 0-d mask adds an axis of size 1 (true) or 0 (false)
    expect(x.at(tensor(true)).shape).toEqual([1, 2, 3, 4]);
    expect(x.at(tensor(false)).shape).toEqual([0, 2, 3, 4]);
  });

  it('paired index tensors broadcast; separated ones move to the front (NumPy rule)', () => {
    const i = tensor(Int32Array.from([0, 1]));
    const j = tensor(Int32Array.from([2, 0]));
    expect(x.at(i, j).toArray()).toEqual([
      [8, 9, 10, 11],
      [12, 13, 14, 15],
    ]);
    expect(x.at(':', j, i).toArray()).toEqual([
      [8, 1],
      [20, 13],
    ]); // x[a, j[k], i[k]]
    expect(x.at(i, ':', j).shape).toEqual([2, 3]);
  });

  it('bad indices are IndexErrors naming the dim, the index and the size', () => {
    expect(() => x.at(':, 3')).toThrow(IndexError);
    expect(() => x.at(':, 3')).toThrow('index 3 is out of bounds for dimension 1 with size 3');
    expect(() => x.at('0, 0, -5')).toThrow('index -5 is out of bounds for dimension 2 with size 4');
    expect(() => x.at(tensor(Int32Array.from([2])))).toThrow('index 2 is out of bounds for dimension 0 with size 2');
  });

  it('gradients flow back; repeated indices accumulate', () => {
    const w = f64([1, 2, 3]);
    w.at(tensor(Int32Array.from([0, 2, 0, 0])))
      .sum()
      .backward();
    expect(arr(w.grad!)).toEqual([3, 0, 1]);
    const m = f64([
      [1, 2],
      [3, 4],
    ]);
    m.at(':, 1').mul(2).sum().backward();
    expect(arr(m.grad!)).toEqual([0, 2, 0, 2]);
  });
});

describe('index assignment: x.set()', () => {
  it("the tutorial's tensor[:, 1] = 0", () => {
    const t = ones(4, 4);
    t.set(':, 1', 0);
    expect(t.toArray()).toEqual([
      [1, 0, 1, 1],
      [1, 0, 1, 1],
      [1, 0, 1, 1],
      [1, 0, 1, 1],
    ]);
  });

  it('broadcasts the value, writes through views and masks, accepts index tensors', () => {
    const t = zeros(3, 4);
    t.set('1:, ::2', tensor([7, 8]));
    expect(t.toArray()).toEqual([
      [0, 0, 0, 0],
      [7, 0, 8, 0],
      [7, 0, 8, 0],
    ]);
    const row = t.at(0);
    row.set('1:3', 5); // through a view into t
    expect(t.at(0).toArray()).toEqual([0, 5, 5, 0]);
    t.set(t.eq(0), -1);
    expect(t.toArray()).toEqual([
      [-1, 5, 5, -1],
      [7, -1, 8, -1],
      [7, -1, 8, -1],
    ]);
    t.set(tensor(Int32Array.from([2, 0])), tensor([[1, 2, 3, 4]]));
    expect(t.toArray()).toEqual([
      [1, 2, 3, 4],
      [7, -1, 8, -1],
      [1, 2, 3, 4],
    ]);
  });

  it('gradients reach both the source and the assigned value', () => {
    const x = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const v = f64([10, 20]);
    const y = x.mul(1);
    y.set(':, 1', v);
    y.mul(
      tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: 'float64' },
      ),
    )
      .sum()
      .backward();
    expect(arr(x.grad!)).toEqual([1, 0, 3, 4, 0, 6]);
    expect(arr(v.grad!)).toEqual([2, 5]);
  });

  it('a value with history written into a tensor without one gives it a history', () => {
    const w = f64([1, 2]);
    const buf = zeros([2, 2], { dtype: 'float64' });
    buf.set(1, w.mul(3));
    expect(buf.requiresGrad).toBe(true);
    buf.sum().backward();
    expect(arr(w.grad!)).toEqual([3, 3]);
  });
});

describe('in-place ops on non-contiguous views', () => {
  it('a non-contiguous root (a detached transposed alias) gets a history too', () => {
    const base = zeros([3, 2], { dtype: 'float64' });
    const r = base.t().detach(); // [2,3], strides [1,2], no view base recorded
    const w = f64([1, 2, 3]);
    r.set(1, w.mul(2));
    expect(base.toArray()).toEqual([
      [0, 2],
      [0, 4],
      [0, 6],
    ]);
    r.mul(
      tensor(
        [
          [1, 1, 1],
          [1, 10, 100],
        ],
        { dtype: 'float64' },
      ),
    )
      .sum()
      .backward();
    expect(arr(w.grad!)).toEqual([2, 20, 200]);
  });

  it("fill_, copy_, zero_, mul_, add_ on select/narrow/transposed views (the issue's failing list)", () => {
    const x = ones(4, 4);
    x.select(1, 1).fill_(0);
    x.narrow(1, 2, 1).copy_(tensor([[2], [3], [4], [5]]));
    x.t().at(3).mul_(10);
    x.at('::2').add_(1);
    x.at(3, '1:3').zero_();
    expect(x.toArray()).toEqual([
      [2, 1, 3, 11],
      [1, 0, 3, 10],
      [2, 1, 5, 11],
      [1, 0, 0, 10],
    ]);
  });

  it('overlapping source and target read the old values first', () => {
    const x = arange(5);
    x.at('1:').copy_(x.at(':-1'));
    expect(arr(x)).toEqual([0, 0, 1, 2, 3]);
  });

  it('in-place on a view of a graph tensor is recorded (gradients through the base)', () => {
    const x = f64([
      [1, 2],
      [3, 4],
    ]);
    const y = x.mul(2);
    y.at(':, 0').mul_(y.at(':, 1').clone());
    y.sum().backward();
    // col 0 = 4·x0·x1, col 1 = 2·x1 → d/dx0 = 4·x1, d/dx1 = 4·x0 + 2
    expect(arr(x.grad!)).toEqual([8, 6, 16, 14]);
    // without the clone, mul_ saved a view of the storage it then overwrote: refused, as PyTorch does
    const x2 = f64([
      [1, 2],
      [3, 4],
    ]);
    const y2 = x2.mul(2);
    y2.at(':, 0').mul_(y2.at(':, 1'));
    expect(() => y2.sum().backward()).toThrow(/has been modified by an inplace operation/);
  });

  it('a node recorded before the write keeps the old history', () => {
    const x = f64([1, 2]);
    const t = x.mul(2);
    const z = t.add(1); // recorded against t's history before the write
    t.mul_(3);
    z.sum().add(t.sum()).backward();
    expect(arr(x.grad!)).toEqual([8, 8]);
    expect(arr(z)).toEqual([3, 5]);
  });

  it('optimizer-style updates of leaves still work under noGrad; outside it they are refused', () => {
    const w = f64([1, 2]);
    noGrad(() => w.at(0).sub_(0.5));
    expect(arr(w)).toEqual([0.5, 2]);
    expect(() => w.at(0).sub_(0.5)).toThrow(StateError);
  });
});

describe('version counters', () => {
  it('every in-place write bumps the storage version, through any view or alias', () => {
    const x = zeros(3);
    const v0 = storageVersion(x);
    x.at(1).fill_(2);
    x.detach().add_(1);
    x.set('0', 3);
    expect(storageVersion(x)).toBe(v0 + 3);
  });

  it("a value saved for backward, modified through a view, fails backward with PyTorch's message", () => {
    const x = f64([
      [0.5, 1],
      [1.5, 2],
    ]);
    const s = x.sigmoid(); // sigmoid's gradient reads its output
    s.at(0).mul_(2);
    let err: Error | null = null;
    try {
      s.sum().backward();
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(StateError);
    expect(err!.message).toContain('one of the variables needed for gradient computation has been modified by an inplace operation');
    expect(err!.message).toMatch(
      /\[float64 \[2,2\]\], which is output 0 of <SigmoidBackward>, is at version 1; expected version 0 instead/,
    );
  });

  it('an input saved by mul and then modified is detected too; add, which saves nothing, is not', () => {
    const x = f64([1, 2]);
    const a = x.mul(1);
    const b = a.mul(x); // saves a
    a.add_(1);
    expect(() => b.sum().backward()).toThrow(/input 0 of <MulBackward>, is at version 1; expected version 0/);
    const y = f64([1, 2]);
    const c = y.mul(1);
    const d = c.add(y); // saves nothing
    c.add_(1);
    d.sum().backward();
    expect(arr(y.grad!)).toEqual([2, 2]);
  });
});

describe('edge cases', () => {
  it('vectorNorm of an all-zero slice has a zero gradient (as PyTorch), flip of a 0-d tensor is a copy', async () => {
    const { linalg } = await import('../../src/index.js');
    const z = tensor(
      [
        [0, 0],
        [3, 4],
      ],
      { dtype: 'float64' },
    ).requiresGrad_();
    linalg.vectorNorm(z, 2, 1).sum().backward();
    const gz = arr(z.grad!);
    expect(gz.slice(0, 2)).toEqual([0, 0]);
    expect(gz[2]).toBeCloseTo(0.6, 12);
    expect(gz[3]).toBeCloseTo(0.8, 12);
    const z3 = tensor([0, 0], { dtype: 'float64' }).requiresGrad_();
    linalg.vectorNorm(z3, 3).backward();
    expect(arr(z3.grad!)).toEqual([0, 0]);
    expect(tensor(3).flip(0).item()).toBe(3);
  });
});
