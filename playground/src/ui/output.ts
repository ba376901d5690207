/**
 * The output column: the loss numbers and chart (with a legend), the big heatmap (the decision
 * boundary, or the hovered neuron/input, captioned), its colour legend, the metrics, the hidden view,
 * and the divergence and "not learning" notes.
 */
import { button, checkbox, el } from '../dom.js';
import { defaultState, normalize } from '../state.js';
import {
  CLASS_COLORS,
  EXTENT,
  GRID,
  absMax,
  divergingColor,
  fromPixel,
  paintClasses,
  paintDiverging,
  pointColor,
  rgb,
  toPixel,
} from '../grid.js';
import type { Point } from '../datasets.js';
import type { Frame } from '../protocol.js';
import { send, setState, store, update, type ViewFrame } from '../store.js';
import { palette } from '../theme.js';
import { reg } from './controls.js';
import { column, featureMap } from './network.js';
import { drawChart, drawLrChart, chartLegend } from './charts.js';

export const outCanvas = el('canvas', {
  id: 'heatmap',
  class: 'heatmap',
  attrs: { width: '400', height: '400', 'aria-label': 'Decision boundary: the network output over the plane' },
});
const caption = el('div', { class: 'mapcaption', id: 'map-caption' });
caption.hidden = true;
const heatImg = new ImageData(GRID, GRID);
const heatOff = el('canvas', { attrs: { width: String(GRID), height: String(GRID) } });
const lossOut = el('div', { class: 'losses' });
const chart = el('canvas', { id: 'chart', class: 'chart', attrs: { width: '400', height: '90', 'aria-label': 'Loss over epochs' } });
const lrChart = el('canvas', {
  id: 'lrchart',
  class: 'chart small',
  attrs: { width: '400', height: '40', 'aria-label': 'Learning rate over epochs' },
});
const lrBox = el('div', { class: 'lrbox' }, [
  el('div', { class: 'chartlabel' }, [
    el('span', { class: 'lbl', text: 'Learning rate ' }),
    el('output', { id: 'cur-lr' }),
    el('span', { id: 'lr-range', class: 'range' }),
  ]),
  lrChart,
]);
const metricsOut = el('div', { class: 'metrics' });
const legend = el('div', { class: 'legend', id: 'legend' });
const perfOut = el('div', { class: 'perf', id: 'perf', text: 'not trained yet' });
const hiddenCanvas = el('canvas', {
  id: 'hidden-view',
  class: 'hiddenview',
  attrs: { width: '200', height: '200', 'aria-label': 'Training points in the last hidden layer (two units)' },
});
const hiddenBox = el(
  'div',
  {
    class: 'hiddenbox',
    title:
      'The training points as the last hidden layer sees them: its two activations as x and y. ' +
      'The output layer only has to draw a line here.',
  },
  [el('span', { class: 'lbl', text: 'Hidden representation (last layer, 2 units)' }), hiddenCanvas],
);
hiddenBox.hidden = true;
/** The divergence dialog (above the columns). */
export const divBox = el('div', { class: 'diverged', id: 'diverged', attrs: { role: 'alert' } });
divBox.hidden = true;
const stallBox = el('div', { class: 'stall', id: 'stall', attrs: { role: 'status' } });
stallBox.hidden = true;

export function buildOutputPanel(): HTMLElement {
  const s = store.state;
  const testChk = reg(
    'showTestData',
    checkbox(
      'Show test data',
      s.showTestData,
      (v) => update({ showTestData: v }),
      'Draw the test points too (outlined in black)',
      'show-test',
    ),
  );
  const discChk = reg(
    'discretize',
    checkbox(
      'Discretize output',
      s.discretize,
      (v) => update({ discretize: v }),
      'Show only the predicted class, not the confidence',
      'discretize',
    ),
  );
  refreshChecks = () => {
    testChk.input.checked = store.state.showTestData;
    discChk.input.checked = store.state.discretize;
  };
  return el('section', { class: 'col output', attrs: { 'aria-label': 'Output' } }, [
    el('h2', { text: 'Output' }),
    lossOut,
    chart,
    chartLegend,
    stallBox,
    el('div', { class: 'heatwrap' }, [outCanvas, caption]),
    legend,
    el('div', { class: 'row' }, [testChk.root, discChk.root]),
    metricsOut,
    lrBox,
    hiddenBox,
    perfOut,
  ]);
}
let refreshChecks = (): void => undefined;

