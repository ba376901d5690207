/**
 * The playground's whole state, and the ONE place where untrusted input (the URL hash, a loaded
 * architecture file) is validated. Every value is checked against an allow-listed schema: enums
 * against their list, numbers must be finite and are clamped into range, lists are capped. Anything
 * invalid falls back to its default and produces a human-readable notice that the page shows.
 *
 * Key names follow TensorFlow Playground's hash (`learningRate`, `networkShape`, `percTrainData`,
 * `x`, `xSquared`, …) so its course links keep working here; the extra keys are ours.
 */

import { TF_NOOP_HIDE, TF_ONLY_KEYS, applyTfKeys } from './tf-keys.js';
import { FEATURES, RAW_INPUTS } from './feature-names.js';

export { TF_ONLY_KEYS, seedsFromString } from './tf-keys.js';
export { DATA_KEYS, STRUCTURAL_KEYS, diffKeys } from './state-diff.js';

export const DATASETS = ['circle', 'xor', 'gauss', 'spiral', 'reg-plane', 'reg-gauss', 'blobs', 'spiral-k', 'custom'] as const;
export type DatasetName = (typeof DATASETS)[number];
export const REGRESSION_DATASETS: readonly DatasetName[] = ['reg-plane', 'reg-gauss'];
export const MULTICLASS_DATASETS: readonly DatasetName[] = ['blobs', 'spiral-k'];

export const ACTIVATIONS = ['tanh', 'relu', 'sigmoid', 'linear', 'leakyRelu', 'elu', 'gelu'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export { FEATURES, RAW_INPUTS };
export type FeatureName = (typeof FEATURES)[number];
/** Display labels (TensorFlow Playground's). */
export const FEATURE_LABELS: Record<FeatureName, string> = {
  x: 'X₁',
  y: 'X₂',
  xSquared: 'X₁²',
  ySquared: 'X₂²',
  xTimesY: 'X₁X₂',
  sinX: 'sin(X₁)',
  sinY: 'sin(X₂)',
};

export const LOSSES = ['auto', 'bce', 'mse', 'huber', 'ce'] as const;
export type LossName = (typeof LOSSES)[number];
export const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const SCHEDULERS = ['none', 'step', 'exponential', 'cosine'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];
export const REGULARIZATIONS = ['none', 'L1', 'L2'] as const;
export type RegularizationName = (typeof REGULARIZATIONS)[number];
export const NORMS = ['none', 'batch', 'layer'] as const;
export type NormName = (typeof NORMS)[number];
export const INITS = ['default', 'xavier', 'he', 'normal', 'zero'] as const;
export type InitName = (typeof INITS)[number];
export const PRESETS = ['modern', 'classic'] as const;
export type PresetName = (typeof PRESETS)[number];
export const PROBLEMS = ['classification', 'regression'] as const;
export type ProblemName = (typeof PROBLEMS)[number];
export const CHALLENGE_NAMES = ['none', 'circle-features', 'xor-small', 'spiral-budget', 'noisy-generalize'] as const;
export type ChallengeName = (typeof CHALLENGE_NAMES)[number];
export const MODES = ['2d', 'image'] as const;
export type ModeName = (typeof MODES)[number];

/** Controls a teacher can hide with `hide=a,b` (or TensorFlow Playground's `a_hide=true`). */
export const HIDEABLE = [
  'dataset',
  'noise',
  'percTrainData',
  'batchSize',
  'learningRate',
  'activation',
  'regularization',
  'regularizationRate',
  'problem',
  'features',
  'network',
  'preset',
  'loss',
  'optimizer',
  'scheduler',
  'dropout',
  'norm',
  'init',
  'seeds',
  'data',
  'model',
  'code',
  'playButton',
  'stepButton',
  'resetButton',
  'showTestData',
  'discretize',
  'valPercent',
  'earlyStopping',
  'mode',
  'race',
  'histograms',
  'header',
  'footer',
  'challenge',
  // TensorFlow Playground's own names: the layer-count buttons and each input feature
  'numHiddenLayers',
  ...FEATURES,
  // the explanatory article under the app (TensorFlow Playground's `hideText=true`), the classroom panel
  'article',
  'classroom',
] as const;
export type HideableName = (typeof HIDEABLE)[number];

/** Network size caps (TensorFlow Playground's: 6 hidden layers of at most 8 neurons). */
export const MAX_LAYERS = 6;
export const MAX_NEURONS = 8;
export const MAX_SEED = 2 ** 31 - 1;
/** Hashes longer than this are ignored outright. */
export const MAX_HASH_LENGTH = 4000;

export interface PgState {
  mode: ModeName;
  preset: PresetName;
  dataset: DatasetName;
  problem: ProblemName;
  classes: number;
  noise: number;
  percTrainData: number;
  valPercent: number;
  batchSize: number;
  learningRate: number;
  activation: ActivationName;
  layerActivations: ActivationName[];
  networkShape: number[];
  /** The input features (TensorFlow Playground's names). */
  x: boolean;
  y: boolean;
  xSquared: boolean;
  ySquared: boolean;
  xTimesY: boolean;
  sinX: boolean;
  sinY: boolean;
  regularization: RegularizationName;
  regularizationRate: number;
  loss: LossName;
  optimizer: OptimizerName;
  momentum: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  scheduler: SchedulerName;
  stepSize: number;
  gamma: number;
  tMax: number;
  dropout: number;
  norm: NormName;
  init: InitName;
  earlyStopping: number;
  dataSeed: number;
  initSeed: number;
  shuffleSeed: number;
  showTestData: boolean;
  discretize: boolean;
  hide: HideableName[];
  /** Optimizer race: a second copy of the network (same data, seeds and init) trained with this optimizer. */
  race: 'none' | OptimizerName;
  /** A guided challenge (goal shown and checked live). */
  challenge: ChallengeName;
}

type Spec =
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'num'; min: number; max: number; int?: boolean }
  | { kind: 'bool' }
  | { kind: 'intList'; maxLen: number; min: number; max: number }
  | { kind: 'enumList'; maxLen: number; values: readonly string[] };

