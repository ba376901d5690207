/**
 * The page: controls, the network diagram, heatmaps and charts. It renders what the training worker
 * sends and forwards the user's changes; it does no network maths itself. All state is in the URL
 * hash (validated by state.ts, the one validator).
 */
import { button, checkbox, download, el, select, slider, svg } from './dom.js';
import {
  ACTIVATIONS, DATASETS, FEATURES, FEATURE_LABELS, INITS, MAX_LAYERS, MAX_NEURONS, NORMS, OPTIMIZERS, REGULARIZATIONS, SCHEDULERS,
  diffKeys, normalize, outputsFor, parseHash, toHash, type ActivationName, type DatasetName, type FeatureName, type PgState,
} from './state.js';
import { CLASS_COLORS, EXTENT, GRID, absMax, divergingColor, fromPixel, linkStyle, paintClasses, paintDiverging, rgb, toPixel } from './grid.js';
import { generate, parseCsv, toCsv, type Point } from './datasets.js';
import { Rng } from './bp.js';
import { generateCode } from './codegen.js';
import type { Frame, FromWorker, ImageFrame, ToWorker } from './protocol.js';
import { mountImageMode, type ImageMode } from './image-view.js';
import { CHALLENGES, challengeStatus } from './challenges.js';

const TEST = new URLSearchParams(location.search).get('test') === '1';

// ------------------------------------------------------------------------------------ state
const parsed = parseHash(location.hash);
let state: PgState = parsed.state;
// a link that names only a challenge (and classroom flags) opens the challenge's starting setup
{
  const keys = location.hash.slice(1).split('&').map((kv) => decodeURIComponent(kv.split('=')[0] ?? '')).filter((k) => k !== '');
  if (state.challenge !== 'none' && keys.every((k) => k === 'challenge' || k === 'hide' || k.endsWith('_hide')))
    state = normalize({ ...state, ...CHALLENGES[state.challenge].setup });
}
let customPoints: Point[] | null = null;
/** A frame plus the last points the worker sent (it sends them only when they change). */
type ViewFrame = Frame & { points0: { train: Point[]; val: Point[]; test: Point[] } };
let frame: ViewFrame | null = null;
let playing = false;
let hoverNeuron: { layer: number; unit: number } | null = null;
let addClass = -1; // −1: clicking the heatmap does nothing; ≥ 0: adds a point of that class
const pending = new Map<number, (m: FromWorker) => void>();
let nextId = 1;

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(m, transfer);
function request<T extends FromWorker>(make: (id: number) => ToWorker): Promise<T> {
  const id = nextId++;
  return new Promise((res) => {
    pending.set(id, res as (m: FromWorker) => void);
    send(make(id));
  });
}

// ------------------------------------------------------------------------------------ notices
const noticeBox = document.getElementById('notices')!;
function notify(lines: string[], kind: 'info' | 'warn' = 'warn'): void {
  if (!lines.length) return;
  const box = el('div', { class: `notice ${kind}` }, [
    el('strong', { text: kind === 'warn' ? 'Some settings were fixed: ' : '' }),
    el('ul', {}, lines.slice(0, 12).map((l) => el('li', { text: l }))),
    button('×', 'Dismiss', () => box.remove(), undefined, 'close'),
  ]);
  noticeBox.append(box);
}
notify(parsed.notices);

// ------------------------------------------------------------------------------------ URL + config
function writeHash(): void {
  const h = `#${toHash(state)}`;
  if (location.hash !== h) history.replaceState(null, '', h);
}

/** Apply a change from a control: validate, write the URL, tell the worker (which decides live vs rebuild). */
function update(patch: Partial<PgState>): void {
  const notes: string[] = [];
  const next = normalize({ ...state, ...patch }, notes);
  notify(notes, 'info');
  const changed = diffKeys(state, next);
  if (!changed.length) return;
  state = next;
  writeHash();
  if (changed.includes('mode')) applyMode();
  send({ type: 'config', state });
  refreshControls();
}

window.addEventListener('hashchange', () => {
  const v = parseHash(location.hash);
  notify(v.notices);
  const changed = diffKeys(state, v.state);
  if (!changed.length) return;
  state = v.state;
  writeHash();
  applyMode();
  send({ type: 'config', state });
  refreshControls();
});

// ------------------------------------------------------------------------------------ layout
const app = document.getElementById('app-2d')!;
const controls: Record<string, HTMLElement> = {};
const reg = <T extends { root: HTMLElement }>(name: string, c: T): T => {
  controls[name] = c.root;
  c.root.dataset.control = name;
  return c;
};

const fmtLr = (v: number) => String(v);
const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const withValue = (list: number[], v: number) => (list.includes(v) ? list : [...list, v].sort((a, b) => a - b));

// toolbar
const playBtn = button('▶', 'Run / pause training (space)', () => togglePlay(), 'play', 'btn play');
playBtn.setAttribute('aria-label', 'Run training');
const stepBtn = button('Step', 'Train one epoch', () => send({ type: 'step', n: 1 }), 'step');
const resetBtn = button('Reset', 'Start again from the same initial weights (the seeds are in the URL)', () => send({ type: 'reset' }), 'reset');
const reseedBtn = button('Re-seed', 'Draw new initial weights (a new init seed)', () => update({ initSeed: Math.floor(Math.random() * 2 ** 31) }), 'reseed');
const epochOut = el('output', { id: 'epoch', class: 'epoch', text: '000,000', title: 'Epochs trained' });
const lrSel = reg('learningRate', select('Learning rate', withValue(LRS, state.learningRate).map((v) => ({ value: String(v), label: fmtLr(v) })), String(state.learningRate), (v) => update({ learningRate: Number(v) }), 'Step size of each update; applied live', 'lr'));
const actSel = reg('activation', select<ActivationName>('Activation', ACTIVATIONS, state.activation, (v) => update({ activation: v, layerActivations: [] }), 'Activation of every hidden layer (per-layer choices are above each layer)', 'activation'));
const regSel = reg('regularization', select('Regularization', REGULARIZATIONS, state.regularization, (v) => update({ regularization: v }), 'Penalty on the weights: L1 = rate·Σ|w|, L2 = ½·rate·Σw²; live', 'regularization'));
const rateSel = reg('regularizationRate', select('Regularization rate', RATES.map((v) => ({ value: String(v), label: String(v) })), String(state.regularizationRate), (v) => update({ regularizationRate: Number(v) }), 'Strength of the penalty; live', 'regRate'));
const probSel = reg('problem', select('Problem type', ['classification', 'regression'] as const, state.problem, (v) => update({ problem: v, dataset: v === 'regression' ? 'reg-plane' : 'circle' }), 'Classification (colours) or regression (values)', 'problem'));
const presetSel = reg('preset', select('Preset', [{ value: 'modern', label: 'modern' }, { value: 'classic', label: 'classic (TF)' }] as const, state.preset, (v) => update({ preset: v }), 'classic: tanh output, ±1 labels, ½·MSE, plain SGD, no reshuffle — as TensorFlow Playground; modern: logits + BCE/CE, any optimizer', 'preset'));
const challengeSel = reg('challenge', select('Challenge', [{ value: 'none', label: 'none' }, ...Object.entries(CHALLENGES).map(([k, c]) => ({ value: k, label: c.title }))] as { value: PgState['challenge']; label: string }[], state.challenge, (v) => update(v === 'none' ? { challenge: v } : { challenge: v, ...CHALLENGES[v].setup }), 'A guided goal to reach; its starting setup is applied when chosen', 'challenge'));
const challengeBox = el('div', { class: 'challenge', id: 'challenge-box', attrs: { role: 'status' } });
challengeBox.hidden = true;
function drawChallenge(f: Frame | null): void {
  const st = f ? challengeStatus(state, f.metrics) : null;
  if (!st) {
    challengeBox.hidden = true;
    return;
  }
  challengeBox.hidden = false;
  challengeBox.classList.toggle('done', st.done);
  challengeBox.replaceChildren(
    el('strong', { text: `${st.done ? '✓ Solved: ' : 'Challenge: '}${st.challenge.title}. ` }),
    el('span', { text: st.challenge.goal }),
    el('span', { class: 'cstatus', id: 'challenge-status', text: ` — ${st.status}` }),
    el('details', {}, [el('summary', { text: 'Hint' }), el('span', { text: st.challenge.hint })]),
  );
}
const toolbar = el('section', { class: 'toolbar', attrs: { 'aria-label': 'Training controls' } }, [
  el('div', { class: 'runctl' }, [resetBtn, playBtn, stepBtn, reseedBtn, el('div', { class: 'epochbox' }, [el('span', { class: 'lbl', text: 'Epoch' }), epochOut])]),
  presetSel.root, lrSel.root, actSel.root, regSel.root, rateSel.root, probSel.root, challengeSel.root,
]);
controls.playButton = playBtn;
controls.stepButton = stepBtn;
controls.resetButton = resetBtn;