export function refreshOutput(): void {
  refreshChecks();
  // the learning rate's readout and chart go with the learning-rate control
  const hideLr = (store.state.hide as string[]).includes('learningRate');
  lrBox.hidden = hideLr;
  if (store.frame) drawOutput(store.frame);
}

function drawHidden(f: Frame): void {
  const hr = f.hidden;
  hiddenBox.hidden = !hr;
  if (!hr) return;
  const ctx = hiddenCanvas.getContext('2d')!;
  const W = hiddenCanvas.width;
  ctx.fillStyle = '#fafafa';
  ctx.fillRect(0, 0, W, W);
  const m = Math.max(absMax(hr.xy, 1e-6), 1e-6) * 1.05;
  ctx.strokeStyle = 'rgba(0,0,0,0.25)';
  ctx.beginPath();
  ctx.moveTo(W / 2, 0);
  ctx.lineTo(W / 2, W);
  ctx.moveTo(0, W / 2);
  ctx.lineTo(W, W / 2);
  ctx.stroke();
  const regr = store.state.problem === 'regression';
  for (let i = 0; i < hr.labels.length; i++) {
    ctx.fillStyle = pointColor(hr.labels[i]!, regr);
    ctx.beginPath();
    ctx.arc(((hr.xy[2 * i]! / m + 1) / 2) * W, ((1 - hr.xy[2 * i + 1]! / m) / 2) * W, 2.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = '#555';
  ctx.font = '11px sans-serif';
  ctx.fillText(`±${m.toPrecision(2)}`, 4, 13);
}

/** The big map: the output, or the hovered neuron or input, with the data points on top. */
export function drawHeatmap(f: ViewFrame): void {
  const g = f.grid;
  const multi = g.classes > 1;
  const h = store.hover;
  const outLayer = g.layers.length - 1;
  if (h && h.kind === 'feature') paintDiverging(featureMap(h.index), heatImg.data, { scale: absMax(featureMap(h.index)) });
  else if (h && h.kind === 'neuron' && g.layers[h.layer] && !(h.layer === outLayer && g.classes === 1)) {
    const L = g.layers[h.layer]!;
    const col = column(L.values, L.units, h.unit);
    paintDiverging(col, heatImg.data, { scale: absMax(col) });
  } else if (multi) paintClasses(g.output, g.classes, heatImg.data, { discretize: store.state.discretize });
  else paintDiverging(g.output, heatImg.data, { discretize: store.state.discretize });
  caption.hidden = !h;
  const isOutput = h?.kind === 'neuron' && h.layer === outLayer && g.classes === 1;
  if (h) caption.textContent = isOutput ? 'Showing the output neuron (the same map)' : `Showing ${h.label} — move away to see the output`;
  heatOff.getContext('2d')!.putImageData(heatImg, 0, 0);
  const ctx = outCanvas.getContext('2d')!;
  const S = outCanvas.width;
  // smoothed, so the boundary does not look stair-stepped on a projector
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'low'; // bilinear: ~1 ms more than none; 'high' costs ~14 ms a frame in software canvas
  // the map a little faded (as TensorFlow Playground draws it) so the points' full colours stand out
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, S, S);
  ctx.globalAlpha = h ? 1 : 0.72;
  ctx.drawImage(heatOff, 0, 0, S, S);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = palette().axis;
  ctx.beginPath();
  ctx.moveTo(S / 2, 0);
  ctx.lineTo(S / 2, S);
  ctx.moveTo(0, S / 2);
  ctx.lineTo(S, S / 2);
  ctx.stroke();
  const pts = f.points0;
  const regr = store.state.problem === 'regression';
  const drawPts = (ps: Point[], stroke: string, width: number) => {
    for (const p of ps) {
      ctx.beginPath();
      ctx.arc(toPixel(p.x, S, 'x'), toPixel(p.y, S, 'y'), 4.5, 0, 2 * Math.PI);
      ctx.fillStyle = pointColor(p.label, regr);
      ctx.fill();
      ctx.strokeStyle = stroke;
      ctx.lineWidth = width;
      ctx.stroke();
    }
  };
  drawPts(pts.train, '#fff', 1);
  drawPts(pts.val, '#fff', 1);
  if (store.state.showTestData) drawPts(pts.test, '#000', 1.5);
}

export function fmtLoss(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '—';
  return v !== 0 && Math.abs(v) < 0.001 ? v.toExponential(2) : v.toFixed(3);
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

let legendKey = '';
function drawLegend(f: Frame): void {
  const s = store.state;
  const multi = f.grid.classes > 1;
  const key = `${f.grid.classes}|${s.problem}|${s.preset}`;
  if (key === legendKey) return;
  legendKey = key;
  const swatch = (c: readonly number[], text: string) => {
    const sw = el('span', { class: 'swatch' });
    sw.style.background = rgb(c);
    return el('span', { class: 'legend-item' }, [sw, el('span', { text })]);
  };
  const ends =
    s.problem === 'regression' ? ['−1', '+1'] : s.preset === 'classic' ? ['−1 (class 0)', '+1 (class 1)'] : ['P(class 1) = 0', '1'];
  legend.replaceChildren(
    ...(multi
      ? CLASS_COLORS.slice(0, f.grid.classes).map((c, k) => swatch(c, `class ${k}`))
      : [el('span', { text: ends[0]! }), legendBar(), el('span', { text: ends[1]! })]),
    el('span', {
      class: 'legend-note',
      text: multi ? 'lightness = confidence' : s.problem === 'regression' ? 'colour = predicted value' : 'colour = prediction, dots = data',
    }),
  );
}

function drawLosses(f: Frame): void {
  const item = (label: string, id: string, text: string) =>
    el('div', {}, [el('span', { class: 'lbl', text: `${label} ` }), el('output', { id, text })]);
  lossOut.replaceChildren(
    item('Test loss', 'test-loss', fmtLoss(f.metrics.test.loss)),
    item('Training loss', 'train-loss', fmtLoss(f.metrics.train.loss)),
    f.metrics.val ? item('Validation loss', 'val-loss', fmtLoss(f.metrics.val.loss)) : '',
    f.race
      ? el('div', { class: 'race' }, [
          el('span', { class: 'lbl', text: `Race: ${store.state.optimizer} (solid) vs ${f.race.optimizer} (dashed) ` }),
          el('output', {
            id: 'race-loss',
            text: f.race.diverged ? 'diverged' : `train ${fmtLoss(f.race.metrics.train.loss)} · test ${fmtLoss(f.race.metrics.test.loss)}`,
          }),
        ])
      : '',
  );
}

function drawMetrics(f: Frame): void {
  const m = f.metrics;
  const parts: HTMLElement[] = [];
  if (m.test.accuracy !== undefined)
    parts.push(
      el('div', {}, [
        el('span', { class: 'lbl', text: 'Accuracy ' }),
        el('output', {
          id: 'accuracy',
          text: `train ${(100 * (m.train.accuracy ?? 0)).toFixed(1)}% · test ${(100 * m.test.accuracy).toFixed(1)}%`,
        }),
      ]),
    );
  if (m.test.r2 !== undefined)
    parts.push(
      el('div', {}, [
        el('span', { class: 'lbl', text: 'Test ' }),
        el('output', { id: 'r2', text: `R² ${m.test.r2.toFixed(3)} · RMSE ${(m.test.rmse ?? NaN).toFixed(3)}` }),
      ]),
    );
  if (m.confusion) {
    const t = el('table', {
      class: 'confusion',
      id: 'confusion',
      attrs: { 'aria-label': 'Confusion matrix (test set): rows true class, columns predicted' },
    });
    t.append(el('caption', { text: 'Confusion (test): rows = true, columns = predicted' }));
    t.append(el('tr', {}, [el('th'), ...m.confusion.map((_, j) => el('th', { text: String(j) }))]));
    m.confusion.forEach((row, i) =>
      t.append(
        el('tr', {}, [el('th', { text: String(i) }), ...row.map((v, j) => el('td', { class: i === j ? 'diag' : '', text: String(v) }))]),
      ),
    );
    parts.push(t);
  }
  if (f.stopped)
    parts.push(
      el('div', { class: 'stopnote', text: `Early stopping: no validation improvement since epoch ${f.bestEpoch}. ` }, [
        button('Restore best weights', 'Load the weights from the best epoch', () => send({ type: 'restoreBest' }), 'restore-best'),
      ]),
    );
  metricsOut.replaceChildren(...parts);
}

export let renderMs = 0;
function drawPerf(f: Frame): void {
  // nothing is timed before the first step
  const timed = f.msPerStep > 0 && f.epoch > 0;
  perfOut.textContent = timed
    ? `backend ${f.backend} · ${f.msPerStep.toFixed(2)} ms/step` +
      `${f.epochsPerSecond ? ` · ${f.epochsPerSecond.toFixed(0)} epochs/s` : ''} · render ${renderMs.toFixed(1)} ms`
    : `backend ${f.backend} · not trained yet`;
}
export function noteRenderMs(ms: number): void {
  renderMs = 0.8 * renderMs + 0.2 * ms;
}

export function showDivergence(f: Frame): void {
  if (!f.diverged) {
    divBox.hidden = true;
    return;
  }
  const lr = store.state.learningRate;
  const lower = Math.max(1e-5, lr / 10);
  divBox.replaceChildren(
    el('strong', { text: 'Training diverged and was paused. ' }),
    el('span', {
      text:
        `${f.diverged.reason}. The learning rate (${lr}) is probably too large for this network: ` +
        'each step overshoots, the loss grows, and the numbers overflow.',
    }),
    button(
      `Restore the last good weights and use learning rate ${lower}`,
      'Go back to the last weights with a finite loss, ' + 'with a ten times smaller learning rate',
      () => {
        update({ learningRate: lower });
        send({ type: 'recover', lr: lower });
      },
      'recover',
    ),
  );
  divBox.hidden = false;
}

/** "Not learning": the loss has not fallen for a while at an extreme learning rate. */
function showStall(f: Frame): void {
  const h = f.history;
  const lr = store.state.learningRate;
  const first = h[0]?.train ?? NaN;
  const last = h[h.length - 1]?.train ?? NaN;
  const flat = f.epoch >= 30 && Number.isFinite(first) && Number.isFinite(last) && last >= 0.97 * first;
  const big = lr >= 1,
    tiny = lr <= 1e-4 && f.epoch >= 100;
  stallBox.hidden = !(flat && !f.diverged && (big || tiny));
  if (stallBox.hidden) return;
  const suggest = store.state.preset === 'classic' ? 0.03 : defaultState().learningRate;
  stallBox.replaceChildren(
    el('span', {
      text: big
        ? `The loss has not gone down in ${f.epoch} epochs. At learning rate ${lr} each step jumps past the low points, ` +
          'so the network stays at chance. '
        : `The loss has barely moved in ${f.epoch} epochs: learning rate ${lr} makes each step tiny. `,
    }),
    button(
      `Use learning rate ${suggest}`,
      'Switch to a learning rate that usually works here (applied live)',
      () => update({ learningRate: suggest }),
      'stall-fix',
    ),
  );
}

/** Everything in the output column for a frame. */
export function drawOutput(f: ViewFrame): void {
  drawHeatmap(f);
  drawChart(chart, f);
  drawLrChart(lrChart, f, document.getElementById('lr-range'));
  drawLosses(f);
  drawMetrics(f);
  drawLegend(f);
  drawHidden(f);
  drawPerf(f);
  showStall(f);
}

/** Clicking the heatmap adds points of the chosen class (or removes the nearest), without a reset. */
outCanvas.addEventListener('click', (e) => {
  const f = store.frame;
  if (store.addClass < 0 || !f) return;
  const r = outCanvas.getBoundingClientRect();
  const x = fromPixel(((e.clientX - r.left) / r.width) * outCanvas.width, outCanvas.width, 'x');
  const y = fromPixel(((e.clientY - r.top) / r.height) * outCanvas.height, outCanvas.height, 'y');
  const s = store.state;
  // the page's own copy, so quick clicks build on each other before the worker answers
  const all = store.customPoints && s.dataset === 'custom' ? store.customPoints : [...f.points0.train, ...f.points0.val, ...f.points0.test];
  let next: Point[];
  if (store.addClass === 9) {
    let best = -1,
      bd = Infinity;
    all.forEach((p, i) => {
      const d = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (d < bd) {
        bd = d;
        best = i;
      }
    });
    next = all.filter((_, i) => i !== best);
  } else {
    const label = s.problem === 'regression' ? (store.addClass === 0 ? -1 : 1) : store.addClass;
    next = [...all, { x: Math.max(-EXTENT, Math.min(EXTENT, x)), y: Math.max(-EXTENT, Math.min(EXTENT, y)), label }];
  }
  const classes = s.problem === 'classification' ? Math.max(2, ...next.map((p) => p.label + 1)) : s.classes;
  store.customPoints = next;
  setState(normalize({ ...s, dataset: 'custom', classes: Math.min(5, classes) }), { tellWorker: false });
  send({ type: 'setPoints', points: next, state: store.state });
});
