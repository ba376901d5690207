/**
 * The panels under the columns: training details (loss, optimizer, schedule, regularisation, seeds),
 * model files and code, the classroom link builder; and the challenge box above them.
 */
import { button, checkbox, download, el, select, slider } from '../dom.js';
import { HIDEABLE, INITS, NORMS, OPTIMIZERS, SCHEDULERS, toHash, type HideableName } from '../state.js';
import type { Frame, FromWorker } from '../protocol.js';
import { generateCode } from '../codegen.js';
import { challengeStatus } from '../challenges.js';
import { request, setState, store, update } from '../store.js';
import { notify } from '../notices.js';
import { controls, reg } from './controls.js';

type Sel = ReturnType<typeof select>;
type Sl = ReturnType<typeof slider>;
let lossSel: Sel, optSel: Sel, schSel: Sel, normSel: Sel, initSel: Sel, raceSel: Sel;
let momSl: Sl, b1Sl: Sl, b2Sl: Sl, wdSl: Sl, stepSl: Sl, gammaSl: Sl, tmaxSl: Sl, dropSl: Sl, esSl: Sl;
const seedOut = el('div', { class: 'seeds', title: 'Seeds for data, initial weights and shuffling; all in the URL' });
controls.seeds = seedOut;

export function buildAdvanced(): HTMLElement {
  const s = store.state;
  const lossOpts = [
    { value: 'auto', label: 'auto (BCE / CE / MSE)' },
    { value: 'bce', label: 'binary cross-entropy' },
    { value: 'mse', label: 'MSE' },
    { value: 'huber', label: 'Huber' },
    { value: 'ce', label: 'cross-entropy' },
  ] as const;
  lossSel = reg(
    'loss',
    select(
      'Loss',
      lossOpts,
      s.loss,
      (v) => update({ loss: v }),
      'The training loss (modern preset); the classic preset uses ½·MSE',
      'loss',
    ),
  );
  optSel = reg(
    'optimizer',
    select(
      'Optimizer',
      OPTIMIZERS,
      s.optimizer,
      (v) => update({ optimizer: v }),
      'How gradients become updates; changes apply live without resetting the weights',
      'optimizer',
    ),
  );
  momSl = slider('Momentum', 0, 0.99, 0.01, s.momentum, (v) => update({ momentum: v }), 'SGD momentum (momentum / Nesterov)', 'momentum');
  b1Sl = slider('β₁', 0, 0.99, 0.01, s.beta1, (v) => update({ beta1: v }), 'Adam first-moment decay', 'beta1');
  b2Sl = slider('β₂', 0.9, 0.9999, 0.0001, s.beta2, (v) => update({ beta2: v }), 'Adam second-moment decay', 'beta2');
  wdSl = slider('Weight decay', 0, 0.1, 0.001, s.weightDecay, (v) => update({ weightDecay: v }), 'AdamW decoupled weight decay', 'wd');
  schSel = reg(
    'scheduler',
    select(
      'LR schedule',
      SCHEDULERS,
      s.scheduler,
      (v) => update({ scheduler: v }),
      'Learning-rate scheduler, stepped every epoch (the rate is plotted under the loss)',
      'scheduler',
    ),
  );
  stepSl = slider('Step every', 1, 500, 1, s.stepSize, (v) => update({ stepSize: v }), 'StepLR: epochs between decays', 'stepsize');
  gammaSl = slider('γ', 0.01, 1, 0.01, s.gamma, (v) => update({ gamma: v }), 'Decay factor (StepLR, ExponentialLR)', 'gamma');
  tmaxSl = slider('T_max', 10, 2000, 10, s.tMax, (v) => update({ tMax: v }), 'CosineAnnealingLR: epochs to the minimum', 'tmax');
  dropSl = reg(
    'dropout',
    slider(
      'Dropout',
      0,
      0.5,
      0.05,
      s.dropout,
      (v) => update({ dropout: v }),
      'Dropout after every hidden layer (training only)',
      'dropout',
    ),
  );
  normSel = reg(
    'norm',
    select('Normalization', NORMS, s.norm, (v) => update({ norm: v }), 'BatchNorm1d or LayerNorm before each hidden activation', 'norm'),
  );
  initSel = reg(
    'init',
    select(
      'Weight init',
      INITS,
      s.init,
      (v) => update({ init: v }),
      "default: PyTorch's Linear init (classic: U(−0.5, 0.5)); xavier, he (Kaiming), normal(0, 0.1), zero (TF's initZero)",
      'init',
    ),
  );
  esSl = reg(
    'earlyStopping',
    slider(
      'Early stopping patience',
      0,
      100,
      1,
      s.earlyStopping,
      (v) => update({ earlyStopping: v }),
      'Stop when the validation loss has not improved for this many epochs (0 = off; needs a validation share)',
      'es',
      (v) => (v ? `${v}` : 'off'),
    ),
  );
  const raceOpts = [{ value: 'none', label: 'off' }, ...OPTIMIZERS.map((o) => ({ value: o, label: o }))] as const;
  raceSel = reg(
    'race',
    select(
      'Race against',
      raceOpts,
      s.race,
      (v) => update({ race: v }),
      'Optimizer race: a second copy of the network (same data, seeds and starting weights) trained with another optimizer; ' +
        'its training loss is the dashed line',
      'race',
    ),
  );
  const d = el('details', { class: 'advanced', id: 'advanced' }, [
    el('summary', { text: 'Training details — loss, optimizer, schedule, regularization, seeds' }),
    el('div', { class: 'grid3' }, [
      lossSel.root,
      optSel.root,
      momSl.root,
      b1Sl.root,
      b2Sl.root,
      wdSl.root,
      schSel.root,
      stepSl.root,
      gammaSl.root,
      tmaxSl.root,
      dropSl.root,
      normSel.root,
      initSel.root,
      esSl.root,
      raceSel.root,
      seedOut,
    ]),
  ]);
  d.open = true;
  return d;
}

