/** `backprop evaluate`: a trained model folder on a dataset (metrics, optionally a confusion matrix). */
import * as path from 'node:path';
import { Tensor, nn, data, evaluate, backendInfo } from '../index.js';
import { CliError, type Log } from './errors.js';
import { checkFinite, loadDataset, normalizeImages, tableRows } from './datasets.js';
import { setupBackend } from './factories.js';
import { loadTrained, type CsvPrep, type ModelFile } from './model-file.js';
import { writeConfusionMatrix } from './plots.js';

/** CSV rows → the model's input features, through the transformer fitted in training. */
export function prepareCsv(meta: ModelFile, file: string, table: data.CsvTable): Tensor {
  const prep = meta.preprocessing as CsvPrep;
  const missing = prep.features.filter((f) => !table.names.includes(f));
  if (missing.length) throw new CliError(`${path.basename(file)} lacks the model's feature column(s) ${missing.join(', ')}`);
  let ct: data.ColumnTransformer;
  try {
    ct = data.preprocessorFromJSON(prep.transformer) as data.ColumnTransformer;
  } catch (e) {
    throw new CliError(`model.json: preprocessing.transformer: ${(e as Error).message}`);
  }
  const x = ct.transform(tableRows(table));
  if (x.ndim !== 2 || x.shape[1] !== meta.inputShape[0])
    throw new CliError(`the preprocessed ${path.basename(file)} has ${x.shape[1]} inputs but the model expects ${meta.inputShape[0]}`);
  checkFinite(x, x.shape[1] === prep.features.length ? prep.features : null, file);
  return x;
}

export async function evaluateCmd(
  flags: { model: string; dataset?: string; target?: string; confusionMatrix?: string; backend?: string },
  log: Log,
): Promise<Record<string, number>> {
  await setupBackend(flags.backend, () => {});
  const { model, meta } = await loadTrained(flags.model);
  let x: Tensor;
  let y: Tensor;
  const dsName = flags.dataset ?? (meta.dataset === 'mnist' || meta.dataset === 'fashion-mnist' ? meta.dataset : undefined);
  if (!dsName)
    throw new CliError('evaluate needs --dataset (the model was trained on a file; pass it or another file with the same columns)', 2);
  if (meta.preprocessing.kind === 'csv') {
    const table = await data.loadCsv(dsName);
    const target = flags.target ?? meta.preprocessing.target;
    if (!table.names.includes(target)) throw new CliError(`${path.basename(dsName)} has no target column '${target}'`);
    x = prepareCsv(meta, dsName, table);
    const col = table.column(target);
    if (meta.task === 'classification') {
      const index = new Map(meta.classes!.map((c, k) => [c, k]));
      const labels = (col instanceof Float64Array ? Array.from(col) : col).map(String);
      const ids = labels.map((l, i) => {
        const k = index.get(l);
        if (k === undefined)
          throw new CliError(`line ${table.lines[i]}: class '${l}' was not seen in training (classes: ${meta.classes!.join(', ')})`);
        return k;
      });
      y = new Tensor(Int32Array.from(ids), [ids.length], 'int32');
    } else {
      if (!(col instanceof Float64Array)) throw new CliError(`target '${target}' holds text, but the model is a regression model`);
      y = new Tensor(Float32Array.from(col), [col.length, 1], 'float32');
    }
  } else {
    const ds = await loadDataset(dsName, {}, () => {});
    if (ds.prep.kind !== 'image') throw new CliError(`the model reads images, but '${dsName}' is a CSV dataset`);
    const src = ds.test ?? ds.train;
    [x, y] = [normalizeImages(src.x, meta.preprocessing), src.y];
    const want = meta.inputShape.join(',');
    if (x.shape.slice(1).join(',') !== want)
      throw new CliError(`dataset '${dsName}' has inputs [${x.shape.slice(1)}] but the model expects [${want}]`);
    if (meta.classes && ds.classes && ds.classes.length !== meta.classes.length)
      throw new CliError(`dataset '${dsName}' has ${ds.classes.length} classes but the model was trained on ${meta.classes.length}`);
  }
  const loss = meta.task === 'classification' ? new nn.CrossEntropyLoss() : new nn.MSELoss();
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 500 });
  // --backend webgpu: evaluate() moves each batch to the model's device and reads the outputs back;
  // the model comes back for the confusion matrix (which predicts synchronously)
  const onGpu = backendInfo().backend === 'webgpu';
  if (onGpu) model.to('webgpu');
  const m = await evaluate(model, loader, {
    loss,
    metrics: meta.task === 'classification' ? ['accuracy', 'f1'] : ['mse', 'mae', 'rmse', 'r2'],
  });
  if (onGpu) await model.toAsync('cpu');
  log(
    Object.entries(m)
      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
      .join('  ') + `  (${x.shape[0]} samples)`,
  );
  if (flags.confusionMatrix !== undefined && meta.task === 'classification') {
    if (flags.confusionMatrix === '') throw new CliError('--confusion-matrix needs a file name', 2);
    await writeConfusionMatrix(flags.confusionMatrix, model, x, y, meta.classes!);
    log(`wrote ${flags.confusionMatrix}`);
  }
  return m;
}
