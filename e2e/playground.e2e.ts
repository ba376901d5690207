/**
 * End-to-end: the built playground (playground/dist) served on 127.0.0.1 under its CSP, driven in
 * headless Chromium. Every test also asserts no page errors and no CSP violations.
 */
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { serve } from './server.js';
import { open, workerHeap, type Session } from './browser.js';
import { Trainer } from '../playground/src/trainer.js';
import { parseHash, toHash, defaultState } from '../playground/src/state.js';
import { loadPlaygroundModel } from '../playground/model-io.js';
import { gridPoints } from '../playground/src/grid.js';

let server: Server;
let base: string;
let s: Session;
let page: Page;

/* eslint-disable @typescript-eslint/no-explicit-any */
type PG = any;

async function boot(hash = '', search = ''): Promise<void> {
  s.errors.length = 0;
  s.cspViolations.length = 0;
  await page.goto('about:blank');
  await page.goto(`${base}?test=1${search}${hash ? `#${hash}` : ''}`);
  await page.waitForFunction(() => (window as any).__pg?.ready(), null, { timeout: 60_000 });
}
/** Run `fn(window.__pg, arg)` in the page (an expression evaluated by the driver, not eval in the page). */
const pg = <T>(fn: (pg: PG, arg: any) => T | Promise<T>, arg?: unknown): Promise<T> =>
  page.evaluate(`(${fn.toString()})(window.__pg, ${JSON.stringify(arg ?? null)})`) as Promise<T>;
const hashState = async () => parseHash(new URL(page.url()).hash).state;

beforeAll(async () => {
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

describe('playground in Chromium', () => {
  it('boots with the defaults, writes them to the URL, draws the network', async () => {
    await boot();
    expect(await pg((p) => p.state())).toEqual(defaultState());
    expect(await hashState()).toEqual(defaultState());
    expect(await page.locator('.node.feature.on').count()).toBe(2);
    expect(await page.locator('.node:not(.feature)').count()).toBe(4 + 2 + 1);
    expect(await page.locator('path.link').count()).toBe(2 * 4 + 4 * 2 + 2);
    expect(await page.locator('#epoch').textContent()).toBe('000,000');
    expect(await page.locator('#hidden-view').isVisible()).toBe(true); // last hidden layer has 2 units
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(meta).not.toContain('unsafe-inline');
    expect(meta).not.toContain("'unsafe-eval'");
  });

  it('Step ×5 gives the golden losses of a Node run with the same seeds (js backend: bit-identical)', async () => {
    const node = new Trainer(defaultState());
    const golden: [number, number][] = [];
    for (let i = 0; i < 5; i++) {
      node.stepEpoch();
      const m = node.evaluate();
      golden.push([m.train.loss, m.test.loss]);
    }
    await boot('', '&backend=js');
    const got: [number, number][] = [];
    for (let i = 0; i < 5; i++) {
      const f = await pg((p) => p.step(1));
      got.push([f.metrics.train.loss, f.metrics.test.loss]);
    }
    expect(await pg((p) => p.frame().backend)).toBe('js');
    expect(got).toEqual(golden);
    // the default (fastest) backend agrees to float32 summation-order differences
    await boot();
    const fast = await pg((p) => p.step(5));
    expect(Math.abs(fast.metrics.train.loss - golden[4]![0]) / golden[4]![0]).toBeLessThan(1e-4);
  });

  it('play and pause (button and space key)', async () => {
    await boot();
    await page.click('#play');
    await page.waitForFunction(() => (window as any).__pg.frame().epoch >= 20, null, { timeout: 30_000 });
    await page.click('#play');
    const e1 = await pg((p) => p.sync().then((f: any) => f.epoch));
    await page.waitForTimeout(300);
    const e2 = await pg((p) => p.sync().then((f: any) => f.epoch));
    expect(e2).toBe(e1);
    await page.locator('body').press(' ');
    await page.waitForFunction((e) => (window as any).__pg.frame().epoch > e, e2, { timeout: 30_000 });
    await page.locator('body').press(' ');
    expect(await pg((p) => p.playing())).toBe(false);
  });

  it('learns: circle with X₁², X₂² (features toggled by clicking) reaches test accuracy ≥ 0.95', async () => {
    await boot();
    await page.click('[data-feature="xSquared"]');
    await page.click('[data-feature="ySquared"]');
    await page.click('[data-feature="x"]');
    await page.click('[data-feature="y"]');
    const st = await hashState();
    expect([st.x, st.y, st.xSquared, st.ySquared]).toEqual([false, false, true, true]);
    const f = await pg((p) => p.step(60));
    expect(f.metrics.test.accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('Reset restores the same initial weights; Re-seed draws new ones', async () => {
    await boot();
    const w0 = await pg((p) => p.weights());
    await pg((p) => p.step(10));
    expect(await pg((p) => p.weights())).not.toEqual(w0);
    await page.click('#reset');
    await page.waitForFunction(() => (window as any).__pg.frame().epoch === 0);
    await pg((p) => p.sync());
    expect(await pg((p) => p.weights())).toEqual(w0);
    await page.click('#reseed');
    await pg((p) => p.sync());
    expect(await pg((p) => p.weights())).not.toEqual(w0);
    expect((await hashState()).initSeed).not.toBe(2);
  });

  it('URL round trip with clamping and a visible notice', async () => {
    await boot('learningRate=99&networkShape=9,3&noise=-5&bogus=1&activation=relu');
    const st = await pg((p) => p.state());
    expect(st.learningRate).toBe(10);
    expect(st.networkShape).toEqual([8, 3]);
    expect(st.noise).toBe(0);
    expect(st.activation).toBe('relu');
    const notice = await page.locator('.notice.warn').textContent();
    expect(notice).toContain('learningRate');
    expect(notice).toContain('"bogus"');
    const hash = new URL(page.url()).hash.slice(1);
    expect(hash).toBe(toHash(st));
    await boot(hash);
    expect(await pg((p) => p.state())).toEqual(st);
    expect(await page.locator('.notice.warn').count()).toBe(0);
  });

  it('dataset, slider, feature and layer changes update the model and the URL', async () => {
    await boot();
    await page.click('#add-layer');
    await pg((p) => p.sync());
    expect((await hashState()).networkShape).toEqual([4, 2, 2]);
    expect((await pg((p) => p.weights())).length).toBe(4);
    await page.click('#add-neuron-0');
    expect((await hashState()).networkShape).toEqual([5, 2, 2]);
    await page.click('[data-dataset="xor"]');
    expect((await hashState()).dataset).toBe('xor');
    await page.locator('#noise').fill('20');
    await page.locator('#noise').dispatchEvent('change');
    expect((await hashState()).noise).toBe(20);
    await page.selectOption('#layer-act-1', 'relu');
    expect((await hashState()).layerActivations).toEqual(['tanh', 'relu', 'tanh']);
  });

  it('live hyper-parameter changes do not reset training', async () => {
    await boot();
    await pg((p) => p.step(10));
    const w = await pg((p) => p.weights());
    await page.selectOption('#lr', '0.1');
    await page.selectOption('#optimizer', 'rmsprop');
    await page.selectOption('#regularization', 'L2');
    await page.locator('#batch').fill('20');
    await page.locator('#batch').dispatchEvent('change');
    const f = await pg((p) => p.sync());
    expect(f.epoch).toBe(10);
    expect(f.metrics.lr).toBeCloseTo(0.1, 10);
    expect(await pg((p) => p.weights())).toEqual(w);
    const st = await hashState();
    expect([st.learningRate, st.optimizer, st.regularization, st.batchSize]).toEqual([0.1, 'rmsprop', 'L2', 20]);
  });

  it('editing a weight (click a link, type, Enter) changes the heatmap', async () => {
    await boot();
    const g0 = await pg((p) => p.grid());
    const link = page.locator('path.linkhit').last();
    await link.click({ force: true });
    await expect.poll(() => page.locator('input.editor').isVisible()).toBe(true);
    await page.locator('input.editor').fill('4');
    await page.locator('input.editor').press('Enter');
    await page.waitForFunction(() => (window as any).__pg.weights().at(-1).weight.includes(4));
    const g1 = await pg((p) => p.grid());
    let diff = 0;
    for (let i = 0; i < g0.length; i++) diff = Math.max(diff, Math.abs(g0[i] - g1[i]));
    expect(diff).toBeGreaterThan(0.05);
  });

  it('divergence guard at learning rate 10: auto-pause, explain, recover with a lower rate', async () => {
    await boot('learningRate=10&optimizer=sgd&dataset=reg-plane&problem=regression&activation=relu&networkShape=8,8,8');
    await page.click('#play');
    await page.waitForSelector('#diverged:not([hidden])', { timeout: 60_000 });
    expect(await pg((p) => p.playing())).toBe(false);
    const text = await page.locator('#diverged').textContent();
    expect(text).toMatch(/learning rate/);
    await page.click('#recover');
    await page.waitForSelector('#diverged', { state: 'hidden' });
    expect((await hashState()).learningRate).toBe(1);
    const f = await pg((p) => p.step(3));
    expect(Number.isFinite(f.metrics.train.loss)).toBe(true);
  });

  it('export → load in Node → the same grid predictions', async () => {
    await boot('networkShape=5,3&xSquared=true&activation=relu');
    await pg((p) => p.step(20));
    const saved = await pg((p) => p.export());
    const grid = await pg((p) => p.grid());
    const m = loadPlaygroundModel(saved.architecture, Uint8Array.from(saved.weights));
    expect(m.settings?.networkShape).toEqual([5, 3]);
    const pred = m.predict(gridPoints());
    let diff = 0;
    pred.forEach((r, i) => (diff = Math.max(diff, Math.abs(r[0]! * 2 - 1 - grid[i]))));
    expect(diff).toBeLessThan(1e-5);
    // and the page loads it back
    await boot();
    const r = await pg((p, a) => p.importModel(a.architecture, a.weights), saved);
    expect(r.ok).toBe(true);
    expect((await pg((p) => p.state())).networkShape).toEqual([5, 3]);
    const back = await pg((p) => p.sync().then(() => p.grid()));
    let d2 = 0;
    for (let i = 0; i < grid.length; i++) d2 = Math.max(d2, Math.abs(back[i] - grid[i]));
    expect(d2).toBeLessThan(1e-6);
  });

  it('CSV upload with 3 classes trains a 3-output softmax model', async () => {
    await boot();
    const rows = ['x1,x2,label'];
    for (let i = 0; i < 150; i++) {
      const c = i % 3;
      const a = (2 * Math.PI * c) / 3;
      rows.push(`${(3 * Math.cos(a) + Math.sin(i) * 0.8).toFixed(3)},${(3 * Math.sin(a) + Math.cos(i * 1.7) * 0.8).toFixed(3)},${c}`);
    }
    await page.setInputFiles('#csv-file', { name: 'three.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await page.waitForFunction(() => (window as any).__pg.frame()?.grid.classes === 3);
    expect((await pg((p) => p.state())).classes).toBe(3);
    expect(await page.locator('.notice.info').last().textContent()).toContain('150 points in 3 classes');
    const f = await pg((p) => p.step(40));
    expect(f.metrics.test.accuracy).toBeGreaterThan(0.9);
    expect(f.metrics.confusion).toHaveLength(3);
  });

  it('image mode: a drawn "1" is recognised', async () => {
    // the digits chunk arrives late (as on a loaded machine): a step asked for meanwhile must still be answered
    let delayed = 0;
    await page.context().route('**/digits-*.js', async (route) => {
      delayed++;
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await boot('mode=image');
    let acc = (await pg((p) => p.imageStep(1))).accuracy;
    expect(delayed).toBe(1);
    await page.context().unroute('**/digits-*.js');
    expect(await pg((p) => p.image()?.ready)).toBe(true);
    for (let i = 0; i < 12 && acc < 0.85; i++) acc = (await pg((p) => p.imageStep(25))).accuracy;
    expect(acc).toBeGreaterThan(0.8);
    const box = (await page.locator('#draw-pad').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let k = 1; k <= 20; k++) await page.mouse.move(box.x + box.width * (0.52 - k * 0.003), box.y + box.height * (0.15 + k * 0.035));
    await page.mouse.up();
    await page.waitForFunction(() => (window as any).__pg.image()?.prediction !== null);
    const d = await pg((p) => p.image());
    expect(d.prediction).toBe(1);
    expect(await page.locator('#img-pred').textContent()).toBe('1');
  });

  it("classroom flags hide controls (ours and TensorFlow Playground's)", async () => {
    await boot('hide=optimizer,noise,features&learningRate_hide=true');
    expect(await page.locator('.node.feature').count()).toBe(2);
    await page.click('[data-feature="x"]');
    expect((await hashState()).x).toBe(true);
    expect(await page.locator('#lr').isVisible()).toBe(false);
    expect(await page.locator('#noise').isVisible()).toBe(false);
    expect(await page.locator('#optimizer').isVisible()).toBe(false);
    expect(await page.locator('#activation').isVisible()).toBe(true);
    expect((await hashState()).hide.sort()).toEqual(['features', 'learningRate', 'noise', 'optimizer']);
  });

  it('clicking the output adds points of the chosen class without resetting the network', async () => {
    await boot();
    await pg((p) => p.step(5));
    const w = await pg((p) => p.weights());
    const n0 = await pg((p) => {
      const f = p.frame();
      return f.points0.train.length + f.points0.test.length + f.points0.val.length;
    });
    await page.selectOption('#add-points', '1');
    const box = (await page.locator('#heatmap').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.9, box.y + box.height * 0.1);
    await page.mouse.click(box.x + box.width * 0.85, box.y + box.height * 0.12);
    await page.waitForFunction((n) => {
      const f = (window as any).__pg.frame();
      return f.points0.train.length + f.points0.test.length + f.points0.val.length === n + 2;
    }, n0);
    const st = await pg((p) => p.state());
    expect(st.dataset).toBe('custom');
    expect(await pg((p) => p.frame().epoch)).toBe(5);
    expect(await pg((p) => p.weights())).toEqual(w);
  });

  it('keyboard: Tab reaches the controls, Enter toggles a feature, Enter on a link opens the weight editor', async () => {
    await boot();
    await page.locator('[data-feature="xTimesY"]').focus();
    await page.keyboard.press('Enter');
    expect((await hashState()).xTimesY).toBe(true);
    await page.locator('path.linkhit').first().focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('input.editor').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await page.locator('#step').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as any).__pg.frame().epoch === 1);
  });

  it('pasted CSV (regression values) replaces the data', async () => {
    await boot('dataset=reg-plane');
    const rows = Array.from({ length: 60 }, (_, i) => `${(i % 12) - 6},${Math.floor(i / 12) - 2},${(((i % 12) - 6) / 6).toFixed(3)}`);
    await page.locator('#csv-text').evaluate((t) => ((t.closest('details') as HTMLDetailsElement).open = true));
    await page.locator('#csv-text').fill(rows.join('\n'));
    await page.click('#csv-paste');
    await page.waitForFunction(() => {
      const f = (window as any).__pg.frame();
      return f.points0.train.length + f.points0.test.length === 60;
    });
    const st = await pg((p) => p.state());
    expect([st.dataset, st.problem]).toEqual(['custom', 'regression']);
  });

  it('the bundle contains no eval or new Function', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../playground/dist/assets/', import.meta.url);
    const js = readdirSync(dir).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(1);
    for (const f of js) {
      const src = readFileSync(new URL(f, dir), 'utf8');
      expect(src, f).not.toMatch(/new\s+Function\s*\(/);
      expect(src, f).not.toMatch(/(^|[^.\w}$])eval\s*\(/);
    }
  });

  it('untrusted CSV text is shown as text, never as markup', async () => {
    await boot();
    const evil = '<img src=x id=pwned>';
    await page.setInputFiles('#csv-file', { name: 'evil.csv', mimeType: 'text/csv', buffer: Buffer.from(`x1,x2,label\n1,${evil},0\n`) });
    await page.waitForSelector('.notice.warn');
    expect(await page.locator('.notice.warn').textContent()).toContain('<img src=x id=pwn');
    expect(await page.locator('#pwned').count()).toBe(0);
    expect((await pg((p) => p.state())).dataset).toBe('circle');
  });

  it('optimizer race: a second network with another optimizer, the main run unchanged', async () => {
    const node = new Trainer(defaultState());
    for (let i = 0; i < 10; i++) node.stepEpoch();
    const golden = node.evaluate().train.loss;
    await boot('race=sgd', '&backend=js');
    const f = await pg((p) => p.step(10));
    expect(f.metrics.train.loss).toBe(golden);
    expect(f.race.optimizer).toBe('sgd');
    expect(f.race.history.length).toBeGreaterThan(1);
    expect(f.race.metrics.train.loss).not.toBe(golden);
    expect(await page.locator('#race-loss').textContent()).toMatch(/train \d/);
    await page.selectOption('#race', 'none');
    expect((await pg((p) => p.sync())).race).toBeNull();
  });

  it('weights/gradients view: gradients vanish toward the input in a deep sigmoid network', async () => {
    await boot('activation=sigmoid&networkShape=8,8,8,8,8,8&optimizer=sgd&hide=header,footer');
    expect(await page.locator('header.top').isVisible()).toBe(false);
    await page.locator('#histograms summary').click();
    await pg((p) => p.step(2));
    const rows = await page.locator('.histrow').allTextContents();
    expect(rows).toHaveLength(7);
    const rms = rows.map((r) => Number(/∇ (\S+)/.exec(r)![1]));
    expect(rms.every((v) => v > 0)).toBe(true);
    expect(rms[0]!).toBeLessThan(rms[6]! / 100);
  });

  it('a challenge link opens its setup, shows the goal and notices when it is solved', async () => {
    await boot('challenge=circle-features');
    const st = await pg((p) => p.state());
    expect(st.networkShape).toEqual([]);
    expect(await page.locator('#challenge-box').textContent()).toMatch(/^Challenge: A circle without hidden layers/);
    await page.click('[data-feature="xSquared"]');
    await page.click('[data-feature="ySquared"]');
    await page.click('[data-feature="x"]');
    await page.click('[data-feature="y"]');
    await page.selectOption('#lr', '0.1');
    await pg((p) => p.step(40));
    await expect.poll(() => page.locator('#challenge-box').textContent()).toMatch(/^✓ Solved/);
  });

  it('memory stays flat over 2,000 steps (worker heap after GC)', async () => {
    await boot('batchSize=10');
    const heap = await workerHeap(page);
    await pg((p) => p.step(20));
    const h1 = await heap();
    for (let i = 0; i < 9; i++) await pg((p) => p.step(20)); // 200 epochs × 25 batches = 5,000 optimizer steps
    const h2 = await heap();
    expect(await pg((p) => p.frame().epoch)).toBe(200);
    expect(h2 - h1).toBeLessThan(2 * 1024 * 1024);
  });
});
