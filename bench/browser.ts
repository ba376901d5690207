/**
 * Headless-Chromium benchmark: bundle bench/browser/page.ts with Vite, serve the repository with
 * cross-origin isolation headers, open the page in Chromium (playwright-core, the system
 * /usr/bin/chromium) and print what it measured. `node --import tsx bench/browser.ts [--quick]`;
 * also run by `npm run bench` when Chromium is present.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const CHROMIUM = '/usr/bin/chromium';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

async function bundle(): Promise<void> {
  const { build } = await import('vite');
  await build({
    root,
    logLevel: 'error',
    configFile: false,
    build: {
      outDir: join(root, 'build', 'browser'),
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      lib: { entry: join(root, 'bench', 'browser', 'page.ts'), formats: ['es'], fileName: () => 'page.js' },
      rollupOptions: { external: [/^node:/] },
    },
  });
}

function serve(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname === '/' ? '/bench/browser/index.html' : url.pathname;
    const file = normalize(join(root, decodeURIComponent(path)));
    if (!file.startsWith(root + '/') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, port: (server.address() as { port: number }).port })));
}

export interface BrowserResult {
  userAgent: string;
  backend: { backend: string; info: Record<string, unknown> };
  /** Threads TF.js's wasm backend used in the page. */
  tfjsThreads: number;
  rows: { workload: string; backprop: number; tfjsWasm: number }[];
  /** wasm vs js kernels in the page: worst error relative to the result's largest magnitude. */
  parity: { name: string; worst: number }[];
}

/** Parity tolerance: float32 accumulation over ≤ 129 terms, relative to the result's scale. */
export const PARITY_TOL = 1e-5;

export async function runBrowserBench(quick: boolean): Promise<BrowserResult> {
  await bundle();
  const { server, port } = await serve();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}/?reps=${quick ? 3 : 5}&target=${quick ? 0.2 : 0.5}`);
    await page.waitForFunction(() => window.__bench !== undefined || window.__benchError !== undefined, undefined, {
      timeout: 170_000,
      polling: 500,
    });
    const err = await page.evaluate(() => window.__benchError);
    if (err) throw new Error(`browser bench: ${err}`);
    if (errors.length) throw new Error(`browser bench: ${errors.join('; ')}`);
    return (await page.evaluate(() => window.__bench)) as BrowserResult;
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await runBrowserBench(process.argv.includes('--quick'));
  console.log(r.userAgent);
  console.log(JSON.stringify(r.backend.info));
  console.log(`TF.js wasm threads: ${r.tfjsThreads}`);
  for (const row of r.rows)
    console.log(
      `${row.workload}: backprop ${Math.round(row.backprop)}, TF.js wasm ${Math.round(row.tfjsWasm)}, ratio ${(row.backprop / row.tfjsWasm).toFixed(2)}×`,
    );
  for (const p of r.parity)
    console.log(`parity ${p.name}: worst relative error ${p.worst.toExponential(2)} ${p.worst <= PARITY_TOL ? 'ok' : 'FAIL'}`);
  if (r.parity.some((p) => !(p.worst <= PARITY_TOL))) process.exit(1);
}
