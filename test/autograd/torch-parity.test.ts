/**
 * Gradients and in-place semantics where a differential fuzzer (random programs run here and in
 * PyTorch 1.13) found this library apart from PyTorch. Every expected value is PyTorch's; each test's
 * comment has the PyTorch statements.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { init, setBackend } from '../../src/backend/index.js';
import { arange, einsum, linalg, maximum, minimum, nn, noGrad, tensor, zeros, type Tensor } from '../../src/index.js';
import { ensureBuilt } from '../wasm/setup.js';

const f64 = (v: number[] | number, requiresGrad = false) => tensor(v, { dtype: 'float64', requiresGrad });
const list = (t: Tensor | null) => Array.from(t!.dataSync());

afterAll(() => void setBackend('js'));

describe('a view written in place after an op used it', () => {
  it('the op keeps the view as it was: [1, 1, 0]', () => {
    // y = x * 1; v = y.narrow(0, 0, 2); z = v + 1; v.mul_(3); z.sum().backward()
    const x = f64([1, 2, 3], true);
    const v = x.mul(1).narrow(0, 0, 2);
    const z = v.add(1);
    v.mul_(3);
    z.sum().backward();
    expect(list(x.grad)).toEqual([1, 1, 0]);
  });

  it('written through its base: earlier uses see the old view, later ones the new: [4, 4, 4]', () => {
    // y = x * 1; w = y.view(3); z = w + 1; y.mul_(3); (z + w).sum().backward()
    const x = f64([1, 2, 3], true);
    const y = x.mul(1);
    const w = y.view([3]);
    const z = w.add(1);
    y.mul_(3);
    z.add(w).sum().backward();
    expect(list(x.grad)).toEqual([4, 4, 4]);
  });
});

describe('masked gradients are +0 where cut, whatever the incoming gradient (PyTorch: where, not a product)', () => {
  // x = tensor([nan, -1, 2, 0.]); y.backward(tensor([1., nan, inf, -3.]))
  for (const backend of ['js', 'wasm'] as const)
    it(`relu, clamp, maximum, minimum on ${backend}`, async () => {
      if (backend === 'wasm') ensureBuilt();
      await init({ backend });
      const up = tensor([1, NaN, Infinity, -3]);
      const grads = (f: (x: Tensor, o: Tensor) => Tensor) => {
        const x = tensor([NaN, -1, 2, 0], { requiresGrad: true });
        const o = zeros([4]).requiresGrad_();
        f(x, o).backward(up);
        return [list(x.grad), list(o.grad ?? zeros([4]))];
      };
      // relu → [1, 0, inf, 0]; clamp(-0.5, 1) → [0, 0, 0, -3]
      expect(grads((x) => x.relu())[0]).toEqual([1, 0, Infinity, 0]);
      expect(grads((x) => x.clamp(-0.5, 1))[0]).toEqual([0, 0, 0, -3]);
      // maximum(x, o) → x.grad [1, 0, inf, -1.5], o.grad [1, nan, 0, -1.5]; minimum: the other way round
      expect(grads((x, o) => maximum(x, o))).toEqual([
        [1, 0, Infinity, -1.5],
        [1, NaN, 0, -1.5],
      ]);
      expect(grads((x, o) => minimum(x, o))).toEqual([
        [1, NaN, 0, -1.5],
        [1, 0, Infinity, -1.5],
      ]);
      // relu's cut gradient is +0, not −0: x = [-1, -2], g = [-1, 2]
      const x = tensor([-1, -2], { requiresGrad: true });
      x.relu().backward(tensor([-1, 2]));
      expect(list(x.grad).map((v) => Object.is(v, -0))).toEqual([false, false]);
      await init({ backend: 'js' });
    });
});

describe('max and min with NaN: which elements the gradient goes to', () => {
  it('max()/min() of a whole tensor share it among the NaNs; amax keeps NaN, as PyTorch', () => {
    // x = tensor([1., nan, 3., nan]); x.max().backward() → [0, .5, 0, .5]; x.amax().backward() → nan ×4
    const grads = (f: (x: Tensor) => Tensor, up?: Tensor) => {
      const x = tensor([1, NaN, 3, NaN], { requiresGrad: true });
      f(x).backward(up);
      return list(x.grad);
    };
    expect(grads((x) => x.max())).toEqual([0, 0.5, 0, 0.5]);
    expect(grads((x) => x.min())).toEqual([0, 0.5, 0, 0.5]);
    expect(grads((x) => x.amax())).toEqual([NaN, NaN, NaN, NaN]);
    // x = tensor([1., 2, 3]); x.max().backward(inf) → [0, 0, inf]; amax → [nan, nan, inf]
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.max().backward(tensor(Infinity));
    expect(list(x.grad)).toEqual([0, 0, Infinity]);
    const z = tensor([1, 2, 3], { requiresGrad: true });
    z.amax().backward(tensor(Infinity));
    expect(list(z.grad)).toEqual([NaN, NaN, Infinity]);
  });
});

describe('what a product or quotient saves', () => {
  it('y * c and y / 2 do not need y when only y takes gradients: writing y afterwards is fine', () => {
    // y = x * 1; z = y * c; y.mul_(2); z.sum().backward() → x.grad = c
    const x = f64([1, 2], true);
    const y = x.mul(1);
    const z = y.mul(f64([3, 4]));
    const q = y.div(2);
    y.mul_(2);
    z.add(q).sum().backward();
    expect(list(x.grad)).toEqual([3.5, 4.5]);
  });

  it('y * y still needs y, and says so naming the input', () => {
    const x = f64([1, 2], true);
    const y = x.mul(1);
    const z = y.mul(y);
    y.mul_(2);
    expect(() => z.sum().backward()).toThrow(/modified by an inplace operation: \[float64 \[2\]\], which is input 0 of <MulBackward>/);
  });
});

describe('an in-place write with a value that takes gradients into a tensor without history', () => {
  it('c.mul_(w) and c.div_(w): w.grad 20.5 and −2.2777…', () => {
    // c = tensor([0.5, 2.]); c.mul_(w); (c * tensor([1., 10])).sum().backward()
    for (const [op, want] of [
      ['mul_', 20.5],
      ['div_', -2.2777777777777777],
    ] as const) {
      const c = f64([0.5, 2]);
      const w = f64(3, true);
      (op === 'mul_' ? c.mul_(w) : c.div_(w))
        .mul(f64([1, 10]))
        .sum()
        .backward();
      expect(list(w.grad)).toEqual([want]);
    }
  });
});

describe('empty tensors', () => {
  it('take in-place writes (nothing is written)', () => {
    const z = zeros([3, 0]);
    z.fill_(1);
    z.add_(1);
    const a = zeros([2, 2, 2, 1]);
    a.set('..., 1:0, -1', 5);
    expect(a.sum().item()).toBe(0);
  });

  it('reduce by max/min over non-empty dims to empty results, and refuse an empty reduction', () => {
    // torch.zeros(0, 2).amax(1).shape == (0,); .amax(0) raises
    expect(zeros([0, 2]).amax(1).shape).toEqual([0]);
    expect(zeros([0, 2]).argmax(-1).shape).toEqual([0]);
    expect(zeros([0, 2]).max(1).values.shape).toEqual([0]);
    expect(() => zeros([0, 2]).amax(0)).toThrow(/over a dimension of size 0/);
    expect(() => zeros([2, 0]).argmax(1)).toThrow(/over a dimension of size 0/);
    expect(() => zeros([2, 0]).max()).toThrow(/empty/);
  });

  it('logsumexp over an empty dim is −∞ (an empty sum is 0), with an empty gradient', () => {
    // torch.zeros(2, 0).logsumexp(1) → tensor([-inf, -inf])
    expect(list(zeros([2, 0]).logsumexp(1))).toEqual([-Infinity, -Infinity]);
    expect(zeros([0, 3]).logsumexp(1).shape).toEqual([0]);
    const x = zeros([2, 0]).requiresGrad_();
    x.logsumexp(1).sum().backward();
    expect(x.grad!.shape).toEqual([2, 0]);
  });
});

describe('tensor ops a second fuzzer (tensor ops and nn layers against PyTorch) found apart', () => {
  it('truth is non-zero, NaN included: bool casts and logical ops', () => {
    // torch.tensor([0.5, nan, 0., -0.]).bool() → [T, T, F, F]; logical_not(nan) → False; logical_and(nan, 1) → True
    expect(tensor([0.5, NaN, 0, -0]).bool().tolist()).toEqual([true, true, false, false]);
    expect(tensor([NaN, 0]).logicalNot().tolist()).toEqual([false, true]);
    expect(
      tensor([NaN, NaN])
        .logicalAnd(tensor([1, 0]))
        .tolist(),
    ).toEqual([true, false]);
    expect(
      tensor([NaN, 0])
        .logicalOr(tensor([0, 0]))
        .tolist(),
    ).toEqual([true, false]);
    expect(
      tensor([NaN])
        .logicalXor(tensor([1]))
        .tolist(),
    ).toEqual([false]);
  });

  it('rounding divisions keep a 0-d operand from widening the dtype; mean/var of a 0-d tensor over dim 0', () => {
    // torch.tensor([1.5]).remainder(torch.tensor(-1.382, dtype=torch.float64)).dtype → float32
    expect(tensor([1.5]).remainder(tensor(-1.382, { dtype: 'float64' })).dtype).toBe('float32');
    expect(tensor([1.5]).floorDivide(tensor(2, { dtype: 'float64' })).dtype).toBe('float32');
    // torch.tensor(3.).mean(0) → 3.; .var(0, correction=0) → 0.
    expect(tensor(3).mean(0).item()).toBe(3);
    expect(tensor(3).var(0, { correction: 0 }).item()).toBe(0);
  });

  it('gradients of abs at NaN (0) and of pow at 0^0 (0)', () => {
    // x = tensor([nan, -2.]); x.abs().sum().backward() → [0, -1]
    const x = tensor([NaN, -2], { requiresGrad: true });
    x.abs().sum().backward();
    expect(list(x.grad)).toEqual([0, -1]);
    // x = tensor([0., 2]); x.pow(tensor([0.])).sum().backward() → [0, 0]
    const z = tensor([0, 2], { requiresGrad: true });
    z.pow(tensor([0]))
      .sum()
      .backward();
    expect(list(z.grad)).toEqual([0, 0]);
  });

  it('empty dims: softmax, split and chunk', () => {
    // torch.zeros(2, 0).softmax(1).shape → (2, 0); .split(2, 1) → one (2, 0); .chunk(2, 1) → two (2, 0)
    expect(zeros([2, 0]).softmax(1).shape).toEqual([2, 0]);
    expect(zeros([2, 0]).logSoftmax(1).shape).toEqual([2, 0]);
    expect(
      zeros([2, 0])
        .split(2, 1)
        .map((p) => p.shape),
    ).toEqual([[2, 0]]);
    expect(
      zeros([2, 0])
        .chunk(2, 1)
        .map((p) => p.shape),
    ).toEqual([
      [2, 0],
      [2, 0],
    ]);
  });

  it('int32 products wrap as PyTorch: square, mul, pow', () => {
    // a = torch.tensor([2147483647, 46341, -7], dtype=torch.int32); a.square() → [1, -2147479015, 49]
    const a = tensor([2147483647, 46341, -7], { dtype: 'int32' });
    expect(a.square().tolist()).toEqual([1, -2147479015, 49]);
    expect(a.mul(a).tolist()).toEqual([1, -2147479015, 49]);
    // torch.tensor([5, -3], dtype=torch.int32).pow(31) → [-2128439731, -1264544299]
    expect(tensor([5, -3], { dtype: 'int32' }).pow(31).tolist()).toEqual([-2128439731, -1264544299]);
    expect(
      tensor([5], { dtype: 'int32' })
        .pow(tensor([31], { dtype: 'int32' }))
        .tolist(),
    ).toEqual([-2128439731]);
  });

  it("einsum's implicit output sums a label repeated in one operand: 'ii' is the trace", () => {
    // torch.einsum('ii', [[1., 2], [3, 4]]) → 5.; torch.einsum('iij', arange(8.).reshape(2, 2, 2)) → [6., 8.]
    expect(
      einsum('ii', [
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ]).item(),
    ).toBe(5);
    expect(einsum('iij', [arange(8).reshape([2, 2, 2]).float()]).tolist()).toEqual([6, 8]);
  });

  it('clamp: a NaN bound makes NaN (gradient 0); an int tensor and a fractional bound give float32', () => {
    // torch.tensor([-4., 1]).clamp(nan, 1) → [nan, nan]; .clamp(tensor([nan, 0.]), tensor([1., nan])) → [nan, nan]
    expect(tensor([-4, 1]).clamp(NaN, 1).tolist()).toEqual([NaN, NaN]);
    expect(tensor([-4, 1]).clamp(0, NaN).tolist()).toEqual([NaN, NaN]);
    expect(
      tensor([-4, 1])
        .clamp(tensor([NaN, 0]), tensor([1, NaN]))
        .tolist(),
    ).toEqual([NaN, NaN]);
    const x = tensor([-4, 1], { requiresGrad: true });
    x.clamp(NaN, 1).sum().backward();
    expect(list(x.grad)).toEqual([0, 0]);
    // torch.tensor([2, -5], dtype=torch.int32).clamp(0.5) → float32 [2., 0.5]
    const c = tensor([2, -5], { dtype: 'int32' }).clamp(0.5);
    expect([c.dtype, c.tolist()]).toEqual(['float32', [2, 0.5]]);
  });

  it('median: ties share the gradient (whole tensor), and NaN propagates', () => {
    // x = tensor([0.5, -1, -3, -1]); x.median().backward() → [0, .5, 0, .5]
    const x = tensor([0.5, -1, -3, -1], { requiresGrad: true });
    x.median().backward();
    expect(list(x.grad)).toEqual([0, 0.5, 0, 0.5]);
    // z = tensor([1., nan, 3]); z.median() → nan, grad [0, 1, 0]; tensor([[1., nan, 3], [1, 2, 3]]).median(1) → ([nan, 2], [1, 1])
    const z = tensor([1, NaN, 3], { requiresGrad: true });
    const m = z.median();
    expect(m.item()).toBeNaN();
    m.backward();
    expect(list(z.grad)).toEqual([0, 1, 0]);
    const r = tensor([
      [1, NaN, 3],
      [1, 2, 3],
    ]).median(1);
    expect([r.values.tolist(), r.indices.tolist()]).toEqual([
      [NaN, 2],
      [1, 1],
    ]);
  });

  it("cumprod's gradient over a one-element lane is the incoming gradient, even at NaN", () => {
    // x = tensor([[nan], [inf]]); x.cumprod(1).sum().backward() → [[1], [1]]
    const x = tensor([[NaN], [Infinity]], { requiresGrad: true });
    x.cumprod(1).sum().backward();
    expect(list(x.grad)).toEqual([1, 1]);
  });

  it('vectorNorm with 0 < ord < 1 has a zero gradient at zero elements', () => {
    // x = tensor([0., 4], float64); torch.linalg.vector_norm(x, 0.5) → 4., x.grad [0, 1]
    const x = tensor([0, 4], { dtype: 'float64', requiresGrad: true });
    const n = linalg.vectorNorm(x, 0.5);
    expect(n.item()).toBe(4);
    n.backward();
    expect(list(x.grad)).toEqual([0, 1]);
  });

  it('index assignment drops the leading size-1 dims of the value', () => {
    // x = tensor([1., 2, 3]); x[0] = tensor([9.]); z = zeros(3); z[tensor([0, 2])] = tensor([[5., 6]])
    const x = tensor([1, 2, 3]);
    x.set(0, tensor([9]));
    expect(x.tolist()).toEqual([9, 2, 3]);
    const z = zeros([3]);
    z.set(tensor([0, 2], { dtype: 'int32' }), tensor([[5, 6]]));
    expect(z.tolist()).toEqual([5, 0, 6]);
    expect(() => x.set(0, tensor([9, 8]))).toThrow(/cannot be broadcast to the indexed shape \[\]/);
  });

  it("ConvTranspose2d's backward with outputPadding ≥ stride (dilation > stride)", () => {
    // m = ConvTranspose2d(1, 1, (1, 2), output_padding=(0, 1), dilation=(1, 2), bias=False), weight [[[[1, 10]]]]
    // x = [[[[1, 2]]]] → y [1, 2, 10, 20, 0], x.grad [11, 11], weight.grad [3, 3]
    const m = new nn.ConvTranspose2d(1, 1, [1, 2], { outputPadding: [0, 1], dilation: [1, 2], bias: false }).to('float64');
    noGrad(() => m.weight.copy_(tensor([[[[1, 10]]]], { dtype: 'float64' })));
    const x = tensor([[[[1, 2]]]], { dtype: 'float64', requiresGrad: true });
    const y = m.call(x) as Tensor;
    expect(list(y)).toEqual([1, 2, 10, 20, 0]);
    y.sum().backward();
    expect(list(x.grad)).toEqual([11, 11]);
    expect(list(m.weight.grad)).toEqual([3, 3]);
  });

  it("padding: 'same' with an even kernel puts the extra pixel after (right, bottom)", () => {
    // m = Conv2d(1, 1, 2, padding='same', bias=False), weight [[[[1, 2], [3, 4]]]], x = arange(9.).reshape(1, 1, 3, 3)
    const m = new nn.Conv2d(1, 1, 2, { padding: 'same', bias: false }).to('float64');
    noGrad(() =>
      m.weight.copy_(
        tensor(
          [
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ],
          { dtype: 'float64' },
        ),
      ),
    );
    const x = arange(9).reshape([1, 1, 3, 3]).to('float64').requiresGrad_();
    const y = m.call(x) as Tensor;
    expect(list(y)).toEqual([27, 37, 17, 57, 67, 29, 20, 23, 8]);
    y.sum().backward();
    expect(list(x.grad)).toEqual([1, 3, 3, 4, 10, 10, 4, 10, 10]);
  });
});
