/**
 * Plots as vega-lite specs — plain JSON objects that render the same in Node (SVG via `renderSVG`)
 * and in the browser (`vega-embed`, or `vega.View` on a canvas). Spec builders import nothing heavy;
 * vega and vega-lite are loaded lazily by `renderSVG`.
 *
 * - `learningCurvesSpec(history)`: train/val loss and each metric per epoch, best epoch marked.
 * - `confusionMatrixSpec(matrix)`: heat map with counts.
 * - `decisionBoundarySpec(grid, points)` / `decisionBoundary(model, x, y)`: 2-D classifier regions with data.
 * - `complexityCurveSpec(rows)`: training vs test error against model complexity.
 * - `imageGridSVG(img)`: an image grid (samples, filters, activations, saliency) as an SVG with a PNG inside.
 *
 * Content Security Policy: vega compiles expressions with `new Function` unless given an expression
 * interpreter. `renderSVG(spec, { expr })` accepts one (vega-interpreter's `expressionInterpreter`)
 * and then parses with `ast: true`, so no code is generated at run time.
 */
import { ValueError, ShapeError, fmtShape } from '../core/errors.js';
import { noGrad } from '../autograd/mode.js';
import { Tensor } from '../tensor/tensor.js';
import { encodePNG, type RGBAImage } from './image.js';
import { checkOptionKeys } from '../core/options.js';

/** A vega-lite specification (JSON). */
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Per-epoch logs, as in `History.epochs` (epoch 0-based). */
export interface HistoryLike {
  epochs: readonly ({ epoch: number } & Record<string, number>)[];
}

/** Options of `learningCurvesSpec`; unknown keys throw a `ValueError`. */
export interface LearningCurvesOptions {
  /** Logged value that defines the best epoch (default 'valLoss' if logged, else 'loss'). */
  monitor?: string;
  mode?: 'min' | 'max';
  title?: string;
  width?: number;
  height?: number;
}

const isVal = (k: string) => /^val[A-Z]/.test(k);
const baseName = (k: string) => (isVal(k) ? k[3]!.toLowerCase() + k.slice(4) : k);

/**
 * Learning curves: one panel per quantity (loss first, then each metric), a line per split (train /
 * validation), x = epoch (1-based), and a dashed rule at the best epoch of `monitor`.
 */
export function learningCurvesSpec(history: HistoryLike, opts: LearningCurvesOptions = {}): VegaLiteSpec {
  checkOptionKeys('learningCurvesSpec', opts, { monitor: true, mode: true, title: true, width: true, height: true });
  const epochs = history?.epochs;
  if (!Array.isArray(epochs) || epochs.length === 0) throw new ValueError('learningCurvesSpec: the history has no epochs');
  const skip = new Set(['epoch', 'lr', 'time']);
  const keys = [...new Set(epochs.flatMap((e) => Object.keys(e)))].filter((k) => !skip.has(k));
  const panels = [...new Set(keys.map(baseName))].sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
  const values = epochs.flatMap((e) =>
    keys
      .filter((k) => Number.isFinite(e[k]))
      .map((k) => ({ epoch: e.epoch + 1, value: e[k], series: k, split: isVal(k) ? 'validation' : 'train', panel: baseName(k) })),
  );
  const monitor = opts.monitor ?? (keys.includes('valLoss') ? 'valLoss' : 'loss');
  const mode = opts.mode ?? (/acc|f1|auc|r2|precision|recall/i.test(monitor) ? 'max' : 'min');
  let best = -1;
  let bv = mode === 'min' ? Infinity : -Infinity;
  for (const e of epochs) {
    const v = e[monitor];
    if (v !== undefined && Number.isFinite(v) && (mode === 'min' ? v < bv : v > bv)) {
      bv = v;
      best = e.epoch + 1;
    }
  }
  const w = opts.width ?? 280;
  const h = opts.height ?? 200;
  const panel = (name: string): VegaLiteSpec => ({
    width: w,
    height: h,
    title: name,
    layer: [
      {
        data: { values: values.filter((v) => v.panel === name) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: name, scale: { zero: false } },
          color: {
            field: 'split',
            type: 'nominal',
            title: 'split',
            scale: { domain: ['train', 'validation'], range: ['#1f77b4', '#ff7f0e'] },
          },
          tooltip: [{ field: 'series' }, { field: 'epoch' }, { field: 'value', format: '.4f' }],
        },
      },
      ...(best > 0
        ? [
            {
              data: { values: [{ epoch: best, label: `best epoch ${best} (${monitor})` }] },
              mark: { type: 'rule', strokeDash: [4, 4], color: '#2ca02c' },
              encoding: { x: { field: 'epoch', type: 'quantitative' } },
            },
            {
              data: { values: [{ epoch: best, label: `best: ${best}` }] },
              mark: { type: 'text', align: 'left', dx: 4, dy: -h / 2 + 8, color: '#2ca02c' },
              encoding: { x: { field: 'epoch', type: 'quantitative' }, text: { field: 'label' } },
            },
          ]
        : []),
    ],
  });
  return {
    $schema: SCHEMA,
    title: opts.title ?? 'Learning curves',
    hconcat: panels.map(panel),
    usermeta: { bestEpoch: best, monitor },
  };
}

