/**
 * Memory soak (RELIABILITY.md): 10,000 MLP training steps; the heap after forced GC grows ≤ 5 MB
 * between step 1,000 and the end, and an old step's activations are collected (the graph is released
 * after backward). Runs in a child `node --expose-gc` so `gc()` is available. A deliberate leak
 * (keeping every graph) is the control: the same measurement must catch it.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

interface SoakResult {
  steps: number;
  heapMB: Record<string, number>;
  growthMB: number;
  collected: boolean;
  finalLoss: number;
}

function soak(...args: string[]): SoakResult {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'soak', 'mlp-soak.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as SoakResult;
}

describe('memory', () => {
  it('10,000 training steps: heap flat (≤ 5 MB growth after step 1,000), old graphs collected, loss falls', () => {
    const r = soak('10000');
    expect(r.steps).toBe(10000);
    expect(r.growthMB, JSON.stringify(r.heapMB)).toBeLessThanOrEqual(5);
    expect(r.collected).toBe(true);
    expect(r.finalLoss).toBeLessThan(0.2);
  });

  it('control: keeping every graph alive is caught by the same measurement', () => {
    const r = soak('1500', 'leak');
    expect(r.growthMB).toBeGreaterThan(5);
  });
});
