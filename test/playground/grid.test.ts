import { describe, expect, it } from 'vitest';
import {
  CLASS_COLORS,
  GRID,
  absMax,
  biasColor,
  divergingColor,
  fromPixel,
  gridPoints,
  gridX,
  gridY,
  linkStyle,
  paintClassUnit,
  paintClasses,
  paintDiverging,
  pointColor,
  rgb,
  toPixel,
} from '../../playground/src/grid.js';
import { DARK, LIGHT, contrast, parseHex } from '../../playground/src/theme.js';

describe('playground grid and colours', () => {
  it('grid covers [−6, 6]² with row 0 at the top (X₂ = +6)', () => {
    const p = gridPoints();
    expect(p.length).toBe(GRID * GRID * 2);
    expect(p[0]).toBeCloseTo(-5.94, 5);
    expect(p[1]).toBeCloseTo(5.94, 5);
    expect(p[p.length - 2]).toBeCloseTo(5.94, 5);
    expect(p[p.length - 1]).toBeCloseTo(-5.94, 5);
    expect(gridX(50)).toBeCloseTo(0.06, 10);
    expect(gridY(0)).toBeGreaterThan(gridY(99));
  });

  it('pixel mapping round-trips', () => {
    for (const v of [-6, -1.5, 0, 2.25, 6]) {
      expect(fromPixel(toPixel(v, 400, 'x'), 400, 'x')).toBeCloseTo(v, 10);
      expect(fromPixel(toPixel(v, 400, 'y'), 400, 'y')).toBeCloseTo(v, 10);
    }
    expect(toPixel(6, 400, 'y')).toBe(0);
  });

  it('diverging scale: orange at −1, blue at +1, clamps, NaN grey; painted pixels follow it', () => {
    expect(divergingColor(-1)).toEqual([245, 147, 34]);
    expect(divergingColor(1)).toEqual([8, 119, 189]);
    expect(divergingColor(5)).toEqual(divergingColor(1));
    expect(divergingColor(NaN)).toEqual([128, 128, 128]);
    const out = new Uint8ClampedArray(4 * 4);
    paintDiverging([-1, 1, NaN, 0.3], out);
    expect(Array.from(out.subarray(0, 4))).toEqual([245, 147, 34, 255]);
    expect(Array.from(out.subarray(4, 8))).toEqual([8, 119, 189, 255]);
    expect(Array.from(out.subarray(8, 11))).toEqual([128, 128, 128]);
    const c = divergingColor(0.3);
    for (let k = 0; k < 3; k++) expect(Math.abs(out[12 + k]! - c[k]!)).toBeLessThanOrEqual(1);
    paintDiverging([0.2], out, { discretize: true });
    expect(Array.from(out.subarray(0, 3))).toEqual([8, 119, 189]);
  });

  it('class painting: argmax colour, lightness from confidence', () => {
    const out = new Uint8ClampedArray(8);
    paintClasses([0.1, 0.9, 0.5, 0.5], 2, out);
    // confident class 1 (blue, as in binary data) is more saturated than the 50/50 cell (class 0, orange, faint)
    expect(out[0]).toBeLessThan(out[4]!);
    expect(out[0]! - 8).toBeLessThan(235 - 8);
    expect(out[6]!).toBeLessThan(235); // orange tint: less blue than the neutral colour
    expect(CLASS_COLORS[0]).toEqual(divergingColor(-1)); // class 0 = orange, as binary label 0
    expect(CLASS_COLORS[1]).toEqual(divergingColor(1)); // class 1 = blue, as binary label 1
  });

  it('link style: width grows with |w|, sign picks the colour', () => {
    expect(linkStyle(2).width).toBeGreaterThan(linkStyle(0.1).width);
    // a fixed scale that keeps growing past |w| = 3.3 (it used to saturate there)
    expect(linkStyle(8).width).toBeGreaterThan(linkStyle(4).width + 1);
    expect(linkStyle(4).width).toBeGreaterThan(linkStyle(3).width);
    expect(linkStyle(100).width).toBe(12);
    // small weights keep a visible tint of their sign (colour is not relative to the largest weight)
    expect(linkStyle(0.1).color).not.toBe(linkStyle(-0.1).color);
    expect(linkStyle(0.25).color).not.toBe(linkStyle(1).color);
    expect(biasColor(-2)).toBe('rgb(245,147,34)');
    expect(biasColor(0.5)).not.toBe(biasColor(0));
    expect(pointColor(1, false)).toBe(rgb(CLASS_COLORS[1]!));
    expect(pointColor(0, false)).toBe('rgb(245,147,34)');
    const u = new Uint8ClampedArray(8);
    paintClassUnit([0, 1], 2, u);
    expect(Array.from(u.subarray(4, 7))).toEqual(CLASS_COLORS[2]);
    expect(Array.from(u.subarray(0, 3))).toEqual([232, 234, 235]);
    expect(linkStyle(-1).color).toBe(rgb(parseHex(LIGHT.linkNeg)));
    expect(linkStyle(1).color).toBe(rgb(parseHex(LIGHT.linkPos)));
    expect(linkStyle(-3, DARK).color).toBe(rgb(parseHex(DARK.linkNeg)));
    // every link is a visible line in both schemes: 3:1 against the panel even at w ≈ 0, more as |w| grows
    for (const p of [LIGHT, DARK]) {
      const bg = parseHex(p.panel);
      let last = { [-1]: 0, [1]: 0 } as Record<number, number>;
      expect(contrast((linkStyle(0, p).color.match(/\d+/g) ?? []).map(Number), bg)).toBeGreaterThanOrEqual(3);
      for (const a of [1e-4, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 10]) {
        const next: Record<number, number> = {};
        for (const sgn of [-1, 1]) {
          const c = (linkStyle(sgn * a, p).color.match(/\d+/g) ?? []).map(Number);
          const r = contrast(c, bg);
          expect(r, `${p.panel} w=${sgn * a}`).toBeGreaterThanOrEqual(3);
          expect(r, `${p.panel} w=${sgn * a} not fainter than a smaller |w|`).toBeGreaterThanOrEqual(last[sgn]! - 1e-9);
          next[sgn] = r;
        }
        last = next;
      }
    }
    expect(absMax([0.1, -0.3], 0)).toBeCloseTo(0.3);
    expect(absMax([0.1], 1)).toBe(1);
  });
});
