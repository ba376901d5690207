/** `backprop predict`: CSV rows or image files through a trained model; prints CSV. */
import * as path from 'node:path';
import { backendInfo, cat, noGrad, data, predict, type Tensor } from '../index.js';
import { CliError, csvCell, type Log } from './errors.js';
import { normalizeImages } from './datasets.js';
import { prepareCsv } from './evaluate.js';
import { setupBackend } from './factories.js';
import { loadTrained } from './model-file.js';

/** Most input files (or CSV rows) one predict call handles. */
export const MAX_PREDICT_INPUTS = 100_000;

export async function predictCmd(
  flags: { model: string; inputs: string[]; top?: number; invert?: boolean; backend?: string },
  out: Log,
): Promise<void> {
  await setupBackend(flags.backend, () => {});
  const { model, meta } = await loadTrained(flags.model);
  if (flags.inputs.length === 0) throw new CliError('predict needs input files: CSV rows or images', 2);
  if (flags.inputs.length > MAX_PREDICT_INPUTS)
    throw new CliError(`predict takes at most ${MAX_PREDICT_INPUTS} input files, got ${flags.inputs.length}`, 2);
  const top = flags.top ?? 1;
  const k = meta.classes?.length ?? 1;
  if (!Number.isInteger(top) || top < 1 || (meta.task === 'classification' && top > k))
    throw new CliError(`--top must be an integer in [1, ${k}], got ${top}`, 2);
  const ids: string[] = [];
  const xs: Tensor[] = [];
  if (meta.preprocessing.kind === 'csv') {
    for (const f of flags.inputs) {
      const table = await data.loadCsv(f);
      const x = prepareCsv(meta, f, table);
      for (let i = 0; i < x.shape[0]!; i++) ids.push(`${path.basename(f)}:${table.lines[i]}`);
      xs.push(x);
      if (ids.length > MAX_PREDICT_INPUTS) throw new CliError(`predict takes at most ${MAX_PREDICT_INPUTS} rows`, 2);
    }
  } else {
    const prep = meta.preprocessing;
    const invert = flags.invert ?? prep.invert ?? false;
    for (const f of flags.inputs) {
      // the library's image path: regular file, size caps before decoding, resize to the model's input
      let img = await data.loadImage(f, { mode: prep.channels === 1 ? 'grayscale' : 'rgb', size: [prep.height, prep.width] });
      if (invert) img = noGrad(() => img.neg().add(1));
      ids.push(f);
      xs.push(normalizeImages(img.unsqueeze(0), prep));
    }
  }
  const x = xs.length === 1 ? xs[0]! : noGrad(() => cat(xs, 0));
  // --backend webgpu: the model runs on the GPU; predict() moves the batches there and reads the outputs back
  if (backendInfo().backend === 'webgpu') model.to('webgpu');
  const y = await predict(model, x, { batchSize: 256 });
  const v = y.dataSync();
  if (meta.task === 'regression') {
    out('input,prediction');
    ids.forEach((id, i) => out(`${csvCell(id)},${v[i]}`));
    return;
  }
  const probs = noGrad(() => y.softmax(1)).dataSync();
  out(
    top === 1 ? 'input,label,probability' : `input,${Array.from({ length: top }, (_, j) => `label${j + 1},probability${j + 1}`).join(',')}`,
  );
  ids.forEach((id, i) => {
    const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => probs[i * k + b]! - probs[i * k + a]! || a - b);
    out([csvCell(id), ...order.slice(0, top).flatMap((c) => [csvCell(meta.classes![c]!), probs[i * k + c]!.toFixed(4)])].join(','));
  });
}
