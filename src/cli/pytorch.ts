/**
 * `backprop export --model DIR --pytorch OUT` and `backprop import --safetensors FILE --model DIR`:
 * hand a trained model folder and its training to PyTorch (DDP), and take the weights back.
 * Kept apart from app.ts so the command wiring stays two small calls.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Rng, Tensor, data, loadSafetensors, saveSafetensors, pytorchSource, BackpropError } from '../index.js';
import { trainDdpSource, pytorchReadme, type DdpConfig } from '../io/pytorch/ddp.js';
import { writeFileAtomic } from '../io/checkpoint-node.js';
import { CliError, loadTrained, loadDataset, type ModelFile } from './app.js';
import { ensureDir } from './errors.js';
import { writeModelFolder } from './model-file.js';

type Log = (line: string) => void;

/** The optimizer hyper-parameters backprop used: recorded in model.json, or its CLI defaults for older folders. */
function optimizerOptions(meta: ModelFile): Record<string, unknown> {
  const t = (meta.training ?? {}) as Record<string, unknown>;
  if (t.optimizerOptions && typeof t.optimizerOptions === 'object') return t.optimizerOptions as Record<string, unknown>;
  const lr = t.lr as number;
  switch (t.optimizer) {
    case 'sgd':
      return { lr, momentum: 0.9 };
    case 'adamw':
      return { lr, weightDecay: 0.01 };
    default:
      return { lr };
  }
}

/** The permutation split of `train` in the CLI: the first round(n·f) of Rng(seed + 1).permutation(n) validate. */
function splitIndices(n: number, fraction: number, seed: number): { train: number[]; val: number[] } {
  const nb = Math.round(n * fraction);
  if (nb === 0) return { train: Array.from({ length: n }, (_, i) => i), val: [] };
  const perm = new Rng(seed + 1).permutation(n);
  return { train: perm.slice(nb), val: perm.slice(0, nb) };
}

