/**
 * Splitting datasets: `randomSplit` (PyTorch's `random_split`) and `trainValTestSplit` (fractions or
 * counts, optional stratification by label). Seeded; isomorphic.
 */
import { ShapeError, ValueError } from '../core/errors.js';
import { Rng, defaultRng } from '../core/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { Subset, TensorDataset, checkDataset, checkOptionKeys, type DatasetLike } from './dataset.js';

/** Options of `randomSplit`; unknown keys throw a `ValueError`. */
export interface SplitOptions {
  /** Generator for the shuffle (default: a child of the default Rng). */
  rng?: Rng;
  /** Shorthand for `rng: new Rng(seed)`. */
  seed?: number;
}

function pickRng(opts: SplitOptions, who: string): Rng {
  if (opts.rng && opts.seed !== undefined) throw new ValueError(`${who}: pass either rng or seed, not both`);
  return opts.rng ?? (opts.seed !== undefined ? new Rng(opts.seed) : defaultRng());
}

/**
 * Turn fractions (summing to 1) or counts (summing to n) into counts summing to n. Fractions are
 * floored and the remainder is handed out one by one from the first split on, as PyTorch does.
 */
export function splitCounts(n: number, lengths: readonly number[], who = 'randomSplit'): number[] {
  if (lengths.length === 0) throw new ValueError(`${who}: expected at least one length`);
  for (const l of lengths)
    if (!(l >= 0) || !Number.isFinite(l))
      throw new ValueError(`${who}: lengths must be non-negative numbers, got ${JSON.stringify(lengths)}`);
  const total = lengths.reduce((a, b) => a + b, 0);
  const allInts = lengths.every((l) => Number.isInteger(l));
  if (allInts && total === n) return lengths.slice();
  if (Math.abs(total - 1) <= 1e-9 && lengths.every((l) => l <= 1)) {
    const counts = lengths.map((f) => Math.floor(n * f));
    let rem = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rem > 0; i = (i + 1) % counts.length, rem--) counts[i]!++;
    return counts;
  }
  throw new ValueError(
    `${who}: lengths ${JSON.stringify(lengths)} must be counts summing to the dataset size ${n} or fractions summing to 1 (they sum to ${total})`,
  );
}

/**
 * Randomly split a dataset into non-overlapping subsets of the given lengths (counts or fractions).
 *
 * ```ts
 * const [train, val] = randomSplit(ds, [0.8, 0.2], { seed: 42 });
 * ```
 */
export function randomSplit<T>(dataset: DatasetLike<T>, lengths: readonly number[], opts: SplitOptions = {}): Subset<T>[] {
  checkDataset(dataset, 'randomSplit');
  if (!Array.isArray(lengths))
    throw new ValueError(
      `randomSplit: lengths must be an array of counts or fractions, e.g. [0.8, 0.2], got ${lengths === null ? 'null' : typeof lengths}`,
    );
  checkOptionKeys('randomSplit', opts, { rng: true, seed: true });
  const rng = pickRng(opts, 'randomSplit');
  const counts = splitCounts(dataset.length, lengths);
  const perm = rng.permutation(dataset.length);
  const out: Subset<T>[] = [];
  let off = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.slice(off, off + c)));
    off += c;
  }
  return out;
}

/** Options of `trainValTestSplit`; unknown keys throw a `ValueError`. */
export interface TrainValTestOptions extends SplitOptions {
  /** Validation share: a fraction in [0, 1) or a count (default 0.1). */
  val?: number;
  /** Test share: a fraction in [0, 1) or a count (default 0.1). */
  test?: number;
  /**
   * Stratify by these labels (one per sample) so every split keeps the class proportions;
   * `true` uses the last tensor of a TensorDataset.
   */
  stratify?: Tensor | ArrayLike<number | string> | boolean;
}

/** The three subsets `trainValTestSplit` returns (disjoint, together the whole dataset). */
export interface TrainValTest<T> {
  train: Subset<T>;
  val: Subset<T>;
  test: Subset<T>;
}

function shareToCount(share: number, n: number, name: string): number {
  if (!(share >= 0) || !Number.isFinite(share))
    throw new ValueError(`trainValTestSplit: ${name} must be a non-negative fraction or count, got ${share}`);
  if (share < 1) return Math.round(share * n);
  if (!Number.isInteger(share))
    throw new ValueError(`trainValTestSplit: ${name}=${share} is neither a fraction below 1 nor an integer count`);
  return share;
}

