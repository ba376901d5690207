/**
 * Guided challenges, chosen by the `challenge` URL key: a setup to start from, a goal in words, and a
 * check against the live metrics. Pure (no DOM), so the goals are unit-tested.
 */
import { RAW_INPUTS, type ChallengeName, type PgState } from './state.js';
import type { Metrics } from './trainer.js';

export interface Challenge {
  title: string;
  goal: string;
  hint: string;
  /** Settings applied when the challenge is opened. */
  setup: Partial<PgState>;
  /** Whether the goal is met, and a short status line. */
  check(s: PgState, m: Metrics): { done: boolean; status: string };
}

/** "1 hidden neuron", "2 hidden neurons". */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const neurons = (s: PgState): number => s.networkShape.reduce((a, b) => a + b, 0);
const acc = (m: Metrics): number => m.test.accuracy ?? 0;
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

export const CHALLENGES: Record<Exclude<ChallengeName, 'none'>, Challenge> = {
  'circle-features': {
    title: 'A circle without hidden layers',
    goal: 'Reach 95% test accuracy on the circle with NO hidden layers.',
    hint: 'One neuron draws one straight line in the space of its inputs — which inputs make a circle a straight line?',
    setup: {
      dataset: 'circle',
      problem: 'classification',
      networkShape: [],
      ...RAW_INPUTS,
      noise: 0,
    },
    check: (s, m) => {
      const ok = s.dataset === 'circle' && s.networkShape.length === 0 && acc(m) >= 0.95;
      return { done: ok, status: `${plural(s.networkShape.length, 'hidden layer')} · test accuracy ${pct(acc(m))}` };
    },
  },
  'xor-small': {
    title: 'XOR from raw inputs',
    goal: 'Reach 95% test accuracy on XOR using only X₁ and X₂ and at most 4 hidden neurons.',
    hint: 'Two lines are enough to carve out the quadrants; the network needs a hidden layer to combine them.',
    setup: {
      dataset: 'xor',
      problem: 'classification',
      networkShape: [1],
      ...RAW_INPUTS,
      noise: 0,
    },
    check: (s, m) => {
      const raw = s.x && s.y && !s.xSquared && !s.ySquared && !s.xTimesY && !s.sinX && !s.sinY;
      const ok = s.dataset === 'xor' && raw && neurons(s) <= 4 && neurons(s) > 0 && acc(m) >= 0.95;
      return {
        done: ok,
        status: `${plural(neurons(s), 'hidden neuron')}${raw ? '' : ' (only X₁, X₂ allowed)'} · test accuracy ${pct(acc(m))}`,
      };
    },
  },
  'spiral-budget': {
    title: 'The spiral on a budget',
    goal: 'Reach 90% test accuracy on the spiral (noise 10) with at most 16 hidden neurons.',
    hint: 'Try the sin features, a different activation, or a learning-rate schedule.',
    setup: {
      dataset: 'spiral',
      problem: 'classification',
      noise: 10,
      networkShape: [4, 4],
      ...RAW_INPUTS,
    },
    check: (s, m) => {
      const ok = s.dataset === 'spiral' && s.noise >= 10 && neurons(s) <= 16 && acc(m) >= 0.9;
      return { done: ok, status: `${neurons(s)} / 16 hidden neurons · noise ${s.noise} · test accuracy ${pct(acc(m))}` };
    },
  },
  'noisy-generalize': {
    title: 'Generalise from few, noisy points',
    goal: 'With 20% training data and noise 40 on the Gaussian blobs, keep the test loss within 0.05 of the training loss after epoch 100.',
    hint: 'A big network memorises noise; regularisation, dropout or a smaller network help.',
    setup: { dataset: 'gauss', problem: 'classification', percTrainData: 20, noise: 40, networkShape: [8, 8, 8], activation: 'relu' },
    check: (s, m) => {
      const gap = m.test.loss - m.train.loss;
      const ok = s.dataset === 'gauss' && s.percTrainData <= 20 && s.noise >= 40 && m.epoch >= 100 && gap <= 0.05;
      return { done: ok, status: `epoch ${m.epoch} · test − train loss ${Number.isFinite(gap) ? gap.toFixed(3) : '—'}` };
    },
  },
};

/** The challenge's status for the current state and metrics (null when none is chosen). */
export function challengeStatus(s: PgState, m: Metrics): { challenge: Challenge; done: boolean; status: string } | null {
  if (s.challenge === 'none') return null;
  const c = CHALLENGES[s.challenge];
  return { challenge: c, ...c.check(s, m) };
}
