/**
 * Colours the canvases use, per colour scheme, chosen so that every line and label meets WCAG AA
 * against the panel it is drawn on (3:1 for lines and marks, 4.5:1 for text; tested in
 * test/playground/theme.test.ts). CSS colours live in style.css; these are the ones canvas code needs.
 */
export interface Palette {
  /** The panel (and chart) background. */
  panel: string;
  /** Plain text drawn on canvases (axis labels). */
  text: string;
  train: string;
  test: string;
  val: string;
  /** The optimizer race's curve (dashed). */
  race: string;
  /** The best-epoch marker (dotted vertical line). */
  best: string;
  lr: string;
  /** Axis lines on the heatmap and the hidden view. */
  axis: string;
  /** Outline of test points on the heatmap (against the map's light colours). */
  testOutline: string;
  /** Feature/neuron boxes: background behind a switched-off feature's faded preview. */
  offBox: string;
  /** Links at full strength (|w| ≥ 1): negative weights (orange) and positive ones (blue). */
  linkNeg: string;
  linkPos: string;
}

export const LIGHT: Palette = {
  panel: '#ffffff',
  text: '#555555',
  train: '#222222',
  test: '#6b6b6b',
  val: '#2a7a2a',
  race: '#c62828',
  best: '#8a5a00',
  lr: '#7b4fa8',
  axis: 'rgba(0,0,0,0.25)',
  testOutline: '#000000',
  offBox: '#ffffff',
  // TF's orange #f59322 is 2.3:1 on white: links use a darker orange of the same hue
  linkNeg: '#c0630b',
  linkPos: '#0877bd',
};
export const DARK: Palette = {
  panel: '#1f2327',
  text: '#c4c9ce',
  train: '#f0f0f0',
  test: '#a0a6ac',
  val: '#5cc45c',
  race: '#ff7b72',
  best: '#e3b341',
  lr: '#c29bef',
  axis: 'rgba(0,0,0,0.3)',
  testOutline: '#000000',
  offBox: '#2a2f34',
  linkNeg: '#f59322',
  // TF's blue #0877bd is 3.3:1 on the dark panel: a lighter blue
  linkPos: '#3d9be0',
};

export function isDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}
export const palette = (): Palette => (isDark() ? DARK : LIGHT);

/** `#rrggbb` → [r, g, b]. */
export function parseHex(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  if (!m) throw new Error(`parseHex: ${JSON.stringify(c)} is not #rrggbb`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** WCAG 2 relative luminance of an sRGB colour. */
export function luminance([r, g, b]: readonly number[]): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
}

/** WCAG 2 contrast ratio between two colours (1 … 21). */
export function contrast(a: readonly number[], b: readonly number[]): number {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1! + 0.05) / (l2! + 0.05);
}

const mixMin = new Map<string, number>();
/**
 * A link's colour: its sign's hue, fading toward the panel as |w| gets smaller (strength √|w|, full at
 * |w| ≥ 1, as TensorFlow Playground fades weak links), but never below 3:1 against the panel, so every
 * link stays a visible line (WCAG 1.4.11). Width carries the rest of the magnitude.
 */
export function linkColor(w: number, p: Palette): string {
  if (!Number.isFinite(w)) return 'rgb(128,128,128)';
  const bg = parseHex(p.panel);
  const end = parseHex(w < 0 ? p.linkNeg : p.linkPos);
  const mix = (u: number) => bg.map((b, i) => Math.round(b + (end[i]! - b) * u));
  const key = `${p.panel}|${w < 0 ? p.linkNeg : p.linkPos}`;
  let lo = mixMin.get(key);
  if (lo === undefined) {
    // the faintest mix with 3:1 (after rounding), by bisection
    let a = 0,
      b = 1;
    for (let k = 0; k < 30; k++) {
      const m = (a + b) / 2;
      if (contrast(mix(m), bg) >= 3) b = m;
      else a = m;
    }
    mixMin.set(key, (lo = b));
  }
  const c = mix(lo + (1 - lo) * Math.min(1, Math.sqrt(Math.abs(w))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
