/**
 * Issue 18 in headless Chromium: the layout at projector and laptop sizes (nothing in the network
 * clipped or scrolled, the heatmap and loss on screen, no sideways scroll), both colour schemes with
 * WCAG AA text contrast, a phone, real TensorFlow Playground links, notices, hover previews, the
 * classroom link and the article. Screenshots of every viewport and theme go to e2e/out/screens/.
 */
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { serve } from './server.js';
import { open, type Session } from './browser.js';
import { layoutFacts } from './layout.js';
import { TF_HIDABLE, TF_LINKS, TF_VARIANTS, tfHash, tfMeaning } from './tf-links.js';
import { parseHash, toHash, type PgState } from '../playground/src/state.js';

let server: Server;
let base: string;
let s: Session;
let page: Page;
const SHOTS = resolve(import.meta.dirname, 'out/screens');
const BIG = 'networkShape=8,8,8,8,8,8&xSquared=true&ySquared=true&xTimesY=true&sinX=true&sinY=true';
/* eslint-disable @typescript-eslint/no-explicit-any */

async function boot(hash = ''): Promise<void> {
  s.errors.length = 0;
  s.cspViolations.length = 0;
  await page.goto('about:blank');
  await page.goto(`${base}?test=1${hash ? `#${hash}` : ''}`);
  await page.waitForFunction(() => (window as any).__pg?.ready(), null, { timeout: 60_000 });
}
const step = (n: number) => page.evaluate(`window.__pg.step(${n}).then(() => true)`);

/** Visible text whose colour is below WCAG AA against the background behind it. */
async function lowContrast(): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null; const v = m[1].split(',').map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
    const lum = (c) => { const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
    const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
    const bgOf = (e) => {
      const layers = [];
      for (let n = e; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
      let bg = [255, 255, 255, 1];
      if (!layers.length || layers[layers.length - 1][3] < 1) bg = parse(getComputedStyle(document.documentElement).backgroundColor) || bg;
      for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
      return bg;
    };
    const bad = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const e = t.parentElement;
      if (!e || seen.has(e) || !t.textContent.trim() || e.closest('option, script, style, [hidden]')) continue;
      seen.add(e);
      const r = e.getBoundingClientRect();
      const cs = getComputedStyle(e);
      if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || Number(cs.opacity) === 0) continue;
      let op = 1; for (let n = e; n; n = n.parentElement) op *= Number(getComputedStyle(n).opacity);
      const bg = bgOf(e);
      const fg = over([...parse(cs.color).slice(0, 3), parse(cs.color)[3] * op], bg);
      const L1 = lum(fg), L2 = lum(bg);
      const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
      const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < need) bad.push(t.textContent.trim().slice(0, 40) + ' (' + ratio.toFixed(2) + ' < ' + need + ', ' + cs.color + ' on ' + bg.slice(0, 3).join(',') + ')');
    }
    return bad;
  })()`)) as string[];
}

/**
 * Legend marks (class swatches, the colour bar, chart-legend line samples) whose outline or fill is
 * below 3:1 against the background behind them, and weight links below 3:1 against the network panel
 * (WCAG 1.4.11, graphical objects).
 */
async function lowContrastMarks(): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null; const v = m[1].split(',').map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
    const lum = (c) => { const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
    const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
    const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
    const bgOf = (e) => {
      const layers = [];
      for (let n = e; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
      let bg = parse(getComputedStyle(document.documentElement).backgroundColor) || [255, 255, 255, 1];
      for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
      return bg;
    };
    const bad = [];
    for (const e of document.querySelectorAll('.swatch, .legendbar, .lsw')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const cs = getComputedStyle(e), bg = bgOf(e.parentElement);
      const line = e.classList.contains('lsw');
      // a line sample is its border; a swatch or bar shows by its fill (a solid swatch) or its outline
      const colours = line ? [e.classList.contains('marker') ? cs.borderLeftColor : cs.borderTopColor]
        : [parseFloat(cs.borderTopWidth) >= 1 ? cs.borderTopColor : null, e.tagName === 'CANVAS' ? null : cs.backgroundColor];
      const best = Math.max(1, ...colours.filter(Boolean).map((c) => { const p = parse(c); return p && p[3] > 0 ? ratio(over(p, bg), bg) : 1; }));
      if (best < 3) bad.push((e.parentElement.textContent.trim() || e.className) + ' ' + best.toFixed(2) + ' < 3');
    }
    // every weight link in the network is a visible line against the panel
    const panelBg = bgOf(document.querySelector('.col.network'));
    let faint = 0, worst = 99;
    for (const p of document.querySelectorAll('path.link')) {
      const c = parse(p.getAttribute('stroke') || '');
      const q = c ? ratio(c, panelBg) : 1;
      if (q < 3) faint++;
      worst = Math.min(worst, q);
    }
    if (faint) bad.push(faint + ' weight links below 3:1 against the network panel (worst ' + worst.toFixed(2) + ')');
    return bad;
  })()`)) as string[];
}

