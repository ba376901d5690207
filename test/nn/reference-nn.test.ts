import { describe, expect, it } from 'vitest';
import { runReference } from '../../scripts/reference/run.js';

describe('nn.json PyTorch reference cases', () => {
  it('all 16 module cases match PyTorch (outputs, input and parameter grads, buffers after)', async () => {
    const results = await runReference({ files: ['nn.json'] });
    const failed = results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.message}`);
    expect(failed).toEqual([]);
    expect(results.length).toBe(16);
    // every case compared something beyond the output
    for (const r of results) expect(r.checks).toBeGreaterThanOrEqual(2);
  });
});

describe('extra PyTorch cases (test/nn/fixtures/nn-extra.json, from scripts/reference/gen_nn_extra.py)', () => {
  it('conv variants, pooling, norms, stacked/bidirectional RNNs, cells, masked attention, transformer blocks and activations match PyTorch (12 also in float64 at 1e-7)', async () => {
    const dir = new URL('./fixtures', import.meta.url).pathname;
    const results = await runReference({ dir, files: ['nn-extra.json'] });
    const failed = results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.message}`);
    expect(failed).toEqual([]);
    expect(results.length).toBe(56);
  });
});

describe('closed known gaps (test/nn/fixtures/nn-gaps.json, from scripts/reference/gen_nn_gaps.py)', () => {
  it('padding modes, bilinear/bicubic Upsample, Embedding maxNorm, LSTM projSize, packed sequences, MHA addBiasKv/addZeroAttn, gelu tanh and CyclicLR match PyTorch', async () => {
    const dir = new URL('./fixtures', import.meta.url).pathname;
    const results = await runReference({ dir, files: ['nn-gaps.json'] });
    const failed = results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.message}`);
    expect(failed).toEqual([]);
    expect(results.length).toBe(38);
    for (const r of results) expect(r.checks).toBeGreaterThanOrEqual(2);
  });
});
