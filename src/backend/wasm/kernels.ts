/**
 * The wasm backend's kernel table (float32; every other dtype, and anything the arena cannot hold,
 * goes to the js kernels). Each kernel copies its inputs into the arena (resident inputs — parameters —
 * are used where they are), runs, and copies the result out.
 */
import type { DType, TypedArray } from '../../core/dtype.js';
import { jsKernels } from '../js/index.js';
import type { Conv2dArgs, Kernels, MatmulArgs, Pool2dArgs } from '../types.js';
import { ConvGeom, PoolGeom } from './abi.js';
import type { Arena } from './arena.js';
import { findStorage, freeTemp, type Storage } from '../storage.js';
import type { Gemm } from './gemm.js';
import { createElementwise } from './elementwise.js';
import { createOptim } from './optim.js';
import { createNorm } from './norm.js';

export function isF32(...xs: TypedArray[]): boolean {
  for (const x of xs) if (!(x instanceof Float32Array)) return false;
  return true;
}

/** From `minElements` elements a max-pool call is split across the worker pool by planes; tests lower it. */
export const poolSplit = { minElements: 1 << 17 };

/**
 * When the 3×3 stride-1 convolutions (forward, input and weight gradients) run Winograd F(2×2, 3×3)
 * (assembly/winograd.ts): `enabled` (tests compare it with the im2col path), and the smallest
 * output channel count and number of 2×2 output tiles for which it pays (input channels: ≥ 4). The
 * transformed filters are written once per call in the GEMM's packed layout, and kept across calls
 * for weights that do not change (`winogradCache`), so it pays down to resnet18's 512-channel layers
 * at batch 1 (16 tiles: 5.5 ms per call uncached and 2.8 ms cached, against 6.8 ms for im2col + GEMM,
 * 1 thread, this machine). Outputs at least `f4MinSide` wide and tall use F(4×4, 3×3)
 * (assembly/winograd4.ts: 2.25 products per output instead of 4; at 7×7 its four tiles would leave
 * the GEMM's 8-wide panels half empty).
 */
export const winogradConv = { enabled: true, minChannels: 8, minTiles: 16, f4MinSide: 12 };

/**
 * Transformed filters (U) kept across calls, for layers with fewer than `maxTiles` tiles (there the
 * transform is a large part of the call: a 512→512 layer's U is 2.7 ms against 2.8 ms of products).
 * Per weight storage and use (forward or input gradient), the cache holds the weight's fingerprint
 * (assembly/winograd.ts, `checksumF32`) from the last call and, once the same bytes come back, U
 * itself: a training step changes the weights, so training only keeps the fingerprint, while
 * inference transforms each weight twice and then never again. U is the very bytes the transform
 * writes, so a call that finds it gives the same bits as one that builds it. U lives as a long-lived
 * storage on the device (evictable like any other), and goes when its weight's storage is collected
 * or its bytes change. Private memory (no shared memory) keeps nothing resident, so there the cache is
 * off and no fingerprint is taken. `hits`, `kept` and `fingerprints` count calls that found U, copies of
 * U kept and fingerprints taken (all backends).
 */
export const winogradCache = { enabled: true, maxTiles: 256, hits: 0, kept: 0, fingerprints: 0 };