const FEATURE_NAMES = ['x', 'y', 'xSquared', 'ySquared', 'xTimesY', 'sinX', 'sinY'];
/** Where a hideable control lives: its `data-control` box, or the button's id. */
function controlSelector(h: string): string {
  const id = { playButton: 'play', resetButton: 'reset', stepButton: 'step' }[h];
  return id ? `#${id}` : h === 'article' ? '#article' : `[data-control="${h}"]`;
}
/** The control named by a TF `_hide` flag exists and none of it shows. */
async function expectHidden(h: string, st: Record<string, unknown>): Promise<void> {
  if (FEATURE_NAMES.includes(h)) {
    // a hidden feature that is switched on stays in the network as a fixed input; one that is off is not drawn
    const n = page.locator(`[data-feature="${h}"]`);
    if (st[h] === true) expect(await n.getAttribute('role'), h).toBeNull();
    else expect(await n.count(), h).toBe(0);
    return;
  }
  const n = page.locator(controlSelector(h));
  expect(await n.count(), `${h}: no such control in the page`).toBeGreaterThan(0);
  for (const e of await n.all()) expect(await e.isVisible(), h).toBe(false);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ server, url: base } = await serve());
  s = await open('about:blank');
  page = s.page;
});
afterAll(async () => {
  await s?.close();
  server?.close();
});
afterEach(() => {
  expect(s.errors, 'page errors').toEqual([]);
  expect(s.cspViolations, 'CSP violations').toEqual([]);
});

