import { describe, expect, it } from 'vitest';
import { ValueError, optim, tensor, zeros, type Tensor } from '../../src/index.js';

type Sched = {
  step(metric?: number): void;
  getLastLr(): number[];
  stateDict(): Record<string, unknown>;
  loadStateDict(sd: Record<string, unknown>): void;
};

const sgd = (lr = 0.1, momentum = 0.9) => new optim.SGD([zeros([2]).requiresGrad_()], { lr, momentum });
const lrOf = (o: optim.Optimizer<{ lr: number }>) => o.paramGroups[0]!.lr;

const metric = (e: number) => [1, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7][e % 14]!;

const builders: [string, (o: optim.SGD) => Sched, boolean?][] = [
  ['StepLR', (o) => new optim.StepLR(o, { stepSize: 3, gamma: 0.5 })],
  ['MultiStepLR', (o) => new optim.MultiStepLR(o, { milestones: [2, 5, 5, 9], gamma: 0.3 })],
  ['ExponentialLR', (o) => new optim.ExponentialLR(o, { gamma: 0.8 })],
  ['CosineAnnealingLR', (o) => new optim.CosineAnnealingLR(o, { tMax: 4, etaMin: 0.01 })],
  ['CosineAnnealingWarmRestarts', (o) => new optim.CosineAnnealingWarmRestarts(o, { t0: 3, tMult: 2, etaMin: 0.001 })],
  ['LinearLR', (o) => new optim.LinearLR(o, { startFactor: 0.25, totalIters: 6 })],
  ['LambdaLR', (o) => new optim.LambdaLR(o, { lrLambda: (e) => 1 / (1 + e) })],
  ['OneCycleLR', (o) => new optim.OneCycleLR(o, { maxLr: 1, totalSteps: 20, threePhase: true, annealStrategy: 'linear' })],
  ['ReduceLROnPlateau', (o) => new optim.ReduceLROnPlateau(o, { patience: 1, cooldown: 1, factor: 0.5 }) as unknown as Sched, true],
];

function advance(o: optim.SGD, s: Sched, from: number, n: number, plateau: boolean | undefined): number[][] {
  const out: number[][] = [];
  for (let e = from; e < from + n; e++) {
    out.push([lrOf(o), o.paramGroups[0]!.momentum]);
    o.step();
    if (plateau) s.step(metric(e));
    else s.step();
  }
  return out;
}

describe('scheduler state dicts', () => {
  for (const [name, build, plateau] of builders)
    it(`${name}: save after 7 epochs, load into a fresh optimizer + scheduler, continue → same sequence`, () => {
      const oA = sgd();
      const sA = build(oA);
      advance(oA, sA, 0, 7, plateau);
      const savedOpt = oA.stateDict();
      const savedSched = sA.stateDict();
      expect(JSON.parse(JSON.stringify(savedSched))).toEqual(savedSched); // plain data, serialisable
      const rest = advance(oA, sA, 7, 10, plateau);

      const oB = sgd();
      const sB = build(oB);
      oB.loadStateDict(savedOpt);
      sB.loadStateDict(savedSched);
      expect(advance(oB, sB, 7, 10, plateau)).toEqual(rest);
      expect(sB.getLastLr()).toEqual(sA.getLastLr());
    });
});

