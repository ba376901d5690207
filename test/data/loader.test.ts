import { describe, expect, it } from 'vitest';
import { Rng, Tensor, arange, tensor, data, IndexError, ShapeError, ValueError, StateError } from '../../src/index.js';

const { DataLoader, TensorDataset, Subset, ConcatDataset, Dataset, IterableDataset, randomSplit, trainValTestSplit } = data;

function ds(n: number) {
  const x = arange(0, n * 3)
    .reshape([n, 3])
    .float();
  const y = arange(0, n).int();
  return new TensorDataset(x, y);
}
const firstCol = (b: Tensor[]) => b[1]!.toArray() as number[];
const epochOrder = (loader: Iterable<Tensor[]>) => [...loader].map(firstCol);

describe('datasets', () => {
  it('TensorDataset indexes rows and checks sizes', () => {
    const d = ds(5);
    expect(d.length).toBe(5);
    expect(d.len()).toBe(5);
    const [x, y] = d.getItem(2);
    expect(x!.toArray()).toEqual([6, 7, 8]);
    expect(y!.item()).toBe(2);
    expect(d.getItem(-1)[1]!.item()).toBe(4);
    expect(() => d.getItem(5)).toThrow(IndexError);
    expect(() => new TensorDataset(arange(0, 4), arange(0, 3))).toThrow(ShapeError);
    const [bx, by] = d.getBatch(Int32Array.from([4, 0]));
    expect(bx!.shape).toEqual([2, 3]);
    expect(by!.toArray()).toEqual([4, 0]);
  });
  it('Subset and ConcatDataset map indices', () => {
    const d = ds(6);
    const s = new Subset(d, [5, 1, 3]);
    expect(s.length).toBe(3);
    expect(s.getItem(0)[1]!.item()).toBe(5);
    expect((s.getBatch!(Int32Array.from([2, 1])) as Tensor[])[1]!.toArray()).toEqual([3, 1]);
    expect(() => new Subset(d, [6])).toThrow(IndexError);
    const c = new ConcatDataset([new Subset(d, [0, 1]), new Subset(d, [4]), d]);
    expect(c.length).toBe(9);
    expect([...Array(9).keys()].map((i) => c.getItem(i)[1]!.item())).toEqual([0, 1, 4, 0, 1, 2, 3, 4, 5]);
    expect(() => c.getItem(9)).toThrow(IndexError);
  });
});

