/**
 * Seeded toy datasets for teaching. Same `seed` → same bits on every platform. Isomorphic.
 *
 * Classification generators return `{ x: float32 [N, 2], y: int32 [N] }` (class ids for
 * cross-entropy; the binary ones use 1 for TensorFlow Playground's "+1" class and 0 for "−1").
 * Regression generators return `{ x: float32 [N, D], y: float32 [N, 1] }`.
 *
 * `circle`, `xor`, `gaussian` and `spiral` follow TensorFlow Playground's generators
 * (playground.tensorflow.org, `src/dataset.ts`); `noise` has the Playground's meaning (its slider
 * 0–50 divided by 100, so 0…0.5):
 * - circle: radius 5; class 1 at r ~ U(0, 2.5), class 0 at r ~ U(3.5, 5), angle ~ U(0, 2π). The
 *   label is decided on the point jittered by U(−5, 5)·noise per axis (the stored point is not
 *   jittered), so noise shows up as labels flipped near the boundary.
 * - xor: x, y ~ U(−5, 5), pushed 0.3 away from the axes; label 1 when (x+εx)(y+εy) ≥ 0 with
 *   ε ~ U(−5, 5)·noise.
 * - gaussian: blobs with variance 0.5 + 7·noise (Playground: noise 0 → 0.5, noise 0.5 → 4).
 *   Two classes sit at (2, 2) (class 1) and (−2, −2) (class 0), as in the Playground; k classes sit
 *   evenly on the circle of radius 2√2 through those two points.
 * - spiral: arm c of k: for i < n, r = 5i/n, t = 1.75·2π·i/n + 2π((c − 1) mod k)/k; point (r sin t, r cos t) +
 *   U(−1, 1)·noise per axis. With k = 2 this is the Playground's two spirals (class 1 at Δt = 0).
 * - regressionPlane: x, y ~ U(−6, 6); target (x+εx + y+εy)/10 with ε ~ U(−6, 6)·noise.
 * - multiGaussian: x, y ~ U(−6, 6); six bumps at (−4, ±2.5), (0, ±2.5), (4, ±2.5) with signs
 *   (+ − + / − + −); target = the bump value of largest magnitude, value = sign·max(0, 1 − d/2)
 *   at distance d (evaluated at the jittered point, ε ~ U(−6, 6)·noise).
 * Others: `moons` follows scikit-learn's make_moons (Gaussian noise with std `noise`);
 * `polynomial` is y = Σ cₖ xᵏ + N(0, noise²) for the over/underfitting lesson; `housePrices` is a
 * synthetic table with numeric and categorical columns and two targets.
 */
import { ValueError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { checkOptionKeys, optionKeys, type OptionKeyList } from '../core/options.js';
import { Tensor } from '../tensor/tensor.js';
import type { Table } from './preprocessing.js';

/** Options shared by the seeded toy-data generators. */
export interface GeneratorOptions {
  /** Number of samples (default 200 for the 2-D sets). */
  n?: number;
  /** Noise level; see each generator (default 0). */
  noise?: number;
  /** Seed of the generator's own Rng (default 0). Ignored when `rng` is given. */
  seed?: number;
  /** The generator to draw from (advanced by the call); overrides `seed`. */
  rng?: Rng;
}

/** A 2-D classification set: points and their class ids. */
export interface ClassificationData {
  /** float32 [N, 2] points. */
  x: Tensor;
  /** int32 [N] class ids. */
  y: Tensor;
}

/** A regression set: inputs and one target per row. */
export interface RegressionData {
  /** float32 [N, D] inputs. */
  x: Tensor;
  /** float32 [N, 1] targets. */
  y: Tensor;
}

const GENERATOR_KEYS = optionKeys<GeneratorOptions>()({ n: true, noise: true, seed: true, rng: true });

function setup(
  opts: GeneratorOptions,
  who: string,
  defaultN = 200,
  keys: OptionKeyList = GENERATOR_KEYS,
): { n: number; noise: number; rng: Rng } {
  checkOptionKeys(who, opts, keys);
  const n = opts.n ?? defaultN;
  const noise = opts.noise ?? 0;
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`${who}: n must be a positive integer, got ${n}`);
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new ValueError(`${who}: noise must be a non-negative number, got ${noise}`);
  return { n, noise, rng: opts.rng ?? new Rng(opts.seed ?? 0) };
}

function classification(xs: number[], labels: number[]): ClassificationData {
  return {
    x: new Tensor(Float32Array.from(xs), [labels.length, 2], 'float32'),
    y: new Tensor(Int32Array.from(labels), [labels.length], 'int32'),
  };
}

