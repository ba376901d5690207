/**
 * Screenshots for the README and docs/playground/: the default view, a trained spiral, multi-class,
 * image mode, a phone; and, for issue 18, six hidden layers of eight with all features at 1920×1080,
 * 1366×768, 1280×800, 1024×768 and a phone, in the light and the dark colour scheme, plus a hovered
 * neuron and the classroom panel.
 * Run: npm run build:playground && npx tsx e2e/screenshots.ts   (writes docs/playground-*.png, docs/playground/*.jpg)
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { serve } from './server.js';
import { open } from './browser.js';
import { layoutFacts } from './layout.js';
/* eslint-disable @typescript-eslint/no-explicit-any */

const out = (name: string) => resolve(import.meta.dirname, `../docs/playground-${name}.png`);
const dir = resolve(import.meta.dirname, '../docs/playground');
mkdirSync(dir, { recursive: true });
const { server, url } = await serve();
const s = await open('about:blank', { viewport: { width: 1400, height: 1000 } });
const page = s.page;
const boot = async (hash: string) => {
  await page.goto('about:blank');
  await page.goto(`${url}?test=1#${hash}`);
  await page.waitForFunction(() => (window as any).__pg?.ready(), null, { timeout: 60_000 });
  // the first-visit hint is part of the first screen only
  await page.evaluate(`document.getElementById('callout') && (document.getElementById('callout').hidden = true)`);
};
const step = (n: number) => page.evaluate(`window.__pg.step(${n}).then(() => true)`);
const BIG = 'dataset=spiral&networkShape=8,8,8,8,8,8&xSquared=true&ySquared=true&xTimesY=true&sinX=true&sinY=true&showTestData=true';

for (const scheme of ['light', 'dark'] as const) {
  await page.emulateMedia({ colorScheme: scheme });
  for (const [w, h] of [
    [1920, 1080],
    [1366, 768],
    [1280, 800],
    [1024, 768],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await boot(BIG);
    await step(w < 500 ? 40 : 150);
    console.log(`${w}x${h} ${scheme}`, JSON.stringify(await layoutFacts(page)));
    await page.screenshot({ path: `${dir}/${w < 500 ? 'phone' : `${w}x${h}`}-${scheme}.jpg`, type: 'jpeg', quality: 85 });
  }
}
await page.emulateMedia({ colorScheme: 'light' });
await page.setViewportSize({ width: 1280, height: 800 });
await boot(BIG);
await step(150);
await page.locator('.node[data-layer="3"][data-unit="2"]').hover();
await page.screenshot({ path: `${dir}/hover-neuron.jpg`, type: 'jpeg', quality: 85 });
await page.locator('[data-feature="sinX"]').hover();
await page.mouse.move(5, 5);
await boot('dataset=xor&learningRate=0.03');
await page.locator('#advanced').evaluate((d) => ((d as HTMLDetailsElement).open = false));
await page.locator('#classroom').evaluate((d) => ((d as HTMLDetailsElement).open = true));
await page.locator('#hide-learningRate').check();
await page.locator('#hide-numHiddenLayers').check();
await page.locator('#classroom').scrollIntoViewIfNeeded();
await page.screenshot({ path: `${dir}/classroom.jpg`, type: 'jpeg', quality: 85 });

await page.setViewportSize({ width: 1400, height: 1000 });
await boot('');
await step(40);
await page.locator('#advanced').evaluate((d) => ((d as HTMLDetailsElement).open = false));
await page.screenshot({ path: out('default') });

await boot('dataset=spiral&sinX=true&sinY=true&networkShape=8,8,6&showTestData=true');
await step(300);
await page.locator('#advanced').evaluate((d) => ((d as HTMLDetailsElement).open = false));
await page.screenshot({ path: out('spiral') });

await boot('dataset=spiral-k&classes=3&networkShape=8,8,8&sinX=true&sinY=true&learningRate=0.01&batchSize=5');
await step(500);
await page.locator('#advanced').evaluate((d) => ((d as HTMLDetailsElement).open = false));
await page.screenshot({ path: out('multiclass') });

await boot('mode=image');
await page.waitForFunction(() => (window as any).__pg.image()?.ready === true, null, { timeout: 60_000 });
for (let i = 0; i < 8; i++) await page.evaluate('window.__pg.imageStep(25).then(() => true)');
const box = (await page.locator('#draw-pad').boundingBox())!;
// a "7": a top bar, then a diagonal stroke down
await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.22);
await page.mouse.down();
for (let k = 1; k <= 12; k++) await page.mouse.move(box.x + box.width * (0.25 + k * 0.042), box.y + box.height * 0.22);
for (let k = 1; k <= 16; k++) await page.mouse.move(box.x + box.width * (0.75 - k * 0.02), box.y + box.height * (0.22 + k * 0.04));
await page.mouse.up();
await page.waitForFunction(() => (window as any).__pg.image().prediction !== null);
await page.waitForTimeout(300);
await page.screenshot({ path: out('image') });

// narrow screen (phone)
await page.setViewportSize({ width: 390, height: 844 });
await boot('');
await step(20);
await page.screenshot({ path: out('mobile') });

console.log('errors:', s.errors, 'csp:', s.cspViolations);
await s.close();
server.close();
