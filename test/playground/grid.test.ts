import { describe, expect, it } from 'vitest';
import { GRID, absMax, divergingColor, fromPixel, gridPoints, gridX, gridY, linkStyle, paintClasses, paintDiverging, toPixel } from '../../playground/src/grid.js';

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
    // confident class 1 (orange) is more saturated than the 50/50 cell
    expect(out[0]).toBeGreaterThan(out[4]! - 1);
    expect(Math.abs(out[2]! - 34)).toBeLessThan(Math.abs(out[6]! - 34));
  });

  it('link style: width grows with |w|, sign picks the colour', () => {
    expect(linkStyle(2).width).toBeGreaterThan(linkStyle(0.1).width);
    expect(linkStyle(-1).color).toBe('rgb(245,147,34)');
    expect(linkStyle(1).color).toBe('rgb(8,119,189)');
    expect(absMax([0.1, -0.3], 0)).toBeCloseTo(0.3);
    expect(absMax([0.1], 1)).toBe(1);
  });
});
