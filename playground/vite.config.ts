/**
 * Vite config for the playground (a static app). The page reaches the framework only through
 * src/bp.ts, which re-exports backprop's public API (src/index.ts). The bundled MNIST subset is a virtual module built from the
 * `mnist` package's digits; the production HTML gets a strict Content-Security-Policy.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The policy the built page is served under (also sent as a header by the e2e server). */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Headers can also forbid framing (browsers ignore `frame-ancestors` in a <meta> policy). */
export const CSP_HEADER = `${CSP}; frame-ancestors 'none'`;

/** Images per digit bundled for image mode. */
export const MNIST_PER_DIGIT = 200;

function mnistSubset(): Plugin {
  const id = 'virtual:mnist-subset';
  return {
    name: 'mnist-subset',
    resolveId: (s) => (s === id ? `\0${id}` : null),
    load(s) {
      if (s !== `\0${id}`) return null;
      const dir = resolve(dirname(require.resolve('mnist/package.json')), 'src/digits');
      const n = MNIST_PER_DIGIT;
      const images = new Uint8Array(10 * n * 784);
      const labels = new Uint8Array(10 * n);
      // interleave digits so any prefix is balanced
      for (let d = 0; d < 10; d++) {
        const data = (JSON.parse(readFileSync(resolve(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
        for (let i = 0; i < n; i++) {
          const k = i * 10 + d;
          labels[k] = d;
          for (let p = 0; p < 784; p++) images[k * 784 + p] = Math.round(data[i * 784 + p]! * 255);
        }
      }
      return `export const count = ${10 * n};\nexport const images = ${JSON.stringify(Buffer.from(images).toString('base64'))};\nexport const labels = ${JSON.stringify(Buffer.from(labels).toString('base64'))};\n`;
    },
  };
}

function cspMeta(): Plugin {
  return {
    name: 'csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [mnistSubset(), cspMeta()],
  // `data.datasets.mnist()` would pull the whole 20 MB package into a chunk; the page never calls it
  resolve: { alias: { mnist: resolve(here, 'src/no-mnist.ts') } },
  worker: { format: 'es', plugins: () => [mnistSubset()] },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4000,
  },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173, headers: { 'Content-Security-Policy': CSP_HEADER } },
});
