/**
 * Hostile input (issue 19), CLI side: every case is one line on stderr and a non-zero exit (or a
 * correct result) — never an internal error (exit 70), never a NaN model written as a success.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { runCli } from '../../src/cli/program.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-cli-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'backprop', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

function oneLine(r: { code: number; stderr: string }, code: number, re: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^backprop: error: /);
  expect(lines[0]).toMatch(re);
}

function csv(file: string, n: number, opts: { label?: (i: number) => string; x?: (i: number) => string } = {}): string {
  const rng = new Rng(7);
  const rows = ['x1,x2,label'];
  for (let i = 0; i < n; i++)
    rows.push(`${opts.x ? opts.x(i) : (i % 2) + 0.3 * rng.normal()},${rng.normal()},${opts.label ? opts.label(i) : ['p', 'q'][i % 2]}`);
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

const fifo = join(dir, 'pipe.csv');
let haveFifo = true;
try {
  execFileSync('mkfifo', [fifo]);
} catch {
  haveFifo = false;
}

describe('non-finite training never writes a model', () => {
  it('--lr 1e30 stops with the reason and a hint; no model.json is written', async () => {
    const out = join(dir, 'nan-run');
    const r = await cli(
      'train',
      '--dataset',
      csv(join(dir, 'a.csv'), 60),
      '--target',
      'label',
      '--optimizer',
      'sgd',
      '--lr',
      '1e30',
      '--epochs',
      '3',
      '--out',
      out,
      '--no-progress',
    );
    oneLine(r, 1, /non-finite.*lower --lr.*No model was written/);
    expect(existsSync(join(out, 'model.json'))).toBe(false);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
  });
  it('a regression target of ±1e300 is refused with its line and column', async () => {
    const f = join(dir, 'huge-target.csv');
    writeFileSync(f, ['x,y', ...Array.from({ length: 30 }, (_, i) => `${i},${i === 9 ? '-1e300' : i * 2}`)].join('\n'));
    oneLine(
      await cli('train', '--dataset', f, '--target', 'y', '--epochs', '1', '--out', join(dir, 'r1')),
      1,
      /line 11, column 'y'.*not a finite float32/,
    );
  });
  it('features of ±1.7e308 are refused (they cannot be standardised)', async () => {
    const f = csv(join(dir, 'huge-x.csv'), 40, { x: (i) => (i % 2 ? '1.7e308' : '-1.7e308') });
    oneLine(
      await cli('train', '--dataset', f, '--target', 'label', '--epochs', '1', '--out', join(dir, 'r2')),
      1,
      /column 'x1'|non-finite/,
    );
  });
  it('--epochs 1000000000000 is refused up front', async () => {
    oneLine(
      await cli('train', '--dataset', csv(join(dir, 'b.csv'), 20), '--target', 'label', '--epochs', '1000000000000'),
      2,
      /--epochs must be an integer in \[1, 100,000\]/,
    );
  });
  it("--out '' is a usage error", async () => {
    oneLine(await cli('train', '--dataset', csv(join(dir, 'c.csv'), 20), '--target', 'label', '--out', ''), 2, /--out must name a folder/);
  });
});

describe('user strings are labels, not object keys', () => {
  it('classes named constructor / toString / __proto__ train, plot, evaluate and predict', async () => {
    const f = csv(join(dir, 'proto.csv'), 90, { label: (i) => ['constructor', 'toString', '__proto__'][i % 3]! });
    const out = join(dir, 'proto-run');
    const r = await cli('train', '--dataset', f, '--target', 'label', '--epochs', '2', '--out', out, '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).classes).toEqual(['__proto__', 'constructor', 'toString']);
    expect(readFileSync(join(out, 'confusion-matrix.svg'), 'utf8')).toContain('constructor');
    expect((await cli('evaluate', '--model', out, '--dataset', f)).code).toBe(0);
    const p = await cli('predict', '--model', out, f);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/,(constructor|toString|__proto__),/);
  }, 60_000);
});

describe('model folders are one unit; model.json is checked before building', () => {
  const f = join(dir, 'base.csv');
  const out = join(dir, 'base-run');
  it('trains a base model', async () => {
    csv(f, 60);
    expect((await cli('train', '--dataset', f, '--target', 'label', '--epochs', '1', '--out', out, '--no-progress')).code).toBe(0);
  });
  const variant = (name: string, edit: (m: Record<string, unknown>) => void): string => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    const m = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    edit(m);
    writeFileSync(join(d, 'model.json'), JSON.stringify(m));
    copyFileSync(join(out, 'model.safetensors'), join(d, 'model.safetensors'));
    return d;
  };
  it('weights from another run (same architecture) are refused by the digest', async () => {
    const other = join(dir, 'other-run');
    expect(
      (await cli('train', '--dataset', f, '--target', 'label', '--epochs', '1', '--seed', '9', '--out', other, '--no-progress')).code,
    ).toBe(0);
    const d = variant('mixed-pair', () => {});
    copyFileSync(join(other, 'model.safetensors'), join(d, 'model.safetensors'));
    oneLine(await cli('evaluate', '--model', d, '--dataset', f), 1, /SHA-256 differs/);
    oneLine(await cli('predict', '--model', d, f), 1, /SHA-256 differs/);
  });
  it('a spec far larger than its weights file is refused before the model is built', async () => {
    const d = variant('huge-spec', (m) => ((m.architecture as { hidden: number[] }).hidden = [400_000]));
    oneLine(
      await cli('evaluate', '--model', d, '--dataset', f),
      1,
      /does not match the architecture in model\.json: it has \d+ bytes, but the architecture has [\d,]+ parameters/,
    );
  });
  it('model.json without preprocessing, with kind "audio", or as a FIFO is a clear error', async () => {
    oneLine(
      await cli(
        'evaluate',
        '--model',
        variant('no-prep', (m) => delete m.preprocessing),
        '--dataset',
        f,
      ),
      1,
      /no "preprocessing"/,
    );
    oneLine(
      await cli(
        'evaluate',
        '--model',
        variant('audio', (m) => ((m.preprocessing as { kind: string }).kind = 'audio')),
        '--dataset',
        f,
      ),
      1,
      /kind "audio" is not supported/,
    );
    if (haveFifo) {
      const d = join(dir, 'fifo-model');
      mkdirSync(d);
      execFileSync('mkfifo', [join(d, 'model.json')]);
      oneLine(await cli('evaluate', '--model', d, '--dataset', f), 1, /FIFO/);
    }
  });
  it("classes or task that do not match the architecture's outputs are refused at load", async () => {
    for (const [name, edit] of [
      ['fewer', (m: Record<string, unknown>) => (m.classes = ['p', 'q', 'r'])],
      ['many', (m: Record<string, unknown>) => (m.classes = Array.from({ length: 50 }, (_, i) => `k${i}`))],
      ['task', (m: Record<string, unknown>) => ((m.task = 'regression'), (m.classes = null))],
    ] as const) {
      const d = variant(`outputs-${name}`, edit);
      for (const args of [
        ['predict', '--model', d, f],
        ['evaluate', '--model', d, '--dataset', f],
        ['info', '--model', d],
        ['export', '--model', d, '--onnx', join(d, 'm.onnx')],
      ])
        oneLine(await cli(...args), 1, /the architecture outputs \[1,2\] per batch, but/);
    }
  });
  it("an inputShape over the input budget, or unlike the architecture's, is refused before allocating", async () => {
    const d = variant('huge-input', (m) => (m.inputShape = [100_000, 100_000]));
    oneLine(await cli('info', '--model', d), 1, /has 10000000000 values per sample, more than the budget/);
    const e = variant('other-input', (m) => (m.inputShape = [3]));
    oneLine(
      await cli('export', '--model', e, '--onnx', join(e, 'm.onnx')),
      1,
      /architecture\.inputShape \[2\] differs from inputShape \[3\]/,
    );
  });
  it('a version-1 folder (no digest) whose weights hold NaN is refused, not used to predict NaN', async () => {
    const d = variant('nan-v1', (m) => {
      m.version = 1;
      delete m.weights;
    });
    const b = readFileSync(join(d, 'model.safetensors'));
    const n = Number(b.readBigUInt64LE(0));
    b.fill(0xff, 8 + n);
    writeFileSync(join(d, 'model.safetensors'), b);
    oneLine(await cli('predict', '--model', d, f), 1, /holds NaN at element 0; a model with non-finite weights cannot be used/);
  });
  it('a malformed preprocessing.transformer is refused by every command, and export --opset 0 is not the default', async () => {
    const d = variant(
      'bad-transformer',
      (m) => ((m.preprocessing as { transformer: unknown }).transformer = JSON.parse('{"__proto__":{"x":1}}')),
    );
    oneLine(await cli('info', '--model', d), 1, /preprocessing\.transformer/);
    oneLine(await cli('export', '--model', out, '--onnx', join(dir, 'o0.onnx'), '--opset', '0'), 1, /opset 0 is not supported/);
  });
});

describe('special files and bombs in the CLI', () => {
  it.runIf(haveFifo)('a FIFO as dataset, model spec or image is refused, not waited on', async () => {
    oneLine(
      await cli('train', '--dataset', fifo, '--target', 'label', '--epochs', '1', '--out', join(dir, 'f1')),
      1,
      /not a regular file|FIFO/,
    );
    const spec = join(dir, 'spec.json');
    execFileSync('mkfifo', [spec]);
    oneLine(
      await cli(
        'train',
        '--dataset',
        csv(join(dir, 'd.csv'), 20),
        '--target',
        'label',
        '--model',
        spec,
        '--epochs',
        '1',
        '--out',
        join(dir, 'f2'),
      ),
      1,
      /FIFO/,
    );
  });
  it('info refuses a model spec over the budgets', async () => {
    oneLine(await cli('info', '--model', 'mlp', '--input-shape', '5000000'), 1, /budget/);
    const spec = join(dir, 'big-spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        layers: [
          { type: 'Linear', args: [784, 400_000] },
          { type: 'Linear', args: [400_000, 10] },
        ],
      }),
    );
    oneLine(await cli('info', '--model', spec, '--input-shape', '784'), 1, /more than the budget/);
  });
  it('image folders: an empty class folder is refused; mixed sizes train; predict refuses a PNG bomb and /dev/zero', async () => {
    const { PNG } = await import('pngjs');
    const root = join(dir, 'imgs');
    const rng = new Rng(2);
    for (const [cls, n] of [
      ['a', 12],
      ['b', 12],
      ['empty', 0],
    ] as const) {
      mkdirSync(join(root, cls), { recursive: true });
      for (let i = 0; i < n; i++) {
        const w = 10 + (i % 3) * 7;
        const png = new PNG({ width: w, height: 12 });
        for (let p = 0; p < w * 12; p++) png.data.set([cls === 'a' ? 200 : 30, rng.int(0, 50), 0, 255], p * 4);
        writeFileSync(join(root, cls, `${i}.png`), PNG.sync.write(png));
      }
    }
    oneLine(
      await cli('train', '--dataset', root, '--epochs', '1', '--out', join(dir, 'img-run')),
      1,
      /class folder\(s\) "empty" hold no PNG or JPEG images/,
    );
    rmSync(join(root, 'empty'), { recursive: true });
    const out = join(dir, 'img-run');
    const t = await cli('train', '--dataset', root, '--epochs', '2', '--out', out, '--no-progress');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/24 images in 2 classes, resized to 1×28×28/);
    expect(t.stdout).not.toMatch(/skipped/);
    // a FIFO or a link to /dev/zero among the images is not read, and the run says so
    if (existsSync('/dev/zero')) {
      symlinkSync('/dev/zero', join(root, 'a', 'zero.png'));
      const z = await cli('train', '--dataset', root, '--epochs', '1', '--out', join(dir, 'img-run-z'), '--no-progress');
      expect(z.code, z.stderr).toBe(0);
      expect(z.stdout).toMatch(
        /skipped 1 file\(s\) not read as images, e\.g\. a\/zero\.png \((not a regular file|symlink to a target outside the root)/,
      );
      rmSync(join(root, 'a', 'zero.png'));
    }
    const bomb = new Uint8Array(PNG.sync.write(new PNG({ width: 1, height: 1 })));
    new DataView(bomb.buffer, bomb.byteOffset).setUint32(16, 16000);
    new DataView(bomb.buffer, bomb.byteOffset).setUint32(20, 16000);
    writeFileSync(join(dir, 'bomb.png'), bomb);
    oneLine(await cli('predict', '--model', out, join(dir, 'bomb.png')), 1, /16000×16000 pixels exceed/);
    if (existsSync('/dev/zero')) {
      symlinkSync('/dev/zero', join(dir, 'zero.png'));
      oneLine(await cli('predict', '--model', out, join(dir, 'zero.png')), 1, /character device, not a regular file/);
    }
    const p = await cli('predict', '--model', out, join(root, 'a', '1.png'), join(root, 'b', '2.png'));
    expect(p.code, p.stderr).toBe(0);
  }, 60_000);
});

describe('output folders', () => {
  // Node's mkdirSync(recursive) loops forever under /proc/self; --out is created one level at a time
  it.runIf(existsSync('/proc/self'))('--out under /proc/self, /dev/null or a file is one line, not a hang', async () => {
    const f = csv(join(dir, 'out.csv'), 20);
    const args = ['train', '--dataset', f, '--target', 'label', '--epochs', '1', '--no-progress', '--out'];
    oneLine(await cli(...args, '/proc/self/backprop-run'), 1, /--out \/proc\/self\/backprop-run: cannot create the folder/);
    oneLine(await cli(...args, '/dev/null'), 1, /exists and is not a folder/);
    oneLine(await cli(...args, join(f, 'x')), 1, /--out .*ENOTDIR/);
  });
  it('--out creates missing parents', async () => {
    const f = csv(join(dir, 'out2.csv'), 20);
    const out = join(dir, 'deep', 'a', 'b');
    const r = await cli('train', '--dataset', f, '--target', 'label', '--epochs', '1', '--no-progress', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
  });
});

describe('many classes', () => {
  it('a 5,000-class CSV target trains, plots the 50 classes with most samples and evaluates, in bounded time', async () => {
    const f = csv(join(dir, 'k5000.csv'), 10_000, { label: (i) => `k${i % 5000}` });
    const out = join(dir, 'k5000-run');
    const t0 = Date.now();
    const r = await cli(
      'train',
      '--dataset',
      f,
      '--target',
      'label',
      '--epochs',
      '1',
      '--val-fraction',
      '0.5',
      '--out',
      out,
      '--no-progress',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'confusion-matrix.svg'), 'utf8')).toMatch(/the 50 of 5000 classes with the most samples/);
    const e = await cli('evaluate', '--model', out, '--dataset', f, '--confusion-matrix', join(out, 'cm.svg'));
    expect(e.code, e.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 120_000);
});

describe('info and train budget the checking forward pass', () => {
  it('info --model resnet-small --input-shape 1,1000,1000 and a 100,000-channel conv spec are one line', async () => {
    oneLine(
      await cli('info', '--model', 'resnet-small', '--input-shape', '1,1000,1000'),
      1,
      /more than 67,108,864 values per sample|multiply-adds per sample, more than 2,147,483,648/,
    );
    const spec = join(dir, 'wide-conv.json');
    writeFileSync(spec, JSON.stringify({ layers: [{ type: 'Conv2d', args: [1, 100_000, 3] }] }));
    oneLine(await cli('info', '--model', spec), 1, /more than 67,108,864 values per sample/);
  });
});

describe('model.json mutation fuzz (fixed seed)', () => {
  it('every mutant of a trained model.json predicts finite numbers or is one line with exit 1/2 — never exit 70', async () => {
    const f = csv(join(dir, 'fz.csv'), 40);
    const base = join(dir, 'fz-run');
    expect((await cli('train', '--dataset', f, '--target', 'label', '--epochs', '1', '--out', base, '--no-progress')).code).toBe(0);
    const orig = JSON.parse(readFileSync(join(base, 'model.json'), 'utf8')) as unknown;
    // every path to a value in model.json
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]): void => {
      paths.push(p);
      if (Array.isArray(v)) v.forEach((e, i) => walk(e, [...p, i]));
      else if (v && typeof v === 'object') for (const [k, e] of Object.entries(v)) walk(e, [...p, k]);
    };
    walk(orig, []);
    const hostile: unknown[] = [
      null,
      -1,
      0,
      1.5,
      1e308,
      2 ** 31,
      'NaN',
      '',
      '__proto__',
      [],
      {},
      [1e9],
      Array.from({ length: 5000 }, (_, i) => `c${i}`),
    ];
    const rng = new Rng(1919);
    const seen = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      const m = JSON.parse(JSON.stringify(orig)) as Record<string, unknown>;
      const p = paths[1 + rng.int(0, paths.length - 1)]!;
      let parent: Record<string | number, unknown> = m;
      for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
      parent[p.at(-1)!] = hostile[rng.int(0, hostile.length)];
      const d = join(dir, `fz-${i}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'model.json'), JSON.stringify(m));
      copyFileSync(join(base, 'model.safetensors'), join(d, 'model.safetensors'));
      const r = await cli('predict', '--model', d, f);
      seen.set(r.code, (seen.get(r.code) ?? 0) + 1);
      if (r.code === 0) expect(r.stdout, `mutant ${i} at ${p.join('.')}`).not.toMatch(/NaN|undefined|Infinity/);
      else {
        expect([1, 2], `mutant ${i} at ${p.join('.')}: ${r.stderr}`).toContain(r.code);
        expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      }
      rmSync(d, { recursive: true, force: true });
    }
    expect(seen.get(70)).toBeUndefined();
  }, 120_000);
});
