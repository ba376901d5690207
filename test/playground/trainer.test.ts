import { describe, expect, it } from 'vitest';
import { Rng, nn, tensor } from '../../src/index.js';
import { Trainer } from '../../playground/src/trainer.js';
import { FeatureMap } from '../../playground/src/features.js';
import { architectureOf, buildModel, run, validateArchitecture } from '../../playground/src/model.js';
import { generate, parseCsv, splitPoints, toCsv, CsvError } from '../../playground/src/datasets.js';
import { GRID, gridPoints } from '../../playground/src/grid.js';
import { loadPlaygroundModel, saveModel } from '../../playground/model-io.js';
import { defaultState, normalize, parseHash, type PgState } from '../../playground/src/state.js';
import { generateCode } from '../../playground/src/codegen.js';

const S = (hash = ''): PgState => parseHash(hash).state;

describe('playground FeatureMap', () => {
  it('computes the seven features in order and is part of the state dict-free head', () => {
    const fm = new FeatureMap(['x', 'y', 'xSquared', 'ySquared', 'xTimesY', 'sinX', 'sinY']);
    const out = run(fm, tensor([[2, -3]])).toArray() as number[][];
    const e = [2, -3, 4, 9, -6, Math.sin(2), Math.sin(-3)];
    out[0]!.forEach((v, i) => expect(v).toBeCloseTo(e[i]!, 5));
    expect(Object.keys(fm.stateDict())).toEqual([]);
    expect(() => new FeatureMap([])).toThrow(/at least one/);
  });
});

describe('playground model builder', () => {
  it('builds Sequential(FeatureMap, Linear, Tanh, Linear, Tanh, Linear) for the defaults with PyTorch keys', () => {
    const b = buildModel(architectureOf(defaultState()), new Rng(2));
    expect(b.model).toBeInstanceOf(nn.Sequential);
    expect(Object.keys(b.model.stateDict())).toEqual(['1.weight', '1.bias', '3.weight', '3.bias', '5.weight', '5.bias']);
    expect(b.model.at(1)).toBeInstanceOf(nn.Linear);
    expect((b.model.at(1) as nn.Linear).weight.shape).toEqual([4, 2]);
    expect(b.taps).toEqual([0, 2, 4, 5]);
  });

  it('rejects malformed architecture files with a named field', () => {
    const good = architectureOf(defaultState());
    expect(validateArchitecture(JSON.parse(JSON.stringify(good)))).toEqual(good);
    expect(() => validateArchitecture({ ...good, hidden: [9] })).toThrow(/hidden/);
    expect(() => validateArchitecture({ ...good, features: ['evil'] })).toThrow(/features/);
    expect(() => validateArchitecture({ ...good, format: 'x' })).toThrow(/format/);
    expect(() => validateArchitecture([])).toThrow(/object/);
  });
});

describe('playground datasets', () => {
  it('generates 500 seeded points per dataset, identical for the same seed', () => {
    for (const dataset of ['circle', 'xor', 'gauss', 'spiral', 'reg-plane', 'reg-gauss', 'blobs', 'spiral-k'] as const) {
      const s = { dataset, noise: 10, classes: 3 };
      const a = generate(s, new Rng(5));
      expect(a.length).toBeGreaterThanOrEqual(498);
      expect(generate(s, new Rng(5))).toEqual(a);
      expect(generate(s, new Rng(6))).not.toEqual(a);
      for (const p of a) expect(Number.isFinite(p.x) && Number.isFinite(p.y) && Number.isFinite(p.label)).toBe(true);
    }
    const circle = generate({ dataset: 'circle', noise: 0, classes: 2 }, new Rng(1));
    for (const p of circle) expect(p.label).toBe(Math.hypot(p.x, p.y) < 2.5 ? 1 : 0);
  });

  it('splits by ratio with a validation share', () => {
    const pts = generate({ dataset: 'xor', noise: 0, classes: 2 }, new Rng(1));
    const sp = splitPoints(pts, { percTrainData: 70, valPercent: 20 }, new Rng(2));
    expect(sp.test.length).toBe(150);
    expect(sp.val.length).toBe(70);
    expect(sp.train.length).toBe(280);
  });

  it('parses CSV strictly, with line and column in errors', () => {
    const { points, classes, header } = parseCsv('\uFEFFx1,x2,label\n1,2,0\n-1,0.5,2\n\n3,3,1\n', 'classification');
    expect(points).toHaveLength(3);
    expect(classes).toBe(3);
    expect(header).toEqual(['x1', 'x2', 'label']);
    expect(parseCsv(toCsv(points), 'classification').points).toEqual(points);
    const err = (t: string) => {
      try {
        parseCsv(t, 'classification');
      } catch (e) {
        return e as CsvError;
      }
      throw new Error('no error');
    };
    expect(err('1,2,0\n1,2\n').line).toBe(2);
    expect(err('1,2,0\n1,12abc,0\n').column).toBe(2);
    expect(err('1,NaN,0').message).toMatch(/not a number/);
    expect(err('1,1e999,0').message).toMatch(/not finite/);
    expect(err('1,1,7').message).toMatch(/0–4/);
    expect(err('').message).toMatch(/no data/);
    expect(() => parseCsv('1,1,0.5', 'regression')).not.toThrow();
  });
});