/** Options of `confusionMatrixSpec`; unknown keys throw a `ValueError`. */
export interface ConfusionMatrixOptions {
  labels?: readonly string[];
  title?: string;
  normalize?: boolean;
  /**
   * Most classes drawn (default 50): with more, the `maxClasses` classes with the most samples
   * (actual + predicted) are drawn and the title says so — the plot stays readable and its size
   * bounded however many classes there are.
   */
  maxClasses?: number;
  /** Write the count in each cell: 'auto' (default: when at most 30 classes are drawn), true or false. */
  cellText?: boolean | 'auto';
}

/**
 * vega keys some lookups by data values, so a class named like an Object.prototype member
 * (`constructor`, `toString`, `__proto__`, …) breaks rendering ("Operator not defined"). Such a name
 * gets a zero-width space in front: it renders the same and is no longer a prototype key.
 */
function safeLabel(s: string): string {
  return s in Object.prototype ? `\u200b${s}` : s;
}

/**
 * Confusion-matrix heat map: rows = true class, columns = predicted class, cell text = count. Any
 * class name — `constructor`, `__proto__`, `toString` — is an ordinary label (see `safeLabel`).
 */
export function confusionMatrixSpec(matrix: readonly (readonly number[])[], opts: ConfusionMatrixOptions = {}): VegaLiteSpec {
  checkOptionKeys('confusionMatrixSpec', opts, { labels: true, title: true, normalize: true, maxClasses: true, cellText: true });
  const k = matrix.length;
  if (k === 0 || matrix.some((r) => r.length !== k))
    throw new ShapeError(
      `confusionMatrixSpec: expected a square matrix, got ${k} rows of lengths ${matrix.map((r) => r.length).join(',')}`,
    );
  const labels = opts.labels ?? matrix.map((_, i) => String(i));
  if (labels.length !== k) throw new ValueError(`confusionMatrixSpec: ${labels.length} labels for ${k} classes`);
  const maxClasses = opts.maxClasses ?? 50;
  if (!Number.isInteger(maxClasses) || maxClasses < 1)
    throw new ValueError(`confusionMatrixSpec: maxClasses must be a positive integer, got ${maxClasses}`);
  // the classes drawn: all, or the maxClasses with the most samples (ties: lower index), in class order
  let shown = Array.from({ length: k }, (_, i) => i);
  if (k > maxClasses) {
    const support = shown.map((i) => matrix[i]!.reduce((a, b) => a + b, 0) + matrix.reduce((a, r) => a + r[i]!, 0));
    shown = shown
      .sort((a, b) => support[b]! - support[a]! || a - b)
      .slice(0, maxClasses)
      .sort((a, b) => a - b);
  }
  const n = shown.length;
  const names = shown.map((i) => safeLabel(String(labels[i])));
  const values = shown.flatMap((i, a) => {
    const row = matrix[i]!;
    const total = row.reduce((x, y) => x + y, 0) || 1;
    return shown.map((j, p) => ({ actual: names[a], predicted: names[p], count: row[j]!, rate: row[j]! / total }));
  });
  const cell = Math.max(n > 30 ? 8 : 18, Math.min(40, Math.floor(400 / n)));
  const text = opts.cellText === 'auto' || opts.cellText === undefined ? n <= 30 : opts.cellText;
  const title = opts.title ?? 'Confusion matrix';
  return {
    $schema: SCHEMA,
    title: n < k ? `${title} (the ${n} of ${k} classes with the most samples)` : title,
    data: { values },
    width: cell * n,
    height: cell * n,
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: names, title: 'predicted' },
      y: { field: 'actual', type: 'ordinal', sort: names, title: 'actual' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: opts.normalize ? 'rate' : 'count',
            type: 'quantitative',
            scale: { scheme: 'blues' },
            title: opts.normalize ? 'rate' : 'count',
          },
        },
      },
      ...(text
        ? [
            {
              mark: { type: 'text', fontSize: Math.min(12, cell / 2.5) },
              encoding: {
                text: { field: opts.normalize ? 'rate' : 'count', type: 'quantitative', format: opts.normalize ? '.2f' : 'd' },
                color: { condition: { test: 'datum.rate > 0.5', value: 'white' }, value: 'black' },
              },
            },
          ]
        : []),
    ],
    usermeta: { classes: k, shown: shown.length },
  };
}

