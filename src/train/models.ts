/**
 * The model zoo used by the CLI and examples — every model is plain `nn` layers:
 * - `mlp`: Flatten → [Linear → ReLU → Dropout(0.3)]* → Linear, hidden sizes 512, 256 by default.
 * - `lenet5`: LeCun et al. 1998 (ReLU + max-pool variant): conv5(6) → pool → conv5(16) → pool → 120 → 84 → classes.
 * - `cnn`: two conv stages with batch norm ([conv3 → BN → ReLU] ×2 → max-pool) → Linear(128) → BN → ReLU → Dropout → Linear.
 * - `resnet-small`: a CIFAR-style ResNet (He et al., 2016) with three stages of basic blocks (16/32/64 channels).
 * Or a JSON spec `{ "layers": [{ "type": "Linear", "args": [784, 10] }, { "type": "ReLU" }, …] }` whose layer
 * types come from an allow-list. `buildModel(spec)` is pure: with `manualSeed(s)` first, the same bits.
 */
import { ValueError, ShapeError, BackpropError, fmtShape } from '../core/errors.js';
import { noGrad } from '../autograd/mode.js';
import { zeros } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import { Sequential, Flatten, Identity } from '../nn/containers.js';
import * as L from '../nn/layers/index.js';

/** The names of `buildModel`'s built-in architectures. */
export type ZooName = 'mlp' | 'lenet5' | 'cnn' | 'resnet-small';
/** All `ZooName`s, in order (exported as `MODEL_ZOO`). */
export const ZOO: readonly ZooName[] = ['mlp', 'lenet5', 'cnn', 'resnet-small'];

/** One layer of a JSON model spec: `type` from the allow-list, positional `args`, an `options` object. */
export interface LayerSpec {
  type: string;
  args?: unknown[];
  options?: Record<string, unknown>;
}

/** How to build a model; stored in model.json so `evaluate`/`predict` rebuild the same architecture. */
export type ModelSpec =
  | { zoo: ZooName; inputShape: number[]; numClasses: number; hidden?: number[]; dropout?: number }
  | { layers: LayerSpec[]; inputShape: number[]; numClasses?: number };

/** A CIFAR-style residual basic block: conv3 → BN → ReLU → conv3 → BN, plus a (projected) shortcut, then ReLU. */
export class BasicBlock extends Module {
  conv1: L.Conv2d;
  bn1: L.BatchNorm2d;
  conv2: L.Conv2d;
  bn2: L.BatchNorm2d;
  shortcut: Module;
  constructor(inC: number, outC: number, stride = 1) {
    super();
    this.conv1 = new L.Conv2d(inC, outC, 3, { stride, padding: 1, bias: false });
    this.bn1 = new L.BatchNorm2d(outC);
    this.conv2 = new L.Conv2d(outC, outC, 3, { padding: 1, bias: false });
    this.bn2 = new L.BatchNorm2d(outC);
    this.shortcut =
      stride !== 1 || inC !== outC
        ? new Sequential(new L.Conv2d(inC, outC, 1, { stride, bias: false }), new L.BatchNorm2d(outC))
        : new Identity();
  }
  forward(x: Tensor): Tensor {
    const y = this.bn2.call(this.conv2.call(this.bn1.call(this.conv1.call(x)).relu()));
    return y.add(this.shortcut.call(x) as Tensor).relu();
  }
}

