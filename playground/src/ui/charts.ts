/**
 * The loss chart (training, test, validation, the race's curve, the best-epoch marker) with its legend
 * and axis labels, and the labelled learning-rate chart. Colours from theme.ts (checked for contrast).
 */
import { el } from '../dom.js';
import type { Frame } from '../protocol.js';
import { palette, type Palette } from '../theme.js';

export const chartLegend = el('div', { class: 'chartlegend', id: 'chart-legend', attrs: { 'aria-label': 'Chart legend' } });
let legendKey = '';

/** CSS widths of the charts, kept by a ResizeObserver so drawing never forces a layout. */
const cssWidth = new WeakMap<HTMLCanvasElement, number>();
const resized =
  typeof ResizeObserver === 'function'
    ? new ResizeObserver((entries) => {
        for (const e of entries) cssWidth.set(e.target as HTMLCanvasElement, e.contentRect.width);
      })
    : null;

/** Canvas pixels per CSS pixel, so text and lines stay sharp on the chart's scaled canvas. */
function fitCanvas(c: HTMLCanvasElement, cssH: number): number {
  if (!cssWidth.has(c)) {
    cssWidth.set(c, c.clientWidth || 400);
    resized?.observe(c);
  }
  const w = Math.max(100, Math.round(cssWidth.get(c)!));
  const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
  const W = Math.round(w * dpr),
    H = Math.round(cssH * dpr);
  if (c.width !== W || c.height !== H) {
    c.width = W;
    c.height = H;
  }
  return dpr;
}

function legendItem(kind: 'line' | 'dash' | 'marker', color: string, text: string): HTMLElement {
  const sw = el('span', { class: `lsw ${kind}` });
  sw.style.borderColor = color;
  return el('span', { class: 'legend-item' }, [sw, el('span', { text })]);
}

function updateLegend(f: Frame, p: Palette): void {
  const hasVal = f.history.some((h) => h.val !== undefined);
  const key = `${hasVal}|${f.race?.optimizer ?? ''}|${f.bestEpoch !== null}|${p.train}`;
  if (key === legendKey) return;
  legendKey = key;
  chartLegend.replaceChildren(
    legendItem('line', p.train, 'training loss'),
    legendItem('line', p.test, 'test loss'),
    hasVal ? legendItem('line', p.val, 'validation loss') : '',
    f.race ? legendItem('dash', p.race, `training loss with ${f.race.optimizer}`) : '',
    f.bestEpoch !== null ? legendItem('marker', p.best, 'best epoch') : '',
  );
}

export function drawChart(chart: HTMLCanvasElement, f: Frame): void {
  const p = palette();
  updateLegend(f, p);
  const dpr = fitCanvas(chart, 90);
  const ctx = chart.getContext('2d')!;
  const W = chart.width,
    H = chart.height;
  ctx.clearRect(0, 0, W, H);
  const h = f.history;
  const padL = 34 * dpr,
    padB = 14 * dpr,
    padT = 4 * dpr;
  let max = 0;
  for (const q of h) for (const v of [q.train, q.test, q.val ?? 0]) if (Number.isFinite(v)) max = Math.max(max, v);
  for (const q of f.race?.history ?? []) if (Number.isFinite(q.train)) max = Math.max(max, q.train);
  max = max || 1;
  const e0 = h[0]?.epoch ?? 0,
    e1 = h[h.length - 1]?.epoch ?? 0;
  const X = (e: number) => padL + ((e - e0) / Math.max(1, e1 - e0)) * (W - padL - 4 * dpr);
  const Y = (v: number) => H - padB - (Math.min(v, max) / max) * (H - padB - padT);
  // axes and their labels: loss from 0 to the largest value shown, epochs from first to last
  ctx.strokeStyle = p.test;
  ctx.lineWidth = dpr;
  ctx.beginPath();
  ctx.moveTo(padL, padT);
  ctx.lineTo(padL, H - padB);
  ctx.lineTo(W, H - padB);
  ctx.stroke();
  ctx.fillStyle = p.text;
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'right';
  ctx.fillText(max < 0.01 ? max.toExponential(0) : max.toPrecision(2), padL - 3 * dpr, padT);
  ctx.textBaseline = 'bottom';
  ctx.fillText('0', padL - 3 * dpr, H - padB);
  ctx.fillText(`epoch ${e1}`, W - 2 * dpr, H);
  ctx.textAlign = 'left';
  ctx.fillText(`loss · epoch ${e0}`, padL, H);
  if (h.length < 2) return;
  const line = (pts: { epoch: number; v: number | undefined }[], color: string, dash: number[] = []) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2 * dpr;
    ctx.setLineDash(dash.map((d) => d * dpr));
    ctx.beginPath();
    let started = false;
    for (const q of pts) {
      if (q.v === undefined || !Number.isFinite(q.v) || q.epoch < e0) continue;
      if (!started) ctx.moveTo(X(q.epoch), Y(q.v));
      else ctx.lineTo(X(q.epoch), Y(q.v));
      started = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  line(
    h.map((q) => ({ epoch: q.epoch, v: q.test })),
    p.test,
  );
  line(
    h.map((q) => ({ epoch: q.epoch, v: q.train })),
    p.train,
  );
  if (h.some((q) => q.val !== undefined))
    line(
      h.map((q) => ({ epoch: q.epoch, v: q.val })),
      p.val,
    );
  if (f.race && f.race.history.length > 1)
    line(
      f.race.history.map((q) => ({ epoch: q.epoch, v: q.train })),
      p.race,
      [6, 3],
    );
  if (f.bestEpoch !== null) {
    ctx.strokeStyle = p.best;
    ctx.lineWidth = 2 * dpr;
    ctx.setLineDash([2 * dpr, 2 * dpr]);
    ctx.beginPath();
    ctx.moveTo(X(f.bestEpoch), padT);
    ctx.lineTo(X(f.bestEpoch), H - padB);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

/** The learning rate per epoch; the label says its current value and the chart's top. */
export function drawLrChart(c: HTMLCanvasElement, f: Frame, label: HTMLElement | null): void {
  const p = palette();
  const h = f.history;
  const lmax = Math.max(0, ...h.map((q) => q.lr)) || f.metrics.lr || 1;
  if (label) label.textContent = ` (chart from 0 to ${lmax.toPrecision(3)})`;
  const cur = document.getElementById('cur-lr');
  if (cur) cur.textContent = f.metrics.lr.toPrecision(3);
  const dpr = fitCanvas(c, 40);
  const ctx = c.getContext('2d')!;
  ctx.clearRect(0, 0, c.width, c.height);
  if (h.length < 2) return;
  const e0 = h[0]!.epoch,
    e1 = h[h.length - 1]!.epoch;
  const padL = 34 * dpr;
  const X = (e: number) => padL + ((e - e0) / Math.max(1, e1 - e0)) * (c.width - padL - 4 * dpr);
  ctx.strokeStyle = p.lr;
  ctx.lineWidth = 2 * dpr;
  ctx.beginPath();
  h.forEach((q, i) => {
    const y = c.height - 3 * dpr - (q.lr / lmax) * (c.height - 6 * dpr);
    if (i === 0) ctx.moveTo(X(q.epoch), y);
    else ctx.lineTo(X(q.epoch), y);
  });
  ctx.stroke();
}