describe('schedules', () => {
  it('getLastLr after construction is epoch 0’s lr and groups gain initialLr', () => {
    const o = sgd(0.3);
    const s = new optim.LinearLR(o, { startFactor: 0.5, totalIters: 2 });
    expect(s.getLastLr()).toEqual([0.15]);
    expect(o.paramGroups[0]!.initialLr).toBe(0.3);
  });

  it('step(epoch) uses the closed forms, which agree with the recursive sequences', () => {
    const mk: [string, (o: optim.SGD) => optim.LRScheduler][] = [
      ['StepLR', (o) => new optim.StepLR(o, { stepSize: 3, gamma: 0.5 })],
      ['MultiStepLR', (o) => new optim.MultiStepLR(o, { milestones: [2, 5], gamma: 0.3 })],
      ['ExponentialLR', (o) => new optim.ExponentialLR(o, { gamma: 0.8 })],
      ['CosineAnnealingLR', (o) => new optim.CosineAnnealingLR(o, { tMax: 4, etaMin: 0.01 })],
      ['LinearLR', (o) => new optim.LinearLR(o, { startFactor: 0.25, totalIters: 6 })],
    ];
    for (const [, build] of mk) {
      const o1 = sgd();
      const s1 = build(o1);
      const o2 = sgd();
      const s2 = build(o2);
      for (let e = 1; e < 15; e++) {
        s1.step();
        s2.step(e);
        expect(lrOf(o2)).toBeCloseTo(lrOf(o1), 12);
      }
    }
  });

  it('CosineAnnealingLR follows the closed form past tMax', () => {
    const o = sgd(0.1);
    const s = new optim.CosineAnnealingLR(o, { tMax: 5, etaMin: 0.001 });
    for (let e = 0; e < 23; e++) {
      expect(lrOf(o)).toBeCloseTo(0.001 + ((0.1 - 0.001) * (1 + Math.cos((Math.PI * e) / 5))) / 2, 12);
      s.step();
    }
  });

  it('CosineAnnealingWarmRestarts restarts at t0, t0·tMult, … and accepts fractional epochs', () => {
    const o = sgd(1);
    const s = new optim.CosineAnnealingWarmRestarts(o, { t0: 2, tMult: 2 });
    const seq: number[] = [];
    for (let e = 0; e < 7; e++) {
      seq.push(lrOf(o));
      s.step();
    }
    expect(seq[0]).toBe(1);
    expect(seq[2]).toBe(1); // restart after 2
    expect(seq[6]).toBe(1); // restart after 2 + 4
    s.step(2.5);
    expect(lrOf(o)).toBeCloseTo((1 + Math.cos((Math.PI * 0.5) / 4)) / 2, 12);
  });

  it('LambdaLR: one function per group; functions are not part of the state dict', () => {
    const a = zeros([1]).requiresGrad_();
    const b = zeros([1]).requiresGrad_();
    const o = new optim.SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
    const s = new optim.LambdaLR(o, { lrLambda: [(e) => 0.5 ** e, (e) => e + 1] });
    s.step();
    s.step();
    expect(s.getLastLr()).toEqual([0.025, 3]);
    expect('lrLambdas' in s.stateDict()).toBe(false);
  });

  it('OneCycleLR cycles Adam’s β1 and refuses to step past totalSteps', () => {
    const o = new optim.Adam([zeros([1]).requiresGrad_()], { lr: 1 });
    const s = new optim.OneCycleLR(o, { maxLr: 0.5, epochs: 2, stepsPerEpoch: 5 });
    expect(lrOf(o)).toBeCloseTo(0.5 / 25, 12);
    expect(o.paramGroups[0]!.betas[0]).toBe(0.95);
    const betas: number[] = [];
    for (let i = 0; i < 9; i++) {
      s.step();
      betas.push(o.paramGroups[0]!.betas[0]);
    }
    expect(Math.min(...betas)).toBeCloseTo(0.85, 12);
    expect(betas[8]).toBeCloseTo(0.95, 12);
    expect(lrOf(o)).toBeCloseTo(0.5 / 25 / 1e4, 15); // the last step of the cycle reaches the minimum
    s.step(); // step 10 is allowed (PyTorch extrapolates), step 11 is not
    expect(() => s.step()).toThrow(/tried to step 11 times; the specified number of total steps is 10/);
  });

  it('ReduceLROnPlateau: max mode, absolute threshold, cooldown, minLr, tensor metrics', () => {
    const o = sgd(1);
    const s = new optim.ReduceLROnPlateau(o, {
      mode: 'max',
      thresholdMode: 'abs',
      threshold: 0.1,
      patience: 0,
      cooldown: 1,
      factor: 0.5,
      minLr: 0.3,
    });
    s.step(tensor([1]) as unknown as Tensor); // best = 1
    expect(lrOf(o)).toBe(1);
    s.step(1.05); // not better by 0.1 → reduce
    expect(lrOf(o)).toBe(0.5);
    s.step(1.05); // cooldown
    expect(lrOf(o)).toBe(0.5);
    s.step(1.05); // reduce, clipped at minLr
    expect(lrOf(o)).toBe(0.3);
    s.step(2); // improvement
    s.step(0);
    expect(s.getLastLr()).toEqual([0.3]);
  });
});