/** ResNet for small images: stem conv3(16) → 3 stages × `blocks` basic blocks (16, 32/2, 64/2) → global average pool → Linear. */
export class ResNetSmall extends Module {
  stem: Sequential;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  pool: L.AdaptiveAvgPool2d;
  fc: L.Linear;
  constructor(inChannels: number, numClasses: number, blocks = 1) {
    super();
    this.stem = new Sequential(new L.Conv2d(inChannels, 16, 3, { padding: 1, bias: false }), new L.BatchNorm2d(16), new L.ReLU());
    const stage = (i: number, o: number, s: number) =>
      new Sequential(...Array.from({ length: blocks }, (_, k) => new BasicBlock(k === 0 ? i : o, o, k === 0 ? s : 1)));
    this.layer1 = stage(16, 16, 1);
    this.layer2 = stage(16, 32, 2);
    this.layer3 = stage(32, 64, 2);
    this.pool = new L.AdaptiveAvgPool2d(1);
    this.fc = new L.Linear(64, numClasses);
  }
  forward(x: Tensor): Tensor {
    const h = this.layer3.call(this.layer2.call(this.layer1.call(this.stem.call(x)))) as Tensor;
    return this.fc.call((this.pool.call(h) as Tensor).flatten(1));
  }
}

const num = (v: unknown): number => v as number;

// the allow-list for JSON specs: name → factory(args, options)
const LAYERS: Record<string, (a: unknown[], o: Record<string, unknown>) => Module> = {
  Linear: (a, o) => new L.Linear(num(a[0]), num(a[1]), o),
  Conv2d: (a, o) => new L.Conv2d(num(a[0]), num(a[1]), a[2] as number, o),
  Conv1d: (a, o) => new L.Conv1d(num(a[0]), num(a[1]), num(a[2]), o),
  MaxPool2d: (a, o) => new L.MaxPool2d(a[0] as number, o),
  AvgPool2d: (a, o) => new L.AvgPool2d(a[0] as number, o as never),
  AdaptiveAvgPool2d: (a) => new L.AdaptiveAvgPool2d(a[0] as number),
  BatchNorm1d: (a, o) => new L.BatchNorm1d(num(a[0]), o),
  BatchNorm2d: (a, o) => new L.BatchNorm2d(num(a[0]), o),
  LayerNorm: (a, o) => new L.LayerNorm(a[0] as number, o),
  Dropout: (a) => new L.Dropout(a[0] === undefined ? 0.5 : num(a[0])),
  ReLU: () => new L.ReLU(),
  LeakyReLU: (a) => new L.LeakyReLU(a[0] === undefined ? {} : { negativeSlope: num(a[0]) }),
  ELU: (a) => new L.ELU(a[0] === undefined ? {} : { alpha: num(a[0]) }),
  GELU: () => new L.GELU(),
  SiLU: () => new L.SiLU(),
  Sigmoid: () => new L.Sigmoid(),
  Tanh: () => new L.Tanh(),
  Softplus: () => new L.Softplus(),
  Flatten: (a) => new Flatten(a[0] === undefined ? 1 : num(a[0]), a[1] === undefined ? -1 : num(a[1])),
  Identity: () => new Identity(),
};

/** The layer types a JSON model spec may use. */
export const SPEC_LAYER_TYPES = Object.keys(LAYERS);

function checkShape(s: unknown, who: string): number[] {
  if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d > 0))
    throw new ValueError(
      `${who}: inputShape must be a non-empty array of positive integers (without the batch dim), got ${JSON.stringify(s)}`,
    );
  return s as number[];
}

/** Default budgets of `buildModel`: parameters (1e8, 400 MB of float32) and input values per sample (2^20). */
export const MAX_MODEL_PARAMS = 100_000_000;
/** Default largest input size per sample (values) of `buildModel`. */
export const MAX_INPUT_ELEMENTS = 2 ** 20;

const posInt = (v: unknown, dflt = 0): number =>
  v === undefined ? dflt : typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : 0;
const prod = (a: readonly number[]): number => a.reduce((x, y) => x * y, 1);
const kernelArea = (k: unknown, dims: number): number => (Array.isArray(k) ? prod(k.map((v) => posInt(v))) : posInt(k) ** dims);

/**
 * The number of trainable parameters `spec` describes, computed from the spec alone (nothing is
 * allocated), so budgets can be checked before building. Layers whose arguments are invalid count 0
 * (building reports them); for the zoo and the JSON layer types the count is exact.
 */