// data column
const DATASET_LABELS: Record<DatasetName, string> = {
  circle: 'Circle', xor: 'Exclusive or', gauss: 'Gaussian', spiral: 'Spiral', 'reg-plane': 'Plane', 'reg-gauss': 'Multi Gaussian',
  blobs: 'Blobs (multi-class)', 'spiral-k': 'Spirals (multi-class)', custom: 'Your data',
};
const thumbs = el('div', { class: 'thumbs', attrs: { role: 'radiogroup', 'aria-label': 'Dataset' } });
for (const d of DATASETS) {
  if (d === 'custom') continue;
  const c = el('canvas', { class: 'thumb', attrs: { width: '60', height: '60' } });
  const b = el('button', { class: 'thumbbtn', title: DATASET_LABELS[d], attrs: { type: 'button', role: 'radio', 'data-dataset': d, 'aria-label': DATASET_LABELS[d] } }, [c]);
  b.addEventListener('click', () => update({ dataset: d, problem: d.startsWith('reg-') ? 'regression' : 'classification' }));
  thumbs.append(b);
}
function drawThumbs(): void {
  for (const b of Array.from(thumbs.querySelectorAll<HTMLButtonElement>('button'))) {
    const d = b.dataset.dataset as DatasetName;
    const on = d === state.dataset;
    b.classList.toggle('on', on);
    b.setAttribute('aria-checked', String(on));
    b.hidden = d.startsWith('reg-') !== (state.problem === 'regression');
    const c = b.querySelector('canvas')!;
    const g = c.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 60, 60);
    for (const p of generate({ dataset: d, noise: 0, classes: state.classes }, new Rng(7), 200)) {
      g.fillStyle = pointColor(p.label, d.startsWith('reg-'));
      g.fillRect(toPixel(p.x, 60, 'x') - 1, toPixel(p.y, 60, 'y') - 1, 2, 2);
    }
  }
}
const classesSl = reg('classes', slider('Classes', 2, 5, 1, state.classes, (v) => update({ classes: v }), 'Number of classes for the multi-class datasets', 'classes'));
const ratioSl = reg('percTrainData', slider('Ratio of training to test data', 10, 90, 10, state.percTrainData, (v) => update({ percTrainData: v }), 'Share of the points used for training; the rest is the test set', 'ratio', (v) => `${v}%`));
const valSl = reg('valPercent', slider('Validation share of training', 0, 40, 5, state.valPercent, (v) => update({ valPercent: v }), 'Held out of the training points to watch over-fitting (needed for early stopping)', 'val', (v) => `${v}%`));
const noiseSl = reg('noise', slider('Noise', 0, 50, 5, state.noise, (v) => update({ noise: v }), 'How much the points are jittered', 'noise'));
const batchSl = reg('batchSize', slider('Batch size', 1, 64, 1, state.batchSize, (v) => update({ batchSize: v }), 'Points per update; live', 'batch'));
const regenBtn = button('Regenerate', 'New points (the next data seed)', () => update({ dataSeed: (state.dataSeed + 1) % 2 ** 31 }), 'regen');
const csvInput = el('input', { id: 'csv-file', attrs: { type: 'file', accept: '.csv,text/csv,text/plain', 'aria-label': 'Upload CSV' } });
csvInput.addEventListener('change', async () => {
  const f = csvInput.files?.[0];
  if (f) loadCsvText(await f.text());
  csvInput.value = '';
});
const pasteArea = el('textarea', { id: 'csv-text', attrs: { rows: '5', placeholder: 'x1,x2,label\n1.5,-2,1\n…', 'aria-label': 'CSV text' } });
const addSel = select('Click on the output adds', [{ value: '-1', label: 'nothing' }, ...[0, 1, 2, 3, 4].map((k) => ({ value: String(k), label: `class ${k}` })), { value: '9', label: 'removes nearest' }] as const, '-1', (v) => {
  addClass = Number(v);
}, 'Pick a class, then click the big heatmap to add points of it (or remove the nearest point)', 'add-points');
const dataPanel = el('section', { class: 'col data', attrs: { 'aria-label': 'Data' } }, [
  el('h2', { text: 'Data' }),
  (controls.dataset = el('div', { class: 'ctl' }, [el('span', { class: 'lbl', text: 'Which dataset do you want to use?' }), thumbs])),
  classesSl.root, ratioSl.root, valSl.root, noiseSl.root, batchSl.root, regenBtn,
  (controls.data = el('div', { class: 'datafiles' }, [
    el('label', { class: 'ctl file', title: 'CSV with x1, x2, label rows (classification labels 0–4, regression labels in [−1, 1])' }, [el('span', { class: 'lbl', text: 'Upload CSV' }), csvInput]),
    button('Download data', 'Save the current points as CSV', () => frame && download('data.csv', toCsv([...frame.points0.train, ...frame.points0.val, ...frame.points0.test]), 'text/csv'), 'csv-download'),
    el('details', { class: 'paste' }, [
      el('summary', { text: 'Paste CSV', title: 'Paste rows of x1, x2, label' }),
      pasteArea,
      button('Use pasted data', 'Replace the points with the pasted rows', () => loadCsvText(pasteArea.value), 'csv-paste'),
    ]),
    addSel.root,
  ])),
]);

function loadCsvText(text: string): void {
  try {
    const { points, classes } = parseCsv(text, state.problem);
    customPoints = points;
    const next = normalize({ ...state, dataset: 'custom', classes: Math.max(2, classes) });
    state = next;
    writeHash();
    send({ type: 'setPoints', points, state });
    refreshControls();
    notify([`Loaded ${points.length} points${state.problem === 'classification' ? ` in ${classes} classes` : ''}.`], 'info');
  } catch (e) {
    notify([(e as Error).message]);
  }
}

// network
const netWrap = el('section', { class: 'col network', attrs: { 'aria-label': 'Network' } });
const netHead = el('div', { class: 'nethead' });
const netBody = el('div', { class: 'netbody' });
const linkSvg = svg('svg', { class: 'links' });
const tooltip = el('div', { class: 'tooltip', attrs: { role: 'tooltip' } });
tooltip.hidden = true;
const editor = el('input', { class: 'editor', attrs: { type: 'number', step: 'any', 'aria-label': 'Edit weight' } });
editor.hidden = true;
netBody.append(linkSvg, tooltip, editor);
const histBox = el('details', { class: 'hists', id: 'histograms' }, [el('summary', { text: 'Weights and gradients per layer', title: 'Distribution of each layer\'s weights, and the size (RMS, log scale) of its last gradient — watch gradients vanish in deep sigmoid/tanh networks' })]);
const histBody = el('div', { class: 'histbody' });
histBox.append(histBody);
netWrap.append(el('h2', { text: 'Features → hidden layers' }), netHead, netBody, histBox);
controls.network = netHead;