describe('scheduler errors', () => {
  it('bad arguments are ValueErrors naming the scheduler', () => {
    expect(() => new optim.StepLR(sgd(), { stepSize: 0 })).toThrow(/StepLR: stepSize must be a positive integer/);
    expect(() => new optim.LinearLR(sgd(), { startFactor: 0 })).toThrow(/LinearLR: startFactor/);
    expect(() => new optim.CosineAnnealingWarmRestarts(sgd(), { t0: 1.5 })).toThrow(/positive integer t0/);
    expect(() => new optim.OneCycleLR(sgd(), { maxLr: 1 })).toThrow(/totalSteps OR \(epochs AND stepsPerEpoch\)/);
    expect(() => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 2 })).toThrow(/pctStart/);
    expect(() => new optim.OneCycleLR(new optim.Adagrad([zeros([1]).requiresGrad_()]), { maxLr: 1, totalSteps: 10 })).toThrow(/momentum/);
    expect(() => new optim.ReduceLROnPlateau(sgd(), { factor: 1 })).toThrow(/factor should be < 1.0/);
    expect(() => new optim.ReduceLROnPlateau(sgd(), { mode: 'up' as never })).toThrow(ValueError);
    expect(() => new optim.LambdaLR(sgd(), { lrLambda: [(e) => e, (e) => e] })).toThrow(/expected 1 lrLambdas/);
    expect(() => new optim.StepLR(sgd(), { stepSize: 2, lastEpoch: 3 })).toThrow(/initialLr is not set/);
  });
  it('missing arguments from JavaScript callers are typed errors, not TypeErrors from inside', () => {
    const any = optim as unknown as Record<string, new (...a: unknown[]) => Sched>;
    for (const name of [
      'StepLR',
      'MultiStepLR',
      'ExponentialLR',
      'CosineAnnealingLR',
      'CosineAnnealingWarmRestarts',
      'LinearLR',
      'LambdaLR',
      'ConstantLR',
      'PolynomialLR',
      'SequentialLR',
      'OneCycleLR',
      'ReduceLROnPlateau',
    ]) {
      expect(() => new any[name]!(undefined, {}), name).toThrow(new RegExp(`^${name}: expected an optimizer as the first argument`));
      expect(() => new any[name]!(sgd(), null), name).toThrow(new RegExp(`^${name}: expected an options object`));
      expect(() => new any[name]!(sgd(), { lastEpoch: 1.5 }), name).toThrow(ValueError);
    }
    for (const name of [
      'StepLR',
      'MultiStepLR',
      'ExponentialLR',
      'CosineAnnealingLR',
      'CosineAnnealingWarmRestarts',
      'LambdaLR',
      'SequentialLR',
      'OneCycleLR',
    ])
      expect(() => new any[name]!(sgd()), name).toThrow(new RegExp(`^${name}: expected an options object`));
  });
  it('unknown options are refused with the camelCase hint (step_size, T_max, min_lr were ignored or misread)', () => {
    expect(() => new optim.StepLR(sgd(), { stepSize: 2, last_epoch: -1 } as never)).toThrow(
      /^StepLR: unknown option 'last_epoch'; did you mean 'lastEpoch'\?/,
    );
    expect(() => new optim.ReduceLROnPlateau(sgd(), { min_lr: 0.01 } as never)).toThrow(
      /^ReduceLROnPlateau: unknown option 'min_lr'; did you mean 'minLr'\?/,
    );
    expect(() => new optim.CosineAnnealingLR(sgd(), { tMax: 3, T_max: 3 } as never)).toThrow(
      /^CosineAnnealingLR: unknown option 'T_max'; expected one of: tMax, etaMin, lastEpoch$/,
    );
    expect(() => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, pct_start: 0.3 } as never)).toThrow(/did you mean 'pctStart'/);
    expect(() => new optim.LinearLR(sgd(), { total_iters: 3 } as never)).toThrow(/did you mean 'totalIters'/);
    try {
      new optim.ExponentialLR(sgd(), { gamma: 0.5, verbose: true } as never);
      expect.unreachable();
    } catch (e) {
      expect((e as ValueError).code).toBe('E_UNKNOWN_OPTION');
    }
  });
  it('a missing or non-numeric gamma is refused instead of turning the lr into NaN', () => {
    expect(() => new optim.ExponentialLR(sgd(), {} as never)).toThrow(
      /^ExponentialLR: gamma must be a finite non-negative number, got undefined/,
    );
    expect(() => new optim.StepLR(sgd(), { stepSize: 2, gamma: '0.5' as never })).toThrow(/^StepLR: gamma/);
    expect(() => new optim.MultiStepLR(sgd(), { milestones: [1], gamma: NaN })).toThrow(/^MultiStepLR: gamma/);
    expect(() => new optim.ExponentialLR(sgd(), { gamma: -0.5 })).toThrow(ValueError);
    // the defaults still apply
    const o = sgd(1);
    const s = new optim.StepLR(o, { stepSize: 1 });
    s.step();
    expect(s.getLastLr()[0]).toBeCloseTo(0.1, 12);
  });
  it('ReduceLROnPlateau.step() without a metric says what it needs', () => {
    const s = new optim.ReduceLROnPlateau(sgd());
    expect(() => (s.step as (m?: unknown) => void)()).toThrow(
      /^ReduceLROnPlateau: step\(\) needs the epoch's metric, a number or a 0-d tensor/,
    );
    expect(() => (s.step as (m?: unknown) => void)('0.5')).toThrow(ValueError);
    s.step(tensor(0.5));
    s.step(0.4);
    expect(s.stateDict().best).toBe(0.4);
  });
});