/** The allow-list: every key the hash may carry, with its type and range. */
export const SCHEMA: { readonly [K in keyof PgState]: Spec } = {
  mode: { kind: 'enum', values: MODES },
  preset: { kind: 'enum', values: PRESETS },
  dataset: { kind: 'enum', values: DATASETS },
  problem: { kind: 'enum', values: PROBLEMS },
  classes: { kind: 'num', min: 2, max: 5, int: true },
  noise: { kind: 'num', min: 0, max: 50, int: true },
  percTrainData: { kind: 'num', min: 10, max: 90, int: true },
  valPercent: { kind: 'num', min: 0, max: 40, int: true },
  batchSize: { kind: 'num', min: 1, max: 64, int: true },
  learningRate: { kind: 'num', min: 1e-5, max: 10 },
  activation: { kind: 'enum', values: ACTIVATIONS },
  layerActivations: { kind: 'enumList', maxLen: MAX_LAYERS, values: ACTIVATIONS },
  networkShape: { kind: 'intList', maxLen: MAX_LAYERS, min: 1, max: MAX_NEURONS },
  x: { kind: 'bool' },
  y: { kind: 'bool' },
  xSquared: { kind: 'bool' },
  ySquared: { kind: 'bool' },
  xTimesY: { kind: 'bool' },
  sinX: { kind: 'bool' },
  sinY: { kind: 'bool' },
  regularization: { kind: 'enum', values: REGULARIZATIONS },
  regularizationRate: { kind: 'num', min: 0, max: 10 },
  loss: { kind: 'enum', values: LOSSES },
  optimizer: { kind: 'enum', values: OPTIMIZERS },
  momentum: { kind: 'num', min: 0, max: 0.999 },
  beta1: { kind: 'num', min: 0, max: 0.999 },
  beta2: { kind: 'num', min: 0, max: 0.99999 },
  weightDecay: { kind: 'num', min: 0, max: 1 },
  scheduler: { kind: 'enum', values: SCHEDULERS },
  stepSize: { kind: 'num', min: 1, max: 10000, int: true },
  gamma: { kind: 'num', min: 0.01, max: 1 },
  tMax: { kind: 'num', min: 1, max: 100000, int: true },
  dropout: { kind: 'num', min: 0, max: 0.9 },
  norm: { kind: 'enum', values: NORMS },
  init: { kind: 'enum', values: INITS },
  earlyStopping: { kind: 'num', min: 0, max: 1000, int: true },
  dataSeed: { kind: 'num', min: 0, max: MAX_SEED, int: true },
  initSeed: { kind: 'num', min: 0, max: MAX_SEED, int: true },
  shuffleSeed: { kind: 'num', min: 0, max: MAX_SEED, int: true },
  showTestData: { kind: 'bool' },
  discretize: { kind: 'bool' },
  hide: { kind: 'enumList', maxLen: HIDEABLE.length, values: HIDEABLE },
  race: { kind: 'enum', values: ['none', ...OPTIMIZERS] },
  challenge: { kind: 'enum', values: CHALLENGE_NAMES },
};