export function specParamCount(spec: ModelSpec): number {
  const inputShape = checkShape(spec.inputShape, 'specParamCount');
  const lin = (i: number, o: number, bias = true) => i * o + (bias ? o : 0);
  if ('zoo' in spec) {
    const k = posInt(spec.numClasses);
    const [c = 1, h = 1, w = 1] = inputShape;
    switch (spec.zoo) {
      case 'mlp': {
        let prev = prod(inputShape);
        let n = 0;
        for (const hd of spec.hidden ?? [512, 256]) {
          n += lin(prev, posInt(hd));
          prev = posInt(hd);
        }
        return n + lin(prev, k);
      }
      case 'lenet5': {
        const fh = Math.max(0, Math.floor((Math.floor(h / 2) - 4) / 2));
        const fw = Math.max(0, Math.floor((Math.floor(w / 2) - 4) / 2));
        return c * 6 * 25 + 6 + 6 * 16 * 25 + 16 + lin(16 * fh * fw, 120) + lin(120, 84) + lin(84, k);
      }
      case 'cnn': {
        const f = Math.floor(Math.floor(h / 2) / 2) * Math.floor(Math.floor(w / 2) / 2);
        return c * 32 * 9 + 64 + 32 * 64 * 9 + 128 + 64 * f * 128 + 256 + lin(128, k);
      }
      case 'resnet-small':
        // stem conv3(c → 16) + BN, three stages of basic blocks (16, 32, 64 channels), Linear(64, k)
        return (
          c * 16 * 9 +
          32 +
          2 * (16 * 16 * 9 + 32) +
          (16 * 32 * 9 + 32 * 32 * 9 + 16 * 32 + 3 * 64) +
          (32 * 64 * 9 + 64 * 64 * 9 + 32 * 64 + 3 * 128) +
          lin(64, k)
        );
      default:
        return 0;
    }
  }
  let n = 0;
  for (const l of Array.isArray(spec.layers) ? spec.layers : []) {
    if (!l || typeof l !== 'object') continue;
    const a = Array.isArray(l.args) ? l.args : [];
    const o = l.options && typeof l.options === 'object' ? l.options : {};
    const bias = o.bias !== false;
    const groups = posInt(o.groups, 1) || 1;
    switch (l.type) {
      case 'Linear':
        n += lin(posInt(a[0]), posInt(a[1]), bias);
        break;
      case 'Conv2d':
      case 'Conv1d':
        n += Math.floor(posInt(a[0]) / groups) * posInt(a[1]) * kernelArea(a[2], l.type === 'Conv2d' ? 2 : 1) + (bias ? posInt(a[1]) : 0);
        break;
      case 'BatchNorm1d':
      case 'BatchNorm2d':
        n += o.affine === false ? 0 : 2 * posInt(a[0]);
        break;
      case 'LayerNorm':
        n += 2 * (Array.isArray(a[0]) ? prod(a[0].map((v) => posInt(v))) : posInt(a[0]));
        break;
    }
  }
  return n;
}

/** Options of `buildModel`; unknown keys throw a `ValueError`. */
export interface BuildModelOptions {
  /** Largest parameter count (default `MAX_MODEL_PARAMS`), checked from the spec before allocating. */
  maxParams?: number;
  /** Largest input size per sample, in values (default `MAX_INPUT_ELEMENTS`). */
  maxInputElements?: number;
}

/**
 * Build a model from a zoo name or JSON spec. Uses the global Rng for initial weights (see
 * `manualSeed`). The spec's parameter count and input size are checked against budgets first
 * (ValueError `E_BUDGET`), so a small JSON file cannot allocate gigabytes.
 */