function labelsOf<T>(dataset: DatasetLike<T>, stratify: TrainValTestOptions['stratify']): (number | string)[] | null {
  if (stratify === undefined || stratify === false) return null;
  let labels: ArrayLike<number | string>;
  if (stratify === true) {
    if (!(dataset instanceof TensorDataset))
      throw new ValueError(
        'trainValTestSplit: stratify=true needs a TensorDataset (its last tensor holds the labels); pass the labels instead',
      );
    const y = dataset.tensors[dataset.tensors.length - 1]!;
    if (y.ndim !== 1)
      throw new ShapeError(`trainValTestSplit: stratify labels must be 1-D, the last tensor has shape [${y.shape.join(',')}]`);
    labels = y.dataSync();
  } else if (stratify instanceof Tensor) {
    if (stratify.ndim !== 1)
      throw new ShapeError(`trainValTestSplit: stratify labels must be 1-D, got shape [${stratify.shape.join(',')}]`);
    labels = stratify.dataSync();
  } else labels = stratify;
  if (labels.length !== dataset.length)
    throw new ShapeError(`trainValTestSplit: ${labels.length} stratify labels for a dataset of ${dataset.length} samples`);
  return Array.from(labels);
}

/**
 * Split into train / validation / test subsets. `val` and `test` are fractions (of the whole) or
 * counts; train gets the rest. With `stratify`, each class is split in the same proportions: the
 * split totals are exact and each class's count per split is within one of its proportional share
 * (largest-remainder allocation).
 *
 * ```ts
 * const { train, val, test } = trainValTestSplit(ds, { val: 0.15, test: 0.15, stratify: true, seed: 0 });
 * ```
 */
export function trainValTestSplit<T>(dataset: DatasetLike<T>, opts: TrainValTestOptions = {}): TrainValTest<T> {
  checkDataset(dataset, 'trainValTestSplit');
  checkOptionKeys('trainValTestSplit', opts, { rng: true, seed: true, val: true, test: true, stratify: true });
  const rng = pickRng(opts, 'trainValTestSplit');
  const n = dataset.length;
  const nVal = shareToCount(opts.val ?? 0.1, n, 'val');
  const nTest = shareToCount(opts.test ?? 0.1, n, 'test');
  if (nVal + nTest > n) throw new ValueError(`trainValTestSplit: val (${nVal}) + test (${nTest}) exceed the dataset size ${n}`);
  const labels = labelsOf(dataset, opts.stratify);
  if (!labels) {
    const perm = rng.permutation(n);
    return {
      val: new Subset(dataset, perm.slice(0, nVal)),
      test: new Subset(dataset, perm.slice(nVal, nVal + nTest)),
      train: new Subset(dataset, perm.slice(nVal + nTest)),
    };
  }
  // group indices by class, in first-seen order of sorted class keys (stable)
  const groups = new Map<number | string, number[]>();
  labels.forEach((l, i) => {
    const g = groups.get(l);
    if (g) g.push(i);
    else groups.set(l, [i]);
  });
  const keys = [...groups.keys()].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
  const members = keys.map((k) => rng.shuffle(groups.get(k)!));
  const sizes = members.map((m) => m.length);
  const used = sizes.map(() => 0);
  const alloc = (total: number): number[] => {
    const ideal = sizes.map((s) => (s * total) / n);
    const counts = ideal.map((q, c) => Math.min(Math.floor(q), sizes[c]! - used[c]!));
    let rem = total - counts.reduce((a, b) => a + b, 0);
    const order = ideal.map((q, c) => c).sort((a, b) => ideal[b]! - Math.floor(ideal[b]!) - (ideal[a]! - Math.floor(ideal[a]!)) || a - b);
    while (rem > 0) {
      let progressed = false;
      for (const c of order) {
        if (rem === 0) break;
        if (used[c]! + counts[c]! < sizes[c]!) {
          counts[c]!++;
          rem--;
          progressed = true;
        }
      }
      if (!progressed) break;
    }
    counts.forEach((k, c) => (used[c]! += k));
    return counts;
  };
  const valCounts = alloc(nVal);
  const testCounts = alloc(nTest);
  const val: number[] = [];
  const test: number[] = [];
  const train: number[] = [];
  members.forEach((m, c) => {
    val.push(...m.slice(0, valCounts[c]));
    test.push(...m.slice(valCounts[c], valCounts[c]! + testCounts[c]!));
    train.push(...m.slice(valCounts[c]! + testCounts[c]!));
  });
  return {
    train: new Subset(dataset, rng.shuffle(train)),
    val: new Subset(dataset, rng.shuffle(val)),
    test: new Subset(dataset, rng.shuffle(test)),
  };
}
