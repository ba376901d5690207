/**
 * PyTorch's reference cases with the webgpu backend selected (`npm run test:webgpu`, SwiftShader
 * without a GPU): ops, nn, losses, optimizers, schedulers and training pass in full (`.ci/run` also runs
 * them through `npm run reference -- --backend webgpu`); tensor.json passes except the boolean-mask
 * selections, whose result size depends on the mask's values (a typed E_WEBGPU_SYNC_READ, never a
 * wrong value).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { runReference } from '../../scripts/reference/run.js';

/** The cases that cannot run on the GPU synchronously: their output shape depends on a GPU mask. */
const SYNC_READ_ONLY = ['getitem/bool_mask_full', 'getitem/bool_mask_rows', 'masked_select'];

beforeAll(async () => {
  await init({ backend: 'webgpu' });
});
afterAll(async () => {
  await init({ backend: 'js' });
});

describe('PyTorch reference cases on webgpu', () => {
  it('ops, nn, losses, optim, sched and training: every float32 case passes', async () => {
    const results = await runReference({
      files: ['ops.json', 'nn.json', 'losses.json', 'optim.json', 'sched.json', 'training.json'],
      device: 'webgpu',
    });
    const ran = results.filter((r) => r.notRun !== true);
    const failed = results.filter((r) => !r.passed && r.notRun !== true).map((r) => `${r.name}: ${r.message}`);
    expect(failed, failed.join('\n')).toEqual([]);
    expect(ran.length).toBeGreaterThanOrEqual(230);
  });
  it('tensor.json: all but the boolean-mask selections pass; those stop with E_WEBGPU_SYNC_READ', async () => {
    const results = await runReference({ files: ['tensor.json'], device: 'webgpu' });
    const failed = results.filter((r) => !r.passed && r.notRun !== true);
    expect(failed.map((r) => r.name).sort()).toEqual(SYNC_READ_ONLY.slice().sort());
    for (const r of failed) expect(r.message).toMatch(/'webgpu' device.*asynchronously/);
    expect(results.filter((r) => r.passed).length).toBeGreaterThanOrEqual(77);
  });
});
