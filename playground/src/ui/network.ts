/**
 * The network diagram: input features, hidden layers and outputs as small heatmaps, the weights as
 * links (width and colour from the weight), biases as small squares. It is laid out from the panel's
 * width (`layout.ts`), so it never clips or scrolls sideways. Hover or focus a box to show it on the
 * big heatmap; click a link or a bias to edit it.
 */
import { button, el, select, svg } from '../dom.js';
import { ACTIVATIONS, FEATURES, FEATURE_LABELS, MAX_LAYERS, MAX_NEURONS, outputsFor, type ActivationName, type PgState } from '../state.js';
import { GRID, absMax, biasColor, gridPoints, linkStyle, paintClassUnit, paintDiverging } from '../grid.js';
import { tensor } from '../bp.js';
import { FeatureMap } from '../features.js';
import { run } from '../model.js';
import { send, setHover, store, update, type ViewFrame } from '../store.js';
import { controls } from './controls.js';
import { networkLayout, type NetLayout } from './layout.js';
import { palette } from '../theme.js';

interface NodeView {
  canvas: HTMLCanvasElement;
  box: HTMLElement;
  x: number;
  y: number;
  img: ImageData;
}

export const netWrap = el('section', { class: 'col network', attrs: { 'aria-label': 'Network' } });
const netHead = el('div', { class: 'nethead' });
const netBody = el('div', { class: 'netbody' });
const linkSvg = svg('svg', { class: 'links' });
const tooltip = el('div', { class: 'tooltip', attrs: { role: 'tooltip' } });
tooltip.hidden = true;
const editor = el('input', { class: 'editor', attrs: { type: 'number', step: 'any', 'aria-label': 'Edit weight' } });
editor.hidden = true;
netBody.append(linkSvg, tooltip, editor);
netWrap.append(el('h2', { text: 'Features → hidden layers → output' }), netHead, netBody);
controls.network = netHead;

/** Column heads narrower than this show the per-layer activation as a short name without the native arrow. */
export const COMPACT_BELOW = 80;
/** Short activation names for narrow column heads (the full name is in the title and the list's value). */
export const SHORT_ACT: Record<ActivationName, string> = {
  tanh: 'tanh',
  relu: 'relu',
  sigmoid: 'sigm',
  linear: 'lin',
  leakyRelu: 'lrelu',
  elu: 'elu',
  gelu: 'gelu',
};

let nodes: NodeView[][] = []; // [column][unit]: column 0 = enabled features, then hidden layers, last = output
let biases: { box: HTMLElement; layer: number; unit: number; color: string }[] = [];
let geo: NetLayout = networkLayout(500, [2]);
let builtWidth = 0;

/** Each feature over the grid, from the framework's FeatureMap (all seven, so switched-off ones show faded). */
let featureMaps: Float32Array[] | null = null;
function featurePreviews(): Float32Array[] {
  if (featureMaps) return featureMaps;
  const out = run(new FeatureMap(FEATURES), tensor(gridPoints(GRID), { shape: [GRID * GRID, 2] })).dataSync() as Float32Array;
  featureMaps = FEATURES.map((_, f) => Float32Array.from({ length: GRID * GRID }, (_, k) => out[k * FEATURES.length + f]!));
  return featureMaps;
}
/** A feature's map, for the big heatmap when the feature is hovered. */
export const featureMap = (index: number): Float32Array => featurePreviews()[index]!;

function paintMap(img: ImageData, values: Float32Array): void {
  paintDiverging(values, img.data, { scale: absMax(values) });
}

function hoverHandlers(box: HTMLElement, h: Parameters<typeof setHover>[0]): void {
  const enter = () => setHover(h);
  const leave = () => setHover(null);
  box.addEventListener('mouseenter', enter);
  box.addEventListener('mouseleave', leave);
  box.addEventListener('focus', enter);
  box.addEventListener('blur', leave);
}

