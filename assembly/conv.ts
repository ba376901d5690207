// Convolution, NCHW activations and OIHW weights, float32: im2col + GEMM (im2col.ts), a plain GEMM
// for 1×1 stride-1 unpadded kernels, or the direct kernels (conv-direct.ts) for few taps per output.
// All loops over the batch and the groups run here, so one host call does a whole layer. Pooling is
// in pool.ts.
//
// Geometry of one conv call: ConvGeom.Count i32 at `g`, slots named by the enum ConvGeom in
// src/backend/wasm/abi.ts (shared with the host). ConvGeom.Bias is conv2dForward's bias [cOut] (0:
// none), added to each output after its whole sum, one f32 add, so the bits equal the convolution
// followed by a separate add.
import { ConvGeom } from '../src/backend/wasm/abi';
import { ceil4, gi } from './conv-common';
import { directForward, directImgFloats, directWeight, isDirect } from './conv-direct';
import { col2im, im2col, im2colRows } from './im2col';
import { gemmScratchBytes, sgemm } from './gemm';

/** y[r, 0..P) += bias[r] for rows r in [0, rows) (one f32 add each). */
function addChannelBias(y: usize, rows: i32, P: i32, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const v = v128.load32_splat(bias + (<usize>r << 2));
    const s = load<f32>(bias + (<usize>r << 2));
    const row = y + (<usize>(r * P) << 2);
    let i = 0;
    for (; i + 4 <= P; i += 4) {
      const p = row + (<usize>i << 2);
      v128.store(p, f32x4.add(v128.load(p), v));
    }
    for (; i < P; i++) {
      const p = row + (<usize>i << 2);
      store<f32>(p, load<f32>(p) + s);
    }
  }
}

@inline function isPointwise(g: usize): bool {
  return gi(g, ConvGeom.KH) == 1 && gi(g, ConvGeom.KW) == 1 && gi(g, ConvGeom.StrideH) == 1 && gi(g, ConvGeom.StrideW) == 1 && gi(g, ConvGeom.PadH) == 0 && gi(g, ConvGeom.PadW) == 0;
}

/** Bytes of column buffer `conv2d*` need (0 for 1×1 stride-1 unpadded kernels). */
export function convColsBytes(g: usize): i32 {
  if (isDirect(g)) return (directImgFloats(g) + 8 + (gi(g, ConvGeom.OW) & 3 ? gi(g, ConvGeom.COut) * gi(g, ConvGeom.OH) * ceil4(gi(g, ConvGeom.OW)) : 0)) * 4;
  if (isPointwise(g)) return 0;
  return (gi(g, ConvGeom.CIn) / gi(g, ConvGeom.Groups)) * gi(g, ConvGeom.KH) * gi(g, ConvGeom.KW) * gi(g, ConvGeom.OH) * gi(g, ConvGeom.OW) * 4;
}

/**
 * Bytes of scratch `conv2d*` need: the direct weight gradient's f32x4 accumulators (ceil2(cOut) ·
 * (K + 4) of them, K = cIn·kh·kw), else the GEMM's packing buffers.
 */
export function convScratchBytes(g: usize): i32 {
  if (!isDirect(g)) return gemmScratchBytes();
  const K = gi(g, ConvGeom.CIn) * gi(g, ConvGeom.KH) * gi(g, ConvGeom.KW);
  return ((gi(g, ConvGeom.COut) + 1) & ~1) * (K + 4) * 16;
}

