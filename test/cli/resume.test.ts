import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { runCli } from '../../src/cli/program.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-cli-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'backprop', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('backprop train --resume', () => {
  const csv = join(dir, 'd.csv');
  const rng = new Rng(3);
  writeFileSync(
    csv,
    [
      'a,b,c,label',
      ...Array.from(
        { length: 120 },
        (_, i) => `${(i % 3) + 0.3 * rng.normal()},${rng.normal()},${['x', 'y'][i % 2]},${['p', 'q', 'r'][i % 3]}`,
      ),
    ].join('\n') + '\n',
  );
  // shuffling (DataLoader), dropout (the MLP's 0.3) and Adam state all have to resume
  const flags = ['--dataset', csv, '--target', 'label', '--batch-size', '16', '--scheduler', 'none', '--seed', '5', '--no-progress'];

  it('2N epochs == N epochs + resume for N more, bit for bit (model file and history)', async () => {
    const full = await cli('train', ...flags, '--epochs', '4', '--out', join(dir, 'full'));
    expect(full.code, full.stderr).toBe(0);
    const half = await cli('train', ...flags, '--epochs', '2', '--out', join(dir, 'half'));
    expect(half.code, half.stderr).toBe(0);
    const resumed = await cli(
      'train',
      ...flags,
      '--epochs',
      '4',
      '--out',
      join(dir, 'half'),
      '--resume',
      join(dir, 'half', 'checkpoint.ckpt'),
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming at epoch 3/);
    expect(resumed.stdout).not.toMatch(/epoch 1\/4/);
    const a = readFileSync(join(dir, 'full', 'model.safetensors'));
    const b = readFileSync(join(dir, 'half', 'model.safetensors'));
    expect(Buffer.compare(a, b)).toBe(0);
    const ha = JSON.parse(readFileSync(join(dir, 'full', 'history.json'), 'utf8')).epochs.map((e: { loss: number }) => e.loss);
    const hb = JSON.parse(readFileSync(join(dir, 'half', 'history.json'), 'utf8')).epochs.map((e: { loss: number }) => e.loss);
    expect(hb).toEqual(ha);
  }, 120_000);

  it('refuses a checkpoint from a run with other flags, or with nothing left to train', async () => {
    const ck = join(dir, 'half', 'checkpoint.ckpt');
    const other = await cli('train', ...flags.map((f) => (f === '16' ? '8' : f)), '--epochs', '6', '--out', join(dir, 'x'), '--resume', ck);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/other flags/);
    const done = await cli('train', ...flags, '--epochs', '4', '--out', join(dir, 'x'), '--resume', ck);
    expect(done.code).toBe(2);
    expect(done.stderr).toMatch(/leaves nothing to train/);
    const sched = await cli(
      'train',
      ...flags.map((f) => (f === 'none' ? 'cosine' : f)),
      '--epochs',
      '6',
      '--out',
      join(dir, 'x'),
      '--resume',
      ck,
    );
    expect(sched.code).toBe(2);
    const missing = await cli('train', ...flags, '--epochs', '6', '--out', join(dir, 'x'), '--resume', join(dir, 'nope.ckpt'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n')).toHaveLength(1);
  }, 120_000);
});