function place(e: HTMLElement, x: number, y: number, size?: number): void {
  e.style.left = `${x}px`;
  e.style.top = `${y}px`;
  if (size !== undefined) {
    e.style.width = `${size}px`;
    e.style.height = `${size}px`;
  }
}

/** Rebuild the diagram for the current settings and panel width. */
export function buildNetwork(): void {
  const s = store.state;
  for (const n of Array.from(netBody.querySelectorAll('.node, .bias, .flabel'))) n.remove();
  netHead.replaceChildren();
  nodes = [];
  biases = [];
  const hidden = s.networkShape;
  const outputs = outputsFor(s);
  const hide = s.hide as string[];
  const lockAll = hide.includes('features');
  const shown = FEATURES.filter((f) => !((lockAll || hide.includes(f)) && !s[f]));
  const avail = Math.max(200, netWrap.clientWidth - 26);
  builtWidth = netWrap.clientWidth;
  geo = networkLayout(avail, [shown.length, ...hidden, outputs]);
  const N = geo.node;
  netWrap.style.setProperty('--node', `${N}px`);
  const layerBtns = el('div', { class: 'layerctl' }, [
    button(
      '+',
      'Add a hidden layer',
      () => s.networkShape.length < MAX_LAYERS && update({ networkShape: [...s.networkShape, 2], layerActivations: [] }),
      'add-layer',
      'btn round',
    ),
    button(
      '−',
      'Remove the last hidden layer',
      () => s.networkShape.length > 0 && update({ networkShape: s.networkShape.slice(0, -1), layerActivations: [] }),
      'remove-layer',
      'btn round',
    ),
    el('span', { id: 'layer-count', text: `${hidden.length} hidden layer${hidden.length === 1 ? '' : 's'}` }),
  ]);
  controls.numHiddenLayers = layerBtns;
  layerBtns.dataset.control = 'numHiddenLayers';
  layerBtns.classList.toggle('hidden-by-url', hide.includes('numHiddenLayers'));
  netHead.append(layerBtns);
  const cols = el('div', { class: 'colheads' });
  // 4 px between heads, 2 px once columns are under 40 px apart
  const headWidth = () => Math.max(N, Math.min(geo.colW - (geo.colW < 40 ? 2 : 4), 100));
  // in narrow columns the Inputs and Output names sit in the neuron-count row, clear of the neighbouring selects
  const head = (c: number, children: (HTMLElement | string)[], end = false) => {
    const h = el('div', { class: end && headWidth() < COMPACT_BELOW ? 'colhead upper' : 'colhead' }, children);
    const w = headWidth();
    h.style.width = `${w}px`;
    h.style.left = `${Math.max(0, Math.min(geo.width - w, geo.colX(c) + N / 2 - w / 2))}px`;
    cols.append(h);
  };
  head(0, [el('span', { class: 'colname', text: 'Inputs' })], true);
  // inputs: every feature, on ones live, off ones as a faded preview; hidden (`x_hide`) ones fixed
  const previews = featurePreviews();
  const featureCol: NodeView[] = [];
  shown.forEach((f, row) => {
    const on = s[f];
    const locked = lockAll || hide.includes(f);
    const canvas = el('canvas', { attrs: { width: String(GRID), height: String(GRID) } });
    const label = FEATURE_LABELS[f];
    const box = el(
      'div',
      {
        class: `node feature${on ? ' on' : ' off'}`,
        title: locked ? label : `${label} — click to ${on ? 'switch this input off' : 'use this input'}`,
        attrs: locked
          ? { tabindex: '0', 'aria-label': `Feature ${label}`, 'data-feature': f }
          : {
              role: 'switch',
              tabindex: '0',
              'aria-checked': String(on),
              'aria-label': `Feature ${label}`,
              'data-feature': f,
            },
      },
      [canvas],
    );
    if (!locked) {
      const toggle = () => update({ [f]: !store.state[f] } as Partial<PgState>);
      box.addEventListener('click', toggle);
      box.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), toggle()));
    }
    hoverHandlers(box, { kind: 'feature', index: FEATURES.indexOf(f), label: `input ${label}` });
    const x = geo.colX(0);
    const y = geo.rowY(row);
    place(box, x, y, N);
    const lab = el('span', { class: 'flabel', text: label });
    lab.style.right = `${geo.width - x + 5}px`;
    lab.style.top = `${y + N / 2}px`;
    netBody.append(box, lab);
    const img = new ImageData(GRID, GRID);
    paintMap(img, previews[FEATURES.indexOf(f)]!);
    canvas.getContext('2d')!.putImageData(img, 0, 0);
    if (on) featureCol.push({ canvas, box, x, y, img });
  });
  nodes.push(featureCol);
  hidden.forEach((units, l) => {
    // the + and − pair fits between its neighbours' (down to 12 px buttons in the narrowest columns)
    const bs = Math.max(12, Math.min(22, Math.floor((geo.colW - 4) / 2)));
    const small = (b: HTMLButtonElement) => (place(b, 0, 0, bs), b.classList.add('sized'), b);
    const current = s.layerActivations[l] ?? s.activation;
    // a narrow column has no room for the native arrow and "leakyRelu": short names, no arrow
    const compact = headWidth() < COMPACT_BELOW;
    const act = select<ActivationName>(
      '',
      compact ? ACTIVATIONS.map((a) => ({ value: a, label: SHORT_ACT[a] })) : ACTIVATIONS,
      current,
      (v) => {
        const list = store.state.networkShape.map((_, i) => store.state.layerActivations[i] ?? store.state.activation);
        list[l] = v;
        update({ layerActivations: list });
      },
      `Activation of hidden layer ${l + 1}: ${current}`,
      `layer-act-${l}`,
    );
    act.input.classList.toggle('compact', compact);
    act.input.classList.toggle('tiny', compact && headWidth() < 28);
    head(l + 1, [
      el('div', { class: 'pm' }, [
        small(
          button(
            '+',
            `Add a neuron to layer ${l + 1}`,
            () => units < MAX_NEURONS && setUnits(l, units + 1),
            `add-neuron-${l}`,
            'btn round small',
          ),
        ),
        small(
          button(
            '−',
            `Remove a neuron from layer ${l + 1}`,
            () => units > 1 && setUnits(l, units - 1),
            `remove-neuron-${l}`,
            'btn round small',
          ),
        ),
      ]),
      el('span', {
        class: 'units',
        text: geo.colW >= 70 ? `${units} neuron${units === 1 ? '' : 's'}` : `${units}`,
        title: `${units} neuron${units === 1 ? '' : 's'}`,
      }),
      act.root,
    ]);
    const col: NodeView[] = [];
    for (let u = 0; u < units; u++) col.push(makeNode(l + 1, u, `Layer ${l + 1}, neuron ${u + 1}`));
    nodes.push(col);
  });
  // "Outputs" needs about 46 px between the last layer's neuron count and the diagram's edge; "Out" when narrower
  const outName = outputs > 1 ? 'Outputs' : 'Output';
  const outText = geo.colW + N / 2 + 3 >= 48 ? outName : 'Out';
  head(hidden.length + 1, [el('span', { class: 'colname', text: outText, title: outName })], true);
  const outCol: NodeView[] = [];
  for (let u = 0; u < outputs; u++) outCol.push(makeNode(hidden.length + 1, u, outputs > 1 ? `Output: class ${u}` : 'Output'));
  nodes.push(outCol);
  netHead.append(cols);
  linkKey = '';
  netBody.style.width = `${geo.width}px`;
  netBody.style.height = `${geo.height}px`;
  cols.style.width = `${geo.width}px`;
  linkSvg.setAttribute('width', String(geo.width));
  linkSvg.setAttribute('height', String(geo.height));
  markHover();
  if (store.frame) drawNetwork(store.frame);
}

