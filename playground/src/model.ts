/**
 * The playground's networks, described by a small JSON architecture and built with the public API:
 *
 *   Sequential(FeatureMap, Linear, [Norm], Act, [Dropout], …, Linear, [Tanh])
 *
 * The same builder runs in the page's worker and in Node (`model-io.ts`), so a saved
 * `architecture.json` + `model.safetensors` pair rebuilds the identical model anywhere.
 */
import { nn, type Rng, type Tensor } from './bp.js';
import { FeatureMap } from './features.js';
import {
  ACTIVATIONS,
  FEATURES,
  MAX_LAYERS,
  MAX_NEURONS,
  NORMS,
  enabledFeatures,
  layerActivation,
  outputsFor,
  type ActivationName,
  type FeatureName,
  type NormName,
  type PgState,
} from './state.js';

export const ARCH_FORMAT = 'backprop-playground/mlp';
export const ARCH_VERSION = 1;

/** What the output means (how to read it, which loss trains it). */
export type Task = 'binary' | 'multiclass' | 'regression';

/** A model's architecture: everything needed to rebuild it (weights live in the safetensors file). */
export interface Architecture {
  format: typeof ARCH_FORMAT;
  version: number;
  features: FeatureName[];
  hidden: number[];
  activations: ActivationName[];
  outputs: number;
  /** 'tanh' in the classic preset (TensorFlow Playground's output neuron), else 'none' (logits). */
  outputActivation: 'none' | 'tanh';
  dropout: number;
  norm: NormName;
  task: Task;
  /** Binary label coding: 0/1 (modern, with BCE-with-logits) or ±1 (classic). */
  labels: '01' | 'pm1';
}

export function taskOf(s: PgState): Task {
  if (s.problem === 'regression') return 'regression';
  return outputsFor(s) > 1 ? 'multiclass' : 'binary';
}

export function architectureOf(s: PgState): Architecture {
  const task = taskOf(s);
  const classic = s.preset === 'classic';
  return {
    format: ARCH_FORMAT,
    version: ARCH_VERSION,
    features: enabledFeatures(s),
    hidden: [...s.networkShape],
    activations: s.networkShape.map((_, i) => layerActivation(s, i)),
    outputs: outputsFor(s),
    outputActivation: classic ? 'tanh' : 'none',
    dropout: classic ? 0 : s.dropout,
    norm: classic ? 'none' : s.norm,
    task,
    labels: classic || task === 'regression' ? 'pm1' : '01',
  };
}

/** Check an architecture read from an untrusted file; throws an Error naming the bad field. */
export function validateArchitecture(a: unknown): Architecture {
  const bad = (m: string): never => {
    throw new Error(`architecture: ${m}`);
  };
  if (typeof a !== 'object' || a === null || Array.isArray(a)) bad('not a JSON object');
  const o = a as Record<string, unknown>;
  if (o.format !== ARCH_FORMAT) bad(`format must be ${JSON.stringify(ARCH_FORMAT)}`);
  if (o.version !== ARCH_VERSION) bad(`version ${String(o.version)} is not supported (expected ${ARCH_VERSION})`);
  const list = (k: string): unknown[] => (Array.isArray(o[k]) ? (o[k] as unknown[]) : bad(`${k} must be an array`));
  const features = list('features');
  if (features.length < 1 || features.length > FEATURES.length || features.some((f) => !FEATURES.includes(f as FeatureName)))
    bad('features must be a non-empty list of known features');
  const hidden = list('hidden');
  if (hidden.length > MAX_LAYERS || hidden.some((h) => !Number.isInteger(h) || (h as number) < 1 || (h as number) > MAX_NEURONS))
    bad(`hidden must list at most ${MAX_LAYERS} layers of 1–${MAX_NEURONS} neurons`);
  const acts = list('activations');
  if (acts.length !== hidden.length || acts.some((x) => !ACTIVATIONS.includes(x as ActivationName)))
    bad('activations must name one known activation per hidden layer');
  if (!Number.isInteger(o.outputs) || (o.outputs as number) < 1 || (o.outputs as number) > 5) bad('outputs must be an integer in 1–5');
  if (o.outputActivation !== 'none' && o.outputActivation !== 'tanh') bad('outputActivation must be "none" or "tanh"');
  if (typeof o.dropout !== 'number' || !(o.dropout >= 0 && o.dropout <= 0.9)) bad('dropout must be a number in [0, 0.9]');
  if (!NORMS.includes(o.norm as NormName)) bad('norm must be none, batch or layer');
  if (o.task !== 'binary' && o.task !== 'multiclass' && o.task !== 'regression') bad('task must be binary, multiclass or regression');
  if (o.labels !== '01' && o.labels !== 'pm1') bad('labels must be "01" or "pm1"');
  if ((o.task === 'multiclass') !== (o.outputs as number) > 1) bad('multiclass models have 2–5 outputs, the others one');
  return {
    format: ARCH_FORMAT,
    version: ARCH_VERSION,
    features: features as FeatureName[],
    hidden: hidden as number[],
    activations: acts as ActivationName[],
    outputs: o.outputs as number,
    outputActivation: o.outputActivation as 'none' | 'tanh',
    dropout: o.dropout as number,
    norm: o.norm as NormName,
    task: o.task as Task,
    labels: o.labels as '01' | 'pm1',
  };
}

