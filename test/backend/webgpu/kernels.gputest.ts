/**
 * WGSL kernels against the js backend (the specification), run with `npm run test:webgpu` (SwiftShader
 * without a GPU). float32 results agree within 1e-5 absolute + 1e-4 relative (the GPU computes in f32
 * where js computes in float64 and rounds once); integer and boolean results are equal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, cat, init, nn, optim, randn, stack, tensor, type Tensor } from '../../../src/index.js';
import { Rng } from '../../../src/core/rng.js';
import { loadWebgpu } from '../../../src/backend/webgpu/index.js';
import { apply } from '../../../src/tensor/tensor.js';

const F = nn.F;
const rng = new Rng(7);
const rand = (shape: number[]) => randn(shape, { rng });

beforeAll(async () => {
  await init({ backend: 'webgpu' });
});

/** Expect the GPU tensor `g` to hold what the CPU tensor `c` holds. */
async function same(g: Tensor, c: Tensor, tol = 1e-4): Promise<void> {
  expect(g.device).toBe('webgpu');
  expect(g.dtype).toBe(c.dtype);
  expect(g.shape).toEqual(c.shape);
  const got = await g.data();
  const want = c.dataSync();
  let bad = 0;
  let first = '';
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    if (c.isFloatingPoint() && Math.abs(a - b) <= 1e-5 + tol * Math.abs(b)) continue;
    bad++;
    first ||= `index ${i}: ${a} vs js ${b}`;
  }
  expect(bad, `${bad}/${want.length} differ; first ${first}`).toBe(0);
}

const up = (t: Tensor) => t.to('webgpu');

describe('webgpu backend: loading and devices', () => {
  it('init selects it and backendInfo reports the adapter and GPU memory', () => {
    const info = backendInfo();
    expect(info.backend).toBe('webgpu');
    expect(info.gpu).not.toBeNull();
    expect(String(info.gpu!.adapter).length).toBeGreaterThan(0);
    expect(info.gpu!.memory).toMatchObject({ highWaterBytes: expect.any(Number), liveBytes: expect.any(Number) });
  });
  it('x.to(webgpu) moves, .device reports it, await x.data()/tolistAsync()/itemAsync() read it back', async () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const g = x.to('webgpu');
    expect(x.device).toBe('cpu');
    expect(g.device).toBe('webgpu');
    expect(await g.tolistAsync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(await g.sum().itemAsync()).toBe(21);
    expect(Array.from(await g.t().data())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(await (await g.toAsync('cpu')).tolistAsync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(await tensor([true, false]).to('webgpu').tolistAsync()).toEqual([true, false]);
    expect(await tensor([3, -4], { dtype: 'int32' }).to('webgpu').tolistAsync()).toEqual([3, -4]);
    expect((await tensor([1, 2], { device: 'webgpu' }).tolistAsync()) as number[]).toEqual([1, 2]);
  });
  it('synchronous readers throw E_WEBGPU_SYNC_READ naming the async reader', () => {
    const g = tensor([1.5]).to('webgpu');
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as { code?: string }).code} ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(code(() => g.item())).toMatch(/^E_WEBGPU_SYNC_READ .*itemAsync\(\)/);
    expect(code(() => g.tolist())).toMatch(/^E_WEBGPU_SYNC_READ .*tolistAsync\(\)/);
    expect(code(() => g.dataSync())).toMatch(/^E_WEBGPU_SYNC_READ .*data\(\)/);
    expect(code(() => String(g))).toMatch(/^E_WEBGPU_SYNC_READ/);
    expect(code(() => g.storage[0])).toMatch(/^E_WEBGPU_SYNC_READ/);
    expect(code(() => g.to('cpu'))).toMatch(/^E_WEBGPU_SYNC_READ .*toAsync\('cpu'\)/);
  });
  it('mixing devices in one op is a typed error naming both; 0-d CPU tensors (scalars) mix as in PyTorch', async () => {
    const g = tensor([1, 2]).to('webgpu');
    expect(() => g.add(tensor([1, 2]))).toThrow(
      expect.objectContaining({ code: 'E_DEVICE_MISMATCH', message: expect.stringMatching(/webgpu and cpu/) }),
    );
    await same(g.add(tensor(3)), tensor([4, 5]));
    await same(g.mul(2), tensor([2, 4]));
  });
  it('an op without a WebGPU kernel throws E_WEBGPU_NO_KERNEL naming it, counted in backendInfo()', () => {
    // average pooling with a fractional divisorOverride has no WGSL version
    const x = rand([1, 1, 4, 4]).to('webgpu');
    const before = (backendInfo().gpu!.missingKernels as Record<string, number>).avgPool2d ?? 0;
    expect(() => F.avgPool2d(x, 2, { divisorOverride: 2.5 })).toThrow(
      expect.objectContaining({ code: 'E_WEBGPU_NO_KERNEL', message: expect.stringMatching(/'avgPool2d'/) }),
    );
    expect((backendInfo().gpu!.missingKernels as Record<string, number>).avgPool2d).toBe(before + 1);
  });
  it('float64 cannot live on the GPU: a typed error; to(webgpu, float32) casts first', async () => {
    const d = tensor([1, 2], { dtype: 'float64' });
    expect(() => d.to('webgpu')).toThrow(expect.objectContaining({ code: 'E_WEBGPU_DTYPE' }));
    await same(d.to({ device: 'webgpu', dtype: 'float32' }), tensor([1, 2]));
  });
});