export function createKernels(arena: Arena, gemm: Gemm): Partial<Kernels> {
  function matmul(p: MatmulArgs, outDType: DType): TypedArray {
    const { batch, m, k, n } = p;
    if (outDType !== 'float32' || !isF32(p.a.data, p.b.data) || (p.bias && !isF32(p.bias))) return jsKernels.matmul(p, outDType);
    const total = batch * m * n;
    if (total === 0) return new Float32Array(0);
    const aSpan = (batch - 1) * p.strideA + m * k;
    const bSpan = (batch - 1) * p.strideB + k * n;
    const scratch = gemm.scratchFor(m, n, k);
    arena.reset();
    if (!arena.fits((aSpan + bSpan + total + n) * 4 + scratch + 256)) return jsKernels.matmul(p, outDType);
    const a = arena.refF32(p.a.data, p.a.offset, aSpan);
    const b = arena.refF32(p.b.data, p.b.offset, bSpan);
    const c = arena.alloc(total * 4);
    const s = arena.alloc(scratch);
    const ta = p.transA ? 1 : 0;
    const tb = p.transB ? 1 : 0;
    const lda = ta ? m : k;
    const ldb = tb ? k : n;
    if (batch === 1 || gemm.threads > 1) {
      for (let i = 0; i < batch; i++)
        gemm.run(ta, tb, m, n, k, a + 4 * i * p.strideA, lda, b + 4 * i * p.strideB, ldb, c + 4 * i * m * n, n, 0, s);
    } else {
      arena.exports.sgemmBatched(batch, ta, tb, m, n, k, a, p.strideA, b, p.strideB, c, 0, s);
    }
    if (p.bias) arena.exports.addRowBias(c, batch * m, n, arena.refF32(p.bias, 0, n));
    return arena.takeF32(c, total);
  }

  /**
   * Write the conv geometry block (ConvGeom.Count i32, slots named in abi.ts: the shape, 1 for the
   * direct kernels, the forward's bias address or 0) into the arena; returns its address.
   */
  function convGeom(a: Conv2dArgs, direct: boolean, bias = 0): number {
    const g = arena.alloc(ConvGeom.Count * 4);
    const v = new Array<number>(ConvGeom.Count);
    v[ConvGeom.N] = a.n;
    v[ConvGeom.CIn] = a.cIn;
    v[ConvGeom.H] = a.h;
    v[ConvGeom.W] = a.w;
    v[ConvGeom.COut] = a.cOut;
    v[ConvGeom.KH] = a.kh;
    v[ConvGeom.KW] = a.kw;
    v[ConvGeom.OH] = a.oh;
    v[ConvGeom.OW] = a.ow;
    v[ConvGeom.StrideH] = a.strideH;
    v[ConvGeom.StrideW] = a.strideW;
    v[ConvGeom.PadH] = a.padH;
    v[ConvGeom.PadW] = a.padW;
    v[ConvGeom.DilH] = a.dilH;
    v[ConvGeom.DilW] = a.dilW;
    v[ConvGeom.Groups] = a.groups;
    v[ConvGeom.Direct] = direct ? 1 : 0;
    v[ConvGeom.Bias] = bias;
    arena.i32.set(v, g >> 2);
    return g;
  }

  /**
   * The direct kernels (assembly/conv.ts) instead of im2col + GEMM, for the forward pass and the
   * weight gradient: unit stride and dilation, one group, at most 32 taps per output (cIn·kh·kw),
   * not 1×1 unpadded (that is a plain GEMM already). There im2col writes each input K times to feed
   * a GEMM whose few rows (output channels) and short depth waste most of its tiles.
   */
  function directConv(a: Conv2dArgs): boolean {
    return (
      a.groups === 1 &&
      a.strideH === 1 &&
      a.strideW === 1 &&
      a.dilH === 1 &&
      a.dilW === 1 &&
      a.cIn * a.kh * a.kw <= 32 &&
      !(a.kh === 1 && a.kw === 1 && a.padH === 0 && a.padW === 0)
    );
  }

  /** Write the pooling geometry block (PoolGeom.Count i32, slots named in abi.ts); returns its address. */
  function poolGeom(a: Pool2dArgs): number {
    const g = arena.alloc(PoolGeom.Count * 4);
    const v = new Array<number>(PoolGeom.Count);
    v[PoolGeom.N] = a.n;
    v[PoolGeom.C] = a.c;
    v[PoolGeom.H] = a.h;
    v[PoolGeom.W] = a.w;
    v[PoolGeom.OH] = a.oh;
    v[PoolGeom.OW] = a.ow;
    v[PoolGeom.KH] = a.kh;
    v[PoolGeom.KW] = a.kw;
    v[PoolGeom.StrideH] = a.strideH;
    v[PoolGeom.StrideW] = a.strideW;
    v[PoolGeom.PadH] = a.padH;
    v[PoolGeom.PadW] = a.padW;
    v[PoolGeom.DilH] = a.dilH;
    v[PoolGeom.DilW] = a.dilW;
    v[PoolGeom.CountIncludePad] = a.countIncludePad ? 1 : 0;
    v[PoolGeom.Divisor] = a.divisor;
    arena.i32.set(v, g >> 2);
    return g;
  }

  /**
   * Run a max-pool kernel over the n·c planes, split by planes across the pool from
   * `poolSplit.minElements` elements: every plane is computed by one share alone (its indices are
   * plane-relative), so the bits do not depend on the number of threads. `args(g, p0)` gives the
   * call's arguments for a share starting at plane p0 with geometry g.
   */
  function planes(fn: 'maxPool2d' | 'maxPool2dBackward', a: Pool2dArgs, elements: number, args: (g: number, p0: number) => number[]): void {
    const total = a.n * a.c;
    const pool = gemm.pool;
    const call = (x: readonly number[]) => arena.exports[fn](x[0]!, x[1]!, x[2]!, x[3]!);
    const T = pool && elements >= poolSplit.minElements ? Math.min(pool.size, total) : 1;
    if (T === 1) return call(args(poolGeom(a), 0));
    const per = Math.ceil(total / T);
    const parts: number[][] = [];
    for (let p0 = 0; p0 < total; p0 += per) parts.push(args(poolGeom({ ...a, n: Math.min(per, total - p0), c: 1 }), p0));
    pool!.run(fn, parts, call);
  }

  /**
   * Whether a stride-1 3×3 convolution (or, with `grad`, its input gradient, itself such a
   * convolution with padding 2 − p) runs Winograd F(2×2, 3×3); see `winogradConv`.
   */
  function useWinograd(a: Conv2dArgs, grad: boolean): boolean {
    if (!winogradConv.enabled || a.kh !== 3 || a.kw !== 3 || a.groups !== 1) return false;
    if (a.strideH !== 1 || a.strideW !== 1 || a.dilH !== 1 || a.dilW !== 1) return false;
    if (grad && (a.padH > 2 || a.padW > 2)) return false;
    const [cIn, cOut] = grad ? [a.cOut, a.cIn] : [a.cIn, a.cOut];
    const [oh, ow] = grad ? [a.h, a.w] : [a.oh, a.ow];
    const tiles = a.n * ((oh + 1) >> 1) * ((ow + 1) >> 1);
    return cIn >= 4 && cOut >= winogradConv.minChannels && tiles >= winogradConv.minTiles;
  }

  /** U per weight storage, keyed by use: see `winogradCache`. */
  const uCache = new WeakMap<Storage, Map<string, { sum: Int32Array; u: Float32Array | null }>>();

  /**
   * Winograd F(4×4, 3×3) or F(2×2, 3×3) (by the output's size: `winogradConv.f4MinSide`) for conv2d
   * (input x, weight w) or, with `grad`, its input gradient (p = gy,
   * computed as the convolution of gy with w flipped and transposed, padding 2 − p): the filter
   * transform split by output channels, then the tile rows split across the pool. Each output element
   * is computed by one share alone, so the bits are the same for any number of threads. The filter
   * transform is skipped when `winogradCache` holds U for these weight bytes.
   */
  function winograd(p: TypedArray, w: TypedArray, outLen: number, a: Conv2dArgs, grad: boolean): Float32Array | null {
    const v: Conv2dArgs = grad
      ? { ...a, cIn: a.cOut, cOut: a.cIn, h: a.oh, w: a.ow, oh: a.h, ow: a.w, padH: 2 - a.padH, padW: 2 - a.padW, bias: null }
      : a;
    arena.reset();
    const g = convGeom(v, false);
    // F(4×4, 3×3) (tiles of 4) or F(2×2, 3×3) (tiles of 2), chosen by the shape alone
    const f4 = Math.min(v.oh, v.ow) >= winogradConv.f4MinSide;
    const e = arena.exports;
    const fn = f4
      ? ({
          filterBytes: e.winograd4FilterBytes,
          workBytes: e.winograd4WorkBytes,
          filter: 'winograd4Filter',
          tiles: 'winograd4Tiles',
        } as const)
      : ({ filterBytes: e.winogradFilterBytes, workBytes: e.winogradWorkBytes, filter: 'winogradFilter', tiles: 'winogradTiles' } as const);
    const side = f4 ? 4 : 2;
    const uBytes = fn.filterBytes(g);
    const workBytes = fn.workBytes(g);
    const scratchBytes = gemm.scratchFor(1, 1, 1);
    const rows = v.n * Math.ceil(v.oh / side);
    const pool = gemm.pool;
    // a product of the direct sizes (the work Winograd saves scales with it)
    const big = pool !== null && v.n * v.cOut * v.oh * v.ow * v.cIn * 9 >= gemm.parallelMinMacs;
    const T = big ? Math.min(pool.size, rows) : 1;
    const bias = !grad && a.bias ? a.bias : null;
    if (
      !arena.fits(
        (p.length + w.length + outLen + (bias ? bias.length : 0)) * 4 +
          uBytes +
          T * (workBytes + scratchBytes + 256) +
          128 * (pool?.size ?? 1) +
          1024,
      )
    )
      return null;
    const pp = arena.refF32(p, 0, p.length);
    const ww = arena.refF32(w, 0, w.length);
    arena.i32[(g >> 2) + ConvGeom.Bias] = bias ? arena.refF32(bias, 0, a.cOut) : 0;
    const flip = grad ? 1 : 0;
    // the cache (see winogradCache): the weight's fingerprint, and U when it is kept for these bytes
    const cacheable = winogradCache.enabled && arena.shared && rows * Math.ceil(v.ow / side) < winogradCache.maxTiles;
    const weight = cacheable ? findStorage(w) : undefined;
    let entry: { sum: Int32Array; u: Float32Array | null } | undefined;
    let u = -1;
    let seenBefore = false;
    if (weight !== undefined) {
      // one fingerprint per share of the weight (the split depends only on the pool's size)
      const shares = pool !== null && w.length >= 1 << 18 ? pool.size : 1;
      const per = Math.ceil(w.length / shares / 16) * 16;
      const at = arena.alloc(128 * shares);
      const sumParts: number[][] = [];
      for (let i = 0, f0 = 0; f0 < w.length; i++, f0 += per) sumParts.push([ww + 4 * f0, Math.min(per, w.length - f0), at + 128 * i]);
      if (sumParts.length === 1) e.checksumF32(ww, w.length, at);
      else pool!.run('checksumF32', sumParts, (x) => e.checksumF32(x[0]!, x[1]!, x[2]!));
      const sum = arena.i32.slice(at >> 2, (at >> 2) + 32 * sumParts.length);
      winogradCache.fingerprints++;
      const key = `${side}:${flip}:${v.cOut}:${v.cIn}`;
      let uses = uCache.get(weight);
      if (uses === undefined) uCache.set(weight, (uses = new Map()));
      entry = uses.get(key);
      if (entry === undefined) uses.set(key, (entry = { sum, u: null }));
      else if (sameWords(entry.sum, sum)) seenBefore = true;
      else {
        if (entry.u !== null) freeTemp(entry.u);
        entry.sum = sum;
        entry.u = null;
      }
      if (seenBefore && entry.u !== null) {
        u = arena.refF32(entry.u, 0, entry.u.length);
        winogradCache.hits++;
      }
    }
    const out = arena.alloc(outLen * 4);
    if (u < 0) {
      u = arena.alloc(uBytes);
      if (T === 1) e[fn.filter](g, ww, u, 0, v.cOut, flip);
      else {
        const filterParts: number[][] = [];
        const perCo = Math.ceil(v.cOut / T);
        for (let c0 = 0; c0 < v.cOut; c0 += perCo) filterParts.push([g, ww, u, c0, Math.min(v.cOut, c0 + perCo), flip]);
        pool!.run(fn.filter, filterParts, (x) => e[fn.filter](x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, x[5]!));
      }
      if (seenBefore && entry !== undefined) {
        // the same bytes a second time: keep U (a copy of exactly what was just written)
        const kept = arena.residentF32(uBytes >> 2, true);
        if (kept !== null) {
          const at = arena.refF32(kept, 0, kept.length);
          arena.f32.copyWithin(at >> 2, u >> 2, (u + uBytes) >> 2);
          entry.u = kept;
          winogradCache.kept++;
        }
      }
    }
    if (T === 1) {
      e[fn.tiles](g, pp, u, out, arena.alloc(workBytes), arena.alloc(scratchBytes), 0, rows);
      return arena.takeF32(out, outLen);
    }
    // shares of whole tile rows
    const parts: number[][] = [];
    const per = Math.ceil(rows / T);
    for (let r0 = 0; r0 < rows; r0 += per) {
      parts.push([g, pp, u, out, arena.alloc(workBytes), arena.alloc(scratchBytes), r0, Math.min(rows, r0 + per)]);
    }
    pool!.run(fn.tiles, parts, (x) => e[fn.tiles](x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, x[5]!, x[6]!, x[7]!));
    return arena.takeF32(out, outLen);
  }

  /**
   * Winograd F(2×2, 3×3) weight gradient of a stride-1 3×3 convolution (assembly/winograd.ts,
   * `winogradGradWeight`): partial sums over a fixed number of runs of tile rows (set by the shape,
   * `winogradGradParts`), shared out across the pool, then added in order and transformed into dw,
   * split by output channels. The partition never depends on the pool, so the bits are the same for
   * any number of threads, and each thread transforms only its own tiles of x and dy.
   */
  function winogradWeight(x: TypedArray, gy: TypedArray, a: Conv2dArgs): Float32Array | null {
    const outLen = a.cOut * a.cIn * 9;
    arena.reset();
    const g = convGeom({ ...a, bias: null }, false);
    const e = arena.exports;
    const nParts = e.winogradGradParts(g);
    const zBytes = e.winogradGradBytes(g);
    const workBytes = e.winogradWorkBytes(g);
    const scratchBytes = gemm.scratchFor(1, 1, 1);
    const pool = gemm.pool;
    const big = pool !== null && a.n * a.cOut * a.oh * a.ow * a.cIn * 9 >= gemm.parallelMinMacs;
    const T = big ? Math.min(pool.size, nParts) : 1;
    if (!arena.fits((x.length + gy.length + outLen) * 4 + nParts * zBytes + T * (workBytes + scratchBytes + 256) + 1024)) return null;
    const xx = arena.refF32(x, 0, x.length);
    const dy = arena.refF32(gy, 0, gy.length);
    const z = arena.alloc(nParts * zBytes);
    const out = arena.alloc(outLen * 4);
    if (T === 1) {
      e.winogradGradWeight(g, xx, dy, z, arena.alloc(workBytes), arena.alloc(scratchBytes), 0, nParts);
      e.winogradGradWeightFinish(g, z, out, 0, a.cOut);
      return arena.takeF32(out, outLen);
    }
    const parts: number[][] = [];
    const per = Math.ceil(nParts / T);
    for (let p0 = 0; p0 < nParts; p0 += per)
      parts.push([g, xx, dy, z, arena.alloc(workBytes), arena.alloc(scratchBytes), p0, Math.min(nParts, p0 + per)]);
    pool!.run('winogradGradWeight', parts, (p) => e.winogradGradWeight(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!, p[7]!));
    parts.length = 0;
    const coPer = Math.ceil(a.cOut / T);
    for (let c0 = 0; c0 < a.cOut; c0 += coPer) parts.push([g, z, out, c0, Math.min(a.cOut, c0 + coPer)]);
    pool!.run('winogradGradWeightFinish', parts, (p) => e.winogradGradWeightFinish(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!));
    return arena.takeF32(out, outLen);
  }

  type ConvFn = 'conv2dForward' | 'conv2dBackwardInput' | 'conv2dBackwardWeight';
  /**
   * Lay out geometry, two inputs, output, columns and GEMM scratch; run `fn`; copy the output out.
   * Large layers are split over the pool: the forward pass and the input gradient by images (each
   * image's output is computed wholly by one thread), the weight gradient by columns of dW (each
   * element is still the sum over all images, in order, by one thread). No partial sums are ever
   * combined, so the result is the same bits for any number of threads and any thread timing.
   */
  function conv(fn: ConvFn, p: TypedArray, q: TypedArray, outLen: number, a: Conv2dArgs): Float32Array | null {
    const K = (a.cIn / a.groups) * a.kh * a.kw;
    const P = a.oh * a.ow;
    const direct = fn !== 'conv2dBackwardInput' && directConv(a);
    arena.reset();
    // the buffer sizes are the kernels' own formulas (convColsBytes, convScratchBytes: per thread)
    const g = convGeom(a, direct);
    const colsBytes = arena.exports.convColsBytes(g);
    const scratchBytes = Math.max(gemm.scratchFor(1, 1, 1), arena.exports.convScratchBytes(g));
    const pool = gemm.pool;
    const macs = a.n * a.cOut * P * K;
    const big = pool !== null && macs >= gemm.parallelMinMacs;
    const weight = fn === 'conv2dBackwardWeight';
    // weight gradient: shares of ≥ 8 columns (the micro-kernel's width), or for the direct kernel (few
    // taps, each summed in its own accumulator) shares of taps; otherwise whole images
    // one image (batch-1 inference): its column rows, then its output columns across the pool (or, for
    // outputs of fewer than 64 positions, its output channels, when there are ≥ 16: the GEMM's packed
    // path then serves the whole layer as well as each share)
    const byRows = P < 64 && a.cOut >= 16;
    const oneImage = big && !weight && !direct && fn === 'conv2dForward' && a.n === 1 && a.groups === 1 && (P >= 64 || byRows);
    const T = !big
      ? 1
      : weight
        ? Math.min(pool.size, direct ? K : Math.ceil(K / 8))
        : a.n > 1
          ? Math.min(pool.size, a.n)
          : oneImage
            ? pool.size
            : 1;
    const bias = fn === 'conv2dForward' && a.bias ? a.bias : null;
    if (!arena.fits((p.length + q.length + outLen + (bias ? bias.length : 0)) * 4 + T * (colsBytes + scratchBytes + 256) + 1024))
      return null;
    const pp = arena.refF32(p, 0, p.length);
    const qq = arena.refF32(q, 0, q.length);
    const bb = bias ? arena.refF32(bias, 0, a.cOut) : 0;
    const out = arena.alloc(outLen * 4);
    arena.i32[(g >> 2) + ConvGeom.Bias] = bb;
    if (T === 1) {
      const cols = arena.alloc(colsBytes);
      const s = arena.alloc(scratchBytes);
      if (weight) arena.exports.conv2dBackwardWeight(g, pp, qq, out, cols, s, 0, K);
      else arena.exports[fn](g, pp, qq, out, cols, s);
      return arena.takeF32(out, outLen);
    }
    const parts: number[][] = [];
    if (oneImage) {
      const cols = arena.alloc(colsBytes);
      const part = (x: readonly number[]) => arena.exports.conv2dForwardPart(x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, x[5]!, x[6]!, x[7]!, x[8]!);
      if (colsBytes > 0) {
        const rowsPer = Math.ceil(K / T);
        for (let k0 = 0; k0 < K; k0 += rowsPer) parts.push([g, pp, qq, out, cols, 0, 0, k0, Math.min(K, k0 + rowsPer)]);
        pool!.run('conv2dForwardPart', parts, part);
        parts.length = 0;
      }
      // shares of whole 8-column panels
      if (byRows) {
        // shares of output channels, multiples of 8
        const rowsPer = Math.ceil(a.cOut / T / 8) * 8;
        for (let c0 = 0; c0 < a.cOut; c0 += rowsPer)
          parts.push([g, pp, qq, out, cols, arena.alloc(scratchBytes), 2, c0, Math.min(a.cOut, c0 + rowsPer)]);
      } else {
        const colsPer = Math.ceil(P / T / 8) * 8;
        for (let j0 = 0; j0 < P; j0 += colsPer)
          parts.push([g, pp, qq, out, cols, arena.alloc(scratchBytes), 1, j0, Math.min(P, j0 + colsPer)]);
      }
      pool!.run('conv2dForwardPart', parts, part);
      return arena.takeF32(out, outLen);
    }
    if (weight) {
      const pointwise = colsBytes === 0;
      // a 9-tap layer (LeNet's and the cnn's first) in shares of 5 and 4 taps, not 8 and 1
      const chunk = direct ? Math.ceil(K / T) : Math.ceil(K / T / 8) * 8;
      for (let k0 = 0; k0 < K; k0 += chunk) {
        const k1 = Math.min(K, k0 + chunk);
        const cols = arena.alloc(direct ? colsBytes : pointwise ? 0 : (k1 - k0) * P * 4);
        const s = arena.alloc(scratchBytes);
        parts.push([g, pp, qq, out, cols, s, k0, k1]);
      }
      const call = (x: readonly number[]) => arena.exports.conv2dBackwardWeight(x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, x[5]!, x[6]!, x[7]!);
      pool!.run(fn, parts, call);
      return arena.takeF32(out, outLen);
    }
    // per image: x [cIn·h·w], y [cOut·oh·ow]
    const xImg = a.cIn * a.h * a.w * 4;
    const yImg = a.cOut * P * 4;
    const per = Math.ceil(a.n / T);
    for (let b0 = 0; b0 < a.n; b0 += per) {
      const nb = Math.min(per, a.n - b0);
      const gb = convGeom({ ...a, n: nb }, direct, bb);
      const cols = arena.alloc(colsBytes);
      const s = arena.alloc(scratchBytes);
      if (fn === 'conv2dForward') parts.push([gb, pp + b0 * xImg, qq, out + b0 * yImg, cols, s]);
      else parts.push([gb, pp + b0 * yImg, qq, out + b0 * xImg, cols, s]);
    }
    const call = (x: readonly number[]) => arena.exports[fn as 'conv2dForward'](x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, x[5]!);
    pool!.run(fn, parts, call);
    return arena.takeF32(out, outLen);
  }

  const ew = createElementwise(arena, gemm);
  const opt = createOptim(arena, gemm);
  return {
    ...createNorm(arena, gemm),
    adamUpdate: opt.adamUpdate,
    sgdUpdate: opt.sgdUpdate,
    unary: ew.unary,
    binary: ew.binary,
    reduce: ew.reduce,
    softmaxCrossEntropy: ew.softmaxCrossEntropy,
    matmul,
    conv2d(x, w, a, outDType) {
      if (outDType === 'float32' && isF32(x, w) && (!a.bias || isF32(a.bias))) {
        // a Winograd layer whose transformed filters do not fit the memory takes im2col + GEMM
        const r =
          (useWinograd(a, false) ? winograd(x, w, a.n * a.cOut * a.oh * a.ow, a, false) : null) ??
          conv('conv2dForward', x, w, a.n * a.cOut * a.oh * a.ow, a);
        if (r) return r;
      }
      return jsKernels.conv2d(x, w, a, outDType);
    },
    conv2dGradInput(gy, w, a, outDType) {
      if (outDType === 'float32' && isF32(gy, w)) {
        const r =
          (useWinograd(a, true) ? winograd(gy, w, a.n * a.cIn * a.h * a.w, a, true) : null) ??
          conv('conv2dBackwardInput', gy, w, a.n * a.cIn * a.h * a.w, a);
        if (r) return r;
      }
      return jsKernels.conv2dGradInput(gy, w, a, outDType);
    },
    conv2dGradWeight(x, gy, a, outDType) {
      if (outDType === 'float32' && isF32(x, gy)) {
        const r =
          (useWinograd(a, false) ? winogradWeight(x, gy, a) : null) ??
          conv('conv2dBackwardWeight', x, gy, a.cOut * (a.cIn / a.groups) * a.kh * a.kw, a);
        if (r) return r;
      }
      return jsKernels.conv2dGradWeight(x, gy, a, outDType);
    },
    maxPool2d(x, a, outDType, indices = true) {
      const outLen = a.n * a.c * a.oh * a.ow;
      arena.reset();
      if (outDType !== 'float32' || !isF32(x) || !arena.fits((x.length + 2 * outLen) * 4 + 8192))
        return jsKernels.maxPool2d(x, a, outDType);
      const xp = arena.refF32(x, 0, x.length);
      const y = arena.alloc(outLen * 4);
      // idx 0: the kernel writes the values alone
      const idx = indices ? arena.alloc(outLen * 4) : 0;
      const [hw, ohw] = [4 * a.h * a.w, 4 * a.oh * a.ow];
      planes('maxPool2d', a, x.length, (g, p0) => [g, xp + p0 * hw, y + p0 * ohw, indices ? idx + p0 * ohw : 0]);
      return { out: arena.takeF32(y, outLen), indices: indices ? arena.i32.slice(idx >> 2, (idx >> 2) + outLen) : null };
    },
    maxPool2dGrad(gy, indices, a, outDType) {
      const inLen = a.n * a.c * a.h * a.w;
      arena.reset();
      if (outDType !== 'float32' || !isF32(gy) || !arena.fits((2 * gy.length + inLen) * 4 + 8192))
        return jsKernels.maxPool2dGrad(gy, indices, a, outDType);
      const gp = arena.refF32(gy, 0, gy.length);
      const ip = arena.alloc(indices.length * 4);
      arena.i32.set(indices, ip >> 2);
      const dx = arena.alloc(inLen * 4);
      const [hw, ohw] = [4 * a.h * a.w, 4 * a.oh * a.ow];
      planes('maxPool2dBackward', a, inLen, (g, p0) => [g, gp + p0 * ohw, ip + p0 * ohw, dx + p0 * hw]);
      return arena.takeF32(dx, inLen);
    },
    avgPool2d(x, a, outDType) {
      const outLen = a.n * a.c * a.oh * a.ow;
      arena.reset();
      if (outDType !== 'float32' || !isF32(x) || !arena.fits((x.length + outLen) * 4 + 512)) return jsKernels.avgPool2d(x, a, outDType);
      const g = poolGeom(a);
      const xp = arena.refF32(x, 0, x.length);
      const y = arena.alloc(outLen * 4);
      arena.exports.avgPool2d(g, xp, y, 0);
      return arena.takeF32(y, outLen);
    },
    avgPool2dGrad(gy, a, outDType) {
      const inLen = a.n * a.c * a.h * a.w;
      arena.reset();
      if (outDType !== 'float32' || !isF32(gy) || !arena.fits((gy.length + inLen) * 4 + 512))
        return jsKernels.avgPool2dGrad(gy, a, outDType);
      const g = poolGeom(a);
      const gp = arena.refF32(gy, 0, gy.length);
      const dx = arena.alloc(inLen * 4);
      arena.exports.avgPool2d(g, gp, dx, 1);
      return arena.takeF32(dx, inLen);
    },
  };
}

/** Whether two fingerprints are the same words. */
function sameWords(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
