import { describe, expect, it } from 'vitest';
import { DTypeError, Rng, ShapeError, Tensor, ValueError, nn, optim, randn, tensor, zeros } from '../../src/index.js';

type AnyOpt = optim.Optimizer<{ lr: number }>;
type Make = (params: Tensor[]) => AnyOpt;

const makers: [string, Make][] = [
  ['SGD', (p) => new optim.SGD(p, { lr: 0.05 })],
  ['SGD momentum+nesterov+wd', (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-2 })],
  ['SGD momentum+dampening', (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.8, dampening: 0.3 })],
  ['Adagrad', (p) => new optim.Adagrad(p, { lr: 0.1, lrDecay: 0.01, weightDecay: 1e-3, initialAccumulatorValue: 0.1 })],
  ['RMSprop centered+momentum', (p) => new optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.9, weightDecay: 1e-3 })],
  ['RMSprop', (p) => new optim.RMSprop(p, { lr: 0.01 })],
  ['Adam amsgrad', (p) => new optim.Adam(p, { lr: 0.05, amsgrad: true, weightDecay: 1e-3 })],
  ['AdamW', (p) => new optim.AdamW(p, { lr: 0.05 })],
];

/** A small least-squares problem: W [3, 4], b [3]; loss = mean((x Wᵀ + b − y)²). */
function problem(seed: number) {
  const r = new Rng(seed);
  const x = randn([16, 4], { rng: r });
  const y = randn([16, 3], { rng: r });
  const params = () => [randn([3, 4], { rng: new Rng(seed + 1) }).requiresGrad_(), zeros([3]).requiresGrad_()];
  const lossOf = (p: Tensor[]) => x.matmul(p[0]!.t()).add(p[1]!).sub(y).square().mean();
  return { params, lossOf };
}

function trainSteps(opt: AnyOpt, p: Tensor[], lossOf: (p: Tensor[]) => Tensor, n: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < n; i++) {
    opt.zeroGrad();
    const l = lossOf(p);
    losses.push(l.item());
    l.backward();
    opt.step();
  }
  return losses;
}

describe('every optimizer', () => {
  for (const [name, make] of makers) {
    it(`${name}: decreases a least-squares loss`, () => {
      const { params, lossOf } = problem(1);
      const p = params();
      const losses = trainSteps(make(p), p, lossOf, 60);
      expect(losses[59]!).toBeLessThan(losses[0]! * 0.7);
    });

    it(`${name}: stateDict mid-training → fresh optimizer → continue is bit-identical to not stopping`, () => {
      const { params, lossOf } = problem(2);
      const a = params();
      const optA = make(a);
      trainSteps(optA, a, lossOf, 5);
      const saved = optA.stateDict();
      const snapshot = a.map((t) => t.detach().clone());
      trainSteps(optA, a, lossOf, 5);

      const b = snapshot.map((t) => t.clone().requiresGrad_());
      const optB = make(b);
      optB.loadStateDict(saved);
      trainSteps(optB, b, lossOf, 5);
      for (let i = 0; i < a.length; i++) expect(Array.from(b[i]!.dataSync())).toEqual(Array.from(a[i]!.dataSync()));
    });
  }
});

