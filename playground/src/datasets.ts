/**
 * The playground's 2-D datasets (TensorFlow Playground's six, plus multi-class blobs and spirals),
 * the train/validation/test split, and CSV import/export of points. Every draw comes from a seeded
 * `Rng`, so a seed in the URL reproduces the exact points.
 *
 * Labels: classification → class index (binary: 1 = blue/positive, 0 = orange/negative);
 * regression → a value in [−1, 1].
 */
import { Rng } from './bp.js';
import { MULTICLASS_DATASETS, type PgState } from './state.js';

export interface Point {
  x: number;
  y: number;
  label: number;
}

export interface Splits {
  train: Point[];
  val: Point[];
  test: Point[];
}

export const NUM_SAMPLES = 500;
export const MAX_POINTS = 5000;

const clamp1 = (v: number): number => Math.max(-1, Math.min(1, v));

/** Generate the dataset named by the state (500 points; `noise` in 0–50 as in TensorFlow Playground). */
export function generate(s: Pick<PgState, 'dataset' | 'noise' | 'classes'>, rng: Rng, n = NUM_SAMPLES): Point[] {
  const noise = s.noise / 100;
  const u = (a: number, b: number) => rng.uniformRange(a, b);
  const pts: Point[] = [];
  switch (s.dataset) {
    case 'circle': {
      const radius = 5;
      const ring = (rMin: number, rMax: number) => {
        for (let i = 0; i < n / 2; i++) {
          const r = u(rMin, rMax);
          const a = u(0, 2 * Math.PI);
          const x = r * Math.sin(a);
          const y = r * Math.cos(a);
          const nx = u(-radius, radius) * noise;
          const ny = u(-radius, radius) * noise;
          pts.push({ x, y, label: Math.hypot(x + nx, y + ny) < radius * 0.5 ? 1 : 0 });
        }
      };
      ring(0, radius * 0.5);
      ring(radius * 0.7, radius);
      break;
    }
    case 'xor': {
      const pad = 0.3;
      for (let i = 0; i < n; i++) {
        let x = u(-5, 5);
        x += x > 0 ? pad : -pad;
        let y = u(-5, 5);
        y += y > 0 ? pad : -pad;
        const nx = u(-5, 5) * noise;
        const ny = u(-5, 5) * noise;
        pts.push({ x, y, label: (x + nx) * (y + ny) >= 0 ? 1 : 0 });
      }
      break;
    }
    case 'gauss': {
      const std = Math.sqrt(0.5 + (noise / 0.5) * 3.5);
      for (const [cx, cy, label] of [[2, 2, 1], [-2, -2, 0]] as const)
        for (let i = 0; i < n / 2; i++) pts.push({ x: cx + std * rng.normal(), y: cy + std * rng.normal(), label });
      break;
    }
    case 'spiral': {
      const arm = (delta: number, label: number) => {
        for (let i = 0; i < n / 2; i++) {
          const r = (i / (n / 2)) * 5;
          const t = ((1.75 * i) / (n / 2)) * 2 * Math.PI + delta;
          pts.push({ x: r * Math.sin(t) + u(-1, 1) * noise, y: r * Math.cos(t) + u(-1, 1) * noise, label });
        }
      };
      arm(0, 1);
      arm(Math.PI, 0);
      break;
    }
    case 'reg-plane': {
      for (let i = 0; i < n; i++) {
        const x = u(-6, 6);
        const y = u(-6, 6);
        const nx = u(-6, 6) * noise;
        const ny = u(-6, 6) * noise;
        pts.push({ x, y, label: clamp1((x + nx + y + ny) / 12) });
      }
      break;
    }
    case 'reg-gauss': {
      const bumps = [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]] as const;
      for (let i = 0; i < n; i++) {
        const x = u(-6, 6);
        const y = u(-6, 6);
        const nx = u(-6, 6) * noise;
        const ny = u(-6, 6) * noise;
        let label = 0;
        for (const [cx, cy, sign] of bumps) {
          const v = sign * Math.exp(-((x + nx - cx) ** 2 + (y + ny - cy) ** 2) / 2);
          if (Math.abs(v) > Math.abs(label)) label = v;
        }
        pts.push({ x, y, label: clamp1(label) });
      }
      break;
    }
    case 'blobs': {
      const k = s.classes;
      const std = 0.6 + noise * 4;
      for (let i = 0; i < n; i++) {
        const c = i % k;
        const a = (2 * Math.PI * c) / k + Math.PI / 2;
        pts.push({ x: 3.5 * Math.cos(a) + std * rng.normal(), y: 3.5 * Math.sin(a) + std * rng.normal(), label: c });
      }
      break;
    }
    case 'spiral-k': {
      const k = s.classes;
      const per = Math.floor(n / k);
      for (let c = 0; c < k; c++)
        for (let i = 0; i < per; i++) {
          const r = 0.3 + (i / per) * 5;
          const t = (i / per) * 1.5 * Math.PI + (2 * Math.PI * c) / k;
          pts.push({ x: r * Math.sin(t) + u(-1, 1) * (noise * 2 + 0.05), y: r * Math.cos(t) + u(-1, 1) * (noise * 2 + 0.05), label: c });
        }
      break;
    }
    case 'custom':
      break;
  }
  return pts;
}