// output
const outCanvas = el('canvas', { id: 'heatmap', class: 'heatmap', attrs: { width: '400', height: '400', 'aria-label': 'Decision boundary: the network output over the plane' } });
const heatImg = new ImageData(GRID, GRID);
const heatOff = el('canvas', { attrs: { width: String(GRID), height: String(GRID) } });
const lossOut = el('div', { class: 'losses' });
const chart = el('canvas', { id: 'chart', class: 'chart', attrs: { width: '400', height: '110', 'aria-label': 'Loss over epochs' } });
const lrChart = el('canvas', { id: 'lrchart', class: 'chart small', attrs: { width: '400', height: '50', 'aria-label': 'Learning rate over epochs' } });
const metricsOut = el('div', { class: 'metrics' });
const legend = el('div', { class: 'legend' });
const testChk = reg('showTestData', checkbox('Show test data', state.showTestData, (v) => update({ showTestData: v }), 'Draw the test points too (outlined)', 'show-test'));
const discChk = reg('discretize', checkbox('Discretize output', state.discretize, (v) => update({ discretize: v }), 'Show only the predicted class, not the confidence', 'discretize'));
const perfOut = el('div', { class: 'perf', id: 'perf' });
const hiddenCanvas = el('canvas', { id: 'hidden-view', class: 'hiddenview', attrs: { width: '200', height: '200', 'aria-label': 'Training points in the last hidden layer (two units)' } });
const hiddenBox = el('div', { class: 'hiddenbox', title: 'The training points as the last hidden layer sees them: its two activations as x and y. The output layer only has to draw a line here.' }, [
  el('span', { class: 'lbl', text: 'Hidden representation (last layer, 2 units)' }),
  hiddenCanvas,
]);
hiddenBox.hidden = true;
function drawHidden(f: Frame): void {
  const hr = f.hidden;
  hiddenBox.hidden = !hr;
  if (!hr) return;
  const ctx = hiddenCanvas.getContext('2d')!;
  const W = hiddenCanvas.width;
  ctx.fillStyle = '#fafafa';
  ctx.fillRect(0, 0, W, W);
  const m = Math.max(absMax(hr.xy, 1e-6), 1e-6) * 1.05;
  ctx.strokeStyle = 'rgba(0,0,0,0.15)';
  ctx.beginPath();
  ctx.moveTo(W / 2, 0);
  ctx.lineTo(W / 2, W);
  ctx.moveTo(0, W / 2);
  ctx.lineTo(W, W / 2);
  ctx.stroke();
  const reg = state.problem === 'regression';
  for (let i = 0; i < hr.labels.length; i++) {
    ctx.fillStyle = pointColor(hr.labels[i]!, reg);
    ctx.beginPath();
    ctx.arc(((hr.xy[2 * i]! / m + 1) / 2) * W, ((1 - hr.xy[2 * i + 1]! / m) / 2) * W, 2.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = '#666';
  ctx.font = '10px sans-serif';
  ctx.fillText(`±${m.toPrecision(2)}`, 4, 12);
}
const outputPanel = el('section', { class: 'col output', attrs: { 'aria-label': 'Output' } }, [
  el('h2', { text: 'Output' }), lossOut, chart, lrChart, el('div', { class: 'heatwrap' }, [outCanvas]), legend, el('div', { class: 'row' }, [testChk.root, discChk.root]), metricsOut, hiddenBox, perfOut,
]);

// advanced
const lossSel = reg('loss', select('Loss', [{ value: 'auto', label: 'auto (BCE / CE / MSE)' }, { value: 'bce', label: 'binary cross-entropy' }, { value: 'mse', label: 'MSE' }, { value: 'huber', label: 'Huber' }, { value: 'ce', label: 'cross-entropy' }] as const, state.loss, (v) => update({ loss: v }), 'The training loss (modern preset); the classic preset uses ½·MSE', 'loss'));
const optSel = reg('optimizer', select('Optimizer', OPTIMIZERS, state.optimizer, (v) => update({ optimizer: v }), 'How gradients become updates; changes apply live without resetting the weights', 'optimizer'));
const momSl = slider('Momentum', 0, 0.99, 0.01, state.momentum, (v) => update({ momentum: v }), 'SGD momentum (momentum / Nesterov)', 'momentum');
const b1Sl = slider('β₁', 0, 0.99, 0.01, state.beta1, (v) => update({ beta1: v }), 'Adam first-moment decay', 'beta1');
const b2Sl = slider('β₂', 0.9, 0.9999, 0.0001, state.beta2, (v) => update({ beta2: v }), 'Adam second-moment decay', 'beta2');
const wdSl = slider('Weight decay', 0, 0.1, 0.001, state.weightDecay, (v) => update({ weightDecay: v }), 'AdamW decoupled weight decay', 'wd');
const schSel = reg('scheduler', select('LR schedule', SCHEDULERS, state.scheduler, (v) => update({ scheduler: v }), 'Learning-rate scheduler, stepped every epoch (the rate is plotted under the loss)', 'scheduler'));
const stepSl = slider('Step every', 1, 500, 1, state.stepSize, (v) => update({ stepSize: v }), 'StepLR: epochs between decays', 'stepsize');
const gammaSl = slider('γ', 0.01, 1, 0.01, state.gamma, (v) => update({ gamma: v }), 'Decay factor (StepLR, ExponentialLR)', 'gamma');
const tmaxSl = slider('T_max', 10, 2000, 10, state.tMax, (v) => update({ tMax: v }), 'CosineAnnealingLR: epochs to the minimum', 'tmax');
const dropSl = reg('dropout', slider('Dropout', 0, 0.5, 0.05, state.dropout, (v) => update({ dropout: v }), 'Dropout after every hidden layer (training only)', 'dropout'));
const normSel = reg('norm', select('Normalization', NORMS, state.norm, (v) => update({ norm: v }), 'BatchNorm1d or LayerNorm before each hidden activation', 'norm'));
const initSel = reg('init', select('Weight init', INITS, state.init, (v) => update({ init: v }), "default: PyTorch's Linear init (classic: U(−0.5, 0.5)); xavier, he (Kaiming), normal(0, 0.1)", 'init'));
const esSl = reg('earlyStopping', slider('Early stopping patience', 0, 100, 1, state.earlyStopping, (v) => update({ earlyStopping: v }), 'Stop when the validation loss has not improved for this many epochs (0 = off; needs a validation share)', 'es', (v) => (v ? `${v}` : 'off')));
const raceSel = reg('race', select('Race against', [{ value: 'none', label: 'off' }, ...OPTIMIZERS.map((o) => ({ value: o, label: o }))] as const, state.race, (v) => update({ race: v }), 'Optimizer race: a second copy of the network (same data, seeds and starting weights) trained with another optimizer; its training loss is the dashed line', 'race'));
const seedOut = el('div', { class: 'seeds', title: 'Seeds for data, initial weights and shuffling; all in the URL' });
controls.seeds = seedOut;
const advanced = el('details', { class: 'advanced', id: 'advanced' }, [
  el('summary', { text: 'Training details — loss, optimizer, schedule, regularization, seeds' }),
  el('div', { class: 'grid3' }, [lossSel.root, optSel.root, momSl.root, b1Sl.root, b2Sl.root, wdSl.root, schSel.root, stepSl.root, gammaSl.root, tmaxSl.root, dropSl.root, normSel.root, initSel.root, esSl.root, raceSel.root, seedOut]),
]);
advanced.open = true;

// model + code
const archInput = el('input', { id: 'arch-file', attrs: { type: 'file', accept: '.json,application/json', 'aria-label': 'Architecture JSON' } });
const weightsInput = el('input', { id: 'weights-file', attrs: { type: 'file', accept: '.safetensors', 'aria-label': 'Weights (safetensors)' } });
const modelPanel = el('details', { class: 'advanced', id: 'model-panel' }, [
  el('summary', { text: 'Model files and code' }),
  el('div', { class: 'row' }, [
    button('Save model', 'Download architecture.json + model.safetensors (loads in Node with backprop, see playground/model-io.ts)', () => void saveModelFiles(), 'save-model'),
    el('label', { class: 'ctl file' }, [el('span', { class: 'lbl', text: 'architecture.json' }), archInput]),
    el('label', { class: 'ctl file' }, [el('span', { class: 'lbl', text: 'model.safetensors' }), weightsInput]),
    button('Load model', 'Load the two files chosen here', () => void loadModelFiles(), 'load-model'),
  ]),
  (controls.code = el('details', { class: 'code' }, [el('summary', { text: 'Show code' }), el('pre', { id: 'code' }, [el('code')])])),
]);
controls.model = modelPanel;

async function saveModelFiles(): Promise<void> {
  const r = await request<Extract<FromWorker, { type: 'exported' }>>((id) => ({ type: 'export', id }));
  download('architecture.json', r.architecture, 'application/json');
  download('model.safetensors', r.weights, 'application/octet-stream');
}
async function loadModelFiles(): Promise<void> {
  const a = archInput.files?.[0];
  const w = weightsInput.files?.[0];
  if (!a || !w) return notify(['Choose both files (architecture.json and model.safetensors) first.']);
  await importModel(await a.text(), new Uint8Array(await w.arrayBuffer()));
}
async function importModel(architecture: string, weights: Uint8Array): Promise<{ ok: boolean; message: string }> {
  const r = await request<Extract<FromWorker, { type: 'imported' }>>((id) => ({ type: 'import', id, architecture, weights }));
  if (r.ok && r.state) {
    state = r.state;
    writeHash();
    refreshControls();
    notify([`Model loaded.${r.message ? ` ${r.message}` : ''}`], 'info');
  } else notify([`Could not load the model: ${r.message}`]);
  return { ok: r.ok, message: r.message };
}

// divergence dialog
const divBox = el('div', { class: 'diverged', id: 'diverged', attrs: { role: 'alert' } });
divBox.hidden = true;

app.append(toolbar, challengeBox, divBox, el('div', { class: 'columns' }, [dataPanel, netWrap, outputPanel]), advanced, modelPanel);

// ------------------------------------------------------------------------------------ controls refresh
function refreshControls(): void {
  lrSel.input.replaceChildren(...withValue(LRS, state.learningRate).map((v) => {
    const o = el('option', { text: fmtLr(v) });
    o.value = String(v);
    return o;
  }));
  lrSel.input.value = String(state.learningRate);
  actSel.input.value = state.activation;
  regSel.input.value = state.regularization;
  if (!RATES.includes(state.regularizationRate)) {
    const o = el('option', { text: String(state.regularizationRate) });
    o.value = String(state.regularizationRate);
    rateSel.input.append(o);
  }
  rateSel.input.value = String(state.regularizationRate);
  probSel.input.value = state.problem;
  presetSel.input.value = state.preset;
  classesSl.set(state.classes);
  classesSl.root.hidden = !(state.dataset === 'blobs' || state.dataset === 'spiral-k');
  ratioSl.set(state.percTrainData);
  valSl.set(state.valPercent);
  noiseSl.set(state.noise);
  batchSl.set(state.batchSize);
  testChk.input.checked = state.showTestData;
  discChk.input.checked = state.discretize;
  lossSel.input.value = state.loss;
  optSel.input.value = state.optimizer;
  const classic = state.preset === 'classic';
  for (const c of [lossSel.input, optSel.input, schSel.input, dropSl.input, normSel.input]) c.disabled = classic;
  momSl.set(state.momentum);
  momSl.root.hidden = classic || !(state.optimizer === 'momentum' || state.optimizer === 'nesterov');
  b1Sl.set(state.beta1);
  b2Sl.set(state.beta2);
  b1Sl.root.hidden = b2Sl.root.hidden = classic || !(state.optimizer === 'adam' || state.optimizer === 'adamw');
  wdSl.set(state.weightDecay);
  wdSl.root.hidden = classic || state.optimizer !== 'adamw';
  schSel.input.value = state.scheduler;
  stepSl.set(state.stepSize);
  gammaSl.set(state.gamma);
  tmaxSl.set(state.tMax);
  stepSl.root.hidden = state.scheduler !== 'step';
  gammaSl.root.hidden = !(state.scheduler === 'step' || state.scheduler === 'exponential');
  tmaxSl.root.hidden = state.scheduler !== 'cosine';
  dropSl.set(state.dropout);
  normSel.input.value = state.norm;
  initSel.input.value = state.init;
  esSl.set(state.earlyStopping);
  raceSel.input.value = state.race;
  challengeSel.input.value = state.challenge;
  drawChallenge(frame);
  raceSel.input.disabled = classic;
  seedOut.replaceChildren(
    el('span', { class: 'lbl', text: 'Seeds' }),
    el('span', { text: `data ${state.dataSeed} · init ${state.initSeed} · shuffle ${state.shuffleSeed}` }),
  );
  for (const [name, node] of Object.entries(controls)) node.classList.toggle('hidden-by-url', (state.hide as string[]).includes(name));
  drawThumbs();
  buildNetwork();
  const code = document.querySelector('#code code');
  if (code) code.textContent = generateCode(state);
}

// ------------------------------------------------------------------------------------ network diagram
interface NodeView {
  canvas: HTMLCanvasElement;
  box: HTMLElement;
  x: number;
  y: number;
  img: ImageData;
}
let nodes: NodeView[][] = []; // [column][unit]: column 0 = features, then hidden layers, last = output
const NODE = 38;
const COL_W = 110;
const ROW_H = 50;
const TOP = 10;
let allFeatureNodes: { f: FeatureName; box: HTMLElement; canvas: HTMLCanvasElement; img: ImageData }[] = [];

function buildNetwork(): void {
  for (const n of Array.from(netBody.querySelectorAll('.node, .bias'))) n.remove();
  netHead.replaceChildren();
  nodes = [];
  allFeatureNodes = [];
  const hidden = state.networkShape;
  const outputs = outputsFor(state);
  // header: layer count +/−
  netHead.append(
    el('div', { class: 'layerctl' }, [
      button('+', 'Add a hidden layer', () => state.networkShape.length < MAX_LAYERS && update({ networkShape: [...state.networkShape, 2], layerActivations: [] }), 'add-layer', 'btn round'),
      button('−', 'Remove the last hidden layer', () => state.networkShape.length > 0 && update({ networkShape: state.networkShape.slice(0, -1), layerActivations: [] }), 'remove-layer', 'btn round'),
      el('span', { id: 'layer-count', text: `${hidden.length} hidden layer${hidden.length === 1 ? '' : 's'}` }),
    ]),
  );
  const cols = el('div', { class: 'colheads' });
  const colX = (c: number) => 64 + c * COL_W;
  // feature column: all seven, enabled ones are live nodes
  const featureCol: NodeView[] = [];
  // with `hide=features` the inputs are fixed: only the chosen ones are shown, and not as switches
  const locked = (state.hide as string[]).includes('features');
  let row = 0;
  FEATURES.forEach((f) => {
    const on = state[f];
    if (locked && !on) return;
    const i = row++;
    const canvas = el('canvas', { attrs: { width: String(GRID), height: String(GRID) } });
    const box = el('div', { class: `node feature${on ? ' on' : ''}`, title: `${FEATURE_LABELS[f]} — click to ${on ? 'remove' : 'use'} this input`, attrs: { role: 'switch', tabindex: '0', 'aria-checked': String(on), 'aria-label': `Feature ${FEATURE_LABELS[f]}`, 'data-feature': f } }, [
      canvas, el('span', { class: 'flabel', text: FEATURE_LABELS[f] }),
    ]);
    const toggle = () => update({ [f]: !state[f] } as Partial<PgState>);
    if (locked) {
      box.removeAttribute('role');
      box.removeAttribute('aria-checked');
      box.title = FEATURE_LABELS[f];
    } else {
      box.addEventListener('click', toggle);
      box.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), toggle()));
    }
    const x = colX(0);
    const y = TOP + i * ROW_H;
    box.style.left = `${x}px`;
    box.style.top = `${y}px`;
    netBody.append(box);
    const view = { canvas, box, x, y, img: new ImageData(GRID, GRID) };
    allFeatureNodes.push({ f, box, canvas, img: view.img });
    if (on) featureCol.push(view);
  });
  nodes.push(featureCol);
  hidden.forEach((units, l) => {
    const col: NodeView[] = [];
    const head = el('div', { class: 'colhead' }, [
      el('div', { class: 'row' }, [
        button('+', `Add a neuron to layer ${l + 1}`, () => units < MAX_NEURONS && setUnits(l, units + 1), `add-neuron-${l}`, 'btn round small'),
        button('−', `Remove a neuron from layer ${l + 1}`, () => units > 1 && setUnits(l, units - 1), `remove-neuron-${l}`, 'btn round small'),
      ]),
      el('span', { text: `${units} neuron${units === 1 ? '' : 's'}` }),
    ]);
    const act = select<ActivationName>('', ACTIVATIONS, state.layerActivations[l] ?? state.activation, (v) => {
      const list = state.networkShape.map((_, i) => state.layerActivations[i] ?? state.activation);
      list[l] = v;
      update({ layerActivations: list });
    }, `Activation of hidden layer ${l + 1}`, `layer-act-${l}`);
    head.append(act.root);
    head.style.left = `${colX(l + 1) - 20}px`;
    cols.append(head);
    for (let u = 0; u < units; u++) col.push(makeNode(colX(l + 1), TOP + u * ROW_H, l + 1, u, `Layer ${l + 1}, neuron ${u + 1}`));
    nodes.push(col);
  });
  const outCol: NodeView[] = [];
  for (let u = 0; u < outputs; u++) outCol.push(makeNode(colX(hidden.length + 1), TOP + u * ROW_H, hidden.length + 1, u, outputs > 1 ? `Output: class ${u}` : 'Output'));
  nodes.push(outCol);
  netHead.append(cols);
  const width = colX(hidden.length + 1) + NODE + 20;
  const height = TOP + Math.max(FEATURES.length, ...hidden, outputs) * ROW_H;
  linkKey = '';
  featuresDirty = true;
  netBody.style.width = `${width}px`;
  netBody.style.height = `${height}px`;
  cols.style.width = `${width}px`;
  linkSvg.setAttribute('width', String(width));
  linkSvg.setAttribute('height', String(height));
  if (frame) drawFrame(frame);
}

