/**
 * ONNX operators, neural-network family: N-D pooling with auto_pad/ceil_mode/asymmetric pads, Conv
 * padding resolution, ConvTranspose with output_shape/auto_pad, Resize/Upsample (nearest, linear,
 * cubic; every coordinate mode), normalisations (Instance, MVN, LRN, Lp, LayerNorm with its optional
 * outputs, BatchNorm in training mode), Dropout, and the NLL / softmax cross-entropy losses. All float
 * paths are differentiable tensor ops, so imported graphs can be fine-tuned.
 */
import { FormatError, IndexError, NotSupportedError, ShapeError, fmtShape } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { Tensor, apply } from '../../tensor/tensor.js';
import * as F from '../../nn/functional.js';
import { fsAttr, iAttr, iAttrF, ints, isAttr, normAxis, sAttr, type INode } from './attrs.js';
import { isFloat, mk } from './host.js';
import { numel } from '../../core/shape.js';

import type { RunCtx } from './ops-math.js';

const need = (ins: (Tensor | null)[], i: number): Tensor => {
  const t = ins[i];
  if (!t) throw new FormatError(`missing input ${i}`, 'E_ONNX_GRAPH');
  return t;
};

// ---------------------------------------------------------------- padding geometry

export interface Geom {
  pb: number[];
  pe: number[];
  out: number[];
}

/** Begin/end pads and output sizes for a window op (auto_pad, explicit pads, ceil_mode). */
export function windowGeom(n: INode, spatial: number[], k: number[], s: number[], d: number[], ceil: boolean): Geom {
  const r = spatial.length;
  const autoPad = sAttr(n, 'auto_pad', 'NOTSET');
  const ek = k.map((kk, i) => (kk - 1) * d[i]! + 1);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = spatial.map((x, i) => Math.ceil(x / s[i]!));
    const total = out.map((o, i) => Math.max(0, (o - 1) * s[i]! + ek[i]! - spatial[i]!));
    const small = total.map((t) => Math.floor(t / 2));
    const pb = autoPad === 'SAME_UPPER' ? small : total.map((t, i) => t - small[i]!);
    return { pb, pe: total.map((t, i) => t - pb[i]!), out };
  }
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID')
    throw new NotSupportedError(`auto_pad=${autoPad} is not an ONNX auto_pad mode`, 'E_ONNX_UNSUPPORTED_ATTR');
  const pads = autoPad === 'VALID' ? new Array<number>(2 * r).fill(0) : isAttr(n, 'pads', new Array<number>(2 * r).fill(0));
  if (pads.length !== 2 * r || pads.some((p) => p < 0))
    throw new FormatError(`pads must be ${2 * r} non-negative integers, got [${pads.join(',')}]`, 'E_ONNX_GRAPH');
  const pb = pads.slice(0, r);
  const pe = pads.slice(r);
  const out = spatial.map((x, i) => {
    const span = x + pb[i]! + pe[i]! - ek[i]!;
    if (span < 0) throw new ShapeError(`window ${ek[i]} is larger than the padded input ${x + pb[i]! + pe[i]!}`, 'E_ONNX_SHAPE');
    let o = (ceil ? Math.ceil(span / s[i]!) : Math.floor(span / s[i]!)) + 1;
    if (ceil && (o - 1) * s[i]! >= x + pb[i]!) o--;
    return o;
  });
  return { pb, pe, out };
}

// ---------------------------------------------------------------- pooling

/** Max / average / Lp pooling over any number of spatial dims, written with strided slices. */
function poolNd(
  x: Tensor,
  kind: 'max' | 'avg' | 'lp',
  k: number[],
  s: number[],
  d: number[],
  g: Geom,
  countIncludePad: boolean,
  p: number,
): Tensor {
  const r = k.length;
  const spatial = x.shape.slice(2);
  const fill = kind === 'max' ? (isFloat(x) ? -Infinity : -2147483648) : 0;
  const torchPads: number[] = [];
  for (let i = r - 1; i >= 0; i--) {
    const need = (g.out[i]! - 1) * s[i]! + (k[i]! - 1) * d[i]! + 1;
    torchPads.push(g.pb[i]!, Math.max(need - spatial[i]! - g.pb[i]!, 0));
  }
  const xp = torchPads.some((q) => q > 0) ? x.pad(torchPads, fill) : x;
  const src = kind === 'lp' ? xp.abs().pow(p) : xp;
  let acc: Tensor | null = null;
  const offs = new Array<number>(r).fill(0);
  for (let t = 0; t < numel(k); t++) {
    let rem = t;
    for (let i = r - 1; i >= 0; i--) {
      offs[i] = rem % k[i]!;
      rem = Math.floor(rem / k[i]!);
    }
    let v = src;
    for (let i = 0; i < r; i++) {
      const st = offs[i]! * d[i]!;
      v = v.slice(2 + i, st, st + (g.out[i]! - 1) * s[i]! + 1, s[i]!);
    }
    acc = acc === null ? v : kind === 'max' ? acc.maximum(v) : acc.add(v);
  }
  if (kind === 'max') return acc!;
  if (kind === 'lp') return acc!.pow(1 / p);
  // Divisor: per-axis tap counts inside the input (or inside input + explicit pads), multiplied.
  let div: number[] = [1];
  for (let i = 0; i < r; i++) {
    const lo = countIncludePad ? -g.pb[i]! : 0;
    const hi = countIncludePad ? spatial[i]! + g.pe[i]! : spatial[i]!;
    const c: number[] = [];
    for (let o = 0; o < g.out[i]!; o++) {
      let m = 0;
      for (let tt = 0; tt < k[i]!; tt++) {
        const pos = o * s[i]! + tt * d[i]! - g.pb[i]!;
        if (pos >= lo && pos < hi) m++;
      }
      c.push(Math.max(m, 1));
    }
    const next: number[] = [];
    for (const a of div) for (const b of c) next.push(a * b);
    div = next;
  }
  return acc!.div(mk(div, [1, 1, ...g.out], x.dtype));
}

