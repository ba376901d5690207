/**
 * TensorFlow Playground links as courses and tutorials share them: the hash its page writes (every
 * key, in its order, with `seed` a 5-digit decimal string and `networkShape` possibly empty), plus the
 * `_hide` flags of its "Use it in classroom" dialog. Each comes with what it must mean here.
 */
import type { PgState } from '../playground/src/state.js';

export interface TfLink {
  name: string;
  hash: string;
  expect: Partial<PgState>;
  /** Controls (data-control names) that must be hidden. */
  hidden?: string[];
}

const tail = 'cosX=false&sinX=false&cosY=false&sinY=false&collectStats=false';
export const TF_LINKS: TfLink[] = [
  {
    name: 'TensorFlow Playground default',
    hash: `activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03&regularizationRate=0&noise=0&networkShape=4,2&seed=0.59392&showTestData=false&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&${tail}&problem=classification&initZero=false&hideText=false`,
    expect: {
      dataset: 'circle',
      problem: 'classification',
      networkShape: [4, 2],
      learningRate: 0.03,
      activation: 'tanh',
      preset: 'classic',
    },
  },
  {
    name: 'linear model on the Gaussian data, no hidden layers (first neural-net exercise)',
    hash: `activation=linear&batchSize=10&dataset=gauss&regDataset=reg-plane&learningRate=0.03&regularizationRate=0&noise=0&networkShape=&seed=0.18349&showTestData=false&discretize=false&percTrainData=90&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&${tail}&problem=classification&initZero=false&hideText=false`,
    expect: { dataset: 'gauss', activation: 'linear', networkShape: [], percTrainData: 90 },
  },
  {
    name: 'feature cross on XOR, classroom flags hiding the network size and the rate',
    hash: `activation=linear&batchSize=10&dataset=xor&regDataset=reg-plane&learningRate=0.3&regularizationRate=0&noise=5&networkShape=&seed=0.45421&showTestData=false&discretize=true&percTrainData=50&x=true&y=true&xTimesY=true&xSquared=false&ySquared=false&${tail}&problem=classification&initZero=false&hideText=false&numHiddenLayers_hide=true&learningRate_hide=true&regularization_hide=true&regularizationRate_hide=true&problem_hide=true&activation_hide=true&batchSize_hide=true`,
    expect: { dataset: 'xor', xTimesY: true, discretize: true, noise: 5, learningRate: 0.3 },
    hidden: ['numHiddenLayers', 'learningRate', 'regularization', 'regularizationRate', 'problem', 'activation', 'batchSize'],
  },
  {
    name: 'spiral with every feature and six layers, per-feature _hide flags',
    hash: `activation=tanh&batchSize=10&dataset=spiral&regDataset=reg-plane&learningRate=0.03&regularizationRate=0&noise=0&networkShape=8,8,8,8,8,8&seed=0.31337&showTestData=false&discretize=false&percTrainData=50&x=true&y=true&xTimesY=true&xSquared=true&ySquared=true&cosX=false&sinX=true&cosY=false&sinY=true&collectStats=false&problem=classification&initZero=false&hideText=false&x_hide=true&y_hide=true&cosX_hide=true&cosY_hide=true&dataset_hide=true&percTrainData_hide=true&noise_hide=true`,
    expect: { dataset: 'spiral', networkShape: [8, 8, 8, 8, 8, 8], sinX: true, sinY: true, xSquared: true },
    hidden: ['x', 'y', 'dataset', 'percTrainData', 'noise'],
  },
  {
    name: 'regression on the multi-Gaussian data (dataset key still says circle)',
    hash: `activation=tanh&batchSize=10&dataset=circle&regDataset=reg-gauss&learningRate=0.03&regularizationRate=0&noise=0&networkShape=4,2&seed=0.75013&showTestData=false&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&${tail}&problem=regression&initZero=false&hideText=false`,
    expect: { dataset: 'reg-gauss', problem: 'regression' },
  },
  {
    name: 'regression on the plane with L2',
    hash: `activation=relu&regularization=L2&batchSize=10&dataset=gauss&regDataset=reg-plane&learningRate=0.01&regularizationRate=0.003&noise=15&networkShape=3&seed=0.09&showTestData=true&discretize=false&percTrainData=70&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&${tail}&problem=regression&initZero=false&hideText=false`,
    expect: {
      dataset: 'reg-plane',
      problem: 'regression',
      regularization: 'L2',
      regularizationRate: 0.003,
      activation: 'relu',
      showTestData: true,
    },
  },
  {
    name: 'zero initial weights, article hidden, play and reset buttons hidden',
    hash: `activation=sigmoid&batchSize=30&dataset=circle&regDataset=reg-plane&learningRate=1&regularizationRate=0&noise=0&networkShape=2&seed=0.12345&showTestData=false&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=true&ySquared=true&${tail}&problem=classification&initZero=true&hideText=true&playButton_hide=true&resetButton_hide=true&stepButton_hide=false&tutorial=dp-neuron`,
    expect: { init: 'zero', activation: 'sigmoid', batchSize: 30, learningRate: 1 },
    hidden: ['playButton', 'resetButton', 'article'],
  },
  {
    name: 'L1 on a noisy spiral, test data and discretize shown',
    hash: `activation=relu&regularization=L1&batchSize=10&dataset=spiral&regDataset=reg-plane&learningRate=0.03&regularizationRate=0.001&noise=50&networkShape=8,8,5&seed=0.98765&showTestData=true&discretize=true&percTrainData=30&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&${tail}&problem=classification&initZero=false&hideText=false&showTestData_hide=true&discretize_hide=true`,
    expect: { regularization: 'L1', noise: 50, percTrainData: 30, networkShape: [8, 8, 5] },
    hidden: ['showTestData', 'discretize'],
  },
  { name: 'a bare dataset link', hash: 'dataset=reg-plane', expect: { dataset: 'reg-plane', problem: 'regression' } },
];

