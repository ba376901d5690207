/**
 * TensorFlow Playground's own hash keys, read with the meaning they have there (its links, copied
 * from its page or from course material, open here without a warning). Used by state.ts's parseHash,
 * still the one validator: every value is checked, anything invalid gets a notice.
 */
import { MAX_SEED, REGRESSION_DATASETS, outputsFor, show, type DatasetName, type HideableName, type PgState } from './state.js';

/**
 * TensorFlow Playground's hash keys that are not settings of ours, with what they mean here:
 * - `regDataset` (reg-plane | reg-gauss): the dataset when `problem=regression` (there `dataset` keeps the
 *   last classification dataset);
 * - `seed` (any string): one seed for everything; our data, init and shuffle seeds are derived from it
 *   (unless given themselves), so a link reproduces the same points and weights every time;
 * - `initZero` (bool): all weights start at 0 (our `init=zero`);
 * - `hideText` (bool): hide the explanatory article (our `hide=article`);
 * - `cosX`, `cosY` (bool): inputs that TensorFlow Playground's page does not offer either (commented out
 *   there), so they have no effect there or here;
 * - `collectStats` (bool): its analytics switch; nothing is collected here;
 * - `tutorial` (a name): its tutorial articles; there are none here, so it has no effect.
 * A link carrying any of these came from TensorFlow Playground: unless it sets `preset`, it opens with the
 * classic preset, which trains as TensorFlow Playground does (plain SGD at its learning rate, ½·MSE).
 */
export const TF_ONLY_KEYS = ['regDataset', 'seed', 'initZero', 'hideText', 'cosX', 'cosY', 'collectStats', 'tutorial'] as const;
/** `_hide` flags TensorFlow Playground accepts for controls it does not show (its cos inputs): no effect. */
export const TF_NOOP_HIDE = ['cosX', 'cosY'];

/** 32-bit FNV-1a of a string, then one round of mixing per use: seeds derived from TF's `seed` string. */
export function seedsFromString(seed: string): { dataSeed: number; initSeed: number; shuffleSeed: number } {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  const mix = (k: number): number => {
    let x = (h + Math.imul(k, 0x9e3779b9)) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    // `^` gives a signed 32-bit result: back to unsigned first, or a third of the seeds came out negative
    return ((x ^ (x >>> 16)) >>> 0) % MAX_SEED;
  };
  return { dataSeed: mix(1), initSeed: mix(2), shuffleSeed: mix(3) };
}

/** TensorFlow Playground's own keys (see TF_ONLY_KEYS), applied with its meaning. */
export function applyTfKeys(state: PgState, tf: Map<string, string>, seen: Set<string>, hide: Set<HideableName>, notices: string[]): void {
  const bool = (key: string): boolean | undefined => {
    const raw = tf.get(key);
    if (raw === undefined) return undefined;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    notices.push(`${key}: ${show(raw)} is not true or false; ignored`);
    return undefined;
  };
  for (const k of ['cosX', 'cosY', 'collectStats']) bool(k); // validated, no effect (see TF_ONLY_KEYS)
  const reg = tf.get('regDataset');
  if (reg !== undefined && !REGRESSION_DATASETS.includes(reg as DatasetName))
    notices.push(`regDataset: ${show(reg)} is not one of ${REGRESSION_DATASETS.join(', ')}; ignored`);
  // TensorFlow Playground keeps both keys; `problem` says which one is in use
  if (state.problem === 'regression' && seen.has('problem') && !REGRESSION_DATASETS.includes(state.dataset))
    state.dataset = reg !== undefined && REGRESSION_DATASETS.includes(reg as DatasetName) ? (reg as DatasetName) : 'reg-plane';
  const seed = tf.get('seed');
  if (seed !== undefined) {
    if (seed.length > 64) notices.push('seed: longer than 64 characters; ignored');
    else {
      const d = seedsFromString(seed);
      for (const k of ['dataSeed', 'initSeed', 'shuffleSeed'] as const) if (!seen.has(k)) state[k] = d[k];
    }
  }
  if (bool('initZero') === true && !seen.has('init')) state.init = 'zero';
  if (bool('hideText') === true) hide.add('article');
  const tut = tf.get('tutorial');
  if (tut !== undefined && !/^[\w-]{0,64}$/.test(tut)) notices.push(`tutorial: ${show(tut)} is not a tutorial name; ignored`);
  // a TensorFlow Playground link trains as it did there, unless it asks for a preset
  if (tf.size > 0 && !seen.has('preset') && outputsFor(state) === 1) state.preset = 'classic';
}
