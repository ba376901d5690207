import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { parseXml, markGroups } from '../viz/xml.js';
import { runCli } from '../../src/cli/program.js';

const root = resolve(import.meta.dirname, '../..');
const main = join(root, 'src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'bp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the CLI in this process (fast); `spawned` runs the real bin in a child process. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'backprop', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n') + '\n', stderr: err.length ? err.join('\n') + '\n' : '' };
}

function spawned(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, BACKPROP_DEBUG: '' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A one-line error, no stack trace. */
function expectOneLineError(r: { code: number; stderr: string }, code: number, re: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines.length, r.stderr).toBe(1);
  expect(lines[0]).toMatch(/^backprop: error: /);
  expect(lines[0]).toMatch(re);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

// a 3-class tabular problem with a categorical column
function writeCsv(file: string, n: number, seed: number, regression = false): void {
  const rng = new Rng(seed);
  const rows = ['x1,x2,colour,label'];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const x1 = (2 * c + 0.4 * rng.normal()).toFixed(4);
    const x2 = (-c + 0.4 * rng.normal()).toFixed(4);
    const colour = ['red', 'green', 'blue'][rng.int(0, 3)];
    const label = regression ? (3 * Number(x1) - Number(x2) + 0.05 * rng.normal()).toFixed(4) : ['setosa', 'versicolor', 'virginica'][c];
    rows.push(`${x1},${x2},${colour},${label}`);
  }
  writeFileSync(file, rows.join('\n') + '\n');
}