export const STATE_KEYS = Object.keys(SCHEMA) as (keyof PgState)[];

/** The defaults: the 2 → 4 → 2 → 1 tanh network on circle, modern training semantics. */
export function defaultState(): PgState {
  return {
    mode: '2d',
    preset: 'modern',
    dataset: 'circle',
    problem: 'classification',
    classes: 3,
    noise: 0,
    percTrainData: 50,
    valPercent: 0,
    batchSize: 10,
    learningRate: 0.01,
    activation: 'tanh',
    layerActivations: [],
    networkShape: [4, 2],
    ...RAW_INPUTS,
    regularization: 'none',
    regularizationRate: 0,
    loss: 'auto',
    optimizer: 'adam',
    momentum: 0.9,
    beta1: 0.9,
    beta2: 0.999,
    weightDecay: 0.01,
    scheduler: 'none',
    stepSize: 50,
    gamma: 0.5,
    tMax: 500,
    dropout: 0,
    norm: 'none',
    init: 'default',
    earlyStopping: 0,
    dataSeed: 1,
    initSeed: 2,
    shuffleSeed: 3,
    showTestData: false,
    discretize: false,
    hide: [],
    race: 'none',
    challenge: 'none',
  };
}

/** The result of validating untrusted input: a usable state and what had to be fixed. */
export interface Validated {
  state: PgState;
  notices: string[];
}

export const show = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

function parseNumber(raw: string): number | null {
  // Number('') is 0 and Number(' 1') is 1: reject anything that is not a plain decimal literal.
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) return null;
  const v = Number(raw);
  return Number.isFinite(v) ? v : null;
}

/** Validate one raw string for one key. Returns the value or a notice. */
function parseValue(key: keyof PgState, raw: string, notices: string[]): unknown {
  const spec = SCHEMA[key];
  switch (spec.kind) {
    case 'enum':
      if (spec.values.includes(raw)) return raw;
      notices.push(`${key}: ${show(raw)} is not one of ${spec.values.join(', ')}; using the default`);
      return undefined;
    case 'bool':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      notices.push(`${key}: ${show(raw)} is not true or false; using the default`);
      return undefined;
    case 'num': {
      const v = parseNumber(raw);
      if (v === null) {
        notices.push(`${key}: ${show(raw)} is not a finite number; using the default`);
        return undefined;
      }
      return clampNum(key, v, spec, notices);
    }
    case 'intList': {
      if (raw === '') return [];
      const parts = raw.split(',');
      if (parts.length > spec.maxLen) notices.push(`${key}: at most ${spec.maxLen} entries; extra ones dropped`);
      const out: number[] = [];
      for (const p of parts.slice(0, spec.maxLen)) {
        const v = parseNumber(p);
        if (v === null) {
          notices.push(`${key}: ${show(p)} is not a number; using the default`);
          return undefined;
        }
        out.push(clampNum(key, v, { min: spec.min, max: spec.max, int: true }, notices));
      }
      return out;
    }
    case 'enumList': {
      if (raw === '') return [];
      const parts = raw.split(',');
      if (parts.length > spec.maxLen) notices.push(`${key}: at most ${spec.maxLen} entries; extra ones dropped`);
      const out: string[] = [];
      for (const p of parts.slice(0, spec.maxLen)) {
        if (!spec.values.includes(p)) {
          notices.push(`${key}: ${show(p)} is not one of ${spec.values.join(', ')}; ignored`);
          continue;
        }
        if (!out.includes(p) || key !== 'hide') out.push(p);
      }
      return out;
    }
  }
}