export function refreshAdvanced(): void {
  const s = store.state;
  const classic = s.preset === 'classic';
  lossSel.input.value = s.loss;
  optSel.input.value = s.optimizer;
  for (const c of [lossSel.input, optSel.input, schSel.input, dropSl.input, normSel.input, raceSel.input]) c.disabled = classic;
  momSl.set(s.momentum);
  momSl.root.hidden = classic || !(s.optimizer === 'momentum' || s.optimizer === 'nesterov');
  b1Sl.set(s.beta1);
  b2Sl.set(s.beta2);
  b1Sl.root.hidden = b2Sl.root.hidden = classic || !(s.optimizer === 'adam' || s.optimizer === 'adamw');
  wdSl.set(s.weightDecay);
  wdSl.root.hidden = classic || s.optimizer !== 'adamw';
  schSel.input.value = s.scheduler;
  stepSl.set(s.stepSize);
  gammaSl.set(s.gamma);
  tmaxSl.set(s.tMax);
  stepSl.root.hidden = s.scheduler !== 'step';
  gammaSl.root.hidden = !(s.scheduler === 'step' || s.scheduler === 'exponential');
  tmaxSl.root.hidden = s.scheduler !== 'cosine';
  dropSl.set(s.dropout);
  normSel.input.value = s.norm;
  initSel.input.value = s.init;
  esSl.set(s.earlyStopping);
  raceSel.input.value = s.race;
  seedOut.replaceChildren(
    el('span', { class: 'lbl', text: 'Seeds' }),
    el('span', { text: `data ${s.dataSeed} · init ${s.initSeed} · shuffle ${s.shuffleSeed}` }),
  );
  const code = document.querySelector('#code code');
  if (code) code.textContent = generateCode(s);
  refreshClassroom();
}

// ------------------------------------------------------------------------------------ model files + code
export function buildModelPanel(): HTMLElement {
  const archInput = el('input', {
    id: 'arch-file',
    attrs: { type: 'file', accept: '.json,application/json', 'aria-label': 'Architecture JSON' },
  });
  const weightsInput = el('input', {
    id: 'weights-file',
    attrs: { type: 'file', accept: '.safetensors', 'aria-label': 'Weights (safetensors)' },
  });
  const save = async () => {
    const r = await request<Extract<FromWorker, { type: 'exported' }>>((id) => ({ type: 'export', id }));
    download('architecture.json', r.architecture, 'application/json');
    download('model.safetensors', r.weights, 'application/octet-stream');
  };
  const load = async () => {
    const a = archInput.files?.[0];
    const w = weightsInput.files?.[0];
    if (!a || !w) return notify(['Choose both files (architecture.json and model.safetensors) first.'], 'error');
    await importModel(await a.text(), new Uint8Array(await w.arrayBuffer()));
  };
  const p = el('details', { class: 'advanced', id: 'model-panel' }, [
    el('summary', { text: 'Model files and code' }),
    el('div', { class: 'row' }, [
      button(
        'Save model',
        'Download architecture.json + model.safetensors (loads in Node with backprop, see playground/model-io.ts)',
        () => void save(),
        'save-model',
      ),
      el('label', { class: 'ctl file' }, [el('span', { class: 'lbl', text: 'architecture.json' }), archInput]),
      el('label', { class: 'ctl file' }, [el('span', { class: 'lbl', text: 'model.safetensors' }), weightsInput]),
      button('Load model', 'Load the two files chosen here', () => void load(), 'load-model'),
    ]),
    (controls.code = el('details', { class: 'code' }, [el('summary', { text: 'Show code' }), el('pre', { id: 'code' }, [el('code')])])),
  ]);
  controls.model = p;
  return p;
}

