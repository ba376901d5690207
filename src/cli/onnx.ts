/** `backprop export` (a trained model folder → ONNX) and `backprop import` (check that an ONNX file runs). */
import { tensor, noGrad, saveOnnx, importOnnx, type Tensor } from '../index.js';
import { CliError, type Log } from './errors.js';
import { parseShape } from './factories.js';
import { loadTrained } from './model-file.js';
import { MAX_INPUT_ELEMENTS } from '../train/models.js';

export async function exportCmd(flags: { model: string; onnx?: string; opset?: number }, out: Log): Promise<void> {
  if (!flags.onnx) throw new CliError('export needs --onnx FILE or --pytorch DIR', 2);
  const { model, meta } = await loadTrained(flags.model);
  const example = tensor(new Float32Array(meta.inputShape.reduce((a, b) => a * b, 1)), { shape: [1, ...meta.inputShape] });
  try {
    await saveOnnx(model, example, flags.onnx, flags.opset !== undefined ? { opset: flags.opset } : {});
  } catch (e) {
    throw new CliError(`ONNX export failed: ${(e as Error).message}`);
  }
  out(`wrote ${flags.onnx} (input [1,${meta.inputShape}]${meta.classes ? `, ${meta.classes.length} class scores` : ''})`);
}

export async function importCmd(file: string, flags: { inputShape?: string }, out: Log): Promise<void> {
  if (file === '') throw new CliError('import needs an ONNX file', 2);
  const m = await importOnnx(file);
  out(
    `imported ${file}: ${m
      .parameters()
      .reduce((s, p) => s + p.numel(), 0)
      .toLocaleString('en-US')} parameters`,
  );
  if (flags.inputShape) {
    const shape = parseShape(flags.inputShape);
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > 16 * MAX_INPUT_ELEMENTS)
      throw new CliError(`--input-shape [${shape}] has ${n} values, more than ${16 * MAX_INPUT_ELEMENTS}`, 2);
    const y = noGrad(() => m.call(tensor(new Float32Array(n), { shape })) as Tensor);
    out(`output for a zero input [${shape}]: shape [${y.shape}]`);
  }
}
