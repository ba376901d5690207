import { describe, expect, it } from 'vitest';
import { runReference } from '../../scripts/reference/run.js';

async function expectAllPass(file: string, count: number): Promise<void> {
  const results = await runReference({ files: [file] });
  const failed = results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.message}`);
  expect(failed).toEqual([]);
  expect(results.length).toBe(count);
}

describe('PyTorch 1.13 golden values', () => {
  it('optim.json: trajectories, final state and filled-in hyper-parameters', async () => {
    await expectAllPass('optim.json', 14);
  });
  it('sched.json: learning rate (and OneCycle momentum) per epoch', async () => {
    await expectAllPass('sched.json', 8);
  });
  it('training.json: loss at every step, first gradients, weights after every step', async () => {
    await expectAllPass('training.json', 2);
  });
});