function regression(xs: number[], ys: number[], d: number): RegressionData {
  return {
    x: new Tensor(Float32Array.from(xs), [ys.length, d], 'float32'),
    y: new Tensor(Float32Array.from(ys), [ys.length, 1], 'float32'),
  };
}

const U = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

/** Two classes: a disc inside a ring (TensorFlow Playground "circle"). */
export function circle(opts: GeneratorOptions = {}): ClassificationData {
  const { n, noise, rng } = setup(opts, 'circle');
  const radius = 5;
  const xs: number[] = [];
  const ys: number[] = [];
  const nInside = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) {
    const r = i < nInside ? U(rng, 0, radius * 0.5) : U(rng, radius * 0.7, radius);
    const angle = U(rng, 0, 2 * Math.PI);
    const x = r * Math.sin(angle);
    const y = r * Math.cos(angle);
    const nx = U(rng, -radius, radius) * noise;
    const ny = U(rng, -radius, radius) * noise;
    xs.push(x, y);
    ys.push(Math.hypot(x + nx, y + ny) < radius * 0.5 ? 1 : 0);
  }
  return classification(xs, ys);
}

/** Four quadrants, label = sign(x·y) (TensorFlow Playground "xor"). */
export function xor(opts: GeneratorOptions = {}): ClassificationData {
  const { n, noise, rng } = setup(opts, 'xor');
  const pad = 0.3;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    let x = U(rng, -5, 5);
    x += x > 0 ? pad : -pad;
    let y = U(rng, -5, 5);
    y += y > 0 ? pad : -pad;
    const nx = U(rng, -5, 5) * noise;
    const ny = U(rng, -5, 5) * noise;
    xs.push(x, y);
    ys.push((x + nx) * (y + ny) >= 0 ? 1 : 0);
  }
  return classification(xs, ys);
}

/** Options of the k-class generators (`gaussian`, `spiral`): `classes` k ≥ 2 (default 2). */
export type ClassesOptions = GeneratorOptions & { classes?: number };
const CLASSES_KEYS = optionKeys<ClassesOptions>()({ n: true, noise: true, seed: true, rng: true, classes: true });

function setupClasses(opts: ClassesOptions, who: string): { n: number; noise: number; rng: Rng; k: number } {
  const k = opts.classes ?? 2;
  const base = setup(opts, who, 200, CLASSES_KEYS);
  if (!Number.isInteger(k) || k < 2) throw new ValueError(`${who}: classes must be an integer ≥ 2, got ${k}`);
  return { ...base, k };
}

/** k Gaussian blobs (TensorFlow Playground "gaussian" for k = 2). Samples are split evenly by class. */
export function gaussian(opts: ClassesOptions = {}): ClassificationData {
  const { n, noise, rng, k } = setupClasses(opts, 'gaussian');
  const variance = 0.5 + 7 * noise;
  const sd = Math.sqrt(variance);
  const R = 2 * Math.SQRT2;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let c = 0; c < k; c++) {
    // class 1 at angle π/4 → (2, 2); class 0 at 5π/4 → (−2, −2) when k = 2
    const a = Math.PI / 4 + Math.PI + (2 * Math.PI * c) / k;
    const cx = R * Math.cos(a);
    const cy = R * Math.sin(a);
    const count = Math.floor(n / k) + (c < n % k ? 1 : 0);
    for (let i = 0; i < count; i++) {
      xs.push(cx + sd * rng.normal(), cy + sd * rng.normal());
      ys.push(c);
    }
  }
  return classification(xs, ys);
}

/** k interleaved spiral arms (TensorFlow Playground "spiral" for k = 2). */
export function spiral(opts: ClassesOptions = {}): ClassificationData {
  const { n, noise, rng, k } = setupClasses(opts, 'spiral');
  const xs: number[] = [];
  const ys: number[] = [];
  // Playground: class "+1" (our 1) has Δt = 0 and class "−1" (our 0) Δt = π; arm c has Δt = 2π((c − 1) mod k)/k
  for (let c = 0; c < k; c++) {
    const m = Math.floor(n / k) + (c < n % k ? 1 : 0);
    const deltaT = (2 * Math.PI * ((c + k - 1) % k)) / k;
    for (let i = 0; i < m; i++) {
      const r = (i / m) * 5;
      const t = ((1.75 * i) / m) * 2 * Math.PI + deltaT;
      xs.push(r * Math.sin(t) + U(rng, -1, 1) * noise, r * Math.cos(t) + U(rng, -1, 1) * noise);
      ys.push(c);
    }
  }
  return classification(xs, ys);
}

