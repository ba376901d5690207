/** Which settings changed, and which of them need a new model or new data. */
import { STATE_KEYS, type PgState } from './state.js';
import { FEATURES } from './feature-names.js';

/** Changes that need a new model (everything else is applied live, without a reset). */
export const STRUCTURAL_KEYS: readonly (keyof PgState)[] = [
  'preset',
  'networkShape',
  'activation',
  'layerActivations',
  ...FEATURES,
  'dropout',
  'norm',
  'init',
  'initSeed',
  'problem',
  'classes',
  'dataset',
  'noise',
  'percTrainData',
  'valPercent',
  'dataSeed',
];
/** Changes that need new data (a subset of the structural ones). */
export const DATA_KEYS: readonly (keyof PgState)[] = ['dataset', 'classes', 'noise', 'percTrainData', 'valPercent', 'dataSeed', 'problem'];

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/** Which keys differ between two states. */
export function diffKeys(a: PgState, b: PgState): (keyof PgState)[] {
  return STATE_KEYS.filter((k) => !sameValue(a[k], b[k]));
}
