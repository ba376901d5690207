/**
 * The controls: the training toolbar and the data column. Each control writes through `update()`;
 * `refreshControls()` makes them show the store's settings again (after a link, a load or a reset).
 */
import { button, el, select, slider } from '../dom.js';
import { DATASETS, ACTIVATIONS, REGULARIZATIONS, type ActivationName, type DatasetName, type PgState } from '../state.js';
import { generate, parseCsv, toCsv } from '../datasets.js';
import { toPixel, pointColor } from '../grid.js';
import { Rng } from '../bp.js';
import { CHALLENGES } from '../challenges.js';
import { download } from '../dom.js';
import { send, setPlaying, setState, store, update } from '../store.js';
import { notify } from '../notices.js';
import { normalize } from '../state.js';

/** Every control a `hide=` flag can hide, by its flag name. */
export const controls: Record<string, HTMLElement> = {};
export const reg = <T extends { root: HTMLElement }>(name: string, c: T): T => {
  controls[name] = c.root;
  c.root.dataset.control = name;
  return c;
};

export const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const withValue = (list: number[], v: number) => (list.includes(v) ? list : [...list, v].sort((a, b) => a - b));
const options = (list: number[]) => list.map((v) => ({ value: String(v), label: String(v) }));

/** Play/pause for whichever mode is showing (main.ts sets the image-mode handler). */
export const playHooks = { image: null as null | (() => void) };
export function togglePlay(): void {
  if (store.state.mode === 'image') return playHooks.image?.();
  setPlaying(!store.playing);
  send({ type: store.playing ? 'play' : 'pause' });
  hideCallout();
}

// ------------------------------------------------------------------------------------ toolbar
const s0 = (): PgState => store.state;
export const playBtn = button('▶', 'Run / pause training (space)', () => togglePlay(), 'play', 'btn play');
playBtn.setAttribute('aria-label', 'Run training');
const stepBtn = button('Step', 'Train one epoch (s)', () => send({ type: 'step', n: 1 }), 'step');
const resetBtn = button(
  'Reset',
  'Start again from the same initial weights (r; the seeds are in the URL)',
  () => send({ type: 'reset' }),
  'reset',
);
const reseedBtn = button(
  'Re-seed',
  'Draw new initial weights (a new init seed)',
  () => update({ initSeed: Math.floor(Math.random() * 2 ** 31) }),
  'reseed',
);
export const epochOut = el('output', { id: 'epoch', class: 'epoch', text: '000,000', title: 'Epochs trained' });
controls.playButton = playBtn;
controls.stepButton = stepBtn;
controls.resetButton = resetBtn;

export function renderPlay(): void {
  playBtn.textContent = store.playing ? '❚❚' : '▶';
  playBtn.setAttribute('aria-label', store.playing ? 'Pause training' : 'Run training');
  playBtn.classList.toggle('playing', store.playing);
}

let lrSel: ReturnType<typeof select>, actSel: ReturnType<typeof select>, regSel: ReturnType<typeof select>;
let rateSel: ReturnType<typeof select>, probSel: ReturnType<typeof select>, presetSel: ReturnType<typeof select>;
let challengeSel: ReturnType<typeof select>;
const callout = el('p', { class: 'callout', id: 'callout' });

function hideCallout(): void {
  callout.hidden = true;
  try {
    localStorage.setItem('pg-callout-seen', '1');
  } catch {
    // storage may be off (private mode, sandboxed frame): the hint then just shows again next time
  }
}

