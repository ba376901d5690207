import { describe, expect, it } from 'vitest';
import { Rng, ValueError, nn, optim, rand, randint, randn, tensor, type Tensor } from '../../src/index.js';

const F = nn.functional;
const rng = (s: number) => new Rng(s);

describe('loss modules are their functional forms with stored options', () => {
  const x = randn([6, 4], { rng: rng(1) });
  const y = randn([6, 4], { rng: rng(2) });
  const p = rand([6, 4], { rng: rng(3) })
    .mul(0.9)
    .add(0.05);
  const bin = rand([6, 4], { rng: rng(4) })
    .gt(0.5)
    .float();
  const cls = randint(0, 4, [6], { rng: rng(5) });
  const w = tensor([1, 2, 0.5, 1]);
  const pm = tensor([1, -1, 1, 1, -1, -1], { dtype: 'int32' });
  const cases: [string, nn.Module, () => Tensor, () => Tensor][] = [
    [
      'MSELoss',
      new nn.MSELoss({ reduction: 'sum' }),
      () => new nn.MSELoss({ reduction: 'sum' }).call(x, y),
      () => F.mseLoss(x, y, { reduction: 'sum' }),
    ],
    ['L1Loss', new nn.L1Loss(), () => new nn.L1Loss().call(x, y), () => F.l1Loss(x, y)],
    [
      'SmoothL1Loss',
      new nn.SmoothL1Loss({ beta: 0.5 }),
      () => new nn.SmoothL1Loss({ beta: 0.5 }).call(x, y),
      () => F.smoothL1Loss(x, y, { beta: 0.5 }),
    ],
    [
      'HuberLoss',
      new nn.HuberLoss({ delta: 0.5 }),
      () => new nn.HuberLoss({ delta: 0.5 }).call(x, y),
      () => F.huberLoss(x, y, { delta: 0.5 }),
    ],
    ['BCELoss', new nn.BCELoss(), () => new nn.BCELoss().call(p, bin), () => F.binaryCrossEntropy(p, bin)],
    [
      'BCEWithLogitsLoss',
      new nn.BCEWithLogitsLoss({ posWeight: w }),
      () => new nn.BCEWithLogitsLoss({ posWeight: w }).call(x, bin),
      () => F.binaryCrossEntropyWithLogits(x, bin, { posWeight: w }),
    ],
    [
      'CrossEntropyLoss',
      new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }),
      () => new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).call(x, cls),
      () => F.crossEntropy(x, cls, { weight: w, labelSmoothing: 0.1 }),
    ],
    ['NLLLoss', new nn.NLLLoss(), () => new nn.NLLLoss().call(x.logSoftmax(1), cls), () => F.nllLoss(x.logSoftmax(1), cls)],
    [
      'KLDivLoss',
      new nn.KLDivLoss({ reduction: 'batchmean' }),
      () => new nn.KLDivLoss({ reduction: 'batchmean' }).call(x.logSoftmax(1), y.softmax(1)),
      () => F.klDiv(x.logSoftmax(1), y.softmax(1), { reduction: 'batchmean' }),
    ],
    [
      'HingeEmbeddingLoss',
      new nn.HingeEmbeddingLoss({ margin: 2 }),
      () => new nn.HingeEmbeddingLoss({ margin: 2 }).call(x.select(1, 0), pm),
      () => F.hingeEmbeddingLoss(x.select(1, 0), pm, { margin: 2 }),
    ],
    [
      'CosineEmbeddingLoss',
      new nn.CosineEmbeddingLoss({ margin: 0.2 }),
      () => new nn.CosineEmbeddingLoss({ margin: 0.2 }).call(x, y, pm),
      () => F.cosineEmbeddingLoss(x, y, pm, { margin: 0.2 }),
    ],
  ];
  for (const [name, module, viaModule, viaF] of cases)
    it(name, () => {
      expect(module).toBeInstanceOf(nn.Module);
      expect(module.parameters()).toEqual([]);
      expect(Array.from(viaModule().dataSync())).toEqual(Array.from(viaF().dataSync()));
    });
});

