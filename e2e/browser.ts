/** Headless Chromium (Debian's) driven by playwright-core, with a fresh profile per launch. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Session {
  context: BrowserContext;
  page: Page;
  errors: string[];
  cspViolations: string[];
  close(): Promise<void>;
}

export async function open(url: string, opts: { viewport?: { width: number; height: number }; deviceScaleFactor?: number } = {}): Promise<Session> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-e2e-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--js-flags=--expose-gc',
    ],
    viewport: opts.viewport ?? { width: 1400, height: 1000 },
    deviceScaleFactor: opts.deviceScaleFactor ?? 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const cspViolations: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('worker', (w) => w.on('close', () => undefined));
  await page.exposeFunction('__cspViolation', (s: string) => cspViolations.push(s));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation(s: string): void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(url);
  return {
    context,
    page,
    errors,
    cspViolations,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
