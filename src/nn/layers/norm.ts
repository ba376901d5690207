/** Normalisation layers (BatchNorm1d/2d, LayerNorm) and Embedding. */
import { checkOptionKeys } from '../../core/options.js';
import { DTypeError, IndexError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { defaultRng } from '../../core/rng.js';
import { noGrad } from '../../autograd/mode.js';
import { full, ones, zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module, Parameter, pyRepr } from '../module.js';
import { checkPosInt, pyFloat, type InitOptions } from './common.js';

/** Options of `BatchNorm1d`/`BatchNorm2d`; unknown keys throw a `ValueError`. Defaults as PyTorch: eps 1e-5, momentum 0.1, affine and trackRunningStats true. */
export interface BatchNormOptions {
  eps?: number;
  /** Running-stat update factor; `null` for a cumulative moving average (1/numBatchesTracked). */
  momentum?: number | null;
  /** Learnable per-channel scale (weight, ones) and shift (bias, zeros). */
  affine?: boolean;
  /** Keep running_mean/running_var/num_batches_tracked buffers (used in eval mode). */
  trackRunningStats?: boolean;
}

/**
 * Shared BatchNorm logic. Training: normalise with the batch mean and biased variance, and update
 * running_mean/running_var (unbiased variance) as new = (1 − momentum)·old + momentum·batch.
 * Eval: normalise with the running statistics. State-dict keys as PyTorch: weight, bias,
 * running_mean, running_var, num_batches_tracked.
 */
abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numFeatures: number, opts: BatchNormOptions) {
    super();
    const who = this.typeName;
    checkOptionKeys(who, opts, { eps: true, momentum: true, affine: true, trackRunningStats: true });
    this.numFeatures = checkPosInt(numFeatures, 'numFeatures', who);
    this.eps = opts.eps ?? 1e-5;
    if (!(this.eps > 0)) throw new ValueError(`${who}: eps must be positive, got ${this.eps}`);
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1))
      throw new ValueError(`${who}: momentum must be in [0, 1] or null, got ${this.momentum}`);
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(ones(numFeatures)) : null;
    this.bias = this.affine ? new Parameter(zeros(numFeatures)) : null;
    this.registerBuffer('running_mean', this.trackRunningStats ? zeros(numFeatures) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? ones(numFeatures) : null);
    this.registerBuffer('num_batches_tracked', this.trackRunningStats ? full([], 0, { dtype: 'int32' }) : null);
  }

  /** Running mean [C] (buffer `running_mean`), or null without running stats. */
  get runningMean(): Tensor | null {
    return this.ownBuffer('running_mean');
  }
  /** Running variance [C] (buffer `running_var`). */
  get runningVar(): Tensor | null {
    return this.ownBuffer('running_var');
  }
  /** Number of training batches seen (int32 scalar buffer `num_batches_tracked`). */
  get numBatchesTracked(): Tensor | null {
    return this.ownBuffer('num_batches_tracked');
  }

  /** Reset running_mean to 0, running_var to 1, num_batches_tracked to 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (!x.isFloatingPoint()) throw new DTypeError(`${this.describe()}: expected a floating-point input, got ${x.dtype}`);
    let factor = this.momentum ?? 0;
    const nbt = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && nbt) {
      noGrad(() => nbt.fill_(nbt.item() + 1));
      if (this.momentum === null) factor = 1 / nbt.item();
    }
    const useBatch = this.training || this.runningMean === null;
    const track = !this.training || this.trackRunningStats;
    return F.batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatch,
      momentum: factor,
      eps: this.eps,
    });
  }

  /** The layer as printed in error messages, e.g. `BatchNorm1d(16)`. */
  protected describe(): string {
    return `${this.typeName}(${this.numFeatures})`;
  }

  /** The ShapeError (`E_NORM_SHAPE`) for an input that does not fit `layout`, with a hint when the channel count is off. */
  protected channelError(x: Tensor, layout: string): ShapeError {
    return new ShapeError(
      `${this.describe()}: expected input ${layout}, got ${fmtShape(x.shape)}` +
        (x.ndim >= 2 && x.shape[1] !== this.numFeatures
          ? `; hint: the input has ${x.shape[1]} channels in dim 1 but this layer normalises ${this.numFeatures}`
          : ''),
      'E_NORM_SHAPE',
    );
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${pyRepr(this.affine)}, track_running_stats=${pyRepr(this.trackRunningStats)}`;
  }
}

/** Batch normalisation over [N, C] or [N, C, L] inputs, per channel C. */
export class BatchNorm1d extends BatchNormBase {
  static readonly displayName = 'BatchNorm1d';
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts);
  }
  /** @throws ShapeError unless `x` is [N, C] or [N, C, L] with C = numFeatures. */
  protected checkInput(x: Tensor): void {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures)
      throw this.channelError(x, `[N, ${this.numFeatures}] or [N, ${this.numFeatures}, L]`);
  }
}

/** Batch normalisation over [N, C, H, W] inputs, per channel C. */
export class BatchNorm2d extends BatchNormBase {
  static readonly displayName = 'BatchNorm2d';
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts);
  }
  /** @throws ShapeError unless `x` is [N, C, H, W] with C = numFeatures. */
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4 || x.shape[1] !== this.numFeatures) throw this.channelError(x, `[N, ${this.numFeatures}, H, W]`);
  }
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims: (x − mean)/√(var + eps)·weight + bias,
 * biased variance. x: [..., *normalizedShape] → same shape. weight starts at ones, bias at zeros.
 */
export class LayerNorm extends Module {
  static readonly displayName = 'LayerNorm';
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } = {}) {
    super();
    checkOptionKeys('LayerNorm', opts, { eps: true, elementwiseAffine: true, bias: true });
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    if (shape.length === 0) throw new ValueError('LayerNorm: normalizedShape must have at least one dim');
    for (const s of shape) checkPosInt(s, 'normalizedShape entries', 'LayerNorm');
    this.normalizedShape = shape;
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(ones(shape)) : null;
    this.bias = this.elementwiseAffine && (opts.bias ?? true) ? new Parameter(zeros(shape)) : null;
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(Math.max(0, x.ndim - k));
    if (x.ndim < k || tail.some((s, i) => s !== this.normalizedShape[i]))
      throw new ShapeError(
        `LayerNorm(${pyRepr(this.normalizedShape)}): expected input [..., ${this.normalizedShape.join(', ')}], got ${fmtShape(x.shape)}`,
        'E_NORM_SHAPE',
      );
    if (!x.isFloatingPoint()) throw new DTypeError(`LayerNorm: expected a floating-point input, got ${x.dtype}`);
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${pyRepr(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyRepr(this.elementwiseAffine)}`;
  }
}

