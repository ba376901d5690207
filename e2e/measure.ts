/**
 * Measures training speed of the default network (2 → 4 → 2 → 1, 250 training points, batch 10) in
 * headless Chromium while the page renders: epochs per second over 5 s of "play", per backend.
 * Run: npm run build:playground && npx tsx e2e/measure.ts   (prints numbers; asserts nothing)
 */
import { serve } from './server.js';
import { open } from './browser.js';

const { server, url } = await serve();
for (const backend of ['auto', 'js']) {
  const s = await open(`${url}?test=1&backend=${backend}`);
  await s.page.waitForFunction(() => (window as unknown as { __pg?: { ready(): unknown } }).__pg?.ready(), null, { timeout: 60_000 });
  // a string, so the bundler's helper names never reach the page
  const r = await s.page.evaluate(`(async () => {
    const pg = window.__pg;
    const e0 = (await pg.sync()).epoch;
    document.getElementById('play').click();
    const t0 = performance.now();
    // UI responsiveness: the longest gap between animation frames while training runs
    let worst = 0, last = performance.now(); const gaps = [];
    await new Promise((res) => {
      const tick = () => {
        const now = performance.now();
        worst = Math.max(worst, now - last); gaps.push(now - last);
        last = now;
        if (now - t0 < 5000) requestAnimationFrame(tick); else res();
      };
      requestAnimationFrame(tick);
    });
    document.getElementById('play').click();
    const f = await pg.sync();
    const secs = (performance.now() - t0) / 1000;
    gaps.sort((a, b) => a - b);
    return { frames: gaps.length, medianFrameGapMs: gaps[gaps.length >> 1], p95FrameGapMs: gaps[Math.floor(gaps.length * 0.95)], renderMs: pg.renderMs(), backend: f.backend, epochs: f.epoch - e0, epochsPerSecond: (f.epoch - e0) / secs, msPerStep: f.msPerStep, worstFrameGapMs: worst };
  })()`);
  console.log(JSON.stringify(r));
  await s.close();
}
server.close();