export function buildModel(spec: ModelSpec, opts: BuildModelOptions = {}): Module {
  if (!spec || typeof spec !== 'object') throw new ValueError('buildModel: expected a model spec object');
  const inputShape = checkShape(spec.inputShape, 'buildModel');
  const maxIn = opts.maxInputElements ?? MAX_INPUT_ELEMENTS;
  if (prod(inputShape) > maxIn)
    throw new ValueError(
      `buildModel: inputShape ${fmtShape(inputShape)} has ${prod(inputShape)} values per sample, more than the budget of ${maxIn}`,
      'E_BUDGET',
    );
  const maxParams = opts.maxParams ?? MAX_MODEL_PARAMS;
  const nParams = specParamCount(spec);
  if (nParams > maxParams)
    throw new ValueError(
      `buildModel: the spec describes ${nParams.toLocaleString('en-US')} parameters, more than the budget of ${maxParams.toLocaleString('en-US')}`,
      'E_BUDGET',
    );
  if ('zoo' in spec) {
    const k = spec.numClasses;
    if (!Number.isInteger(k) || k < 1) throw new ValueError(`buildModel: numClasses must be a positive integer, got ${JSON.stringify(k)}`);
    const flat = inputShape.reduce((a, b) => a * b, 1);
    const image = inputShape.length === 3;
    const needImage = (name: string) => {
      if (!image)
        throw new ShapeError(
          `buildModel: '${name}' needs image inputs [C, H, W], but the data has shape ${fmtShape(inputShape)}; use --model mlp for tabular data`,
        );
    };
    switch (spec.zoo) {
      case 'mlp': {
        const hidden = spec.hidden ?? [512, 256];
        const p = spec.dropout ?? 0.3;
        const layers: Module[] = [new Flatten()];
        let prev = flat;
        for (const h of hidden) {
          layers.push(new L.Linear(prev, h), new L.ReLU());
          if (p > 0) layers.push(new L.Dropout(p));
          prev = h;
        }
        layers.push(new L.Linear(prev, k));
        return new Sequential(...layers);
      }
      case 'lenet5': {
        needImage('lenet5');
        const [c, h, w] = inputShape as [number, number, number];
        const fh = Math.floor((Math.floor(h / 2) - 4) / 2);
        const fw = Math.floor((Math.floor(w / 2) - 4) / 2);
        if (fh < 1 || fw < 1) throw new ShapeError(`buildModel: lenet5 needs images of at least 12×12, got ${h}×${w}`);
        return new Sequential(
          new L.Conv2d(c, 6, 5, { padding: 2 }),
          new L.ReLU(),
          new L.MaxPool2d(2),
          new L.Conv2d(6, 16, 5),
          new L.ReLU(),
          new L.MaxPool2d(2),
          new Flatten(),
          new L.Linear(16 * fh * fw, 120),
          new L.ReLU(),
          new L.Linear(120, 84),
          new L.ReLU(),
          new L.Linear(84, k),
        );
      }
      case 'cnn': {
        needImage('cnn');
        const [c, h, w] = inputShape as [number, number, number];
        const p = spec.dropout ?? 0.3;
        const fh = Math.floor(Math.floor(h / 2) / 2);
        const fw = Math.floor(Math.floor(w / 2) / 2);
        if (fh < 1 || fw < 1) throw new ShapeError(`buildModel: cnn needs images of at least 4×4, got ${h}×${w}`);
        return new Sequential(
          new L.Conv2d(c, 32, 3, { padding: 1, bias: false }),
          new L.BatchNorm2d(32),
          new L.ReLU(),
          new L.MaxPool2d(2),
          new L.Conv2d(32, 64, 3, { padding: 1, bias: false }),
          new L.BatchNorm2d(64),
          new L.ReLU(),
          new L.MaxPool2d(2),
          new Flatten(),
          new L.Linear(64 * fh * fw, 128, { bias: false }),
          new L.BatchNorm1d(128),
          new L.ReLU(),
          new L.Dropout(p),
          new L.Linear(128, k),
        );
      }
      case 'resnet-small':
        needImage('resnet-small');
        return new ResNetSmall(inputShape[0]!, k);
      default:
        throw new ValueError(
          `buildModel: unknown model '${String((spec as { zoo: unknown }).zoo)}'; choose one of ${ZOO.join(', ')} or a JSON spec file`,
        );
    }
  }
  if (!Array.isArray((spec as { layers?: unknown }).layers) || spec.layers.length === 0)
    throw new ValueError('buildModel: a JSON model spec needs a non-empty "layers" array, e.g. [{ "type": "Linear", "args": [4, 3] }]');
  const mods = spec.layers.map((l, i) => {
    if (!l || typeof l !== 'object' || typeof l.type !== 'string') throw new ValueError(`buildModel: layer ${i} needs a string "type"`);
    const make = Object.prototype.hasOwnProperty.call(LAYERS, l.type) ? LAYERS[l.type] : undefined;
    if (!make) throw new ValueError(`buildModel: layer ${i} has unknown type '${l.type}'; allowed: ${SPEC_LAYER_TYPES.join(', ')}`);
    const args = l.args ?? [];
    if (!Array.isArray(args)) throw new ValueError(`buildModel: layer ${i} (${l.type}): "args" must be an array`);
    const opts = l.options ?? {};
    if (typeof opts !== 'object' || opts === null || Array.isArray(opts))
      throw new ValueError(`buildModel: layer ${i} (${l.type}): "options" must be an object`);
    try {
      return make(args, { ...opts });
    } catch (e) {
      if (e instanceof BackpropError) throw new ValueError(`buildModel: layer ${i} (${l.type}): ${e.message}`);
      throw e;
    }
  });
  const model = new Sequential(...mods);
  // fail early with a clear message if the layers do not fit the input shape
  try {
    budgetedForward(model, 2, () => noGrad(() => model.eval().call(zeros([2, ...inputShape]))), 'buildModel');
  } catch (e) {
    if (e instanceof BackpropError && e.code !== 'E_BUDGET')
      throw new ShapeError(`buildModel: the spec's layers do not fit input ${fmtShape(inputShape)}: ${e.message}`);
    throw e;
  } finally {
    model.train();
  }
  return model;
}