export async function importModel(architecture: string, weights: Uint8Array): Promise<{ ok: boolean; message: string }> {
  const r = await request<Extract<FromWorker, { type: 'imported' }>>((id) => ({ type: 'import', id, architecture, weights }));
  if (r.ok && r.state) {
    setState(r.state, { tellWorker: false });
    notify([`Model loaded.${r.message ? ` ${r.message}` : ''}`], 'info');
  } else notify([`Could not load the model: ${r.message}`], 'error');
  return { ok: r.ok, message: r.message };
}

// ------------------------------------------------------------------------------------ challenge
export const challengeBox = el('div', { class: 'challenge', id: 'challenge-box', attrs: { role: 'status' } });
challengeBox.hidden = true;
export function drawChallenge(f: Frame | null): void {
  const st = f ? challengeStatus(store.state, f.metrics) : null;
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

// ------------------------------------------------------------------------------------ classroom
/** The controls a teacher usually hides, with TensorFlow Playground's names for them. */
export const CLASSROOM: [HideableName, string][] = [
  ['playButton', 'Play button'],
  ['stepButton', 'Step button'],
  ['resetButton', 'Reset button'],
  ['learningRate', 'Learning rate'],
  ['activation', 'Activation'],
  ['regularization', 'Regularization'],
  ['regularizationRate', 'Regularization rate'],
  ['problem', 'Problem type'],
  ['dataset', 'Which dataset'],
  ['percTrainData', 'Ratio train data'],
  ['noise', 'Noise level'],
  ['batchSize', 'Batch size'],
  ['numHiddenLayers', '# of hidden layers'],
  ['network', 'Neuron and activation controls'],
  ['features', 'Input switches (fix the inputs)'],
  ['showTestData', 'Show test data'],
  ['discretize', 'Discretize output'],
  ['preset', 'Preset'],
  ['challenge', 'Challenge'],
  ['seeds', 'Seeds'],
  ['data', 'Your own data'],
  ['model', 'Model files and code'],
  ['histograms', 'Weights and gradients'],
  ['article', 'The explanation under the app'],
  ['header', 'Page header'],
  ['footer', 'Page footer'],
];
const classroomBox = el('div', { class: 'classgrid' });
const linkOut = el('input', {
  id: 'classroom-link',
  class: 'linkout',
  attrs: { type: 'text', readonly: '', 'aria-label': 'Link with the chosen controls hidden' },
});
const picked = new Set<HideableName>();

/** The current setup as a link, with the ticked controls hidden. */
export function classroomLink(): string {
  const s = { ...store.state, hide: HIDEABLE.filter((h) => picked.has(h) || (store.state.hide as string[]).includes(h)) };
  return `${location.origin}${location.pathname}#${toHash(s)}`;
}

const boxes = new Map<HideableName, HTMLInputElement>();
function refreshClassroom(): void {
  // controls the page's own link already hides are ticked (and stay hidden in the new link)
  for (const [name, input] of boxes) {
    const byUrl = (store.state.hide as string[]).includes(name);
    input.checked = byUrl || picked.has(name);
    input.disabled = byUrl;
  }
  linkOut.value = classroomLink();
}

export function buildClassroom(): HTMLElement {
  for (const [name, label] of CLASSROOM) {
    const c = checkbox(
      label,
      false,
      (v) => {
        if (v) picked.add(name);
        else picked.delete(name);
        refreshClassroom();
      },
      `Hide “${label}” in the link`,
      `hide-${name}`,
    );
    boxes.set(name, c.input);
    classroomBox.append(c.root);
  }
  const copy = button(
    'Copy link',
    'Copy the link to the clipboard',
    () => {
      linkOut.select();
      void navigator.clipboard?.writeText(linkOut.value).then(
        () => notify(['Link copied.'], 'info'),
        () => notify(['Select the link and copy it yourself (the clipboard is not available here).'], 'info'),
      );
    },
    'classroom-copy',
  );
  const open = button(
    'Open it here',
    'Load the link in this tab, to see what students will see',
    () => location.assign(linkOut.value),
    'classroom-open',
  );
  const d = el('details', { class: 'advanced', id: 'classroom' }, [
    el('summary', { text: 'Use it in a classroom — a link with some controls hidden' }),
    el('p', {
      class: 'note',
      text:
        'Set up the network and data, tick what students should not change, and share the link. ' +
        'It opens with this exact setup and seeds.',
    }),
    classroomBox,
    el('div', { class: 'row' }, [linkOut, copy, open]),
  ]);
  controls.classroom = d;
  refreshClassroom();
  return d;
}
