/**
 * Checkpoints of GPU state (run by `npm run test:webgpu`): `saveCheckpoint` reads tensors on the
 * 'webgpu' device back asynchronously before encoding, wherever they sit in the state (objects,
 * arrays, maps), and leaves the CPU tensors and the caller's state as they were.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { init, tensor, type Tensor } from '../../src/index.js';
import { checkpointToHost } from '../../src/io/checkpoint.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint-node.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-ckpt-webgpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoints of webgpu tensors', () => {
  it('saveCheckpoint reads GPU tensors back wherever they are; loadCheckpoint gives the values on the CPU', async () => {
    await init({ backend: 'webgpu' });
    const g = tensor([1.5, -2, 3.25], { shape: [3] }).to('webgpu');
    const c = tensor([7, 8], { dtype: 'int32' });
    const state = { model: { w: g, nested: [g.mul(2)] }, optimizer: new Map([['m', g.add(1)]]), extra: { c, n: 3 } };
    const file = join(dir, 'gpu.ckpt');
    await saveCheckpoint(file, state);
    expect(state.model.w.device).toBe('webgpu'); // the caller's state is untouched
    const back = await loadCheckpoint(file);
    const m = back.model as { w: Tensor; nested: Tensor[] };
    expect(m.w.device).toBe('cpu');
    expect(m.w.tolist()).toEqual([1.5, -2, 3.25]);
    expect(m.nested[0]!.tolist()).toEqual([3, -4, 6.5]);
    expect(((back.optimizer as Map<string, Tensor>).get('m') as Tensor).tolist()).toEqual([2.5, -1, 4.25]);
    expect((back.extra as { c: Tensor; n: number }).c.tolist()).toEqual([7, 8]);

    const host = await checkpointToHost(state);
    expect(host.extra.c).toBe(c); // CPU tensors are kept as they are
    expect(host.model.w.device).toBe('cpu');
  }, 120_000);
});