describe('warm-up schedules: ConstantLR, PolynomialLR, SequentialLR', () => {
  const seq = (o: optim.SGD, s: { step(): void }, n: number) => {
    const out: number[] = [];
    for (let e = 0; e < n; e++) {
      out.push(lrOf(o));
      s.step();
    }
    return out;
  };
  it('ConstantLR: factor·base for totalIters epochs, then base', () => {
    const o = sgd(0.2);
    expect(seq(o, new optim.ConstantLR(o, { factor: 0.5, totalIters: 3 }), 6).map((v) => +v.toFixed(12))).toEqual([
      0.1, 0.1, 0.1, 0.2, 0.2, 0.2,
    ]);
  });
  it('PolynomialLR: base·(1 − e/n)^power, then 0', () => {
    const o = sgd(1);
    const got = seq(o, new optim.PolynomialLR(o, { totalIters: 4, power: 2 }), 7);
    [1, 0.5625, 0.25, 0.0625, 0, 0, 0].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });
  it('SequentialLR: linear warm-up then cosine annealing, switching at the milestone', () => {
    const o = sgd(1);
    const warm = new optim.LinearLR(o, { startFactor: 0.1, totalIters: 5 });
    const cos = new optim.CosineAnnealingLR(o, { tMax: 10 });
    const s = new optim.SequentialLR(o, { schedulers: [warm, cos], milestones: [5] });
    const got = seq(o, s, 16);
    for (let e = 0; e < 5; e++) expect(got[e]).toBeCloseTo(0.1 + (0.9 * e) / 5, 12);
    for (let e = 5; e < 16; e++) expect(got[e]).toBeCloseTo((1 + Math.cos((Math.PI * (e - 5)) / 10)) / 2, 12);
    expect(s.getLastLr()[0]).toBe(lrOf(o));
  });
  it('SequentialLR state dict round trip, and its errors', () => {
    const build = (o: optim.SGD) =>
      new optim.SequentialLR(o, {
        schedulers: [new optim.ConstantLR(o, { factor: 0.5, totalIters: 2 }), new optim.ExponentialLR(o, { gamma: 0.9 })],
        milestones: [3],
      });
    const oA = sgd();
    const sA = build(oA);
    seq(oA, sA, 4);
    const savedO = oA.stateDict();
    const savedS = sA.stateDict();
    expect(JSON.parse(JSON.stringify(savedS))).toEqual(savedS);
    const rest = seq(oA, sA, 6);
    const oB = sgd();
    const sB = build(oB);
    oB.loadStateDict(savedO);
    sB.loadStateDict(savedS);
    expect(seq(oB, sB, 6)).toEqual(rest);
    const o = sgd();
    expect(() => new optim.SequentialLR(o, { schedulers: [new optim.ExponentialLR(o, { gamma: 0.9 })], milestones: [2] })).toThrow(
      /expected 0 milestones/,
    );
    expect(() => new optim.SequentialLR(o, { schedulers: [new optim.ExponentialLR(sgd(), { gamma: 0.9 })], milestones: [] })).toThrow(
      /different optimizer/,
    );
  });
});

describe('ReduceLROnPlateau state through JSON', () => {
  it('an untouched scheduler (best = Infinity) survives JSON.stringify, which writes null', () => {
    const oA = sgd(1);
    const sA = new optim.ReduceLROnPlateau(oA, { patience: 0 });
    const json = JSON.parse(JSON.stringify(sA.stateDict())) as Record<string, unknown>;
    expect(json.best).toBeNull();
    const sB = new optim.ReduceLROnPlateau(sgd(1), { patience: 0 });
    sB.loadStateDict(json);
    expect(sB.best).toBe(Infinity);
    sB.step(5);
    expect(sB.best).toBe(5);
  });
});
