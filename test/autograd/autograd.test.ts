import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  Rng,
  ShapeError,
  StateError,
  Tensor,
  detectAnomaly,
  enableGrad,
  isGradEnabled,
  noGrad,
  nn,
  randn,
  tensor,
  zeros,
} from '../../src/index.js';

const F = nn.functional;
const f64 = (v: number[] | number[][], requiresGrad = true) => tensor(v, { dtype: 'float64', requiresGrad });
const arr = (t: Tensor | null) => Array.from(t!.dataSync());

describe('autograd: backward and accumulation', () => {
  it('scalar backward gives d(sum x²)/dx = 2x', () => {
    const x = f64([1, -2, 3]);
    x.mul(x).sum().backward();
    expect(arr(x.grad)).toEqual([2, -4, 6]);
  });

  it('gradients accumulate across two backward calls', () => {
    const x = f64([1, -2, 3]);
    x.mul(x).sum().backward();
    x.mul(3).sum().backward();
    expect(arr(x.grad)).toEqual([2 + 3, -4 + 3, 6 + 3]);
  });

  it('a tensor used twice (diamond) gets the sum of both paths', () => {
    const x = f64([2]);
    const a = x.mul(3);
    const b = x.square();
    a.add(b).mul(a).sum().backward(); // (3x + x²)·3x = 9x² + 3x³ → 18x + 9x² = 36 + 36
    expect(arr(x.grad)).toEqual([72]);
  });

  it('backward with an explicit gradient (vector-Jacobian product)', () => {
    const x = f64([1, 2, 3]);
    const y = x.mul(x);
    y.backward(tensor([1, 0.5, -1], { dtype: 'float64' }));
    expect(arr(x.grad)).toEqual([2, 2, -6]);
  });

  it('a float32 explicit gradient is cast to the output dtype', () => {
    const x = f64([1, 2]);
    x.mul(2).backward(tensor([1, 1]));
    expect(x.grad!.dtype).toBe('float64');
    expect(arr(x.grad)).toEqual([2, 2]);
  });

  it('non-scalar backward without a gradient is a StateError naming the shape', () => {
    const x = f64([1, 2]);
    expect(() => x.mul(2).backward()).toThrow(StateError);
    expect(() => x.mul(2).backward()).toThrow(/\[2\]/);
  });

  it('a gradient of the wrong shape is a ShapeError naming both shapes', () => {
    const x = f64([1, 2]);
    expect(() => x.mul(2).backward(tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => x.mul(2).backward(tensor([1, 2, 3]))).toThrow(/\[3\].*\[2\]/);
  });

  it('backward on a tensor that does not require grad is a StateError', () => {
    expect(() => tensor([1, 2]).sum().backward()).toThrow(StateError);
  });

  it('integer tensors cannot require grad', () => {
    expect(() => tensor([1, 2], { dtype: 'int32' }).requiresGrad_()).toThrow(DTypeError);
  });

  it('gradients broadcast back to the input shape', () => {
    const x = f64([[1, 2, 3]]);
    const y = f64([[1], [2]]);
    x.mul(y).sum().backward();
    expect(x.grad!.shape).toEqual([1, 3]);
    expect(arr(x.grad)).toEqual([3, 3, 3]);
    expect(y.grad!.shape).toEqual([2, 1]);
    expect(arr(y.grad)).toEqual([6, 6]);
  });
});

describe('autograd: .grad is owned by its tensor', () => {
  it('two inputs of add get separate, contiguous gradients (in-place updates of one leave the other)', () => {
    const a = f64([1, 2]);
    const b = f64([3, 4]);
    a.add(b).sum().backward();
    expect(a.grad!.storage).not.toBe(b.grad!.storage);
    expect(a.grad!.isContiguous()).toBe(true); // sum's gradient is an expanded scalar view
    noGrad(() => a.grad!.mul_(10));
    expect(arr(a.grad)).toEqual([10, 10]);
    expect(arr(b.grad)).toEqual([1, 1]);
  });

  it('the gradient passed to backward() is not aliased by a leaf through a view', () => {
    const x = f64([1, 2, 3, 4]);
    const up = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    );
    x.reshape(2, 2).backward(up);
    expect(x.grad!.storage).not.toBe(up.storage);
    up.storage[0] = 100;
    expect(arr(x.grad)).toEqual([1, 2, 3, 4]);
  });

  it('a leaf gets its gradient in its own dtype, even through mixed-dtype ops', () => {
    const a = tensor([[1, 2]], { requiresGrad: true });
    const b = tensor([[3], [4]], { dtype: 'float64', requiresGrad: true });
    a.matmul(b).sum().backward();
    expect(a.grad!.dtype).toBe('float32');
    expect(b.grad!.dtype).toBe('float64');
    expect(arr(a.grad)).toEqual([3, 4]);
  });
});

