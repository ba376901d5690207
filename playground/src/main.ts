/**
 * The page's wiring: read the link, build the views, connect them to the store and the training
 * worker. The page renders what the worker sends and forwards the user's changes; it does no network
 * maths itself. All state is in the URL hash (validated by state.ts, the one validator) and in the
 * typed store (store.ts). Views: ui/controls.ts, ui/network.ts, ui/output.ts, ui/charts.ts, ui/panels.ts.
 */
import { el } from './dom.js';
import { FEATURES, diffKeys, normalize, parseHash, type PgState } from './state.js';
import type { Frame, FromWorker, ImageFrame } from './protocol.js';
import { mountImageMode, type ImageMode } from './image-view.js';
import { CHALLENGES } from './challenges.js';
import { notify } from './notices.js';
import {
  onHover,
  onPlaying,
  onState,
  request,
  send,
  setPlaying,
  setState,
  startWorker,
  store,
  update,
  writeHash,
  type ViewFrame,
} from './store.js';
import {
  applyHidden,
  buildDataPanel,
  buildToolbar,
  controls,
  epochOut,
  loadCsvText,
  playHooks,
  refreshBasics,
  renderPlay,
  togglePlay,
} from './ui/controls.js';
import { buildNetwork, drawNetwork, markHover, netWrap, watchWidth } from './ui/network.js';
import { buildOutputPanel, divBox, drawHeatmap, drawOutput, noteRenderMs, refreshOutput, renderMs, showDivergence } from './ui/output.js';
import { buildAdvanced, buildClassroom, buildModelPanel, challengeBox, drawChallenge, importModel, refreshAdvanced } from './ui/panels.js';
import { drawHistograms, histBox } from './ui/hist.js';

const TEST = new URLSearchParams(location.search).get('test') === '1';

// ------------------------------------------------------------------------------------ the link
const parsed = parseHash(location.hash);
store.state = parsed.state;
{
  // a link that names only a challenge (and classroom flags) opens the challenge's starting setup
  const keys = location.hash
    .slice(1)
    .split('&')
    .map((kv) => decodeURIComponent(kv.split('=')[0] ?? ''))
    .filter((k) => k !== '');
  if (store.state.challenge !== 'none' && keys.every((k) => k === 'challenge' || k === 'hide' || k.endsWith('_hide')))
    store.state = normalize({ ...store.state, ...CHALLENGES[store.state.challenge].setup });
}
notify(parsed.notices, 'fixed');

// ------------------------------------------------------------------------------------ layout
const app = document.getElementById('app-2d')!;
const toolbar = buildToolbar();
const dataPanel = buildDataPanel();
const outputPanel = buildOutputPanel();
netWrap.append(histBox);
app.append(
  toolbar,
  challengeBox,
  divBox,
  el('div', { class: 'columns' }, [dataPanel, netWrap, outputPanel]),
  buildAdvanced(),
  buildModelPanel(),
  buildClassroom(),
);
controls.mode = document.querySelector('.modes') as HTMLElement;
// embedding: `hide=header,footer` leaves only the playground itself
controls.header = document.querySelector('header.top') as HTMLElement;
controls.footer = document.querySelector('footer.foot') as HTMLElement;
controls.article = document.getElementById('article') as HTMLElement;

// ------------------------------------------------------------------------------------ store → views
const NETWORK_KEYS: (keyof PgState)[] = [
  'networkShape',
  'layerActivations',
  'activation',
  ...FEATURES,
  'hide',
  'dataset',
  'problem',
  'classes',
];
function refreshAll(changed: (keyof PgState)[]): void {
  refreshBasics();
  refreshAdvanced();
  if (!changed.length || changed.some((k) => NETWORK_KEYS.includes(k))) buildNetwork();
  applyHidden();
  refreshOutput();
  if (changed.includes('mode')) applyMode();
  drawChallenge(store.frame);
}
onState(refreshAll);
onHover(() => {
  markHover();
  if (store.frame) drawHeatmap(store.frame);
});
onPlaying(renderPlay);

window.addEventListener('hashchange', () => {
  const v = parseHash(location.hash);
  notify(v.notices, 'fixed');
  if (!diffKeys(store.state, v.state).length) return;
  setState(v.state);
});

