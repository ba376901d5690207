/**
 * `export --pytorch` round trip, part of `npm run test:interop` (needs /usr/bin/python3 with torch and
 * Debian's torchrun). For each case, with the CLI commands a user runs:
 *   1. `backprop train` briefly, then `backprop export --model DIR --pytorch OUT`;
 *   2. PyTorch's outputs (generated model.py + model.safetensors) on 100 test samples equal backprop's
 *      within 1e-5, and train_ddp.py's own preprocessing reproduces backprop's inputs;
 *   3. the one-machine gloo command of OUT/README.md (`torchrun --standalone --nproc_per_node=2 --redirects 1
 *      --tee 1 train_ddp.py … --backend gloo`) with `--max-steps 30`: the loss decreases and both ranks end
 *      with identical weights;
 *   4. `backprop import --safetensors OUT/trained.safetensors --model DIR2`, then `backprop evaluate`:
 *      backprop's accuracy equals the one PyTorch reported on the same samples.
 * Cases: LeNet-5 (zoo) on the bundled MNIST; a JSON-spec MLP on a CSV with numeric (standardised) and
 * categorical (one-hot) columns; the zoo `cnn` (BatchNorm) on an image folder; a JSON-spec MLP on the CSV
 * without a validation split and with the plateau schedule (5. the rate is cut when the training loss stalls).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { Rng, Tensor, data, init, noGrad, saveSafetensors, tensor } from '../../src/index.js';
import { runCli } from '../../src/cli/program.js';
import { loadDataset, loadTrained } from '../../src/cli/app.js';

const here = dirname(fileURLToPath(import.meta.url));
const PY = process.env.PYTHON ?? '/usr/bin/python3';
const TORCHRUN = process.env.TORCHRUN ?? 'torchrun';
const keep = process.argv.includes('--keep');
/** `--only=TEXT`: run only the cases whose name contains TEXT. */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const root = mkdtempSync(join(tmpdir(), 'bp-pytorch-'));
let failures = 0;