function pool(n: INode, x: Tensor): Tensor {
  if (x.ndim < 3) throw new ShapeError(`${n.op}: expected [N, C, ...spatial], got ${fmtShape(x.shape)}`, 'E_ONNX_SHAPE');
  const r = x.ndim - 2;
  const k = isAttr(n, 'kernel_shape', []);
  if (k.length !== r)
    throw new ShapeError(`${n.op}: kernel_shape [${k.join(',')}] does not fit a ${r}-D input ${fmtShape(x.shape)}`, 'E_ONNX_SHAPE');
  const s = isAttr(n, 'strides', new Array<number>(r).fill(1));
  const d = isAttr(n, 'dilations', new Array<number>(r).fill(1));
  const ceil = iAttr(n, 'ceil_mode', 0) === 1;
  const g = windowGeom(n, x.shape.slice(2), k, s, d, ceil);
  const cip = iAttr(n, 'count_include_pad', 0) === 1;
  const sym = g.pb.every((p, i) => p === g.pe[i] && 2 * p <= k[i]!);
  // The fast native kernels for the common 2-D case (same output size by construction).
  if (r === 2 && isFloat(x) && sym && n.attrs.get('auto_pad') === undefined && n.op !== 'LpPool') {
    const K: [number, number] = [k[0]!, k[1]!];
    const opts = { stride: [s[0]!, s[1]!] as [number, number], padding: [g.pb[0]!, g.pb[1]!] as [number, number], ceilMode: ceil };
    const y =
      n.op === 'MaxPool'
        ? F.maxPool2d(x, K, { ...opts, dilation: [d[0]!, d[1]!] })
        : d.every((v) => v === 1)
          ? F.avgPool2d(x, K, { ...opts, countIncludePad: cip })
          : null;
    if (y && y.shape.slice(2).every((v, i) => v === g.out[i])) return y;
  }
  return poolNd(x, n.op === 'MaxPool' ? 'max' : n.op === 'LpPool' ? 'lp' : 'avg', k, s, d, g, cip, iAttrF(n, 'p', 2));
}

// ---------------------------------------------------------------- ConvTranspose

function convTranspose(n: INode, ins: (Tensor | null)[]): Tensor {
  let x = need(ins, 0);
  let w = need(ins, 1);
  const r = w.ndim - 2;
  if (r !== 1 && r !== 2)
    throw new NotSupportedError(`ConvTranspose with ${r} spatial dims is not supported (1 or 2)`, 'E_ONNX_UNSUPPORTED_ATTR');
  if (r === 1) {
    x = x.unsqueeze(2);
    w = w.unsqueeze(2);
  }
  const one = (a: number[], lead = 1) => (r === 1 ? [lead, ...a] : a);
  const k = w.shape.slice(2);
  const s = one(isAttr(n, 'strides', new Array<number>(r).fill(1)));
  const d = one(isAttr(n, 'dilations', new Array<number>(r).fill(1)));
  const op = one(isAttr(n, 'output_padding', new Array<number>(r).fill(0)), 0);
  const inS = x.shape.slice(2);
  const full = inS.map((v, i) => (v - 1) * s[i]! + (k[i]! - 1) * d[i]! + 1 + op[i]!);
  let pb: number[];
  let pe: number[];
  const autoPad = sAttr(n, 'auto_pad', 'NOTSET');
  if (n.attrs.has('output_shape') || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const os = n.attrs.has('output_shape') ? one(isAttr(n, 'output_shape', []).slice(-r)) : inS.map((v, i) => v * s[i]!);
    // A negative total pads the end (output positions that only the bias reaches).
    const total = os.map((o, i) => full[i]! - o);
    if (total.some((t) => t < 0)) {
      pb = total.map(() => 0);
      pe = total.slice();
    } else {
      const half = total.map((t) => Math.floor(t / 2));
      pb = autoPad === 'SAME_UPPER' ? half : total.map((t, i) => t - half[i]!);
      pe = total.map((t, i) => t - pb[i]!);
    }
  } else {
    const pads = autoPad === 'VALID' ? new Array<number>(2 * r).fill(0) : isAttr(n, 'pads', new Array<number>(2 * r).fill(0));
    pb = one(pads.slice(0, r), 0);
    pe = one(pads.slice(r), 0);
  }
  let y = F.convTranspose2d(x, w, null, {
    stride: [s[0]!, s[1]!],
    padding: [0, 0],
    dilation: [d[0]!, d[1]!],
    groups: iAttr(n, 'group', 1),
  });
  if (op.some((v) => v > 0)) y = y.pad([0, op[1]!, 0, op[0]!]);
  for (let i = 0; i < 2; i++) {
    if (pe[i]! < 0) {
      y = y.pad(i === 0 ? [0, 0, 0, -pe[i]!] : [0, -pe[i]!]);
      pe[i] = 0;
      full[i] = y.shape[2 + i]!;
    }
    if (pb[i] || pe[i]) y = y.slice(2 + i, pb[i]!, full[i]! - pe[i]!);
  }
  if (ins[2]) y = y.add(ins[2].reshape([1, -1, 1, 1]));
  return r === 1 ? y.squeeze(2) : y;
}

