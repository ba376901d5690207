import { describe, expect, it } from 'vitest';
import { data, ValueError } from '../../src/index.js';

const g = data.datasets;

describe('generators', () => {
  it('are deterministic per seed and differ across seeds', () => {
    for (const f of [g.circle, g.xor, g.gaussian, g.spiral, g.moons, g.regressionPlane, g.multiGaussian, g.polynomial]) {
      const a = f({ n: 50, noise: 0.2, seed: 1 });
      const b = f({ n: 50, noise: 0.2, seed: 1 });
      const c = f({ n: 50, noise: 0.2, seed: 2 });
      expect(a.x.toArray()).toEqual(b.x.toArray());
      expect(a.y.toArray()).toEqual(b.y.toArray());
      expect(a.x.toArray()).not.toEqual(c.x.toArray());
    }
    expect(g.housePrices({ n: 30, seed: 3 }).table.price).toEqual(g.housePrices({ n: 30, seed: 3 }).table.price);
  });
  it('classification shapes, dtypes and class balance', () => {
    const s = g.spiral({ n: 300, classes: 3, seed: 0 });
    expect(s.x.shape).toEqual([300, 2]);
    expect(s.y.dtype).toBe('int32');
    const counts = [0, 1, 2].map((c) => (s.y.toArray() as number[]).filter((v) => v === c).length);
    expect(counts).toEqual([100, 100, 100]);
    const gb = g.gaussian({ n: 10, classes: 4, seed: 0 });
    expect((gb.y.toArray() as number[]).sort()).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 3, 3]);
  });
  it('noise-free circle and xor labels follow the geometry; noise flips some', () => {
    const c = g.circle({ n: 400, seed: 0 });
    const xs = c.x.toArray() as number[][];
    const ys = c.y.toArray() as number[];
    xs.forEach(([x, y], i) => expect(ys[i]).toBe(Math.hypot(x!, y!) < 2.5 ? 1 : 0));
    xs.forEach(([x, y]) => expect(Math.hypot(x!, y!)).toBeLessThanOrEqual(5 + 1e-5));
    const x = g.xor({ n: 400, seed: 0 });
    (x.x.toArray() as number[][]).forEach(([a, b], i) => {
      expect(Math.abs(a!)).toBeGreaterThanOrEqual(0.3 - 1e-6);
      expect((x.y.toArray() as number[])[i]).toBe(a! * b! >= 0 ? 1 : 0);
    });
    const noisy = g.circle({ n: 400, noise: 0.5, seed: 0 });
    const flips = (noisy.x.toArray() as number[][]).filter(
      ([p, q], i) => (Math.hypot(p!, q!) < 2.5 ? 1 : 0) !== (noisy.y.toArray() as number[])[i],
    ).length;
    expect(flips).toBeGreaterThan(10);
  });
  it('gaussian k=2 centres at (2,2) class 1 and (-2,-2) class 0; spiral arms start at the origin', () => {
    const d = g.gaussian({ n: 2000, seed: 5 });
    const pts = d.x.toArray() as number[][];
    const ys = d.y.toArray() as number[];
    for (const [cls, cx] of [
      [1, 2],
      [0, -2],
    ] as const) {
      const sel = pts.filter((_, i) => ys[i] === cls);
      const mx = sel.reduce((a, p) => a + p[0]!, 0) / sel.length;
      expect(Math.abs(mx - cx)).toBeLessThan(0.1);
    }
    const sp = g.spiral({ n: 100, seed: 0 }).x.toArray() as number[][];
    expect(Math.hypot(sp[0]![0]!, sp[0]![1]!)).toBe(0);
  });
  it('noise-free moons lie on two interleaved half circles (scikit-learn make_moons); noise moves them off', () => {
    const d = g.moons({ n: 101, seed: 0 });
    const pts = d.x.toArray() as number[][];
    const ys = d.y.toArray() as number[];
    expect(ys.filter((v) => v === 0)).toHaveLength(50);
    expect(ys.filter((v) => v === 1)).toHaveLength(51);
    pts.forEach(([x, y], i) => {
      if (ys[i] === 0) {
        // upper half of the unit circle centred at (0, 0)
        expect(Math.hypot(x!, y!)).toBeCloseTo(1, 5);
        expect(y!).toBeGreaterThanOrEqual(-1e-6);
      } else {
        // lower half of the unit circle centred at (1, 0.5)
        expect(Math.hypot(x! - 1, y! - 0.5)).toBeCloseTo(1, 5);
        expect(y!).toBeLessThanOrEqual(0.5 + 1e-6);
      }
    });
    // both arcs run end to end: x from −1 to 1 (outer) and 0 to 2 (inner)
    const xs = (c: number) => pts.filter((_, i) => ys[i] === c).map((p) => p[0]!);
    expect(Math.min(...xs(0))).toBeCloseTo(-1, 5);
    expect(Math.max(...xs(0))).toBeCloseTo(1, 5);
    expect(Math.min(...xs(1))).toBeCloseTo(0, 5);
    expect(Math.max(...xs(1))).toBeCloseTo(2, 5);
    const noisy = g.moons({ n: 101, noise: 0.1, seed: 0 }).x.toArray() as number[][];
    const off = noisy.filter(([x, y], i) => Math.abs(Math.hypot(x! - (ys[i] ? 1 : 0), y! - (ys[i] ? 0.5 : 0)) - 1) > 0.02).length;
    expect(off).toBeGreaterThan(50);
  });
  it('regression sets: ranges and the noise-free relation', () => {
    const p = g.regressionPlane({ n: 100, seed: 0 });
    expect(p.y.shape).toEqual([100, 1]);
    (p.x.toArray() as number[][]).forEach(([a, b], i) => expect((p.y.toArray() as number[][])[i]![0]).toBeCloseTo((a! + b!) / 10, 5));
    const m = g.multiGaussian({ n: 200, seed: 0 });
    (m.y.toArray() as number[][]).forEach(([v]) => expect(Math.abs(v!)).toBeLessThanOrEqual(1));
    const poly = g.polynomial({ n: 40, noise: 0, seed: 1, coefficients: [1, 0, 3] });
    (poly.x.toArray() as number[][]).forEach(([x], i) => expect((poly.y.toArray() as number[][])[i]![0]).toBeCloseTo(1 + 3 * x! * x!, 5));
    expect(() => g.circle({ n: 0 })).toThrow(ValueError);
    expect(() => g.moons({ noise: -1 })).toThrow(ValueError);
  });
  it('house prices: columns, categories and plausible targets', () => {
    const h = g.housePrices({ n: 500, seed: 0 });
    expect(h.table.area.length).toBe(500);
    expect(new Set(h.table.neighborhood)).toEqual(new Set(['center', 'suburb', 'rural']));
    expect(new Set(h.table.type)).toEqual(new Set(['apartment', 'house', 'townhouse']));
    const meanBy = (hood: string) => {
      const v = [...h.table.price].filter((_, i) => h.table.neighborhood[i] === hood);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    expect(meanBy('center')).toBeGreaterThan(meanBy('rural'));
    [...h.table.rent].forEach((r) => expect(r).toBeGreaterThan(0));
  });
});
