/** Linear and convolution layers with PyTorch's default initialisation. */
import { checkOptionKeys } from '../../core/options.js';
import { ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { defaultRng } from '../../core/rng.js';
import { isFloat } from '../../core/dtype.js';
import { DTypeError } from '../../core/errors.js';
import { zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module, Parameter, pyRepr } from '../module.js';
import { checkPosInt, linearChecked, pairRepr, type InitOptions } from './common.js';
import { pair, sidePads, type IntOrPair } from '../../core/shape.js';

/** PyTorch's default for Linear/Conv: weight kaiming_uniform_(a=√5) (= U(±1/√fanIn)), bias U(±1/√fanIn). */
function resetLinearLike(weight: Parameter, bias: Parameter | null, opts: InitOptions, fanInOverride?: number): void {
  const rng = opts.rng ?? defaultRng();
  init.kaimingUniform_(weight, { a: Math.sqrt(5), rng });
  if (bias) {
    const fanIn = fanInOverride ?? init.calculateFanInAndFanOut(weight).fanIn;
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform_(bias, -bound, bound, rng);
  }
}

function checkFloatInput(x: Tensor, who: string): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${who}: expected a floating-point input, got ${x.dtype}; convert with .float()`);
}

/**
 * y = x Wᵀ + b. x: [..., inFeatures] → [..., outFeatures].
 * weight [outFeatures, inFeatures] and bias [outFeatures] start at U(±1/√inFeatures), like PyTorch.
 */
export class Linear extends Module {
  static readonly displayName = 'Linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: InitOptions & { bias?: boolean } = {}) {
    super();
    checkOptionKeys('Linear', opts, { bias: true, rng: true });
    this.inFeatures = checkPosInt(inFeatures, 'inFeatures', 'Linear', true);
    this.outFeatures = checkPosInt(outFeatures, 'outFeatures', 'Linear', true);
    this.weight = new Parameter(zeros(outFeatures, inFeatures));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros(outFeatures)) : null;
    resetLinearLike(this.weight, this.bias, opts);
  }

  forward(x: Tensor): Tensor {
    return linearChecked(this.describe(), x, this.weight, this.bias);
  }

  private describe(): string {
    return `Linear(${this.inFeatures}, ${this.outFeatures})`;
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyRepr(this.bias !== null)}`;
  }
}

