/**
 * DataLoader: batches, shuffling with a seeded Rng, and a resumable order
 * (PyTorch's `torch.utils.data.DataLoader`, plus `stateDict()` as in torchdata's StatefulDataLoader).
 *
 * Isomorphic: no Node-only imports.
 */
import { StateError, ValueError, fmtShape, ShapeError } from '../core/errors.js';
import { Rng, defaultRng, type RngState } from '../core/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { stack } from '../tensor/functional.js';
import { IterableDataset, checkDataset, checkOptionKeys, type DatasetLike } from './dataset.js';

/** Turns a list of samples into one batch (PyTorch's `collate_fn`); the default stacks tensors along a new dim 0. */
export type CollateFn<T, B> = (samples: T[]) => B;

/** Options of `new DataLoader(dataset, opts)`; unknown keys throw a `ValueError`. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** The generator that draws each epoch's permutation. The loader advances it; give it its own. */
  rng?: Rng;
  /** Shorthand for `rng: new Rng(seed)`. Without `rng` or `seed`, a seed is drawn from the default Rng. */
  seed?: number;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Turn a list of samples into a batch (default: `defaultCollate`). */
  collate?: CollateFn<T, B>;
}

/** What `DataLoader.stateDict()` returns: enough to replay the current epoch's order and position. */
export interface DataLoaderState {
  /** Epochs started so far (the epoch in progress included). */
  epoch: number;
  /** Batches already yielded in the epoch in progress (0 between epochs). */
  position: number;
  /** The Rng state from which the current (or next) epoch's permutation is drawn. */
  rngState: RngState | null;
  /** Whether an epoch was in progress when the state was taken. */
  inProgress: boolean;
}

/**
 * Stack a list of samples into a batch (PyTorch's `default_collate`):
 * tensors → `stack` along a new dim 0; numbers → a 1-D tensor (int32 when all are integers, else
 * float32); booleans → bool; arrays/tuples and plain objects → collated element-wise.
 */
export function defaultCollate(samples: readonly unknown[]): unknown {
  if (samples.length === 0) throw new ValueError('defaultCollate: cannot collate an empty batch');
  const first = samples[0];
  if (first instanceof Tensor) {
    for (const s of samples)
      if (!(s instanceof Tensor) || s.shape.length !== first.shape.length || s.shape.some((d, i) => d !== first.shape[i]))
        throw new ShapeError(
          `defaultCollate: samples must all be tensors of the same shape; got ${fmtShape(first.shape)} and ${s instanceof Tensor ? fmtShape(s.shape) : typeof s}`,
        );
    return stack(samples as Tensor[], 0);
  }
  if (typeof first === 'number') {
    const vals = samples as number[];
    if (vals.some((v) => typeof v !== 'number')) throw new ValueError('defaultCollate: mixed sample types (number and non-number)');
    const ints = vals.every((v) => Number.isInteger(v) && Math.abs(v) < 2 ** 31);
    return ints ? new Tensor(Int32Array.from(vals), [vals.length], 'int32') : new Tensor(Float32Array.from(vals), [vals.length], 'float32');
  }
  if (typeof first === 'boolean')
    return new Tensor(
      Uint8Array.from(samples as boolean[], (b) => (b ? 1 : 0)),
      [samples.length],
      'bool',
    );
  if (Array.isArray(first)) {
    const n = first.length;
    for (const s of samples)
      if (!Array.isArray(s) || s.length !== n) throw new ValueError(`defaultCollate: each sample should be a list of ${n} elements`);
    return first.map((_, k) => defaultCollate(samples.map((s) => (s as unknown[])[k])));
  }
  if (first !== null && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(samples.map((s) => (s as Record<string, unknown>)[key]));
    return out;
  }
  // strings and anything else: a plain list
  return samples.slice();
}

/**
 * Iterate over a dataset in batches.
 *
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for (const [xb, yb] of loader) { ... }        // one epoch; x: [N, F] → xb: [64, F]
 * for await (const [xb, yb] of loader) { ... }  // same, awaiting async datasets
 * const state = loader.stateDict();             // save mid-epoch; loadStateDict(state) resumes
 * ```
 *
 * Each `for` over the loader is one epoch. With `shuffle`, the epoch's order is a permutation drawn
 * from the loader's `rng` at the epoch's start, so the same seed gives the same order in every
 * epoch sequence. `stateDict()` records the rng state that drew the current epoch and how many
 * batches were yielded; a loader given that state with `loadStateDict()` yields exactly the
 * remaining batches of that epoch, then later epochs identical to an uninterrupted run.
 *
 * Batches of a `TensorDataset` (or a `Subset` of one) under the default collate are gathered
 * directly with `indexSelect`, not stacked sample by sample.
 */