describe('backprop CLI on a CSV file', () => {
  const csv = join(dir, 'flowers.csv');
  const out = join(dir, 'run-csv');
  writeCsv(csv, 300, 1);

  it('train writes every artefact and reaches high accuracy', async () => {
    const r = await cli(
      'train',
      '--dataset',
      csv,
      '--target',
      'label',
      '--epochs',
      '8',
      '--batch-size',
      '16',
      '--lr',
      '0.01',
      '--out',
      out,
      '--seed',
      '3',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/epoch 1\/8 {2}loss/);
    expect(r.stdout).toMatch(/3 classes/);
    const acc = Number(/validation: loss [\d.]+ {2}accuracy ([\d.]+)/.exec(r.stdout)![1]);
    expect(acc).toBeGreaterThan(0.9);
    for (const f of ['model.safetensors', 'model.json', 'history.json', 'learning-curves.svg', 'confusion-matrix.svg'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const meta = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(meta.format).toBe('backprop-model');
    expect(meta.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(meta.inputShape).toEqual([5]); // 2 scaled numbers + 3 one-hot colours
    expect(meta.preprocessing.kind).toBe('csv');
    expect(JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')).epochs.length).toBe(8);
    expect(markGroups(parseXml(readFileSync(join(out, 'learning-curves.svg'), 'utf8')), 'line').length).toBe(4);
    expect(markGroups(parseXml(readFileSync(join(out, 'confusion-matrix.svg'), 'utf8')), 'rect')[0]!.children.length).toBe(9);
  });

  it('the same seed gives the same model bytes', async () => {
    const out2 = join(dir, 'run-csv-2');
    const r = await cli(
      'train',
      '--dataset',
      csv,
      '--target',
      'label',
      '--epochs',
      '8',
      '--batch-size',
      '16',
      '--lr',
      '0.01',
      '--out',
      out2,
      '--seed',
      '3',
      '--no-progress',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out2, 'model.safetensors')).equals(readFileSync(join(out, 'model.safetensors')))).toBe(true);
  });

  it('evaluate, predict and info use the saved model', async () => {
    const e = await cli('evaluate', '--model', out, '--dataset', csv);
    expect(e.code, e.stderr).toBe(0);
    expect(Number(/accuracy ([\d.]+)/.exec(e.stdout)![1])).toBeGreaterThan(0.9);
    const rowsFile = join(dir, 'rows.csv');
    writeFileSync(rowsFile, 'x2,x1,colour\n0.1,0.0,red\n-2.0,4.1,blue\n');
    const p = await cli('predict', '--model', out, rowsFile, '--top', '2');
    expect(p.code, p.stderr).toBe(0);
    const lines = p.stdout.trim().split('\n');
    expect(lines[0]).toBe('input,label1,probability1,label2,probability2');
    expect(lines[1]).toMatch(/^rows\.csv:2,setosa,/);
    expect(lines[2]).toMatch(/^rows\.csv:3,virginica,/);
    const i = await cli('info', '--model', out);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/^backend: /);
    expect(i.stdout).toMatch(/Linear +\[1,512\] +3,072/); // 5·512 + 512
    expect(i.stdout).toMatch(/Total params: 135,171/);
  });

  it('regression targets train with MSE and report R²', async () => {
    const reg = join(dir, 'reg.csv');
    writeCsv(reg, 200, 2, true);
    const r = await cli(
      'train',
      '--dataset',
      reg,
      '--target',
      'label',
      '--epochs',
      '30',
      '--lr',
      '0.01',
      '--out',
      join(dir, 'run-reg'),
      '--no-progress',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(Number(/r2 ([\d.-]+)/.exec(r.stdout.split('\n').find((l) => l.startsWith('validation'))!)![1])).toBeGreaterThan(0.9);
    expect(existsSync(join(dir, 'run-reg', 'confusion-matrix.svg'))).toBe(false);
  });

  it('bad flags, files and models give one line and a non-zero exit', async () => {
    expectOneLineError(await cli('train', '--dataset', csv, '--epochs', 'ten'), 2, /--epochs must be an integer, got 'ten'/);
    expectOneLineError(await cli('train', '--dataset', csv), 2, /needs --target COLUMN/);
    expectOneLineError(
      await cli('train', '--dataset', csv, '--target', 'nope'),
      2,
      /'nope' is not a column .* columns: x1, x2, colour, label/,
    );
    expectOneLineError(await cli('train', '--dataset', join(dir, 'missing.csv'), '--target', 'y'), 1, /not found/);
    expectOneLineError(
      await cli('train', '--dataset', csv, '--target', 'label', '--model', 'transformer'),
      2,
      /unknown --model 'transformer'/,
    );
    expectOneLineError(
      await cli('train', '--dataset', csv, '--target', 'label', '--model', 'lenet5', '--epochs', '1'),
      1,
      /needs image inputs/,
    );
    expectOneLineError(await cli('train', '--dataset', csv, '--target', 'label', '--optimizer', 'lbfgs'), 2, /unknown --optimizer 'lbfgs'/);
    expectOneLineError(await cli('train', '--dataset', csv, '--target', 'label', '--val-fraction', '1.5'), 2, /--val-fraction/);
    expectOneLineError(await cli('train', '--dataset', csv, '--bogus'), 2, /unknown option '--bogus'/);
    expectOneLineError(await cli('train'), 2, /required option '-d, --dataset/);
    expectOneLineError(await cli('trian'), 2, /unknown command 'trian'.*Did you mean train/);
    expectOneLineError(await cli('evaluate', '--model', join(dir, 'nothing')), 1, /model folder .* not found/);
    expectOneLineError(await cli('predict', '--model', out, join(dir, 'nope.csv')), 1, /not found/);
    // a corrupted CSV: ragged row, reported with its line
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b,label\n1,2,x\n3,4\n');
    expectOneLineError(await cli('train', '--dataset', bad, '--target', 'label'), 1, /line 3/);
    // a bad JSON model spec
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ layers: [{ type: 'Linear', args: [7, 3] }] }));
    expectOneLineError(await cli('train', '--dataset', csv, '--target', 'label', '--model', spec), 1, /do not fit input \[5\]/);
    writeFileSync(spec, JSON.stringify({ layers: [{ type: 'Eval', args: [] }] }));
    expectOneLineError(
      await cli('train', '--dataset', csv, '--target', 'label', '--model', spec),
      1,
      /unknown type 'Eval'; allowed: Linear/,
    );
  });

  it('the real bin (child process) prints one line and exits non-zero, or succeeds', () => {
    expectOneLineError(spawned('train', '--dataset', csv, '--epochs', 'ten'), 2, /--epochs must be an integer, got 'ten'/);
    expectOneLineError(spawned('evaluate', '--model', join(dir, 'nothing')), 1, /model folder .* not found/);
    const ok = spawned('info', '--model', 'lenet5');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Total params: 61,706/);
    expect(ok.stderr).toBe('');
  });

  it('a model folder whose weights do not match model.json is refused', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    copyFileSync(join(out, 'model.json'), join(mixed, 'model.json'));
    const meta = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    meta.architecture.hidden = [32];
    writeFileSync(join(mixed, 'model.json'), JSON.stringify(meta));
    copyFileSync(join(out, 'model.safetensors'), join(mixed, 'model.safetensors'));
    expectOneLineError(await cli('evaluate', '--model', mixed, '--dataset', csv), 1, /does not match the architecture/);
    writeFileSync(join(mixed, 'model.safetensors'), readFileSync(join(out, 'model.safetensors')).subarray(0, 100));
    expectOneLineError(await cli('evaluate', '--model', mixed, '--dataset', csv), 1, /safetensors/i);
    writeFileSync(join(mixed, 'model.json'), '{"format":"something-else"}');
    expectOneLineError(await cli('info', '--model', mixed), 1, /not a backprop model description/);
  });
});

