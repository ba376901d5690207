/**
 * Layout facts measured in the page: is every network box inside the network panel and the
 * viewport, how much of the heatmap is on screen, does the page scroll sideways. Shared by the
 * end-to-end test and the screenshot script.
 */
import type { Page } from 'playwright-core';

export interface LayoutFacts {
  viewport: { width: number; height: number };
  /**
   * Network boxes (nodes, biases, column heads and their controls, feature labels, every link path
   * with its stroke) outside the panel, outside the viewport sideways, or cut by any ancestor that
   * clips (overflow other than visible, the links' SVG), on either axis.
   */
  clipped: string[];
  /** Pieces of different column heads (names, neuron counts, +/−, activation selects) that overlap. */
  headCollisions: string[];
  /** Selects whose text does not fit: any option of a network select, the chosen one elsewhere. */
  selectsCut: string[];
  /** The network panel scrolls sideways (content wider than the panel). */
  panelScrolls: boolean;
  /** Heatmap pixels visible without scrolling (height of its on-screen part). */
  heatmapVisible: number;
  /** Share of the on-screen heatmap that another element covers (0 … 1). */
  heatmapCovered: number;
  /** The test-loss readout is on screen without scrolling. */
  lossVisible: boolean;
  /** The page is wider than the viewport. */
  pageScrollsSideways: boolean;
  nodes: number;
}

export async function layoutFacts(page: Page): Promise<LayoutFacts> {
  return (await page.evaluate(`(() => {
    scrollTo(0, 0);
    const vw = innerWidth, vh = innerHeight;
    const panel = document.querySelector('.col.network');
    const pr = panel.getBoundingClientRect();
    const clipped = [];
    // the rect an element can show in: every clipping ancestor's padding box, intersected
    const clipOf = (e) => {
      let c = { l: -1e9, t: -1e9, r: 1e9, b: 1e9 };
      for (let n = e.parentElement; n && n !== document.body; n = n.parentElement) {
        const cs = getComputedStyle(n);
        if (cs.overflowX === 'visible' && cs.overflowY === 'visible' && !(n instanceof SVGSVGElement)) continue;
        const b = n.getBoundingClientRect();
        const l = b.left + (n.clientLeft || 0), t = b.top + (n.clientTop || 0);
        c = { l: Math.max(c.l, l), t: Math.max(c.t, t), r: Math.min(c.r, l + (n.clientWidth || b.width)), b: Math.min(c.b, t + (n.clientHeight || b.height)) };
      }
      return c;
    };
    const tol = 0.6;
    const check = (e, r, name) => {
      if (r.width === 0 && r.height === 0) return;
      const c = clipOf(e);
      const why = [];
      if (r.left < pr.left - tol || r.right > pr.right + tol || r.top < pr.top - tol || r.bottom > pr.bottom + tol) why.push('outside the panel');
      if (r.left < -tol || r.right > vw + tol) why.push('outside the viewport');
      if (r.left < c.l - tol || r.right > c.r + tol || r.top < c.t - tol || r.bottom > c.b + tol) why.push('cut by a clipping ancestor');
      if (why.length) clipped.push(name + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ' × ' + Math.round(r.top) + '..' + Math.round(r.bottom) + ': ' + why.join(', '));
    };
    for (const e of panel.querySelectorAll('.node, .bias, .colhead, .colhead *, .flabel, svg.links'))
      check(e, e.getBoundingClientRect(), e.getAttribute('aria-label') || e.className.baseVal || e.className || e.tagName);
    for (const p of panel.querySelectorAll('path.link')) {
      const r = p.getBoundingClientRect(), h = Number(p.getAttribute('stroke-width') || 1) / 2;
      check(p, { left: r.left, right: r.right, top: r.top - h, bottom: r.bottom + h, width: r.width, height: r.height + 2 * h }, 'link ' + p.getAttribute('data-link'));
    }
    const heads = [...panel.querySelectorAll('.colhead')].map((h) => [...h.querySelectorAll('.colname, .units, select, button')].map((e) => ({ r: e.getBoundingClientRect(), t: e.getAttribute('aria-label') || e.title || e.textContent.trim() })));
    const headCollisions = [];
    for (let a = 0; a < heads.length; a++)
      for (let b = a + 1; b < heads.length; b++)
        for (const x of heads[a]) for (const y of heads[b])
          if (x.r.left < y.r.right - 0.5 && y.r.left < x.r.right - 0.5 && x.r.top < y.r.bottom - 0.5 && y.r.top < x.r.bottom - 0.5) headCollisions.push(x.t + ' / ' + y.t);
    // a native select keeps about 20 px for its arrow; a select without one (appearance: none) keeps none
    const ctx = document.createElement('canvas').getContext('2d');
    const selectsCut = [];
    for (const e of document.querySelectorAll('main select')) {
      if (!e.getClientRects().length) continue;
      const cs = getComputedStyle(e);
      ctx.font = cs.font;
      const room = e.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - (cs.appearance === 'none' ? 0 : 20);
      for (const o of panel.contains(e) ? [...e.options] : [e.options[e.selectedIndex]]) {
        const w = ctx.measureText(o.text).width;
        if (w > room + 0.5) { selectsCut.push((e.id || e.getAttribute('aria-label')) + ': "' + o.text + '" needs ' + w.toFixed(1) + ' px, has ' + room.toFixed(1)); break; }
      }
    }
    const hmEl = document.getElementById('heatmap');
    const hm = hmEl.getBoundingClientRect();
    // of the on-screen part of the map, the share that something else covers (a notice, a hint)
    let covered = 0, samples = 0;
    for (let y = Math.max(hm.top, 0) + 3; y < Math.min(hm.bottom, vh) - 3; y += 12)
      for (let x = Math.max(hm.left, 0) + 3; x < Math.min(hm.right, vw) - 3; x += 12) {
        samples++;
        if (document.elementFromPoint(x, y) !== hmEl) covered++;
      }
    const loss = document.getElementById('test-loss');
    const lr = loss ? loss.getBoundingClientRect() : null;
    return {
      viewport: { width: vw, height: vh },
      clipped,
      headCollisions,
      selectsCut,
      panelScrolls: panel.scrollWidth > panel.clientWidth + 1,
      heatmapVisible: Math.max(0, Math.min(hm.bottom, vh) - Math.max(hm.top, 0)),
      heatmapCovered: samples ? covered / samples : 0,
      lossVisible: !!lr && lr.top >= 0 && lr.bottom <= vh,
      pageScrollsSideways: document.documentElement.scrollWidth > vw + 1,
      nodes: panel.querySelectorAll('.node').length,
    };
  })()`)) as LayoutFacts;
}
