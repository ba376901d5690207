/**
 * End-to-end on WebGPU: headless Chromium with its SwiftShader Vulkan adapter (a CPU implementation of
 * WebGPU; these tests check behaviour, not speed). Image mode offers "Train on GPU" when the worker finds
 * an adapter; the default image-mode CNN then trains on the 'webgpu' device with no page errors, no CSP
 * violations and no error notice, and a drawn "1" is recognised by the GPU-trained model. An async MLP
 * loop in the page's worker keeps its GPU memory bounded (the memory soak, in the browser).
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { serve } from './server.js';
import { open, type Session } from './browser.js';

let server: Server;
let base: string;
let s: Session;
let page: Page;

/* eslint-disable @typescript-eslint/no-explicit-any */
const pg = <T>(fn: (pg: any, arg: any) => T | Promise<T>, arg?: unknown): Promise<T> =>
  page.evaluate(`(${fn.toString()})(window.__pg, ${JSON.stringify(arg ?? null)})`) as Promise<T>;

beforeAll(async () => {
  ({ server, url: base } = await serve());
  s = await open('about:blank', { webgpu: true });
  page = s.page;
});
afterAll(async () => {
  await s?.close();
  server?.close();
});

describe('playground on WebGPU (SwiftShader) in Chromium', () => {
  it('image mode trains the CNN on the GPU ("Train on GPU") with 0 errors, and recognises a drawn 1', async () => {
    await page.goto(`${base}?test=1#mode=image`);
    await page.waitForFunction(() => (window as any).__pg?.image()?.ready === true, null, { timeout: 120_000 });
    // the worker reports its adapter after init ('auto' loads WebGPU where navigator.gpu has one)
    await page.locator('#img-gpu-box').waitFor({ state: 'visible', timeout: 60_000 });
    expect(await page.locator('#img-gpu-box').getAttribute('title')).toMatch(/WebGPU/);
    await page.locator('#img-gpu').check();
    await page.waitForFunction(() => (window as any).__pg.image()?.device === 'webgpu', null, { timeout: 120_000 });
    expect(await pg((p) => p.image().step)).toBe(0);

    let r = await pg((p) => p.imageStep(1));
    expect(r.step).toBe(1);
    for (let i = 0; i < 16 && r.accuracy < 0.85; i++) r = await pg((p) => p.imageStep(25));
    expect(await pg((p) => p.image().device)).toBe('webgpu');
    expect(r.accuracy).toBeGreaterThan(0.8);
    expect(await page.locator('#img-status').textContent()).toContain('on the GPU');

    // the drawing is classified by the model the deterministic steps above trained
    const box = (await page.locator('#draw-pad').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let k = 1; k <= 20; k++) await page.mouse.move(box.x + box.width * (0.52 - k * 0.003), box.y + box.height * (0.15 + k * 0.035));
    await page.mouse.up();
    await page.waitForFunction(() => (window as any).__pg.image()?.prediction !== null, null, { timeout: 60_000 });
    expect((await pg((p) => p.image())).prediction).toBe(1);

    // Train/Pause runs the asynchronous GPU loop (a timing-dependent number of steps, so it comes last)
    const before = r.step;
    await page.click('#img-play');
    await page.waitForFunction((n) => (window as any).__pg.image().step > n, before, { timeout: 120_000 });
    await page.click('#img-play');

    expect(await page.locator('.notice.error').count()).toBe(0);
    expect(s.errors, 'page errors').toEqual([]);
    expect(s.cspViolations, 'CSP violations').toEqual([]);
  });

  it('GPU memory stays bounded over an async training loop in the page (no dispose)', async () => {
    // GPU_SOAK_STEPS=10000 for the README's figure; CI runs 4,000 steps
    // a fresh page (2-D mode): the worker holds nothing on the GPU but this loop
    await page.goto(`${base}?test=1`);
    await page.waitForFunction(() => (window as any).__pg?.ready(), null, { timeout: 120_000 });
    const steps = Number(process.env.GPU_SOAK_STEPS ?? 4000);
    const every = steps / 8;
    const marks: { step: number; loss: number; heldBytes: number; highWaterBytes: number }[] = await pg(
      (p, a) => p.gpuSoak(a[0], a[1]),
      [steps, every],
    );
    console.log(
      marks.map((m) => `step ${m.step}: held ${m.heldBytes} B, high-water ${m.highWaterBytes} B, loss ${m.loss.toFixed(4)}`).join('\n'),
    );
    expect(marks.map((m) => m.step)).toEqual(Array.from({ length: 8 }, (_, k) => (k + 1) * every));
    // The browser's collector reaches its steady state later than Node's, and when varies from run to
    // run (3.0 MB held at step 2,000 in one run, 3.8 MB in another; 3.78–3.91 MB from 2,500 to 10,000).
    // Since the RSS round (graph nodes no longer promoted) far less is held, and that one late step is a
    // larger share of it (0.59 MB at step 2,000, then 1.17–1.20 MB from 2,500 to 4,000 in one CI run). A leak of
    // one small activation per step (32 × 32 floats) would add 8 MB over the second half: the second
    // half may add at most half of what the first half ended with or 2 MiB, whichever is more, and
    // everything stays under 8 MB.
    const ref = marks[3]!;
    for (const m of marks.slice(4)) {
      expect(m.heldBytes - ref.heldBytes).toBeLessThanOrEqual(Math.max(0.5 * ref.heldBytes, 2 * 2 ** 20));
      expect(m.highWaterBytes).toBeLessThanOrEqual(8 * 2 ** 20);
    }
    expect(marks[7]!.loss).toBeLessThan(marks[0]!.loss);
    expect(s.errors, 'page errors').toEqual([]);
  });
});
