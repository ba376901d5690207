/** Default initialisation matches PyTorch's distributions and bounds (manifest `init_bounds`); nn.init. */
import { describe, expect, it } from 'vitest';
import { Rng, ShapeError, ValueError, nn, zeros, type Tensor } from '../../src/index.js';
import { loadRef } from './helpers.js';

interface Manifest {
  init_bounds: { examples: { module: string; param: string; bound: number }[] };
}

function stats(t: Tensor): { min: number; max: number; mean: number; variance: number; maxAbs: number } {
  const d = Array.from(t.dataSync());
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const variance = d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length;
  return { min: Math.min(...d), max: Math.max(...d), mean, variance, maxAbs: Math.max(...d.map(Math.abs)) };
}

/** U(−b, b): inside the bound, reaching close to it, with variance b²/3 (±6%). */
function expectUniform(t: Tensor, b: number): void {
  const s = stats(t);
  expect(s.maxAbs).toBeLessThanOrEqual(b);
  expect(s.maxAbs).toBeGreaterThan(b * 0.95);
  expect(Math.abs(s.mean)).toBeLessThan(b * 0.05);
  expect(s.variance / ((b * b) / 3)).toBeGreaterThan(0.94);
  expect(s.variance / ((b * b) / 3)).toBeLessThan(1.06);
}

/** N(0, s²): mean ≈ 0 and std ≈ s (±5%). */
function expectNormal(t: Tensor, sd: number): void {
  const s = stats(t);
  expect(Math.abs(s.mean)).toBeLessThan(sd * 0.05);
  expect(Math.sqrt(s.variance) / sd).toBeGreaterThan(0.95);
  expect(Math.sqrt(s.variance) / sd).toBeLessThan(1.05);
}

const rng = () => ({ rng: new Rng(11) });