describe('autograd: retainGraph and graph release', () => {
  it('a second backward without retainGraph throws StateError E_GRAPH_FREED', () => {
    const x = f64([1, 2]);
    const y = x.exp().sum();
    y.backward();
    let err: unknown;
    try {
      y.backward();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).code).toBe('E_GRAPH_FREED');
    expect((err as Error).message).toMatch(/retainGraph/);
  });

  it('retainGraph allows a second backward, which accumulates', () => {
    const x = f64([1, 2]);
    const y = x.square().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(arr(x.grad)).toEqual([4, 8]);
  });

  it('the graph is released after backward (nodes drop their inputs)', () => {
    const x = f64([1, 2]);
    const h = x.mul(2);
    const y = h.exp().sum();
    const nodes = [y.gradFn!, h.gradFn!];
    expect(nodes.every((n) => !n.released && n.inputs.length > 0)).toBe(true);
    y.backward();
    expect(nodes.every((n) => n.released && n.inputs.length === 0)).toBe(true);
  });

  it('createGraph records the backward pass (second derivative of x³ is 6x)', () => {
    const x = f64([2, -1]);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(arr(g)).toEqual([12, 3]);
    expect(g.requiresGrad).toBe(true);
    x.grad = null;
    g.sum().backward();
    expect(arr(x.grad)).toEqual([12, -6]);
  });

  it('createGraph keeps the forward graph (retainGraph defaults to it): a penalty through tanh', () => {
    // PyTorch: x.tanh().sum().backward(create_graph=True); g = x.grad; x.grad = None; g.sum().backward()
    // → x.grad = −2·tanh(x)·(1 − tanh²(x)) = [−0.72686195, 0.63969994, −0.13621867] at x = [0.5, −1, 2]
    const x = f64([0.5, -1, 2]);
    x.tanh().sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    x.grad = null;
    g.sum().backward();
    const want = [0.5, -1, 2].map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2));
    arr(x.grad).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    expect(want.map((v) => Number(v.toFixed(6)))).toEqual([-0.726862, 0.6397, -0.136219]);
  });
});

