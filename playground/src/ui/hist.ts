/** Per Linear layer: a histogram of its weights and the RMS of its last gradient on a log scale. */
import { el } from '../dom.js';
import { absMax, divergingColor, rgb } from '../grid.js';
import type { Frame } from '../protocol.js';
import { store } from '../store.js';
import { controls } from './controls.js';

export const histBox = el('details', { class: 'hists', id: 'histograms' }, [
  el('summary', {
    text: 'Weights and gradients per layer',
    title:
      "Distribution of each layer's weights, and the size (RMS, log scale) of its last gradient — " +
      'watch gradients vanish in deep sigmoid/tanh networks',
  }),
]);
const histBody = el('div', { class: 'histbody' });
histBox.append(histBody);
controls.histograms = histBox;
histBox.addEventListener('toggle', () => store.frame && histBox.open && drawHistograms(store.frame));

export function drawHistograms(f: Frame): void {
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
