import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ACTIVATIONS,
  DATASETS,
  MAX_LAYERS,
  MAX_NEURONS,
  MAX_SEED,
  SCHEMA,
  STATE_KEYS,
  defaultState,
  diffKeys,
  normalize,
  outputsFor,
  parseHash,
  seedsFromString,
  toHash,
  validateObject,
  type PgState,
} from '../../playground/src/state.js';

/** Every invariant a validated state must satisfy, whatever the input. */
function assertValid(s: PgState): void {
  for (const k of STATE_KEYS) {
    const spec = SCHEMA[k];
    const v = s[k] as unknown;
    switch (spec.kind) {
      case 'enum':
        expect(spec.values).toContain(v);
        break;
      case 'bool':
        expect(typeof v).toBe('boolean');
        break;
      case 'num':
        expect(typeof v).toBe('number');
        expect(Number.isFinite(v)).toBe(true);
        expect(v as number).toBeGreaterThanOrEqual(spec.min);
        expect(v as number).toBeLessThanOrEqual(spec.max);
        if (spec.int) expect(Number.isInteger(v)).toBe(true);
        break;
      case 'intList':
        expect(Array.isArray(v)).toBe(true);
        expect((v as number[]).length).toBeLessThanOrEqual(spec.maxLen);
        for (const e of v as number[]) {
          expect(Number.isInteger(e)).toBe(true);
          expect(e).toBeGreaterThanOrEqual(spec.min);
          expect(e).toBeLessThanOrEqual(spec.max);
        }
        break;
      case 'enumList':
        expect((v as string[]).length).toBeLessThanOrEqual(spec.maxLen);
        for (const e of v as string[]) expect(spec.values).toContain(e);
        break;
    }
  }
  expect(s.x || s.y || s.xSquared || s.ySquared || s.xTimesY || s.sinX || s.sinY).toBe(true);
  expect(s.dataset).not.toBe('custom');
  expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
}