export class DataLoader<T = unknown, B = T extends readonly Tensor[] ? Tensor[] : unknown> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: DatasetLike<T> | IterableDataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly rng: Rng | null;
  private readonly collate: CollateFn<T, B> | null;
  private epoch = 0;
  private position = 0;
  private inProgress = false;
  private epochRngState: RngState | null = null;
  private resumeAt = 0;
  private generation = 0;

  constructor(dataset: DatasetLike<T> | IterableDataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    checkOptionKeys('DataLoader', opts, { batchSize: true, shuffle: true, rng: true, seed: true, dropLast: true, collate: true });
    const batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ValueError(`DataLoader: batchSize should be a positive integer, got ${batchSize}`);
    checkDataset(dataset, 'DataLoader', true);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.collate = opts.collate ?? null;
    if (dataset instanceof IterableDataset && this.shuffle)
      throw new ValueError(
        'DataLoader: shuffle=true is not supported for an IterableDataset (it has no random access); shuffle the stream yourself',
      );
    if (opts.rng && opts.seed !== undefined) throw new ValueError('DataLoader: pass either rng or seed, not both');
    this.rng = opts.rng ?? (this.shuffle || opts.seed !== undefined ? new Rng(opts.seed ?? defaultRng().nextU32()) : null);
  }

  private get mapStyle(): DatasetLike<T> | null {
    return this.dataset instanceof IterableDataset ? null : (this.dataset as DatasetLike<T>);
  }

  /** Number of batches per epoch (PyTorch's `len(loader)`). Throws for an IterableDataset. */
  get length(): number {
    const ds = this.mapStyle;
    if (!ds) throw new ValueError('DataLoader: an IterableDataset has no length');
    return this.dropLast ? Math.floor(ds.length / this.batchSize) : Math.ceil(ds.length / this.batchSize);
  }
  /**
   * PyTorch's `len(loader)`: the number of batches per epoch (same as `length`).
   * @throws ValueError for an IterableDataset, which has no length.
   */
  len(): number {
    return this.length;
  }

  /**
   * The first batch of a new epoch — PyTorch's `next(iter(loader))`, e.g. to look at one batch's
   * shapes. Like that idiom it draws a shuffle order (the loader's rng advances) and then abandons
   * the epoch. A dataset whose `getItem` returns Promises needs `firstAsync()`.
   */
  first(): B {
    const it = this[Symbol.iterator]();
    try {
      const r = it.next();
      if (r.done)
        throw new ValueError(
          'DataLoader.first: the loader yields no batches (empty dataset, or dropLast with fewer samples than batchSize)',
        );
      return r.value;
    } finally {
      this.abandonEpoch();
    }
  }

  /** `first()` for async datasets: `const [x, y] = await loader.firstAsync()`. */
  async firstAsync(): Promise<B> {
    const it = this[Symbol.asyncIterator]();
    try {
      const r = await it.next();
      if (r.done)
        throw new ValueError(
          'DataLoader.firstAsync: the loader yields no batches (empty dataset, or dropLast with fewer samples than batchSize)',
        );
      return r.value;
    } finally {
      this.abandonEpoch();
    }
  }

  private abandonEpoch(): void {
    this.generation++;
    this.inProgress = false;
    this.position = 0;
  }

  /** Snapshot of the order and position; pass it to `loadStateDict` (JSON-serialisable). */
  stateDict(): DataLoaderState {
    if (this.inProgress) return { epoch: this.epoch, position: this.position, rngState: clone(this.epochRngState), inProgress: true };
    if (this.resumeAt > 0) return { epoch: this.epoch, position: this.resumeAt, rngState: clone(this.epochRngState), inProgress: true };
    return { epoch: this.epoch, position: 0, rngState: this.rng ? this.rng.getState() : null, inProgress: false };
  }

  /** Restore a `stateDict()`: the next iteration yields the remaining batches of the saved epoch. */
  loadStateDict(state: DataLoaderState): void {
    if (!state || typeof state !== 'object') throw new ValueError('DataLoader.loadStateDict: expected an object from stateDict()');
    const { epoch, position, rngState, inProgress } = state;
    if (!Number.isInteger(epoch) || epoch < 0) throw new ValueError(`DataLoader.loadStateDict: bad epoch ${epoch}`);
    if (!Number.isInteger(position) || position < 0) throw new ValueError(`DataLoader.loadStateDict: bad position ${position}`);
    if (this.rng && rngState) this.rng.setState(rngState);
    else if (this.rng && !rngState) throw new ValueError('DataLoader.loadStateDict: the state has no rngState but this loader shuffles');
    this.generation++; // invalidate running iterators
    this.inProgress = false;
    if (inProgress) {
      this.epoch = epoch - 1;
      this.resumeAt = position;
      this.epochRngState = clone(rngState);
    } else {
      this.epoch = epoch;
      this.resumeAt = 0;
    }
    this.position = 0;
  }

  /** Begin an epoch: draw the order (or reuse the saved one), return indices and the first batch. */
  private beginEpoch(): { order: Int32Array | null; start: number; gen: number } {
    const start = this.resumeAt;
    this.resumeAt = 0;
    this.epoch++;
    this.generation++;
    this.inProgress = true;
    this.position = start;
    this.epochRngState = this.rng ? this.rng.getState() : null;
    const ds = this.mapStyle;
    let order: Int32Array | null = null;
    if (ds) order = this.shuffle ? Int32Array.from(this.rng!.permutation(ds.length)) : Int32Array.from({ length: ds.length }, (_, i) => i);
    return { order, start, gen: this.generation };
  }

  private fetchSync(indices: Int32Array): B {
    const ds = this.mapStyle!;
    if (!this.collate && typeof ds.getBatch === 'function') return ds.getBatch(indices) as B;
    const samples: T[] = [];
    for (const i of indices) {
      const s = ds.getItem(i);
      if (s instanceof Promise)
        throw new StateError('DataLoader: the dataset returned a Promise; iterate with `for await (const b of loader)`');
      samples.push(s);
    }
    return this.collateSamples(samples);
  }

  private collateSamples(samples: T[]): B {
    return this.collate ? this.collate(samples) : (defaultCollate(samples) as B);
  }

  private batchIndices(order: Int32Array, b: number): Int32Array {
    return order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
  }

  private checkGeneration(gen: number): void {
    if (gen !== this.generation)
      throw new StateError(
        'DataLoader: another iteration started (or loadStateDict was called) while this one was running; one epoch at a time',
      );
  }

  /**
   * One epoch of batches, synchronously (a new shuffled order each epoch when `shuffle`).
   * @throws ValueError if the dataset's samples are async (use `for await`).
   */
  *[Symbol.iterator](): Iterator<B> {
    const { order, start, gen } = this.beginEpoch();
    if (!order) {
      yield* this.iterStream(start, gen);
      return;
    }
    const nb = this.length;
    for (let b = start; b < nb; b++) {
      const batch = this.fetchSync(this.batchIndices(order, b));
      this.checkGeneration(gen);
      this.position = b + 1;
      yield batch;
      this.checkGeneration(gen);
    }
    this.inProgress = false;
    this.position = 0;
  }

  private *iterStream(skip: number, gen: number): Generator<B> {
    const it = (this.dataset as IterableDataset<T>)[Symbol.iterator]();
    const batcher = new StreamBatcher<T>(this.batchSize, this.dropLast, skip);
    for (let r = it.next(), s: T[] | null; ; r = it.next()) {
      if ((s = r.done ? batcher.end() : batcher.push(r.value))) {
        this.position = batcher.count;
        yield this.collateSamples(s);
        this.checkGeneration(gen);
      }
      if (r.done) break;
    }
    this.inProgress = false;
    this.position = 0;
  }

  /** One epoch of batches, awaiting async datasets (e.g. an ImageFolderDataset or CsvStreamDataset). */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const { order, start, gen } = this.beginEpoch();
    if (!order) {
      const it = (this.dataset as IterableDataset<T>)[Symbol.asyncIterator]();
      const batcher = new StreamBatcher<T>(this.batchSize, this.dropLast, start);
      for (let r = await it.next(), s: T[] | null; ; r = await it.next()) {
        if ((s = r.done ? batcher.end() : batcher.push(r.value))) {
          this.position = batcher.count;
          yield this.collateSamples(s);
          this.checkGeneration(gen);
        }
        if (r.done) break;
      }
    } else {
      const ds = this.mapStyle!;
      const nb = this.length;
      for (let b = start; b < nb; b++) {
        const idx = this.batchIndices(order, b);
        let batch: B;
        if (!this.collate && typeof ds.getBatch === 'function') batch = (await ds.getBatch(idx)) as B;
        else {
          const samples = await Promise.all(Array.from(idx, (i) => ds.getItem(i)));
          batch = this.collateSamples(samples as T[]);
        }
        this.checkGeneration(gen);
        this.position = b + 1;
        yield batch;
        this.checkGeneration(gen);
      }
    }
    this.inProgress = false;
    this.position = 0;
  }
}

/**
 * Groups a stream of samples into batches of `size` (the last one partial unless `dropLast`), and
 * swallows the first `skip` batches, which a resumed epoch has already yielded.
 */
class StreamBatcher<T> {
  private buf: T[] = [];
  /** Batches completed so far, skipped ones included (the loader's position after yielding one). */
  count = 0;
  constructor(
    private readonly size: number,
    private readonly dropLast: boolean,
    private readonly skip: number,
  ) {}
  /** Add a sample; a full batch to yield, or null. */
  push(sample: T): T[] | null {
    this.buf.push(sample);
    return this.buf.length === this.size ? this.take() : null;
  }
  /** End of the stream: the last partial batch to yield, or null. */
  end(): T[] | null {
    return this.buf.length > 0 && !this.dropLast ? this.take() : null;
  }
  private take(): T[] | null {
    const batch = this.buf;
    this.buf = [];
    return this.count++ < this.skip ? null : batch;
  }
}

function clone<S>(s: S): S {
  return s === null || s === undefined ? s : (JSON.parse(JSON.stringify(s)) as S);
}