describe('backprop CLI on an image folder', () => {
  it('trains on class sub-folders of PNG/JPEG files and predicts new images', async () => {
    const { PNG } = await import('pngjs');
    const root = join(dir, 'bars');
    const rng = new Rng(4);
    const write = (file: string, vertical: boolean) => {
      const png = new PNG({ width: 20, height: 20 });
      const at = rng.int(3, 17);
      for (let y = 0; y < 20; y++)
        for (let x = 0; x < 20; x++) {
          const on = vertical ? Math.abs(x - at) <= 1 : Math.abs(y - at) <= 1;
          const v = on ? 230 : rng.int(0, 40);
          png.data.set([v, v, v, 255], (y * 20 + x) * 4);
        }
      writeFileSync(file, PNG.sync.write(png));
    };
    for (const cls of ['horizontal', 'vertical']) {
      mkdirSync(join(root, cls), { recursive: true });
      for (let i = 0; i < 40; i++) write(join(root, cls, `${i}.png`), cls === 'vertical');
    }
    mkdirSync(join(root, '.hidden'));
    writeFileSync(join(root, 'vertical', 'notes.txt'), 'not an image');
    const out = join(dir, 'run-bars');
    const r = await cli(
      'train',
      '--dataset',
      root,
      '--model',
      'mlp',
      '--epochs',
      '6',
      '--out',
      out,
      '--no-progress',
      '--val-fraction',
      '0.25',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/80 images in 2 classes/);
    expect(Number(/validation: loss [\d.]+ {2}accuracy ([\d.]+)/.exec(r.stdout)![1])).toBeGreaterThanOrEqual(0.9);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).classes).toEqual(['horizontal', 'vertical']);
    const probe = join(dir, 'probe.png');
    write(probe, true);
    const p = await cli('predict', '--model', out, probe);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n')[1]).toMatch(/,vertical,/);
  });
});

describe('backprop CLI on MNIST (fast version of the README run)', () => {
  const out = join(dir, 'run-mnist');
  it('two epochs of the MLP on 3,000 digits beat 85 % on the 2,000 held-out digits', async () => {
    const r = await cli(
      'train',
      '--dataset',
      'mnist',
      '--model',
      'mlp',
      '--epochs',
      '2',
      '--limit',
      '3000',
      '--scheduler',
      'none',
      '--out',
      out,
      '--no-progress',
    );
    expect(r.code, r.stderr).toBe(0);
    const acc = Number(/test: loss [\d.]+ {2}accuracy ([\d.]+)/.exec(r.stdout)![1]);
    expect(acc).toBeGreaterThan(0.85);
    const meta = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(meta.inputShape).toEqual([1, 28, 28]);
  });

  it('predicts PNG images and exports/imports ONNX', async () => {
    const { PNG } = await import('pngjs');
    const { mnist } = await import('../../src/data/datasets.js');
    const { test } = await mnist();
    const [x, y] = test.tensors;
    const files: string[] = [];
    const labels: number[] = [];
    for (const i of [0, 500, 1000, 1500, 1999]) {
      const png = new PNG({ width: 28, height: 28 });
      const px = x!.select(0, i).dataSync();
      for (let k = 0; k < 784; k++) {
        const v = Math.round(px[k]! * 255);
        png.data.set([v, v, v, 255], k * 4);
      }
      const f = join(dir, `digit${i}.png`);
      writeFileSync(f, PNG.sync.write(png));
      files.push(f);
      labels.push(y!.dataSync()[i]!);
    }
    const p = await cli('predict', '--model', out, ...files);
    expect(p.code, p.stderr).toBe(0);
    const rows = p.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(rows.length).toBe(5);
    const correct = rows.filter((r, i) => Number(r[1]) === labels[i]).length;
    expect(correct).toBeGreaterThanOrEqual(4);
    const notImage = join(dir, 'not-an-image.png');
    writeFileSync(notImage, 'x1,x2\n1,2\n');
    expectOneLineError(await cli('predict', '--model', out, notImage), 1, /not a PNG or JPEG/);

    const onnx = join(dir, 'mlp.onnx');
    const e = await cli('export', '--model', out, '--onnx', onnx);
    expect(e.code, e.stderr).toBe(0);
    expect(existsSync(onnx)).toBe(true);
    const im = await cli('import', onnx, '--input-shape', '2,1,28,28');
    expect(im.code, im.stderr).toBe(0);
    expect(im.stdout).toMatch(/535,818 parameters/);
    expect(im.stdout).toMatch(/shape \[2,10\]/);
  });
});