describe('DataLoader', () => {
  it('batches in order with the right sizes and length', () => {
    const l = new DataLoader(ds(10), { batchSize: 4 });
    expect(l.length).toBe(3);
    const batches = [...l];
    expect(batches.map((b) => b[0]!.shape)).toEqual([
      [4, 3],
      [4, 3],
      [2, 3],
    ]);
    expect(firstCol(batches[2]!)).toEqual([8, 9]);
    const dl = new DataLoader(ds(10), { batchSize: 4, dropLast: true });
    expect(dl.length).toBe(2);
    expect([...dl].length).toBe(2);
  });
  it('same seed gives the same order, another seed a different one; epochs differ', () => {
    const a = new DataLoader(ds(50), { batchSize: 7, shuffle: true, seed: 3 });
    const b = new DataLoader(ds(50), { batchSize: 7, shuffle: true, seed: 3 });
    const c = new DataLoader(ds(50), { batchSize: 7, shuffle: true, seed: 4 });
    const a1 = epochOrder(a);
    expect(a1).toEqual(epochOrder(b));
    expect(a1).not.toEqual(epochOrder(c));
    const a2 = epochOrder(a);
    expect(a2).not.toEqual(a1);
    expect(a2).toEqual(epochOrder(b));
    // every sample once per epoch
    expect(a1.flat().sort((p, q) => p - q)).toEqual([...Array(50).keys()]);
  });
  it('resuming mid-epoch equals not stopping (and later epochs match)', () => {
    const ref = new DataLoader(ds(37), { batchSize: 5, shuffle: true, seed: 11 });
    const full = [epochOrder(ref), epochOrder(ref), epochOrder(ref)];
    for (const stopAt of [1, 3, 7, 8]) {
      const l = new DataLoader(ds(37), { batchSize: 5, shuffle: true, seed: 11 });
      epochOrder(l); // epoch 1 complete
      const seen: number[][] = [];
      for (const b of l) {
        seen.push(firstCol(b)); // "train" on the batch, then save
        if (seen.length === stopAt) break;
      }
      const state = JSON.parse(JSON.stringify(l.stateDict()));
      expect(state.inProgress).toBe(true);
      const resumed = new DataLoader(ds(37), { batchSize: 5, shuffle: true, seed: 999 });
      resumed.loadStateDict(state);
      const rest = epochOrder(resumed);
      expect([...seen, ...rest]).toEqual(full[1]);
      expect(epochOrder(resumed)).toEqual(full[2]);
    }
  });
  it('state between epochs resumes the next epoch identically', () => {
    const ref = new DataLoader(ds(20), { batchSize: 3, shuffle: true, seed: 5 });
    epochOrder(ref);
    const st = ref.stateDict();
    expect(st.inProgress).toBe(false);
    const next = epochOrder(ref);
    const other = new DataLoader(ds(20), { batchSize: 3, shuffle: true, seed: 6 });
    other.loadStateDict(st);
    expect(epochOrder(other)).toEqual(next);
  });
  it('async iteration resumes mid-epoch like sync iteration', async () => {
    const ref = [...new DataLoader(ds(23), { batchSize: 4, shuffle: true, seed: 7 })].map(firstCol);
    const l = new DataLoader(ds(23), { batchSize: 4, shuffle: true, seed: 7 });
    const seen: number[][] = [];
    for await (const b of l) {
      seen.push(firstCol(b));
      if (seen.length === 2) break;
    }
    const r = new DataLoader(ds(23), { batchSize: 4, shuffle: true, seed: 0 });
    r.loadStateDict(l.stateDict());
    for await (const b of r) seen.push(firstCol(b));
    expect(seen).toEqual(ref);
  });
  it('async iteration yields the same batches, also for async datasets', async () => {
    const l = new DataLoader(ds(9), { batchSize: 4, shuffle: true, seed: 1 });
    const l2 = new DataLoader(ds(9), { batchSize: 4, shuffle: true, seed: 1 });
    const got: number[][] = [];
    for await (const b of l) got.push(firstCol(b));
    expect(got).toEqual(epochOrder(l2));
    class Slow extends Dataset<Promise<[number, number]>> {
      get length() {
        return 5;
      }
      async getItem(i: number): Promise<[number, number]> {
        await new Promise((r) => setTimeout(r, 1));
        return [i, i * 0.5];
      }
    }
    const al = new DataLoader(new Slow(), { batchSize: 2 });
    const out: unknown[] = [];
    for await (const [a, b] of al as unknown as AsyncIterable<Tensor[]>) out.push([a!.dtype, a!.toArray(), b!.dtype, b!.toArray()]);
    expect(out[0]).toEqual(['int32', [0, 1], 'float32', [0, 0.5]]);
    expect(out.length).toBe(3);
    expect(() => [...al]).toThrow(StateError);
  });
  it('default collate stacks tensors, numbers and objects; custom collate is used', () => {
    class D extends Dataset<{ x: Tensor; y: number }> {
      get length() {
        return 4;
      }
      getItem(i: number) {
        return { x: tensor([i, -i]), y: i };
      }
    }
    const b = [...new DataLoader(new D(), { batchSize: 4 })][0] as unknown as { x: Tensor; y: Tensor };
    expect(b.x.shape).toEqual([4, 2]);
    expect(b.y.dtype).toBe('int32');
    const l = new DataLoader(ds(4), { batchSize: 2, collate: (s) => s.length });
    expect([...l]).toEqual([2, 2]);
  });
  it('TensorDataset batches gather rows directly (same values as stacking)', () => {
    const d = ds(8);
    const fast = [...new DataLoader(d, { batchSize: 3, shuffle: true, seed: 2 })];
    const slow = [...new DataLoader(d, { batchSize: 3, shuffle: true, seed: 2, collate: (s) => data.defaultCollate(s) as Tensor[] })];
    expect(fast.map((b) => b[0]!.toArray())).toEqual(slow.map((b) => b[0]!.toArray()));
  });
  it('Subsets of a TensorDataset batch through the fast path with the right rows', () => {
    const d = ds(30);
    const [train] = randomSplit(d, [20, 10], { seed: 4 });
    const fast = [...new DataLoader(train!, { batchSize: 6, shuffle: true, seed: 1 })];
    const slow = [...new DataLoader(train!, { batchSize: 6, shuffle: true, seed: 1, collate: (s) => data.defaultCollate(s) as Tensor[] })];
    expect(fast.map((b) => b[0]!.toArray())).toEqual(slow.map((b) => b[0]!.toArray()));
    expect(fast.flatMap(firstCol).sort((a, b) => a - b)).toEqual([...train!.indices].sort((a, b) => a - b));
    // a tensor that requires grad goes through indexSelect and keeps the graph
    const w = arange(0, 12).reshape([4, 3]).float().requiresGrad_();
    const [bw] = new TensorDataset(w).getBatch(Int32Array.from([2, 0]));
    bw!.sum().backward();
    expect(w.grad!.toArray()).toEqual([
      [1, 1, 1],
      [0, 0, 0],
      [1, 1, 1],
      [0, 0, 0],
    ]);
  });
  it('iterable datasets batch consecutive samples and cannot shuffle', () => {
    class Count extends IterableDataset<number> {
      *[Symbol.iterator]() {
        for (let i = 0; i < 7; i++) yield i;
      }
    }
    const l = new DataLoader(new Count(), { batchSize: 3 });
    expect([...l].map((b) => (b as Tensor).toArray())).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(() => new DataLoader(new Count(), { shuffle: true })).toThrow(ValueError);
    // resume an iterable loader after 1 batch: it skips what was already yielded
    const it1 = new DataLoader(new Count(), { batchSize: 3 });
    for (const _ of it1) break;
    const st = it1.stateDict();
    expect(st).toMatchObject({ position: 1, inProgress: true });
    const it2 = new DataLoader(new Count(), { batchSize: 3 });
    it2.loadStateDict(st);
    expect([...it2].map((b) => (b as Tensor).toArray())).toEqual([[3, 4, 5], [6]]);
    expect(() => it2.length).toThrow(ValueError);
    expect(() => new DataLoader(ds(3), { batchSize: 0 })).toThrow(ValueError);
  });
  it('iterable datasets: dropLast, async iteration and resume agree with sync iteration', async () => {
    const stream = (n: number) => new data.FunctionIterableDataset(() => Array.from({ length: n }, (_, i) => i));
    const sync = (l: data.DataLoader<number>) => [...l].map((b) => (b as Tensor).toArray());
    const asyncAll = async (l: data.DataLoader<number>) => {
      const out: unknown[] = [];
      for await (const b of l) out.push((b as Tensor).toArray());
      return out;
    };
    for (const dropLast of [false, true]) {
      const want = dropLast
        ? [
            [0, 1, 2],
            [3, 4, 5],
          ]
        : [
            [0, 1, 2],
            [3, 4, 5],
            [6, 7],
          ];
      expect(sync(new DataLoader(stream(8), { batchSize: 3, dropLast }))).toEqual(want);
      expect(await asyncAll(new DataLoader(stream(8), { batchSize: 3, dropLast }))).toEqual(want);
      // stop after the first batch (sync), resume asynchronously in a fresh loader: the rest follows
      const a = new DataLoader(stream(8), { batchSize: 3, dropLast });
      for (const _ of a) break;
      const b = new DataLoader(stream(8), { batchSize: 3, dropLast });
      b.loadStateDict(a.stateDict());
      expect(await asyncAll(b)).toEqual(want.slice(1));
      // a position past the last batch yields nothing, and the next epoch is whole again
      const c = new DataLoader(stream(8), { batchSize: 3, dropLast });
      c.loadStateDict({ epoch: 1, position: want.length, rngState: null, inProgress: true });
      expect(sync(c)).toEqual([]);
      expect(sync(c)).toEqual(want);
    }
    // an exact multiple of the batch size leaves no partial batch
    expect(sync(new DataLoader(stream(6), { batchSize: 3 }))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(await asyncAll(new DataLoader(stream(0), { batchSize: 3 }))).toEqual([]);
  });
});

describe('arguments that are not datasets', () => {
  it('are ValueErrors naming the function; a bare Tensor gets a hint to wrap it', () => {
    const x = arange(0, 6).reshape([3, 2]).float();
    const bare = () => new DataLoader(x as never);
    expect(bare).toThrow(ValueError);
    expect(bare).toThrow(/^DataLoader: expected a dataset .*got a Tensor \[3,2\]; wrap it, e.g. new TensorDataset\(x, y\)$/);
    expect(() => new DataLoader(null as never)).toThrow(/^DataLoader: expected a dataset.*got null$/);
    expect(() => new DataLoader([[1, 2]] as never)).toThrow(/got an array/);
    expect(() => randomSplit(null as never, [0.5, 0.5])).toThrow(/^randomSplit: expected a dataset/);
    expect(() => randomSplit(ds(4), null as never)).toThrow(/^randomSplit: lengths must be an array/);
    expect(() => trainValTestSplit(x as never)).toThrow(/^trainValTestSplit: expected a dataset.*a Tensor/);
    expect(() => new Subset(null as never, [0])).toThrow(/^Subset: expected a dataset/);
    expect(() => new Subset(ds(3), null as never)).toThrow(/^Subset: indices must be an array/);
    expect(() => new ConcatDataset([ds(2), {} as never])).toThrow(/^ConcatDataset: datasets\[1\]: expected a dataset/);
    expect(() => new ConcatDataset(null as never)).toThrow(/^ConcatDataset: expected a non-empty list/);
    expect(() => new TensorDataset([1, 2] as never)).toThrow(/^TensorDataset: every argument must be a Tensor, argument 0 is an array$/);
    expect(() => new TensorDataset(x, null as never)).toThrow(/argument 1 is null/);
    // duck-typed datasets and iterable datasets are still accepted
    const duck = { length: 2, getItem: (i: number) => i * 10 };
    expect([...new DataLoader(duck, { batchSize: 2 })].map((b) => (b as Tensor).toArray())).toEqual([[0, 10]]);
    expect(randomSplit(duck, [1, 1], { seed: 0 }).map((s) => s.length)).toEqual([1, 1]);
  });
});

describe('unknown options', () => {
  it('are refused with the camelCase spelling of a PyTorch keyword ({ batch_size: 64 } gave batches of 1)', () => {
    const e = () => new DataLoader(ds(8), { batch_size: 4 } as never);
    expect(e).toThrow(ValueError);
    expect(e).toThrow(/^DataLoader: unknown option 'batch_size'; did you mean 'batchSize'\? \(options are camelCase\)$/);
    try {
      e();
    } catch (err) {
      expect((err as ValueError).code).toBe('E_UNKNOWN_OPTION');
    }
    expect(() => new DataLoader(ds(8), { drop_last: true } as never)).toThrow(/did you mean 'dropLast'/);
    expect(() => new DataLoader(ds(8), { collate_fn: (s: unknown) => s } as never)).toThrow(
      /^DataLoader: unknown option 'collate_fn'; expected one of: batchSize, shuffle, rng, seed, dropLast, collate$/,
    );
    expect(() => new DataLoader(ds(8), 4 as never)).toThrow(/^DataLoader: options must be an object/);
    expect(() => randomSplit(ds(4), [2, 2], { generator: new Rng(1) } as never)).toThrow(/^randomSplit: unknown option 'generator'/);
    expect(() => trainValTestSplit(ds(10), { fractions: [0.8, 0.1, 0.1] } as never)).toThrow(
      /^trainValTestSplit: unknown option 'fractions'; expected one of: rng, seed, val, test, stratify$/,
    );
    expect(() => new data.StandardScaler({ with_mean: false } as never)).toThrow(/did you mean 'withMean'/);
    expect(() => new data.MinMaxScaler({ feature_range: [0, 2] } as never)).toThrow(/did you mean 'featureRange'/);
    expect(() => new data.OneHotEncoder({ handle_unknown: 'ignore' } as never)).toThrow(/did you mean 'handleUnknown'/);
    // every documented option still works
    const l = new DataLoader(ds(8), { batchSize: 4, shuffle: true, seed: 1, dropLast: true, collate: (s) => s.length });
    expect([...l]).toEqual([4, 4]);
    expect(trainValTestSplit(ds(10), { val: 2, test: 2, seed: 0, stratify: false }).train.length).toBe(6);
  });
});

describe('splits', () => {
  it('randomSplit: fractions and counts, disjoint, seeded', () => {
    const d = ds(10);
    const [a, b] = randomSplit(d, [0.7, 0.3], { seed: 1 });
    expect([a!.length, b!.length]).toEqual([7, 3]);
    const all = [...a!.indices, ...b!.indices].sort((p, q) => p - q);
    expect(all).toEqual([...Array(10).keys()]);
    const [a2] = randomSplit(d, [7, 3], { seed: 1 });
    expect([...a2!.indices]).toEqual([...a!.indices]);
    const [a3] = randomSplit(d, [7, 3], { seed: 2 });
    expect([...a3!.indices]).not.toEqual([...a!.indices]);
    expect(randomSplit(ds(10), [0.34, 0.33, 0.33], { seed: 0 }).map((s) => s.length)).toEqual([4, 3, 3]);
    expect(() => randomSplit(d, [5, 4])).toThrow(ValueError);
  });
  it('trainValTestSplit: counts and fractions', () => {
    const { train, val, test } = trainValTestSplit(ds(100), { val: 0.2, test: 10, seed: 0 });
    expect([train.length, val.length, test.length]).toEqual([70, 20, 10]);
    const all = new Set([...train.indices, ...val.indices, ...test.indices]);
    expect(all.size).toBe(100);
    expect(() => trainValTestSplit(ds(10), { val: 6, test: 6 })).toThrow(ValueError);
  });
  it('stratified split keeps class proportions', () => {
    // 3 classes: 60% / 30% / 10% of 1000
    const n = 1000;
    const labels = new Int32Array(n).map((_, i) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2));
    const d = new TensorDataset(arange(0, n).float(), new Tensor(labels, [n], 'int32'));
    const { train, val, test } = trainValTestSplit(d, { val: 0.15, test: 0.15, stratify: true, seed: 3 });
    expect([train.length, val.length, test.length]).toEqual([700, 150, 150]);
    const count = (s: data.Subset<Tensor[]>) => [0, 1, 2].map((c) => [...s.indices].filter((i) => labels[i] === c).length);
    expect(count(val)).toEqual([90, 45, 15]);
    expect(count(test)).toEqual([90, 45, 15]);
    expect(count(train)).toEqual([420, 210, 70]);
    // an unstratified split drifts; a stratified one with awkward sizes stays within 1 per class
    const odd = trainValTestSplit(d, { val: 0.13, test: 0.07, stratify: labels, seed: 9 });
    const cv = count(odd.val);
    expect(cv.reduce((a, b) => a + b)).toBe(130);
    cv.forEach((k, c) => expect(Math.abs(k - [600, 300, 100][c]! * 0.13)).toBeLessThanOrEqual(1));
  });
});

describe('reproducibility helpers', () => {
  it('Rng-based loaders accept an explicit Rng', () => {
    const l = new DataLoader(ds(10), { batchSize: 10, shuffle: true, rng: new Rng(8) });
    const m = new DataLoader(ds(10), { batchSize: 10, shuffle: true, seed: 8 });
    expect(epochOrder(l)).toEqual(epochOrder(m));
  });
});
