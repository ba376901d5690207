/**
 * The CLI's datasets: the bundled MNIST sets, CSV files and class-per-folder image trees, all read
 * through the library's `data` loaders (one image pipeline: `data.loadImageFolder` / `data.loadImage`
 * with their size caps, `data.resize` for mixed sizes), and the validation split
 * (`data.trainValTestSplit`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tensor, noGrad, data, type Rng } from '../index.js';
import { CliError, type Log } from './errors.js';
import type { CsvPrep, ImagePrep, Task } from './model-file.js';

export interface Loaded {
  train: { x: Tensor; y: Tensor };
  test: { x: Tensor; y: Tensor } | null;
  classes: string[] | null;
  task: Task;
  inputShape: number[];
  prep: ImagePrep | CsvPrep;
  name: string;
}

/** Every image dataset the CLI builds from files is 1×28×28 grayscale, like the bundled datasets. */
export const IMAGE_PREP: Readonly<ImagePrep> = { kind: 'image', channels: 1, height: 28, width: 28 };

export async function loadDataset(spec: string, opts: { target?: string; task?: string }, log: Log): Promise<Loaded> {
  if (spec === 'mnist' || spec === 'fashion-mnist') {
    const d = spec === 'mnist' ? await data.datasets.mnist() : await data.datasets.fashionMnist();
    const [xTr, yTr] = d.train.tensors as Tensor[];
    const [xTe, yTe] = d.test.tensors as Tensor[];
    return {
      train: { x: xTr!, y: yTr! },
      test: { x: xTe!, y: yTe! },
      classes: d.classes,
      task: 'classification',
      inputShape: [1, 28, 28],
      prep: { ...IMAGE_PREP },
      name: spec,
    };
  }
  if (spec === '') throw new CliError('--dataset is empty; use mnist, fashion-mnist, a CSV file (with --target COL) or an image folder', 2);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(spec);
  } catch {
    throw new CliError(`dataset '${spec}' not found: use mnist, fashion-mnist, a CSV file (with --target COL) or an image folder`);
  }
  if (stat.isDirectory()) return loadImageFolder(spec, log);
  if (!/\.(csv|tsv|txt)$/i.test(spec))
    throw new CliError(`dataset '${spec}' is a file but not a .csv; use a CSV file with --target COL, or an image folder`);
  return loadCsvDataset(spec, opts, log);
}

/** Rows `idx` of a CSV table as a prototype-free column map (column names are user strings). */
export function tableRows(table: data.CsvTable, idx?: ArrayLike<number>): data.Table {
  const out: data.Table = Object.create(null) as data.Table;
  const all = idx === undefined;
  for (const name of table.names) {
    const col = table.column(name);
    if (all) out[name] = col instanceof Float64Array ? col : (col as (string | number)[]).slice();
    else
      out[name] =
        col instanceof Float64Array
          ? Float64Array.from(idx, (i) => col[i]!)
          : Array.from(idx, (i) => (col as readonly (string | number)[])[i]!);
  }
  return out;
}

function makeTransformer(table: data.CsvTable, features: string[]): data.ColumnTransformer {
  const num = features.filter((f) => table.types[f] !== 'string');
  const cat = features.filter((f) => table.types[f] === 'string');
  const parts: [string, data.ColumnTransformerPart, string[]][] = [];
  if (num.length) parts.push(['num', new data.StandardScaler(), num]);
  if (cat.length) parts.push(['cat', new data.OneHotEncoder({ handleUnknown: 'ignore' }), cat]);
  return new data.ColumnTransformer(parts);
}

/** A feature matrix with a NaN or ±Infinity names the column (values too large to standardise). */
export function checkFinite(x: Tensor, names: readonly string[] | null, file: string): void {
  const v = x.dataSync();
  const f = x.shape[1] ?? 1;
  for (let i = 0; i < v.length; i++)
    if (!Number.isFinite(v[i]!)) {
      const col = Math.floor(i % f);
      const what = names && names.length === f ? `column '${names[col]}'` : `input ${col + 1}`;
      throw new CliError(
        `${path.basename(file)}: row ${Math.floor(i / f) + 1}, ${what}: the preprocessed value is ${v[i]} (values too large to standardise, e.g. ±1e308?); rescale or remove them`,
      );
    }
}