/** Two interleaving half circles (scikit-learn's make_moons; noise = std of Gaussian jitter). */
export function moons(opts: GeneratorOptions = {}): ClassificationData {
  const { n, noise, rng } = setup(opts, 'moons');
  const nOuter = Math.floor(n / 2);
  const nInner = n - nOuter;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < nOuter; i++) {
    const t = nOuter === 1 ? 0 : (Math.PI * i) / (nOuter - 1);
    xs.push(Math.cos(t) + noise * rng.normal(), Math.sin(t) + noise * rng.normal());
    ys.push(0);
  }
  for (let i = 0; i < nInner; i++) {
    const t = nInner === 1 ? 0 : (Math.PI * i) / (nInner - 1);
    xs.push(1 - Math.cos(t) + noise * rng.normal(), 1 - Math.sin(t) - 0.5 + noise * rng.normal());
    ys.push(1);
  }
  return classification(xs, ys);
}

/** A tilted plane: target (x + y)/10 ∈ [−1.2, 1.2] (TensorFlow Playground "plane"). */
export function regressionPlane(opts: GeneratorOptions = {}): RegressionData {
  const { n, noise, rng } = setup(opts, 'regressionPlane');
  const radius = 6;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = U(rng, -radius, radius);
    const y = U(rng, -radius, radius);
    const nx = U(rng, -radius, radius) * noise;
    const ny = U(rng, -radius, radius) * noise;
    xs.push(x, y);
    ys.push((x + nx + y + ny) / 10);
  }
  return regression(xs, ys, 2);
}

const BUMPS: readonly [number, number, number][] = [
  [-4, 2.5, 1],
  [0, 2.5, -1],
  [4, 2.5, 1],
  [-4, -2.5, -1],
  [0, -2.5, 1],
  [4, -2.5, -1],
];

/** Six signed Gaussian-like bumps (TensorFlow Playground "multi gaussian"), target in [−1, 1]. */
export function multiGaussian(opts: GeneratorOptions = {}): RegressionData {
  const { n, noise, rng } = setup(opts, 'multiGaussian');
  const radius = 6;
  const label = (x: number, y: number): number => {
    let best = 0;
    for (const [cx, cy, sign] of BUMPS) {
      const v = sign * Math.max(0, 1 - Math.hypot(x - cx, y - cy) / 2);
      if (Math.abs(v) > Math.abs(best)) best = v;
    }
    return best;
  };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = U(rng, -radius, radius);
    const y = U(rng, -radius, radius);
    const nx = U(rng, -radius, radius) * noise;
    const ny = U(rng, -radius, radius) * noise;
    xs.push(x, y);
    ys.push(label(x + nx, y + ny));
  }
  return regression(xs, ys, 2);
}

/**
 * y = Σₖ coefficients[k]·xᵏ + N(0, noise²), x ~ U(xRange) — a noisy polynomial for the
 * over/underfitting lesson (fit degree 1, 3 and 15 and compare validation loss).
 * Default: 30 samples, coefficients [0.5, −1, 0, 2] (a cubic), noise 0.1, x ∈ [−1, 1].
 * Returns x [N, 1], y [N, 1] and the noise-free `clean` [N, 1].
 */
export function polynomial(
  opts: GeneratorOptions & { coefficients?: readonly number[]; xRange?: [number, number] } = {},
): RegressionData & { clean: Tensor; coefficients: number[] } {
  const { n, rng } = setup(
    { n: 30, ...opts },
    'polynomial',
    30,
    optionKeys<typeof opts>()({ n: true, noise: true, seed: true, rng: true, coefficients: true, xRange: true }),
  );
  const noise = opts.noise ?? 0.1;
  const coefficients = (opts.coefficients ?? [0.5, -1, 0, 2]).slice();
  const [lo, hi] = opts.xRange ?? [-1, 1];
  if (!(lo < hi)) throw new ValueError(`polynomial: xRange must be [lo, hi] with lo < hi, got [${lo}, ${hi}]`);
  if (coefficients.length === 0 || coefficients.some((c) => !Number.isFinite(c)))
    throw new ValueError('polynomial: coefficients must be finite numbers');
  const xs: number[] = [];
  const ys: number[] = [];
  const clean: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = U(rng, lo, hi);
    let v = 0;
    for (let k = coefficients.length - 1; k >= 0; k--) v = v * x + coefficients[k]!; // Horner
    xs.push(x);
    clean.push(v);
    ys.push(v + noise * rng.normal());
  }
  const r = regression(xs, ys, 1);
  return { ...r, clean: new Tensor(Float32Array.from(clean), [n, 1], 'float32'), coefficients };
}