/** Shuffle once (seeded), then: test = the last (100 − percTrainData) %, validation = valPercent % of the rest. */
export function splitPoints(points: readonly Point[], s: Pick<PgState, 'percTrainData' | 'valPercent'>, rng: Rng): Splits {
  const order = rng.permutation(points.length);
  const shuffled = Array.from(order, (i) => points[i]!);
  const nTrain = Math.round((points.length * s.percTrainData) / 100);
  const trainAll = shuffled.slice(0, nTrain);
  const nVal = Math.round((trainAll.length * s.valPercent) / 100);
  return { train: trainAll.slice(nVal), val: trainAll.slice(0, nVal), test: shuffled.slice(nTrain) };
}

export const isMulticlass = (s: Pick<PgState, 'dataset'>): boolean => MULTICLASS_DATASETS.includes(s.dataset);

// ------------------------------------------------------------------------------------------ CSV

export class CsvError extends Error {
  readonly code = 'E_PLAYGROUND_CSV';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`CSV line ${line}, column ${column}: ${message}`);
    this.name = 'CsvError';
  }
}

const NUM = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Parse `x1,x2,label` rows (an optional header row of non-numbers is skipped; `#` lines are
 * comments). Coordinates must be finite numbers (they are clamped to the ±6 view); classification
 * labels are integers 0–4 (−1 is read as 0, TensorFlow Playground's coding), regression labels
 * numbers in [−1, 1]. At most 5,000 points. Errors name the line and column.
 */
export function parseCsv(text: string, problem: 'classification' | 'regression'): { points: Point[]; classes: number; header: string[] | null } {
  const src = text.replace(/^\uFEFF/, '');
  const lines = src.split(/\r\n|\n|\r/);
  const points: Point[] = [];
  let header: string[] | null = null;
  let maxLabel = 0;
  for (let li = 0; li < lines.length; li++) {
    const raw = lines[li]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const cells = raw.split(/[,;\t]/).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (points.length === 0 && header === null && cells.every((c) => !NUM.test(c))) {
      header = cells.slice(0, 8).map((c) => c.slice(0, 40));
      continue;
    }
    if (cells.length !== 3) throw new CsvError(`expected 3 values (x1, x2, label), got ${cells.length}`, li + 1, Math.min(cells.length, 3) + 1);
    const vals = cells.map((c, ci) => {
      if (!NUM.test(c)) throw new CsvError(`${JSON.stringify(c.slice(0, 20))} is not a number`, li + 1, ci + 1);
      const v = Number(c);
      if (!Number.isFinite(v)) throw new CsvError(`${JSON.stringify(c.slice(0, 20))} is not finite`, li + 1, ci + 1);
      return v;
    });
    let label = vals[2]!;
    if (problem === 'classification') {
      if (label === -1) label = 0;
      if (!Number.isInteger(label) || label < 0 || label > 4) throw new CsvError(`class label ${label} must be an integer 0–4 (or −1 for 0)`, li + 1, 3);
      maxLabel = Math.max(maxLabel, label);
    } else if (label < -1 || label > 1) throw new CsvError(`regression label ${label} must be in [−1, 1]`, li + 1, 3);
    if (points.length >= MAX_POINTS) throw new CsvError(`more than ${MAX_POINTS} points`, li + 1, 1);
    points.push({ x: Math.max(-6, Math.min(6, vals[0]!)), y: Math.max(-6, Math.min(6, vals[1]!)), label });
  }
  if (points.length === 0) throw new CsvError('no data rows', lines.length, 1);
  return { points, classes: problem === 'classification' ? Math.max(2, maxLabel + 1) : 1, header };
}

export function toCsv(points: readonly Point[]): string {
  return `x1,x2,label\n${points.map((p) => `${p.x},${p.y},${p.label}`).join('\n')}\n`;
}
