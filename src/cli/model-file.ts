/**
 * The trained-model folder written by `backprop train` and read by evaluate/predict/info/export:
 * `model.safetensors` (the weights) and `model.json` (architecture, task, classes, preprocessing and
 * the SHA-256 of the weights file). The pair is one unit: both files are written atomically, weights
 * first, and `model.json` names the digest of the weights it belongs to — a `kill -9` between the two
 * writes leaves a new weights file beside the old description, and loading refuses that pair.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackpropError } from '../core/errors.js';
import { readRegularFile } from '../core/files.js';
import { writeFileAtomic } from '../io/checkpoint-node.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { preprocessorFromJSON } from '../data/preprocessing.js';
import { budgetedForward, buildModel, MAX_INPUT_ELEMENTS, specParamCount, type ModelSpec } from '../train/models.js';
import { noGrad } from '../autograd/mode.js';
import { CliError, readJsonFile } from './errors.js';

export const MODEL_FORMAT = 'backprop-model';
/** Version 2 adds `weights` (file name, bytes, sha256); version 1 folders (no digest) still load. */
export const MODEL_FORMAT_VERSION = 2;

/** Image preprocessing: pixels → [0, 1] (÷255), fixed size, channel count, optional normalisation. */
export interface ImagePrep {
  kind: 'image';
  channels: number;
  height: number;
  width: number;
  invert?: boolean;
  /** (x − mean) / std after scaling to [0, 1], from the training split. */
  mean?: number;
  std?: number;
}

/** CSV preprocessing: feature columns with a fitted ColumnTransformer. */
export interface CsvPrep {
  kind: 'csv';
  target: string;
  features: string[];
  transformer: unknown;
}

export type Task = 'classification' | 'regression';

/** What model.json holds. */
export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  architecture: ModelSpec;
  task: Task;
  classes: string[] | null;
  inputShape: number[];
  preprocessing: ImagePrep | CsvPrep;
  dataset: string;
  /** The weights file this description belongs to (version ≥ 2). */
  weights?: { file: string; bytes: number; sha256: string };
  training?: Record<string, unknown>;
}

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * Write the pair: the weights (atomically), then model.json carrying their digest (atomically).
 * Returns the weights file's digest.
 */
export async function writeModelFolder(dir: string, meta: Omit<ModelFile, 'weights'>, stateDict: Record<string, Tensor>): Promise<string> {
  const bytes = encodeSafetensors(stateDict, { metadata: { format: MODEL_FORMAT } });
  const digest = sha256Hex(bytes);
  const full: ModelFile = { ...meta, weights: { file: 'model.safetensors', bytes: bytes.length, sha256: digest } };
  await writeFileAtomic(path.join(dir, 'model.safetensors'), bytes);
  await writeFileAtomic(path.join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(full, null, 2) + '\n'));
  return digest;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Check every field evaluate/predict rely on, so a hand-edited model.json is a clear error. */
export function checkModelFile(m: unknown, file: string): ModelFile {
  const bad = (what: string) => new CliError(`${file}: ${what}`);
  if (!isObj(m) || m.format !== MODEL_FORMAT) throw bad(`not a backprop model description (format must be "${MODEL_FORMAT}")`);
  if (m.version !== 1 && m.version !== MODEL_FORMAT_VERSION)
    throw bad(`has format version ${String(m.version)}; this backprop reads versions 1 and ${MODEL_FORMAT_VERSION}`);
  if (!isObj(m.architecture)) throw bad('has no "architecture" object');
  if (m.task !== 'classification' && m.task !== 'regression')
    throw bad(`"task" must be "classification" or "regression", got ${JSON.stringify(m.task)}`);
  if (m.task === 'classification') {
    if (!Array.isArray(m.classes) || m.classes.length < 2 || !m.classes.every((c) => typeof c === 'string'))
      throw bad('a classification model needs "classes": an array of at least 2 class names');
    if (new Set(m.classes).size !== m.classes.length) throw bad('"classes" has duplicate names');
  } else if (m.classes !== null && m.classes !== undefined) throw bad('a regression model has "classes": null');
  if (!Array.isArray(m.inputShape) || m.inputShape.length === 0 || !m.inputShape.every((d) => Number.isSafeInteger(d) && (d as number) > 0))
    throw bad('"inputShape" must be a non-empty array of positive integers');
  // the input size is a budget too: evaluate/predict/export allocate a sample of this shape
  const inputValues = (m.inputShape as number[]).reduce((a, b) => a * b, 1);
  if (inputValues > MAX_INPUT_ELEMENTS)
    throw bad(`"inputShape" [${String(m.inputShape)}] has ${inputValues} values per sample, more than the budget of ${MAX_INPUT_ELEMENTS}`);
  const archShape = m.architecture.inputShape;
  if (archShape !== undefined && JSON.stringify(archShape) !== JSON.stringify(m.inputShape))
    throw bad(`architecture.inputShape ${JSON.stringify(archShape)} differs from inputShape [${String(m.inputShape)}]`);
  const p = m.preprocessing;
  if (!isObj(p)) throw bad('has no "preprocessing" object (written by backprop train; the folder is incomplete)');
  if (p.kind === 'image') {
    for (const k of ['channels', 'height', 'width'] as const)
      if (!Number.isSafeInteger(p[k]) || (p[k] as number) < 1) throw bad(`preprocessing.${k} must be a positive integer`);
    if (p.channels !== 1 && p.channels !== 3) throw bad('preprocessing.channels must be 1 or 3');
    const shape = [p.channels, p.height, p.width].join(',');
    if (shape !== (m.inputShape as number[]).join(','))
      throw bad(`preprocessing [${shape}] does not match inputShape [${String(m.inputShape)}]`);
    for (const k of ['mean', 'std'] as const)
      if (p[k] !== undefined && (typeof p[k] !== 'number' || !Number.isFinite(p[k])))
        throw bad(`preprocessing.${k} must be a finite number`);
    if (p.std !== undefined && !((p.std as number) > 0)) throw bad('preprocessing.std must be positive');
  } else if (p.kind === 'csv') {
    if (
      typeof p.target !== 'string' ||
      !Array.isArray(p.features) ||
      !p.features.every((f) => typeof f === 'string') ||
      !isObj(p.transformer)
    )
      throw bad('csv preprocessing needs "target", "features" and "transformer"');
    try {
      preprocessorFromJSON(p.transformer);
    } catch (e) {
      throw bad(`preprocessing.transformer: ${(e as Error).message}`);
    }
  } else throw bad(`preprocessing.kind ${JSON.stringify(p.kind)} is not supported (this backprop reads "image" and "csv" models)`);
  if (m.version === MODEL_FORMAT_VERSION) {
    const w = m.weights;
    if (
      !isObj(w) ||
      w.file !== 'model.safetensors' ||
      !Number.isSafeInteger(w.bytes) ||
      typeof w.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(w.sha256)
    )
      throw bad('"weights" must name model.safetensors with its bytes and sha256');
  }
  return m as unknown as ModelFile;
}