// ------------------------------------------------------------------------------------ keys
document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement;
  if (t && (['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(t.tagName) || t.getAttribute('role'))) return;
  if (e.key === ' ') {
    e.preventDefault();
    togglePlay();
  } else if (e.key === 's') send({ type: 'step', n: 1 });
  else if (e.key === 'r') send({ type: 'reset' });
});

// ------------------------------------------------------------------------------------ image mode
let image: ImageMode | null = null;
/** The worker's WebGPU adapter, when it has one (image mode then offers "Train on GPU"). */
let gpuAdapter: string | null = null;
const imageRoot = document.getElementById('app-image')!;
const btn2d = document.getElementById('mode-2d')!;
const btnImg = document.getElementById('mode-image')!;
btn2d.addEventListener('click', () => update({ mode: '2d' }));
btnImg.addEventListener('click', () => update({ mode: 'image' }));
playHooks.image = () => image?.togglePlay();
function applyMode(): void {
  const img = store.state.mode === 'image';
  app.hidden = img;
  imageRoot.hidden = !img;
  controls.article!.hidden = img;
  btn2d.classList.toggle('on', !img);
  btnImg.classList.toggle('on', img);
  btn2d.setAttribute('aria-pressed', String(!img));
  btnImg.setAttribute('aria-pressed', String(img));
  if (img && !image) {
    image = mountImageMode(imageRoot, send, request);
    image.setGpu(gpuAdapter);
  }
  if (!img && image) image.pause();
  if (img && store.playing) {
    setPlaying(false);
    send({ type: 'pause' });
  }
}

// ------------------------------------------------------------------------------------ worker messages
let lastFrameAt = 0;
let frameWaiters: ((f: ViewFrame) => void)[] = [];
function drawFrame(f: ViewFrame): void {
  drawNetwork(f);
  drawOutput(f);
  if (histBox.open) drawHistograms(f);
  drawChallenge(f);
}
function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'ready':
      document.getElementById('backend-info')!.textContent = `backend: ${m.backend}`;
      gpuAdapter = m.gpu;
      image?.setGpu(gpuAdapter);
      break;
    case 'frame': {
      const pts = m.points ?? store.frame?.points0 ?? { train: [], val: [], test: [] };
      const f: ViewFrame = Object.assign(m, { points0: pts });
      store.frame = f;
      epochOut.textContent = String(m.epoch)
        .padStart(6, '0')
        .replace(/(\d{3})(\d{3})$/, '$1,$2');
      if (store.playing !== m.playing && (m.diverged || m.stopped)) setPlaying(false);
      showDivergence(m);
      const now = performance.now();
      if (!store.playing || now - lastFrameAt > 30) {
        drawFrame(f);
        lastFrameAt = now;
        noteRenderMs(performance.now() - now);
      }
      document.getElementById('backend-info')!.textContent = `backend: ${m.backend}`;
      for (const w of frameWaiters) w(f);
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
      notify([`Training stopped: ${m.message}`], 'error');
      setPlaying(false);
      break;
  }
}

// ------------------------------------------------------------------------------------ boot
startWorker(onMessage);
refreshAll([]);
writeHash();
applyMode();
watchWidth();
send({
  type: 'init',
  state: store.state,
  points: store.customPoints,
  backend: new URLSearchParams(location.search).get('backend') ?? 'auto',
});

// ------------------------------------------------------------------------------------ test hook
if (TEST) {
  const nextFrame = (): Promise<ViewFrame> => new Promise((res) => frameWaiters.push(res));
  const hook = {
    state: () => structuredClone(store.state),
    frame: () => store.frame,
    ready: () => store.frame !== null,
    step: (n = 1): Promise<Frame> => request<Frame>((id) => ({ type: 'step', n, id })),
    sync: (): Promise<Frame> => request<Frame>((id) => ({ type: 'frame', id })),
    nextFrame,
    weights: () => store.frame?.weights.map((w) => ({ weight: Array.from(w.weight), bias: Array.from(w.bias) })),
    loss: () => (store.frame ? { train: store.frame.metrics.train.loss, test: store.frame.metrics.test.loss } : null),
    metrics: () => store.frame?.metrics,
    grid: () => (store.frame ? Array.from(store.frame.grid.output) : null),
    playing: () => store.playing,
    renderMs: () => renderMs,
    race: () => store.frame?.race ?? null,
    async export(): Promise<{ architecture: string; weights: number[] }> {
      const r = await request<Extract<FromWorker, { type: 'exported' }>>((id) => ({ type: 'export', id }));
      return { architecture: r.architecture, weights: Array.from(r.weights) };
    },
    importModel: (architecture: string, weights: number[]) => importModel(architecture, Uint8Array.from(weights)),
    uploadCsv: (text: string) => loadCsvText(text),
    setWeight: (layer: number, output: number, input: number, value: number) => send({ type: 'setWeight', layer, output, input, value }),
    image: () => image?.debug(),
    gpuSoak: (steps: number, every: number) =>
      request<Extract<FromWorker, { type: 'gpuSoak' }>>((id) => ({ type: 'gpuSoak', steps, every, id })).then((r) => r.marks),
    async imageStep(n: number): Promise<{ step: number; accuracy: number }> {
      const r = await request<ImageFrame>((id) => ({ type: 'imageStep', n, id }));
      image?.onFrame(r);
      return { step: r.step, accuracy: r.accuracy };
    },
  };
  (window as unknown as { __pg: typeof hook }).__pg = hook;
}
