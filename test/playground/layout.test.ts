import { describe, expect, it } from 'vitest';
import { NODE_MAX, NODE_MIN, networkLayout } from '../../playground/src/ui/layout.js';
import { DARK, LIGHT, contrast, parseHex } from '../../playground/src/theme.js';

describe('playground network layout', () => {
  it('fits six hidden layers of eight with all seven inputs into every panel width from a phone to a projector', () => {
    const counts = [7, 8, 8, 8, 8, 8, 8, 1];
    for (const width of [330, 354, 420, 480, 560, 680, 900, 1400]) {
      const g = networkLayout(width, counts);
      expect(g.width, `width ${width}`).toBeLessThanOrEqual(width);
      // the last column's boxes end inside the diagram
      expect(g.colX(counts.length - 1) + g.node).toBeLessThanOrEqual(g.width);
      // columns never overlap: room for links between them
      expect(g.colW).toBeGreaterThan(g.node);
      expect(g.node).toBeGreaterThanOrEqual(NODE_MIN);
      expect(g.node).toBeLessThanOrEqual(NODE_MAX);
      expect(g.height).toBeGreaterThanOrEqual(8 * g.node);
    }
  });

  it('shrinks neurons as columns are added and keeps full-size neurons when there is room', () => {
    expect(networkLayout(680, [2, 4, 2, 1]).node).toBe(NODE_MAX);
    expect(networkLayout(480, [7, 8, 8, 8, 8, 8, 8, 1]).node).toBeLessThan(NODE_MAX);
    // columns stay close together for a small network (capped spacing)
    expect(networkLayout(1400, [2, 4, 2, 1]).colW).toBeLessThanOrEqual(150);
  });
});

describe('playground colours', () => {
  it('chart lines reach 3:1 and chart text 4.5:1 against the panel, in both colour schemes (WCAG AA)', () => {
    for (const p of [LIGHT, DARK]) {
      const bg = parseHex(p.panel);
      for (const k of ['train', 'test', 'val', 'race', 'best', 'lr'] as const)
        expect(contrast(parseHex(p[k]), bg), `${p.panel} ${k}`).toBeGreaterThanOrEqual(3);
      expect(contrast(parseHex(p.text), bg)).toBeGreaterThanOrEqual(4.5);
    }
    // the reported bug: the training line was #222 on the dark panel
    expect(contrast(parseHex('#222222'), parseHex(DARK.panel))).toBeLessThan(3);
  });

  it('computes WCAG contrast ratios', () => {
    expect(contrast([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
    expect(contrast([119, 119, 119], [255, 255, 255])).toBeCloseTo(4.48, 2);
    expect(() => parseHex('red')).toThrow(/#rrggbb/);
  });
});
