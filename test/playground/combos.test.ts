/** Any validated setup trains, evaluates and draws without throwing (fuzzed over the settings). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Trainer } from '../../playground/src/trainer.js';
import {
  ACTIVATIONS,
  INITS,
  LOSSES,
  NORMS,
  OPTIMIZERS,
  SCHEDULERS,
  normalize,
  defaultState,
  type PgState,
} from '../../playground/src/state.js';
import { GRID } from '../../playground/src/grid.js';

const arbState = fc.record({
  preset: fc.constantFrom('modern', 'classic'),
  dataset: fc.constantFrom('circle', 'xor', 'gauss', 'spiral', 'reg-plane', 'reg-gauss', 'blobs', 'spiral-k'),
  classes: fc.integer({ min: 2, max: 5 }),
  noise: fc.integer({ min: 0, max: 50 }),
  percTrainData: fc.integer({ min: 10, max: 90 }),
  valPercent: fc.integer({ min: 0, max: 40 }),
  batchSize: fc.integer({ min: 1, max: 64 }),
  learningRate: fc.constantFrom(0.00001, 0.003, 0.03, 0.3, 3),
  activation: fc.constantFrom(...ACTIVATIONS),
  networkShape: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 6 }),
  xSquared: fc.boolean(),
  sinY: fc.boolean(),
  regularization: fc.constantFrom('none', 'L1', 'L2'),
  regularizationRate: fc.constantFrom(0, 0.001, 0.1),
  loss: fc.constantFrom(...LOSSES),
  optimizer: fc.constantFrom(...OPTIMIZERS),
  scheduler: fc.constantFrom(...SCHEDULERS),
  dropout: fc.constantFrom(0, 0.2, 0.5),
  norm: fc.constantFrom(...NORMS),
  init: fc.constantFrom(...INITS),
  earlyStopping: fc.constantFrom(0, 2),
});

describe('playground setups (fuzzed)', () => {
  it('every validated setup trains, evaluates and draws', () => {
    fc.assert(
      fc.property(arbState, (partial) => {
        const s: PgState = normalize({
          ...defaultState(),
          ...(partial as Partial<PgState>),
          problem: partial.dataset.startsWith('reg-') ? 'regression' : 'classification',
        });
        const t = new Trainer(s);
        t.stepEpoch();
        const m = t.evaluate();
        expect(m.epoch).toBe(t.diverged ? m.epoch : 1);
        const g = t.grid();
        expect(g.output.length).toBe(GRID * GRID * g.classes);
        expect(g.layers.length).toBe(s.networkShape.length + 2);
        expect(t.weights().length).toBe(s.networkShape.length + 1);
      }),
      { numRuns: 40, seed: 7 },
    );
  });
});