describe('the playground on a projector, a laptop and a phone', () => {
  const sizes = [
    { name: '1920x1080', width: 1920, height: 1080 },
    { name: '1366x768', width: 1366, height: 768 },
    { name: '1280x800', width: 1280, height: 800 },
    { name: '1024x768', width: 1024, height: 768 },
  ];
  for (const scheme of ['light', 'dark'] as const)
    for (const v of sizes)
      it(`${v.name} ${scheme}: six layers of eight and all features fit; heatmap and loss in view; text contrast AA`, async () => {
        await page.setViewportSize({ width: v.width, height: v.height });
        await page.emulateMedia({ colorScheme: scheme });
        await boot(BIG);
        await step(20);
        const f = await layoutFacts(page);
        expect(f.nodes).toBe(7 + 6 * 8 + 1);
        expect(f.clipped).toEqual([]);
        expect(f.headCollisions).toEqual([]);
        expect(f.selectsCut).toEqual([]);
        expect(f.panelScrolls).toBe(false);
        expect(f.pageScrollsSideways).toBe(false);
        expect(f.heatmapVisible).toBeGreaterThanOrEqual(200);
        expect(f.heatmapCovered).toBe(0);
        expect(await page.locator('.notice').count()).toBe(0);
        expect(f.lossVisible).toBe(true);
        if (v.width >= 1280) {
          // the colour legend and the two checkboxes under the map are above the fold too
          const [legend, check] = await Promise.all([page.locator('#legend').boundingBox(), page.locator('#show-test').boundingBox()]);
          expect(legend!.y + legend!.height).toBeLessThanOrEqual(v.height);
          expect(check!.y + check!.height).toBeLessThanOrEqual(v.height);
        }
        expect(await lowContrast()).toEqual([]);
        expect(await lowContrastMarks()).toEqual([]);
        await page.screenshot({ path: `${SHOTS}/${v.name}-${scheme}.png` });
      });

  for (const scheme of ['light', 'dark'] as const)
    it(`1024x768 ${scheme}, five classes: six layers of eight and five outputs fit, class swatches AA`, async () => {
      await page.setViewportSize({ width: 1024, height: 768 });
      await page.emulateMedia({ colorScheme: scheme });
      await boot(`dataset=spiral-k&classes=5&${BIG}&valPercent=20&earlyStopping=5&race=sgd`);
      await step(10);
      const f = await layoutFacts(page);
      expect(f.nodes).toBe(7 + 6 * 8 + 5);
      expect(f.clipped).toEqual([]);
      expect(f.headCollisions).toEqual([]);
      expect(f.selectsCut).toEqual([]);
      expect(f.pageScrollsSideways).toBe(false);
      expect(f.heatmapVisible).toBeGreaterThanOrEqual(200);
      expect(await page.locator('.swatch').count()).toBe(5);
      expect(await lowContrast()).toEqual([]);
      expect(await lowContrastMarks()).toEqual([]);
    });

  it('in between: 320, 360, 901 and 960 px wide (and five classes at 960 and 901), and after resizing 1920 → 1024, nothing is clipped, collides, is cut or scrolls sideways', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    const expectFits = async (what: string, outputs = 1) => {
      const f = await layoutFacts(page);
      expect(f.nodes, what).toBe(7 + 6 * 8 + outputs);
      expect(f.clipped, what).toEqual([]);
      expect(f.headCollisions, what).toEqual([]);
      expect(f.selectsCut, what).toEqual([]);
      expect(f.panelScrolls, what).toBe(false);
      expect(f.pageScrollsSideways, what).toBe(false);
      return f;
    };
    // 320 and 360: small phones; 901 and 960: just above the one-column breakpoint, half of a 1920 screen
    for (const [w, h] of [
      [320, 568],
      [360, 640],
      [901, 700],
      [960, 800],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await boot(BIG);
      const f = await expectFits(`${w}x${h}`);
      if (w > 900) expect(f.heatmapVisible, `${w}x${h}`).toBeGreaterThanOrEqual(200);
    }
    // five outputs in the narrowest three-column layout ("Outputs" has the least room there)
    await boot(`dataset=spiral-k&classes=5&${BIG}`);
    await expectFits('960x800, five classes', 5);
    await page.setViewportSize({ width: 901, height: 700 });
    await page.waitForFunction(() => (document.querySelector('.node') as HTMLElement).offsetWidth < 22);
    await expectFits('901x700, five classes', 5);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await boot(BIG);
    await page.setViewportSize({ width: 1024, height: 768 });
    // the diagram is rebuilt by a ResizeObserver
    await page.waitForFunction(() => (document.querySelector('.node') as HTMLElement).offsetWidth < 38);
    expect((await expectFits('1920x1080 → 1024x768')).heatmapVisible).toBeGreaterThanOrEqual(200);
  });

  for (const scheme of ['light', 'dark'] as const)
    it(`phone 390x844 ${scheme}: nothing clipped, no sideways scroll, the network right above the output`, async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.emulateMedia({ colorScheme: scheme });
      await boot(BIG);
      await step(10);
      const f = await layoutFacts(page);
      expect(f.nodes).toBe(7 + 6 * 8 + 1);
      expect(f.clipped).toEqual([]);
      expect(f.headCollisions).toEqual([]);
      expect(f.selectsCut).toEqual([]);
      expect(f.panelScrolls).toBe(false);
      expect(f.pageScrollsSideways).toBe(false);
      const [net, out] = await Promise.all([page.locator('.col.network').boundingBox(), page.locator('.col.output').boundingBox()]);
      expect(out!.y).toBeGreaterThan(net!.y);
      expect(out!.y - (net!.y + net!.height)).toBeLessThan(40);
      expect(await lowContrast()).toEqual([]);
      await page.screenshot({ path: `${SHOTS}/phone-${scheme}.png` });
    });
});

