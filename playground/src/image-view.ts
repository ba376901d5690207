/**
 * Image mode's view: train/pause, loss and accuracy, the first-layer filters, a prediction gallery,
 * a confusion matrix, and a drawing pad (mouse, pen or finger) with live class probabilities and the
 * first layer's activation maps for the drawing.
 */
import { button, el } from './dom.js';
import { divergingColor, rgb } from './grid.js';
import { toMnist } from './image.js';
import type { FromWorker, ImageFrame, ToWorker } from './protocol.js';

export interface ImageMode {
  togglePlay(): void;
  pause(): void;
  onFrame(f: ImageFrame): void;
  onProbs(probs: number[], activations: Float32Array[]): void;
  /** Offer "Train on GPU" when the worker found a WebGPU adapter (its name), else hide it. */
  setGpu(adapter: string | null): void;
  debug(): {
    ready: boolean;
    step: number;
    accuracy: number;
    probs: number[] | null;
    prediction: number | null;
    playing: boolean;
    device: 'cpu' | 'webgpu' | null;
  };
}

const PAD = 280;

export function mountImageMode(
  root: HTMLElement,
  send: (m: ToWorker) => void,
  request: <T extends FromWorker>(make: (id: number) => ToWorker) => Promise<T>,
): ImageMode {
  let playing = false;
  let last: ImageFrame | null = null;
  let probs: number[] | null = null;
  const playBtn = button(
    '▶ Train',
    'Train the CNN (Adam, batches of 32) — pause any time',
    () => mode.togglePlay(),
    'img-play',
    'btn primary',
  );
  const stepBtn = button('Step ×10', 'Ten training steps', () => send({ type: 'imageStep', n: 10 }), 'img-step');
  const status = el('output', { id: 'img-status', class: 'epoch', text: 'step 0' });
  // "Train on GPU": shown only where the worker has a WebGPU adapter; switching starts a fresh CNN there
  const gpuCheck = el('input', { id: 'img-gpu', attrs: { type: 'checkbox' } });
  const gpuBox = el('label', { id: 'img-gpu-box', class: 'lbl', title: 'Train the CNN on the GPU through WebGPU' }, [
    gpuCheck,
    ' Train on GPU',
  ]);
  gpuBox.hidden = true;
  gpuCheck.addEventListener('change', () => {
    mode.pause();
    last = null;
    send({ type: 'imageInit', seed: 1, device: gpuCheck.checked ? 'webgpu' : 'cpu' });
  });
  const lossCanvas = el('canvas', { class: 'chart', attrs: { width: '360', height: '90', 'aria-label': 'Training loss per step' } });
  const filters = el('div', { class: 'filters', attrs: { 'aria-label': 'First-layer filters (5×5)' } });
  const gallery = el('div', { class: 'gallery', attrs: { 'aria-label': 'Test digits with predictions' } });
  const confusionBox = el('div', { class: 'confusionbox' });
  const pad = el('canvas', {
    id: 'draw-pad',
    class: 'pad',
    attrs: { width: String(PAD), height: String(PAD), 'aria-label': 'Draw a digit here' },
  });
  const bars = el('div', { class: 'probs', id: 'probs', attrs: { 'aria-live': 'polite' } });
  const acts = el('div', { class: 'acts', attrs: { 'aria-label': 'First-layer activations of your drawing' } });
  const predOut = el('output', { id: 'img-pred', class: 'bigpred', text: '?' });
  const clearBtn = button('Clear', 'Clear the drawing', () => clear(), 'img-clear');
  root.append(
    el('section', { class: 'toolbar' }, [
      el('div', { class: 'runctl' }, [playBtn, stepBtn, gpuBox, status]),
      el('p', {
        class: 'note',
        text: 'Conv2d(1,8,5) → ReLU → MaxPool → Conv2d(8,16,5) → ReLU → MaxPool → Linear(256,10), trained live on 2,000 bundled MNIST digits (500 held out for testing).',
      }),
    ]),
    el('div', { class: 'columns' }, [
      el('section', { class: 'col' }, [
        el('h2', { text: 'Draw a digit' }),
        pad,
        el('div', { class: 'row' }, [clearBtn, el('span', { class: 'lbl', text: 'Prediction ' }), predOut]),
        bars,
        el('h3', { text: 'Layer 1 activations' }),
        acts,
      ]),
      el('section', { class: 'col' }, [
        el('h2', { text: 'Training' }),
        lossCanvas,
        el('h3', { text: 'Filters (layer 1)' }),
        filters,
        el('h3', { text: 'Confusion (test)' }),
        confusionBox,
      ]),
      el('section', { class: 'col' }, [el('h2', { text: 'Test predictions' }), gallery]),
    ]),
  );

  // drawing
  const ctx = pad.getContext('2d')!;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, PAD, PAD);
    probs = null;
    bars.replaceChildren();
    predOut.textContent = '?';
  };
  clear();
  let drawing = false;
  let lastPt: [number, number] | null = null;
  const pos = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * PAD, ((e.clientY - r.top) / r.height) * PAD];
  };
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    pad.setPointerCapture(e.pointerId);
    lastPt = pos(e);
    stroke(lastPt, lastPt);
    e.preventDefault();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = pos(e);
    stroke(lastPt ?? p, p);
    lastPt = p;
    schedulePredict();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    lastPt = null;
    predict();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  function stroke(a: [number, number], b: [number, number]): void {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
  }
  let predictTimer = 0;
  function schedulePredict(): void {
    if (predictTimer) return;
    predictTimer = window.setTimeout(() => {
      predictTimer = 0;
      predict();
    }, 80);
  }
  function predict(): void {
    const d = ctx.getImageData(0, 0, PAD, PAD).data;
    const ink = new Float32Array(PAD * PAD);
    for (let i = 0; i < ink.length; i++) ink[i] = d[i * 4]! / 255;
    const pixels = toMnist(ink, PAD);
    void request<Extract<FromWorker, { type: 'probs' }>>((id) => ({ type: 'imagePredict', pixels, id }));
  }

  const digitCanvas = (pixels: Float32Array, size = 28): HTMLCanvasElement => {
    const c = el('canvas', { attrs: { width: String(size), height: String(size) } });
    const img = new ImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      const v = Math.round(255 * Math.max(0, Math.min(1, pixels[i]!)));
      img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = 255 - v;
      img.data[i * 4 + 3] = 255;
    }
    c.getContext('2d')!.putImageData(img, 0, 0);
    return c;
  };

  const mode: ImageMode = {
    togglePlay() {
      playing = !playing;
      send({ type: playing ? 'imagePlay' : 'imagePause' });
      playBtn.textContent = playing ? '❚❚ Pause' : '▶ Train';
    },
    pause() {
      if (playing) mode.togglePlay();
    },
    onFrame(f) {
      last = f;
      status.textContent = `step ${f.step} · loss ${Number.isFinite(f.loss) ? f.loss.toFixed(3) : '—'} · test accuracy ${(100 * f.accuracy).toFixed(1)}% · ${f.msPerStep.toFixed(1)} ms/step${f.device === 'webgpu' ? ' on the GPU' : ''}`;
      // loss chart
      const g = lossCanvas.getContext('2d')!;
      g.clearRect(0, 0, lossCanvas.width, lossCanvas.height);
      const h = f.lossHistory;
      if (h.length > 1) {
        const max = Math.max(...h.filter(Number.isFinite), 1e-6);
        g.strokeStyle = '#222';
        g.beginPath();
        h.forEach((v, i) => {
          const x = (i / (h.length - 1)) * (lossCanvas.width - 4) + 2;
          const y = lossCanvas.height - 3 - (v / max) * (lossCanvas.height - 6);
          if (i === 0) g.moveTo(x, y);
          else g.lineTo(x, y);
        });
        g.stroke();
      }
      // filters
      filters.replaceChildren(
        ...Array.from({ length: 8 }, (_, k) => {
          const w = f.filters.subarray(k * 25, k * 25 + 25);
          const m = Math.max(...Array.from(w, Math.abs), 1e-6);
          const c = el('canvas', { attrs: { width: '5', height: '5' }, title: `filter ${k + 1}` });
          const img = new ImageData(5, 5);
          w.forEach((v, i) => {
            const col = divergingColor(v / m);
            img.data.set([col[0], col[1], col[2], 255], i * 4);
          });
          c.getContext('2d')!.putImageData(img, 0, 0);
          return c;
        }),
      );
      gallery.replaceChildren(
        ...f.gallery.map((g2) =>
          el('figure', { class: g2.pred === g2.label ? 'ok' : 'bad' }, [
            digitCanvas(g2.pixels),
            el('figcaption', { text: `${g2.pred}${g2.pred === g2.label ? '' : ` (is ${g2.label})`}` }),
          ]),
        ),
      );
      const t = el('table', { class: 'confusion' });
      t.append(el('tr', {}, [el('th'), ...f.confusion.map((_, j) => el('th', { text: String(j) }))]));
      f.confusion.forEach((row, i) =>
        t.append(
          el('tr', {}, [el('th', { text: String(i) }), ...row.map((v, j) => el('td', { class: i === j ? 'diag' : '', text: String(v) }))]),
        ),
      );
      confusionBox.replaceChildren(t);
      if (probs) predict();
    },
    onProbs(p, activations) {
      probs = p;
      let best = 0;
      p.forEach((v, i) => v > p[best]! && (best = i));
      predOut.textContent = String(best);
      bars.replaceChildren(
        ...p.map((v, i) => {
          const bar = el('span', { class: 'bar' });
          bar.style.width = `${Math.round(v * 100)}%`;
          bar.style.background = i === best ? rgb([8, 119, 189]) : '#bbb';
          return el('div', { class: 'probrow' }, [
            el('span', { class: 'digit', text: String(i) }),
            el('span', { class: 'barbox' }, [bar]),
            el('span', { class: 'pct', text: `${(v * 100).toFixed(1)}%` }),
          ]);
        }),
      );
      acts.replaceChildren(
        ...activations.map((a) => {
          const m = Math.max(...Array.from(a), 1e-6);
          return digitCanvas(
            Float32Array.from(a, (v) => v / m),
            24,
          );
        }),
      );
    },
    debug() {
      let prediction: number | null = null;
      if (probs) {
        prediction = 0;
        probs.forEach((v, i) => v > probs![prediction!]! && (prediction = i));
      }
      return {
        ready: last !== null,
        step: last?.step ?? 0,
        accuracy: last?.accuracy ?? 0,
        probs,
        prediction,
        playing,
        device: last?.device ?? null,
      };
    },
    setGpu(adapter) {
      gpuBox.hidden = adapter === null;
      if (adapter !== null) gpuBox.title = `Train the CNN on the GPU through WebGPU (${adapter})`;
    },
  };
  send({ type: 'imageInit', seed: 1 });
  return mode;
}
