/** Activation modules (state-free wrappers over nn.functional) and Dropout. */
import { checkOptionKeys } from '../../core/options.js';
import { ValueError } from '../../core/errors.js';
import { defaultRng, type Rng } from '../../core/rng.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional.js';
import { Module, pyRepr } from '../module.js';
import { checkFinite, checkProb, pyFloat } from './common.js';

/** max(0, x), elementwise; any shape. */
export class ReLU extends Module {
  static readonly displayName = 'ReLU';
  forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** x for x ≥ 0, negativeSlope·x otherwise. */
export class LeakyReLU extends Module {
  static readonly displayName = 'LeakyReLU';
  readonly negativeSlope: number;
  /** `new nn.LeakyReLU({ negativeSlope: 0.2 })` (PyTorch: `nn.LeakyReLU(negative_slope=0.2)`); default 0.01. */
  constructor(opts: { negativeSlope?: number } = {}) {
    super();
    checkOptionKeys('LeakyReLU', opts, { negativeSlope: true });
    this.negativeSlope = checkFinite(opts.negativeSlope ?? 0.01, 'negativeSlope', 'LeakyReLU');
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export class ELU extends Module {
  static readonly displayName = 'ELU';
  readonly alpha: number;
  /** `new nn.ELU({ alpha: 0.7 })` (PyTorch: `nn.ELU(alpha=0.7)`); default 1. */
  constructor(opts: { alpha?: number } = {}) {
    super();
    checkOptionKeys('ELU', opts, { alpha: true });
    this.alpha = checkFinite(opts.alpha ?? 1, 'alpha', 'ELU');
  }
  forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** x·Φ(x) (exact, `approximate: 'none'`) or the tanh approximation (`approximate: 'tanh'`). */
export class GELU extends Module {
  static readonly displayName = 'GELU';
  readonly approximate: 'none' | 'tanh';
  constructor(opts: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    checkOptionKeys('GELU', opts, { approximate: true });
    const a = opts.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got '${String(a)}'`);
    this.approximate = a;
  }
  forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate=${pyRepr(this.approximate)}`;
  }
}

/** x·σ(x) (also called swish). */
export class SiLU extends Module {
  static readonly displayName = 'SiLU';
  forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/** 1/(1 + e⁻ˣ). */
export class Sigmoid extends Module {
  static readonly displayName = 'Sigmoid';
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ), elementwise; any shape → same shape. */
export class Tanh extends Module {
  static readonly displayName = 'Tanh';
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** (1/β)·log(1 + e^{βx}); linear above `threshold` for stability. */
export class Softplus extends Module {
  static readonly displayName = 'Softplus';
  readonly beta: number;
  readonly threshold: number;
  /** `new nn.Softplus({ beta: 2, threshold: 10 })` (PyTorch: `nn.Softplus(beta=2, threshold=10)`); defaults 1 and 20. */
  constructor(opts: { beta?: number; threshold?: number } = {}) {
    super();
    checkOptionKeys('Softplus', opts, { beta: true, threshold: true });
    this.beta = checkFinite(opts.beta ?? 1, 'beta', 'Softplus');
    if (this.beta === 0) throw new ValueError('Softplus: beta must be non-zero (the output is x·(1/beta)), got 0');
    this.threshold = checkFinite(opts.threshold ?? 20, 'threshold', 'Softplus');
  }
  forward(x: Tensor): Tensor {
    return F.softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** Softmax along `dim` (required, as PyTorch recommends). */
export class Softmax extends Module {
  static readonly displayName = 'Softmax';
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new ValueError(`Softmax: dim must be an integer, got ${String(dim)}`);
  }
  forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along `dim`, computed stably. */
export class LogSoftmax extends Module {
  static readonly displayName = 'LogSoftmax';
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new ValueError(`LogSoftmax: dim must be an integer, got ${String(dim)}`);
  }
  forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Inverted dropout: in training mode zeroes each element with probability p and scales the rest by
 * 1/(1 − p); the identity in eval mode. The mask is drawn from `rng` (default: the global generator at
 * call time).
 */
export class Dropout extends Module {
  static readonly displayName = 'Dropout';
  readonly p: number;
  rng: Rng | null;
  constructor(p = 0.5, opts: { rng?: Rng } = {}) {
    super();
    checkOptionKeys('Dropout', opts, { rng: true });
    this.p = checkProb(p, 'Dropout');
    this.rng = opts.rng ?? null;
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training, this.rng ?? defaultRng());
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