describe('playground Trainer', () => {
  it('is deterministic: same seeds → same losses and weights', () => {
    const a = new Trainer(S());
    const b = new Trainer(S());
    const la = [1, 2, 3].map(() => a.stepEpoch());
    const lb = [1, 2, 3].map(() => b.stepEpoch());
    expect(la).toEqual(lb);
    expect(a.weights()).toEqual(b.weights());
    expect(la.every(Number.isFinite)).toBe(true);
  });

  it('reset restores the same initial weights; a new init seed changes them', () => {
    const t = new Trainer(S());
    const w0 = t.weights();
    t.stepEpoch();
    expect(t.weights()).not.toEqual(w0);
    t.resetModel();
    expect(t.weights()).toEqual(w0);
    t.update({ ...t.state, initSeed: 99 });
    expect(t.weights()).not.toEqual(w0);
  });

  it('live changes (learning rate, optimizer, regularisation, batch size) do not reset', () => {
    const t = new Trainer(S());
    t.stepEpoch();
    t.stepEpoch();
    const w = t.weights();
    expect(
      t.update({ ...t.state, learningRate: 0.1, regularization: 'L2', regularizationRate: 0.01, batchSize: 20, optimizer: 'sgd' }),
    ).toBe(false);
    expect(t.epoch).toBe(2);
    expect(t.weights()).toEqual(w);
    expect(t.currentLr()).toBe(0.1);
    expect(t.update({ ...t.state, mode: 'image', showTestData: true, race: 'sgd', hide: ['noise'] })).toBe(false);
    expect(t.epoch).toBe(2);
    expect(t.update({ ...t.state, networkShape: [3] })).toBe(true);
    expect(t.epoch).toBe(0);
  });

  it('learns circle with X₁², X₂² to test accuracy ≥ 0.95', () => {
    const t = new Trainer(S('xSquared=true&ySquared=true&x=false&y=false&networkShape=4'));
    for (let i = 0; i < 60; i++) t.stepEpoch();
    const m = t.evaluate();
    expect(m.test.accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('classic preset: tanh output, ±1 targets, ½·MSE, fixed order, TF init', () => {
    const t = new Trainer(S('preset=classic&learningRate=0.03'));
    expect(t.arch.outputActivation).toBe('tanh');
    expect(t.arch.labels).toBe('pm1');
    const w = t.weights();
    for (const l of w) {
      for (const v of l.weight) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
      for (const v of l.bias) expect(v).toBeCloseTo(0.1, 6);
    }
    const losses = Array.from({ length: 30 }, () => t.stepEpoch());
    expect(losses[29]!).toBeLessThan(losses[0]!);
    const g = t.grid();
    for (const v of g.output) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });

  it('classic L1: weights that cross zero are clamped to exactly 0 (TensorFlow Playground)', () => {
    const t = new Trainer(S('preset=classic&regularization=L1&regularizationRate=0.03&learningRate=0.1&networkShape=8,8'));
    for (let i = 0; i < 20; i++) t.stepEpoch();
    const zeros = t.weights().reduce((n, l) => n + l.weight.filter((v) => v === 0).length, 0);
    expect(zeros).toBeGreaterThan(10);
    const modern = new Trainer(S('regularization=L1&regularizationRate=0.03&learningRate=0.1&networkShape=8,8&optimizer=sgd'));
    for (let i = 0; i < 20; i++) modern.stepEpoch();
    expect(modern.weights().reduce((n, l) => n + l.weight.filter((v) => v === 0).length, 0)).toBe(0);
  });

  it('multi-class: softmax probabilities over the grid, confusion matrix per class', () => {
    const t = new Trainer(S('dataset=blobs&classes=4&networkShape=6'));
    for (let i = 0; i < 20; i++) t.stepEpoch();
    const m = t.evaluate();
    expect(m.test.accuracy).toBeGreaterThan(0.85);
    expect(m.confusion).toHaveLength(4);
    const g = t.grid();
    expect(g.classes).toBe(4);
    expect(g.output.length).toBe(GRID * GRID * 4);
    for (let c = 0; c < 10; c++) expect(g.output.subarray(c * 4, c * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('regression reports R² and RMSE', () => {
    const t = new Trainer(S('dataset=reg-plane&networkShape=2'));
    for (let i = 0; i < 30; i++) t.stepEpoch();
    const m = t.evaluate();
    expect(m.test.r2!).toBeGreaterThan(0.9);
    expect(m.test.rmse!).toBeLessThan(0.2);
  });

  it('grid: one batched pass gives every layer (features, hidden, output)', () => {
    const t = new Trainer(S());
    const g = t.grid();
    expect(g.layers.map((l) => l.units)).toEqual([2, 4, 2, 1]);
    for (const l of g.layers) expect(l.values.length).toBe(GRID * GRID * l.units);
    // the FeatureMap tap is the grid itself
    const pts = gridPoints();
    expect(g.layers[0]!.values.subarray(0, 4)).toEqual(pts.subarray(0, 4));
  });

  it('hidden representation: training points in the last 2-unit layer (null otherwise)', () => {
    const t = new Trainer(S());
    const hr = t.hiddenRepresentation()!;
    expect(hr.xy.length).toBe(2 * t.splits.train.length);
    for (const v of hr.xy) expect(Math.abs(v)).toBeLessThanOrEqual(1); // tanh
    expect(Array.from(hr.labels)).toEqual(t.splits.train.map((p) => p.label));
    expect(new Trainer(S('networkShape=3')).hiddenRepresentation()).toBeNull();
    expect(new Trainer(S('networkShape=')).hiddenRepresentation()).toBeNull();
  });

  it('weight edits change the output', () => {
    const t = new Trainer(S());
    const before = t.grid().output.slice();
    t.setWeight(2, 0, 0, 5);
    expect(t.weights()[2]!.weight[0]).toBe(5);
    t.setWeight(2, 0, -1, -2);
    expect(t.weights()[2]!.bias[0]).toBe(-2);
    expect(t.grid().output).not.toEqual(before);
  });

  it('divergence guard: learning rate 10 with SGD diverges, recover restores the last good weights', () => {
    const t = new Trainer(S('optimizer=sgd&learningRate=10&networkShape=8,8,8&activation=relu&loss=mse&dataset=reg-plane'));
    let epochs = 0;
    while (!t.diverged && epochs < 50) {
      t.stepEpoch();
      t.evaluate();
      epochs++;
    }
    expect(t.diverged).not.toBeNull();
    expect(t.diverged!.reason).toMatch(/loss|weight/);
    // a sentence (capitalised), naming the epoch the counter shows
    expect(t.diverged!.reason).toMatch(/^[A-Z]/);
    expect(t.diverged!.reason).toMatch(new RegExp(`(after|in|at|by) (epoch )?${t.epoch}\\b`));
    t.recover(0.001);
    expect(t.diverged).toBeNull();
    expect(t.state.learningRate).toBe(0.001);
    for (const l of t.weights()) for (const v of l.weight) expect(Number.isFinite(v)).toBe(true);
    expect(Number.isFinite(t.stepEpoch())).toBe(true);
  });

  it('early stopping marks the best epoch on the validation split', () => {
    const t = new Trainer(S('valPercent=30&earlyStopping=3&learningRate=0.3&dataset=spiral&noise=40'));
    for (let i = 0; i < 200 && !t.stopped; i++) {
      t.stepEpoch();
      t.evaluate();
    }
    expect(t.stopped).toBe(true);
    expect(t.best!.epoch).toBeLessThan(t.epoch);
  });

  it('custom points (3 classes) train a 3-output model', () => {
    const { points, classes } = parseCsv(
      Array.from({ length: 90 }, (_, i) => `${(i % 3) * 3 - 3 + (i % 7) * 0.05},${(i % 5) * 0.1},${i % 3}`).join('\n'),
      'classification',
    );
    const t = new Trainer(S());
    const reset = t.setPoints(points, normalize({ ...t.state, dataset: 'custom', classes }));
    expect(reset).toBe(true);
    expect(t.arch.outputs).toBe(3);
    for (let i = 0; i < 30; i++) t.stepEpoch();
    expect(t.evaluate().train.accuracy).toBeGreaterThan(0.9);
  });

  it('scheduler changes the learning rate per epoch', () => {
    const t = new Trainer(S('scheduler=step&stepSize=2&gamma=0.5&learningRate=0.1'));
    t.stepEpoch();
    t.stepEpoch();
    expect(t.currentLr()).toBeCloseTo(0.05, 10);
  });
});

describe('playground model files', () => {
  it('save → load in Node gives the same grid predictions', () => {
    const s = S('xSquared=true&sinY=true&networkShape=5,3&activation=relu&norm=layer');
    const t = new Trainer(s);
    for (let i = 0; i < 5; i++) t.stepEpoch();
    const saved = saveModel(t.model, t.arch, t.state);
    const loaded = loadPlaygroundModel(saved.architecture, saved.weights);
    expect(loaded.settings).toEqual(t.state);
    const pts = gridPoints();
    // raw outputs are bit-identical; the shown probabilities agree to float32 rounding
    const g = t.grid();
    expect(loaded.forward(pts).dataSync()).toEqual(g.layers[g.layers.length - 1]!.values);
    const p = loaded.predict(pts).map((r) => r[0]! * 2 - 1);
    let maxDiff = 0;
    p.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - g.output[i]!))));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('refuses a weights file that does not match the architecture', () => {
    const t = new Trainer(S());
    const other = new Trainer(S('networkShape=3'));
    const saved = saveModel(other.model, other.arch);
    expect(() => loadPlaygroundModel(JSON.stringify(t.arch), saved.weights)).toThrow(/size mismatch|shape/);
    expect(() => loadPlaygroundModel('{', saved.weights)).toThrow(/JSON/);
  });
});

describe('playground show-code', () => {
  it('emits code naming the layers, optimizer and loss of the state', () => {
    const code = generateCode(S('networkShape=3&activation=relu&optimizer=adamw&regularization=L2&regularizationRate=0.01'));
    expect(code).toContain('new nn.Linear(2, 3, { rng })');
    expect(code).toContain('new nn.ReLU()');
    expect(code).toContain('optim.AdamW');
    expect(code).toContain('binaryCrossEntropyWithLogits');
    expect(code).toContain('L2');
    expect(generateCode(S('preset=classic'))).toContain('uniform_(m.weight, -0.5, 0.5');
  });

  it("init=zero (TensorFlow Playground's initZero): all weights 0, biases 0.1 in the classic preset as there, else 0", () => {
    const classic = new Trainer(S('initZero=true&seed=0.1'));
    expect(classic.state.preset).toBe('classic');
    for (const l of classic.weights()) {
      expect(Array.from(l.weight).every((v) => v === 0)).toBe(true);
      expect(Array.from(l.bias).every((v) => Math.abs(v - 0.1) < 1e-7)).toBe(true);
    }
    const modern = new Trainer(S('init=zero'));
    for (const l of modern.weights()) expect([...l.weight, ...l.bias].every((v) => v === 0)).toBe(true);
  });
});