describe('loss module state and printing', () => {
  it('weights are buffers under PyTorch names and load from a state dict', () => {
    const ce = new nn.CrossEntropyLoss({ weight: tensor([1, 2, 3]) });
    expect(Object.keys(ce.stateDict())).toEqual(['weight']);
    const bce = new nn.BCEWithLogitsLoss({ posWeight: tensor([2]) });
    expect(Object.keys(bce.stateDict())).toEqual(['pos_weight']);
    bce.loadStateDict({ pos_weight: tensor([5]) });
    expect(bce.posWeight!.item()).toBe(5);
    expect(Object.keys(new nn.MSELoss().stateDict())).toEqual([]);
  });
  it('prints like PyTorch', () => {
    expect(new nn.CrossEntropyLoss().toString()).toBe('CrossEntropyLoss()');
    expect(new nn.MSELoss({ reduction: 'sum' }).toString()).toBe("MSELoss(reduction='sum')");
  });
  it('rejects an unknown reduction at construction', () => {
    expect(() => new nn.MSELoss({ reduction: 'avg' as never })).toThrow(ValueError);
    expect(() => new nn.KLDivLoss({ reduction: 'batchsum' as never })).toThrow(/batchmean/);
  });
  it('unknown options are refused like the layers do, with the camelCase spelling of a PyTorch keyword', () => {
    expect(() => new nn.CrossEntropyLoss({ label_smoothing: 0.1 } as never)).toThrow(
      /^CrossEntropyLoss: unknown option 'label_smoothing'; did you mean 'labelSmoothing'\? \(options are camelCase\)$/,
    );
    expect(() => new nn.BCEWithLogitsLoss({ pos_weight: tensor([2]) } as never)).toThrow(/did you mean 'posWeight'/);
    expect(() => new nn.NLLLoss({ ignore_index: 0 } as never)).toThrow(/did you mean 'ignoreIndex'/);
    expect(() => new nn.KLDivLoss({ log_target: true } as never)).toThrow(/did you mean 'logTarget'/);
    expect(() => new nn.MSELoss({ size_average: true } as never)).toThrow(
      /^MSELoss: unknown option 'size_average'; expected one of: reduction$/,
    );
    expect(() => new nn.HuberLoss({ delta: 2, beta: 1 } as never)).toThrow(/unknown option 'beta'/);
    // every documented option is still accepted
    expect(new nn.CrossEntropyLoss({ weight: tensor([1, 2]), ignoreIndex: 1, labelSmoothing: 0.1, reduction: 'sum' }).labelSmoothing).toBe(
      0.1,
    );
    expect(new nn.TripletMarginLoss({ margin: 2, p: 1, eps: 1e-5, swap: true, reduction: 'none' }).swap).toBe(true);
    expect(new nn.PoissonNLLLoss({ logInput: false, full: true, eps: 1e-6 }).full).toBe(true);
    expect(new nn.GaussianNLLLoss({ full: true, eps: 1e-3 }).eps).toBe(1e-3);
    expect(new nn.KLDivLoss({ reduction: 'batchmean', logTarget: true }).logTarget).toBe(true);
    expect(new nn.BCEWithLogitsLoss({ weight: tensor([1]), posWeight: tensor([2]) }).posWeight!.item()).toBe(2);
  });
  it('every loss module keeps its name when a minifier renames classes (printing and errors)', () => {
    const all: [string, () => nn.Module][] = [
      ['MSELoss', () => new nn.MSELoss({ reduction: 'sum' })],
      ['L1Loss', () => new nn.L1Loss({ reduction: 'sum' })],
      ['SmoothL1Loss', () => new nn.SmoothL1Loss({ reduction: 'sum' })],
      ['HuberLoss', () => new nn.HuberLoss({ reduction: 'sum' })],
      ['BCELoss', () => new nn.BCELoss({ reduction: 'sum' })],
      ['BCEWithLogitsLoss', () => new nn.BCEWithLogitsLoss({ reduction: 'sum' })],
      ['CrossEntropyLoss', () => new nn.CrossEntropyLoss({ reduction: 'sum' })],
      ['NLLLoss', () => new nn.NLLLoss({ reduction: 'sum' })],
      ['KLDivLoss', () => new nn.KLDivLoss({ reduction: 'sum' })],
      ['HingeEmbeddingLoss', () => new nn.HingeEmbeddingLoss({ reduction: 'sum' })],
      ['CosineEmbeddingLoss', () => new nn.CosineEmbeddingLoss({ reduction: 'sum' })],
      ['MarginRankingLoss', () => new nn.MarginRankingLoss({ reduction: 'sum' })],
      ['TripletMarginLoss', () => new nn.TripletMarginLoss({ reduction: 'sum' })],
      ['GaussianNLLLoss', () => new nn.GaussianNLLLoss({ reduction: 'sum' })],
      ['PoissonNLLLoss', () => new nn.PoissonNLLLoss({ reduction: 'sum' })],
    ];
    for (const [name, make] of all) {
      const cls = (nn as unknown as Record<string, { name: string; new (o: object): nn.Module }>)[name]!;
      const original = cls.name;
      Object.defineProperty(cls, 'name', { value: 'Qe', configurable: true });
      try {
        expect(make().toString().startsWith(`${name}(`)).toBe(true);
        expect(() => new cls({ reduction: 'avg' })).toThrow(new RegExp(`^${name}: reduction must be one of`));
      } finally {
        Object.defineProperty(cls, 'name', { value: original, configurable: true });
      }
    }
  });
  it('trains: a CrossEntropyLoss module drives a Linear layer to fit separable data', () => {
    const model = new nn.Linear(2, 2, { rng: rng(7) });
    const criterion = new nn.CrossEntropyLoss();
    const xs = tensor([
      [2, 0],
      [1.5, 0.5],
      [0, 2],
      [0.5, 1.5],
    ]);
    const ys = tensor([0, 0, 1, 1], { dtype: 'int32' });
    const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
    let first = 0;
    let last = 0;
    for (let i = 0; i < 50; i++) {
      opt.zeroGrad();
      const loss = criterion.call(model.call(xs), ys);
      if (i === 0) first = loss.item();
      last = loss.item();
      loss.backward();
      opt.step();
    }
    expect(last).toBeLessThan(first / 4);
  });
});
