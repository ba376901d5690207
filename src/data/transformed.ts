/**
 * PyTorch's `transform` / `target_transform` for datasets of `[input, target]` samples: a dataset
 * whose `getItem(i)` is `[transform(x), targetTransform(y)]` for the wrapped dataset's `[x, y]`.
 * The bundled datasets (`datasets.mnist`, `datasets.fashionMnist`) take these options and return
 * datasets of this kind. A transform that returns a Promise makes `getItem` return one (iterate the
 * loader with `for await`).
 */
import { ValueError } from '../core/errors.js';
import { Dataset, checkDataset, type DatasetLike } from './dataset.js';

/** Options of `TransformedDataset` (PyTorch's `transform` / `target_transform`); unknown keys throw a `ValueError`. */
export interface TransformOptions<X, Y, TX, TY> {
  /** Applied to each sample's input (e.g. `transforms.normalize(0.1307, 0.3081)`). */
  transform?: ((x: X) => TX) | null;
  /** Applied to each sample's target (e.g. a one-hot encoding). */
  targetTransform?: ((y: Y) => TY) | null;
}

export class TransformedDataset<X, Y, TX = X, TY = Y> extends Dataset<[TX, TY] | Promise<[TX, TY]>> {
  readonly dataset: DatasetLike<readonly [X, Y] | readonly unknown[]>;
  /** Applied to each sample's input, or null for none. */
  readonly transform: ((x: X) => TX) | null;
  /** Applied to each sample's target, or null for none. */
  readonly targetTransform: ((y: Y) => TY) | null;

  constructor(dataset: DatasetLike<readonly [X, Y] | readonly unknown[]>, opts: TransformOptions<X, Y, TX, TY> = {}) {
    super();
    checkDataset(dataset, 'TransformedDataset');
    for (const k of ['transform', 'targetTransform'] as const) {
      const f = opts[k];
      if (f !== undefined && f !== null && typeof f !== 'function')
        throw new ValueError(`TransformedDataset: ${k} must be a function, got ${typeof f}`);
    }
    this.dataset = dataset;
    this.transform = opts.transform ?? null;
    this.targetTransform = opts.targetTransform ?? null;
  }

  get length(): number {
    return this.dataset.length;
  }

  /** Sample `index` of the underlying dataset, with `transform` applied to its input and `targetTransform` to its target (a promise when the underlying sample is async). */
  getItem(index: number): [TX, TY] | Promise<[TX, TY]> {
    const sample = this.dataset.getItem(index);
    const apply = (s: readonly unknown[]): [TX, TY] | Promise<[TX, TY]> => {
      if (!Array.isArray(s) || s.length < 2)
        throw new ValueError('TransformedDataset: the wrapped dataset must yield [input, target] samples');
      const x = this.transform ? this.transform(s[0] as X) : (s[0] as TX);
      const y = this.targetTransform ? this.targetTransform(s[1] as Y) : (s[1] as TY);
      if (x instanceof Promise || y instanceof Promise) return Promise.all([x, y]) as Promise<[TX, TY]>;
      return [x, y];
    };
    return sample instanceof Promise ? sample.then(apply) : apply(sample as readonly unknown[]);
  }
}