// ---------------------------------------------------------------- Resize

/** Nearest-rounding rules (`simple` is onnxruntime's pre-11 Resize/Upsample rule). */
function roundNearest(x: number, mode: string, down: boolean): number {
  switch (mode) {
    case 'round_prefer_floor':
      return x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil':
      return Math.round(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'simple':
      return down ? Math.ceil(x) : Math.floor(x);
  }
  throw new NotSupportedError(`Resize: nearest_mode ${mode}`, 'E_ONNX_UNSUPPORTED_ATTR');
}

function cubicCoeffs(r: number, A: number): number[] {
  const a = (t: number) => ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
  const b = (t: number) => ((A + 2) * t - (A + 3)) * t * t + 1;
  return [a(r + 1), b(r), b(1 - r), a(2 - r)];
}

interface ResizeOpts {
  mode: string;
  ctm: string;
  nearest: string;
  A: number;
  exclude: boolean;
  extrap: number;
}

function resizeAxis(x: Tensor, ax: number, outN: number, scale: number, roi: [number, number], o: ResizeOpts, resizedLen: number): Tensor {
  const inN = x.shape[ax]!;
  const taps = o.mode === 'nearest' ? 1 : o.mode === 'linear' ? 2 : 4;
  const idx = Array.from({ length: taps }, () => new Array<number>(outN).fill(0));
  const w = Array.from({ length: taps }, () => new Array<number>(outN).fill(0));
  const outside = new Array<number>(outN).fill(0);
  for (let i = 0; i < outN; i++) {
    let c: number;
    switch (o.ctm) {
      case 'half_pixel':
        c = (i + 0.5) / scale - 0.5;
        break;
      case 'pytorch_half_pixel':
        c = outN > 1 ? (i + 0.5) / scale - 0.5 : 0;
        break;
      case 'align_corners':
        c = resizedLen === 1 ? 0 : (i * (inN - 1)) / (resizedLen - 1);
        break;
      case 'asymmetric':
        c = i / scale;
        break;
      case 'tf_half_pixel_for_nn':
        c = (i + 0.5) / scale;
        break;
      case 'tf_crop_and_resize':
        c = outN > 1 ? roi[0] * (inN - 1) + (i * (roi[1] - roi[0]) * (inN - 1)) / (outN - 1) : 0.5 * (roi[0] + roi[1]) * (inN - 1);
        if (c < 0 || c > inN - 1) outside[i] = 1;
        break;
      default:
        throw new NotSupportedError(`Resize: coordinate_transformation_mode ${o.ctm}`, 'E_ONNX_UNSUPPORTED_ATTR');
    }
    const clampI = (j: number) => Math.min(Math.max(j, 0), inN - 1);
    if (o.mode === 'nearest') {
      idx[0]![i] = clampI(roundNearest(c, o.nearest, scale < 1));
      w[0]![i] = 1;
      continue;
    }
    const f = Math.floor(c);
    const t = c - f;
    const cs = o.mode === 'linear' ? [1 - t, t] : cubicCoeffs(t, o.A);
    const first = o.mode === 'linear' ? f : f - 1;
    let sum = 0;
    for (let q = 0; q < taps; q++) {
      const j = first + q;
      let wq = cs[q]!;
      if (o.exclude && (j < 0 || j >= inN)) wq = 0;
      idx[q]![i] = clampI(j);
      w[q]![i] = wq;
      sum += wq;
    }
    if (o.exclude && sum !== 0) for (let q = 0; q < taps; q++) w[q]![i]! /= sum;
  }
  const bshape = x.shape.map((v, j) => (j === ax ? outN : 1));
  let y: Tensor | null = null;
  for (let q = 0; q < taps; q++) {
    const g = x.indexSelect(ax, mk(idx[q]!, [outN], 'int32'));
    const term = o.mode === 'nearest' ? g : g.mul(mk(w[q]!, bshape, isFloat(x) ? x.dtype : 'float32'));
    y = y === null ? term : y.add(term);
  }
  if (outside.some((v) => v)) y = mk(outside, bshape, 'bool').ifElse(o.extrap, y!);
  return y!;
}

function resize(n: INode, ins: (Tensor | null)[], ctx: RunCtx): Tensor {
  const x = need(ins, 0);
  const upsample = n.op === 'Upsample';
  const old = upsample || ctx.opset < 11;
  let mode = sAttr(n, 'mode', 'nearest');
  if (mode === 'bilinear' || mode === 'trilinear') mode = 'linear';
  const o: ResizeOpts = {
    mode,
    ctm: old ? 'asymmetric' : sAttr(n, 'coordinate_transformation_mode', 'half_pixel'),
    nearest: old ? 'simple' : sAttr(n, 'nearest_mode', 'round_prefer_floor'),
    A: iAttrF(n, 'cubic_coeff_a', -0.75),
    exclude: iAttr(n, 'exclude_outside', 0) === 1,
    extrap: iAttrF(n, 'extrapolation_value', 0),
  };
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic')
    throw new NotSupportedError(`${n.op}: mode ${mode}`, 'E_ONNX_UNSUPPORTED_ATTR');
  const nd = x.ndim;
  const axes = n.attrs.has('axes') ? isAttr(n, 'axes', []).map((a) => normAxis(a, nd, n.op)) : x.shape.map((_, i) => i);
  const floats = (t: Tensor | null | undefined) => (t && t.numel() ? Array.from(t.dataSync(), Number) : null);
  const scalesIn = upsample ? (ctx.opset >= 9 ? floats(ins[1]) : fsAttr(n, 'scales', [])) : old ? floats(ins[1]) : floats(ins[2]);
  const sizesIn = old ? null : ins[3] && ins[3].numel() ? ints(ins[3], 'sizes') : null;
  const roiIn = old ? null : floats(ins[1]);
  const scales = new Array<number>(nd).fill(1);
  const sizes = x.shape.slice();
  if (sizesIn) {
    if (sizesIn.length !== axes.length) throw new ShapeError(`${n.op}: ${sizesIn.length} sizes for ${axes.length} axes`, 'E_ONNX_SHAPE');
    axes.forEach((a, i) => {
      sizes[a] = sizesIn[i]!;
      scales[a] = sizesIn[i]! / x.shape[a]!;
    });
  } else if (scalesIn) {
    if (scalesIn.length !== axes.length) throw new ShapeError(`${n.op}: ${scalesIn.length} scales for ${axes.length} axes`, 'E_ONNX_SHAPE');
    axes.forEach((a, i) => {
      if (!(scalesIn[i]! > 0)) throw new FormatError(`${n.op}: scales must be positive, got ${scalesIn[i]}`, 'E_ONNX_GRAPH');
      scales[a] = scalesIn[i]!;
      sizes[a] = Math.floor(x.shape[a]! * scalesIn[i]!);
    });
  } else throw new FormatError(`${n.op}: neither scales nor sizes is given`, 'E_ONNX_GRAPH');
  if (numel(sizes) > ctx.maxElements)
    throw new FormatError(`${n.op}: output [${sizes.join(',')}] exceeds the element limit`, 'E_ONNX_LIMIT');
  let y = x;
  for (let a = 0; a < nd; a++) {
    const roi: [number, number] = roiIn ? [roiIn[axes.indexOf(a)] ?? 0, roiIn[axes.indexOf(a) + axes.length] ?? 1] : [0, 1];
    if (sizes[a] === x.shape[a] && scales[a] === 1 && o.ctm !== 'tf_crop_and_resize') continue;
    y = resizeAxis(y, a, sizes[a]!, scales[a]!, roi, o, sizesIn ? sizes[a]! : x.shape[a]! * scales[a]!);
  }
  return y;
}

// ---------------------------------------------------------------- losses

function nll(logp: Tensor, target: Tensor, weight: Tensor | null, reduction: string, ignore: number | null): Tensor {
  const C = logp.shape[1]!;
  const t = ints(target, 'target');
  const mask = t.map((v) => (ignore !== null && v === ignore ? 0 : 1));
  const clean = t.map((v, i) => {
    if (!mask[i]) return 0;
    if (v < 0 || v >= C) throw new IndexError(`NegativeLogLikelihoodLoss: target ${v} is out of range for ${C} classes`, 'E_ONNX_INDEX');
    return v;
  });
  const tshape = target.shape;
  const picked = logp.gather(1, mk(clean, [tshape[0]!, 1, ...tshape.slice(1)], 'int32')).squeeze(1);
  let w = mk(mask, tshape, logp.dtype);
  if (weight)
    w = weight
      .indexSelect(0, mk(clean, [clean.length], 'int32'))
      .reshape(tshape)
      .mul(w);
  const loss = picked.neg().mul(w);
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return loss.sum();
  if (reduction === 'mean') return loss.sum().div(w.sum());
  throw new NotSupportedError(`loss reduction ${reduction}`, 'E_ONNX_UNSUPPORTED_ATTR');
}

// ---------------------------------------------------------------- dispatch

// ---------------------------------------------------------------- GridSample

/** Reflects `v` into [lo2/2, hi2/2] (torch's reflect_coordinates); returns [value, d value / d v]. */
function reflectCoord(v: number, lo2: number, hi2: number): [number, number] {
  if (lo2 === hi2) return [0, 0];
  const min = lo2 / 2;
  const span = (hi2 - lo2) / 2;
  const sign = v - min < 0 ? -1 : 1;
  const a = Math.abs(v - min);
  const flips = Math.floor(a / span);
  const extra = a - flips * span;
  return flips % 2 === 0 ? [extra + min, sign] : [span - extra + min, -sign];
}

/**
 * GridSample (opset 16; opset 20's linear/cubic names too) on [N, C, H, W] with a [N, Ho, Wo, 2] grid:
 * bilinear, nearest and bicubic (A = -0.75), zeros / border / reflection padding, align_corners, as
 * torch.nn.functional.grid_sample. Sampling positions and padding are worked out on the host; the
 * weights stay tensor expressions of the grid, so gradients reach both the input and the grid.
 */
function gridSample(n: INode, x: Tensor, grid: Tensor): Tensor {
  if (x.ndim !== 4 || grid.ndim !== 4 || grid.shape[3] !== 2 || grid.shape[0] !== x.shape[0])
    throw new NotSupportedError(
      `GridSample: only 2-D sampling ([N, C, H, W] input, [N, Ho, Wo, 2] grid) is supported, got ${fmtShape(x.shape)} and ${fmtShape(grid.shape)}`,
      'E_ONNX_UNSUPPORTED_ATTR',
    );
  const mode = sAttr(n, 'mode', 'bilinear');
  const pad = sAttr(n, 'padding_mode', 'zeros');
  const ac = iAttr(n, 'align_corners', 0) === 1;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, Ho, Wo] = grid.shape as [number, number, number];
  const P = Ho * Wo;
  const g = grid.dtype === x.dtype ? grid : grid.to(x.dtype);
  // Unnormalised source coordinates, as tensors of the grid: [N, 1, P].
  const unnorm = (c: Tensor, size: number) =>
    ac
      ? c.add(1).mul((size - 1) / 2)
      : c
          .add(1)
          .mul(size / 2)
          .sub(0.5);
  const rawX = unnorm(g.select(3, 0).reshape([N, 1, P]), W);
  const rawY = unnorm(g.select(3, 1).reshape([N, 1, P]), H);
  const rx = Array.from(rawX.dataSync(), Number);
  const ry = Array.from(rawY.dataSync(), Number);
  // Padding of a (real or integer) coordinate: [value, slope]; border and reflection clip into the image.
  const padCoord = (v: number, size: number): [number, number] => {
    if (pad === 'zeros') return [v, 1];
    let r: [number, number] = [v, 1];
    if (pad === 'reflection') r = ac ? reflectCoord(v, 0, 2 * (size - 1)) : reflectCoord(v, -1, 2 * size - 1);
    if (r[0] < 0) return [0, 0];
    if (r[0] > size - 1) return [size - 1, 0];
    return r;
  };
  const flat = x.reshape([N, C, H * W]);
  /** Sum of taps: each tap is a per-position (row, col) pick, zero outside the image, times a weight. */
  const tap = (rows: number[], cols: number[], weight: Tensor | null): Tensor => {
    const idx = new Array<number>(N * P);
    const inside = new Array<number>(N * P);
    for (let i = 0; i < N * P; i++) {
      const r = rows[i]!;
      const c = cols[i]!;
      const ok = r >= 0 && r < H && c >= 0 && c < W;
      inside[i] = ok ? 1 : 0;
      idx[i] = ok ? r * W + c : 0;
    }
    const picked = flat.gather(2, mk(idx, [N, 1, P], 'int32').expand([N, C, P]));
    const m = mk(inside, [N, 1, P], x.dtype);
    return picked.mul(weight ? weight.mul(m) : m);
  };
  const affine = (raw: Tensor, slope: number[], value: number[], rawVals: number[]) =>
    // padded = slope * raw + (value - slope * raw): the host value with the grid's gradient.
    raw.mul(mk(slope, raw.shape, x.dtype)).add(
      mk(
        value.map((v, i) => v - slope[i]! * rawVals[i]!),
        raw.shape,
        x.dtype,
      ),
    );
  let out: Tensor;
  if (mode === 'nearest') {
    const rows = ry.map((v) => roundHalfEven(padCoord(v, H)[0]));
    const cols = rx.map((v) => roundHalfEven(padCoord(v, W)[0]));
    out = tap(rows, cols, null);
  } else if (mode === 'bilinear' || mode === 'linear') {
    const px = rx.map((v) => padCoord(v, W));
    const py = ry.map((v) => padCoord(v, H));
    const ix = affine(
      rawX,
      px.map((p) => p[1]),
      px.map((p) => p[0]),
      rx,
    );
    const iy = affine(
      rawY,
      py.map((p) => p[1]),
      py.map((p) => p[0]),
      ry,
    );
    const x0 = px.map((p) => Math.floor(p[0]));
    const y0 = py.map((p) => Math.floor(p[0]));
    const tx = ix.sub(mk(x0, ix.shape, x.dtype));
    const ty = iy.sub(mk(y0, iy.shape, x.dtype));
    const sx = tx.neg().add(1);
    const sy = ty.neg().add(1);
    const x1 = x0.map((v) => v + 1);
    const y1 = y0.map((v) => v + 1);
    out = tap(y0, x0, sy.mul(sx))
      .add(tap(y0, x1, sy.mul(tx)))
      .add(tap(y1, x0, ty.mul(sx)))
      .add(tap(y1, x1, ty.mul(tx)));
  } else if (mode === 'bicubic' || mode === 'cubic') {
    const A = -0.75;
    const x0 = rx.map(Math.floor);
    const y0 = ry.map(Math.floor);
    const tx = rawX.sub(mk(x0, rawX.shape, x.dtype));
    const ty = rawY.sub(mk(y0, rawY.shape, x.dtype));
    // Cubic convolution weights of the taps at -1, 0, 1, 2 around floor(coordinate).
    const cubic = (t: Tensor): Tensor[] => {
      const far = (d: Tensor) =>
        d
          .mul(A)
          .sub(5 * A)
          .mul(d)
          .add(8 * A)
          .mul(d)
          .sub(4 * A);
      const near = (d: Tensor) =>
        d
          .mul(A + 2)
          .sub(A + 3)
          .mul(d)
          .mul(d)
          .add(1);
      const u = t.neg().add(1);
      return [far(t.add(1)), near(t), near(u), far(u.add(1))];
    };
    const wx = cubic(tx);
    const wy = cubic(ty);
    // Each integer tap coordinate is padded on its own (torch's get_value_bounded).
    const padInt = (v: number, size: number) => (pad === 'zeros' ? v : Math.round(padCoord(v, size)[0]));
    let acc: Tensor | null = null;
    for (let i = 0; i < 4; i++) {
      const rows = y0.map((v) => padInt(v - 1 + i, H));
      for (let j = 0; j < 4; j++) {
        const cols = x0.map((v) => padInt(v - 1 + j, W));
        const t = tap(rows, cols, wy[i]!.mul(wx[j]!));
        acc = acc ? acc.add(t) : t;
      }
    }
    out = acc!;
  } else throw new NotSupportedError(`GridSample: mode ${JSON.stringify(mode)} is not supported`, 'E_ONNX_UNSUPPORTED_ATTR');
  return out.reshape([N, C, Ho, Wo]);
}