export function buildToolbar(): HTMLElement {
  const s = s0();
  lrSel = reg(
    'learningRate',
    select(
      'Learning rate',
      options(withValue(LRS, s.learningRate)),
      String(s.learningRate),
      (v) => update({ learningRate: Number(v) }),
      'Step size of each update; applied live',
      'lr',
    ),
  );
  actSel = reg(
    'activation',
    select<ActivationName>(
      'Activation',
      ACTIVATIONS,
      s.activation,
      (v) => update({ activation: v, layerActivations: [] }),
      'Activation of every hidden layer (per-layer choices are above each layer)',
      'activation',
    ),
  );
  regSel = reg(
    'regularization',
    select(
      'Regularization',
      REGULARIZATIONS,
      s.regularization,
      (v) => update({ regularization: v }),
      'Penalty on the weights: L1 = rate·Σ|w|, L2 = ½·rate·Σw²; live',
      'regularization',
    ),
  );
  rateSel = reg(
    'regularizationRate',
    select(
      'Regularization rate',
      options(RATES),
      String(s.regularizationRate),
      (v) => update({ regularizationRate: Number(v) }),
      'Strength of the penalty; live',
      'regRate',
    ),
  );
  probSel = reg(
    'problem',
    select(
      'Problem type',
      ['classification', 'regression'] as const,
      s.problem,
      (v) => update({ problem: v, dataset: v === 'regression' ? 'reg-plane' : 'circle' }),
      'Classification (colours) or regression (values)',
      'problem',
    ),
  );
  presetSel = reg(
    'preset',
    select(
      'Preset',
      [
        { value: 'modern', label: 'modern' },
        { value: 'classic', label: 'classic (TF)' },
      ] as const,
      s.preset,
      (v) => update({ preset: v }),
      'classic: tanh output, ±1 labels, ½·MSE, plain SGD, no reshuffle — as TensorFlow Playground; ' +
        'modern: logits + BCE/CE, any optimizer',
      'preset',
    ),
  );
  type ChOpt = { value: PgState['challenge']; label: string };
  const chOpts: ChOpt[] = [{ value: 'none', label: 'none' }];
  for (const [k, c] of Object.entries(CHALLENGES)) chOpts.push({ value: k as ChOpt['value'], label: c.title });
  challengeSel = reg(
    'challenge',
    select(
      'Challenge',
      chOpts,
      s.challenge,
      (v) => update(v === 'none' ? { challenge: v } : { challenge: v, ...CHALLENGES[v].setup }),
      'A guided goal to reach; its starting setup is applied when chosen',
      'challenge',
    ),
  );
  let seen: boolean;
  try {
    seen = localStorage.getItem('pg-callout-seen') === '1';
  } catch {
    seen = false;
  }
  callout.replaceChildren(
    el('span', { text: 'Press ▶ to train. Hover a neuron or an input to see what it computes; click an input to switch it on or off.' }),
    button('×', 'Hide this hint', hideCallout, 'callout-close', 'close'),
  );
  callout.hidden = seen;
  return el('section', { class: 'toolbar', attrs: { 'aria-label': 'Training controls' } }, [
    el('div', { class: 'runctl' }, [
      resetBtn,
      playBtn,
      stepBtn,
      reseedBtn,
      el('div', { class: 'epochbox' }, [el('span', { class: 'lbl', text: 'Epoch' }), epochOut]),
    ]),
    presetSel.root,
    lrSel.root,
    actSel.root,
    regSel.root,
    rateSel.root,
    probSel.root,
    challengeSel.root,
    callout,
  ]);
}

// ------------------------------------------------------------------------------------ data column
const DATASET_LABELS: Record<DatasetName, string> = {
  circle: 'Circle',
  xor: 'Exclusive or',
  gauss: 'Gaussian',
  spiral: 'Spiral',
  'reg-plane': 'Plane',
  'reg-gauss': 'Multi Gaussian',
  blobs: 'Blobs (multi-class)',
  'spiral-k': 'Spirals (multi-class)',
  custom: 'Your data',
};
const thumbs = el('div', { class: 'thumbs', attrs: { role: 'radiogroup', 'aria-label': 'Dataset' } });
let classesSl: ReturnType<typeof slider>, ratioSl: ReturnType<typeof slider>, valSl: ReturnType<typeof slider>;
let noiseSl: ReturnType<typeof slider>, batchSl: ReturnType<typeof slider>;

function drawThumbs(): void {
  const s = s0();
  for (const b of Array.from(thumbs.querySelectorAll<HTMLButtonElement>('button'))) {
    const d = b.dataset.dataset as DatasetName;
    const on = d === s.dataset;
    b.classList.toggle('on', on);
    b.setAttribute('aria-checked', String(on));
    b.hidden = d.startsWith('reg-') !== (s.problem === 'regression');
    const c = b.querySelector('canvas')!;
    const g = c.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 60, 60);
    for (const p of generate({ dataset: d, noise: 0, classes: s.classes }, new Rng(7), 200)) {
      g.fillStyle = pointColor(p.label, d.startsWith('reg-'));
      g.fillRect(toPixel(p.x, 60, 'x') - 1, toPixel(p.y, 60, 'y') - 1, 2, 2);
    }
  }
}

/** Replace the points with CSV rows (a file or pasted text). */
export function loadCsvText(text: string): void {
  try {
    const { points, classes } = parseCsv(text, store.state.problem);
    store.customPoints = points;
    setState(normalize({ ...store.state, dataset: 'custom', classes: Math.max(2, classes) }), { tellWorker: false });
    send({ type: 'setPoints', points, state: store.state });
    notify([`Loaded ${points.length} points${store.state.problem === 'classification' ? ` in ${classes} classes` : ''}.`], 'info');
  } catch (e) {
    notify([(e as Error).message], 'error');
  }
}

