/**
 * Loss modules: state-free wrappers over the functional losses (`nn.functional`), holding the options
 * (and, for weighted losses, the `weight` / `pos_weight` buffers, saved in the state dict like
 * PyTorch's). Call with `loss.call(input, target)` or `loss.forward(input, target)`.
 * @example
 * const criterion = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = criterion.call(model.call(x), y);  // logits [N, C], y int32 [N] → scalar
 */
import type { Tensor } from '../tensor/tensor.js';
import * as L from './losses.js';
import { checkOptionKeys, optionKeys, type OptionKeyList } from '../core/options.js';
import { Module, pyRepr } from './module.js';

type Reduction = L.Reduction;

const REDUCTION_ONLY = optionKeys<{ reduction?: Reduction }>()({ reduction: true });

/** The shared part of the loss modules: a `reduction` validated at construction and printed like PyTorch. */
abstract class Loss<R extends string = Reduction> extends Module {
  readonly reduction: R;
  /**
   * `opts`: the subclass's options object, checked against `keys` (all of its type's keys, see
   * `optionKeys`) so that a typo or PyTorch's snake_case (`label_smoothing`) is an error instead of
   * being ignored; `extra`: reductions beyond none/mean/sum.
   */
  constructor(opts: { reduction?: R } | undefined, keys: OptionKeyList = REDUCTION_ONLY, extra: readonly string[] = []) {
    super();
    checkOptionKeys(this.typeName, opts, keys);
    this.reduction = opts?.reduction ?? ('mean' as R);
    L.checkReduction(this.typeName, this.reduction, extra);
  }
  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction=${pyRepr(this.reduction)}`;
  }
}

/** Module form of `F.mseLoss`: mean squared error. input, target: same shape. */
export class MSELoss extends Loss {
  static readonly displayName = 'MSELoss';
  constructor(opts: { reduction?: Reduction } = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Module form of `F.l1Loss`: mean absolute error. input, target: same shape. */
export class L1Loss extends Loss {
  static readonly displayName = 'L1Loss';
  constructor(opts: { reduction?: Reduction } = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Module form of `F.smoothL1Loss` (quadratic below `beta`, linear above). */
export class SmoothL1Loss extends Loss {
  static readonly displayName = 'SmoothL1Loss';
  readonly beta: number;
  constructor(opts: { reduction?: Reduction; beta?: number } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, beta: true }));
    this.beta = opts.beta ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Module form of `F.huberLoss` (quadratic below `delta`, linear with slope `delta` above). */
export class HuberLoss extends Loss {
  static readonly displayName = 'HuberLoss';
  readonly delta: number;
  constructor(opts: { reduction?: Reduction; delta?: number } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, delta: true }));
    this.delta = opts.delta ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** Module form of `F.binaryCrossEntropy` on probabilities; `weight` (a buffer) rescales each element. */
export class BCELoss extends Loss {
  static readonly displayName = 'BCELoss';
  constructor(opts: { reduction?: Reduction; weight?: Tensor | null } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, weight: true }));
    this.registerBuffer('weight', opts.weight ?? null);
  }
  get weight(): Tensor | null {
    return this.ownBuffer('weight');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, { reduction: this.reduction, weight: this.weight });
  }
}

/**
 * Module form of `F.binaryCrossEntropyWithLogits` (sigmoid + BCE, stable). `weight` and `posWeight`
 * are buffers (state-dict keys `weight`, `pos_weight`).
 */
export class BCEWithLogitsLoss extends Loss {
  static readonly displayName = 'BCEWithLogitsLoss';
  constructor(opts: { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, weight: true, posWeight: true }));
    this.registerBuffer('weight', opts.weight ?? null);
    this.registerBuffer('pos_weight', opts.posWeight ?? null);
  }
  get weight(): Tensor | null {
    return this.ownBuffer('weight');
  }
  get posWeight(): Tensor | null {
    return this.ownBuffer('pos_weight');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, weight: this.weight, posWeight: this.posWeight });
  }
}

/**
 * Module form of `F.crossEntropy`: logits [N, C] (or [C], [N, C, d1, ...]) against int32 class indices
 * [N] or class probabilities [N, C]. Options: `weight` [C] (a buffer), `ignoreIndex` (−100),
 * `labelSmoothing` (0), `reduction`.
 */
export class CrossEntropyLoss extends Loss {
  static readonly displayName = 'CrossEntropyLoss';
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(opts: L.CrossEntropyOptions = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, weight: true, ignoreIndex: true, labelSmoothing: true }));
    this.registerBuffer('weight', opts.weight ?? null);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }
  get weight(): Tensor | null {
    return this.ownBuffer('weight');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, {
      reduction: this.reduction,
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/** Module form of `F.nllLoss` on log-probabilities [N, C] with int32 targets [N]. */
export class NLLLoss extends Loss {
  static readonly displayName = 'NLLLoss';
  readonly ignoreIndex: number;
  constructor(opts: L.NllLossOptions = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, weight: true, ignoreIndex: true }));
    this.registerBuffer('weight', opts.weight ?? null);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }
  get weight(): Tensor | null {
    return this.ownBuffer('weight');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex });
  }
}

/** Module form of `F.klDiv` (input: log-probabilities). Use `reduction: 'batchmean'` for the true KL. */
export class KLDivLoss extends Loss<Reduction | 'batchmean'> {
  static readonly displayName = 'KLDivLoss';
  readonly logTarget: boolean;
  constructor(opts: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, logTarget: true }), ['batchmean']);
    this.logTarget = opts.logTarget ?? false;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/** Module form of `F.hingeEmbeddingLoss` (targets ±1). */
export class HingeEmbeddingLoss extends Loss {
  static readonly displayName = 'HingeEmbeddingLoss';
  readonly margin: number;
  constructor(opts: { reduction?: Reduction; margin?: number } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, margin: true }));
    this.margin = opts.margin ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.hingeEmbeddingLoss(input, target, { reduction: this.reduction, margin: this.margin });
  }
}

/** Module form of `F.cosineEmbeddingLoss`: `forward(x1, x2, target)` with targets ±1. */
export class CosineEmbeddingLoss extends Loss {
  static readonly displayName = 'CosineEmbeddingLoss';
  readonly margin: number;
  constructor(opts: { reduction?: Reduction; margin?: number } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, margin: true }));
    this.margin = opts.margin ?? 0;
  }
  forward(x1: Tensor, x2: Tensor, target: Tensor): Tensor {
    return L.cosineEmbeddingLoss(x1, x2, target, { reduction: this.reduction, margin: this.margin });
  }
}

/** Module form of `F.marginRankingLoss`: `forward(x1, x2, target)` with targets ±1. */
export class MarginRankingLoss extends Loss {
  static readonly displayName = 'MarginRankingLoss';
  readonly margin: number;
  constructor(opts: { reduction?: Reduction; margin?: number } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, margin: true }));
    this.margin = opts.margin ?? 0;
  }
  forward(x1: Tensor, x2: Tensor, target: Tensor): Tensor {
    return L.marginRankingLoss(x1, x2, target, { reduction: this.reduction, margin: this.margin });
  }
}

/** Module form of `F.tripletMarginLoss`: `forward(anchor, positive, negative)`. */
export class TripletMarginLoss extends Loss {
  static readonly displayName = 'TripletMarginLoss';
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  constructor(opts: { reduction?: Reduction; margin?: number; p?: number; eps?: number; swap?: boolean } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, margin: true, p: true, eps: true, swap: true }));
    this.margin = opts.margin ?? 1;
    this.p = opts.p ?? 2;
    this.eps = opts.eps ?? 1e-6;
    this.swap = opts.swap ?? false;
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return L.tripletMarginLoss(anchor, positive, negative, {
      reduction: this.reduction,
      margin: this.margin,
      p: this.p,
      eps: this.eps,
      swap: this.swap,
    });
  }
}

/** Module form of `F.gaussianNllLoss`: `forward(input, target, var)`. */
export class GaussianNLLLoss extends Loss {
  static readonly displayName = 'GaussianNLLLoss';
  readonly full: boolean;
  readonly eps: number;
  constructor(opts: { reduction?: Reduction; full?: boolean; eps?: number } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, full: true, eps: true }));
    this.full = opts.full ?? false;
    this.eps = opts.eps ?? 1e-6;
  }
  forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return L.gaussianNllLoss(input, target, variance, { reduction: this.reduction, full: this.full, eps: this.eps });
  }
}

/** Module form of `F.poissonNllLoss`. */
export class PoissonNLLLoss extends Loss {
  static readonly displayName = 'PoissonNLLLoss';
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;
  constructor(opts: { reduction?: Reduction; logInput?: boolean; full?: boolean; eps?: number } = {}) {
    super(opts, optionKeys<typeof opts>()({ reduction: true, logInput: true, full: true, eps: true }));
    this.logInput = opts.logInput ?? true;
    this.full = opts.full ?? false;
    this.eps = opts.eps ?? 1e-8;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.poissonNllLoss(input, target, { reduction: this.reduction, logInput: this.logInput, full: this.full, eps: this.eps });
  }
}