describe('playground URL state', () => {
  it('empty hash gives the defaults and no notices', () => {
    const { state, notices } = parseHash('');
    expect(state).toEqual(defaultState());
    expect(notices).toEqual([]);
    expect(state.networkShape).toEqual([4, 2]);
  });

  it('round-trips every default through the hash', () => {
    const s = defaultState();
    const { state, notices } = parseHash(`#${toHash(s)}`);
    expect(notices).toEqual([]);
    expect(state).toEqual(s);
  });

  it("reads TensorFlow Playground's keys", () => {
    const { state, notices } = parseHash(
      '#activation=relu&batchSize=20&dataset=spiral&regDataset=reg-plane&learningRate=0.3&regularizationRate=0.001&noise=15&networkShape=8,8,5&seed=0.1&showTestData=true&discretize=false&percTrainData=70&x=true&y=false&xTimesY=true&xSquared=true&ySquared=true&cosX=false&sinX=true&cosY=false&sinY=false&collectStats=false&problem=classification&initZero=false&hideText=false&learningRate_hide=true',
    );
    expect(state.activation).toBe('relu');
    expect(state.batchSize).toBe(20);
    expect(state.dataset).toBe('spiral');
    expect(state.learningRate).toBe(0.3);
    expect(state.networkShape).toEqual([8, 8, 5]);
    expect(state.y).toBe(false);
    expect(state.xTimesY).toBe(true);
    expect(state.hide).toEqual(['learningRate']);
    // every TensorFlow Playground key is understood: a valid link gives no notice
    expect(notices).toEqual([]);
    // a TF link trains as TF does, and its seed string fixes our three seeds
    expect(state.preset).toBe('classic');
    expect([state.dataSeed, state.initSeed, state.shuffleSeed]).toEqual(Object.values(seedsFromString('0.1')));
    expect(parseHash('seed=0.1&dataSeed=7').state.dataSeed).toBe(7);
    expect(new Set(Object.values(seedsFromString('0.1'))).size).toBe(3);
    expect(seedsFromString('0.1')).not.toEqual(seedsFromString('0.2'));
  });

  it("derives seeds in our range from any TensorFlow seed, so the page's own link of a TF link loads unchanged", () => {
    // TF writes Math.random().toFixed(5); the page then rewrites the URL with toHash
    for (let i = 0; i < 2000; i++) {
      const seed = (i / 2000).toFixed(5);
      for (const v of Object.values(seedsFromString(seed))) {
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(MAX_SEED);
      }
      const first = parseHash(`seed=${seed}&networkShape=4,2`).state;
      const again = parseHash(toHash(first));
      expect(again.notices).toEqual([]);
      expect(again.state).toEqual(first);
    }
  });

  it("gives TensorFlow Playground's regression, hide and other keys their meaning there", () => {
    // problem=regression picks regDataset (TF keeps the last classification dataset in `dataset`)
    const reg = parseHash('dataset=circle&regDataset=reg-gauss&problem=regression&seed=0.5');
    expect(reg.notices).toEqual([]);
    expect([reg.state.dataset, reg.state.problem]).toEqual(['reg-gauss', 'regression']);
    expect(parseHash('dataset=circle&problem=regression').state.dataset).toBe('reg-plane');
    expect(parseHash('dataset=reg-plane')).toEqual({
      state: { ...defaultState(), dataset: 'reg-plane', problem: 'regression' },
      notices: [],
    });
    // every `_hide` flag of its classroom dialog, and the inputs' own
    const flags = [
      'showTestData',
      'discretize',
      'playButton',
      'stepButton',
      'resetButton',
      'learningRate',
      'activation',
      'regularization',
      'regularizationRate',
      'problem',
      'dataset',
      'percTrainData',
      'noise',
      'batchSize',
      'numHiddenLayers',
      'x',
      'y',
      'xSquared',
      'ySquared',
      'xTimesY',
      'sinX',
      'sinY',
    ];
    const all = parseHash(`${flags.map((f) => `${f}_hide=true`).join('&')}&cosX_hide=true&cosY_hide=true`);
    expect(all.notices).toEqual([]);
    expect([...all.state.hide].sort()).toEqual([...flags].sort());
    expect(parseHash('noise_hide=false')).toEqual({ state: defaultState(), notices: [] });
    const z = parseHash('initZero=true&hideText=true&collectStats=true&cosX=true&tutorial=dp-neuron');
    expect(z.notices).toEqual([]);
    expect(z.state.init).toBe('zero');
    expect(z.state.hide).toEqual(['article']);
    // still validated
    expect(parseHash('initZero=maybe').notices).toHaveLength(1);
    expect(parseHash('regDataset=evil').notices).toHaveLength(1);
    expect(parseHash('tutorial=<b>').notices).toHaveLength(1);
    expect(parseHash('bogus_hide=true').notices).toHaveLength(1);
    // an explicit preset wins over the TF default of classic
    expect(parseHash('seed=0.1&preset=modern').state.preset).toBe('modern');
  });

  it('clamps numbers and caps the network, with a notice each', () => {
    const { state, notices } = parseHash('learningRate=1e9&batchSize=0&noise=-3&networkShape=100,0,3,3,3,3,3,3');
    expect(state.learningRate).toBe(10);
    expect(state.batchSize).toBe(1);
    expect(state.noise).toBe(0);
    expect(state.networkShape).toEqual([MAX_NEURONS, 1, 3, 3, 3, 3]);
    expect(state.networkShape.length).toBe(MAX_LAYERS);
    expect(notices.length).toBeGreaterThanOrEqual(5);
    expect(notices.join('\n')).toMatch(/learningRate: 1000000000 is outside \[0.00001|learningRate: 1000000000 is outside/);
  });

  it('rejects non-finite and malformed numbers to the default', () => {
    for (const bad of ['NaN', 'Infinity', '1e999', '', ' 1', '0x10', '1,5', '12abc']) {
      const { state, notices } = parseHash(`learningRate=${encodeURIComponent(bad)}`);
      expect(state.learningRate).toBe(defaultState().learningRate);
      expect(notices.length).toBe(1);
    }
  });

  it('ignores unknown keys and prototype keys', () => {
    const { state, notices } = parseHash('__proto__=1&constructor=x&toString=3&hasOwnProperty=1&evil=<script>');
    expect(state).toEqual(defaultState());
    expect(notices.length).toBe(5);
    expect(({} as Record<string, unknown>).evil).toBeUndefined();
  });

  it('applies cross-field rules', () => {
    expect(parseHash('dataset=reg-plane').state.problem).toBe('regression');
    expect(parseHash('dataset=xor&problem=classification').state.problem).toBe('classification');
    // a contradiction (a regression dataset asked to classify) is fixed with a notice
    const bad = parseHash('dataset=reg-gauss&problem=classification');
    expect(bad.state.problem).toBe('regression');
    expect(bad.notices).toHaveLength(1);
    const multi = parseHash('dataset=blobs&classes=4&preset=classic&loss=bce');
    expect(multi.state.preset).toBe('modern');
    expect(multi.state.loss).toBe('auto');
    expect(outputsFor(multi.state)).toBe(4);
    const none = parseHash('x=false&y=false');
    expect(none.state.x && none.state.y).toBe(true);
    expect(parseHash('networkShape=3,3&layerActivations=relu').state.layerActivations).toEqual([]);
    expect(parseHash('dataset=custom').state.dataset).toBe('circle');
    expect(parseHash('race=rmsprop').state.race).toBe('rmsprop');
    expect(parseHash('race=rmsprop&preset=classic').state.race).toBe('none');
    expect(parseHash('race=evil').state.race).toBe('none');
  });

  it('rejects oversize hashes', () => {
    const { state, notices } = parseHash(`noise=10&${'a'.repeat(5000)}`);
    expect(state).toEqual(defaultState());
    expect(notices).toHaveLength(1);
  });

  it('validates objects from files with the same rules', () => {
    const { state, notices } = validateObject({ networkShape: [9, 2], learningRate: 'x', activation: 'relu', nested: { a: 1 } });
    expect(state.networkShape).toEqual([8, 2]);
    expect(state.learningRate).toBe(defaultState().learningRate);
    expect(state.activation).toBe('relu');
    expect(notices.length).toBe(3);
    expect(validateObject(null).state).toEqual(defaultState());
  });

  it('diffKeys names what changed', () => {
    const a = defaultState();
    const b = { ...a, learningRate: 0.1, networkShape: [4, 3] };
    expect(diffKeys(a, b).sort()).toEqual(['learningRate', 'networkShape']);
  });

  it('fuzz: any hash yields a valid state and never throws', () => {
    const keys = [...STATE_KEYS, '__proto__', 'constructor', 'x_hide', 'bogus', ''];
    const value = fc.oneof(
      fc.string(),
      fc.double().map(String),
      fc.integer({ min: -1e6, max: 1e6 }).map(String),
      fc.constantFrom(...ACTIVATIONS, ...DATASETS, 'true', 'false', 'NaN', '-Infinity', '1e309'),
      fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 12 }).map((a) => a.join(',')),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 20 }), fc.boolean(), (pairs, encode) => {
        const hash = pairs.map(([k, v]) => `${k}=${encode ? encodeURIComponent(v) : v}`).join('&');
        const { state } = parseHash(hash);
        assertValid(state);
        // A validated state survives its own round trip unchanged and without notices.
        const again = parseHash(toHash(state));
        expect(again.state).toEqual(state);
        expect(again.notices).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('fuzz: arbitrary raw strings never throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (h) => {
        assertValid(parseHash(h).state);
      }),
      { numRuns: 400 },
    );
  });

  it('normalize is idempotent', () => {
    const s = normalize({ ...defaultState(), dataset: 'spiral-k', loss: 'mse' });
    const n: string[] = [];
    expect(normalize(s, n)).toEqual(s);
    expect(n).toEqual([]);
  });
});