export interface Conv2dOptions extends InitOptions {
  stride?: IntOrPair;
  padding?: IntOrPair | 'valid' | 'same';
  dilation?: IntOrPair;
  groups?: number;
  bias?: boolean;
  /** How the border is padded: 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: PaddingMode;
}

/** How a conv layer pads its input (PyTorch's `padding_mode`): zeros, reflection, edge replication, or wrap-around. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

function checkGroups(inC: number, outC: number, groups: number, who: string): number {
  checkPosInt(groups, 'groups', who);
  if (inC % groups) throw new ValueError(`${who}: inChannels (${inC}) must be divisible by groups (${groups})`);
  if (outC % groups) throw new ValueError(`${who}: outChannels (${outC}) must be divisible by groups (${groups})`);
  return groups;
}

function checkPaddingMode(mode: string | undefined, who: string): PaddingMode {
  const m = mode ?? 'zeros';
  if (m !== 'zeros' && m !== 'reflect' && m !== 'replicate' && m !== 'circular')
    throw new ValueError(`${who}: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got '${String(mode)}'`);
  return m;
}

/**
 * 2-D convolution. x: [N, Cin, H, W] (or unbatched [Cin, H, W]) → [N, Cout, OH, OW],
 * OH = ⌊(H + 2·padding − dilation·(kH − 1) − 1)/stride⌋ + 1.
 * weight [Cout, Cin/groups, kH, kW], bias [Cout], initialised U(±1/√(Cin/groups·kH·kW)).
 */
export class Conv2d extends Module {
  static readonly displayName = 'Conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'valid' | 'same';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, opts: Conv2dOptions = {}) {
    super();
    const who = 'Conv2d';
    checkOptionKeys(who, opts, { stride: true, padding: true, dilation: true, groups: true, bias: true, paddingMode: true, rng: true });
    this.inChannels = checkPosInt(inChannels, 'inChannels', who);
    this.outChannels = checkPosInt(outChannels, 'outChannels', who);
    this.kernelSize = pair(kernelSize, { what: 'kernelSize', who: who });
    this.stride = pair(opts.stride ?? 1, { what: 'stride', who: who });
    const p = opts.padding ?? 0;
    this.padding = p === 'valid' || p === 'same' ? p : pair(p, { what: 'padding', who: who, allowZero: true });
    if (this.padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1))
      throw new ValueError(`${who}: padding='same' is not supported for strided convolutions`);
    this.dilation = pair(opts.dilation ?? 1, { what: 'dilation', who: who });
    this.groups = checkGroups(inChannels, outChannels, opts.groups ?? 1, who);
    this.paddingMode = checkPaddingMode(opts.paddingMode, who);
    this.weight = new Parameter(zeros(outChannels, inChannels / this.groups, ...this.kernelSize));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros(outChannels)) : null;
    resetLinearLike(this.weight, this.bias, opts);
  }

  forward(x: Tensor): Tensor {
    const who = this.describe();
    if (x.ndim === 3) return this.forward(x.unsqueeze(0)).squeeze(0);
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels)
      throw new ShapeError(
        `${who}: expected input [N, ${this.inChannels}, H, W] (or [${this.inChannels}, H, W]), got ${fmtShape(x.shape)}` +
          (x.ndim === 4
            ? `; hint: the input has ${x.shape[1]} channels but this layer expects ${this.inChannels}`
            : `; hint: a ${x.ndim}-D input — images are [N, C, H, W]`),
        'E_CONV_SHAPE',
      );
    checkFloatInput(x, who);
    const [kh, kw] = this.kernelSize;
    const pad = this.padding === 'valid' ? [0, 0] : this.padding === 'same' ? null : this.padding;
    const effH = this.dilation[0] * (kh - 1) + 1;
    const effW = this.dilation[1] * (kw - 1) + 1;
    if (pad && (x.shape[2]! + 2 * pad[0]! < effH || x.shape[3]! + 2 * pad[1]! < effW))
      throw new ShapeError(
        `${who}: input ${fmtShape(x.shape)} (padded ${x.shape[2]! + 2 * pad[0]!}x${x.shape[3]! + 2 * pad[1]!}) is smaller than the kernel (${effH}x${effW})`,
        'E_CONV_SHAPE',
      );
    if (this.paddingMode !== 'zeros') {
      const p = this.padding;
      const [t, b] = sidePads(p === 'valid' || p === 'same' ? p : p[0], kh, this.dilation[0]);
      const [l, r] = sidePads(p === 'valid' || p === 'same' ? p : p[1], kw, this.dilation[1]);
      const padded = F.pad(x, [l, r, t, b], this.paddingMode);
      return F.conv2d(padded, this.weight, this.bias, { stride: this.stride, padding: 0, dilation: this.dilation, groups: this.groups });
    }
    return F.conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  private describe(): string {
    return `Conv2d(${this.inChannels}, ${this.outChannels}, kernel_size=${pairRepr(this.kernelSize)})`;
  }

  override extraRepr(): string {
    return (
      convRepr(this, this.kernelSize, this.stride, this.padding, this.dilation, this.groups, this.bias !== null) +
      (this.paddingMode === 'zeros' ? '' : `, padding_mode=${this.paddingMode}`)
    );
  }
}

function convRepr(
  m: { inChannels: number; outChannels: number },
  k: readonly number[],
  stride: readonly number[],
  padding: readonly number[] | string,
  dilation: readonly number[],
  groups: number,
  bias: boolean,
  outputPadding?: readonly number[],
): string {
  let s = `${m.inChannels}, ${m.outChannels}, kernel_size=${pairRepr(k)}, stride=${pairRepr(stride)}`;
  if (typeof padding === 'string') s += `, padding=${padding}`;
  else if (padding.some((v) => v !== 0)) s += `, padding=${pairRepr(padding)}`;
  if (dilation.some((v) => v !== 1)) s += `, dilation=${pairRepr(dilation)}`;
  if (outputPadding && outputPadding.some((v) => v !== 0)) s += `, output_padding=${pairRepr(outputPadding)}`;
  if (groups !== 1) s += `, groups=${groups}`;
  if (!bias) s += ', bias=False';
  return s;
}

