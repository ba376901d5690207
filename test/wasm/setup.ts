/** Shared helpers for the wasm parity tests: build the modules if missing, compare against js. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Rng } from '../../src/core/rng.js';

let built = false;
/** Compile the AssemblyScript kernels when the .wasm files are missing or older than the sources. */
export function ensureBuilt(): void {
  if (built) return;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  execFileSync(process.execPath, ['assembly/build.mjs', '--if-stale'], { cwd: root, stdio: 'pipe' });
  built = true;
}

export function randF32(n: number, seed: number, scale = 1): Float32Array {
  const r = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r.uniform() * 2 - 1) * scale;
  return a;
}

/**
 * Elementwise |got − want| ≤ atol + rtol·|want|, reporting the number of mismatches and the worst
 * index like torch.testing.assert_close.
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-5, atol = 1e-5, what = ''): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let bad = 0;
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (g === w || (Number.isNaN(w) && Number.isNaN(g))) continue;
    const err = Math.abs(g - w);
    if (!(err <= atol + rtol * Math.abs(w))) {
      bad++;
      if (!(err <= worstErr)) {
        worstErr = err;
        worst = i;
      }
    }
  }
  expect(bad, `${what}: ${bad}/${want.length} mismatched; worst at ${worst}: got ${got[worst]} want ${want[worst]}`).toBe(0);
}

/**
 * float32-accumulation check: |got − want| ≤ 2e-6·(terms + 8)·scale, where `scale` is the same
 * computation on |inputs| (so cancellation cannot hide an error).
 */
export function expectScaled(got: ArrayLike<number>, want: ArrayLike<number>, scale: ArrayLike<number>, terms: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const tol = 2e-6 * (terms + 8);
  let bad = 0;
  let worst = -1;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol * scale[i]! + 1e-30)) {
      bad++;
      if (worst < 0) worst = i;
    }
  }
  expect(bad, `${what}: ${bad}/${want.length} outside tolerance; first at ${worst}: got ${got[worst]} want ${want[worst]}`).toBe(0);
}

export function absOf(a: Float32Array): Float64Array {
  return Float64Array.from(a, Math.abs);
}