function idxFile(file: string, dtype: 'uint8' | 'int32' | 'float32', shape: number[], values: ArrayLike<number>): void {
  const arr = dtype === 'uint8' ? Uint8Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
  fs.writeFileSync(file, gzipSync(data.encodeIdx({ dtype, shape, data: arr })));
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Write the image split `idx` of x [N, C, H, W] in [0, 1] and labels y [N] as IDX (uint8 when every pixel is k/255). */
function writeImageSplit(dir: string, name: string, x: Tensor, y: Tensor, idx: number[]): { images: string; labels: string } {
  const [, c, h, w] = x.shape as [number, number, number, number];
  const per = c * h * w;
  const xs = x.dataSync();
  const ys = y.dataSync();
  const pix = new Float32Array(idx.length * per);
  idx.forEach((r, i) => pix.set(xs.subarray(r * per, (r + 1) * per) as Float32Array, i * per));
  const asBytes = pix.every((v) => Math.fround(Math.round(v * 255) / 255) === v);
  const images = `data/${name}-images.idx.gz`;
  const labels = `data/${name}-labels.idx.gz`;
  if (asBytes)
    idxFile(
      path.join(dir, images),
      'uint8',
      [idx.length, c, h, w],
      Array.from(pix, (v) => Math.round(v * 255)),
    );
  else idxFile(path.join(dir, images), 'float32', [idx.length, c, h, w], pix);
  idxFile(
    path.join(dir, labels),
    'int32',
    [idx.length],
    idx.map((r) => ys[r]!),
  );
  return { images, labels };
}

/**
 * Export a trained model folder for PyTorch: OUT/model.py, model.safetensors, train_ddp.py, README.md
 * and data/ (the training data as backprop split it). Returns the written files.
 */
export async function exportPyTorch(modelDir: string, outDir: string, log: Log = () => {}): Promise<string[]> {
  const { model, meta } = await loadTrained(modelDir);
  const title = `${'zoo' in meta.architecture ? meta.architecture.zoo : 'a JSON-spec model'} trained on ${path.basename(meta.dataset)}`;
  let source: string;
  try {
    source = pytorchSource(model, { inputShape: meta.inputShape, title });
  } catch (e) {
    if (e instanceof BackpropError) throw new CliError(e.message);
    throw e;
  }
  const t = (meta.training ?? {}) as Record<string, number | string>;
  const seed = Number(t.seed ?? 0);
  const valFraction = Number(t.valFraction ?? 0.1);
  ensureDir(path.join(outDir, 'data'), '--pytorch');
  let dataCfg: DdpConfig['data'];
  const prep = meta.preprocessing;
  if (prep.kind === 'image') {
    const ds = await loadDataset(meta.dataset, {}, () => {});
    const s = splitIndices(ds.train.x.shape[0]!, valFraction, seed);
    const splits: Record<string, { images: string; labels: string }> = {
      train: writeImageSplit(outDir, 'train', ds.train.x, ds.train.y, s.train),
    };
    if (s.val.length) splits.val = writeImageSplit(outDir, 'val', ds.train.x, ds.train.y, s.val);
    if (ds.test)
      splits.test = writeImageSplit(
        outDir,
        'test',
        ds.test.x,
        ds.test.y,
        Array.from({ length: ds.test.x.shape[0]! }, (_, i) => i),
      );
    dataCfg = { kind: 'idx', splits, test: ds.test ? 'test' : s.val.length ? 'val' : 'train', mean: prep.mean, std: prep.std };
  } else {
    if (!fs.existsSync(meta.dataset))
      throw new CliError(`the training CSV ${meta.dataset} (recorded in model.json) is not there; the PyTorch export copies its rows`);
    const table = await data.loadCsv(meta.dataset);
    const s = splitIndices(table.length, valFraction, seed);
    const write = (name: string, rows: number[]): string => {
      const cols = table.names.map((n) => table.column(n));
      const text =
        [
          table.names.map(csvCell).join(','),
          ...rows.map((r) => cols.map((c) => csvCell((c as ArrayLike<string | number>)[r]!)).join(',')),
        ].join('\n') + '\n';
      fs.writeFileSync(path.join(outDir, `data/${name}.csv`), text);
      return `data/${name}.csv`;
    };
    const splits: Record<string, string> = { train: write('train', s.train) };
    if (s.val.length) splits.val = write('val', s.val);
    dataCfg = {
      kind: 'csv',
      splits,
      test: s.val.length ? 'val' : 'train',
      target: prep.target,
      features: prep.features,
      transformer: prep.transformer,
    };
  }
  const config: DdpConfig = {
    task: meta.task,
    classes: meta.classes,
    inputShape: meta.inputShape,
    data: dataCfg,
    training: {
      epochs: Number(t.epochs ?? 10),
      batchSize: Number(t.batchSize ?? 64),
      optimizer: String(t.optimizer ?? 'adam'),
      optimizerOptions: optimizerOptions(meta),
      scheduler: String(t.scheduler ?? 'none'),
      seed,
      augmentShift: Number(t.augmentShift ?? 0),
    },
  };
  const enc = (s: string) => new TextEncoder().encode(s);
  await saveSafetensors(model.stateDict() as Record<string, Tensor>, path.join(outDir, 'model.safetensors'), {
    metadata: { format: 'backprop-model' },
  });
  await writeFileAtomic(path.join(outDir, 'model.py'), enc(source));
  await writeFileAtomic(path.join(outDir, 'train_ddp.py'), enc(trainDdpSource(config, title)));
  const bundled = meta.dataset === 'mnist' || meta.dataset === 'fashion-mnist';
  const where = { modelDir: path.resolve(modelDir), outDir: path.resolve(outDir), ...(bundled ? {} : { dataset: meta.dataset }) };
  await writeFileAtomic(
    path.join(outDir, 'README.md'),
    enc(pytorchReadme(title, where, meta.task === 'classification' ? 'accuracy' : 'loss')),
  );
  const files = [
    'model.py',
    'model.safetensors',
    'train_ddp.py',
    'README.md',
    ...Object.values(dataCfg.splits).flatMap((v) => (typeof v === 'string' ? [v] : [v.images, v.labels])),
  ];
  if ((meta.training as { limit?: number } | undefined)?.limit)
    log(`note: the model was trained with --limit; data/ holds the full training split`);
  log(`wrote ${files.map((f) => path.join(outDir, f)).join(', ')}`);
  return files;
}

/** Load weights trained elsewhere (PyTorch) into a model folder: strict names and shapes, then model.safetensors is replaced. */
export async function importSafetensors(file: string, modelDir: string, log: Log = () => {}): Promise<number> {
  if (!fs.existsSync(file)) throw new CliError(`'${file}' not found`);
  const { model, meta } = await loadTrained(modelDir);
  const sd = await loadSafetensors(file);
  try {
    model.loadStateDict(sd);
  } catch (e) {
    throw new CliError(`${file} does not fit the model in ${modelDir}: ${(e as Error).message}`);
  }
  // the folder stays one unit: new weights and a model.json carrying their digest
  const { weights: _old, ...rest } = meta;
  await writeModelFolder(modelDir, rest, model.stateDict() as Record<string, Tensor>);
  const n = Object.keys(sd).length;
  log(`imported ${n} tensors from ${file} into ${path.join(modelDir, 'model.safetensors')}`);
  return n;
}