function setUnits(layer: number, units: number): void {
  const shape = [...state.networkShape];
  shape[layer] = units;
  update({ networkShape: shape });
}

function makeNode(x: number, y: number, layer: number, unit: number, label: string): NodeView {
  const canvas = el('canvas', { attrs: { width: String(GRID), height: String(GRID) } });
  const box = el('div', { class: 'node', title: `${label} — hover to see it large`, attrs: { tabindex: '0', 'aria-label': label, 'data-layer': String(layer), 'data-unit': String(unit) } }, [canvas]);
  box.style.left = `${x}px`;
  box.style.top = `${y}px`;
  const enter = () => {
    hoverNeuron = { layer, unit };
    if (frame) drawHeatmap(frame);
  };
  const leave = () => {
    hoverNeuron = null;
    if (frame) drawHeatmap(frame);
  };
  box.addEventListener('mouseenter', enter);
  box.addEventListener('mouseleave', leave);
  box.addEventListener('focus', enter);
  box.addEventListener('blur', leave);
  netBody.append(box);
  // bias handle (edit like a weight)
  if (layer > 0) {
    const b = el('div', { class: 'bias', attrs: { tabindex: '0', role: 'button', 'aria-label': `Bias of ${label}` } });
    b.style.left = `${x - 8}px`;
    b.style.top = `${y + NODE - 6}px`;
    const show = (e: MouseEvent | FocusEvent) => {
      const w = frame?.weights[layer - 1];
      showTip(e, `Bias: ${w ? w.bias[unit]!.toPrecision(3) : '?'} (click to edit)`);
    };
    b.addEventListener('mousemove', show);
    b.addEventListener('mouseleave', hideTip);
    b.addEventListener('click', (e) => openEditor(e, layer - 1, unit, -1));
    b.addEventListener('keydown', (e) => e.key === 'Enter' && openEditor(e, layer - 1, unit, -1));
    netBody.append(b);
  }
  return { canvas, box, x, y, img: new ImageData(GRID, GRID) };
}