/** Rounds half to even, as torch's nearbyint. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  return v - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(v);
}

// ---------------------------------------------------------------- RoiAlign

/**
 * RoiAlign (opsets 10 and 16; torchvision's roi_align / MultiScaleRoIAlign in Faster/Mask R-CNN):
 * each region's bins average (or, as onnxruntime, take the largest weighted corner of) bilinear
 * samples on a grid of sampling_ratio (adaptive when 0) points per bin. The sample positions are
 * worked out on the host; the output is a weighted gather of the input, so gradients reach it.
 */
function roiAlign(n: INode, ctx: RunCtx, x: Tensor, rois: Tensor, batch: Tensor): Tensor {
  if (x.ndim !== 4 || rois.ndim !== 2 || rois.shape[1] !== 4 || batch.ndim !== 1 || batch.shape[0] !== rois.shape[0])
    throw new ShapeError(
      `RoiAlign: expected X [N, C, H, W], rois [R, 4] and batch_indices [R], got ${fmtShape(x.shape)}, ${fmtShape(rois.shape)}, ${fmtShape(batch.shape)}`,
      'E_ONNX_SHAPE',
    );
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const R = rois.shape[0]!;
  const oh = iAttr(n, 'output_height', 1);
  const ow = iAttr(n, 'output_width', 1);
  const ratio = iAttr(n, 'sampling_ratio', 0);
  const scale = iAttrF(n, 'spatial_scale', 1);
  const max = sAttr(n, 'mode', 'avg') === 'max';
  // opset 16 defaults to half_pixel; opset 10's behaviour is output_half_pixel
  const halfPixel = sAttr(n, 'coordinate_transformation_mode', ctx.opset >= 16 ? 'half_pixel' : 'output_half_pixel') === 'half_pixel';
  if (!(oh > 0 && ow > 0) || ratio < 0)
    throw new FormatError(`RoiAlign: invalid output size ${oh}x${ow} or sampling_ratio ${ratio}`, 'E_ONNX_GRAPH');
  const box = Array.from(rois.dataSync(), Number);
  const bi = Array.from(batch.dataSync(), Number);
  for (const b of bi)
    if (!(b >= 0 && b < N)) throw new IndexError(`RoiAlign: batch index ${b} is out of range for ${N} image(s)`, 'E_ONNX_INDEX');
  const P = oh * ow;
  // per region: grid, sample count and geometry
  const geo = Array.from({ length: R }, (_, r) => {
    const off = halfPixel ? 0.5 : 0;
    const x0 = box[r * 4]! * scale - off;
    const y0 = box[r * 4 + 1]! * scale - off;
    let rw = box[r * 4 + 2]! * scale - off - x0;
    let rh = box[r * 4 + 3]! * scale - off - y0;
    if (!halfPixel) {
      rw = Math.max(rw, 1);
      rh = Math.max(rh, 1);
    }
    const gh = ratio > 0 ? ratio : Math.ceil(rh / oh);
    const gw = ratio > 0 ? ratio : Math.ceil(rw / ow);
    return { x0, y0, bw: rw / ow, bh: rh / oh, gh, gw, count: Math.max(gh * gw, 1) };
  });
  const slots = Math.max(1, ...geo.map((g) => g.gh * g.gw));
  if (R * C * P * slots * 4 > 64 * ctx.maxElements)
    throw new FormatError(`RoiAlign: ${R} regions × ${slots} samples per bin exceed the work budget`, 'E_ONNX_LIMIT');
  const src = x.indexSelect(0, mk(bi, [R], 'int32')).reshape([R, C, H * W]);
  let acc: Tensor | null = null;
  for (let s = 0; s < slots; s++) {
    const idx = [0, 1, 2, 3].map(() => new Array<number>(R * P).fill(0));
    const wt = [0, 1, 2, 3].map(() => new Array<number>(R * P).fill(0));
    for (let r = 0; r < R; r++) {
      const g = geo[r]!;
      if (s >= g.gh * g.gw) continue;
      const iy = Math.floor(s / g.gw);
      const ix = s % g.gw;
      for (let ph = 0; ph < oh; ph++)
        for (let pw = 0; pw < ow; pw++) {
          let yy = g.y0 + ph * g.bh + ((iy + 0.5) * g.bh) / g.gh;
          let xx = g.x0 + pw * g.bw + ((ix + 0.5) * g.bw) / g.gw;
          if (yy < -1 || yy > H || xx < -1 || xx > W) continue;
          yy = Math.max(yy, 0);
          xx = Math.max(xx, 0);
          let yl = Math.floor(yy);
          let xl = Math.floor(xx);
          let yh = yl + 1;
          let xh = xl + 1;
          if (yl >= H - 1) yh = yl = yy = H - 1;
          if (xl >= W - 1) xh = xl = xx = W - 1;
          const ly = yy - yl;
          const lx = xx - xl;
          const k = r * P + ph * ow + pw;
          const norm = max ? 1 : 1 / g.count;
          const corners: [number, number, number][] = [
            [yl, xl, (1 - ly) * (1 - lx)],
            [yl, xh, (1 - ly) * lx],
            [yh, xl, ly * (1 - lx)],
            [yh, xh, ly * lx],
          ];
          corners.forEach(([cy, cx, w], c) => {
            idx[c]![k] = cy * W + cx;
            wt[c]![k] = w * norm;
          });
        }
    }
    for (let c = 0; c < 4; c++) {
      const term = src.gather(2, mk(idx[c]!, [R, 1, P], 'int32').expand([R, C, P])).mul(mk(wt[c]!, [R, 1, P], x.dtype));
      // max mode: the largest weighted corner of any sample (onnxruntime's definition)
      acc = acc === null ? term : max ? acc.maximum(term) : acc.add(term);
    }
  }
  return acc!.reshape([R, C, oh, ow]);
}