describe('webgpu runtime: a kernel that fails to compile', () => {
  it('makes the next readback throw E_WEBGPU_SHADER with the compiler message, instead of returning stale data', async () => {
    const rt = await loadWebgpu();
    const x = tensor([1, 2, 3]).to('webgpu');
    const buf = rt.bind(x.storage, 'test').buffer;
    rt.run(
      '@group(0) @binding(0) var<storage, read_write> ys: array<f32>;\n@compute @workgroup_size(1) fn main() { let std = 1.0; ys[0] = std; }',
      [buf],
      [1, 1, 1],
    );
    await expect(x.data()).rejects.toMatchObject({ code: 'E_WEBGPU_SHADER', message: expect.stringMatching(/reserved/) });
    expect(Array.from(await x.data())).toEqual([1, 2, 3]); // reported once; the tensor was not written
  });
});

describe('webgpu kernels agree with js', () => {
  it('elementwise unary ops on strided views', async () => {
    const x = rand([3, 4]);
    const xt = x.t();
    const g = up(x).t();
    const ops: ((t: Tensor) => Tensor)[] = [
      (t) => t.neg(),
      (t) => t.abs(),
      (t) => t.exp(),
      (t) => t.abs().log(),
      (t) => t.abs().sqrt(),
      (t) => t.abs().rsqrt(),
      (t) => t.sin(),
      (t) => t.cos(),
      (t) => t.tanh(),
      (t) => t.sigmoid(),
      (t) => t.relu(),
      (t) => t.sign(),
      (t) => t.square(),
      (t) => t.reciprocal(),
      (t) => t.erf(),
      (t) => t.mul(3).floor(),
      (t) => t.mul(3).ceil(),
      (t) => t.mul(3).round(),
      (t) => t.abs().log1p(),
      (t) => t.expm1(),
      (t) => t.pow(3),
      (t) => t.abs().pow(0.7),
      (t) => t.clamp(-0.5, 0.5),
      (t) => t.leakyRelu(0.1),
      (t) => t.elu(),
      (t) => t.softplus(),
      (t) => t.gelu(),
      (t) => t.isnan(),
      (t) => t.gt(0).logicalNot(),
      (t) => t.int(),
      (t) => t.mul(4).int().abs(),
    ];
    for (const [i, f] of ops.entries()) {
      await expect(same(f(g), f(xt), 1e-4), `op #${i}`).resolves.toBeUndefined();
    }
  });
  it('binary ops with broadcasting, and where', async () => {
    const a = rand([2, 3, 4]);
    const b = rand([3, 1]);
    const ga = up(a);
    const gb = up(b);
    const ops: ((x: Tensor, y: Tensor) => Tensor)[] = [
      (x, y) => x.add(y),
      (x, y) => x.sub(y),
      (x, y) => x.mul(y),
      (x, y) => x.div(y),
      (x, y) => x.abs().pow(y),
      (x, y) => x.maximum(y),
      (x, y) => x.minimum(y),
      (x, y) => x.lt(y),
      (x, y) => x.ge(y),
      (x, y) => x.eq(y),
      (x, y) => x.gt(0).logicalAnd(y.gt(0)),
      (x, y) => x.gt(0).logicalXor(y.gt(0)),
      (x, y) => x.int().add(y.int()),
      (x, y) => x.where(x.gt(0), y),
    ];
    for (const [i, f] of ops.entries()) await expect(same(f(ga, gb), f(a, b)), `op #${i}`).resolves.toBeUndefined();
  });
  it('reductions over axes: sum, mean, amax, amin, prod, argmax, argmin; softmax and logSoftmax', async () => {
    const x = rand([3, 5, 4]);
    const g = up(x);
    await same(g.sum(), x.sum());
    await same(g.sum(1), x.sum(1));
    await same(g.sum([0, 2], true), x.sum([0, 2], true));
    await same(g.mean(2), x.mean(2));
    await same(g.amax(1), x.amax(1));
    await same(g.amin([0, 1]), x.amin([0, 1]));
    await same(g.prod(2), x.prod(2));
    await same(g.argmax(1), x.argmax(1));
    await same(g.argmin(2), x.argmin(2));
    await same(g.gt(0).sum(1), x.gt(0).sum(1));
    await same(F.softmax(g, 1), F.softmax(x, 1));
    await same(F.logSoftmax(g, 2), F.logSoftmax(x, 2));
  });
  it('GEMM: every transpose, batched, broadcast batch, Linear with bias, bigger than a tile', async () => {
    const a = rand([37, 29]);
    const b = rand([29, 41]);
    await same(up(a).matmul(up(b)), a.matmul(b));
    await same(up(a).t().t().matmul(up(b.t().contiguous()).t()), a.matmul(b));
    await same(up(a.t().contiguous()).t().matmul(up(b)), a.matmul(b));
    const ba = rand([3, 5, 6]);
    const bb = rand([3, 6, 7]);
    await same(up(ba).matmul(up(bb)), ba.matmul(bb));
    await same(up(ba).matmul(up(bb.select(0, 1))), ba.matmul(bb.select(0, 1)));
    await same(up(ba).transpose(1, 2).matmul(up(ba)), ba.transpose(1, 2).matmul(ba));
    const w = rand([8, 29]);
    const bias = rand([8]);
    await same(F.linear(up(a), up(w), up(bias)), F.linear(a, w, bias));
  });
  it('cross-entropy (fused softmax CE) forward and gradient, with class weights', async () => {
    const x = rand([6, 5]);
    const t = tensor([0, 4, 2, 2, 1, 3], { dtype: 'int32' });
    const w = tensor([1, 2, 0.5, 1, 3]);
    const xc = x.detach().requiresGrad_(true);
    const xg = up(x).requiresGrad_(true);
    const lc = F.crossEntropy(xc, t, { weight: w });
    const lg = F.crossEntropy(xg, t, { weight: w });
    expect(() => F.crossEntropy(xg, up(t))).toThrow(expect.objectContaining({ code: 'E_WEBGPU_TARGET' }));
    expect(() => F.nllLoss(xg, up(t))).toThrow(expect.objectContaining({ code: 'E_WEBGPU_TARGET' }));
    await same(lg, lc);
    lc.backward();
    lg.backward();
    await same(xg.grad!, xc.grad!);
  });
  it('class weights on the GPU: cross-entropy and nll, with ignoreIndex, match the CPU and read nothing back', async () => {
    const x = rand([6, 5]);
    const t = tensor([0, 4, -100, 2, 1, 3], { dtype: 'int32' });
    const w = tensor([1, 2, 0.5, 1, 3]);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const xc = x.detach().requiresGrad_(true);
      const xg = up(x).requiresGrad_(true);
      const lc = F.crossEntropy(xc, t, { weight: w, reduction });
      const lg = F.crossEntropy(xg, t, { weight: up(w), reduction });
      expect(lg.device).toBe('webgpu');
      await same(lg, lc);
      lc.sum().backward();
      lg.sum().backward();
      await same(xg.grad!, xc.grad!);
      await same(F.nllLoss(up(x).logSoftmax(1), t, { weight: up(w), reduction }), F.nllLoss(x.logSoftmax(1), t, { weight: w, reduction }));
      await same(
        F.crossEntropy(up(x), t, { weight: up(w), reduction, labelSmoothing: 0.1 }),
        F.crossEntropy(x, t, { weight: w, reduction, labelSmoothing: 0.1 }),
      );
    }
  });
  it('backward through an MLP matches js gradients', async () => {
    const x = rand([8, 5]);
    const w1 = rand([7, 5]);
    const w2 = rand([3, 7]);
    const run = (xx: Tensor, a: Tensor, b: Tensor) => {
      const h = F.linear(xx, a).relu();
      return F.logSoftmax(F.linear(h, b), 1).mul(-1).mean();
    };
    const ac = w1.detach().requiresGrad_(true);
    const bc = w2.detach().requiresGrad_(true);
    const ag = up(w1).requiresGrad_(true);
    const bg = up(w2).requiresGrad_(true);
    run(x, ac, bc).backward();
    run(up(x), ag, bg).backward();
    await same(ag.grad!, ac.grad!);
    await same(bg.grad!, bc.grad!);
  });
  it('conv2d forward and both gradients (stride, padding, dilation, groups, bias)', async () => {
    const cases: [number[], number[], { stride?: number; padding?: number; dilation?: number; groups?: number }][] = [
      [[2, 3, 7, 6], [4, 3, 3, 3], {}],
      [[1, 4, 9, 9], [6, 2, 3, 2], { stride: 2, padding: 1, groups: 2 }],
      [[2, 2, 8, 8], [3, 2, 2, 3], { dilation: 2, padding: 2 }],
    ];
    for (const [xs, ws, o] of cases) {
      const x = rand(xs);
      const w = rand(ws);
      const b = rand([ws[0]!]);
      const xc = x.detach().requiresGrad_(true);
      const wc = w.detach().requiresGrad_(true);
      const bc = b.detach().requiresGrad_(true);
      const xg = up(x).requiresGrad_(true);
      const wg = up(w).requiresGrad_(true);
      const bg = up(b).requiresGrad_(true);
      const yc = F.conv2d(xc, wc, bc, o);
      const yg = F.conv2d(xg, wg, bg, o);
      await same(yg, yc);
      const up0 = rand(yc.shape.slice());
      yc.mul(up0).sum().backward();
      yg.mul(up(up0)).sum().backward();
      await same(xg.grad!, xc.grad!);
      await same(wg.grad!, wc.grad!);
      await same(bg.grad!, bc.grad!);
    }
  });
  it('max and average pooling forward and gradients', async () => {
    const x = rand([2, 3, 9, 8]);
    const fns: ((t: Tensor) => Tensor)[] = [
      (t) => F.maxPool2d(t, 2),
      (t) => F.maxPool2d(t, 3, { stride: 2, padding: 1 }),
      (t) => F.avgPool2d(t, 2),
      (t) => F.avgPool2d(t, 3, { stride: 2, padding: 1 }),
      (t) => F.avgPool2d(t, 3, { stride: 2, padding: 1, countIncludePad: false }),
    ];
    for (const [i, f] of fns.entries()) {
      const xc = x.detach().requiresGrad_(true);
      const xg = up(x).requiresGrad_(true);
      const yc = f(xc);
      const yg = f(xg);
      await expect(same(yg, yc), `pool #${i}`).resolves.toBeUndefined();
      const u = rand(yc.shape.slice());
      yc.mul(u).sum().backward();
      yg.mul(up(u)).sum().backward();
      await expect(same(xg.grad!, xc.grad!), `pool grad #${i}`).resolves.toBeUndefined();
    }
  });
  it('batch norm (training and eval) forward and gradients, and its running statistics updated in place on the GPU', async () => {
    const x = rand([4, 3, 5, 2]);
    const bnc = new nn.BatchNorm2d(3);
    const bng = new nn.BatchNorm2d(3).to('webgpu');
    for (const mode of ['train', 'eval'] as const) {
      bnc.train(mode === 'train');
      bng.train(mode === 'train');
      const xc = x.detach().requiresGrad_(true);
      const xg = up(x).requiresGrad_(true);
      const yc = bnc.forward(xc);
      const yg = bng.forward(xg);
      await same(yg, yc);
      const u = rand(yc.shape.slice());
      yc.mul(u).sum().backward();
      yg.mul(up(u)).sum().backward();
      await same(xg.grad!, xc.grad!);
      await same(bng.weight!.grad!, bnc.weight!.grad!);
      await same(bng.runningMean!, bnc.runningMean!);
      await same(bng.runningVar!, bnc.runningVar!);
    }
  });
  it('batch norm with relu fused (the ONNX importer’s eval-mode BatchNormalization → Relu): forward and gradients', async () => {
    const x = rand([2, 4, 3, 5]);
    const ps = [rand([4]), rand([4]), rand([4]).mul(0.3), rand([4]).abs().add(0.5)];
    const xc = x.detach().requiresGrad_(true);
    const xg = up(x).requiresGrad_(true);
    const [wc, bc] = [ps[0]!.detach().requiresGrad_(true), ps[1]!.detach().requiresGrad_(true)];
    const [wg, bg] = [up(ps[0]!).requiresGrad_(true), up(ps[1]!).requiresGrad_(true)];
    const yc = apply('batchNorm', [xc, wc, bc, ps[2]!, ps[3]!], { eps: 1e-5, training: false, relu: true });
    const yg = apply('batchNorm', [xg, wg, bg, up(ps[2]!), up(ps[3]!)], { eps: 1e-5, training: false, relu: true });
    await same(yg, yc);
    expect(yc.dataSync().some((v) => v === 0)).toBe(true);
    const u = rand(yc.shape.slice());
    yc.mul(u).sum().backward();
    yg.mul(up(u)).sum().backward();
    await same(xg.grad!, xc.grad!);
    await same(wg.grad!, wc.grad!);
    await same(bg.grad!, bc.grad!);
  });
  it('embedding (indexSelect, with indexAdd as its gradient), gather and scatterAdd, max over a dim; indices stay on the CPU', async () => {
    const wt = rand([10, 4]);
    const ids = tensor(
      [
        [1, 3, 3],
        [0, 9, 1],
      ],
      { dtype: 'int32' },
    );
    const wc = wt.detach().requiresGrad_(true);
    const wg = up(wt).requiresGrad_(true);
    const ec = F.embedding(ids, wc);
    const eg = F.embedding(ids, wg);
    await same(eg, ec);
    const u = rand([2, 3, 4]);
    ec.mul(u).sum().backward();
    eg.mul(up(u)).sum().backward();
    await same(wg.grad!, wc.grad!);
    const x = rand([3, 5]);
    const gi = tensor(
      [
        [0, 4],
        [2, 2],
        [1, 0],
      ],
      { dtype: 'int32' },
    );
    const xc = x.detach().requiresGrad_(true);
    const xg = up(x).requiresGrad_(true);
    const gc = xc.gather(1, gi);
    const gg = xg.gather(1, gi);
    await same(gg, gc);
    gc.mul(
      tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    )
      .sum()
      .backward();
    gg.mul(
      up(
        tensor([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
      ),
    )
      .sum()
      .backward();
    await same(xg.grad!, xc.grad!);
    const mc = x.max(1);
    const mg = up(x).max(1);
    await same(mg.values, mc.values);
    await same(mg.indices, mc.indices);
    // indices on the GPU (argmax's, say) are not range-checked on the CPU: the kernel reads NaN for a bad one
    await same(up(x).gather(1, up(gi)), x.gather(1, gi));
    const bad = (
      await up(x)
        .gather(
          1,
          up(
            tensor(
              [
                [7, 0],
                [0, 0],
                [0, 0],
              ],
              { dtype: 'int32' },
            ),
          ),
        )
        .data()
    )[0]!;
    expect(Number.isNaN(bad)).toBe(true);
    expect(() =>
      x.gather(
        1,
        tensor(
          [
            [7, 0],
            [0, 0],
            [0, 0],
          ],
          { dtype: 'int32' },
        ),
      ),
    ).toThrow(/out of range|out of bounds/);
  });
  it('cat, stack and constant pad (with cropping) forward and gradients', async () => {
    const a = rand([2, 3]);
    const b = rand([2, 4]);
    const ac = a.detach().requiresGrad_(true);
    const bc = b.detach().requiresGrad_(true);
    const ag = up(a).requiresGrad_(true);
    const bg = up(b).requiresGrad_(true);
    const cc = cat([ac, bc.t().contiguous().t()], 1);
    const cg = cat([ag, bg.t().contiguous().t()], 1);
    await same(cg, cc);
    const pc = cc.pad([1, -2, 2, 0], 0.5);
    const pg = cg.pad([1, -2, 2, 0], 0.5);
    await same(pg, pc);
    const u = rand(pc.shape.slice());
    pc.mul(u).sum().backward();
    pg.mul(up(u)).sum().backward();
    await same(ag.grad!, ac.grad!);
    await same(bg.grad!, bc.grad!);
    await same(stack([up(a), up(a).neg()], 0), stack([a, a.neg()], 0));
    await same(cat([up(a).int(), up(a)], 0), cat([a.int(), a], 0));
  });
  it('binaryCrossEntropy on the GPU: the same loss; an input outside [0, 1] (not checkable synchronously) gives NaN', async () => {
    const p = rand([4, 3]).sigmoid();
    const t = rand([4, 3]).gt(0).float();
    await same(F.binaryCrossEntropy(up(p), up(t)), F.binaryCrossEntropy(p, t));
    const bad = p.add(
      tensor([
        [2, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ]),
    );
    expect(() => F.binaryCrossEntropy(bad, t)).toThrow(/between 0 and 1/);
    expect(Number.isNaN(await F.binaryCrossEntropy(up(bad), up(t)).itemAsync())).toBe(true);
  });
  it('fused SGD (momentum, nesterov, weight decay), Adam/AdamW (amsgrad), Adagrad and RMSprop (centered, momentum) updates', async () => {
    const makers: ((p: Tensor[]) => optim.Optimizer<{ lr: number }>)[] = [
      (p) => new optim.SGD(p, { lr: 0.1 }),
      (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.1, maximize: true }),
      (p) => new optim.Adam(p, { lr: 0.01 }),
      (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.1 }),
      (p) => new optim.AdamW(p, { lr: 0.01, weightDecay: 0.1 }),
      (p) => new optim.Adagrad(p, { lr: 0.1 }),
      (p) => new optim.Adagrad(p, { lr: 0.1, lrDecay: 0.01, weightDecay: 0.1, initialAccumulatorValue: 0.5, maximize: true }),
      (p) => new optim.RMSprop(p, { lr: 0.01 }),
      (p) => new optim.RMSprop(p, { lr: 0.01, centered: true, weightDecay: 0.1 }),
      (p) => new optim.RMSprop(p, { lr: 0.01, momentum: 0.9, centered: true, maximize: true }),
    ];
    for (const [i, make] of makers.entries()) {
      const p0 = rand([300]);
      const grads = [rand([300]), rand([300]), rand([300])];
      const pc = p0.detach().requiresGrad_(true);
      const pg = up(p0).requiresGrad_(true);
      const oc = make([pc]);
      const og = make([pg]);
      for (const g of grads) {
        pc.grad = g;
        pg.grad = up(g);
        oc.step();
        og.step();
      }
      await expect(same(pg, pc, 1e-5), `optimizer #${i}`).resolves.toBeUndefined();
    }
  });
});