function showTip(e: MouseEvent | FocusEvent | KeyboardEvent, text: string): void {
  const r = netBody.getBoundingClientRect();
  const t = e.target as Element;
  const tr = t.getBoundingClientRect();
  const x = 'clientX' in e ? e.clientX : tr.left + tr.width / 2;
  const y = 'clientY' in e ? e.clientY : tr.top;
  tooltip.textContent = text;
  tooltip.style.left = `${x - r.left + 12}px`;
  tooltip.style.top = `${y - r.top - 28}px`;
  tooltip.hidden = false;
}
function hideTip(): void {
  tooltip.hidden = true;
}

function openEditor(e: MouseEvent | KeyboardEvent, layer: number, output: number, input: number): void {
  const w = frame?.weights[layer];
  if (!w) return;
  const r = netBody.getBoundingClientRect();
  const tr = (e.target as Element).getBoundingClientRect();
  const x = 'clientX' in e ? e.clientX : tr.left;
  const y = 'clientY' in e ? e.clientY : tr.top;
  editor.value = String(input < 0 ? w.bias[output] : w.weight[output * w.in + input]);
  editor.style.left = `${x - r.left}px`;
  editor.style.top = `${y - r.top}px`;
  editor.hidden = false;
  editor.dataset.target = JSON.stringify([layer, output, input]);
  editor.focus();
  editor.select();
}
editor.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    const [layer, output, input] = JSON.parse(editor.dataset.target ?? '[0,0,0]') as number[];
    const v = Number(editor.value);
    if (Number.isFinite(v)) send({ type: 'setWeight', layer: layer!, output: output!, input: input!, value: v });
    editor.hidden = true;
  } else if (e.key === 'Escape') editor.hidden = true;
});
editor.addEventListener('blur', () => (editor.hidden = true));

/** Link paths are created once per network shape; frames only restyle them. */
let linkKey = '';
let featuresDirty = true;
let linkPaths: { path: SVGPathElement; hit: SVGPathElement; l: number; o: number; i: number }[] = [];
const weightAt = (l: number, o: number, i: number): number => {
  const w = frame?.weights[l];
  return w ? w.weight[o * w.in + i]! : NaN;
};