/** A grid of predicted classes over the plane plus labelled points. */
export interface DecisionGrid {
  /** Cell centres along x and y. */
  xs: readonly number[];
  ys: readonly number[];
  /** Predicted class per cell, row-major over (y, x): `classes[iy * xs.length + ix]`. */
  classes: ArrayLike<number>;
}

/** Decision regions (cells coloured by predicted class) with the data points on top. */
export function decisionBoundarySpec(
  grid: DecisionGrid,
  points: { x: number; y: number; label: number }[],
  opts: { title?: string; size?: number } = {},
): VegaLiteSpec {
  checkOptionKeys('decisionBoundarySpec', opts, { title: true, size: true });
  const nx = grid.xs.length;
  const ny = grid.ys.length;
  if (nx < 2 || ny < 2 || grid.classes.length !== nx * ny)
    throw new ShapeError(`decisionBoundarySpec: ${grid.classes.length} classes for a ${nx}×${ny} grid`);
  const dx = (grid.xs[nx - 1]! - grid.xs[0]!) / (nx - 1);
  const dy = (grid.ys[ny - 1]! - grid.ys[0]!) / (ny - 1);
  const cells: { x: number; x2: number; y: number; y2: number; class: string }[] = [];
  for (let iy = 0; iy < ny; iy++)
    for (let ix = 0; ix < nx; ix++) {
      const x = grid.xs[ix]!;
      const y = grid.ys[iy]!;
      cells.push({ x: x - dx / 2, x2: x + dx / 2, y: y - dy / 2, y2: y + dy / 2, class: String(grid.classes[iy * nx + ix]) });
    }
  const size = opts.size ?? 360;
  const xDomain = [grid.xs[0]! - dx / 2, grid.xs[nx - 1]! + dx / 2];
  const yDomain = [grid.ys[0]! - dy / 2, grid.ys[ny - 1]! + dy / 2];
  return {
    $schema: SCHEMA,
    title: opts.title ?? 'Decision boundary',
    width: size,
    height: size,
    layer: [
      {
        data: { values: cells },
        mark: { type: 'rect', opacity: 0.35 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { domain: xDomain, nice: false }, title: 'x1' },
          x2: { field: 'x2' },
          y: { field: 'y', type: 'quantitative', scale: { domain: yDomain, nice: false }, title: 'x2' },
          y2: { field: 'y2' },
          color: { field: 'class', type: 'nominal', title: 'class', scale: { scheme: 'category10' } },
        },
      },
      {
        data: { values: points.map((p) => ({ x: p.x, y: p.y, class: String(p.label) })) },
        mark: { type: 'point', filled: true, size: 30, stroke: 'black', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          color: { field: 'class', type: 'nominal', scale: { scheme: 'category10' } },
          shape: { field: 'class', type: 'nominal' },
        },
      },
    ],
  };
}

