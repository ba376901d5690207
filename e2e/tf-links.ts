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