/** y[n, cOut, oh, ow] = conv(x, w) (+ bias). For each image and group: y_g = W_g · im2col(x_g). */
export function conv2dForward(g: usize, x: usize, wt: usize, y: usize, cols: usize, scratch: usize): void {
  const n = gi(g, ConvGeom.N), cIn = gi(g, ConvGeom.CIn), h = gi(g, ConvGeom.H), w = gi(g, ConvGeom.W), cOut = gi(g, ConvGeom.COut);
  const kh = gi(g, ConvGeom.KH), kw = gi(g, ConvGeom.KW), oh = gi(g, ConvGeom.OH), ow = gi(g, ConvGeom.OW), groups = gi(g, ConvGeom.Groups);
  const cInG = cIn / groups, cOutG = cOut / groups, K = cInG * kh * kw, P = oh * ow;
  const bias = <usize>gi(g, ConvGeom.Bias);
  if (isDirect(g)) {
    directForward(g, x, wt, y, cols, bias);
    return;
  }
  const pointwise = isPointwise(g);
  for (let b = 0; b < n; b++) {
    for (let gr = 0; gr < groups; gr++) {
      const xg = x + (<usize>((b * cIn + gr * cInG) * h * w) << 2);
      const yg = y + (<usize>((b * cOut + gr * cOutG) * P) << 2);
      const wg = wt + (<usize>(gr * cOutG * K) << 2);
      let src = xg;
      if (!pointwise) {
        im2col(xg, cInG, h, w, kh, kw, oh, ow, gi(g, ConvGeom.StrideH), gi(g, ConvGeom.StrideW), gi(g, ConvGeom.PadH), gi(g, ConvGeom.PadW), gi(g, ConvGeom.DilH), gi(g, ConvGeom.DilW), cols);
        src = cols;
      }
      sgemm(0, 0, cOutG, P, K, wg, K, src, P, yg, P, 0, scratch);
      if (bias) addChannelBias(yg, cOutG, P, bias + (<usize>(gr * cOutG) << 2));
    }
  }
}

/**
 * One share of a single image's forward convolution (n = 1, one group, im2col or pointwise), for the
 * worker pool when there are no images to split: `phase` 0 builds rows [lo, hi) of the image's
 * columns into `cols` (the whole K × P buffer, shared), phase 1 computes output columns [lo, hi) of
 * y = W · cols (+ bias) from them (pointwise: from x itself), phase 2 output channels [lo, hi) (for
 * outputs too small to split by columns). Each output is one GEMM sum over k in the same order as
 * `conv2dForward`'s (the packed path; phase 2 forces it for short shares), and the same bias add, so
 * the bits never depend on the split.
 */
export function conv2dForwardPart(g: usize, x: usize, wt: usize, y: usize, cols: usize, scratch: usize, phase: i32, lo: i32, hi: i32): void {
  const cIn = gi(g, ConvGeom.CIn), h = gi(g, ConvGeom.H), w = gi(g, ConvGeom.W), cOut = gi(g, ConvGeom.COut);
  const kh = gi(g, ConvGeom.KH), kw = gi(g, ConvGeom.KW), oh = gi(g, ConvGeom.OH), ow = gi(g, ConvGeom.OW);
  const K = cIn * kh * kw, P = oh * ow;
  if (hi <= lo) return;
  const pointwise = isPointwise(g);
  if (phase == 0) {
    if (!pointwise)
      im2colRows(x, h, w, kh, kw, oh, ow, gi(g, ConvGeom.StrideH), gi(g, ConvGeom.StrideW), gi(g, ConvGeom.PadH), gi(g, ConvGeom.PadW), gi(g, ConvGeom.DilH), gi(g, ConvGeom.DilW), lo, hi, cols + (<usize>(lo * P) << 2));
    return;
  }
  const src = pointwise ? x : cols;
  const bias = <usize>gi(g, ConvGeom.Bias);
  if (phase == 2) {
    sgemm(0, 0, hi - lo, P, K, wt + (<usize>(lo * K) << 2), K, src, P, y + (<usize>(lo * P) << 2), P, 2, scratch);
    if (bias) addChannelBias(y + (<usize>(lo * P) << 2), hi - lo, P, bias + (<usize>lo << 2));
    return;
  }
  const o = <usize>lo << 2;
  sgemm(0, 0, cOut, hi - lo, K, wt, K, src + o, P, y + o, P, 0, scratch);
  if (!bias) return;
  for (let r = 0; r < cOut; r++) {
    const b = load<f32>(bias + (<usize>r << 2));
    const row = y + (<usize>(r * P) << 2);
    for (let j = lo; j < hi; j++) {
      const q = row + (<usize>j << 2);
      store<f32>(q, load<f32>(q) + b);
    }
  }
}

