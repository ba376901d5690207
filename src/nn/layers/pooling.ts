/** Pooling and upsampling modules. */
import { checkOptionKeys } from '../../core/options.js';
import { ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional.js';
import { Module, pyRepr } from '../module.js';
import { pairRepr, pyFloat } from './common.js';
import { pair, type IntOrPair } from '../../core/shape.js';

function check4d(x: Tensor, who: string): void {
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new ShapeError(`${who}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got ${fmtShape(x.shape)}`, 'E_POOL_SHAPE');
}

const intOrPairRepr = (v: IntOrPair) => (typeof v === 'number' ? String(v) : pairRepr(v));

function checkWindow(x: Tensor, k: [number, number], pad: [number, number], dil: [number, number], who: string): void {
  const h = x.shape[x.ndim - 2]!;
  const w = x.shape[x.ndim - 1]!;
  const eh = dil[0] * (k[0] - 1) + 1;
  const ew = dil[1] * (k[1] - 1) + 1;
  if (h + 2 * pad[0] < eh || w + 2 * pad[1] < ew)
    throw new ShapeError(`${who}: input ${fmtShape(x.shape)} is smaller than the pooling window ${eh}x${ew}`, 'E_POOL_SHAPE');
  if (pad[0] * 2 > k[0] || pad[1] * 2 > k[1])
    throw new ValueError(
      `${who}: padding should be at most half of the kernel size, got padding ${pairRepr(pad)} for kernel ${pairRepr(k)}`,
    );
}

/** Max over kH×kW windows. x: [N, C, H, W] → [N, C, OH, OW] (stride defaults to the kernel size). */
export class MaxPool2d extends Module {
  static readonly displayName = 'MaxPool2d';
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly dilation: IntOrPair;
  readonly ceilMode: boolean;
  constructor(
    kernelSize: IntOrPair,
    opts: { stride?: IntOrPair | null; padding?: IntOrPair; dilation?: IntOrPair; ceilMode?: boolean } = {},
  ) {
    super();
    checkOptionKeys('MaxPool2d', opts, { stride: true, padding: true, dilation: true, ceilMode: true });
    pair(kernelSize, { what: 'kernelSize', who: 'MaxPool2d' });
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    pair(this.stride, { what: 'stride', who: 'MaxPool2d' });
    this.padding = opts.padding ?? 0;
    pair(this.padding, { what: 'padding', who: 'MaxPool2d', allowZero: true });
    this.dilation = opts.dilation ?? 1;
    pair(this.dilation, { what: 'dilation', who: 'MaxPool2d' });
    this.ceilMode = opts.ceilMode ?? false;
  }
  forward(x: Tensor): Tensor {
    const who = `MaxPool2d(kernel_size=${intOrPairRepr(this.kernelSize)})`;
    check4d(x, who);
    checkWindow(x, pair(this.kernelSize), pair(this.padding), pair(this.dilation), who);
    return F.maxPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }
  override extraRepr(): string {
    return `kernel_size=${intOrPairRepr(this.kernelSize)}, stride=${intOrPairRepr(this.stride)}, padding=${intOrPairRepr(this.padding)}, dilation=${intOrPairRepr(this.dilation)}, ceil_mode=${pyRepr(this.ceilMode)}`;
  }
}

/** Mean over kH×kW windows. x: [N, C, H, W] → [N, C, OH, OW]. */
export class AvgPool2d extends Module {
  static readonly displayName = 'AvgPool2d';
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(
    kernelSize: IntOrPair,
    opts: {
      stride?: IntOrPair | null;
      padding?: IntOrPair;
      ceilMode?: boolean;
      countIncludePad?: boolean;
      divisorOverride?: number | null;
    } = {},
  ) {
    super();
    checkOptionKeys('AvgPool2d', opts, { stride: true, padding: true, ceilMode: true, countIncludePad: true, divisorOverride: true });
    pair(kernelSize, { what: 'kernelSize', who: 'AvgPool2d' });
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    pair(this.stride, { what: 'stride', who: 'AvgPool2d' });
    this.padding = opts.padding ?? 0;
    pair(this.padding, { what: 'padding', who: 'AvgPool2d', allowZero: true });
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    this.divisorOverride = opts.divisorOverride ?? null;
    if (this.divisorOverride !== null && !(Number.isInteger(this.divisorOverride) && this.divisorOverride > 0))
      throw new ValueError(`AvgPool2d: divisorOverride must be a positive integer, got ${this.divisorOverride}`);
  }
  forward(x: Tensor): Tensor {
    const who = `AvgPool2d(kernel_size=${intOrPairRepr(this.kernelSize)})`;
    check4d(x, who);
    checkWindow(x, pair(this.kernelSize), pair(this.padding), [1, 1], who);
    return F.avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }
  override extraRepr(): string {
    return `kernel_size=${intOrPairRepr(this.kernelSize)}, stride=${intOrPairRepr(this.stride)}, padding=${intOrPairRepr(this.padding)}`;
  }
}

/** Average pooling to a fixed output size: [N, C, H, W] → [N, C, oh, ow] (e.g. global pooling with 1). */
export class AdaptiveAvgPool2d extends Module {
  static readonly displayName = 'AdaptiveAvgPool2d';
  readonly outputSize: IntOrPair;
  constructor(outputSize: IntOrPair) {
    super();
    pair(outputSize, { what: 'outputSize', who: 'AdaptiveAvgPool2d' });
    this.outputSize = outputSize;
  }
  forward(x: Tensor): Tensor {
    const who = `AdaptiveAvgPool2d(output_size=${intOrPairRepr(this.outputSize)})`;
    check4d(x, who);
    if (x.shape[x.ndim - 2] === 0 || x.shape[x.ndim - 1] === 0)
      throw new ShapeError(`${who}: input ${fmtShape(x.shape)} has an empty spatial dim`, 'E_POOL_SHAPE');
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${intOrPairRepr(this.outputSize)}`;
  }
}

/** Nearest-neighbour upsampling by `scaleFactor` or to `size`. x: [N, C, H, W]. */
export class Upsample extends Module {
  static readonly displayName = 'Upsample';
  readonly size: IntOrPair | null;
  readonly scaleFactor: number | readonly [number, number] | null;
  readonly mode: F.InterpolateMode;
  readonly alignCorners: boolean | null;
  constructor(opts: {
    size?: IntOrPair;
    scaleFactor?: number | readonly [number, number];
    mode?: F.InterpolateMode;
    alignCorners?: boolean | null;
  }) {
    super();
    checkOptionKeys('Upsample', opts, { size: true, scaleFactor: true, mode: true, alignCorners: true });
    if ((opts.size === undefined) === (opts.scaleFactor === undefined))
      throw new ValueError('Upsample: give exactly one of size and scaleFactor');
    const mode = opts.mode ?? 'nearest';
    if (mode !== 'nearest' && mode !== 'bilinear' && mode !== 'bicubic')
      throw new ValueError(`Upsample: mode must be 'nearest', 'bilinear' or 'bicubic', got '${String(opts.mode)}'`);
    if (mode === 'nearest' && opts.alignCorners !== undefined && opts.alignCorners !== null)
      throw new ValueError("Upsample: alignCorners can only be set with the interpolating modes 'bilinear' and 'bicubic'");
    if (opts.size !== undefined) pair(opts.size, { what: 'size', who: 'Upsample' });
    if (opts.scaleFactor !== undefined) {
      const f = typeof opts.scaleFactor === 'number' ? [opts.scaleFactor] : opts.scaleFactor;
      if (f.some((v) => !(v > 0) || !Number.isFinite(v)))
        throw new ValueError(`Upsample: scaleFactor must be positive, got ${JSON.stringify(opts.scaleFactor)}`);
    }
    this.size = opts.size ?? null;
    this.scaleFactor = opts.scaleFactor ?? null;
    this.mode = mode;
    this.alignCorners = opts.alignCorners ?? null;
  }
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new ShapeError(`Upsample: expected a 4-D input [N, C, H, W], got ${fmtShape(x.shape)}`, 'E_POOL_SHAPE');
    const common = this.mode === 'nearest' ? { mode: this.mode } : { mode: this.mode, alignCorners: this.alignCorners };
    return this.size !== null
      ? F.interpolate(x, { size: this.size, ...common })
      : F.interpolate(x, { scaleFactor: this.scaleFactor!, ...common });
  }
  override extraRepr(): string {
    const tail = `, mode=${this.mode}`;
    if (this.size !== null) return `size=${intOrPairRepr(this.size)}${tail}`;
    const sf =
      typeof this.scaleFactor === 'number'
        ? pyFloat(this.scaleFactor)
        : `(${(this.scaleFactor as readonly number[]).map(pyFloat).join(', ')})`;
    return `scale_factor=${sf}${tail}`;
  }
}