/** TensorFlow Playground's "Use it in classroom" controls (its HIDABLE_CONTROLS), as `<name>_hide` keys. */
export const TF_HIDABLE = [
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
] as const;

const TF_FEATURES = ['x', 'y', 'xTimesY', 'xSquared', 'ySquared', 'sinX', 'sinY'] as const;

/**
 * A hash as TensorFlow Playground's `serialize()` writes it: every key in its order, `regularization`
 * left out when it is none, then the `_hide` flags; `over` replaces the defaults.
 */
export function tfHash(over: Record<string, string> = {}): string {
  const order = [
    'activation',
    'regularization',
    'batchSize',
    'dataset',
    'regDataset',
    'learningRate',
    'regularizationRate',
    'noise',
    'networkShape',
    'seed',
    'showTestData',
    'discretize',
    'percTrainData',
    'x',
    'y',
    'xTimesY',
    'xSquared',
    'ySquared',
    'cosX',
    'sinX',
    'cosY',
    'sinY',
    'collectStats',
    'tutorial',
    'problem',
    'initZero',
    'hideText',
  ];
  const d: Record<string, string> = {
    activation: 'tanh',
    batchSize: '10',
    dataset: 'circle',
    regDataset: 'reg-plane',
    learningRate: '0.03',
    regularizationRate: '0',
    noise: '0',
    networkShape: '4,2',
    seed: '0.59392',
    showTestData: 'false',
    discretize: 'false',
    percTrainData: '50',
    x: 'true',
    y: 'true',
    xTimesY: 'false',
    xSquared: 'false',
    ySquared: 'false',
    cosX: 'false',
    sinX: 'false',
    cosY: 'false',
    sinY: 'false',
    collectStats: 'false',
    problem: 'classification',
    initZero: 'false',
    hideText: 'false',
    ...over,
  };
  const parts = order.filter((k) => d[k] !== undefined && !(k === 'regularization' && d[k] === 'none')).map((k) => `${k}=${d[k]}`);
  for (const [k, v] of Object.entries(over)) if (k.endsWith('_hide')) parts.push(`${k}=${v}`);
  return parts.join('&');
}

/**
 * What a hash means to TensorFlow Playground: its `State.deserializeState` (src/state.ts there) for the
 * settings that change the lesson, in our field names (`dataset` is `regDataset` under regression, as it
 * is what TF trains on; `init` is `zero` with `initZero`).
 */