describe('autograd: detach, noGrad, enableGrad', () => {
  it('detach shares storage and cuts the graph', () => {
    const x = f64([1, 2, 3]);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    expect(d.storage).toBe(x.storage);
    x.mul(x.detach()).sum().backward(); // d/dx (x · c) = c
    expect(arr(x.grad)).toEqual([1, 2, 3]);
  });

  it('noGrad records nothing and restores the mode, even after a throw', () => {
    const x = f64([1, 2]);
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('enableGrad re-enables recording inside noGrad', () => {
    const x = f64([3]);
    const y = noGrad(() => enableGrad(() => x.square()));
    expect(y.requiresGrad).toBe(true);
    y.sum().backward();
    expect(arr(x.grad)).toEqual([6]);
    noGrad(() => expect(isGradEnabled()).toBe(false));
  });

  it('in-place writes to a tensor computed in the graph are recorded; one the graph still needs is refused at backward', () => {
    const x = f64([1, 2]);
    // exp's gradient reads its output: overwriting it makes backward refuse, naming the versions
    const y = x.exp();
    y.mul_(2);
    expect(arr(y)).toEqual([2 * Math.exp(1), 2 * Math.exp(2)]);
    let err: unknown;
    try {
      y.sum().backward();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).code).toBe('E_INPLACE_MODIFIED');
    expect((err as Error).message).toMatch(
      /one of the variables needed for gradient computation has been modified by an inplace operation: .*output 0 of <ExpBackward>, is at version 1; expected version 0 instead/,
    );
    // mul's gradient w.r.t. x does not read its output: the in-place write is part of the graph
    const x2 = f64([1, 2]);
    const z = x2.mul(3);
    z.mul_(2);
    z.sum().backward();
    expect(arr(x2.grad!)).toEqual([6, 6]);
    // a tensor outside the graph may be written
    const w = noGrad(() => x.exp());
    w.mul_(2);
    expect(arr(w)).toEqual([2 * Math.exp(1), 2 * Math.exp(2)]);
  });

  it('in-place updates of a leaf that requires grad must happen under noGrad', () => {
    const w = f64([1, 2]);
    expect(() => w.sub_(tensor([1, 1], { dtype: 'float64' }))).toThrow(StateError);
    noGrad(() => w.sub_(tensor([1, 1], { dtype: 'float64' })));
    expect(arr(w)).toEqual([0, 1]);
  });
});

describe('autograd: hooks and retainGrad', () => {
  it('registerHook sees the gradient and can replace it; removal restores the plain gradient', () => {
    const x = f64([1, 2]);
    const seen: number[][] = [];
    const remove = x.registerHook((g) => {
      seen.push(arr(g));
      return g.mul(10);
    });
    x.mul(3).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(arr(x.grad)).toEqual([30, 30]);
    remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(arr(x.grad)).toEqual([3, 3]);
    expect(seen).toHaveLength(1);
  });

  it('a hook on an intermediate tensor changes what flows upstream', () => {
    const x = f64([1, 2]);
    const h = x.mul(2);
    h.registerHook((g) => g.neg());
    h.sum().backward();
    expect(arr(x.grad)).toEqual([-2, -2]);
  });

  it('a hook returning nothing leaves the gradient unchanged (inspection, e.g. saliency)', () => {
    const x = f64([1, 2]);
    let norm = 0;
    x.registerHook((g) => {
      norm = g.square().sum().item();
    });
    x.square().sum().backward();
    expect(norm).toBe(4 + 16);
    expect(arr(x.grad)).toEqual([2, 4]);
  });

  it('hooks need a tensor that requires grad', () => {
    expect(() => tensor([1]).registerHook(() => undefined)).toThrow(StateError);
  });

  it('retainGrad keeps .grad on a non-leaf; without it non-leaves have none', () => {
    const x = f64([1, 2]);
    const h = x.mul(3).retainGrad();
    const k = h.exp();
    k.sum().backward();
    expect(h.grad).not.toBeNull();
    expect(arr(h.grad)).toEqual(arr(k.detach()));
    expect(k.grad).toBeNull();
    expect(x.isLeaf).toBe(true);
    expect(h.isLeaf).toBe(false);
  });
});

describe('autograd: anomaly mode', () => {
  it('names the op whose forward produced Inf', () => {
    const x = f64([0, 1]);
    expect(() => detectAnomaly(() => x.log())).toThrow(/anomaly: log produced Inf in its forward/);
    // off by default: the same op just returns -inf
    expect(x.log().dataSync()[0]).toBe(-Infinity);
  });

  it('names the op whose backward produced a non-finite gradient', () => {
    const x = f64([0, 1]);
    let err: unknown;
    try {
      detectAnomaly(() => x.sqrt().sum().backward());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).code).toBe('E_ANOMALY');
    expect((err as Error).message).toMatch(/the backward of sqrt produced Inf/);
  });

  it('names NaN', () => {
    const x = f64([-1]);
    expect(() => detectAnomaly(() => x.sqrt())).toThrow(/sqrt produced NaN/);
  });
});

describe('determinism: same seed → bit-identical training', () => {
  /** A small MLP with dropout and shuffled mini-batches, trained with manual SGD; returns the final weights' bytes. */
  function train(seed: number, steps: number): Uint8Array[] {
    const rng = new Rng(seed);
    const x = randn([32, 4], { rng });
    const y = x
      .narrow(1, 0, 1)
      .mul(x.narrow(1, 1, 1))
      .gt(0)
      .squeeze(1)
      .to('int32');
    const w1 = randn([16, 4], { rng }).mul(0.5).requiresGrad_();
    const b1 = zeros([16], { requiresGrad: true });
    const w2 = randn([2, 16], { rng }).mul(0.5).requiresGrad_();
    const b2 = zeros([2], { requiresGrad: true });
    const params = [w1, b1, w2, b2];
    for (let s = 0; s < steps; s++) {
      const idx = tensor(Int32Array.from(rng.permutation(32).slice(0, 8)), { shape: [8] });
      const xb = x.indexSelect(0, idx);
      const yb = y.indexSelect(0, idx);
      const h = F.dropout(F.linear(xb, w1, b1).relu(), 0.2, true, rng);
      const logp = F.linear(h, w2, b2).logSoftmax(1);
      const loss = logp.gather(1, yb.unsqueeze(1)).mean().neg();
      for (const p of params) p.grad = null;
      loss.backward();
      noGrad(() => {
        for (const p of params) p.sub_(p.grad!.mul(0.1));
      });
    }
    return params.map((p) => new Uint8Array(p.dataSync().buffer.slice(0)));
  }

  it('three runs of 1,000 steps agree to the bit; another seed differs', () => {
    const runs = [train(42, 1000), train(42, 1000), train(42, 1000)];
    for (const r of runs.slice(1)) r.forEach((bytes, i) => expect(Buffer.compare(Buffer.from(bytes), Buffer.from(runs[0]![i]!))).toBe(0));
    const other = train(43, 1000);
    expect(Buffer.compare(Buffer.from(other[0]!), Buffer.from(runs[0]![0]!))).not.toBe(0);
  });
});
