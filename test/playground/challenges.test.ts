import { describe, expect, it } from 'vitest';
import { CHALLENGES, challengeStatus, plural } from '../../playground/src/challenges.js';
import { Trainer } from '../../playground/src/trainer.js';
import { CHALLENGE_NAMES, defaultState, normalize, parseHash } from '../../playground/src/state.js';

describe('playground challenges', () => {
  it('every named challenge exists and its setup is a valid state', () => {
    for (const name of CHALLENGE_NAMES) {
      if (name === 'none') continue;
      const c = CHALLENGES[name];
      const notes: string[] = [];
      normalize({ ...defaultState(), ...c.setup, challenge: name }, notes);
      expect(notes).toEqual([]);
    }
    expect(parseHash('challenge=bogus').state.challenge).toBe('none');
  });

  it('the circle challenge is solved by X₁², X₂² with no hidden layer, not by the starting setup', () => {
    const start = normalize({ ...defaultState(), ...CHALLENGES['circle-features'].setup, challenge: 'circle-features' });
    const t0 = new Trainer(start);
    for (let i = 0; i < 30; i++) t0.stepEpoch();
    expect(challengeStatus(start, t0.evaluate())!.done).toBe(false);
    const solved = normalize({ ...start, x: false, y: false, xSquared: true, ySquared: true, learningRate: 0.1 });
    const t = new Trainer(solved);
    for (let i = 0; i < 30; i++) t.stepEpoch();
    const st = challengeStatus(solved, t.evaluate())!;
    expect(st.done).toBe(true);
    expect(st.status).toMatch(/0 hidden layers/);
  });

  it('budget and feature rules are enforced', () => {
    const m = { epoch: 200, train: { loss: 0.01, accuracy: 1 }, test: { loss: 0.01, accuracy: 1 }, lr: 0.03 };
    const base = normalize({ ...defaultState(), ...CHALLENGES['xor-small'].setup, challenge: 'xor-small' });
    expect(challengeStatus({ ...base, networkShape: [4] }, m)!.done).toBe(true);
    expect(challengeStatus({ ...base, networkShape: [5] }, m)!.done).toBe(false);
    expect(challengeStatus({ ...base, networkShape: [4], xTimesY: true }, m)!.done).toBe(false);
    const sp = normalize({ ...defaultState(), ...CHALLENGES['spiral-budget'].setup, challenge: 'spiral-budget' });
    expect(challengeStatus({ ...sp, networkShape: [8, 8] }, m)!.done).toBe(true);
    expect(challengeStatus({ ...sp, networkShape: [8, 8, 1] }, m)!.done).toBe(false);
    expect(challengeStatus(defaultState(), m)).toBeNull();
  });

  it('says "1 hidden neuron" and "0 hidden layers"', () => {
    expect(plural(1, 'hidden neuron')).toBe('1 hidden neuron');
    expect(plural(0, 'hidden layer')).toBe('0 hidden layers');
    const m0 = { epoch: 0, lr: 0.01, train: { loss: 0.7, accuracy: 0.5 }, test: { loss: 0.7, accuracy: 0.5 } };
    const st = challengeStatus({ ...defaultState(), challenge: 'xor-small', dataset: 'xor', networkShape: [1] }, m0);
    expect(st!.status).toMatch(/^1 hidden neuron ·/);
  });
});
