/**
 * Layout facts measured in the page: is every network box inside the network panel and the
 * viewport, how much of the heatmap is on screen, does the page scroll sideways. Shared by the
 * end-to-end test and the screenshot script.
 */
import type { Page } from 'playwright-core';

export interface LayoutFacts {
  viewport: { width: number; height: number };
  /** Network boxes (nodes, biases, column heads, links' box) outside the panel or the viewport. */
  clipped: string[];
  /** The network panel scrolls sideways (content wider than the panel). */
  panelScrolls: boolean;
  /** Heatmap pixels visible without scrolling (height of its on-screen part). */
  heatmapVisible: number;
  /** The test-loss readout is on screen without scrolling. */
  lossVisible: boolean;
  /** The page is wider than the viewport. */
  pageScrollsSideways: boolean;
  nodes: number;
}

export async function layoutFacts(page: Page): Promise<LayoutFacts> {
  return (await page.evaluate(`(() => {
    const vw = innerWidth, vh = innerHeight;
    const panel = document.querySelector('.col.network');
    const pr = panel.getBoundingClientRect();
    const clipped = [];
    const inside = (r) => r.left >= pr.left - 0.5 && r.right <= pr.right + 0.5 && r.left >= -0.5 && r.right <= vw + 0.5;
    const items = panel.querySelectorAll('.node, .bias, .colhead, .flabel, svg.links');
    for (const e of items) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (!inside(r)) clipped.push((e.getAttribute('aria-label') || e.className.baseVal || e.className) + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ' panel ' + Math.round(pr.left) + '..' + Math.round(pr.right));
    }
    const hm = document.getElementById('heatmap').getBoundingClientRect();
    const loss = document.getElementById('test-loss');
    const lr = loss ? loss.getBoundingClientRect() : null;
    return {
      viewport: { width: vw, height: vh },
      clipped,
      panelScrolls: panel.scrollWidth > panel.clientWidth + 1,
      heatmapVisible: Math.max(0, Math.min(hm.bottom, vh) - Math.max(hm.top, 0)),
      lossVisible: !!lr && lr.top >= 0 && lr.bottom <= vh,
      pageScrollsSideways: document.documentElement.scrollWidth > vw + 1,
      nodes: panel.querySelectorAll('.node').length,
    };
  })()`)) as LayoutFacts;
}
