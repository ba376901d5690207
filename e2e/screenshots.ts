/**
 * Screenshots for the README: the default view, a trained spiral, multi-class, and image mode.
 * Run: npm run build:playground && npx tsx e2e/screenshots.ts   (writes docs/playground-*.png)
 */
import { resolve } from 'node:path';
import { serve } from './server.js';
import { open } from './browser.js';
/* eslint-disable @typescript-eslint/no-explicit-any */

const out = (name: string) => resolve(import.meta.dirname, `../docs/playground-${name}.png`);
const { server, url } = await serve();
const s = await open('about:blank', { viewport: { width: 1400, height: 1000 } });
const page = s.page;
const boot = async (hash: string) => {
  await page.goto('about:blank');
  await page.goto(`${url}?test=1#${hash}`);
  await page.waitForFunction(() => (window as any).__pg?.ready(), null, { timeout: 60_000 });
};
const step = (n: number) => page.evaluate(`window.__pg.step(${n}).then(() => true)`);

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
await page.waitForFunction(() => (window as any).__pg.image()?.step === 0, null, { timeout: 60_000 });
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