/**
 * Evaluate a 2-D classifier on a grid around the data `x: [N, 2]` (labels `y: [N]`) and build its
 * decision-boundary spec. `model` maps `[M, 2]` → scores `[M, C]` (or probabilities `[M, 1]`/`[M]`
 * for binary problems, thresholded at 0.5 — pass `threshold` for logits: 0).
 */
export function decisionBoundary(
  model: { call(x: Tensor): Tensor } | ((x: Tensor) => Tensor),
  x: Tensor,
  y: Tensor | ArrayLike<number>,
  opts: { resolution?: number; margin?: number; threshold?: number; title?: string } = {},
): VegaLiteSpec {
  checkOptionKeys('decisionBoundary', opts, { resolution: true, margin: true, threshold: true, title: true });
  if (x.ndim !== 2 || x.shape[1] !== 2) throw new ShapeError(`decisionBoundary: points must be [N, 2], got ${fmtShape(x.shape)}`);
  const res = opts.resolution ?? 60;
  if (!Number.isInteger(res) || res < 2) throw new ValueError(`decisionBoundary: resolution must be an integer >= 2, got ${res}`);
  const pts = x.dataSync();
  const n = x.shape[0]!;
  const labels = y instanceof Tensor ? y.dataSync() : y;
  if (labels.length !== n) throw new ShapeError(`decisionBoundary: ${labels.length} labels for ${n} points`);
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, pts[2 * i]!);
    x1 = Math.max(x1, pts[2 * i]!);
    y0 = Math.min(y0, pts[2 * i + 1]!);
    y1 = Math.max(y1, pts[2 * i + 1]!);
  }
  const m = opts.margin ?? 0.1;
  const mx = (x1 - x0 || 1) * m;
  const my = (y1 - y0 || 1) * m;
  const xs = Array.from({ length: res }, (_, i) => x0 - mx + ((x1 - x0 + 2 * mx) * i) / (res - 1));
  const ys = Array.from({ length: res }, (_, i) => y0 - my + ((y1 - y0 + 2 * my) * i) / (res - 1));
  const g = new Float32Array(res * res * 2);
  for (let iy = 0; iy < res; iy++)
    for (let ix = 0; ix < res; ix++) {
      g[2 * (iy * res + ix)] = xs[ix]!;
      g[2 * (iy * res + ix) + 1] = ys[iy]!;
    }
  const gt = new Tensor(g, [res * res, 2], 'float32').to(x.dtype);
  const call = typeof model === 'function' ? model : (t: Tensor) => model.call(t);
  const m0 = model as { training?: boolean; eval?: () => void; train?: (b: boolean) => void };
  const was = m0.training;
  m0.eval?.();
  let out: Tensor;
  try {
    out = noGrad(() => call(gt));
  } finally {
    if (was !== undefined) m0.train?.(was);
  }
  const o = out.dataSync();
  const classes = new Int32Array(res * res);
  const c = out.ndim === 2 ? out.shape[1]! : 1;
  const thr = opts.threshold ?? 0.5;
  for (let i = 0; i < res * res; i++) {
    if (c === 1) classes[i] = o[i]! > thr ? 1 : 0;
    else {
      let b = 0;
      for (let j = 1; j < c; j++) if (o[i * c + j]! > o[i * c + b]!) b = j;
      classes[i] = b;
    }
  }
  const points = Array.from({ length: n }, (_, i) => ({ x: pts[2 * i]!, y: pts[2 * i + 1]!, label: Number(labels[i]) }));
  return decisionBoundarySpec({ xs, ys, classes }, points, { title: opts.title });
}