/** dx = convᵀ(dy): per image and group, dcols = W_gᵀ · dy_g, then col2im. */
export function conv2dBackwardInput(g: usize, dy: usize, wt: usize, dx: usize, cols: usize, scratch: usize): void {
  const n = gi(g, ConvGeom.N), cIn = gi(g, ConvGeom.CIn), h = gi(g, ConvGeom.H), w = gi(g, ConvGeom.W), cOut = gi(g, ConvGeom.COut);
  const kh = gi(g, ConvGeom.KH), kw = gi(g, ConvGeom.KW), oh = gi(g, ConvGeom.OH), ow = gi(g, ConvGeom.OW), groups = gi(g, ConvGeom.Groups);
  const cInG = cIn / groups, cOutG = cOut / groups, K = cInG * kh * kw, P = oh * ow;
  const pointwise = isPointwise(g);
  if (!pointwise) memory.fill(dx, 0, <usize>(n * cIn * h * w) << 2);
  for (let b = 0; b < n; b++) {
    for (let gr = 0; gr < groups; gr++) {
      const dxg = dx + (<usize>((b * cIn + gr * cInG) * h * w) << 2);
      const dyg = dy + (<usize>((b * cOut + gr * cOutG) * P) << 2);
      const wg = wt + (<usize>(gr * cOutG * K) << 2);
      if (pointwise) {
        sgemm(1, 0, K, P, cOutG, wg, K, dyg, P, dxg, P, 0, scratch);
      } else {
        sgemm(1, 0, K, P, cOutG, wg, K, dyg, P, cols, P, 0, scratch);
        col2im(cols, cInG, h, w, kh, kw, oh, ow, gi(g, ConvGeom.StrideH), gi(g, ConvGeom.StrideW), gi(g, ConvGeom.PadH), gi(g, ConvGeom.PadW), gi(g, ConvGeom.DilH), gi(g, ConvGeom.DilW), dxg);
      }
    }
  }
}

/**
 * Columns [k0, k1) of dW = Σ_images dy_g · im2col(x_g)ᵀ (dW is [cOut, K] per group, K = cIn/groups·kh·kw;
 * the whole gradient is k0 = 0, k1 = K). Only rows [k0, k1) of each image's columns are built, into
 * `cols` ((k1 − k0)·oh·ow floats). Every element sums the images in order, in one accumulator, exactly
 * as the whole call does: the worker pool splits this gradient by columns, never by images, so
 * threads write disjoint columns and the result is the same bits for any number of threads.
 */
export function conv2dBackwardWeight(g: usize, x: usize, dy: usize, dw: usize, cols: usize, scratch: usize, k0: i32, k1: i32): void {
  const n = gi(g, ConvGeom.N), cIn = gi(g, ConvGeom.CIn), h = gi(g, ConvGeom.H), w = gi(g, ConvGeom.W), cOut = gi(g, ConvGeom.COut);
  const kh = gi(g, ConvGeom.KH), kw = gi(g, ConvGeom.KW), oh = gi(g, ConvGeom.OH), ow = gi(g, ConvGeom.OW), groups = gi(g, ConvGeom.Groups);
  const cInG = cIn / groups, cOutG = cOut / groups, K = cInG * kh * kw, P = oh * ow;
  const kk = k1 - k0;
  if (kk <= 0) return;
  if (isDirect(g)) {
    directWeight(g, x, dy, dw, cols, scratch, k0, k1);
    return;
  }
  const pointwise = isPointwise(g);
  for (let b = 0; b < n; b++) {
    for (let gr = 0; gr < groups; gr++) {
      const xg = x + (<usize>((b * cIn + gr * cInG) * h * w) << 2);
      const dyg = dy + (<usize>((b * cOut + gr * cOutG) * P) << 2);
      const dwg = dw + (<usize>(gr * cOutG * K + k0) << 2);
      // pointwise: the columns are the image's channel rows themselves (P = h·w)
      let src = xg + (<usize>(k0 * P) << 2);
      if (!pointwise) {
        im2colRows(xg, h, w, kh, kw, oh, ow, gi(g, ConvGeom.StrideH), gi(g, ConvGeom.StrideW), gi(g, ConvGeom.PadH), gi(g, ConvGeom.PadW), gi(g, ConvGeom.DilH), gi(g, ConvGeom.DilW), k0, k1, cols);
        src = cols;
      }
      sgemm(0, 1, cOutG, kk, P, dyg, P, src, P, dwg, K, b > 0 ? 1 : 0, scratch);
    }
  }
}
