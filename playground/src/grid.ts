/**
 * The heatmap grid and colour scales. Pure functions (no DOM), shared by the page and by tests.
 *
 * Orientation: row 0 is the TOP of the picture, i.e. X₂ = +6, so the heatmap matches the dataset
 * thumbnails and ordinary plots (TensorFlow Playground issues #76, #161).
 */

import { LIGHT, linkColor, type Palette } from './theme.js';

export const GRID = 100;
export const EXTENT = 6;

/** Cell-centre coordinate of grid column `j` (X₁) / row `i` (X₂, top = +6). */
export const gridX = (j: number, n = GRID): number => -EXTENT + (2 * EXTENT * (j + 0.5)) / n;
export const gridY = (i: number, n = GRID): number => EXTENT - (2 * EXTENT * (i + 0.5)) / n;

/** The grid points as a row-major [n·n, 2] Float32Array (x, y per point). */
export function gridPoints(n = GRID): Float32Array {
  const out = new Float32Array(n * n * 2);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      out[(i * n + j) * 2] = gridX(j, n);
      out[(i * n + j) * 2 + 1] = gridY(i, n);
    }
  return out;
}

/** Data coordinate → pixel within a canvas of `size` pixels. */
export const toPixel = (v: number, size: number, axis: 'x' | 'y'): number =>
  axis === 'x' ? ((v + EXTENT) / (2 * EXTENT)) * size : ((EXTENT - v) / (2 * EXTENT)) * size;
export const fromPixel = (p: number, size: number, axis: 'x' | 'y'): number =>
  axis === 'x' ? (p / size) * 2 * EXTENT - EXTENT : EXTENT - (p / size) * 2 * EXTENT;

// TensorFlow Playground's scale: orange (−1) → near-white (0) → blue (+1).
const NEG: [number, number, number] = [245, 147, 34];
const MID: [number, number, number] = [232, 234, 235];
const POS: [number, number, number] = [8, 119, 189];

/** RGB for a value in [−1, 1] (clamped; NaN is grey). */
export function divergingColor(v: number): [number, number, number] {
  if (Number.isNaN(v)) return [128, 128, 128];
  const t = Math.max(-1, Math.min(1, v));
  const [a, b, u] = t < 0 ? [MID, NEG, -t] : [MID, POS, t];
  return [Math.round(a[0] + (b[0] - a[0]) * u), Math.round(a[1] + (b[1] - a[1]) * u), Math.round(a[2] + (b[2] - a[2]) * u)];
}

/**
 * Class colours. Class 0 is orange and class 1 is blue in binary AND multi-class data (binary data is
 * drawn on the orange → blue scale, so "class 1 = blue" holds everywhere); then green, purple, red.
 */
export const CLASS_COLORS: [number, number, number][] = [
  [245, 147, 34],
  [8, 119, 189],
  [44, 160, 44],
  [148, 103, 189],
  [214, 39, 40],
];

export const rgb = (c: readonly number[]): string => `rgb(${c[0]},${c[1]},${c[2]})`;

/**
 * Paint a one-value-per-cell map (values in [−1, 1]) into RGBA pixels.
 * `discretize` snaps to the sign, like TensorFlow Playground's checkbox.
 */
const LUT_N = 1024;
let lut: Uint8Array | null = null;
/** divergingColor sampled at LUT_N + 1 points over [−1, 1] (painting runs per pixel, per frame). */
function colorLut(): Uint8Array {
  if (lut) return lut;
  lut = new Uint8Array((LUT_N + 1) * 3);
  for (let i = 0; i <= LUT_N; i++) lut.set(divergingColor((i / LUT_N) * 2 - 1), i * 3);
  return lut;
}

export function paintDiverging(
  values: ArrayLike<number>,
  out: Uint8ClampedArray,
  opts: { discretize?: boolean; scale?: number } = {},
): void {
  const s = opts.scale ?? 1;
  const L = colorLut();
  for (let k = 0; k < values.length; k++) {
    let v = values[k]! / s;
    if (opts.discretize) v = v > 0 ? 1 : v < 0 ? -1 : 0;
    if (Number.isNaN(v)) {
      out[k * 4] = out[k * 4 + 1] = out[k * 4 + 2] = 128;
    } else {
      const i = Math.round((Math.max(-1, Math.min(1, v)) + 1) * 0.5 * LUT_N) * 3;
      out[k * 4] = L[i]!;
      out[k * 4 + 1] = L[i + 1]!;
      out[k * 4 + 2] = L[i + 2]!;
    }
    out[k * 4 + 3] = 255;
  }
}