/** Rebuild when the panel's width changed (window resize, rotation). */
export function watchWidth(): void {
  new ResizeObserver(() => {
    if (Math.abs(netWrap.clientWidth - builtWidth) > 1) buildNetwork();
  }).observe(netWrap);
}

function setUnits(layer: number, units: number): void {
  const shape = [...store.state.networkShape];
  shape[layer] = units;
  update({ networkShape: shape });
}

function makeNode(col: number, unit: number, label: string): NodeView {
  const N = geo.node;
  const x = geo.colX(col);
  const y = geo.rowY(unit);
  const canvas = el('canvas', { attrs: { width: String(GRID), height: String(GRID) } });
  const box = el(
    'div',
    {
      class: 'node',
      title: `${label} — hover to see it large`,
      attrs: { tabindex: '0', 'aria-label': label, 'data-layer': String(col), 'data-unit': String(unit) },
    },
    [canvas],
  );
  place(box, x, y, N);
  hoverHandlers(box, { kind: 'neuron', layer: col, unit, label: label.replace(/^Layer/, 'layer').replace(/^Output/, 'the output') });
  netBody.append(box);
  const b = el('div', { class: 'bias', attrs: { tabindex: '0', role: 'button', 'aria-label': `Bias of ${label}` } });
  place(b, x - geo.bias + 2, y + N - geo.bias + 2, geo.bias);
  const show = (e: MouseEvent | FocusEvent) => {
    const w = store.frame?.weights[col - 1];
    showTip(e, `Bias: ${w ? fmtW(w.bias[unit]!) : '?'} (click to edit)`);
  };
  b.addEventListener('mousemove', show);
  b.addEventListener('mouseleave', hideTip);
  b.addEventListener('click', (e) => openEditor(e, col - 1, unit, -1));
  b.addEventListener('keydown', (e) => e.key === 'Enter' && openEditor(e, col - 1, unit, -1));
  netBody.append(b);
  biases.push({ box: b, layer: col - 1, unit, color: '' });
  return { canvas, box, x, y, img: new ImageData(GRID, GRID) };
}

