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

export async function open(
  url: string,
  opts: { viewport?: { width: number; height: number }; deviceScaleFactor?: number; webgpu?: boolean } = {},
): Promise<Session> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-e2e-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      // WebGPU on SwiftShader (Chromium's CPU Vulkan) for the GPU tests; no GPU otherwise
      ...(opts.webgpu
        ? [
            '--enable-unsafe-webgpu',
            '--enable-features=Vulkan',
            '--use-vulkan=swiftshader',
            '--use-webgpu-adapter=swiftshader',
            '--disable-vulkan-surface',
          ]
        : ['--disable-gpu']),
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--js-flags=--expose-gc',
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

/**
 * The training worker's JS heap after a forced GC, read over the DevTools protocol (workers have no
 * `performance.memory`). Attach before the worker starts or right after; the first worker found is used.
 */
export async function workerHeap(page: Page): Promise<() => Promise<number>> {
  const s = await page.context().newCDPSession(page);
  const sessions: string[] = [];
  let nextId = 1;
  const waits = new Map<number, (v: unknown) => void>();
  s.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
    if (e.targetInfo.type === 'worker') sessions.push(e.sessionId);
  });
  s.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown };
    if (m.id !== undefined && waits.has(m.id)) {
      waits.get(m.id)!(m.result);
      waits.delete(m.id);
    }
  });
  await s.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const call = (method: string): Promise<unknown> =>
    new Promise((res) => {
      const id = nextId++;
      waits.set(id, res);
      void (s.send as (m: string, p: unknown) => Promise<unknown>)('Target.sendMessageToTarget', {
        sessionId: sessions[0],
        message: JSON.stringify({ id, method }),
      });
    });
  for (let i = 0; i < 50 && sessions.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  if (!sessions.length) throw new Error('workerHeap: no worker target found');
  return async () => {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const r = (await call('Runtime.getHeapUsage')) as { usedSize: number };
    return r.usedSize;
  };
}
