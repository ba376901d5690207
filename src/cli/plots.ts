/** The plots `train` writes beside the model: learning curves and (for classification) a confusion matrix. */
import * as path from 'node:path';
import { viz, metrics, noGrad, predict, type History, type Tensor } from '../index.js';
import { CliError } from './errors.js';
import type { Module } from '../nn/module.js';

/** Write learning-curves.svg and, with `classes`, confusion-matrix.svg; returns the file names written. */
export async function writePlots(
  dir: string,
  o: { model: Module; history: History; title: string; classes: string[] | null; x: Tensor; y: Tensor; splitName: string },
): Promise<string[]> {
  await viz.saveSVG(path.join(dir, 'learning-curves.svg'), viz.learningCurvesSpec(o.history, { title: o.title }));
  if (!o.classes) return ['learning-curves.svg'];
  await writeConfusionMatrix(path.join(dir, 'confusion-matrix.svg'), o.model, o.x, o.y, o.classes, `Confusion matrix (${o.splitName})`);
  return ['learning-curves.svg', 'confusion-matrix.svg'];
}

/** Classes up to which the full k × k matrix is counted; past it, only the drawn classes' cells. */
const DENSE_MAX_CLASSES = 200;
/** Classes drawn in a confusion matrix (the library's default `maxClasses`). */
const MAX_DRAWN = 50;

/**
 * Predict `x`, count against `y` and draw the matrix (the 50 classes with most samples when there
 * are more). Past `DENSE_MAX_CLASSES` classes the k × k matrix is never built (5,000 classes would
 * be 25 million cells, ~900 MB and seconds): the drawn classes are chosen from per-class counts and
 * only their cells are counted, in time and memory linear in the samples.
 */
export async function writeConfusionMatrix(
  file: string,
  model: Module,
  x: Tensor,
  y: Tensor,
  classes: string[],
  title?: string,
): Promise<void> {
  const pred = await predict(model, x, { batchSize: 500 });
  const k = classes.length;
  if (k <= DENSE_MAX_CLASSES) {
    const cm = metrics.confusionMatrix(pred, y, k);
    await viz.saveSVG(file, viz.confusionMatrixSpec(cm, { labels: classes, ...(title ? { title } : {}) }));
    return;
  }
  const p = noGrad(() => pred.argmax(1)).dataSync();
  const t = y.dataSync();
  const support = new Float64Array(k);
  for (let i = 0; i < t.length; i++) {
    const a = t[i]!;
    const b = p[i]!;
    if (!(a >= 0 && a < k && b >= 0 && b < k))
      throw new CliError(`confusion matrix: label ${a < 0 || a >= k ? a : b} at index ${i} is outside [0, ${k})`);
    support[a]!++;
    support[b]!++;
  }
  const shown = Array.from({ length: k }, (_, i) => i)
    .sort((a, b) => support[b]! - support[a]! || a - b)
    .slice(0, MAX_DRAWN)
    .sort((a, b) => a - b);
  const pos = new Int32Array(k).fill(-1);
  shown.forEach((c, j) => (pos[c] = j));
  const cm = shown.map(() => new Array<number>(shown.length).fill(0));
  for (let i = 0; i < t.length; i++) {
    const a = pos[t[i]!]!;
    const b = pos[p[i]!]!;
    if (a >= 0 && b >= 0) cm[a]![b]!++;
  }
  const spec = viz.confusionMatrixSpec(cm, {
    labels: shown.map((c) => classes[c]!),
    title: `${title ?? 'Confusion matrix'} (the ${shown.length} of ${k} classes with the most samples)`,
  });
  await viz.saveSVG(file, spec);
}
