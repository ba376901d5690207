/** The plots `train` writes beside the model: learning curves and (for classification) a confusion matrix. */
import * as path from 'node:path';
import { viz, metrics, predict, type History, type Tensor } from '../index.js';
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

/** Predict `x`, count against `y` and draw the matrix (the 50 classes with most samples when there are more). */
export async function writeConfusionMatrix(
  file: string,
  model: Module,
  x: Tensor,
  y: Tensor,
  classes: string[],
  title?: string,
): Promise<void> {
  const pred = await predict(model, x, { batchSize: 500 });
  const cm = metrics.confusionMatrix(pred, y, classes.length);
  await viz.saveSVG(file, viz.confusionMatrixSpec(cm, { labels: classes, ...(title ? { title } : {}) }));
}