export function tfMeaning(hash: string): { state: Partial<PgState>; hidden: string[]; hideText: boolean } {
  const map: Record<string, string> = {};
  for (const kv of hash.split('&')) {
    const [n, v] = kv.split('=');
    map[n!] = v ?? '';
  }
  const has = (n: string) => n in map && map[n]!.trim() !== '';
  const pick = (n: string, values: string[], dflt: string) => (has(n) && values.includes(map[n]!) ? map[n]! : dflt);
  const num = (n: string, dflt: number) => (has(n) ? +map[n]! : dflt);
  const bool = (n: string, dflt: boolean) => (has(n) ? map[n] !== 'false' : dflt);
  const problem = pick('problem', ['classification', 'regression'], 'classification') as PgState['problem'];
  const state: Partial<PgState> = {
    problem,
    dataset: (problem === 'regression'
      ? pick('regDataset', ['reg-plane', 'reg-gauss'], 'reg-plane')
      : pick('dataset', ['circle', 'xor', 'gauss', 'spiral'], 'circle')) as PgState['dataset'],
    activation: pick('activation', ['relu', 'tanh', 'sigmoid', 'linear'], 'tanh') as PgState['activation'],
    regularization: pick('regularization', ['none', 'L1', 'L2'], 'none') as PgState['regularization'],
    learningRate: num('learningRate', 0.03),
    regularizationRate: num('regularizationRate', 0),
    noise: num('noise', 0),
    batchSize: num('batchSize', 10),
    percTrainData: num('percTrainData', 50),
    networkShape: 'networkShape' in map ? (map.networkShape!.trim() === '' ? [] : map.networkShape!.split(',').map(Number)) : [4, 2],
    showTestData: bool('showTestData', false),
    discretize: bool('discretize', false),
    preset: 'classic',
  };
  for (const f of TF_FEATURES) state[f] = bool(f, f === 'x' || f === 'y');
  if (bool('initZero', false)) state.init = 'zero';
  const hidden = Object.keys(map)
    .filter((k) => k.endsWith('_hide') && map[k] === 'true')
    .map((k) => k.slice(0, -5));
  return { state, hidden, hideText: bool('hideText', false) };
}

/** Every value TensorFlow Playground's controls can write, one key at a time, and its classroom flags. */
export const TF_VARIANTS: { name: string; hash: string }[] = [
  ...['circle', 'xor', 'gauss', 'spiral'].map((d) => ({ name: `dataset ${d}`, hash: tfHash({ dataset: d }) })),
  ...['reg-plane', 'reg-gauss'].flatMap((r) =>
    ['circle', 'spiral'].map((d) => ({
      name: `regression on ${r} (dataset=${d})`,
      hash: tfHash({ problem: 'regression', regDataset: r, dataset: d }),
    })),
  ),
  ...['0.00001', '0.0001', '0.001', '0.003', '0.01', '0.03', '0.1', '0.3', '1', '3', '10'].map((v) => ({
    name: `learning rate ${v}`,
    hash: tfHash({ learningRate: v }),
  })),
  ...['L1', 'L2'].flatMap((r) =>
    ['0', '0.001', '0.003', '0.01', '0.03', '0.1', '0.3', '1', '3', '10'].map((v) => ({
      name: `${r} at ${v}`,
      hash: tfHash({ regularization: r, regularizationRate: v }),
    })),
  ),
  { name: 'regularization=none written out', hash: tfHash().replace('activation=tanh', 'activation=tanh&regularization=none') },
  ...['relu', 'tanh', 'sigmoid', 'linear'].map((a) => ({ name: `activation ${a}`, hash: tfHash({ activation: a }) })),
  ...['1', '5', '30'].map((b) => ({ name: `batch size ${b}`, hash: tfHash({ batchSize: b }) })),
  ...['0', '5', '25', '50'].map((n) => ({ name: `noise ${n}`, hash: tfHash({ noise: n }) })),
  ...['10', '30', '90'].map((p) => ({ name: `training share ${p}`, hash: tfHash({ percTrainData: p }) })),
  ...['', '1', '3,3,3', '8,8,8,8,8,8'].map((n) => ({ name: `network "${n}"`, hash: tfHash({ networkShape: n }) })),
  {
    name: 'every feature, cos ones too',
    hash: tfHash({ xTimesY: 'true', xSquared: 'true', ySquared: 'true', cosX: 'true', sinX: 'true', cosY: 'true', sinY: 'true' }),
  },
  { name: 'only the sine features', hash: tfHash({ x: 'false', y: 'false', sinX: 'true', sinY: 'true' }) },
  {
    name: 'test data, discretize, zero init, no text',
    hash: tfHash({ showTestData: 'true', discretize: 'true', initZero: 'true', hideText: 'true' }),
  },
  { name: 'collectStats and a tutorial', hash: tfHash({ collectStats: 'true', tutorial: 'dp-neuron' }) },
  ...['0.00000', '0.99999', '0.12', 'abc'].map((s) => ({ name: `seed ${s}`, hash: tfHash({ seed: s }) })),
  ...TF_HIDABLE.map((h) => ({ name: `${h}_hide`, hash: tfHash({ [`${h}_hide`]: 'true' }) })),
  { name: 'every classroom flag true', hash: tfHash(Object.fromEntries(TF_HIDABLE.map((h) => [`${h}_hide`, 'true']))) },
  { name: 'every classroom flag false', hash: tfHash(Object.fromEntries(TF_HIDABLE.map((h) => [`${h}_hide`, 'false']))) },
  {
    name: 'every feature flag (and cos)',
    hash: tfHash(Object.fromEntries([...TF_FEATURES, 'cosX', 'cosY'].map((h) => [`${h}_hide`, 'true']))),
  },
];
