/**
 * Issue 13's memory bar at reduced step counts (bench/soak-loops.ts runs 10,000 steps each): the four
 * loop shapes — (a) a synchronous loop with loss.item() every step, (b) fit() and a `for await` loop,
 * (c) an inference loop, (d) a loop that keeps tensors, (e) a model with its own `forward` — on the wasm backend, each in a child
 * `node --expose-gc`. A 2 MiB device budget forces eviction all through, so the runs exercise the
 * paths a long run depends on: wasm memory stops growing after warm-up, live device bytes stay under
 * the budget plus one step, and (d)'s kept tensors read back exactly what they held when kept.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());

interface Mem {
  rss: number;
  heap: number;
  arrayBuffers: number;
  wasm: number;
  live: number;
}
interface Soak {
  loop: string;
  steps: number;
  lastLoss: number;
  atMark: Mem;
  end: Mem;
  wasmGrowth: number;
  memory: { evicted: number; offloaded: number; engineFreed: number; finalized: number; budget: number; liveBytes: number };
  kept: { ok: boolean; checked: number };
}

const script = fileURLToPath(new URL('../../bench/soak-loops.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const BUDGET = 2 * 1024 * 1024;

function soak(loop: string, steps: number, memory = BUDGET): Soak {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', script, '--loop', loop, '--steps', String(steps), '--memory', String(memory)],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as Soak;
}

function flat(r: Soak): void {
  const what = JSON.stringify(r);
  expect(r.steps, what).toBeGreaterThan(0);
  // the memory reached its size during warm-up and stays there
  expect(r.wasmGrowth, what).toBeLessThanOrEqual(0.1);
  // the JS heap does not collect what the device dropped (evicted copies are garbage)
  expect(r.end.heap - r.atMark.heap, what).toBeLessThan(8 * 1024 * 1024);
  expect(r.end.live, what).toBeLessThanOrEqual(r.memory.budget + 1024 * 1024);
  expect(Number.isFinite(r.lastLoss), what).toBe(true);
}

describe('memory soak: the four loop shapes stay bounded without dispose (wasm)', () => {
  it('(a) synchronous training loop, loss.item() every step: engine frees bound it (eviction the backstop)', () => {
    const r = soak('a', 1500);
    flat(r);
    // the loop never yields, so no finalizer frees anything: backward's temporaries and the gradients
    // zeroGrad drops (never read by user code) are freed by the engine, and eviction is only the backstop
    expect(r.memory.engineFreed).toBeGreaterThan(1500 * 3);
    expect(r.lastLoss).toBeLessThan(0.5);
  });

  it('(b) fit() and a for-await loop', () => {
    const r = soak('b', 1200);
    flat(r);
    expect(r.lastLoss).toBeLessThan(1);
  });

  it('(c) inference loop under noGrad', () => {
    flat(soak('c', 1500));
  });

  it('(d) a loop that keeps tensors: losses, hook activations and an epoch-long tensor read back exactly', () => {
    const r = soak('d', 1200);
    flat(r);
    // the hook's activation escapes every step: it moves to the JS heap when backward releases the last
    // node holding it (young, so a dead one is a young-generation collection's garbage), never through eviction
    expect(r.memory.offloaded).toBeGreaterThanOrEqual(1200);
    expect(r.memory.evicted).toBe(0);
    expect(r.kept.checked).toBe(1200 + 12 + 1);
    expect(r.kept.ok).toBe(true);
  });

  it('(e) a custom forward (user code between layers): training, then inference under noGrad', () => {
    const r = soak('e', 1200);
    flat(r);
    // every activation escapes the engine's frees; each leaves the device when backward releases it
    // (training) or when the top-level call returns (inference), so eviction never has to copy one
    expect(r.memory.offloaded).toBeGreaterThanOrEqual(1200 * 3);
    expect(r.memory.evicted).toBe(0);
    expect(Number.isFinite(r.lastLoss)).toBe(true);
  });
});