describe('PyTorch default initialisation (manifest init_bounds)', () => {
  it('the manifest examples: every value within the recorded bound', () => {
    const examples = loadRef<Manifest>('manifest.json').init_bounds.examples;
    const build: Record<string, () => nn.Module> = {
      'Linear(4, 3)': () => new nn.Linear(4, 3, rng()),
      'Conv2d(3, 4, 3)': () => new nn.Conv2d(3, 4, 3, rng()),
      'ConvTranspose2d(4, 3, 3)': () => new nn.ConvTranspose2d(4, 3, 3, rng()),
      'LSTM(3, 4)': () => new nn.LSTM(3, 4, rng()),
      'MultiheadAttention(8, 2)': () => new nn.MultiheadAttention(8, 2, rng()),
    };
    expect(examples.length).toBeGreaterThanOrEqual(8);
    for (const ex of examples) {
      const m = build[ex.module]!();
      const s = stats(m.getParameter(ex.param));
      expect(s.maxAbs).toBeLessThanOrEqual(ex.bound);
      expect(s.maxAbs).toBeGreaterThan(ex.bound * 0.5);
    }
  });

  it('Linear: weight and bias U(±1/√in)', () => {
    const l = new nn.Linear(100, 300, rng());
    expectUniform(l.weight, 0.1);
    expect(stats(l.bias!).maxAbs).toBeLessThanOrEqual(0.1);
    expect(stats(l.bias!).maxAbs).toBeGreaterThan(0.09);
  });

  it('Conv1d/Conv2d: U(±1/√(cin/groups·∏k)); ConvTranspose2d uses weight.shape[1]·∏k', () => {
    expectUniform(new nn.Conv2d(16, 64, 3, rng()).weight, 1 / Math.sqrt(144));
    expectUniform(new nn.Conv2d(16, 64, 3, { ...rng(), groups: 4 }).weight, 1 / Math.sqrt(36));
    expectUniform(new nn.Conv1d(8, 256, 5, rng()).weight, 1 / Math.sqrt(40));
    const ct = new nn.ConvTranspose2d(64, 16, 3, rng());
    expect(ct.weight.shape).toEqual([64, 16, 3, 3]);
    expectUniform(ct.weight, 1 / Math.sqrt(144));
    expect(stats(ct.bias!).maxAbs).toBeLessThanOrEqual(1 / 12);
  });

  it('norm layers start at ones and zeros; BatchNorm buffers at 0, 1, 0', () => {
    const bn = new nn.BatchNorm2d(3);
    expect(bn.weight!.toArray()).toEqual([1, 1, 1]);
    expect(bn.bias!.toArray()).toEqual([0, 0, 0]);
    expect(bn.runningMean!.toArray()).toEqual([0, 0, 0]);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1]);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    const ln = new nn.LayerNorm([2, 2]);
    expect(ln.weight!.toArray()).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(ln.bias!.toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('Embedding: N(0, 1), padding row zeroed', () => {
    const e = new nn.Embedding(500, 40, { ...rng(), paddingIdx: 3 });
    expectNormal(e.weight, 1);
    expect(e.weight.select(0, 3).toArray()).toEqual(new Array(40).fill(0));
  });

  it('RNN/LSTM/GRU: every weight and bias U(±1/√H)', () => {
    for (const m of [
      new nn.RNN(30, 64, rng()),
      new nn.LSTM(30, 64, { ...rng(), numLayers: 2 }),
      new nn.GRU(30, 64, { ...rng(), bidirectional: true }),
    ])
      for (const [name, p] of m.namedParameters()) {
        const s = stats(p);
        expect(s.maxAbs, name).toBeLessThanOrEqual(1 / 8);
        expect(s.maxAbs, name).toBeGreaterThan(0.9 / 8);
      }
    expectUniform(new nn.LSTM(64, 64, rng()).getParameter('weight_hh_l0'), 1 / 8);
  });

  it('MultiheadAttention: in_proj Xavier-uniform, biases zero, out_proj Linear default', () => {
    const m = new nn.MultiheadAttention(64, 4, rng());
    expectUniform(m.inProjWeight!, Math.sqrt(6 / (64 + 192)));
    expect(stats(m.inProjBias!).maxAbs).toBe(0);
    expect(stats(m.outProj.bias!).maxAbs).toBe(0);
    expectUniform(m.outProj.weight, 1 / 8);
  });

  it('the same seed gives the same weights; different seeds differ', () => {
    const a = new nn.Linear(5, 5, { rng: new Rng(42) }).weight.dataSync();
    const b = new nn.Linear(5, 5, { rng: new Rng(42) }).weight.dataSync();
    const c = new nn.Linear(5, 5, { rng: new Rng(43) }).weight.dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});

describe('nn.init', () => {
  const w = (...shape: number[]) => zeros(shape);

  it('calculateGain', () => {
    expect(nn.init.calculateGain('linear')).toBe(1);
    expect(nn.init.calculateGain('conv2d')).toBe(1);
    expect(nn.init.calculateGain('sigmoid')).toBe(1);
    expect(nn.init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(nn.init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(nn.init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.0001)), 12);
    expect(nn.init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(nn.init.calculateGain('selu')).toBe(0.75);
    expect(() => nn.init.calculateGain('swish' as 'relu')).toThrow(ValueError);
  });

  it('uniform_, normal_, constant_, zeros_, ones_, eye_, truncNormal_', () => {
    const r = new Rng(1);
    const u = nn.init.uniform_(w(200, 100), -2, 3, r);
    const s = stats(u);
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThan(3);
    expect(s.mean).toBeCloseTo(0.5, 1);
    expectNormal(nn.init.normal_(w(200, 100), 0, 0.02, r), 0.02);
    expect(nn.init.constant_(w(2), 7).toArray()).toEqual([7, 7]);
    expect(nn.init.ones_(w(2)).toArray()).toEqual([1, 1]);
    expect(nn.init.zeros_(nn.init.ones_(w(2))).toArray()).toEqual([0, 0]);
    expect(nn.init.eye_(w(2, 3)).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const t = stats(nn.init.truncNormal_(w(100, 100), 0, 1, -0.5, 0.5, r));
    expect(t.min).toBeGreaterThanOrEqual(-0.5);
    expect(t.max).toBeLessThanOrEqual(0.5);
    expect(() => nn.init.uniform_(w(2), 1, 0)).toThrow(ValueError);
  });

  it('works on parameters that require grad (no graph recorded)', () => {
    const p = new nn.Parameter(zeros(3, 3));
    nn.init.normal_(p, 0, 1, new Rng(2));
    expect(p.gradFn).toBeNull();
    expect(p.requiresGrad).toBe(true);
    expect(stats(p).maxAbs).toBeGreaterThan(0);
  });

  it('xavierUniform_ / xavierNormal_: bounds from fanIn + fanOut (receptive field included)', () => {
    const r = new Rng(3);
    expectUniform(nn.init.xavierUniform_(w(200, 100), 1, r), Math.sqrt(6 / 300));
    expectUniform(nn.init.xavierUniform_(w(64, 32, 3, 3), 2, r), 2 * Math.sqrt(6 / (32 * 9 + 64 * 9)));
    expectNormal(nn.init.xavierNormal_(w(300, 200), 1, r), Math.sqrt(2 / 500));
  });

  it('kaimingUniform_ / kaimingNormal_: gain, fan modes, nonlinearity', () => {
    const r = new Rng(4);
    // default: a = 0, leaky_relu → gain √2, fan_in
    expectUniform(nn.init.kaimingUniform_(w(300, 100), { rng: r }), Math.SQRT2 * Math.sqrt(3 / 100));
    expectUniform(nn.init.kaimingUniform_(w(300, 100), { rng: r, mode: 'fan_out' }), Math.SQRT2 * Math.sqrt(3 / 300));
    expectUniform(nn.init.kaimingUniform_(w(300, 100), { rng: r, a: Math.sqrt(5) }), 1 / 10);
    expectNormal(nn.init.kaimingNormal_(w(300, 100), { rng: r, nonlinearity: 'relu' }), Math.SQRT2 / 10);
    expectNormal(nn.init.kaimingNormal_(w(100, 16, 3, 3), { rng: r, mode: 'fan_out', nonlinearity: 'tanh' }), 5 / 3 / Math.sqrt(900));
    expect(() => nn.init.kaimingUniform_(w(3, 3), { mode: 'fan_avg' as 'fan_in' })).toThrow(/fan_in/);
    expect(() => nn.init.kaimingUniform_(w(3))).toThrow(ShapeError);
    expect(() => nn.init.xavierUniform_(w(3))).toThrow(/fewer than 2 dimensions/);
  });

  it('orthogonal_: W Wᵀ = gain²·I for wide, Wᵀ W = gain²·I for tall matrices', () => {
    const r = new Rng(5);
    for (const [rows, cols, gain] of [
      [4, 6, 1],
      [6, 4, 2],
      [5, 5, 1],
    ] as const) {
      const t = nn.init.orthogonal_(zeros([rows, cols], { dtype: 'float64' }), gain, r);
      const g = rows <= cols ? t.matmul(t.t()) : t.t().matmul(t);
      const n = Math.min(rows, cols);
      const d = g.toArray() as number[][];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(d[i]![j]!).toBeCloseTo(i === j ? gain * gain : 0, 10);
    }
    // a conv weight is flattened to [out, in·k·k]
    const c = nn.init.orthogonal_(zeros([3, 2, 2, 2], { dtype: 'float64' }), 1, r).reshape(3, 8);
    const cc = c.matmul(c.t()).toArray() as number[][];
    expect(cc[0]![0]).toBeCloseTo(1, 10);
    expect(cc[0]![1]).toBeCloseTo(0, 10);
    expect(() => nn.init.orthogonal_(zeros(3))).toThrow(ShapeError);
  });
});
