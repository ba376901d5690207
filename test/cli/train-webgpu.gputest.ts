/**
 * `backprop train|evaluate --backend webgpu` (run by `npm run test:webgpu`): the model trains on the
 * GPU, the per-epoch checkpoint and the model files are written from GPU state (read back
 * asynchronously), a run resumes on the GPU, and the numbers match the CPU run within float32 rounding;
 * `evaluate` and `predict` run the trained model on the GPU too.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { runCli } from '../../src/cli/program.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-cli-webgpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'backprop', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const losses = (run: string): number[] =>
  JSON.parse(readFileSync(join(dir, run, 'history.json'), 'utf8')).epochs.map((e: { loss: number }) => e.loss);

const near = (got: number[], want: number[], rel: number) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) =>
    expect(Math.abs(g - want[i]!), `entry ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want[i]!))),
  );
};

describe('backprop train / evaluate --backend webgpu', () => {
  const csv = join(dir, 'd.csv');
  const rng = new Rng(3);
  writeFileSync(
    csv,
    [
      'a,b,c,label',
      ...Array.from(
        { length: 90 },
        (_, i) => `${(i % 3) + 0.3 * rng.normal()},${rng.normal()},${['x', 'y'][i % 2]},${['p', 'q', 'r'][i % 3]}`,
      ),
    ].join('\n') + '\n',
  );
  // the MLP has dropout and Adam state: both have to survive the GPU round trip of a checkpoint
  const flags = ['--dataset', csv, '--target', 'label', '--batch-size', '16', '--scheduler', 'none', '--seed', '5', '--no-progress'];

  it('trains on the GPU, checkpoints every epoch, resumes there, and matches the CPU run', async () => {
    const cpu = await cli('train', ...flags, '--epochs', '3', '--backend', 'wasm', '--out', join(dir, 'cpu'));
    expect(cpu.code, cpu.stderr).toBe(0);
    const gpu = await cli('train', ...flags, '--epochs', '2', '--backend', 'webgpu', '--out', join(dir, 'gpu'));
    expect(gpu.code, gpu.stderr).toBe(0);
    expect(gpu.stdout).toMatch(/backend: webgpu/);
    for (const f of ['model.safetensors', 'model.json', 'history.json', 'checkpoint.ckpt'])
      expect(existsSync(join(dir, 'gpu', f))).toBe(true);
    const resumed = await cli(
      'train',
      ...flags,
      '--epochs',
      '3',
      '--backend',
      'webgpu',
      '--out',
      join(dir, 'gpu'),
      '--resume',
      join(dir, 'gpu', 'checkpoint.ckpt'),
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming at epoch 3/);
    // float32 kernels on the GPU against the CPU's: the same run to float32 rounding
    near(losses('gpu'), losses('cpu'), 1e-3);

    // the GPU-trained model evaluates the same on the GPU and on the CPU
    const onCpu = await cli('evaluate', '--model', join(dir, 'gpu'), '--dataset', csv, '--backend', 'wasm');
    const onGpu = await cli('evaluate', '--model', join(dir, 'gpu'), '--dataset', csv, '--backend', 'webgpu');
    expect(onCpu.code, onCpu.stderr).toBe(0);
    expect(onGpu.code, onGpu.stderr).toBe(0);
    const nums = (s: string) => [...s.matchAll(/(\w+) (-?[\d.]+)/g)].map((m) => Number(m[2]));
    near(nums(onGpu.stdout), nums(onCpu.stdout), 1e-4);

    // predict runs the model on the GPU and prints what the CPU prints, to float32 rounding
    const rows = join(dir, 'rows.csv');
    writeFileSync(rows, 'a,b,c\n0.1,0.2,x\n2.2,-1,y\n1.1,0.5,x\n');
    const pc = await cli('predict', '--model', join(dir, 'gpu'), rows, '--top', '2', '--backend', 'wasm');
    const pg = await cli('predict', '--model', join(dir, 'gpu'), rows, '--top', '2', '--backend', 'webgpu');
    expect(pc.code, pc.stderr).toBe(0);
    expect(pg.code, pg.stderr).toBe(0);
    const cells = (s: string) => s.split('\n').map((l) => l.split(','));
    const [c, g] = [cells(pc.stdout), cells(pg.stdout)];
    expect(g.length).toBe(4);
    g.forEach((row, i) =>
      row.forEach((v, j) => {
        if (i > 0 && j >= 2 && j % 2 === 0) expect(Math.abs(Number(v) - Number(c[i]![j]))).toBeLessThanOrEqual(2e-4);
        else expect(v).toBe(c[i]![j]);
      }),
    );
  }, 600_000);
});
