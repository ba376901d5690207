/**
 * Datasets: indexable collections of samples (PyTorch's `torch.utils.data.Dataset` family).
 *
 * A map-style dataset has `length` and `getItem(i)`. It may also offer `getBatch(indices)`, a fast
 * path the `DataLoader` uses instead of fetching and stacking samples one by one (`TensorDataset`
 * gathers the rows of each tensor with one `indexSelect`). An iterable dataset yields samples in
 * order and has no random access.
 *
 * Isomorphic: no Node-only imports.
 */
import { IndexError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';

/** A map-style dataset: `length` samples reachable by index. `getItem` may return a Promise (use `for await`). */
export interface DatasetLike<T> {
  readonly length: number;
  /** The sample at `index` (0 ≤ index < length). */
  getItem(index: number): T;
  /** Optional fast path: the already-collated batch for these indices. */
  getBatch?(indices: Int32Array): unknown;
}

/**
 * Base class for map-style datasets (`torch.utils.data.Dataset`). Subclasses implement `length`
 * and `getItem(index)`.
 *
 * ```ts
 * class Squares extends Dataset<[number, number]> {
 *   get length() { return 10; }
 *   getItem(i: number): [number, number] { return [i, i * i]; }
 * }
 * ```
 */
export abstract class Dataset<T> implements DatasetLike<T> {
  abstract get length(): number;
  /** The sample at `index`. Implementations throw an `IndexError` for an index outside [0, length). */
  abstract getItem(index: number): T;
  /** Number of samples (PyTorch's `len(ds)`). */
  len(): number {
    return this.length;
  }
  /** Iterate over all samples in index order. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.getItem(i);
  }
}

/**
 * Base class for iterable-style datasets (`torch.utils.data.IterableDataset`): a stream of samples
 * with no random access (lines of a huge file, a generator). Subclasses implement
 * `[Symbol.iterator]` and/or `[Symbol.asyncIterator]`. A DataLoader batches consecutive samples;
 * it cannot shuffle them.
 */
export abstract class IterableDataset<T> {
  /** Yields the samples in order; implement this in a subclass (or use `IterableDataset.from`). */
  abstract [Symbol.iterator](): Iterator<T>;
  /** Async iteration over the same samples as `[Symbol.iterator]` (lets `for await` and the DataLoader treat every dataset alike). */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (const x of this as Iterable<T>) yield x;
  }
}

/** An IterableDataset over an iterable factory, e.g. `new FunctionIterableDataset(() => gen())` (called once per epoch). */
export class FunctionIterableDataset<T> extends IterableDataset<T> {
  constructor(private readonly factory: () => Iterable<T>) {
    super();
  }
  /** A fresh iterator from the factory function on each call, so the dataset can be iterated once per epoch. */
  [Symbol.iterator](): Iterator<T> {
    return this.factory()[Symbol.iterator]();
  }
}

/**
 * A ValueError naming `who` unless `ds` is a map-style dataset (`length` and `getItem`) — or, with
 * `iterableOk`, an IterableDataset. A bare Tensor gets a hint to wrap it in a TensorDataset.
 */
export function checkDataset(ds: unknown, who: string, iterableOk = false): void {
  if (iterableOk && ds instanceof IterableDataset) return;
  const d = ds as Partial<DatasetLike<unknown>> | null;
  if (d !== null && typeof d === 'object' && typeof d.getItem === 'function' && Number.isInteger(d.length) && d.length! >= 0) return;
  const got =
    ds instanceof Tensor
      ? `a Tensor ${fmtShape(ds.shape)}; wrap it, e.g. new TensorDataset(x, y)`
      : ds === null
        ? 'null'
        : Array.isArray(ds)
          ? 'an array'
          : typeof ds;
  throw new ValueError(
    `${who}: expected a dataset (an object with length and getItem(i), e.g. a TensorDataset${iterableOk ? ', or an IterableDataset' : ''}), got ${got}`,
  );
}

import { checkOptionKeys } from '../core/options.js';
export { checkOptionKeys };

/** Check `index` against `length`; negative indices count from the end, as in Python. */
export function checkIndex(index: number, length: number, who: string): number {
  if (!Number.isInteger(index)) throw new IndexError(`${who}: index must be an integer, got ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new IndexError(`${who}: index ${index} is out of range for a dataset of ${length} samples`);
  return i;
}

function indexTensor(indices: Int32Array): Tensor {
  return new Tensor(indices, [indices.length], 'int32');
}

/**
 * A dataset wrapping tensors that share their first dimension (`torch.utils.data.TensorDataset`).
 * Sample `i` is `[t0[i], t1[i], …]`. Batches are gathered with one `indexSelect` per tensor.
 *
 * ```ts
 * const ds = new TensorDataset(x, y); // x: [N, F], y: [N]
 * const [xi, yi] = ds.getItem(0);      // xi: [F], yi: []
 * ```
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new ValueError('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor))
        throw new ValueError(
          `TensorDataset: every argument must be a Tensor, argument ${i} is ${t === null ? 'null' : Array.isArray(t) ? 'an array' : typeof t}`,
        );
    });
    const n = tensors[0]!.shape[0];
    for (const t of tensors) {
      if (t.ndim === 0 || t.shape[0] !== n)
        throw new ShapeError(
          `TensorDataset: size mismatch between tensors: ${tensors.map((u) => fmtShape(u.shape)).join(', ')}; all must have the same size in dimension 0`,
        );
    }
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }
  /**
   * Sample `index`: one row of each tensor, e.g. `[x_i, y_i]`.
   * @throws IndexError if `index` is out of range.
   */
  getItem(index: number): Tensor[] {
    const i = checkIndex(index, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i));
  }
  /**
   * The rows at `indices` of every tensor. A contiguous tensor outside autograd is gathered by
   * copying whole rows (`TypedArray.set`, a memcpy per row); otherwise one `indexSelect`.
   */
  getBatch(indices: Int32Array): Tensor[] {
    let idx: Tensor | null = null;
    return this.tensors.map((t) => {
      if (t.requiresGrad || !t.isContiguous()) return t.indexSelect(0, (idx ??= indexTensor(indices)));
      const n = t.shape[0]!;
      const row = t.shape.length === 1 ? 1 : t.numel() / n;
      const src = t.storage;
      const out = new (src.constructor as new (len: number) => typeof src)(indices.length * row);
      for (let k = 0; k < indices.length; k++) {
        const i = indices[k]!;
        if (!(i >= 0 && i < n)) throw new IndexError(`TensorDataset.getBatch: index ${i} is out of range for a dataset of ${n} samples`);
        const start = t.offset + i * row;
        if (row === 1) out[k] = src[start]!;
        else out.set(src.subarray(start, start + row) as never, k * row);
      }
      return new Tensor(out, [indices.length, ...t.shape.slice(1)], t.dtype);
    });
  }
}

/** A view of `dataset` at the given indices (`torch.utils.data.Subset`). */
export class Subset<T> extends Dataset<T> {
  readonly indices: Int32Array;
  constructor(
    readonly dataset: DatasetLike<T>,
    indices: ArrayLike<number>,
  ) {
    super();
    checkDataset(dataset, 'Subset');
    if (indices === null || typeof indices !== 'object' || !Number.isInteger(indices.length))
      throw new ValueError(`Subset: indices must be an array of sample indices, got ${indices === null ? 'null' : typeof indices}`);
    const n = dataset.length;
    this.indices = Int32Array.from(indices as ArrayLike<number>);
    for (let k = 0; k < this.indices.length; k++) {
      const v = (indices as ArrayLike<number>)[k]!;
      if (!Number.isInteger(v) || v < 0 || v >= n)
        throw new IndexError(`Subset: index ${v} at position ${k} is out of range for a dataset of ${n} samples`);
    }
  }
  get length(): number {
    return this.indices.length;
  }
  /**
   * The sample at position `index` of this subset (index `indices[index]` of the underlying dataset).
   * @throws IndexError if `index` is out of range.
   */
  getItem(index: number): T {
    return this.dataset.getItem(this.indices[checkIndex(index, this.length, 'Subset')]!);
  }
  /** The fast batch path of the underlying dataset, mapped through this subset's indices; undefined when the underlying dataset has none. */
  get getBatch(): ((indices: Int32Array) => unknown) | undefined {
    const inner = this.dataset.getBatch?.bind(this.dataset);
    if (!inner) return undefined;
    return (indices: Int32Array) => {
      const mapped = new Int32Array(indices.length);
      for (let k = 0; k < indices.length; k++) mapped[k] = this.indices[indices[k]!]!;
      return inner(mapped);
    };
  }
}

/** Several datasets one after another (`torch.utils.data.ConcatDataset`). */
export class ConcatDataset<T> extends Dataset<T> {
  readonly datasets: readonly DatasetLike<T>[];
  /** Cumulative sizes: `cumulativeSizes[k]` = samples in datasets 0..k. */
  readonly cumulativeSizes: readonly number[];
  constructor(datasets: readonly DatasetLike<T>[]) {
    super();
    if (!Array.isArray(datasets) || datasets.length === 0) throw new ValueError('ConcatDataset: expected a non-empty list of datasets');
    datasets.forEach((d, i) => checkDataset(d, `ConcatDataset: datasets[${i}]`));
    this.datasets = datasets.slice();
    let acc = 0;
    this.cumulativeSizes = datasets.map((d) => (acc += d.length));
  }
  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }
  /**
   * Sample `index` of the concatenation: found in the dataset whose range holds it.
   * @throws IndexError if `index` is out of range.
   */
  getItem(index: number): T {
    const i = checkIndex(index, this.length, 'ConcatDataset');
    // binary search for the first cumulative size > i
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid]! > i) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1]!;
    return this.datasets[lo]!.getItem(i - start);
  }
}
