/** State dicts: PyTorch keys and layouts, loading PyTorch weights, round trips for every layer, errors. */
import { describe, expect, it } from 'vitest';
import { Rng, Tensor, ShapeError, StateError, nn, noGrad, randn, tensor } from '../../src/index.js';
import { loadRef, toTensor, type RefTensor } from './helpers.js';

interface TrainingCase {
  name: string;
  args: [string, unknown[], Record<string, unknown>][];
  inputs: { x: RefTensor; y: RefTensor };
  initial_state_dict: Record<string, RefTensor>;
  output: RefTensor;
  first_step_grads: Record<string, RefTensor>;
  tol: { rtol: number; atol: number };
}

function buildLayer(cls: string, args: unknown[]): nn.Module {
  const a = args as number[];
  switch (cls) {
    case 'torch.nn.Linear':
      return new nn.Linear(a[0]!, a[1]!);
    case 'torch.nn.ReLU':
      return new nn.ReLU();
    case 'torch.nn.Conv2d':
      return new nn.Conv2d(a[0]!, a[1]!, a[2]!);
    case 'torch.nn.MaxPool2d':
      return new nn.MaxPool2d(a[0]!);
    case 'torch.nn.Flatten':
      return new nn.Flatten();
    default:
      throw new Error(`unknown layer ${cls}`);
  }
}

function expectClose(actual: Tensor, expected: RefTensor, tol: { rtol: number; atol: number }): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  expected.data.forEach((e, i) => expect(Math.abs(a[i]! - (e as number))).toBeLessThanOrEqual(tol.atol + tol.rtol * Math.abs(e as number)));
}

describe('loading PyTorch-named weights', () => {
  const cases = loadRef<{ cases: TrainingCase[] }>('training.json').cases;
  for (const c of cases)
    it(`${c.name}: the same Sequential loads PyTorch's state dict and reproduces its first loss and gradients`, () => {
      const model = new nn.Sequential(...c.args.map(([cls, args]) => buildLayer(cls, args)));
      expect(Object.keys(model.stateDict())).toEqual(Object.keys(c.initial_state_dict));
      const sd: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.initial_state_dict)) sd[k] = toTensor(v);
      expect(model.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      const x = toTensor(c.inputs.x);
      const y = toTensor(c.inputs.y);
      // cross-entropy written out: −mean log softmax(logits)[y]
      const loss = model.call(x).logSoftmax(1).gather(1, y.unsqueeze(1)).mean().neg();
      expect(Math.abs(loss.item() - (c.output.data[0] as number))).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(c.output.data[0] as number));
      loss.backward();
      for (const [k, g] of Object.entries(c.first_step_grads)) expectClose(model.getParameter(k).grad!, g, c.tol);
    });
});

const r = (seed: number) => ({ rng: new Rng(seed) });