/** One row of a model summary. */
export interface SummaryRow {
  name: string;
  type: string;
  outputShape: number[] | null;
  params: number;
}

/**
 * Per-layer output shapes and parameter counts, from one forward pass of a `[1, …inputShape]` zero
 * batch in eval mode (Keras' `model.summary()` / torchinfo).
 */
export function summary(
  model: Module,
  inputShape?: readonly number[],
): { rows: SummaryRow[]; totalParams: number; trainableParams: number } {
  const rows: SummaryRow[] = [];
  const index = new Map<Module, SummaryRow>();
  const removers: (() => void)[] = [];
  for (const [name, m] of model.namedModules()) {
    if (name === '') continue;
    const own = m.parameters(false).reduce((s, p) => s + p.numel(), 0);
    const leaf = m.children().length === 0;
    const row: SummaryRow = {
      name,
      type: m.constructor.name,
      outputShape: null,
      params: leaf ? m.parameters().reduce((s, p) => s + p.numel(), 0) : own,
    };
    rows.push(row);
    index.set(m, row);
    removers.push(
      m.registerForwardHook((mod, _in, out) => {
        const r = index.get(mod);
        if (r && out instanceof Tensor) r.outputShape = [...out.shape];
      }),
    );
  }
  if (inputShape) {
    const was = model.training;
    try {
      budgetedForward(model, 1, () => noGrad(() => model.eval().call(zeros([1, ...inputShape]))), 'summary');
    } finally {
      model.train(was);
      removers.forEach((r) => r());
    }
  } else removers.forEach((r) => r());
  const params = model.parameters();
  return {
    rows,
    totalParams: params.reduce((s, p) => s + p.numel(), 0),
    trainableParams: params.filter((p) => p.requiresGrad).reduce((s, p) => s + p.numel(), 0),
  };
}