/**
 * A lookup table: int32 indices of any shape → [...indices.shape, embeddingDim].
 * weight [numEmbeddings, embeddingDim] starts at N(0, 1) (row `paddingIdx` zeroed and never updated).
 */
export class Embedding extends Module {
  static readonly displayName = 'Embedding';
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  /** Rows looked up with a larger `normType`-norm are renormalised to this norm in place (null: never). */
  readonly maxNorm: number | null;
  readonly normType: number;
  weight: Parameter;

  constructor(
    numEmbeddings: number,
    embeddingDim: number,
    opts: InitOptions & { paddingIdx?: number | null; maxNorm?: number | null; normType?: number; weight?: Tensor } = {},
  ) {
    super();
    checkOptionKeys('Embedding', opts, { paddingIdx: true, maxNorm: true, normType: true, weight: true, rng: true });
    this.maxNorm = opts.maxNorm ?? null;
    this.normType = opts.normType ?? 2;
    if (this.maxNorm !== null && (!(this.maxNorm >= 0) || !Number.isFinite(this.maxNorm)))
      throw new ValueError(`Embedding: maxNorm must be a non-negative number, got ${this.maxNorm}`);
    if (!(this.normType > 0)) throw new ValueError(`Embedding: normType must be positive, got ${this.normType}`);
    this.numEmbeddings = checkPosInt(numEmbeddings, 'numEmbeddings', 'Embedding');
    this.embeddingDim = checkPosInt(embeddingDim, 'embeddingDim', 'Embedding');
    let p = opts.paddingIdx ?? null;
    if (p !== null) {
      if (!Number.isInteger(p) || p >= numEmbeddings || p < -numEmbeddings)
        throw new IndexError(`Embedding: paddingIdx ${p} must be within the ${numEmbeddings} rows`);
      if (p < 0) p += numEmbeddings;
    }
    this.paddingIdx = p;
    if (opts.weight) {
      if (opts.weight.ndim !== 2 || opts.weight.shape[0] !== numEmbeddings || opts.weight.shape[1] !== embeddingDim)
        throw new ShapeError(`Embedding: weight shape ${fmtShape(opts.weight.shape)} does not match [${numEmbeddings}, ${embeddingDim}]`);
      this.weight = new Parameter(opts.weight.detach().clone());
    } else {
      this.weight = new Parameter(zeros(numEmbeddings, embeddingDim));
      init.normal_(this.weight, 0, 1, opts.rng ?? defaultRng());
      if (p !== null) this.weight.storage.fill(0, p * embeddingDim, (p + 1) * embeddingDim);
    }
  }

  /** An Embedding holding `embeddings` [num, dim] (frozen unless `freeze: false`). */
  static fromPretrained(embeddings: Tensor, opts: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    checkOptionKeys('Embedding.fromPretrained', opts, { freeze: true, paddingIdx: true });
    if (embeddings.ndim !== 2) throw new ShapeError(`Embedding.fromPretrained: embeddings must be 2-D, got ${fmtShape(embeddings.shape)}`);
    const e = new Embedding(embeddings.shape[0]!, embeddings.shape[1]!, { weight: embeddings, paddingIdx: opts.paddingIdx });
    e.weight.requiresGrad_(!(opts.freeze ?? true));
    return e;
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32')
      throw new DTypeError(
        `Embedding(${this.numEmbeddings}, ${this.embeddingDim}): indices must be int32, got ${indices.dtype}; convert with .int()`,
      );
    return F.embedding(indices, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    return s;
  }
}

/**
 * Group normalisation: [N, C, *] with C split into `numGroups` groups, each normalised over its
 * channels and positions; per-channel weight (ones) and bias (zeros). Batch-size independent, no
 * running statistics (same in train and eval).
 */
export class GroupNorm extends Module {
  static readonly displayName = 'GroupNorm';
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, opts: { eps?: number; affine?: boolean } = {}) {
    super();
    checkOptionKeys('GroupNorm', opts, { eps: true, affine: true });
    this.numGroups = checkPosInt(numGroups, 'numGroups', 'GroupNorm');
    this.numChannels = checkPosInt(numChannels, 'numChannels', 'GroupNorm');
    if (numChannels % numGroups)
      throw new ValueError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    this.weight = this.affine ? new Parameter(ones(numChannels)) : null;
    this.bias = this.affine ? new Parameter(zeros(numChannels)) : null;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels)
      throw new ShapeError(
        `GroupNorm(${this.numGroups}, ${this.numChannels}): expected input [N, ${this.numChannels}, *], got ${fmtShape(x.shape)}`,
        'E_NORM_SHAPE',
      );
    if (!x.isFloatingPoint()) throw new DTypeError(`GroupNorm: expected a floating-point input, got ${x.dtype}`);
    return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyRepr(this.affine)}`;
  }
}