describe('TensorFlow Playground links', () => {
  for (const link of TF_LINKS)
    it(`${link.name}: loads without a notice, with the same meaning`, async () => {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: 'light' });
      await boot(link.hash);
      expect(parseHash(link.hash).notices).toEqual([]);
      expect(await page.locator('.notice').count()).toBe(0);
      const st = (await page.evaluate('window.__pg.state()')) as Record<string, unknown>;
      for (const [k, v] of Object.entries(link.expect)) expect(st[k], k).toEqual(v);
      for (const h of link.hidden ?? []) await expectHidden(h, st);
      // the page's own link of it (the address bar after loading, what a teacher copies) opens the same, quietly
      const own = new URL(page.url()).hash.slice(1);
      expect(own).not.toBe(link.hash);
      await boot(own);
      expect(await page.locator('.notice').count()).toBe(0);
      expect(await page.evaluate('window.__pg.state()')).toEqual(st);
      await step(2);
    });

  it(`${TF_VARIANTS.length} TensorFlow Playground hashes (every value its controls write, every classroom flag): no notice, TF's meaning`, () => {
    for (const v of TF_VARIANTS) {
      const { state, notices } = parseHash(v.hash);
      expect(notices, v.name).toEqual([]);
      const tf = tfMeaning(v.hash);
      for (const [k, want] of Object.entries(tf.state)) expect(state[k as keyof PgState], `${v.name}: ${k}`).toEqual(want);
      for (const h of tf.hidden) if (h !== 'cosX' && h !== 'cosY') expect(state.hide, v.name).toContain(h);
      expect(state.hide.includes('article'), v.name).toBe(tf.hideText);
      // and the page's own link of the same setup (toHash, as the address bar and the classroom panel write it)
      const own = parseHash(toHash(state));
      expect(own.notices, `${v.name}: own link`).toEqual([]);
      expect(own.state, `${v.name}: own link`).toEqual(state);
    }
  });

  it('the TensorFlow Playground hashes load in the page without a notice; each classroom flag hides its control', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
    for (const v of TF_VARIANTS) {
      await boot(v.hash);
      expect(await page.locator('.notice').count(), v.name).toBe(0);
      const st = (await page.evaluate('window.__pg.state()')) as Record<string, unknown>;
      const tf = tfMeaning(v.hash);
      expect(st.dataset, v.name).toBe(tf.state.dataset);
      expect(st.learningRate, v.name).toBe(tf.state.learningRate);
      for (const h of tf.hidden) if (h !== 'cosX' && h !== 'cosY') await expectHidden(h, st);
    }
    // and with no flag, every one of those controls is there and visible
    await boot(tfHash());
    for (const h of TF_HIDABLE) {
      const n = page.locator(controlSelector(h));
      expect(await n.count(), h).toBeGreaterThan(0);
      expect(await n.first().isVisible(), h).toBe(true);
    }
  });

  it('the same TensorFlow seed gives the same points and weights every time', async () => {
    const h = TF_LINKS[0]!.hash;
    await boot(h);
    const w1 = await page.evaluate('window.__pg.weights()');
    await boot(h);
    expect(await page.evaluate('window.__pg.weights()')).toEqual(w1);
    await boot(h.replace('seed=0.59392', 'seed=0.59393'));
    expect(await page.evaluate('window.__pg.weights()')).not.toEqual(w1);
  });
});

