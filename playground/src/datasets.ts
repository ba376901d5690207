/**
 * The playground's 2-D datasets (TensorFlow Playground's six, plus multi-class blobs and spirals) from
 * backprop's `data.datasets` generators,
 * the train/validation/test split, and CSV import/export of points. Every draw comes from a seeded
 * `Rng`, so a seed in the URL reproduces the exact points.
 *
 * Labels: classification → class index (binary: 1 = blue/positive, 0 = orange/negative);
 * regression → a value in [−1, 1].
 */
import { data, type Rng, type Tensor } from './bp.js';
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

/** Points from a generator's tensors: x [N, 2], y [N] class ids or [N, 1] targets. */
function toPoints(x: Tensor, y: Tensor, regression: boolean): Point[] {
  const xs = x.dataSync();
  const ys = y.dataSync();
  return Array.from({ length: ys.length }, (_, i) => ({ x: xs[2 * i]!, y: xs[2 * i + 1]!, label: regression ? clamp1(ys[i]!) : ys[i]! }));
}

/**
 * Generate the dataset named by the state (500 points; `noise` in 0–50 as in TensorFlow Playground)
 * with backprop's seeded toy generators (`data.datasets`, TensorFlow Playground's definitions).
 * Multi-class blobs and spirals are the same generators with `classes` = k.
 */
export function generate(s: Pick<PgState, 'dataset' | 'noise' | 'classes'>, rng: Rng, n = NUM_SAMPLES): Point[] {
  const G = data.datasets;
  const o = { n, noise: s.noise / 100, rng };
  switch (s.dataset) {
    case 'circle': {
      const d = G.circle(o);
      return toPoints(d.x, d.y, false);
    }
    case 'xor': {
      const d = G.xor(o);
      return toPoints(d.x, d.y, false);
    }
    case 'gauss': {
      const d = G.gaussian(o);
      return toPoints(d.x, d.y, false);
    }
    case 'spiral': {
      const d = G.spiral(o);
      return toPoints(d.x, d.y, false);
    }
    case 'reg-plane': {
      const d = G.regressionPlane(o);
      return toPoints(d.x, d.y, true);
    }
    case 'reg-gauss': {
      const d = G.multiGaussian(o);
      return toPoints(d.x, d.y, true);
    }
    case 'blobs': {
      const d = G.gaussian({ ...o, classes: s.classes });
      return toPoints(d.x, d.y, false);
    }
    case 'spiral-k': {
      const d = G.spiral({ ...o, classes: s.classes });
      return toPoints(d.x, d.y, false);
    }
    case 'custom':
      return [];
  }
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
export function parseCsv(
  text: string,
  problem: 'classification' | 'regression',
): { points: Point[]; classes: number; header: string[] | null } {
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
    if (cells.length !== 3)
      throw new CsvError(`expected 3 values (x1, x2, label), got ${cells.length}`, li + 1, Math.min(cells.length, 3) + 1);
    const vals = cells.map((c, ci) => {
      if (!NUM.test(c)) throw new CsvError(`${JSON.stringify(c.slice(0, 20))} is not a number`, li + 1, ci + 1);
      const v = Number(c);
      if (!Number.isFinite(v)) throw new CsvError(`${JSON.stringify(c.slice(0, 20))} is not finite`, li + 1, ci + 1);
      return v;
    });
    let label = vals[2]!;
    if (problem === 'classification') {
      if (label === -1) label = 0;
      if (!Number.isInteger(label) || label < 0 || label > 4)
        throw new CsvError(`class label ${label} must be an integer 0–4 (or −1 for 0)`, li + 1, 3);
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