export function buildDataPanel(): HTMLElement {
  const s = s0();
  for (const d of DATASETS) {
    if (d === 'custom') continue;
    const c = el('canvas', { class: 'thumb', attrs: { width: '60', height: '60' } });
    const b = el(
      'button',
      {
        class: 'thumbbtn',
        title: DATASET_LABELS[d],
        attrs: { type: 'button', role: 'radio', 'data-dataset': d, 'aria-label': DATASET_LABELS[d] },
      },
      [c],
    );
    b.addEventListener('click', () => update({ dataset: d, problem: d.startsWith('reg-') ? 'regression' : 'classification' }));
    thumbs.append(b);
  }
  classesSl = reg(
    'classes',
    slider('Classes', 2, 5, 1, s.classes, (v) => update({ classes: v }), 'Number of classes for the multi-class datasets', 'classes'),
  );
  ratioSl = reg(
    'percTrainData',
    slider(
      'Ratio of training to test data',
      10,
      90,
      10,
      s.percTrainData,
      (v) => update({ percTrainData: v }),
      'Share of the points used for training; the rest is the test set',
      'ratio',
      (v) => `${v}%`,
    ),
  );
  valSl = reg(
    'valPercent',
    slider(
      'Validation share of training',
      0,
      40,
      5,
      s.valPercent,
      (v) => update({ valPercent: v }),
      'Held out of the training points to watch over-fitting (needed for early stopping)',
      'val',
      (v) => `${v}%`,
    ),
  );
  noiseSl = reg(
    'noise',
    slider('Noise', 0, 50, 5, s.noise, (v) => update({ noise: v }), 'How much the points are jittered', 'noise'),
  );
  batchSl = reg(
    'batchSize',
    slider('Batch size', 1, 64, 1, s.batchSize, (v) => update({ batchSize: v }), 'Points per update; live', 'batch'),
  );
  const regenBtn = button(
    'Regenerate',
    'New points (the next data seed)',
    () => update({ dataSeed: (store.state.dataSeed + 1) % 2 ** 31 }),
    'regen',
  );
  const csvInput = el('input', { id: 'csv-file', attrs: { type: 'file', accept: '.csv,text/csv,text/plain', 'aria-label': 'Upload CSV' } });
  csvInput.addEventListener('change', async () => {
    const f = csvInput.files?.[0];
    if (f) loadCsvText(await f.text());
    csvInput.value = '';
  });
  const pasteArea = el('textarea', {
    id: 'csv-text',
    attrs: { rows: '5', placeholder: 'x1,x2,label\n1.5,-2,1\n…', 'aria-label': 'CSV text' },
  });
  const addOpts = [
    { value: '-1', label: 'nothing' },
    ...[0, 1, 2, 3, 4].map((k) => ({ value: String(k), label: `class ${k}` })),
    { value: '9', label: 'removes nearest' },
  ] as const;
  const addSel = select(
    'Click on the output adds',
    addOpts,
    '-1',
    (v) => {
      store.addClass = Number(v);
    },
    'Pick a class, then click the big heatmap to add points of it (or remove the nearest point)',
    'add-points',
  );
  const allPoints = () => (store.frame ? [...store.frame.points0.train, ...store.frame.points0.val, ...store.frame.points0.test] : []);
  return el('section', { class: 'col data', attrs: { 'aria-label': 'Data' } }, [
    el('h2', { text: 'Data' }),
    (controls.dataset = el('div', { class: 'ctl' }, [el('span', { class: 'lbl', text: 'Which dataset do you want to use?' }), thumbs])),
    classesSl.root,
    ratioSl.root,
    valSl.root,
    noiseSl.root,
    batchSl.root,
    regenBtn,
    (controls.data = el('div', { class: 'datafiles' }, [
      el('label', { class: 'ctl file', title: 'CSV with x1, x2, label rows (classification labels 0–4, regression labels in [−1, 1])' }, [
        el('span', { class: 'lbl', text: 'Upload CSV' }),
        csvInput,
      ]),
      button(
        'Download data',
        'Save the current points as CSV',
        () => store.frame && download('data.csv', toCsv(allPoints()), 'text/csv'),
        'csv-download',
      ),
      el('details', { class: 'paste' }, [
        el('summary', { text: 'Paste CSV', title: 'Paste rows of x1, x2, label' }),
        pasteArea,
        button('Use pasted data', 'Replace the points with the pasted rows', () => loadCsvText(pasteArea.value), 'csv-paste'),
      ]),
      addSel.root,
    ])),
  ]);
}

/** Show the store's settings in the toolbar and data controls. */
export function refreshBasics(): void {
  const s = s0();
  lrSel.input.replaceChildren(
    ...options(withValue(LRS, s.learningRate)).map((o) => {
      const e = el('option', { text: o.label });
      e.value = o.value;
      return e;
    }),
  );
  lrSel.input.value = String(s.learningRate);
  actSel.input.value = s.activation;
  regSel.input.value = s.regularization;
  if (!RATES.includes(s.regularizationRate) && !Array.from(rateSel.input.options).some((o) => o.value === String(s.regularizationRate))) {
    const o = el('option', { text: String(s.regularizationRate) });
    o.value = String(s.regularizationRate);
    rateSel.input.append(o);
  }
  rateSel.input.value = String(s.regularizationRate);
  probSel.input.value = s.problem;
  presetSel.input.value = s.preset;
  challengeSel.input.value = s.challenge;
  classesSl.set(s.classes);
  classesSl.root.hidden = !(s.dataset === 'blobs' || s.dataset === 'spiral-k');
  ratioSl.set(s.percTrainData);
  valSl.set(s.valPercent);
  noiseSl.set(s.noise);
  batchSl.set(s.batchSize);
  drawThumbs();
}

/** Apply the `hide=` flags to every registered control. */
export function applyHidden(): void {
  const hide = store.state.hide as string[];
  for (const [name, node] of Object.entries(controls)) {
    // every hideable control carries its name, so tests and teachers' CSS can find it
    node.dataset.control = name;
    node.classList.toggle('hidden-by-url', hide.includes(name));
  }
}