/** A synthetic housing table (see `housePrices`). */
export interface HousePrices {
  /** Columns: area, rooms, age, distance (numeric); neighborhood, type, garden (categorical); price, rent (targets). */
  table: Table & {
    area: Float64Array;
    rooms: Float64Array;
    age: Float64Array;
    distance: Float64Array;
    neighborhood: string[];
    type: string[];
    garden: string[];
    price: Float64Array;
    rent: Float64Array;
  };
  numeric: string[];
  categorical: string[];
  targets: ['price', 'rent'];
}

/**
 * A synthetic house-price table (default 500 rows) with numeric and categorical columns and two
 * targets, for the tabular lessons (scaling, one-hot, multi-output regression):
 * - area m² ~ 30 + Gamma-ish (35–250), rooms ≈ area/25 ± 1 (1–8), age years U(0, 80),
 *   distance km to the centre (0.5–30);
 * - neighborhood ∈ {center, suburb, rural} (set by distance: < 5, < 15, else), type ∈
 *   {apartment, house, townhouse}, garden ∈ {yes, no};
 * - price (k€) = 1.8·area·(1.35 center / 1.0 suburb / 0.7 rural)·(1 − 0.003·age)
 *   + 12·rooms − 1.2·distance + (type: house +25, townhouse +10) + (garden +15), × (1 + noise·N(0,1));
 * - rent (€/month) = 0.0042·price·1000 + 2·area, × (1 + noise·N(0,1)) (correlated with price).
 * `noise` defaults to 0.08.
 */
export function housePrices(opts: GeneratorOptions = {}): HousePrices {
  const { n, rng } = setup(opts, 'housePrices', 500);
  const noise = opts.noise ?? 0.08;
  const cols = {
    area: new Float64Array(n),
    rooms: new Float64Array(n),
    age: new Float64Array(n),
    distance: new Float64Array(n),
    neighborhood: [] as string[],
    type: [] as string[],
    garden: [] as string[],
    price: new Float64Array(n),
    rent: new Float64Array(n),
  };
  const types = ['apartment', 'house', 'townhouse'];
  for (let i = 0; i < n; i++) {
    const distance = Math.round((0.5 + 29.5 * rng.uniform() ** 1.5) * 10) / 10;
    const hood = distance < 5 ? 'center' : distance < 15 ? 'suburb' : 'rural';
    const type = types[rng.int(0, hood === 'center' ? 2 : 3) === 0 ? 0 : rng.int(1, 3)]!;
    const base = type === 'apartment' ? 45 : 95;
    const area = Math.round(Math.min(250, Math.max(30, base + 30 * rng.normal() * (type === 'apartment' ? 0.7 : 1))));
    const rooms = Math.min(8, Math.max(1, Math.round(area / 25 + rng.normal() * 0.6)));
    const age = Math.round(80 * rng.uniform());
    const garden = type === 'apartment' ? (rng.uniform() < 0.1 ? 'yes' : 'no') : rng.uniform() < 0.7 ? 'yes' : 'no';
    const hoodFactor = hood === 'center' ? 1.35 : hood === 'suburb' ? 1.0 : 0.7;
    let price =
      1.8 * area * hoodFactor * (1 - 0.003 * age) +
      12 * rooms -
      1.2 * distance +
      (type === 'house' ? 25 : type === 'townhouse' ? 10 : 0) +
      (garden === 'yes' ? 15 : 0);
    price = Math.max(20, price * (1 + noise * rng.normal()));
    const rent = Math.max(150, (0.0042 * price * 1000 + 2 * area) * (1 + noise * rng.normal()));
    cols.area[i] = area;
    cols.rooms[i] = rooms;
    cols.age[i] = age;
    cols.distance[i] = distance;
    cols.neighborhood.push(hood);
    cols.type.push(type);
    cols.garden.push(garden);
    cols.price[i] = Math.round(price * 10) / 10;
    cols.rent[i] = Math.round(rent);
  }
  return {
    table: cols,
    numeric: ['area', 'rooms', 'age', 'distance'],
    categorical: ['neighborhood', 'type', 'garden'],
    targets: ['price', 'rent'],
  };
}