export function runNN(n: INode, ins: (Tensor | null)[], ctx: RunCtx): Tensor[] | null {
  const X = () => need(ins, 0);
  switch (n.op) {
    case 'MaxPool':
      if (n.outputs.length > 1 && n.outputs[1])
        throw new NotSupportedError('MaxPool: the Indices output is not supported', 'E_ONNX_UNSUPPORTED_ATTR');
      return [pool(n, X())];
    case 'AveragePool':
    case 'LpPool':
      return [pool(n, X())];
    case 'GlobalMaxPool':
    case 'GlobalAveragePool':
    case 'GlobalLpPool': {
      const v = X();
      if (v.ndim < 3) throw new ShapeError(`${n.op} needs [N, C, ...], got ${fmtShape(v.shape)}`, 'E_ONNX_SHAPE');
      const dims = v.shape.map((_, i) => i).slice(2);
      if (n.op === 'GlobalMaxPool') return [v.amax(dims, true)];
      if (n.op === 'GlobalAveragePool') return [v.mean(dims, true)];
      const p = iAttrF(n, 'p', 2);
      return [
        v
          .abs()
          .pow(p)
          .sum(dims, true)
          .pow(1 / p),
      ];
    }
    case 'ConvTranspose':
      return [convTranspose(n, ins)];
    case 'GridSample':
      return [gridSample(n, X(), need(ins, 1))];
    case 'RoiAlign':
      return [roiAlign(n, ctx, X(), need(ins, 1), need(ins, 2))];
    case 'Resize':
    case 'Upsample':
      return [resize(n, ins, ctx)];
    case 'InstanceNormalization': {
      const v = X();
      const dims = v.shape.map((_, i) => i).slice(2);
      const bshape = v.shape.map((s, i) => (i === 1 ? s : 1));
      const mean = v.mean(dims, true);
      const c = v.sub(mean);
      const y = c.mul(
        c
          .square()
          .mean(dims, true)
          .add(iAttrF(n, 'epsilon', 1e-5))
          .rsqrt(),
      );
      return [y.mul(need(ins, 1).reshape(bshape)).add(need(ins, 2).reshape(bshape))];
    }
    case 'MeanVarianceNormalization': {
      const v = X();
      const axes = isAttr(n, 'axes', [0, 2, 3]).map((a) => normAxis(a, v.ndim, n.op));
      const c = v.sub(v.mean(axes, true));
      return [c.div(c.square().mean(axes, true).sqrt().add(1e-9))];
    }
    case 'LRN': {
      const v = X();
      const size = iAttr(n, 'size', 0);
      const alpha = iAttrF(n, 'alpha', 1e-4);
      const beta = iAttrF(n, 'beta', 0.75);
      const bias = iAttrF(n, 'bias', 1);
      const sq = v.square();
      const lo = Math.floor((size - 1) / 2);
      const hi = Math.ceil((size - 1) / 2);
      const pads = new Array<number>(2 * (v.ndim - 2)).fill(0);
      const padded = sq.pad([...pads, lo, hi]);
      let sum: Tensor | null = null;
      for (let j = 0; j < size; j++) {
        const sl = padded.narrow(1, j, v.shape[1]!);
        sum = sum === null ? sl : sum.add(sl);
      }
      return [
        v.div(
          sum!
            .mul(alpha / size)
            .add(bias)
            .pow(beta),
        ),
      ];
    }
    case 'LpNormalization': {
      const v = X();
      const ax = normAxis(iAttr(n, 'axis', -1), v.ndim, n.op);
      const p = iAttr(n, 'p', 2);
      const norm = p === 1 ? v.abs().sum(ax, true) : v.square().sum(ax, true).sqrt();
      return [v.div(norm)];
    }
    case 'LayerNormalization': {
      const v = X();
      const ax = normAxis(iAttr(n, 'axis', -1), v.ndim, n.op);
      const dims = v.shape.map((_, i) => i).slice(ax);
      const shape = v.shape.slice(ax);
      const eps = iAttrF(n, 'epsilon', 1e-5);
      const w = need(ins, 1);
      const b = ins[2] ?? null;
      if (n.outputs.length <= 1 || n.outputs.slice(1).every((o) => !o))
        return [F.layerNorm(v, shape, w.reshape(shape), b ? b.reshape(shape) : null, eps)];
      const mean = v.mean(dims, true);
      const c = v.sub(mean);
      const inv = c.square().mean(dims, true).add(eps).rsqrt();
      let y = c.mul(inv).mul(w);
      if (b) y = y.add(b);
      return [y, mean, inv];
    }
    case 'BatchNormalization': {
      const x = X();
      if (ctx.opset < 9 && iAttr(n, 'spatial', 1) !== 1)
        throw new NotSupportedError('BatchNormalization: spatial = 0 is not supported', 'E_ONNX_UNSUPPORTED_ATTR');
      const eps = iAttrF(n, 'epsilon', 1e-5);
      const mom = iAttrF(n, 'momentum', 0.9);
      const [scale, bias, rm, rv] = [1, 2, 3, 4].map((i) => need(ins, i)) as [Tensor, Tensor, Tensor, Tensor];
      if (iAttr(n, 'training_mode', 0) === 1) {
        // ONNX training mode: batch statistics; running stats out = in·momentum + batch·(1 − momentum).
        const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
        const bshape = x.shape.map((s, i) => (i === 1 ? s : 1));
        const mean = x.mean(dims, true);
        const c = x.sub(mean);
        const varB = c.square().mean(dims, true);
        const y = c.mul(varB.add(eps).rsqrt()).mul(scale.reshape(bshape)).add(bias.reshape(bshape));
        const C = x.shape[1]!;
        return [
          y,
          rm.mul(mom).add(
            mean
              .reshape(C)
              .detach()
              .mul(1 - mom),
          ),
          rv.mul(mom).add(
            varB
              .reshape(C)
              .detach()
              .mul(1 - mom),
          ),
        ];
      }
      // An imported model follows the train and eval modes as a native BatchNorm does: in training, batch
      // statistics, and the running buffers move by PyTorch's momentum (1 − ONNX momentum).
      if (ctx.reluAfter === true) {
        // eval mode (the importer fuses only then) with the next node's Relu: F.batchNorm's fused
        // primitive with relu in its pass, or where the dtypes rule that out the two ops
        if (isFloat(x) && [scale, bias, rm, rv].every((t) => t.dtype === x.dtype))
          return [apply('batchNorm', [x, scale, bias, rm, rv], { eps, training: false, relu: true })];
        return [F.batchNorm(x, rm, rv, { weight: scale, bias, training: false, eps }).relu()];
      }
      return [F.batchNorm(x, rm, rv, { weight: scale, bias, training: ctx.training, eps, momentum: 1 - mom })];
    }
    case 'Dropout': {
      const x = X();
      let ratio = ctx.opset >= 12 ? (ins[1] ? ins[1].item() : 0.5) : iAttrF(n, 'ratio', 0.5);
      const training = ctx.opset >= 12 && ins[2] ? ins[2].item() !== 0 : false;
      if (!training || ratio === 0) return [x, mk(new Array<number>(x.numel()).fill(1), x.shape, 'bool')];
      if (!(ratio > 0 && ratio < 1)) throw new FormatError(`Dropout: ratio ${ratio} must lie in [0, 1)`, 'E_ONNX_GRAPH');
      const rng = new Rng(n.attrs.has('seed') ? iAttr(n, 'seed', 0) : Math.floor(Math.random() * 2 ** 31));
      const keep = Array.from({ length: x.numel() }, () => (rng.uniform() >= ratio ? 1 : 0));
      const mask = mk(keep, x.shape, 'bool');
      ratio = 1 / (1 - ratio);
      return [x.mul(mask.to(x.dtype)).mul(ratio), mask];
    }
    case 'NegativeLogLikelihoodLoss':
      return [
        nll(
          X(),
          need(ins, 1),
          ins[2] ?? null,
          sAttr(n, 'reduction', 'mean'),
          n.attrs.has('ignore_index') ? iAttr(n, 'ignore_index', 0) : null,
        ),
      ];
    case 'SoftmaxCrossEntropyLoss': {
      const logp = X().logSoftmax(1);
      return [
        nll(
          logp,
          need(ins, 1),
          ins[2] ?? null,
          sAttr(n, 'reduction', 'mean'),
          n.attrs.has('ignore_index') ? iAttr(n, 'ignore_index', 0) : null,
        ),
        logp,
      ];
    }
  }
  return null;
}