/** Outline the box whose map the big heatmap is showing. */
export function markHover(): void {
  for (const n of Array.from(netBody.querySelectorAll('.node.hovered'))) n.classList.remove('hovered');
  const h = store.hover;
  if (!h) return;
  const sel = h.kind === 'feature' ? `[data-feature="${FEATURES[h.index]}"]` : `[data-layer="${h.layer}"][data-unit="${h.unit}"]`;
  netBody.querySelector(sel)?.classList.add('hovered');
}

const fmtW = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v));

function showTip(e: MouseEvent | FocusEvent | KeyboardEvent, text: string): void {
  const r = netBody.getBoundingClientRect();
  const tr = (e.target as Element).getBoundingClientRect();
  const x = 'clientX' in e ? e.clientX : tr.left + tr.width / 2;
  const y = 'clientY' in e ? e.clientY : tr.top;
  tooltip.textContent = text;
  tooltip.style.left = `${Math.min(x - r.left + 12, geo.width - 150)}px`;
  tooltip.style.top = `${y - r.top - 28}px`;
  tooltip.hidden = false;
}
function hideTip(): void {
  tooltip.hidden = true;
}

function openEditor(e: MouseEvent | KeyboardEvent, layer: number, output: number, input: number): void {
  const w = store.frame?.weights[layer];
  if (!w) return;
  const r = netBody.getBoundingClientRect();
  const tr = (e.target as Element).getBoundingClientRect();
  const x = 'clientX' in e ? e.clientX : tr.left;
  const y = 'clientY' in e ? e.clientY : tr.top;
  editor.value = fmtW(input < 0 ? w.bias[output]! : w.weight[output * w.in + input]!);
  editor.setAttribute('aria-label', input < 0 ? 'Edit bias' : 'Edit weight');
  editor.style.left = `${Math.max(0, Math.min(x - r.left, geo.width - 130))}px`;
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

/** Link paths are created once per network shape and layout; frames only restyle them. */
let linkKey = '';
let linkPaths: { path: SVGPathElement; l: number; o: number; i: number; color: string; width: string }[] = [];
const weightAt = (l: number, o: number, i: number): number => {
  const w = store.frame?.weights[l];
  return w ? w.weight[o * w.in + i]! : NaN;
};

function buildLinks(f: ViewFrame): void {
  linkSvg.replaceChildren();
  linkPaths = [];
  const N = geo.node;
  f.weights.forEach((w, l) => {
    const from = nodes[l];
    const to = nodes[l + 1];
    if (!from || !to || from.length !== w.in || to.length !== w.out) return;
    const last = l + 1 === f.weights.length;
    for (let o = 0; o < w.out; o++)
      for (let i = 0; i < w.in; i++) {
        const a = from[i]!;
        const b = to[o]!;
        const x1 = a.x + N,
          y1 = a.y + N / 2,
          x2 = b.x,
          y2 = b.y + N / 2;
        const d = `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
        const path = svg('path', { d, fill: 'none', class: 'link', 'data-link': `${l},${o},${i}` });
        const hit = svg('path', {
          d,
          stroke: 'transparent',
          'stroke-width': 10,
          fill: 'none',
          class: 'linkhit',
          tabindex: 0,
          role: 'button',
        });
        const src = l === 0 ? 'input' : `layer ${l}`;
        const dst = last ? 'output' : `layer ${l + 1}`;
        const label = () => `Weight from ${src} unit ${i + 1} to ${dst} unit ${o + 1}: ${fmtW(weightAt(l, o, i))}`;
        hit.addEventListener('mousemove', (e) => showTip(e, `Weight: ${fmtW(weightAt(l, o, i))} (click to edit)`));
        hit.addEventListener('focus', () => hit.setAttribute('aria-label', label()));
        hit.addEventListener('mouseleave', hideTip);
        hit.addEventListener('click', (e) => openEditor(e, l, o, i));
        hit.addEventListener('keydown', (e) => e.key === 'Enter' && openEditor(e, l, o, i));
        linkSvg.append(path, hit);
        linkPaths.push({ path, l, o, i, color: '', width: '' });
      }
  });
}

/** Paint every neuron's map, restyle links and biases from the frame's weights. */
export function drawNetwork(f: ViewFrame): void {
  const g = f.grid;
  for (let c = 1; c < nodes.length; c++) {
    const L = g.layers[c];
    if (!L) continue;
    const last = c === nodes.length - 1;
    nodes[c]!.forEach((nv, u) => {
      if (u >= L.units) return;
      if (last && g.classes === 1) paintDiverging(g.output, nv.img.data, { discretize: store.state.discretize });
      else if (last) paintClassUnit(column(g.output, g.classes, u), u, nv.img.data);
      else paintMap(nv.img, column(L.values, L.units, u));
      nv.canvas.getContext('2d')!.putImageData(nv.img, 0, 0);
    });
  }
  const key = `${nodes.map((c) => c.length).join(',')}|${f.weights.map((w) => `${w.in}x${w.out}`).join(',')}|${geo.node},${geo.colW}`;
  if (key !== linkKey) {
    linkKey = key;
    buildLinks(f);
  }
  const scale = geo.node / 38;
  const pal = palette();
  for (const p of linkPaths) {
    const st = linkStyle(weightAt(p.l, p.o, p.i), pal);
    const w = Math.max(0.6, st.width * scale).toFixed(2);
    if (p.color !== st.color) p.path.setAttribute('stroke', (p.color = st.color));
    if (p.width !== w) p.path.setAttribute('stroke-width', (p.width = w));
  }
  for (const b of biases) {
    const w = f.weights[b.layer];
    const c = biasColor(w ? w.bias[b.unit]! : NaN);
    if (b.color !== c) b.box.style.background = b.color = c;
  }
}

/** Column `unit` of a row-major [cells, units] array. */
export function column(values: Float32Array, units: number, unit: number): Float32Array {
  const n = values.length / units;
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = values[k * units + unit]!;
  return out;
}