async function loadCsvDataset(file: string, opts: { target?: string; task?: string }, log: Log): Promise<Loaded> {
  if (!opts.target) throw new CliError(`a CSV dataset needs --target COLUMN (the column to predict)`, 2);
  const table = await data.loadCsv(file);
  if (!table.names.includes(opts.target))
    throw new CliError(`--target '${opts.target}' is not a column of ${path.basename(file)}; columns: ${table.names.join(', ')}`, 2);
  const features = table.names.filter((n) => n !== opts.target);
  if (features.length === 0) throw new CliError(`${path.basename(file)} has no feature columns besides the target '${opts.target}'`);
  const tType = table.types[opts.target]!;
  const task: Task =
    opts.task === 'regression' ? 'regression' : opts.task === 'classification' || tType !== 'number' ? 'classification' : 'regression';
  const ct = makeTransformer(table, features);
  const x = ct.fitTransform(tableRows(table));
  checkFinite(x, x.shape[1] === features.length ? features : null, file);
  let y: Tensor;
  let classes: string[] | null = null;
  const col = table.column(opts.target);
  if (task === 'classification') {
    const enc = new data.LabelEncoder().fit(col instanceof Float64Array ? Array.from(col) : col);
    y = enc.transform(col instanceof Float64Array ? Array.from(col) : col);
    classes = enc.classes!.map(String);
    if (classes.length < 2) throw new CliError(`target '${opts.target}' has a single class (${classes[0]}); nothing to learn`);
  } else {
    if (!(col instanceof Float64Array)) throw new CliError(`target '${opts.target}' holds text; use --task classification`);
    const yf = Float32Array.from(col);
    const bad = yf.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new CliError(
        `${path.basename(file)}: line ${table.lines[bad]}, column '${opts.target}': the regression target ${col[bad]} is not a finite float32 number`,
      );
    y = new Tensor(yf, [col.length, 1], 'float32');
  }
  log(
    `dataset: ${path.basename(file)} — ${table.length} rows, ${features.length} feature columns → ${x.shape[1]} inputs, ${task}${classes ? ` (${classes.length} classes)` : ''}`,
  );
  return {
    train: { x, y },
    test: null,
    classes,
    task,
    inputShape: [x.shape[1]!],
    prep: { kind: 'csv', target: opts.target, features, transformer: ct.toJSON() },
    name: path.resolve(file),
  };
}

async function loadImageFolder(dir: string, log: Log): Promise<Loaded> {
  const { height, width } = IMAGE_PREP;
  const r = await data.loadImageFolder(dir, { mode: 'grayscale', size: [height, width] });
  if (r.classes.length < 2) throw new CliError(`image folder ${dir} needs one sub-folder per class (found ${r.classes.length})`);
  const [x, y] = r.dataset.tensors as [Tensor, Tensor];
  log(`dataset: ${dir} — ${x.shape[0]} images in ${r.classes.length} classes, resized to 1×${height}×${width}`);
  // files not read (hidden, not an image, a FIFO or device, a link out of the folder) are said, not silent
  if (r.skipped.length)
    log(
      `skipped ${r.skipped.length} file(s) not read as images, e.g. ${r.skipped
        .slice(0, 3)
        .map((s) => `${path.relative(dir, s.path) || s.path} (${s.reason})`)
        .join('; ')}`,
    );
  return {
    train: { x, y },
    test: null,
    classes: r.classes,
    task: 'classification',
    inputShape: [1, height, width],
    prep: { ...IMAGE_PREP },
    name: path.resolve(dir),
  };
}

type XY = { x: Tensor; y: Tensor };

/** Hold out `fraction` of the samples (seeded), through `data.trainValTestSplit`. */
export function split(x: Tensor, y: Tensor, fraction: number, seed: number): { a: XY; b: XY | null } {
  const n = x.shape[0]!;
  if (Math.round(n * fraction) === 0) return { a: { x, y }, b: null };
  if (Math.round(n * fraction) >= n) throw new CliError(`--val-fraction ${fraction} leaves no training samples out of ${n}`, 2);
  const parts = data.trainValTestSplit(new data.TensorDataset(x, y), { val: fraction, test: 0, seed });
  const take = (s: data.Subset<Tensor[]>): XY => {
    const idx = new Tensor(Int32Array.from(s.indices), [s.indices.length], 'int32');
    return { x: x.indexSelect(0, idx), y: y.indexSelect(0, idx) };
  };
  return { a: take(parts.train), b: take(parts.val) };
}

/** (x − mean) / std for image preprocessing; identity without statistics. */
export function normalizeImages(x: Tensor, prep: ImagePrep): Tensor {
  if (prep.mean === undefined || prep.std === undefined) return x;
  const { mean, std } = prep;
  return noGrad(() => x.sub(mean).div(std));
}

/**
 * Wrap a DataLoader so each training batch's images are randomly shifted by up to `px` pixels.
 * Keeps `length` and `stateDict`/`loadStateDict` so progress and checkpoints still work.
 */
export function augmented(loader: data.DataLoader<Tensor[]>, px: number, rng: Rng, fill: number) {
  const shift = data.randomShift(px, { rng, fill });
  return {
    get length() {
      return loader.length;
    },
    stateDict: () => ({ loader: loader.stateDict(), rng: rng.getState() }),
    loadStateDict: (s: { loader: data.DataLoaderState; rng: ReturnType<Rng['getState']> }) => {
      loader.loadStateDict(s.loader);
      rng.setState(s.rng);
    },
    *[Symbol.iterator](): Iterator<Tensor[]> {
      for (const [x, y] of loader) yield [shift(x!), y!];
    },
  };
}