/** One point of a model-complexity sweep. */
export interface ComplexityPoint {
  /** The complexity knob (hidden units, polynomial degree, tree depth, epochs…). */
  complexity: number;
  trainError: number;
  testError: number;
}

/** Training vs test error against model complexity (the bias–variance picture), best test point marked. */
export function complexityCurveSpec(
  rows: readonly ComplexityPoint[],
  opts: { xTitle?: string; yTitle?: string; title?: string; logX?: boolean } = {},
): VegaLiteSpec {
  checkOptionKeys('complexityCurveSpec', opts, { xTitle: true, yTitle: true, title: true, logX: true });
  if (!rows.length) throw new ValueError('complexityCurveSpec: no points');
  const values = rows.flatMap((r) => [
    { complexity: r.complexity, error: r.trainError, split: 'train' },
    { complexity: r.complexity, error: r.testError, split: 'test' },
  ]);
  const best = rows.reduce((a, b) => (b.testError < a.testError ? b : a));
  return {
    $schema: SCHEMA,
    title: opts.title ?? 'Training vs test error',
    width: 360,
    height: 240,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: {
            field: 'complexity',
            type: 'quantitative',
            title: opts.xTitle ?? 'model complexity',
            scale: opts.logX ? { type: 'log' } : {},
          },
          y: { field: 'error', type: 'quantitative', title: opts.yTitle ?? 'error' },
          color: { field: 'split', type: 'nominal', scale: { domain: ['train', 'test'], range: ['#1f77b4', '#d62728'] } },
        },
      },
      {
        data: { values: [{ complexity: best.complexity }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#2ca02c' },
        encoding: { x: { field: 'complexity', type: 'quantitative' } },
      },
    ],
  };
}

/** An image (e.g. from `imageGrid` or `attributionImage`) as a standalone SVG document with an embedded PNG. */
export async function imageGridSVG(img: RGBAImage, opts: { title?: string } = {}): Promise<string> {
  checkOptionKeys('imageGridSVG', opts, { title: true });
  const png = await encodePNG(img);
  let bin = '';
  for (let i = 0; i < png.length; i += 0x8000) bin += String.fromCharCode(...png.subarray(i, i + 0x8000));
  const b64 = btoa(bin);
  const top = opts.title ? 20 : 0;
  const title = opts.title ? `<text x="0" y="14" font-family="sans-serif" font-size="13">${escapeXml(opts.title)}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${img.width}" height="${img.height + top}" viewBox="0 0 ${img.width} ${img.height + top}">${title}<image x="0" y="${top}" width="${img.width}" height="${img.height}" style="image-rendering:pixelated" href="data:image/png;base64,${b64}"/></svg>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Options of `renderSVG`/`saveSVG`; unknown keys throw a `ValueError`. */
export interface RenderOptions {
  /**
   * The vega expression evaluator. Default: vega-interpreter's `expressionInterpreter` — specs are
   * parsed to ASTs and interpreted, so rendering never calls `new Function`/`eval` (safe under a strict
   * Content-Security-Policy). Pass `'compile'` for vega's own code generation.
   */
  expr?: unknown;
}

/** Compile a vega-lite spec with vega-lite and render it to an SVG string with vega (no canvas needed). */
export async function renderSVG(spec: VegaLiteSpec, opts: RenderOptions = {}): Promise<string> {
  checkOptionKeys('renderSVG', opts, { expr: true });
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec as never).spec;
  const expr = opts.expr === 'compile' ? null : (opts.expr ?? (await import('vega-interpreter')).expressionInterpreter);
  const runtime = expr ? vega.parse(compiled, undefined, { ast: true }) : vega.parse(compiled);
  const view = new vega.View(runtime, { renderer: 'none', ...(expr ? { expr: expr as never } : {}) });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render a spec and write the SVG to `path` atomically (Node only). */
export async function saveSVG(path: string, spec: VegaLiteSpec, opts: RenderOptions = {}): Promise<void> {
  const { writeFileAtomic } = await import('../io/checkpoint-node.js');
  await writeFileAtomic(path, new TextEncoder().encode(await renderSVG(spec, opts)));
}