/** Load and verify a trained-model folder: description, weights size and digest, then the model. */
export async function loadTrained(dir: string): Promise<{ model: Module; meta: ModelFile }> {
  if (typeof dir !== 'string' || dir === '') throw new CliError('--model needs a folder (the --out folder of backprop train)', 2);
  let isDir: boolean;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new CliError(`model folder '${dir}' not found (expected the --out folder of backprop train)`);
  const jsonPath = path.join(dir, 'model.json');
  const wPath = path.join(dir, 'model.safetensors');
  const meta = checkModelFile(await readJsonFile(jsonPath, 'model description'), jsonPath);
  // the spec's parameter count against the weights file, before a parameter is allocated
  let nParams: number;
  try {
    nParams = specParamCount(meta.architecture);
  } catch (e) {
    throw new CliError(`${jsonPath}: ${(e as Error).message}`);
  }
  const maxBytes = meta.weights ? meta.weights.bytes : nParams * 8 + (64 << 20);
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(wPath, { maxBytes, who: 'model weights' });
  } catch (e) {
    if (e instanceof BackpropError && e.code === 'E_FILE_TOO_LARGE')
      throw new CliError(
        `${wPath} is larger than the weights model.json describes; the pair does not belong together (retrain, or copy both files from one run)`,
      );
    throw e;
  }
  if (bytes.length < nParams * 4)
    throw new CliError(
      `${wPath} does not match the architecture in model.json: it has ${bytes.length} bytes, but the architecture has ${nParams.toLocaleString('en-US')} parameters (${(nParams * 4).toLocaleString('en-US')} bytes)`,
    );
  if (meta.weights && (bytes.length !== meta.weights.bytes || sha256Hex(bytes) !== meta.weights.sha256))
    throw new CliError(
      `${wPath} is not the weights model.json was written with (SHA-256 differs): the folder mixes two runs, or a run was interrupted; retrain or restore both files together`,
    );
  let model: Module;
  try {
    model = buildModel(meta.architecture);
  } catch (e) {
    throw new CliError(`${jsonPath}: ${(e as Error).message}`);
  }
  const sd = decodeSafetensors(bytes, { file: wPath }).tensors;
  // a model whose weights hold NaN or ±Infinity predicts NaN for every input: refuse it here
  for (const name of Object.keys(sd)) {
    const t = sd[name]!;
    if (t.dtype !== 'float32' && t.dtype !== 'float64') continue;
    const v = t.dataSync();
    for (let i = 0; i < v.length; i++)
      if (!Number.isFinite(v[i]!))
        throw new CliError(
          `${wPath}: tensor '${name}' holds ${v[i]} at element ${i}; a model with non-finite weights cannot be used (retrain it)`,
        );
  }
  try {
    model.loadStateDict(sd);
  } catch (e) {
    throw new CliError(`${wPath} does not match the architecture in model.json: ${(e as Error).message}`);
  }
  model.eval();
  // the architecture's outputs must be what model.json's task and classes say (one zero sample)
  const want = meta.task === 'classification' ? meta.classes!.length : 1;
  let out: Tensor;
  try {
    const n = meta.inputShape.reduce((a, b) => a * b, 1);
    out = budgetedForward(
      model,
      1,
      () => noGrad(() => model.call(new Tensor(new Float32Array(n), [1, ...meta.inputShape], 'float32')) as Tensor),
      'model.json',
    );
  } catch (e) {
    throw new CliError(`${jsonPath}: the architecture does not run on inputShape [${String(meta.inputShape)}]: ${(e as Error).message}`);
  }
  if (!(out instanceof Tensor) || out.ndim !== 2 || out.shape[1] !== want)
    throw new CliError(
      `${jsonPath}: the architecture outputs [${out instanceof Tensor ? String(out.shape) : typeof out}] per batch, but ${meta.task === 'classification' ? `"classes" lists ${want} classes` : 'a regression model has 1 output'}`,
    );
  return { model, meta };
}