describe('notices, hover previews, legends, classroom, article', () => {
  it('notices float (no layout shift), do not repeat a line, and close', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await boot();
    const y0 = (await page.locator('.toolbar').boundingBox())!.y;
    await page.evaluate(`location.hash = 'noise=999&bogus=1'`);
    await page.waitForSelector('.notice');
    await page.evaluate(`location.hash = 'noise=999&bogus=1&learningRate=0.1'`);
    await page.waitForTimeout(300);
    expect((await page.locator('.toolbar').boundingBox())!.y).toBe(y0);
    const lines = await page.locator('.notice li').allTextContents();
    expect(lines.length).toBe(new Set(lines).size);
    expect(lines.some((l) => l.includes('noise'))).toBe(true);
    expect(await page.locator('.notice strong').first().textContent()).toContain('link');
    while ((await page.locator('.notice .close').count()) > 0) await page.locator('.notice .close').first().click();
    expect(await page.locator('.notice').count()).toBe(0);
    // a CSV error is an error, not "settings were fixed"
    await page.evaluate(`window.__pg.uploadCsv('x1,x2,label\\n1,2')`);
    await page.waitForSelector('.notice[data-kind="error"]');
    expect(await page.locator('.notice[data-kind="error"] strong').textContent()).not.toContain('settings');
  });

  it('hovering an input or a neuron shows it on the big map, outlined and captioned; switched-off inputs show faded previews', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await boot();
    const off = page.locator('[data-feature="xSquared"]');
    expect(await off.getAttribute('class')).toContain('off');
    const painted = await off.locator('canvas').evaluate((c: any) => {
      const d = c.getContext('2d').getImageData(0, 0, 100, 100).data;
      let v = 0;
      for (let i = 0; i < d.length; i += 4) v += Math.abs(d[i] - d[4]);
      return v;
    });
    expect(painted).toBeGreaterThan(0);
    const before = await page.evaluate(`document.getElementById('heatmap').toDataURL()`);
    await off.hover();
    expect(await page.locator('#map-caption').textContent()).toContain('X₁²');
    expect(await off.getAttribute('class')).toContain('hovered');
    expect(await page.evaluate(`document.getElementById('heatmap').toDataURL()`)).not.toBe(before);
    await page.locator('.node[data-layer="1"][data-unit="0"]').hover();
    expect(await page.locator('#map-caption').textContent()).toContain('layer 1, neuron 1');
    await page.mouse.move(5, 5);
    expect(await page.locator('#map-caption').isVisible()).toBe(false);
  });

  it('the loss chart has a legend; the learning rate is labelled, and hidden with the learning-rate control', async () => {
    await boot('valPercent=20&earlyStopping=5&race=sgd');
    await step(3);
    const legend = await page.locator('#chart-legend').textContent();
    for (const w of ['training loss', 'test loss', 'validation loss', 'sgd']) expect(legend).toContain(w);
    expect(await page.locator('#cur-lr').textContent()).toBe('0.0100');
    expect(await page.locator('#perf').textContent()).toContain('ms/step');
    await boot('learningRate_hide=true');
    expect(await page.locator('#perf').textContent()).toContain('not trained yet');
    expect(await page.locator('#cur-lr').isVisible()).toBe(false);
  });

  it('at learning rate 10 a stalled loss gets a hint, or the divergence guard fires', async () => {
    await boot('learningRate=10');
    await step(40);
    const stall = await page.locator('#stall').isVisible();
    const div = await page.locator('#diverged').isVisible();
    expect(stall || div).toBe(true);
    if (stall) expect(await page.locator('#stall').textContent()).toContain('learning rate 10');
  });

  it('weights and biases are legible: widths on a fixed scale, biases coloured, the editor shows 4 digits', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await boot('dataset=xor&networkShape=4');
    await step(60);
    const widths = await page.locator('path.link').evaluateAll((ps) => ps.map((p) => Number(p.getAttribute('stroke-width'))));
    const weights = (await page.evaluate('window.__pg.weights()')) as { weight: number[]; bias: number[] }[];
    const all = weights.flatMap((w) => w.weight);
    // thicker for larger |w|, and not all the same pale band
    const byW = all.map((w, i) => [Math.abs(w), widths[i]!] as const).sort((a, b) => a[0] - b[0]);
    expect(byW[byW.length - 1]![1]).toBeGreaterThan(byW[0]![1]);
    const colours = await page.locator('.bias').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).style.background));
    expect(new Set(colours).size).toBeGreaterThan(1);
    await page.locator('.bias').first().click();
    const v = await page.locator('input.editor').inputValue();
    expect(v.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length).toBeLessThanOrEqual(4);
  });

  it('classroom: ticked controls are hidden in the link it builds', async () => {
    await boot('dataset=xor');
    await page.locator('#classroom summary').click();
    await page.locator('#hide-learningRate').check();
    await page.locator('#hide-numHiddenLayers').check();
    const link = await page.locator('#classroom-link').inputValue();
    const st = parseHash(new URL(link).hash).state;
    expect(st.hide).toEqual(expect.arrayContaining(['learningRate', 'numHiddenLayers']));
    expect(st.dataset).toBe('xor');
    await page.goto('about:blank');
    await page.goto(link.replace('#', '?test=1#'));
    await page.waitForFunction(() => (window as any).__pg?.ready(), null, { timeout: 60_000 });
    expect(await page.locator('#lr').isVisible()).toBe(false);
    expect(await page.locator('#add-layer').isVisible()).toBe(false);
  });

  it('an article under the app explains neurons, layers, activation, learning rate and regularisation', async () => {
    await boot();
    const text = (await page.locator('#article').textContent()) ?? '';
    for (const w of ['neuron', 'layer', 'activation', 'learning rate', 'Regularisation']) expect(text).toContain(w);
    await boot('hideText=true');
    expect(await page.locator('#article').isVisible()).toBe(false);
  });
});