/**
 * Default activation budget of a checking forward pass (`summary`, the CLI's output checks): 2^26
 * values per sample (256 MB of float32), summed over the leaf layers.
 */
export const MAX_ACTIVATION_ELEMENTS = 2 ** 26;

/**
 * Run `fn` (a forward pass of `model` on `batch` samples) with the values its leaf layers produce
 * counted against `budget` per sample: a Linear or Conv2d whose output would pass the budget is
 * refused before it runs, and any layer's output is added to the count after. Past the budget,
 * ValueError `E_BUDGET` — so a spec of a few bytes (Conv2d with 100,000 channels) or a huge input
 * fails after at most one layer's work, not after gigabytes.
 */
export function budgetedForward<T>(model: Module, batch: number, fn: () => T, who: string, budget = MAX_ACTIVATION_ELEMENTS): T {
  const limit = budget * Math.max(1, batch);
  let total = 0;
  const fail = (name: string, n: number): never => {
    throw new ValueError(
      `${who}: one forward pass would produce more than ${budget.toLocaleString('en-US')} values per sample (${Math.round(n / Math.max(1, batch)).toLocaleString('en-US')} by layer '${name}'); use a smaller input or fewer channels/features`,
      'E_BUDGET',
    );
  };
  const removers: (() => void)[] = [];
  try {
    for (const [name, m] of model.namedModules()) {
      if (m.children().length > 0) continue;
      removers.push(
        m.registerForwardPreHook((mod, inputs) => {
          const x = inputs[0];
          if (!(x instanceof Tensor)) return;
          let est = 0;
          let macs = 0;
          if (mod instanceof L.Linear && x.ndim >= 1) {
            est = (x.numel() / mod.inFeatures) * mod.outFeatures;
            macs = est * mod.inFeatures;
          } else if (mod instanceof L.Conv2d && x.ndim >= 3) {
            const [h, w] = x.shape.slice(-2) as [number, number];
            const pad = mod.padding === 'valid' ? [0, 0] : mod.padding === 'same' ? mod.kernelSize : mod.padding;
            const n = x.ndim === 4 ? x.shape[0]! : 1;
            est =
              n *
              mod.outChannels *
              (Math.floor((h + 2 * pad[0]!) / mod.stride[0]) + 1) *
              (Math.floor((w + 2 * pad[1]!) / mod.stride[1]) + 1);
            macs = est * (mod.inChannels / mod.groups) * mod.kernelSize[0] * mod.kernelSize[1];
          }
          if (total + est > limit) fail(name, total + est);
          // one layer's work is bounded too: 32 multiply-adds per budgeted value (2^31 by default)
          if (macs > 32 * limit)
            throw new ValueError(
              `${who}: layer '${name}' would take ${Math.round(macs / Math.max(1, batch)).toLocaleString('en-US')} multiply-adds per sample, more than ${(32 * budget).toLocaleString('en-US')}; use a smaller input or fewer channels/features`,
              'E_BUDGET',
            );
        }),
        m.registerForwardHook((_mod, _in, out) => {
          if (out instanceof Tensor) total += out.numel();
          if (total > limit) fail(name, total);
        }),
      );
    }
    return fn();
  } finally {
    removers.forEach((r) => r());
  }
}

/** A fixed-width text table of `summary()`. */
export function formatSummary(s: ReturnType<typeof summary>): string {
  const head = ['Layer', 'Type', 'Output shape', 'Params'];
  const body = s.rows.map((r) => [r.name, r.type, r.outputShape ? fmtShape(r.outputShape) : '-', r.params.toLocaleString('en-US')]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ');
  const rule = '-'.repeat(w.reduce((a, b) => a + b + 2, -2));
  return [
    line(head),
    rule,
    ...body.map(line),
    rule,
    `Total params: ${s.totalParams.toLocaleString('en-US')}`,
    `Trainable params: ${s.trainableParams.toLocaleString('en-US')}`,
  ].join('\n');
}
