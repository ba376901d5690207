/**
 * End-to-end on WebGPU: headless Chromium with its SwiftShader Vulkan adapter (a CPU implementation of
 * WebGPU; these tests check behaviour, not speed). Image mode offers "Train on GPU" when the worker finds
 * an adapter; the default image-mode CNN then trains on the 'webgpu' device with no page errors, no CSP
 * violations and no error notice, and a drawn "1" is recognised by the GPU-trained model.
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

    // Train/Pause runs the asynchronous GPU loop
    const before = r.step;
    await page.click('#img-play');
    await page.waitForFunction((n) => (window as any).__pg.image().step > n, before, { timeout: 120_000 });
    await page.click('#img-play');

    const box = (await page.locator('#draw-pad').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let k = 1; k <= 20; k++) await page.mouse.move(box.x + box.width * (0.52 - k * 0.003), box.y + box.height * (0.15 + k * 0.035));
    await page.mouse.up();
    await page.waitForFunction(() => (window as any).__pg.image()?.prediction !== null, null, { timeout: 60_000 });
    expect((await pg((p) => p.image())).prediction).toBe(1);

    expect(await page.locator('.notice.error').count()).toBe(0);
    expect(s.errors, 'page errors').toEqual([]);
    expect(s.cspViolations, 'CSP violations').toEqual([]);
  });
});