function clampNum(key: string, v: number, spec: { min: number; max: number; int?: boolean }, notices: string[]): number {
  let x = (spec.int ? Math.round(v) : v) + 0; // + 0 turns -0 into 0
  if (x < spec.min || x > spec.max) {
    const c = Math.min(spec.max, Math.max(spec.min, x));
    notices.push(`${key}: ${v} is outside [${spec.min}, ${spec.max}]; clamped to ${c}`);
    x = c;
  }
  return x;
}

/**
 * Cross-field rules, applied after every per-key check (from the URL and from the UI alike):
 * problem type follows the dataset, the classic preset is for one output only, the loss must fit the
 * problem, at least one input feature, per-layer activations match the layer count.
 */
export function normalize(input: PgState, notices: string[] = []): PgState {
  const s: PgState = {
    ...input,
    networkShape: [...input.networkShape],
    layerActivations: [...input.layerActivations],
    hide: [...input.hide],
  };
  const isReg = REGRESSION_DATASETS.includes(s.dataset);
  if (s.dataset !== 'custom') {
    const want: ProblemName = isReg ? 'regression' : 'classification';
    if (s.problem !== want) {
      notices.push(`problem: dataset ${s.dataset} is a ${want} dataset; problem set to ${want}`);
      s.problem = want;
    }
  }
  const multi = outputsFor(s) > 1;
  if (s.preset === 'classic' && multi) {
    notices.push('preset: the classic preset has one output neuron; multi-class uses the modern preset');
    s.preset = 'modern';
  }
  if (s.loss !== 'auto') {
    const allowed: LossName[] = s.problem === 'regression' ? ['mse', 'huber'] : multi ? ['ce'] : ['bce', 'mse', 'huber'];
    if (!allowed.includes(s.loss)) {
      notices.push(`loss: ${s.loss} does not fit ${multi ? 'multi-class classification' : s.problem}; using auto`);
      s.loss = 'auto';
    }
  }
  if (!FEATURES.some((f) => s[f])) {
    notices.push('features: no input feature selected; X₁ and X₂ switched on');
    s.x = true;
    s.y = true;
  }
  if (s.race !== 'none' && s.preset === 'classic') {
    notices.push('race: the classic preset trains with plain SGD only; race switched off');
    s.race = 'none';
  }
  if (s.layerActivations.length > 0 && s.layerActivations.length !== s.networkShape.length) {
    const n = `${s.layerActivations.length} given for ${s.networkShape.length} hidden layers`;
    notices.push(`layerActivations: ${n}; using ${s.activation} for all`);
    s.layerActivations = [];
  }
  return s;
}

/** Number of output neurons the state asks for. */
export function outputsFor(s: Pick<PgState, 'dataset' | 'problem' | 'classes'>): number {
  if (s.problem === 'regression') return 1;
  if (MULTICLASS_DATASETS.includes(s.dataset)) return s.classes;
  if (s.dataset === 'custom' && s.classes > 2) return s.classes;
  return 1;
}