function check(what: string, ok: boolean, detail: string): void {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what} — ${detail}`);
  if (!ok) failures++;
}

async function cli(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const code = await runCli(['node', 'backprop', ...args], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  if (code !== 0) throw new Error(`backprop ${args.join(' ')} exited ${code}:\n${lines.join('\n')}`);
  return lines;
}

/** A CSV: two numeric features and a colour; the class depends on all three. */
function makeCsv(file: string): void {
  const rng = new Rng(11);
  const colours = ['red', 'green', 'blue'];
  const rows = ['size,weight,colour,kind'];
  for (let i = 0; i < 600; i++) {
    const c = Math.floor(rng.uniform() * 3);
    const size = 10 + 5 * rng.normal() + 4 * c;
    const weight = 70 + 12 * rng.normal();
    const score = (size - 14) / 5 + (weight - 70) / 12 + (c === 2 ? 1.2 : 0);
    const kind = score > 0.8 ? 'large' : score > -0.8 ? 'medium' : 'small';
    rows.push(`${size.toFixed(3)},${weight.toFixed(2)},${colours[c]},${kind}`);
  }
  writeFileSync(file, rows.join('\n') + '\n');
}

/** An image folder: 3 classes (horizontal bar, vertical bar, diagonal) of noisy 20×20 PNGs, 50 each. */
function makeImageFolder(dir: string): void {
  const rng = new Rng(12);
  const classes = {
    horizontal: (x: number, y: number, o: number) => Math.abs(y - o) <= 1,
    vertical: (x: number, y: number, o: number) => Math.abs(x - o) <= 1,
    diagonal: (x: number, y: number, o: number) => Math.abs(x - y - (o - 10)) <= 1,
  };
  for (const [name, on] of Object.entries(classes)) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < 50; i++) {
      const png = new PNG({ width: 20, height: 20 });
      const o = 5 + Math.floor(rng.uniform() * 10);
      for (let y = 0; y < 20; y++)
        for (let x = 0; x < 20; x++) {
          const v = Math.max(0, Math.min(255, (on(x, y, o) ? 150 : 60) + 70 * rng.normal()));
          png.data.set([v, v, v, 255], (y * 20 + x) * 4);
        }
      writeFileSync(join(dir, name, `${i}.png`), PNG.sync.write(png));
    }
  }
}

interface Case {
  name: string;
  train: string[];
  /** backprop's inputs for the first 100 samples of `split`, preprocessed by backprop. */
  inputs: (dir: string) => Promise<Tensor>;
  split: string;
  /** `backprop evaluate` args, and the train_ddp.py split holding the same samples. */
  evaluate: (py: string) => string[];
  pythonEvalSplit: string;
  /** Also check that train_ddp.py's plateau schedule cuts the rate when the monitored loss stalls. */
  plateau?: boolean;
}

const normalise = (x: Tensor, prep: { mean?: number; std?: number }) =>
  prep.mean === undefined ? x : noGrad(() => x.sub(prep.mean!).div(prep.std!));
const valIndices = (n: number, fraction: number, seed: number) => new Rng(seed + 1).permutation(n).slice(0, Math.round(n * fraction));

/**
 * The one-machine gloo command of OUT/README.md, run as written (its --redirects/--tee are what Debian's
 * torch 1.13 on Python 3.11 needs), with its --epochs N replaced by `extra`; null if the README has none.
 */
function torchrunDocumented(py: string, extra: string[]): SpawnSyncReturns<string> | null {
  const documented = /^torchrun --standalone .*train_ddp\.py .*--backend gloo\b.*$/m.exec(readFileSync(join(py, 'README.md'), 'utf8'))?.[0];
  if (!documented) return null;
  const argv = documented
    .replace(/#.*$/, '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .filter((a, i, all) => a !== '--epochs' && all[i - 1] !== '--epochs');
  return spawnSync(TORCHRUN, ['--log_dir', join(py, 'torchrun-logs'), ...argv, ...extra], {
    encoding: 'utf8',
    cwd: py,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    // a hang (a deadlocked rank) fails this check instead of stalling CI
    timeout: 600_000,
    killSignal: 'SIGKILL',
  });
}

async function main(): Promise<void> {
  await init();
  const csvFile = join(root, 'things.csv');
  makeCsv(csvFile);
  const folder = join(root, 'shapes');
  makeImageFolder(folder);
  const spec = join(root, 'mlp.json');
  writeFileSync(
    spec,
    JSON.stringify({
      layers: [{ type: 'Linear', args: [5, 32] }, { type: 'ReLU' }, { type: 'Dropout', args: [0.1] }, { type: 'Linear', args: [32, 3] }],
    }),
  );

  // without dropout, so the training loss the plateau schedule watches moves only with the weights
  const spec2 = join(root, 'mlp-no-dropout.json');
  writeFileSync(
    spec2,
    JSON.stringify({ layers: [{ type: 'Linear', args: [5, 16] }, { type: 'Tanh' }, { type: 'Linear', args: [16, 3] }] }),
  );

  const cases: Case[] = [
    {
      name: 'zoo LeNet-5 on MNIST',
      train: ['--dataset', 'mnist', '--model', 'lenet5', '--epochs', '1', '--limit', '2000', '--lr', '1e-3'],
      inputs: async (dir) => {
        const { meta } = await loadTrained(dir);
        const ds = await loadDataset('mnist', {}, () => {});
        return normalise(ds.test!.x.narrow(0, 0, 100), meta.preprocessing as { mean?: number; std?: number });
      },
      split: 'test',
      evaluate: () => [],
      pythonEvalSplit: 'test',
    },
    {
      name: 'JSON-spec MLP on a CSV (standardised + one-hot)',
      train: [
        '--dataset',
        csvFile,
        '--target',
        'kind',
        '--model',
        spec,
        '--epochs',
        '3',
        '--val-fraction',
        '0.25',
        '--optimizer',
        'sgd',
        '--lr',
        '0.02',
      ],
      inputs: async (dir) => {
        const { meta } = await loadTrained(dir);
        const prep = meta.preprocessing as { transformer: unknown };
        const table = await data.loadCsv(csvFile);
        const idx = valIndices(table.length, 0.25, 0).slice(0, 100);
        const rows: data.Table = Object.fromEntries(
          table.names.map((n) => {
            const c = table.column(n);
            return [n, idx.map((i) => (c as ArrayLike<string | number>)[i]!)];
          }),
        ) as data.Table;
        return (data.preprocessorFromJSON(prep.transformer) as data.ColumnTransformer).transform(rows);
      },
      split: 'val',
      evaluate: (py) => ['--dataset', join(py, 'data', 'val.csv')],
      pythonEvalSplit: 'val',
    },
    {
      name: 'zoo CNN (BatchNorm) on an image folder',
      train: ['--dataset', folder, '--model', 'cnn', '--epochs', '2', '--batch-size', '16'],
      inputs: async (dir) => {
        const { meta } = await loadTrained(dir);
        const ds = await loadDataset(folder, {}, () => {});
        // the first 100 samples of train_ddp.py's 'all' split: the training split, in backprop's order
        const n = ds.train.x.shape[0]!;
        const idx = new Rng(1)
          .permutation(n)
          .slice(Math.round(n * 0.1))
          .slice(0, 100);
        return normalise(ds.train.x.indexSelect(0, tensor(Int32Array.from(idx))), meta.preprocessing as { mean?: number; std?: number });
      },
      split: 'all',
      evaluate: () => ['--dataset', folder],
      pythonEvalSplit: 'all',
    },
    {
      // no validation split: train_ddp.py's test split is the training rows, and the plateau schedule
      // follows the epoch's training loss, as backprop's fit does
      name: 'JSON-spec MLP on a CSV without a validation split, plateau schedule',
      train: ['--dataset', csvFile, '--target', 'kind', '--model', spec2, '--epochs', '2', '--val-fraction', '0', '--scheduler', 'plateau'],
      inputs: async (dir) => {
        const { meta } = await loadTrained(dir);
        const table = await data.loadCsv(csvFile);
        const rows: data.Table = Object.fromEntries(
          table.names.map((n) => [n, Array.from(table.column(n) as ArrayLike<string | number>).slice(0, 100)]),
        ) as data.Table;
        return (
          data.preprocessorFromJSON((meta.preprocessing as { transformer: unknown }).transformer) as data.ColumnTransformer
        ).transform(rows);
      },
      split: 'train',
      evaluate: (py) => ['--dataset', join(py, 'data', 'train.csv')],
      pythonEvalSplit: 'train',
      plateau: true,
    },
  ];

  for (const c of cases.filter((k) => !only || k.name.includes(only))) {
    console.log(`\n== ${c.name}`);
    const dir = join(root, c.name.replace(/\W+/g, '-'));
    const py = `${dir}-pytorch`;
    await cli('train', ...c.train, '--out', dir, '--no-progress');
    console.log((await cli('export', '--model', dir, '--pytorch', py)).join('\n'));

    // 2. same outputs, same preprocessing
    const { model } = await loadTrained(dir);
    const x = await c.inputs(dir);
    const y = noGrad(() => model.eval().call(x)) as Tensor;
    const ref = join(py, 'ref.safetensors');
    await saveSafetensors({ x, y }, ref);
    const r = spawnSync(PY, [join(here, 'pytorch_check.py'), py, ref, c.split], { encoding: 'utf8' });
    if (r.status !== 0) {
      check(`${c.name}: PyTorch loads model.py + model.safetensors`, false, r.stderr.slice(-2000));
      continue;
    }
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { outputs_max_abs_diff: number; inputs_max_abs_diff: number; n: number };
    check(
      `${c.name}: PyTorch outputs = backprop's within 1e-5`,
      res.outputs_max_abs_diff <= 1e-5,
      `max |Δ| ${res.outputs_max_abs_diff.toExponential(2)} on ${res.n} samples`,
    );
    check(
      `${c.name}: train_ddp.py preprocessing = backprop's`,
      res.inputs_max_abs_diff <= 1e-6,
      `max |Δ| ${res.inputs_max_abs_diff.toExponential(2)} on ${res.n} inputs`,
    );

    // 3. torchrun DDP on 2 CPU processes, with the one-machine gloo command exactly as OUT/README.md
    // writes it, --epochs N replaced by --max-steps 30
    const logDir = join(py, 'torchrun-logs');
    const t = torchrunDocumented(py, ['--max-steps', '30']);
    if (!t) {
      check(`${c.name}: OUT/README.md documents a torchrun gloo command`, false, 'no such line');
      continue;
    }
    const out = `${t.stdout}\n${t.stderr}${t.error ? `\n${t.error.message}` : ''}`;
    if (t.status !== 0) {
      const logs = spawnSync('sh', ['-c', `cat ${logDir}/*/attempt_*/*/stderr.log 2>/dev/null | tail -40`], { encoding: 'utf8' }).stdout;
      check(`${c.name}: torchrun train_ddp.py`, false, `exit ${t.status}\n${out.slice(-3000)}\n${logs}`);
      continue;
    }
    const losses = [...out.matchAll(/step (\d+) epoch \d+ loss ([\d.]+)/g)].map((m) => Number(m[2]));
    const first = losses.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
    check(
      `${c.name}: DDP ran 30 steps and the loss decreased`,
      losses.length === 30 && last < first,
      `${losses.length} steps; mean loss of steps 1–5 ${first.toFixed(4)} → 26–30 ${last.toFixed(4)}`,
    );
    const digests = [...out.matchAll(/rank (\d): weights sha256 ([0-9a-f]{64})/g)].map((m) => [m[1], m[2]]);
    check(
      `${c.name}: both ranks end with identical weights`,
      digests.length === 2 && digests[0]![1] === digests[1]![1],
      digests.map(([rk, d]) => `rank ${rk} ${d!.slice(0, 12)}…`).join(', '),
    );

    // 4. back into backprop: same accuracy as PyTorch on the same samples
    const dir2 = `${dir}-imported`;
    cpSync(dir, dir2, { recursive: true });
    console.log((await cli('import', '--safetensors', join(py, 'trained.safetensors'), '--model', dir2)).join('\n'));
    const ev = (await cli('evaluate', '--model', dir2, ...c.evaluate(py))).join('\n');
    const bpAcc = Number(/accuracy ([\d.]+)/.exec(ev)?.[1]);
    const pe = spawnSync(PY, [join(py, 'train_ddp.py'), '--evaluate', c.pythonEvalSplit, '--weights', join(py, 'trained.safetensors')], {
      encoding: 'utf8',
      cwd: py,
    });
    const pyAcc = Number(/accuracy ([\d.]+)/.exec(pe.stdout)?.[1]);
    check(
      `${c.name}: accuracy after import equals PyTorch's`,
      Number.isFinite(bpAcc) && Math.abs(bpAcc - pyAcc) < 5e-5,
      `backprop ${bpAcc.toFixed(4)} vs PyTorch ${pyAcc.toFixed(4)} (${ev.split('(').at(-1)?.replace(')', '')})`,
    );

    // 5. ReduceLROnPlateau (patience 2, factor 0.3): at a rate too small to improve the loss by its 1e-4
    // threshold, epochs 2–4 do not improve on epoch 1, so epoch 4 ends at 0.3× the rate
    if (c.plateau) {
      // the generated README's `python3 train_ddp.py …`: without torchrun, one process
      const single = spawnSync(PY, [join(py, 'train_ddp.py'), '--max-steps', '3', '--out', join(py, 'single.safetensors')], {
        encoding: 'utf8',
        cwd: py,
        timeout: 300_000,
        killSignal: 'SIGKILL',
      });
      check(
        `${c.name}: python3 train_ddp.py without torchrun trains as one process`,
        single.status === 0 && /ddp: 1 processes/.test(single.stdout) && /step 3 epoch/.test(single.stdout),
        `exit ${single.status}${single.status ? `\n${single.stderr.slice(-1500)}` : ''}`,
      );

      const p = torchrunDocumented(py, ['--epochs', '5', '--lr', '1e-7']);
      const rates = [...`${p?.stdout}`.matchAll(/epoch (\d+): train loss [\d.]+ lr ([\d.e+-]+)/g)].map((m) => Number(m[2]));
      check(
        `${c.name}: the plateau schedule cuts the rate when the training loss stalls`,
        p?.status === 0 && rates.length === 5 && rates[2] === 1e-7 && Math.abs(rates[3]! - 3e-8) < 1e-15,
        `exit ${p?.status}; rate after each epoch ${rates.join(', ')}${p?.status ? `\n${p.stderr.slice(-1500)}` : ''}`,
      );
    }
  }
}

try {
  await main();
} catch (e) {
  failures++;
  console.error(e);
} finally {
  if (!keep) rmSync(root, { recursive: true, force: true });
  else console.log(`kept ${root}`);
}
console.log(`\npytorch round trip: ${failures === 0 ? 'all checks passed' : `${failures} failed`}`);
process.exitCode = failures ? 1 : 0;
