// Compile the AssemblyScript kernels to WebAssembly, one module per feature set:
//   simd           128-bit SIMD, private memory
//   relaxed        + relaxed SIMD (fused multiply-add), private memory
//   simd-mt        SIMD, shared memory (for the worker pool)
//   relaxed-mt     relaxed SIMD, shared memory
// Output: build/wasm/backprop-<variant>.wasm (git-ignored; rebuilt by `npm run build:wasm`).
import { mkdirSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'build', 'wasm');
mkdirSync(outDir, { recursive: true });

const MAX_PAGES = 16384; // 1 GiB: the arena's hard ceiling
const variants = {
  simd: ['--enable', 'simd'],
  relaxed: ['--enable', 'simd,relaxed-simd'],
  'simd-mt': ['--enable', 'simd,threads', '--sharedMemory'],
  'relaxed-mt': ['--enable', 'simd,relaxed-simd,threads', '--sharedMemory'],
};

const onlyIfStale = process.argv.includes('--if-stale');
// the kernels' sources, and the op codes and geometry slots they share with the host
const sources = [...readdirSync(here).filter((f) => f.endsWith('.ts')).map((f) => join(here, f)), join(here, '..', 'src', 'backend', 'wasm', 'abi.ts')];
const srcMtime = Math.max(...sources.map((f) => statSync(f).mtimeMs));

for (const [name, flags] of Object.entries(variants)) {
  const out = join(outDir, `backprop-${name}.wasm`);
  if (onlyIfStale) {
    try {
      if (statSync(out).mtimeMs >= srcMtime) continue;
    } catch { /* missing: build it */ }
  }
  const args = [
    join(here, 'index.ts'), '--outFile', out,
    '-O3', '--noAssert', '--runtime', 'stub', '--use', 'abort=',
    '--importMemory', '--initialMemory', '2', '--maximumMemory', String(MAX_PAGES),
    ...flags,
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    console.error(`build:wasm: ${name} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build:wasm: ${out}`);
}