/** The activation of hidden layer `i`. */
export function layerActivation(s: PgState, i: number): ActivationName {
  return s.layerActivations[i] ?? s.activation;
}

/** Enabled feature names, in canonical order. */
export function enabledFeatures(s: PgState): FeatureName[] {
  return FEATURES.filter((f) => s[f]);
}

/**
 * Parse a URL hash (`#a=1&b=2`, leading `#` optional). Unknown keys, bad values, out-of-range numbers,
 * oversize lists and oversize hashes never throw: they fall back or clamp, each with a notice.
 */
export function parseHash(hash: string): Validated {
  const notices: string[] = [];
  const state = defaultState();
  let h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (h.length > MAX_HASH_LENGTH) {
    notices.push(`the link's settings are ${h.length} characters long (limit ${MAX_HASH_LENGTH}); all ignored, defaults used`);
    h = '';
  }
  const seen = new Set<string>();
  const hide = new Set<HideableName>();
  const tf = new Map<string, string>();
  const rec = state as unknown as Record<string, unknown>;
  for (const part of h.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let raw: string;
    try {
      key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      raw = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    } catch {
      notices.push(`${show(part)} is not valid URL encoding; ignored`);
      continue;
    }
    // TensorFlow Playground's per-control flags: `learningRate_hide=true`.
    if (key.endsWith('_hide')) {
      const name = key.slice(0, -5);
      if ((HIDEABLE as readonly string[]).includes(name)) {
        if (raw === 'true' || raw === '1') hide.add(name as HideableName);
        else if (raw !== 'false' && raw !== '0') notices.push(`${show(key)}: ${show(raw)} is not true or false; ignored`);
      } else if (!TF_NOOP_HIDE.includes(name)) notices.push(`${show(key)}: no such control to hide; ignored`);
      continue;
    }
    if ((TF_ONLY_KEYS as readonly string[]).includes(key)) {
      if (tf.has(key)) notices.push(`${key} appears more than once; the first value is used`);
      else tf.set(key, raw);
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(SCHEMA, key)) {
      notices.push(`${show(key)} is not a setting; ignored`);
      continue;
    }
    if (seen.has(key)) {
      notices.push(`${key} appears more than once; the first value is used`);
      continue;
    }
    seen.add(key);
    const v = parseValue(key as keyof PgState, raw, notices);
    if (v !== undefined) rec[key] = v;
  }
  applyTfKeys(state, tf, seen, hide, notices);
  for (const n of hide) if (!state.hide.includes(n)) state.hide.push(n);
  // the problem type follows the dataset when the link does not say it (`#dataset=reg-plane` is regression)
  if (!seen.has('problem') && state.dataset !== 'custom')
    state.problem = REGRESSION_DATASETS.includes(state.dataset) ? 'regression' : 'classification';
  if (state.dataset === 'custom') {
    notices.push('dataset: custom data cannot travel in a link; using circle (upload the CSV instead)');
    state.dataset = 'circle';
  }
  return { state: normalize(state, notices), notices };
}

/** Serialise the state to a hash (without `#`). Every key is written so a link pins the whole setup. */
export function toHash(s: PgState): string {
  const parts: string[] = [];
  for (const k of STATE_KEYS) {
    const v = s[k];
    const enc = Array.isArray(v) ? v.join(',') : String(v);
    parts.push(`${k}=${encodeURIComponent(enc)}`);
  }
  return parts.join('&');
}

/**
 * Validate a state-like object from an untrusted file (a loaded architecture JSON): the same rules as
 * the hash, by way of the hash's string form, so there is still one validator.
 */
export function validateObject(obj: unknown): Validated {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return { state: defaultState(), notices: ['settings: not an object; defaults used'] };
  }
  const parts: string[] = [];
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    let raw: string;
    if (Array.isArray(v)) raw = v.map((e) => String(e)).join(',');
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') raw = String(v);
    else raw = '\u0000';
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(raw)}`);
  }
  return parseHash(parts.join('&'));
}