export interface Conv1dOptions extends InitOptions {
  stride?: number;
  padding?: number | 'valid' | 'same';
  dilation?: number;
  groups?: number;
  bias?: boolean;
  /** How the border is padded: 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: PaddingMode;
}

/**
 * 1-D convolution. x: [N, Cin, L] (or [Cin, L]) → [N, Cout, OL].
 * weight [Cout, Cin/groups, k], bias [Cout], initialised U(±1/√(Cin/groups·k)).
 */
export class Conv1d extends Module {
  static readonly displayName = 'Conv1d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'valid' | 'same';
  readonly dilation: number;
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: Conv1dOptions = {}) {
    super();
    const who = 'Conv1d';
    checkOptionKeys(who, opts, { stride: true, padding: true, dilation: true, groups: true, bias: true, paddingMode: true, rng: true });
    this.inChannels = checkPosInt(inChannels, 'inChannels', who);
    this.outChannels = checkPosInt(outChannels, 'outChannels', who);
    this.kernelSize = checkPosInt(kernelSize, 'kernelSize', who);
    this.stride = checkPosInt(opts.stride ?? 1, 'stride', who);
    const p = opts.padding ?? 0;
    this.padding = p === 'valid' || p === 'same' ? p : checkPosInt(p, 'padding', who, true);
    this.dilation = checkPosInt(opts.dilation ?? 1, 'dilation', who);
    this.groups = checkGroups(inChannels, outChannels, opts.groups ?? 1, who);
    this.paddingMode = checkPaddingMode(opts.paddingMode, who);
    this.weight = new Parameter(zeros(outChannels, inChannels / this.groups, kernelSize));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros(outChannels)) : null;
    resetLinearLike(this.weight, this.bias, opts);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 2) return this.forward(x.unsqueeze(0)).squeeze(0);
    const who = `Conv1d(${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize},))`;
    if (x.ndim !== 3 || x.shape[1] !== this.inChannels)
      throw new ShapeError(
        `${who}: expected input [N, ${this.inChannels}, L] (or [${this.inChannels}, L]), got ${fmtShape(x.shape)}` +
          (x.ndim === 3 ? `; hint: the input has ${x.shape[1]} channels but this layer expects ${this.inChannels}` : ''),
        'E_CONV_SHAPE',
      );
    checkFloatInput(x, who);
    if (this.paddingMode !== 'zeros') {
      const padded = F.pad(x, sidePads(this.padding, this.kernelSize, this.dilation), this.paddingMode);
      return F.conv1d(padded, this.weight, this.bias, { stride: this.stride, padding: 0, dilation: this.dilation, groups: this.groups });
    }
    return F.conv1d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    const one = (v: number) => `(${v},)`;
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${one(this.kernelSize)}, stride=${one(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding !== 0) s += `, padding=${one(this.padding)}`;
    if (this.dilation !== 1) s += `, dilation=${one(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

export interface ConvTranspose2dOptions extends InitOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  outputPadding?: IntOrPair;
  dilation?: IntOrPair;
  groups?: number;
  bias?: boolean;
}

/**
 * Transposed 2-D convolution ("deconvolution"). x: [N, Cin, H, W] → [N, Cout, OH, OW],
 * OH = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1.
 * weight [Cin, Cout/groups, kH, kW], bias [Cout], initialised U(±1/√(Cout/groups·kH·kW)) like PyTorch.
 */
export class ConvTranspose2d extends Module {
  static readonly displayName = 'ConvTranspose2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, opts: ConvTranspose2dOptions = {}) {
    super();
    const who = 'ConvTranspose2d';
    checkOptionKeys(who, opts, { stride: true, padding: true, outputPadding: true, dilation: true, groups: true, bias: true, rng: true });
    this.inChannels = checkPosInt(inChannels, 'inChannels', who);
    this.outChannels = checkPosInt(outChannels, 'outChannels', who);
    this.kernelSize = pair(kernelSize, { what: 'kernelSize', who: who });
    this.stride = pair(opts.stride ?? 1, { what: 'stride', who: who });
    this.padding = pair(opts.padding ?? 0, { what: 'padding', who: who, allowZero: true });
    this.outputPadding = pair(opts.outputPadding ?? 0, { what: 'outputPadding', who: who, allowZero: true });
    this.dilation = pair(opts.dilation ?? 1, { what: 'dilation', who: who });
    this.groups = checkGroups(inChannels, outChannels, opts.groups ?? 1, who);
    for (let i = 0; i < 2; i++)
      if (this.outputPadding[i]! >= Math.max(this.stride[i]!, this.dilation[i]!))
        throw new ValueError(
          `${who}: outputPadding must be smaller than either stride or dilation, got outputPadding ${pairRepr(this.outputPadding)}, stride ${pairRepr(this.stride)}`,
        );
    this.weight = new Parameter(zeros(inChannels, outChannels / this.groups, ...this.kernelSize));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros(outChannels)) : null;
    resetLinearLike(this.weight, this.bias, opts);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 3) return this.forward(x.unsqueeze(0)).squeeze(0);
    const who = `ConvTranspose2d(${this.inChannels}, ${this.outChannels}, kernel_size=${pairRepr(this.kernelSize)})`;
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels)
      throw new ShapeError(
        `${who}: expected input [N, ${this.inChannels}, H, W] (or [${this.inChannels}, H, W]), got ${fmtShape(x.shape)}` +
          (x.ndim === 4 ? `; hint: the input has ${x.shape[1]} channels but this layer expects ${this.inChannels}` : ''),
        'E_CONV_SHAPE',
      );
    checkFloatInput(x, who);
    return F.convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    return convRepr(this, this.kernelSize, this.stride, this.padding, this.dilation, this.groups, this.bias !== null, this.outputPadding);
  }
}