function drawLinks(f: Frame): void {
  const key = `${nodes.map((c) => c.length).join(',')}|${f.weights.map((w) => `${w.in}x${w.out}`).join(',')}`;
  if (key !== linkKey) {
    linkKey = key;
    linkSvg.replaceChildren();
    linkPaths = [];
    f.weights.forEach((w, l) => {
      const from = nodes[l];
      const to = nodes[l + 1];
      if (!from || !to || from.length !== w.in || to.length !== w.out) return;
      for (let o = 0; o < w.out; o++)
        for (let i = 0; i < w.in; i++) {
          const a = from[i]!;
          const b = to[o]!;
          const x1 = a.x + NODE, y1 = a.y + NODE / 2, x2 = b.x, y2 = b.y + NODE / 2;
          const d = `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
          const path = svg('path', { d, fill: 'none', class: 'link', 'data-link': `${l},${o},${i}` });
          const hit = svg('path', { d, stroke: 'transparent', 'stroke-width': 10, fill: 'none', class: 'linkhit', tabindex: 0, role: 'button' });
          const label = () => `Weight from ${l === 0 ? 'input' : `layer ${l}`} unit ${i + 1} to ${l + 1 === f.weights.length ? 'output' : `layer ${l + 1}`} unit ${o + 1}: ${weightAt(l, o, i).toPrecision(3)}`;
          hit.addEventListener('mousemove', (e) => showTip(e, `Weight: ${weightAt(l, o, i).toPrecision(3)} (click to edit)`));
          hit.addEventListener('focus', () => hit.setAttribute('aria-label', label()));
          hit.addEventListener('mouseleave', hideTip);
          hit.addEventListener('click', (e) => openEditor(e, l, o, i));
          hit.addEventListener('keydown', (e) => e.key === 'Enter' && openEditor(e, l, o, i));
          linkSvg.append(path, hit);
          linkPaths.push({ path, hit, l, o, i });
        }
    });
  }
  let maxAbs = 0;
  for (const w of f.weights) for (const v of w.weight) maxAbs = Math.max(maxAbs, Math.abs(v));
  for (const p of linkPaths) {
    const st = linkStyle(weightAt(p.l, p.o, p.i), Math.max(maxAbs, 1));
    p.path.setAttribute('stroke', st.color);
    p.path.setAttribute('stroke-width', String(st.width));
  }
}

// ------------------------------------------------------------------------------------ drawing
const pointColor = (label: number, regression: boolean): string =>
  regression ? rgb(divergingColor(label)) : outputsFor(state) > 1 || label > 1 ? rgb(CLASS_COLORS[label % 5]!) : rgb(divergingColor(label > 0 ? 1 : -1));

function paintUnit(img: ImageData, values: Float32Array, units: number, unit: number, multi: boolean): void {
  const n = GRID * GRID;
  const col = new Float32Array(n);
  for (let k = 0; k < n; k++) col[k] = values[k * units + unit]!;
  if (multi) {
    // one class's logit: scale symmetric
    paintDiverging(col, img.data, { scale: absMax(col) });
  } else paintDiverging(col, img.data, { scale: absMax(col) });
}

function drawHeatmap(f: ViewFrame): void {
  const g = f.grid;
  const multi = g.classes > 1;
  if (hoverNeuron && g.layers[hoverNeuron.layer]) {
    const L = g.layers[hoverNeuron.layer]!;
    paintUnit(heatImg, L.values, L.units, hoverNeuron.unit, multi);
  } else if (multi) paintClasses(g.output, g.classes, heatImg.data, { discretize: state.discretize });
  else paintDiverging(g.output, heatImg.data, { discretize: state.discretize });
  heatOff.getContext('2d')!.putImageData(heatImg, 0, 0);
  const ctx = outCanvas.getContext('2d')!;
  const S = outCanvas.width;
  ctx.imageSmoothingEnabled = false;
  // the map a little faded (as TensorFlow Playground draws it) so the points' full colours stand out
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, S, S);
  ctx.globalAlpha = hoverNeuron ? 1 : 0.72;
  ctx.drawImage(heatOff, 0, 0, S, S);
  ctx.globalAlpha = 1;
  // axes
  ctx.strokeStyle = 'rgba(0,0,0,0.15)';
  ctx.beginPath();
  ctx.moveTo(S / 2, 0);
  ctx.lineTo(S / 2, S);
  ctx.moveTo(0, S / 2);
  ctx.lineTo(S, S / 2);
  ctx.stroke();
  const pts = f.points0;
  const reg = state.problem === 'regression';
  const drawPts = (ps: Point[], stroke: string) => {
    for (const p of ps) {
      ctx.beginPath();
      ctx.arc(toPixel(p.x, S, 'x'), toPixel(p.y, S, 'y'), 4.5, 0, 2 * Math.PI);
      ctx.fillStyle = pointColor(p.label, reg);
      ctx.fill();
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  };
  drawPts(pts.train, '#fff');
  drawPts(pts.val, '#fff');
  if (state.showTestData) drawPts(pts.test, '#000');
}

function drawFrame(f: ViewFrame): void {
  drawHeatmap(f);
  const g = f.grid;
  // feature nodes
  const feats = g.layers[0];
  if (feats && featuresDirty) {
    featuresDirty = false; // the inputs' maps never change while training
    let k = 0;
    for (const fn of allFeatureNodes) {
      const ctx = fn.canvas.getContext('2d')!;
      if (!state[fn.f]) {
        ctx.fillStyle = '#eee';
        ctx.fillRect(0, 0, GRID, GRID);
        continue;
      }
      paintUnit(fn.img, feats.values, feats.units, k++, false);
      ctx.putImageData(fn.img, 0, 0);
    }
  }
  for (let c = 1; c < nodes.length; c++) {
    const L = g.layers[c];
    if (!L) continue;
    nodes[c]!.forEach((nv, u) => {
      if (u >= L.units) return;
      if (c === nodes.length - 1 && g.classes === 1) paintDiverging(g.output, nv.img.data, { discretize: state.discretize });
      else paintUnit(nv.img, L.values, L.units, u, g.classes > 1);
      nv.canvas.getContext('2d')!.putImageData(nv.img, 0, 0);
    });
  }
  drawLinks(f);
  if (histBox.open) drawHistograms(f);
  drawCharts(f);
  drawMetrics(f);
  drawHidden(f);
  drawChallenge(f);
}

/** Per Linear layer: a histogram of its weights and the RMS of its last gradient on a log scale. */
function drawHistograms(f: Frame): void {
  const rows = f.weights.map((w, l) => {
    const c = el('canvas', { attrs: { width: '160', height: '34' }, title: `weights of layer ${l + 1}` });
    const ctx = c.getContext('2d')!;
    const m = Math.max(absMax(w.weight, 1e-6), 1e-6);
    const bins = new Array<number>(21).fill(0);
    for (const v of w.weight) bins[Math.min(20, Math.max(0, Math.round(((v / m) * 0.5 + 0.5) * 20)))]!++;
    const top = Math.max(...bins);
    bins.forEach((b, i) => {
      ctx.fillStyle = rgb(divergingColor((i / 20) * 2 - 1));
      const h = (b / top) * 30;
      ctx.fillRect(i * 7.6, 32 - h, 6.6, h);
    });
    let rms = NaN;
    if (w.grad) {
      let s2 = 0;
      for (const g of w.grad) s2 += g * g;
      rms = Math.sqrt(s2 / w.grad.length);
    }
    const bar = el('span', { class: 'gradbar' });
    const frac = Number.isFinite(rms) && rms > 0 ? Math.max(0, Math.min(1, (Math.log10(rms) + 8) / 8)) : 0;
    bar.style.width = `${Math.round(frac * 100)}%`;
    return el('div', { class: 'histrow' }, [
      el('span', { class: 'lbl', text: l + 1 === f.weights.length ? 'output' : `layer ${l + 1}` }),
      c,
      el('span', { class: 'range', text: `±${m.toPrecision(2)}` }),
      el('span', { class: 'gradbox', title: 'RMS of the last weight gradient, log scale 1e-8 … 1' }, [bar]),
      el('span', { class: 'range', text: Number.isFinite(rms) ? `∇ ${rms.toExponential(1)}` : '∇ —' }),
    ]);
  });
  histBody.replaceChildren(...rows);
}
histBox.addEventListener('toggle', () => frame && histBox.open && drawHistograms(frame));

function fmtLoss(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '—';
  return v !== 0 && Math.abs(v) < 0.001 ? v.toExponential(2) : v.toFixed(3);
}

function drawCharts(f: Frame): void {
  const h = f.history;
  const ctx = chart.getContext('2d')!;
  const W = chart.width, H = chart.height;
  ctx.clearRect(0, 0, W, H);
  if (h.length > 1) {
    let max = 0;
    for (const p of h) for (const v of [p.train, p.test, p.val ?? 0]) if (Number.isFinite(v)) max = Math.max(max, v);
    for (const p of f.race?.history ?? []) if (Number.isFinite(p.train)) max = Math.max(max, p.train);
    max = max || 1;
    const e0 = h[0]!.epoch, e1 = h[h.length - 1]!.epoch || 1;
    const X = (e: number) => ((e - e0) / Math.max(1, e1 - e0)) * (W - 4) + 2;
    const Y = (v: number) => H - 4 - (Math.min(v, max) / max) * (H - 8);
    const line = (key: 'train' | 'test' | 'val', color: string) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let started = false;
      for (const p of h) {
        const v = p[key];
        if (v === undefined || !Number.isFinite(v)) continue;
        if (!started) ctx.moveTo(X(p.epoch), Y(v));
        else ctx.lineTo(X(p.epoch), Y(v));
        started = true;
      }
      ctx.stroke();
    };
    line('test', '#999');
    line('train', '#222');
    if (f.race && f.race.history.length > 1) {
      // the race: the other optimizer's training loss, dashed
      ctx.strokeStyle = '#d62728';
      ctx.setLineDash([5, 3]);
      ctx.beginPath();
      let started = false;
      for (const p of f.race.history) {
        if (!Number.isFinite(p.train) || p.epoch < e0) continue;
        if (!started) ctx.moveTo(X(p.epoch), Y(p.train));
        else ctx.lineTo(X(p.epoch), Y(p.train));
        started = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (h.some((p) => p.val !== undefined)) line('val', '#2ca02c');
    if (f.bestEpoch !== null) {
      ctx.strokeStyle = '#d62728';
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(X(f.bestEpoch), 0);
      ctx.lineTo(X(f.bestEpoch), H);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    // learning rate
    const lctx = lrChart.getContext('2d')!;
    lctx.clearRect(0, 0, lrChart.width, lrChart.height);
    const lmax = Math.max(...h.map((p) => p.lr)) || 1;
    lctx.strokeStyle = '#9467bd';
    lctx.beginPath();
    h.forEach((p, i) => {
      const y = lrChart.height - 3 - (p.lr / lmax) * (lrChart.height - 6);
      if (i === 0) lctx.moveTo(X(p.epoch), y);
      else lctx.lineTo(X(p.epoch), y);
    });
    lctx.stroke();
  }
  lossOut.replaceChildren(
    el('div', {}, [el('span', { class: 'lbl', text: 'Test loss ' }), el('output', { id: 'test-loss', text: fmtLoss(f.metrics.test.loss) })]),
    el('div', {}, [el('span', { class: 'lbl', text: 'Training loss ' }), el('output', { id: 'train-loss', text: fmtLoss(f.metrics.train.loss) })]),
    f.metrics.val ? el('div', {}, [el('span', { class: 'lbl', text: 'Validation loss ' }), el('output', { id: 'val-loss', text: fmtLoss(f.metrics.val.loss) })]) : '',
    el('div', {}, [el('span', { class: 'lbl', text: 'Learning rate ' }), el('output', { id: 'cur-lr', text: f.metrics.lr.toPrecision(3) })]),
    f.race
      ? el('div', { class: 'race' }, [
          el('span', { class: 'lbl', text: `Race: ${state.optimizer} (solid) vs ${f.race.optimizer} (dashed) ` }),
          el('output', { id: 'race-loss', text: `${f.race.diverged ? 'diverged' : `train ${fmtLoss(f.race.metrics.train.loss)} · test ${fmtLoss(f.race.metrics.test.loss)}`}` }),
        ])
      : '',
  );
}

function drawMetrics(f: Frame): void {
  const m = f.metrics;
  const parts: (HTMLElement | null)[] = [];
  if (m.test.accuracy !== undefined)
    parts.push(el('div', {}, [el('span', { class: 'lbl', text: 'Accuracy ' }), el('output', { id: 'accuracy', text: `train ${(100 * (m.train.accuracy ?? 0)).toFixed(1)}% · test ${(100 * m.test.accuracy).toFixed(1)}%` })]));
  if (m.test.r2 !== undefined)
    parts.push(el('div', {}, [el('span', { class: 'lbl', text: 'Test ' }), el('output', { id: 'r2', text: `R² ${m.test.r2.toFixed(3)} · RMSE ${(m.test.rmse ?? NaN).toFixed(3)}` })]));
  if (m.confusion) {
    const t = el('table', { class: 'confusion', id: 'confusion', attrs: { 'aria-label': 'Confusion matrix (test set): rows true class, columns predicted' } });
    t.append(el('caption', { text: 'Confusion (test): rows = true, columns = predicted' }));
    t.append(el('tr', {}, [el('th'), ...m.confusion.map((_, j) => el('th', { text: String(j) }))]));
    m.confusion.forEach((row, i) => t.append(el('tr', {}, [el('th', { text: String(i) }), ...row.map((v, j) => el('td', { class: i === j ? 'diag' : '', text: String(v) }))])));
    parts.push(t);
  }
  if (f.stopped) parts.push(el('div', { class: 'stopnote', text: `Early stopping: no validation improvement since epoch ${f.bestEpoch}.` }, [button('Restore best weights', 'Load the weights from the best epoch', () => send({ type: 'restoreBest' }), 'restore-best')]));
  metricsOut.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  const multi = f.grid.classes > 1;
  legend.replaceChildren(
    ...(multi
      ? CLASS_COLORS.slice(0, f.grid.classes).map((c, k) => {
          const sw = el('span', { class: 'swatch' });
          sw.style.background = rgb(c);
          return el('span', { class: 'legend-item' }, [sw, el('span', { text: `class ${k}` })]);
        })
      : [
          el('span', { text: state.problem === 'regression' ? '−1' : state.preset === 'classic' ? '−1' : 'P=0' }),
          legendBar(),
          el('span', { text: state.problem === 'regression' ? '+1' : state.preset === 'classic' ? '+1' : 'P=1' }),
        ]),
    el('span', { class: 'legend-note', text: multi ? '  lightness = confidence' : '  colour shows the output; points show the data' }),
  );
  perfOut.textContent = `backend ${f.backend} · ${f.msPerStep.toFixed(2)} ms/step${f.epochsPerSecond ? ` · ${f.epochsPerSecond.toFixed(0)} epochs/s` : ''} · render ${renderMs.toFixed(1)} ms`;
  document.getElementById('backend-info')!.textContent = `backend: ${f.backend}`;
}

let legendCanvas: HTMLCanvasElement | null = null;
function legendBar(): HTMLCanvasElement {
  if (legendCanvas) return legendCanvas;
  legendCanvas = el('canvas', { class: 'legendbar', attrs: { width: '120', height: '10' } });
  const ctx = legendCanvas.getContext('2d')!;
  for (let x = 0; x < 120; x++) {
    ctx.fillStyle = rgb(divergingColor((x / 119) * 2 - 1));
    ctx.fillRect(x, 0, 1, 10);
  }
  return legendCanvas;
}

function showDivergence(f: Frame): void {
  if (!f.diverged) {
    divBox.hidden = true;
    return;
  }
  const lower = Math.max(1e-5, state.learningRate / 10);
  divBox.replaceChildren(
    el('strong', { text: 'Training diverged — paused. ' }),
    el('span', { text: `${f.diverged.reason}. The learning rate (${state.learningRate}) is probably too large for this network: each step overshoots, the loss grows, and the numbers overflow.` }),
    button(`Restore epoch ${f.diverged.epoch > 0 ? 'last good' : 0} weights and use lr ${lower}`, 'Go back to the last weights with a finite loss, with a ten times smaller learning rate', () => {
      update({ learningRate: lower });
      send({ type: 'recover', lr: lower });
    }, 'recover'),
  );
  divBox.hidden = false;
}

// ------------------------------------------------------------------------------------ heatmap clicks
outCanvas.addEventListener('click', (e) => {
  if (addClass < 0 || !frame) return;
  const r = outCanvas.getBoundingClientRect();
  const x = fromPixel(((e.clientX - r.left) / r.width) * outCanvas.width, outCanvas.width, 'x');
  const y = fromPixel(((e.clientY - r.top) / r.height) * outCanvas.height, outCanvas.height, 'y');
  // the page's own copy, so quick clicks build on each other before the worker answers
  const all = customPoints && state.dataset === 'custom' ? customPoints : [...frame.points0.train, ...frame.points0.val, ...frame.points0.test];
  let next: Point[];
  if (addClass === 9) {
    let best = -1, bd = Infinity;
    all.forEach((p, i) => {
      const d = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (d < bd) ((bd = d), (best = i));
    });
    next = all.filter((_, i) => i !== best);
  } else {
    const label = state.problem === 'regression' ? (addClass === 0 ? -1 : 1) : addClass;
    next = [...all, { x: Math.max(-EXTENT, Math.min(EXTENT, x)), y: Math.max(-EXTENT, Math.min(EXTENT, y)), label }];
  }
  const classes = state.problem === 'classification' ? Math.max(2, ...next.map((p) => p.label + 1)) : state.classes;
  customPoints = next;
  state = normalize({ ...state, dataset: 'custom', classes: Math.min(5, classes) });
  writeHash();
  send({ type: 'setPoints', points: next, state });
  refreshControls();
});

// ------------------------------------------------------------------------------------ play / keys
function togglePlay(): void {
  if (state.mode === 'image') return image?.togglePlay();
  playing = !playing;
  send({ type: playing ? 'play' : 'pause' });
  renderPlay();
}
function renderPlay(): void {
  playBtn.textContent = playing ? '❚❚' : '▶';
  playBtn.setAttribute('aria-label', playing ? 'Pause training' : 'Run training');
  playBtn.classList.toggle('playing', playing);
}
document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.tagName === 'BUTTON' || t.getAttribute('role'))) return;
  if (e.key === ' ') {
    e.preventDefault();
    togglePlay();
  } else if (e.key === 's') send({ type: 'step', n: 1 });
  else if (e.key === 'r') send({ type: 'reset' });
});

// ------------------------------------------------------------------------------------ image mode
let image: ImageMode | null = null;
const imageRoot = document.getElementById('app-image')!;
const btn2d = document.getElementById('mode-2d')!;
const btnImg = document.getElementById('mode-image')!;
btn2d.addEventListener('click', () => update({ mode: '2d' }));
btnImg.addEventListener('click', () => update({ mode: 'image' }));
controls.mode = document.querySelector('.modes') as HTMLElement;
// embedding: `hide=header,footer` leaves only the playground itself
controls.header = document.querySelector('header.top') as HTMLElement;
controls.footer = document.querySelector('footer.foot') as HTMLElement;
controls.histograms = histBox;
function applyMode(): void {
  const img = state.mode === 'image';
  app.hidden = img;
  imageRoot.hidden = !img;
  btn2d.classList.toggle('on', !img);
  btnImg.classList.toggle('on', img);
  btn2d.setAttribute('aria-pressed', String(!img));
  btnImg.setAttribute('aria-pressed', String(img));
  if (img && !image) image = mountImageMode(imageRoot, send, request);
  if (!img && image) image.pause();
  if (img && playing) togglePlay();
}

// ------------------------------------------------------------------------------------ worker messages
let lastFrameAt = 0;
let renderMs = 0;
let frameWaiters: ((f: ViewFrame) => void)[] = [];
worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if ('id' in m && m.id !== undefined && pending.has(m.id)) {
    pending.get(m.id)!(m);
    pending.delete(m.id);
  }
  switch (m.type) {
    case 'ready':
      document.getElementById('backend-info')!.textContent = `backend: ${m.backend}`;
      break;
    case 'frame': {
      const pts = m.points ?? frame?.points0 ?? { train: [], val: [], test: [] };
      frame = Object.assign(m, { points0: pts });
      if (m.reset && hoverNeuron) hoverNeuron = null;
      epochOut.textContent = String(m.epoch).padStart(6, '0').replace(/(\d{3})(\d{3})$/, '$1,$2');
      if (playing !== m.playing && (m.diverged || m.stopped)) {
        playing = false;
        renderPlay();
      }
      showDivergence(m);
      const now = performance.now();
      if (!playing || now - lastFrameAt > 30) {
        drawFrame(frame);
        lastFrameAt = now;
        renderMs = 0.8 * renderMs + 0.2 * (performance.now() - now);
      }
      for (const w of frameWaiters) w(frame);
      frameWaiters = [];
      break;
    }
    case 'imageFrame':
      image?.onFrame(m as ImageFrame);
      break;
    case 'probs':
      image?.onProbs(m.probs, m.activations);
      break;
    case 'error':
      notify([`Training stopped: ${m.message}`]);
      playing = false;
      renderPlay();
      break;
  }
};


// ------------------------------------------------------------------------------------ boot
refreshControls();
writeHash();
applyMode();
send({ type: 'init', state, points: customPoints, backend: new URLSearchParams(location.search).get('backend') ?? 'auto' });

// ------------------------------------------------------------------------------------ test hook
if (TEST) {
  const nextFrame = (): Promise<ViewFrame> => new Promise((res) => frameWaiters.push(res));
  const hook = {
    state: () => structuredClone(state),
    frame: () => frame,
    ready: () => frame !== null,
    async step(n = 1): Promise<Frame> {
      const r = await request<Frame>((id) => ({ type: 'step', n, id }));
      return r;
    },
    async sync(): Promise<Frame> {
      return request<Frame>((id) => ({ type: 'frame', id }));
    },
    nextFrame,
    weights: () => frame?.weights.map((w) => ({ weight: Array.from(w.weight), bias: Array.from(w.bias) })),
    loss: () => (frame ? { train: frame.metrics.train.loss, test: frame.metrics.test.loss } : null),
    metrics: () => frame?.metrics,
    grid: () => (frame ? Array.from(frame.grid.output) : null),
    playing: () => playing,
    renderMs: () => renderMs,
    race: () => frame?.race ?? null,
    async export(): Promise<{ architecture: string; weights: number[] }> {
      const r = await request<Extract<FromWorker, { type: 'exported' }>>((id) => ({ type: 'export', id }));
      return { architecture: r.architecture, weights: Array.from(r.weights) };
    },
    importModel: (architecture: string, weights: number[]) => importModel(architecture, Uint8Array.from(weights)),
    uploadCsv: (text: string) => loadCsvText(text),
    setWeight: (layer: number, output: number, input: number, value: number) => send({ type: 'setWeight', layer, output, input, value }),
    image: () => image?.debug(),
    async imageStep(n: number): Promise<{ step: number; accuracy: number }> {
      const r = await request<ImageFrame>((id) => ({ type: 'imageStep', n, id }));
      image?.onFrame(r);
      return { step: r.step, accuracy: r.accuracy };
    },
  };
  (window as unknown as { __pg: typeof hook }).__pg = hook;
}