/** Run a module on one tensor (Sequential's `call` is typed `unknown` for generality). */
export const run = (m: nn.Module, x: Tensor): Tensor => m.call(x) as Tensor;

export function activationModule(name: ActivationName): nn.Module {
  switch (name) {
    case 'tanh':
      return new nn.Tanh();
    case 'relu':
      return new nn.ReLU();
    case 'sigmoid':
      return new nn.Sigmoid();
    case 'linear':
      return new nn.Identity();
    case 'leakyRelu':
      return new nn.LeakyReLU({ negativeSlope: 0.01 });
    case 'elu':
      return new nn.ELU();
    case 'gelu':
      return new nn.GELU();
  }
}

/** A built model plus where its per-neuron outputs are: `taps[l]` is the Sequential index after which layer l's activations live. */
export interface Built {
  model: nn.Sequential;
  arch: Architecture;
  /** Index of the FeatureMap output (0), each hidden layer's activation, and the output layer. */
  taps: number[];
  /** Indices of the Linear layers, in order (hidden…, output). */
  linears: number[];
}

/**
 * Build the network. `init` picks the weight initialiser (all drawn from `rng`):
 * 'default' → PyTorch's Linear default (classic preset: TensorFlow Playground's U(−0.5, 0.5), bias 0.1),
 * 'xavier' → Xavier/Glorot uniform, 'he' → Kaiming uniform (fan-in, ReLU gain), 'normal' → N(0, 0.1²); biases 0
 * for the explicit schemes. 'zero' → all weights 0 (TensorFlow Playground's `initZero`), biases 0.1 with the
 * classic preset (`classicInit`) as there, else 0.
 */
export function buildModel(
  arch: Architecture,
  rng: Rng,
  init: 'default' | 'xavier' | 'he' | 'normal' | 'zero' = 'default',
  classicInit = false,
): Built {
  const mods: nn.Module[] = [new FeatureMap(arch.features)];
  const taps = [0];
  const linears: number[] = [];
  let width = arch.features.length;
  const addLinear = (out: number): void => {
    const lin = new nn.Linear(width, out, { rng });
    if (init === 'zero') {
      nn.init.zeros_(lin.weight);
      if (lin.bias) nn.init.constant_(lin.bias, classicInit ? 0.1 : 0);
    } else if (classicInit) {
      nn.init.uniform_(lin.weight, -0.5, 0.5, rng);
      if (lin.bias) nn.init.constant_(lin.bias, 0.1);
    } else if (init === 'xavier') {
      nn.init.xavierUniform_(lin.weight, 1, rng);
      if (lin.bias) nn.init.zeros_(lin.bias);
    } else if (init === 'he') {
      nn.init.kaimingUniform_(lin.weight, { nonlinearity: 'relu', rng });
      if (lin.bias) nn.init.zeros_(lin.bias);
    } else if (init === 'normal') {
      nn.init.normal_(lin.weight, 0, 0.1, rng);
      if (lin.bias) nn.init.zeros_(lin.bias);
    }
    linears.push(mods.length);
    mods.push(lin);
    width = out;
  };
  arch.hidden.forEach((units, i) => {
    addLinear(units);
    if (arch.norm === 'batch') mods.push(new nn.BatchNorm1d(units));
    else if (arch.norm === 'layer') mods.push(new nn.LayerNorm([units]));
    mods.push(activationModule(arch.activations[i]!));
    taps.push(mods.length - 1);
    if (arch.dropout > 0) mods.push(new nn.Dropout(arch.dropout, { rng }));
  });
  addLinear(arch.outputs);
  if (arch.outputActivation === 'tanh') mods.push(new nn.Tanh());
  taps.push(mods.length - 1);
  return { model: new nn.Sequential(...mods), arch, taps, linears };
}
