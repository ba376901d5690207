/**
 * Save and load playground models: `architecture.json` (the network's shape, features, task and the
 * settings it was trained with) + `model.safetensors` (the state dict, PyTorch keys and layouts).
 * Runs in the browser and in Node — the file the page saves loads here and predicts the same.
 *
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { loadPlaygroundModel } from './playground/model-io.js';
 * const m = loadPlaygroundModel(readFileSync('architecture.json', 'utf8'), readFileSync('model.safetensors'));
 * m.predict([[1, 2], [-3, 0.5]]); // per point: the output (binary: probability of the blue class)
 * ```
 */
import { Rng, decodeSafetensors, encodeSafetensors, noGrad, tensor, type Tensor, type nn } from './src/bp.js';
import { buildModel, run, validateArchitecture, type Architecture } from './src/model.js';
import { validateObject, type PgState } from './src/state.js';

export interface SavedModel {
  architecture: string;
  weights: Uint8Array;
}

/** Serialise a model built by `buildModel` with its architecture and settings. */
export function saveModel(model: nn.Module, arch: Architecture, settings?: PgState): SavedModel {
  const json = JSON.stringify({ ...arch, settings: settings ?? null }, null, 2);
  const weights = encodeSafetensors(model.stateDict(), { metadata: { format: arch.format, version: String(arch.version) } });
  return { architecture: json, weights };
}

export interface LoadedModel {
  model: nn.Sequential;
  arch: Architecture;
  /** The saved settings, validated like a URL (null if the file had none). */
  settings: PgState | null;
  notices: string[];
  /** Raw outputs for points [[x1, x2], …]: [N, outputs] as nested arrays. */
  forward(points: readonly (readonly [number, number])[] | Float32Array): Tensor;
  /**
   * What the page shows: binary → P(blue) (classic: the tanh output), multi-class → class probabilities,
   * regression → the value. One row per point.
   */
  predict(points: readonly (readonly [number, number])[] | Float32Array): number[][];
}

/** Rebuild a model from the two files. Throws a descriptive Error on a malformed architecture or weights. */
export function loadPlaygroundModel(architecture: string, weights: Uint8Array): LoadedModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(architecture);
  } catch (e) {
    throw new Error(`architecture: not valid JSON (${(e as Error).message})`);
  }
  const arch = validateArchitecture(parsed);
  const rawSettings = (parsed as Record<string, unknown>).settings;
  const v = rawSettings && typeof rawSettings === 'object' ? validateObject(rawSettings) : null;
  const { model } = buildModel(arch, new Rng(0));
  const { tensors } = decodeSafetensors(weights);
  noGrad(() => model.loadStateDict(tensors));
  model.eval();
  const toX = (points: readonly (readonly [number, number])[] | Float32Array): Tensor =>
    points instanceof Float32Array
      ? tensor(points, { shape: [points.length / 2, 2] })
      : tensor(Float32Array.from(points.flatMap((p) => [p[0], p[1]])), { shape: [points.length, 2] });
  const forward = (points: readonly (readonly [number, number])[] | Float32Array): Tensor => noGrad(() => run(model, toX(points)));
  const predict = (points: readonly (readonly [number, number])[] | Float32Array): number[][] =>
    noGrad(() => {
      const out = forward(points);
      const y = arch.task === 'multiclass' ? out.softmax(1) : arch.task === 'binary' && arch.outputActivation === 'none' ? out.sigmoid() : out;
      return y.toArray() as number[][];
    });
  return { model, arch, settings: v?.state ?? null, notices: v?.notices ?? [], forward, predict };
}
