/**
 * RELIABILITY.md, determinism: same seed → bit-identical parameters, on the wasm backend with its
 * worker pool (threads: 2 = the calling thread and one worker). Seeded CNN and MLP training, Adam,
 * shapes over the pool's thresholds (the pool's `run` is counted to prove it); raw float32 bits are
 * compared: three runs in this process, a run in a fresh process, other thread counts (1, 3, 4 —
 * results must not depend on how many threads share the work, so a seeded run gives the same numbers
 * on every machine), every product forced through the pool, and checkpoint resume.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCheckpoint, decodeCheckpoint, encodeCheckpoint, restoreCheckpoint, setBackend } from '../../src/index.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';
import {
  CNN_STEPS,
  digest,
  makeCnn,
  makeMlp,
  MLP_STEPS,
  snapshot,
  train,
  trainCnn,
  trainMlp,
  wasmBackend,
  type Run,
} from './determinism-run.js';
import { ensureBuilt } from './setup.js';

let two: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  two = await wasmBackend(2);
});
afterAll(() => void setBackend('js')); // init() selected wasm for this process

/** Every parameter's bits equal (reports the first differing tensor and element). */
function expectSameBits(got: Float32Array[], want: Float32Array[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let t = 0; t < want.length; t++) {
    const a = new Uint32Array(got[t]!.buffer, got[t]!.byteOffset, got[t]!.length);
    const b = new Uint32Array(want[t]!.buffer, want[t]!.byteOffset, want[t]!.length);
    let first = -1;
    let bad = 0;
    for (let i = 0; i < b.length; i++)
      if (a[i] !== b[i]) {
        bad++;
        if (first < 0) first = i;
      }
    expect(bad, `${what}: parameter ${t}: ${bad}/${b.length} differ, first at ${first} (${got[t]![first]} vs ${want[t]![first]})`).toBe(0);
  }
}

/** Run `f` on the wasm backend with `threads`, counting the pool's calls; the 2-thread backend stays selected after. */
async function on<T>(threads: number, f: () => T, minMacs?: number): Promise<{ out: T; poolCalls: number }> {
  const b = await wasmBackend(threads);
  const saved = b.gemm.parallelMinMacs;
  if (minMacs !== undefined) b.gemm.parallelMinMacs = minMacs;
  const pool = b.gemm.pool;
  let poolCalls = 0;
  const run = pool?.run;
  if (pool && run)
    pool.run = (...args) => {
      poolCalls++;
      return run.apply(pool, args);
    };
  try {
    return { out: f(), poolCalls };
  } finally {
    if (pool && run) pool.run = run;
    b.gemm.parallelMinMacs = saved;
    await wasmBackend(2);
  }
}

describe('seeded training on the threaded wasm backend is bit-for-bit repeatable', () => {
  it('runs on two threads with a worker pool (else nothing here tests threads)', () => {
    expect(two.name).toBe('wasm');
    if (!two.info?.sharedMemory) return expect(two.gemm.threads).toBe(1); // no shared memory: one thread
    expect(two.gemm.threads).toBe(2);
  });

  it(`CNN (conv/batch norm/relu/maxpool, conv/relu/maxpool, linear ×2), Adam, ${CNN_STEPS} steps: three runs, same bits`, async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await on(2, () => trainCnn(CNN_STEPS)));
    if (two.gemm.pool) expect(runs[0]!.poolCalls).toBeGreaterThanOrEqual(9 * CNN_STEPS); // conv fwd ×2, dW ×2, dX, batch norm ×4, Adam
    expectSameBits(runs[1]!.out, runs[0]!.out, 'run 2 vs run 1');
    expectSameBits(runs[2]!.out, runs[0]!.out, 'run 3 vs run 1');
  });

  it(`MLP, Adam, ${MLP_STEPS} steps: three runs, same bits`, async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await on(2, () => trainMlp(MLP_STEPS)));
    if (two.gemm.pool) expect(runs[0]!.poolCalls).toBeGreaterThanOrEqual(4 * MLP_STEPS);
    expectSameBits(runs[1]!.out, runs[0]!.out, 'run 2 vs run 1');
    expectSameBits(runs[2]!.out, runs[0]!.out, 'run 3 vs run 1');
  });

  it('every product and conv forced through the pool: three runs, same bits', async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await on(2, () => [...trainCnn(15), ...trainMlp(15)], 0));
    expectSameBits(runs[1]!.out, runs[0]!.out, 'run 2 vs run 1');
    expectSameBits(runs[2]!.out, runs[0]!.out, 'run 3 vs run 1');
  });

  it('a fresh process gets the same bits', async () => {
    const want = (await on(2, () => ({ cnn: digest(trainCnn(CNN_STEPS)), mlp: digest(trainMlp(MLP_STEPS)) }))).out;
    const script = fileURLToPath(new URL('./determinism-run.ts', import.meta.url));
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const got = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', script, '2'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!,
    );
    expect(got.cnn).toBe(want.cnn);
    expect(got.mlp).toBe(want.mlp);
  });

  it('the number of threads does not change the bits (1, 2, 3, 4 threads; pool forced or not)', async () => {
    const want = (await on(1, () => [...trainCnn(20), ...trainMlp(20)])).out;
    for (const t of [2, 3, 4]) {
      expectSameBits((await on(t, () => [...trainCnn(20), ...trainMlp(20)])).out, want, `${t} threads`);
      expectSameBits((await on(t, () => [...trainCnn(20), ...trainMlp(20)], 0)).out, want, `${t} threads, pool forced`);
    }
  });

  it('resume is bit-identical: 2N steps = N steps, checkpoint, restore into fresh objects, N steps', async () => {
    for (const make of [makeCnn, makeMlp]) {
      const straight = snapshot(train(make(0), 20).model);
      const first = train(make(0), 10);
      const bytes = encodeCheckpoint(captureCheckpoint({ model: first.model, optimizer: first.opt }));
      const resumed: Run = train(make(0), 3); // other weights and moments: everything must come from the checkpoint
      restoreCheckpoint(decodeCheckpoint(bytes), { model: resumed.model, optimizer: resumed.opt });
      expectSameBits(snapshot(train(resumed, 10).model), straight, `${make.name} resumed`);
    }
  });
});
