import { describe, expect, it } from 'vitest';
import { Tensor, tensor, data, StateError, ValueError, ShapeError, FormatError, Rng } from '../../src/index.js';

const { StandardScaler, MinMaxScaler, OneHotEncoder, LabelEncoder, ColumnTransformer, preprocessorFromJSON } = data;
const roundTrip = <T extends { toJSON(): unknown }>(o: T) => preprocessorFromJSON(JSON.parse(JSON.stringify(o.toJSON())));
const close = (a: Tensor, b: number[][], tol = 1e-6) => {
  const x = a.toArray() as number[][];
  expect(x.length).toBe(b.length);
  x.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - b[i]![j]!)).toBeLessThan(tol)));
};

describe('StandardScaler', () => {
  const train = tensor([
    [1, 10],
    [2, 20],
    [3, 30],
    [4, 40],
  ]);
  it('uses train statistics (population std) on other data', () => {
    const s = new StandardScaler().fit(train);
    expect(s.mean).toEqual([2.5, 25]);
    expect(s.scale![0]).toBeCloseTo(Math.sqrt(1.25), 12);
    close(
      s.transform(
        tensor([
          [2.5, 25],
          [5, 50],
        ]),
      ),
      [
        [0, 0],
        [2.5 / Math.sqrt(1.25), 25 / Math.sqrt(125)],
      ],
    );
    close(s.inverseTransform(s.transform(train)), train.toArray() as number[][], 1e-5);
    const z = s.fitTransform(train);
    expect(Math.abs(z.mean().item())).toBeLessThan(1e-6);
  });
  it('constant columns get scale 1; errors before fit and on width mismatch', () => {
    const s = new StandardScaler().fit([
      [5, 1],
      [5, 2],
    ]);
    expect(s.scale![0]).toBe(1);
    expect(() => new StandardScaler().transform(train)).toThrow(StateError);
    try {
      new StandardScaler().transform(train);
    } catch (e) {
      expect((e as StateError).code).toBe('E_NOT_FITTED');
    }
    expect(() => s.transform(tensor([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() => new StandardScaler().fit([[NaN, 1]])).toThrow(ValueError);
  });
  it('round-trips through JSON', () => {
    const s = new StandardScaler().fit(train);
    const r = roundTrip(s) as data.StandardScaler;
    expect(r).toBeInstanceOf(StandardScaler);
    const x = tensor([
      [0.3, -7],
      [9, 1e3],
    ]);
    expect(r.transform(x).toArray()).toEqual(s.transform(x).toArray());
    expect(() => StandardScaler.fromJSON({ type: 'MinMaxScaler' })).toThrow(FormatError);
  });
});

describe('MinMaxScaler', () => {
  it('maps the train range to featureRange, clips on request, round-trips', () => {
    const s = new MinMaxScaler({ featureRange: [-1, 1] }).fit([
      [0, 5],
      [10, 5],
    ]);
    close(
      s.transform([
        [5, 5],
        [20, 5],
      ]),
      [
        [0, -1],
        [3, -1],
      ],
    );
    const c = new MinMaxScaler({ clip: true }).fit([[0], [10]]);
    close(c.transform([[20], [-5], [2.5]]), [[1], [0], [0.25]]);
    const r = roundTrip(c) as data.MinMaxScaler;
    expect(r.transform([[20], [3]]).toArray()).toEqual(c.transform([[20], [3]]).toArray());
    close(s.inverseTransform(s.transform([[7, 5]])), [[7, 5]], 1e-5);
    expect(() => new MinMaxScaler({ featureRange: [1, 0] })).toThrow(ValueError);
    expect(() => new MinMaxScaler().transform([[1]])).toThrow(StateError);
  });
});

describe('OneHotEncoder and LabelEncoder', () => {
  it('one-hot encodes sorted categories; unknown → error or zeros', () => {
    const e = new OneHotEncoder().fit([
      ['red', 'S'],
      ['blue', 'M'],
      ['red', 'L'],
    ]);
    expect(e.categories).toEqual([
      ['blue', 'red'],
      ['L', 'M', 'S'],
    ]);
    expect(e.transform([['blue', 'S']]).toArray()).toEqual([[1, 0, 0, 0, 1]]);
    expect(e.getFeatureNamesOut(['color', 'size'])).toEqual(['color_blue', 'color_red', 'size_L', 'size_M', 'size_S']);
    expect(() => e.transform([['green', 'S']])).toThrow(ValueError);
    try {
      e.transform([['green', 'S']]);
    } catch (err) {
      expect((err as ValueError).code).toBe('E_UNKNOWN_CATEGORY');
    }
    const ig = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(['a', 'b']);
    expect(ig.transform(['b', 'zzz']).toArray()).toEqual([
      [0, 1],
      [0, 0],
    ]);
    expect(ig.inverseTransform(ig.transform(['b', 'zzz']))).toEqual([['b'], [null]]);
    const r = roundTrip(e) as data.OneHotEncoder;
    expect(r.transform([['red', 'M']]).toArray()).toEqual(e.transform([['red', 'M']]).toArray());
    expect(() => new OneHotEncoder().transform(['a'])).toThrow(StateError);
    // numeric categories sort numerically
    expect(new OneHotEncoder().fit([10, 9, 100]).categories).toEqual([[9, 10, 100]]);
  });
  it('label encoder maps to 0..K-1 and back', () => {
    const l = new LabelEncoder().fit(['cat', 'dog', 'cat', 'bird']);
    expect(l.classes).toEqual(['bird', 'cat', 'dog']);
    const y = l.transform(['dog', 'bird']);
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([2, 0]);
    expect(l.inverseTransform(y)).toEqual(['dog', 'bird']);
    expect(() => l.transform(['fish'])).toThrow(ValueError);
    expect(() => l.inverseTransform([3])).toThrow(ValueError);
    expect((roundTrip(l) as data.LabelEncoder).transform(['cat']).toArray()).toEqual([1]);
    expect(() => new LabelEncoder().transform(['a'])).toThrow(StateError);
  });
});

describe('wrong argument types', () => {
  it('are ValueErrors naming the function, not TypeErrors from inside', () => {
    expect(() => new LabelEncoder().fit(null as never)).toThrow(
      /^LabelEncoder.fit: expected an array of labels or a 1-D Tensor, got null$/,
    );
    expect(() => new LabelEncoder().fit('abc' as never)).toThrow(ValueError);
    expect(() => data.normalize(null as never, null as never)).toThrow(/^normalize: mean must be a finite number or an array of them/);
    expect(() => data.normalize([0.5], ['1'] as never)).toThrow(/^normalize: std must be/);
    expect(() => data.normalize([NaN], [1])).toThrow(ValueError);
    expect(() => data.toTensor()(null as never)).toThrow(/^toTensor: expected a Tensor \[H, W\] \/ \[H, W, C\] or an image/);
    expect(() => data.toTensor()({ width: 1 } as never)).toThrow(ValueError);
  });
});

describe('ColumnTransformer', () => {
  const train = { area: [50, 100, 150], rooms: [1, 3, 5], city: ['Paris', 'Lyon', 'Paris'], id: ['a', 'b', 'c'] };
  const test = { area: [100], rooms: [3], city: ['Nice'], id: ['z'] };
  it('scales numeric, one-hots categorical, names outputs, round-trips', () => {
    const ct = new ColumnTransformer([
      { name: 'num', transformer: new StandardScaler(), columns: ['area', 'rooms'] },
      ['cat', new OneHotEncoder({ handleUnknown: 'ignore' }), ['city']],
    ]);
    expect(() => ct.transform(train)).toThrow(StateError);
    const x = ct.fitTransform(train);
    expect(x.shape).toEqual([3, 4]);
    expect(ct.getFeatureNamesOut()).toEqual(['num__area', 'num__rooms', 'cat__city_Lyon', 'cat__city_Paris']);
    close(ct.transform(test), [[0, 0, 0, 0]]);
    const r = roundTrip(ct) as data.ColumnTransformer;
    expect(r.transform(train).toArray()).toEqual(x.toArray());
    expect(() => ct.transform({ area: [1] } as never)).toThrow(ValueError);
    const bad = new ColumnTransformer([{ name: 'num', transformer: new StandardScaler(), columns: ['city'] }]);
    expect(() => bad.fit(train)).toThrow(ValueError);
  });
  it('works on the synthetic house-price table', () => {
    const h = data.datasets.housePrices({ n: 200, seed: 1 });
    const ct = new ColumnTransformer([
      { name: 'num', transformer: new MinMaxScaler(), columns: h.numeric },
      { name: 'cat', transformer: new OneHotEncoder(), columns: h.categorical },
    ]).fit(h.table);
    const x = ct.transform(h.table);
    expect(x.shape).toEqual([200, 4 + 3 + 3 + 2]);
    expect(x.amin().item()).toBeGreaterThanOrEqual(0);
    expect(x.amax().item()).toBeLessThanOrEqual(1);
  });
});

describe('image transforms', () => {
  const { toTensor, normalize, randomHorizontalFlip, randomShift, compose } = data;
  it('toTensor: HWC bytes → CHW in [0,1]', () => {
    const img = { data: Uint8Array.from([0, 255, 51, 102, 153, 204]), width: 2, height: 1, channels: 3 };
    const t = toTensor()(img);
    expect(t.shape).toEqual([3, 1, 2]);
    close(t.reshape([3, 2]), [
      [0, 102 / 255],
      [1, 153 / 255],
      [0.2, 0.8],
    ]);
    expect(() => toTensor()({ ...img, width: 3 })).toThrow(ShapeError);
  });
  it('normalize per channel, single image or batch', () => {
    const x = tensor([[[[1, 3]], [[5, 7]]]]); // [1,2,1,2]
    close(normalize([2, 6], [1, 2])(x).reshape([2, 2]), [
      [-1, 1],
      [-0.5, 0.5],
    ]);
    expect(normalize(0.5, 0.5)(x.reshape([2, 1, 2])).shape).toEqual([2, 1, 2]);
    expect(() => normalize([0, 0, 0], [1, 1, 1])(x)).toThrow(ShapeError);
    expect(() => normalize([0], [0])).toThrow(ValueError);
  });
  it('flip and shift are seeded and shape-preserving', () => {
    const x = tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
    ]); // [1,3,3]
    expect(randomHorizontalFlip(1)(x).toArray()).toEqual([
      [
        [3, 2, 1],
        [6, 5, 4],
        [9, 8, 7],
      ],
    ]);
    expect(randomHorizontalFlip(0)(x).toArray()).toEqual(x.toArray());
    const a = randomShift(1, { rng: new Rng(4) });
    const b = randomShift(1, { rng: new Rng(4) });
    const batch = tensor(Array.from({ length: 8 }, () => x.toArray() as number[][][])); // [8,1,3,3]
    const sa = a(batch);
    expect(sa.toArray()).toEqual(b(batch).toArray());
    expect(sa.shape).toEqual([8, 1, 3, 3]);
    // each shifted image keeps a subset of the original values plus zero fill, and the centre pixel moves at most 1
    const rows = sa.reshape([8, 9]).toArray() as number[][];
    expect(rows.some((r) => r.join() !== '1,2,3,4,5,6,7,8,9')).toBe(true);
    rows.forEach((r) => r.forEach((v) => expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).toContain(v)));
    rows.forEach((r) => expect(r).toContain(5));
    const pipe = compose<data.RawImage, Tensor>([toTensor(), normalize([0.5], [0.5])]);
    const out = pipe({ data: Uint8Array.from([0, 255]), width: 2, height: 1, channels: 1 });
    expect(out.toArray()).toEqual([[[-1, 1]]]);
  });
  it('randomShift translates every channel of an image by one (dx, dy) within maxShift, filling the rest; randomHorizontalFlip flips whole images', () => {
    const [n, c, h, w, m] = [40, 2, 4, 5, 2];
    const x = tensor(Array.from({ length: n * c * h * w }, (_, i) => i + 1)).reshape([n, c, h, w]);
    const src = x.dataSync();
    const out = randomShift(m, { rng: new Rng(11), fill: -1 })(x).dataSync();
    const at = (a: ArrayLike<number>, i: number, k: number, r: number, col: number) => a[((i * c + k) * h + r) * w + col]!;
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      // the shifts that explain this image exactly: out[r][col] = src[r − dy][col − dx], or fill off the edge
      const fits: string[] = [];
      for (let dy = -m; dy <= m; dy++)
        for (let dx = -m; dx <= m; dx++) {
          let ok = true;
          for (let k = 0; k < c && ok; k++)
            for (let r = 0; r < h && ok; r++)
              for (let col = 0; col < w && ok; col++) {
                const sr = r - dy;
                const sc = col - dx;
                const want = sr >= 0 && sr < h && sc >= 0 && sc < w ? at(src, i, k, sr, sc) : -1;
                ok = at(out, i, k, r, col) === want;
              }
          if (ok) fits.push(`${dx},${dy}`);
        }
      expect(fits).toHaveLength(1);
      used.add(fits[0]!);
    }
    // the shifts vary over the batch and move in both directions on both axes
    expect(used.size).toBeGreaterThan(5);
    const shifts = [...used].map((s) => s.split(',').map(Number));
    for (const axis of [0, 1]) {
      expect(shifts.some((s) => s[axis]! < 0)).toBe(true);
      expect(shifts.some((s) => s[axis]! > 0)).toBe(true);
      expect(shifts.every((s) => Math.abs(s[axis]!) <= m)).toBe(true);
    }
    expect(randomShift(0, { rng: new Rng(1) })(x).toArray()).toEqual(x.toArray());
    // flips: each image is either untouched or mirrored in every channel; p = 0.5 does some of each
    const f = randomHorizontalFlip(0.5, { rng: new Rng(2) })(x).dataSync();
    let flipped = 0;
    for (let i = 0; i < n; i++) {
      let same = true;
      let mirrored = true;
      for (let k = 0; k < c; k++)
        for (let r = 0; r < h; r++)
          for (let col = 0; col < w; col++) {
            same &&= at(f, i, k, r, col) === at(src, i, k, r, col);
            mirrored &&= at(f, i, k, r, col) === at(src, i, k, r, w - 1 - col);
          }
      expect(same !== mirrored).toBe(true);
      if (mirrored) flipped++;
    }
    expect(flipped).toBeGreaterThan(5);
    expect(flipped).toBeLessThan(n - 5);
  });
});