describe('Optimizer base', () => {
  it('stateDict is PyTorch-shaped and a snapshot (later steps do not change it)', () => {
    const w = zeros([2]).requiresGrad_();
    const b = zeros([1]).requiresGrad_();
    const opt = new optim.Adam([{ params: [w] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    w.grad = tensor([1, -1]);
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0']); // b had no gradient, so no state
    expect(Object.keys(sd.state[0]!).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'step']);
    expect(sd.state[0]!.step).toBe(1);
    expect(sd.param_groups.map((g) => g.params)).toEqual([[0], [1]]);
    expect(sd.param_groups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    expect(sd.param_groups[0]).toMatchObject({ betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    const before = Array.from((sd.state[0]!.exp_avg as Tensor).dataSync());
    opt.step();
    expect(Array.from((sd.state[0]!.exp_avg as Tensor).dataSync())).toEqual(before);
  });

  it('param groups get their own hyper-parameters; defaults fill the rest', () => {
    const a = zeros([1]).requiresGrad_();
    const b = zeros([1]).requiresGrad_();
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1, momentum: 0.5 });
    a.grad = tensor([1]);
    b.grad = tensor([1]);
    opt.step();
    expect(a.item()).toBeCloseTo(-0.1, 7);
    expect(b.item()).toBeCloseTo(-1, 7);
    expect(opt.paramGroups[1]!.momentum).toBe(0.5);
  });

  it('addParamGroup adds parameters, rejects duplicates', () => {
    const a = zeros([1]).requiresGrad_();
    const b = zeros([1]).requiresGrad_();
    const opt = new optim.Adam([a]);
    opt.addParamGroup({ params: [b], lr: 0.5 });
    expect(opt.paramGroups.length).toBe(2);
    expect(opt.paramGroups[1]!.lr).toBe(0.5);
    expect(opt.paramGroups[1]!.eps).toBe(1e-8);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/more than one parameter group/);
  });

  it('zeroGrad sets grads to null by default, or to zeros', () => {
    const a = zeros([2]).requiresGrad_();
    const opt = new optim.SGD([a], { lr: 0.1 });
    a.grad = tensor([1, 2]);
    opt.zeroGrad({ setToNone: false });
    expect(Array.from(a.grad!.dataSync())).toEqual([0, 0]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    a.grad = tensor([1, 2]);
    opt.zeroGrad(false);
    expect(Array.from(a.grad!.dataSync())).toEqual([0, 0]);
  });

  it('step(closure) evaluates the closure with gradients enabled and returns its loss', () => {
    const a = tensor([3]).requiresGrad_();
    const opt = new optim.SGD([a], { lr: 0.25 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = a.square().sum();
      l.backward();
      return l;
    }) as Tensor;
    expect(loss.item()).toBe(9);
    expect(a.item()).toBeCloseTo(3 - 0.25 * 6, 6);
  });

  it('maximize ascends', () => {
    const a = tensor([1]).requiresGrad_();
    const opt = new optim.Adam([a], { lr: 0.1, maximize: true });
    a.grad = tensor([1]);
    opt.step();
    expect(a.item()).toBeGreaterThan(1);
  });

  it('works in float64 and skips parameters without gradients', () => {
    const a = tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const b = tensor([5]).requiresGrad_();
    const opt = new optim.RMSprop([a, b], { lr: 0.1 });
    a.grad = tensor([1e-3, -1e-3], { dtype: 'float64' });
    opt.step();
    expect(a.dtype).toBe('float64');
    expect(b.item()).toBe(5);
    expect(opt.state.has(b)).toBe(false);
  });

  it('accepts a module’s parameters()', () => {
    const model = new nn.Linear(3, 2, { rng: new Rng(3) });
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    expect(opt.paramGroups[0]!.params.length).toBe(2);
  });
});

describe('hyper-parameter validation: typed errors that name the optimizer', () => {
  const p = () => [zeros([1]).requiresGrad_()];
  const bad: [string, () => unknown, RegExp][] = [
    ['Adam lr', () => new optim.Adam(p(), { lr: -1 }), /^Adam: invalid learning rate -1$/],
    ['Adam eps', () => new optim.Adam(p(), { eps: -1e-8 }), /Adam: invalid epsilon value/],
    ['Adam beta1', () => new optim.Adam(p(), { betas: [1, 0.999] }), /Adam: invalid beta parameter at index 0: 1/],
    ['Adam beta2', () => new optim.Adam(p(), { betas: [0.9, -0.1] }), /index 1/],
    ['AdamW weightDecay', () => new optim.AdamW(p(), { weightDecay: -0.1 }), /AdamW: invalid weightDecay value -0.1/],
    ['SGD lr missing', () => new optim.SGD(p(), {} as never), /SGD: the learning rate lr is required/],
    ['SGD NaN lr', () => new optim.SGD(p(), { lr: NaN }), /SGD: invalid learning rate NaN/],
    ['SGD momentum', () => new optim.SGD(p(), { lr: 0.1, momentum: -0.5 }), /SGD: invalid momentum value -0.5/],
    ['SGD nesterov', () => new optim.SGD(p(), { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum > 0/],
    ['Adagrad lrDecay', () => new optim.Adagrad(p(), { lrDecay: -1 }), /Adagrad: invalid lrDecay value -1/],
    ['Adagrad initial accumulator', () => new optim.Adagrad(p(), { initialAccumulatorValue: -1 }), /initialAccumulatorValue/],
    ['RMSprop alpha', () => new optim.RMSprop(p(), { alpha: -0.9 }), /RMSprop: invalid alpha value/],
    ['group lr', () => new optim.Adam([{ params: p(), lr: -2 }]), /Adam: invalid learning rate -2/],
  ];
  for (const [name, fn, msg] of bad)
    it(name, () => {
      expect(fn).toThrow(ValueError);
      expect(fn).toThrow(msg);
      try {
        fn();
      } catch (e) {
        expect((e as ValueError).code).toBe('E_HYPERPARAM');
      }
    });

  it('bad parameter lists', () => {
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    const x = zeros([2]).requiresGrad_();
    expect(() => new optim.SGD([x.mul(2)], { lr: 0.1 })).toThrow(/non-leaf/);
    expect(() => new optim.SGD([tensor([1], { dtype: 'int32' })], { lr: 0.1 })).toThrow(DTypeError);
    expect(() => new optim.SGD([x, x], { lr: 0.1 })).toThrow(/same parameter twice/);
    expect(() => new optim.SGD(x as never, { lr: 0.1 })).toThrow(/got a Tensor/);
  });

  it('model.parameters (uncalled) and other non-iterables are typed errors with a hint', () => {
    const model = new nn.Linear(2, 1);
    const uncalled = () => new optim.SGD(model.parameters as never, { lr: 0.1 });
    expect(uncalled).toThrow(ValueError);
    expect(uncalled).toThrow(
      /^SGD: params argument given to the optimizer is a function; call it — model.parameters\(\), not model.parameters$/,
    );
    expect(() => new optim.Adam(null as never)).toThrow(
      /^Adam: params argument given to the optimizer should be an iterable of Tensors or of parameter groups, got null$/,
    );
    expect(() => new optim.Adam(5 as never)).toThrow(ValueError);
    expect(() => new optim.Adam([{ params: model.parameters }] as never)).toThrow(/^Adam: a parameter group's "params" is a function/);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    expect(() => opt.addParamGroup({ params: 3 } as never)).toThrow(/^SGD: a parameter group's "params" should be an iterable/);
    expect(opt.paramGroups).toHaveLength(1);
  });

  it('unknown options are refused, with the camelCase spelling of a PyTorch keyword (they were ignored silently)', () => {
    const ps = () => [zeros([2]).requiresGrad_()];
    const e = () => new optim.SGD(ps(), { lr: 0.1, weight_decay: 1e-4 } as never);
    expect(e).toThrow(ValueError);
    expect(e).toThrow(/^SGD: unknown option 'weight_decay'; did you mean 'weightDecay'\? \(options are camelCase\)$/);
    try {
      e();
    } catch (err) {
      expect((err as ValueError).code).toBe('E_UNKNOWN_OPTION');
    }
    expect(() => new optim.Adam(ps(), { amsGrad: true } as never)).toThrow(
      /^Adam: unknown option 'amsGrad'; expected one of: lr, betas, eps, weightDecay, amsgrad, maximize$/,
    );
    expect(() => new optim.AdamW(ps(), { weight_decay: 0 } as never)).toThrow(/^AdamW: .*'weightDecay'/);
    expect(() => new optim.Adagrad(ps(), { lr_decay: 0.1 } as never)).toThrow(/did you mean 'lrDecay'/);
    expect(() => new optim.RMSprop(ps(), { momentom: 0.9 } as never)).toThrow(/^RMSprop: unknown option 'momentom'/);
    // parameter groups may still carry extra keys, as in PyTorch (e.g. a name)
    const opt = new optim.SGD([{ params: ps(), name: 'head' }], {
      lr: 0.1,
      momentum: 0.9,
      dampening: 0,
      weightDecay: 0,
      nesterov: true,
      maximize: false,
    });
    expect(opt.paramGroups[0]!.name).toBe('head');
  });

  it('loadStateDict refuses malformed state dicts (e.g. from a damaged JSON file) with typed errors', () => {
    const a = zeros([2]).requiresGrad_();
    const opt = new optim.Adam([a]);
    a.grad = tensor([1, 1]);
    opt.step();
    const sd = opt.stateDict();
    const fresh = () => new optim.Adam([zeros([2]).requiresGrad_()]);
    for (const bad of [
      null,
      [],
      { ...sd, state: null },
      { ...sd, state: [] },
      { ...sd, param_groups: [null] },
      { ...sd, state: { 0: null } },
      { ...sd, state: { 0: 5 } },
    ]) {
      const f = fresh();
      expect(() => f.loadStateDict(bad as never), JSON.stringify(bad)).toThrow(ValueError);
      expect(f.state.size).toBe(0); // nothing half-loaded
    }
    expect(() => fresh().loadStateDict({ ...sd, state: { 0: null } } as never)).toThrow(
      /^Adam.loadStateDict: state for parameter index 0 is not an object$/,
    );
    expect(() => fresh().loadStateDict({ ...sd, param_groups: [null] } as never)).toThrow(
      /^Adam.loadStateDict: parameter group 0 is not an object$/,
    );
  });

  it('loadStateDict checks groups and state shapes', () => {
    const a = zeros([2]).requiresGrad_();
    const opt = new optim.Adam([a]);
    a.grad = tensor([1, 1]);
    opt.step();
    const sd = opt.stateDict();
    expect(() => new optim.Adam([zeros([2]).requiresGrad_(), zeros([2]).requiresGrad_()]).loadStateDict(sd)).toThrow(
      /parameter group 0 has 1 parameters/,
    );
    expect(() => new optim.Adam([zeros([3]).requiresGrad_()]).loadStateDict(sd)).toThrow(ShapeError);
    expect(() => new optim.Adam([zeros([2]).requiresGrad_()]).loadStateDict({ ...sd, param_groups: [] })).toThrow(
      /1 parameter groups|0 parameter groups/,
    );
  });

  it('gradient of the wrong shape', () => {
    const a = zeros([2]).requiresGrad_();
    const opt = new optim.SGD([a], { lr: 0.1 });
    a.grad = zeros([3]);
    expect(() => opt.step()).toThrow(ShapeError);
  });
});

describe('update rules against hand computation', () => {
  it('SGD with momentum: first step copies the gradient into the buffer, then μ·b + (1 − τ)·g', () => {
    const a = tensor([0], { dtype: 'float64' }).requiresGrad_();
    const opt = new optim.SGD([a], { lr: 1, momentum: 0.5, dampening: 0.5 });
    a.grad = tensor([2], { dtype: 'float64' });
    opt.step(); // b = 2, a = -2
    opt.step(); // b = 0.5·2 + 0.5·2 = 2, a = -4
    a.grad = tensor([0], { dtype: 'float64' });
    opt.step(); // b = 1, a = -5
    expect(a.item()).toBe(-5);
  });
  it('Adam first step moves every coordinate by lr (bias-corrected)', () => {
    const a = tensor([1, 1, 1], { dtype: 'float64' }).requiresGrad_();
    const opt = new optim.Adam([a], { lr: 0.01 });
    a.grad = tensor([3, -0.5, 1e-3], { dtype: 'float64' });
    opt.step();
    const d = Array.from(a.dataSync()).map((v) => 1 - v);
    expect(d[0]).toBeCloseTo(0.01, 8);
    expect(d[1]).toBeCloseTo(-0.01, 8);
    expect(d[2]).toBeCloseTo(0.01, 4);
  });
});