/**
 * Paint class probabilities `[cells, K]` (row-major) by argmax; confidence sets the lightness:
 * a cell at chance (1/K) is near-white, a confident cell has the full class colour.
 */
export function paintClasses(probs: ArrayLike<number>, k: number, out: Uint8ClampedArray, opts: { discretize?: boolean } = {}): void {
  const cells = probs.length / k;
  for (let c = 0; c < cells; c++) {
    let best = 0;
    let p = probs[c * k]!;
    for (let j = 1; j < k; j++)
      if (probs[c * k + j]! > p) {
        p = probs[c * k + j]!;
        best = j;
      }
    const conf = opts.discretize ? 1 : Number.isFinite(p) ? Math.max(0, Math.min(1, (p - 1 / k) / (1 - 1 / k))) : 0;
    const col = CLASS_COLORS[best % CLASS_COLORS.length]!;
    const u = 0.15 + 0.75 * conf;
    for (let ch = 0; ch < 3; ch++) out[c * 4 + ch] = Math.round(MID[ch]! + (col[ch]! - MID[ch]!) * u);
    out[c * 4 + 3] = 255;
  }
}

/** Symmetric range for a neuron map: max |v| (at least `floor`), so ReLU/linear maps stay readable. */
export function absMax(values: ArrayLike<number>, floor = 1): number {
  let m = 0;
  for (let k = 0; k < values.length; k++) {
    const a = Math.abs(values[k]!);
    if (a > m && Number.isFinite(a)) m = a;
  }
  return Math.max(m, floor);
}

/**
 * Link colour and width for a weight, on a FIXED scale (not relative to the largest weight, which made
 * a trained network all thick pale bands). Colour: orange < 0 < blue in the colour scheme's link colours,
 * its strength √|w| (full at |w| ≥ 1, so small weights still show their sign), never under 3:1 against the
 * panel (theme.ts linkColor). Width: 0.75 + 2.6·log₂(1 + |w|) px, capped at 12 px, so it
 * keeps growing well past |w| = 3 (|w| = 1 → 3.4 px, 3 → 6 px, 10 → 9.7 px, ≥ 23 → 12 px).
 */
export function linkStyle(w: number, p: Palette = LIGHT): { color: string; width: number } {
  if (!Number.isFinite(w)) return { color: rgb(divergingColor(NaN)), width: 1 };
  const a = Math.abs(w);
  return { color: linkColor(w, p), width: Math.min(12, 0.75 + 2.6 * Math.log2(1 + a)) };
}

/** Fill colour of a bias square: the same scale as the links (orange < 0 < blue). */
export function biasColor(b: number): string {
  return Number.isFinite(b) ? rgb(divergingColor(Math.sign(b) * Math.min(1, Math.sqrt(Math.abs(b))))) : rgb(divergingColor(NaN));
}

/**
 * Paint one class's probability map (values in [0, 1]) from the neutral colour to that class's colour:
 * the multi-class output neurons, each in its own class colour.
 */
export function paintClassUnit(probs: ArrayLike<number>, k: number, out: Uint8ClampedArray): void {
  const col = CLASS_COLORS[k % CLASS_COLORS.length]!;
  for (let c = 0; c < probs.length; c++) {
    const p = probs[c]!;
    const u = Number.isFinite(p) ? Math.max(0, Math.min(1, p)) : 0;
    for (let ch = 0; ch < 3; ch++) out[c * 4 + ch] = Math.round(MID[ch]! + (col[ch]! - MID[ch]!) * u);
    out[c * 4 + 3] = 255;
  }
}

/** A point's colour: regression values on the orange → blue scale, class k in CLASS_COLORS[k]. */
export function pointColor(label: number, regression: boolean): string {
  if (regression) return rgb(divergingColor(label));
  return rgb(CLASS_COLORS[Math.max(0, Math.round(label)) % CLASS_COLORS.length]!);
}