/** Every layer type: a factory (seeded), the PyTorch state-dict keys, and a sample input. */
const layers: [string, (seed: number) => nn.Module, string[], () => Tensor][] = [
  ['Linear', (s) => new nn.Linear(3, 2, r(s)), ['weight', 'bias'], () => randn(4, 3)],
  ['Conv1d', (s) => new nn.Conv1d(2, 3, 3, r(s)), ['weight', 'bias'], () => randn(2, 2, 5)],
  ['Conv2d', (s) => new nn.Conv2d(2, 3, 3, { ...r(s), bias: false }), ['weight'], () => randn(1, 2, 4, 4)],
  ['ConvTranspose2d', (s) => new nn.ConvTranspose2d(2, 3, 2, { ...r(s), stride: 2 }), ['weight', 'bias'], () => randn(1, 2, 3, 3)],
  ['BatchNorm1d', () => new nn.BatchNorm1d(3), ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'], () => randn(4, 3)],
  [
    'BatchNorm2d',
    () => new nn.BatchNorm2d(2),
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'],
    () => randn(2, 2, 3, 3),
  ],
  ['LayerNorm', () => new nn.LayerNorm([3]), ['weight', 'bias'], () => randn(2, 3)],
  ['GroupNorm', () => new nn.GroupNorm(2, 4), ['weight', 'bias'], () => randn(2, 4, 3)],
  ['Embedding', (s) => new nn.Embedding(5, 3, r(s)), ['weight'], () => tensor(new Int32Array([0, 4, 2]))],
  [
    'RNN',
    (s) => new nn.RNN(3, 2, { ...r(s), numLayers: 2, bidirectional: true }),
    ['l0', 'l0_reverse', 'l1', 'l1_reverse'].flatMap((l) => [`weight_ih_${l}`, `weight_hh_${l}`, `bias_ih_${l}`, `bias_hh_${l}`]),
    () => randn(4, 2, 3),
  ],
  [
    'LSTM',
    (s) => new nn.LSTM(3, 2, { ...r(s), batchFirst: true }),
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'],
    () => randn(2, 4, 3),
  ],
  [
    'GRU',
    (s) => new nn.GRU(3, 2, { ...r(s), bias: false, numLayers: 2 }),
    ['weight_ih_l0', 'weight_hh_l0', 'weight_ih_l1', 'weight_hh_l1'],
    () => randn(4, 2, 3),
  ],
  ['RNNCell', (s) => new nn.RNNCell(3, 2, r(s)), ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'], () => randn(2, 3)],
  ['LSTMCell', (s) => new nn.LSTMCell(3, 2, r(s)), ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'], () => randn(2, 3)],
  ['GRUCell', (s) => new nn.GRUCell(3, 2, r(s)), ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'], () => randn(2, 3)],
  [
    'MultiheadAttention',
    (s) => new nn.MultiheadAttention(4, 2, r(s)),
    ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'],
    () => randn(3, 2, 4),
  ],
  [
    'TransformerEncoderLayer',
    (s) => new nn.TransformerEncoderLayer(4, 2, { ...r(s), dimFeedforward: 8 }),
    [
      'self_attn.in_proj_weight',
      'self_attn.in_proj_bias',
      'self_attn.out_proj.weight',
      'self_attn.out_proj.bias',
      'linear1.weight',
      'linear1.bias',
      'linear2.weight',
      'linear2.bias',
      'norm1.weight',
      'norm1.bias',
      'norm2.weight',
      'norm2.bias',
    ],
    () => randn(3, 2, 4),
  ],
];

function run(m: nn.Module, x: Tensor): Tensor {
  const out: unknown = m instanceof nn.MultiheadAttention ? m.call(x, x, x) : (m as nn.Module).call(x);
  const first = (v: unknown): Tensor => (Array.isArray(v) ? first(v[0]) : (v as Tensor));
  return first(out);
}

describe('stateDict round trip for every layer type', () => {
  for (const [name, make, keys, input] of layers)
    it(`${name}: PyTorch keys, and a fresh layer loaded with the state dict computes the same`, () => {
      const a = make(1);
      const x = input();
      if (name.startsWith('BatchNorm')) run(a, x); // move the running stats away from their initial values
      noGrad(() => {
        // make norm parameters non-trivial so the round trip proves something
        for (const p of a.parameters()) p.add_(randn(p.shape, { rng: new Rng(3) }).mul(0.1));
      });
      const sd = a.stateDict();
      expect(Object.keys(sd)).toEqual(keys);
      for (const t of Object.values(sd)) expect(t.requiresGrad).toBe(false);
      a.eval();
      const b = make(2).eval();
      const before = run(b, x).dataSync();
      const expected = run(a, x).dataSync();
      expect(Array.from(before)).not.toEqual(Array.from(expected));
      b.loadStateDict(sd);
      expect(Array.from(run(b, x).dataSync())).toEqual(Array.from(expected));
      // loading copies values: the two modules do not share storage
      for (const [k, t] of Object.entries(b.stateDict())) if (t.numel() > 0) expect(t.storage).not.toBe(sd[k]!.storage);
    });

  it('state dicts of parameter-free layers are empty', () => {
    for (const m of [
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.AvgPool2d(2),
      new nn.AdaptiveAvgPool2d(1),
      new nn.Upsample({ size: 4 }),
      new nn.Dropout(),
      new nn.Flatten(),
      new nn.Identity(),
    ])
      expect(m.stateDict()).toEqual({});
  });

  it('the state dict shares storage with the module (like PyTorch) and accepts a Map', () => {
    const l = new nn.Linear(2, 2, r(1));
    const sd = l.stateDict();
    expect(sd.weight!.storage).toBe(l.weight.storage);
    const m = new nn.Linear(2, 2, r(2));
    m.loadStateDict(new Map(Object.entries(sd)));
    expect(Array.from(m.weight.dataSync())).toEqual(Array.from(l.weight.dataSync()));
    expect(l.stateDict({ prefix: 'enc.' })).toHaveProperty(['enc.weight']);
    expect(l.stateDict({ keepVars: true }).weight).toBe(l.weight);
  });
});

describe('loadStateDict errors', () => {
  const mlp = () => new nn.Sequential(new nn.Linear(4, 8, r(1)), new nn.ReLU(), new nn.Linear(8, 3, r(2)));

  it('strict: lists every missing and unexpected key (typed, stable code) and loads nothing', () => {
    const m = mlp();
    const sd = m.stateDict();
    const before = Array.from(m.at(0).stateDict().weight!.dataSync());
    const bad: Record<string, Tensor> = {
      '0.weight': sd['0.weight']!.mul(0),
      '2.weight': sd['2.weight']!,
      '2.bias': sd['2.bias']!,
      'fc3.weight': sd['2.weight']!,
    };
    let err: unknown;
    try {
      m.loadStateDict(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(nn.StateDictKeyError);
    expect(err).toBeInstanceOf(StateError);
    const e = err as nn.StateDictKeyError;
    expect(e.code).toBe('E_STATE_DICT_KEYS');
    expect(e.missingKeys).toEqual(['0.bias']);
    expect(e.unexpectedKeys).toEqual(['fc3.weight']);
    expect(e.message).toMatch(/Sequential.*missing key\(s\): "0\.bias".*unexpected key\(s\): "fc3\.weight"/);
    expect(Array.from(m.at(0).stateDict().weight!.dataSync())).toEqual(before);
  });

  it('a non-object, or a Promise (a forgotten await), is a ValueError saying so, not a list of missing keys', () => {
    const m = new nn.Linear(2, 1);
    expect(() => m.loadStateDict(null as never)).toThrow(
      /^Linear.loadStateDict: expected an object \(or Map\) of name → Tensor, got null$/,
    );
    expect(() => m.loadStateDict([] as never)).toThrow(/got an array/);
    expect(() => m.loadStateDict(Promise.resolve(m.stateDict()) as never)).toThrow(/^Linear.loadStateDict: got a Promise; await it first/);
  });

  it('non-strict: loads the matching keys and reports the rest', () => {
    const m = mlp();
    const src = mlp();
    noGrad(() => src.parameters().forEach((p) => p.fill_(0.25)));
    const sd = src.stateDict();
    delete sd['2.bias'];
    sd['extra.weight'] = sd['0.weight']!;
    expect(m.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['2.bias'], unexpectedKeys: ['extra.weight'] });
    expect(Array.from(m.getParameter('2.weight').dataSync()).every((v) => v === 0.25)).toBe(true);
    expect(Array.from(m.getParameter('2.bias').dataSync()).every((v) => v === 0.25)).toBe(false);
  });

  it('a shape mismatch is a ShapeError naming the key and both shapes, in any mode', () => {
    const m = mlp();
    const sd = m.stateDict();
    sd['2.weight'] = randn(3, 4); // PyTorch layout is [out, in] = [3, 8]
    for (const strict of [true, false]) {
      let err: unknown;
      try {
        m.loadStateDict(sd, { strict });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(nn.StateDictShapeError);
      expect(err).toBeInstanceOf(ShapeError);
      expect((err as nn.StateDictShapeError).code).toBe('E_STATE_DICT_SHAPE');
      expect((err as Error).message).toContain(
        'size mismatch for 2.weight: copying a param with shape [3,4] from the state dict, the shape in the current model is [3,8]',
      );
      expect((err as nn.StateDictShapeError).mismatches).toEqual([{ key: '2.weight', expected: [3, 8], got: [3, 4] }]);
    }
  });

  it('loads float64 values into float32 parameters (cast), keeping the parameter objects', () => {
    const m = new nn.Linear(2, 1, r(1));
    const w = m.weight;
    m.loadStateDict({ weight: tensor([[0.5, -1.5]], { dtype: 'float64' }), bias: tensor([2], { dtype: 'float64' }) });
    expect(m.weight).toBe(w);
    expect(m.weight.dtype).toBe('float32');
    expect(m.call(tensor([[1, 1]])).item()).toBe(1);
  });
});
