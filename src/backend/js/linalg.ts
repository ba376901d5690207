/** Reference matmul, convolution and pooling kernels (contiguous NCHW, OIHW weights). */
import { allocate, type DType, type TypedArray } from '../../core/dtype.js';
import type { Conv2dArgs, MatmulArgs, Pool2dArgs } from '../types.js';

// Reusable float64 work buffers (kernels are synchronous and never re-entered), so small matmuls in a
// training loop do not allocate three arrays per call. Only the first `size` elements are meaningful.
const scratchBufs: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0)];
const SCRATCH_MAX = 1 << 16; // elements (512 KB); larger work buffers are allocated per call and freed by GC
function scratch(slot: number, size: number): Float64Array {
  if (size > SCRATCH_MAX) return new Float64Array(size);
  if (scratchBufs[slot]!.length < size)
    scratchBufs[slot] = new Float64Array(Math.min(SCRATCH_MAX, Math.max(size, 2 * scratchBufs[slot]!.length)));
  return scratchBufs[slot]!;
}

/**
 * Batched C[b] = op(A[b]) · op(B[b]). Row-major; A is [m,k] ([k,m] when transA), B is [k,n]
 * ([n,k] when transB). Both operands are first packed into row-major Float64Arrays (so the inner
 * loop is unit-stride and monomorphic); each output element is accumulated in float64 over t = 0..k-1
 * in order, then stored. Four output rows share each load of B.
 */
export function matmul(p: MatmulArgs, outDType: DType): TypedArray {
  const out = matmulNoBias(p, outDType);
  if (p.bias) addRowBias(out, p.bias, p.batch * p.m, p.n);
  return out;
}

/** out[r, j] += bias[j] for every row r (typed-array stores round like a separate add). */
export function addRowBias(out: TypedArray, bias: ArrayLike<number>, rows: number, n: number): void {
  for (let r = 0, o = 0; r < rows; r++) for (let j = 0; j < n; j++, o++) out[o] = out[o]! + bias[j]!;
}

function matmulNoBias(p: MatmulArgs, outDType: DType): TypedArray {
  const { batch, m, k, n, transA, transB } = p;
  const out = allocate(outDType, batch * m * n);
  const ad = p.a.data;
  const bd = p.b.data;
  const a64 = scratch(0, m * k);
  const b64 = scratch(1, k * n);
  const acc = scratch(2, 4 * n);
  for (let bi = 0; bi < batch; bi++) {
    const ao = p.a.offset + bi * p.strideA;
    const bo = p.b.offset + bi * p.strideB;
    if (bi === 0 || p.strideA !== 0) {
      if (transA) for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) a64[i * k + t] = ad[ao + t * m + i]!;
      else for (let i = 0; i < m * k; i++) a64[i] = ad[ao + i]!;
    }
    if (bi === 0 || p.strideB !== 0) {
      if (transB) for (let t = 0; t < k; t++) for (let j = 0; j < n; j++) b64[t * n + j] = bd[bo + j * k + t]!;
      else for (let i = 0; i < k * n; i++) b64[i] = bd[bo + i]!;
      // a zero in A times Inf/NaN in B must give NaN; the blocked loop below is exact only for finite B
      for (let i = 0; i < k * n; i++) if (b64[i]! - b64[i]! !== 0) return matmulNaive(p, outDType);
    }
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      acc.fill(0, 0, 4 * n);
      const r0 = i * k;
      for (let t = 0; t < k; t++) {
        const x0 = a64[r0 + t]!;
        const x1 = a64[r0 + k + t]!;
        const x2 = a64[r0 + 2 * k + t]!;
        const x3 = a64[r0 + 3 * k + t]!;
        const base = t * n;
        for (let j = 0; j < n; j++) {
          const bv = b64[base + j]!;
          acc[j]! += x0 * bv;
          acc[n + j]! += x1 * bv;
          acc[2 * n + j]! += x2 * bv;
          acc[3 * n + j]! += x3 * bv;
        }
      }
      const oo = (bi * m + i) * n;
      for (let j = 0; j < 4 * n; j++) out[oo + j] = acc[j]!;
    }
    for (; i < m; i++) {
      acc.fill(0, 0, n);
      for (let t = 0; t < k; t++) {
        const x = a64[i * k + t]!;
        if (x === 0) continue;
        const base = t * n;
        for (let j = 0; j < n; j++) acc[j]! += x * b64[base + j]!;
      }
      const oo = (bi * m + i) * n;
      for (let j = 0; j < n; j++) out[oo + j] = acc[j]!;
    }
  }
  return out;
}

function matmulNaive(p: MatmulArgs, outDType: DType): TypedArray {
  const { batch, m, k, n, transA, transB } = p;
  const out = allocate(outDType, batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    const ao = p.a.offset + bi * p.strideA;
    const bo = p.b.offset + bi * p.strideB;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) {
          const av = transA ? p.a.data[ao + t * m + i]! : p.a.data[ao + i * k + t]!;
          const bv = transB ? p.b.data[bo + j * k + t]! : p.b.data[bo + t * n + j]!;
          acc += av * bv;
        }
        out[(bi * m + i) * n + j] = acc;
      }
  }
  return out;
}

/**
 * The output positions o in [0, outSize) whose input position o·stride − pad + kOff lies in [0, inSize):
 * [lo, hi). Lets the inner loops run without a bounds test per element.
 */
function validRange(outSize: number, stride: number, pad: number, kOff: number, inSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - kOff) / stride));
  const hi = Math.min(outSize, Math.floor((inSize - 1 + pad - kOff) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/** Float64 copies of the operands keep the inner loops monomorphic (exact: every dtype widens to double). */
const f64 = (a: TypedArray): Float64Array => (a instanceof Float64Array ? a : Float64Array.from(a));

/**
 * y[n, co, oy, ox] = Σ_{ci in group, ky, kx} x[n, ci, oy*s - p + ky*d, ox*s - p + kx*d] · w[co, ci', ky, kx]
 * (+ bias[co], added to the sum rounded to the output dtype: the bits of conv2d then add).
 */
export function conv2d(xIn: TypedArray, wIn: TypedArray, a: Conv2dArgs, outDType: DType): TypedArray {
  const { n, cIn, h, w: W, cOut, kh, kw, oh, ow, strideH, strideW, padH, padW, dilH, dilW, groups } = a;
  const x = f64(xIn);
  const w = f64(wIn);
  const out = allocate(outDType, n * cOut * oh * ow);
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  const acc = new Float64Array(oh * ow);
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cOut; co++) {
      const g = Math.floor(co / cOutG);
      acc.fill(0);
      for (let cig = 0; cig < cInG; cig++) {
        const ci = g * cInG + cig;
        const xBase = (b * cIn + ci) * h * W;
        const wBase = (co * cInG + cig) * kh * kw;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const wv = w[wBase + ky * kw + kx]!;
            const [oy0, oy1] = validRange(oh, strideH, padH, ky * dilH, h);
            const [ox0, ox1] = validRange(ow, strideW, padW, kx * dilW, W);
            for (let oy = oy0; oy < oy1; oy++) {
              const xRow = xBase + (oy * strideH - padH + ky * dilH) * W - padW + kx * dilW;
              const aRow = oy * ow;
              for (let ox = ox0; ox < ox1; ox++) acc[aRow + ox]! += wv * x[xRow + ox * strideW]!;
            }
          }
      }
      const base = (b * cOut + co) * oh * ow;
      out.set(acc, base);
      if (a.bias) {
        const bv = a.bias[co]!;
        for (let i = base; i < base + oh * ow; i++) out[i] = out[i]! + bv;
      }
    }
  return out;
}

/** dx = conv2d's transpose applied to dy (also the forward of conv_transpose2d). */
export function conv2dGradInput(gyIn: TypedArray, wIn: TypedArray, a: Conv2dArgs, outDType: DType): TypedArray {
  const { n, cIn, h, w: W, cOut, kh, kw, oh, ow, strideH, strideW, padH, padW, dilH, dilW, groups } = a;
  const gy = f64(gyIn);
  const w = f64(wIn);
  const acc = new Float64Array(n * cIn * h * W);
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cOut; co++) {
      const g = Math.floor(co / cOutG);
      const gBase = (b * cOut + co) * oh * ow;
      for (let cig = 0; cig < cInG; cig++) {
        const ci = g * cInG + cig;
        const xBase = (b * cIn + ci) * h * W;
        const wBase = (co * cInG + cig) * kh * kw;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const wv = w[wBase + ky * kw + kx]!;
            const [oy0, oy1] = validRange(oh, strideH, padH, ky * dilH, h);
            const [ox0, ox1] = validRange(ow, strideW, padW, kx * dilW, W);
            for (let oy = oy0; oy < oy1; oy++) {
              const xRow = xBase + (oy * strideH - padH + ky * dilH) * W - padW + kx * dilW;
              const gRow = gBase + oy * ow;
              for (let ox = ox0; ox < ox1; ox++) acc[xRow + ox * strideW]! += wv * gy[gRow + ox]!;
            }
          }
      }
    }
  const out = allocate(outDType, acc.length);
  out.set(acc);
  return out;
}

export function conv2dGradWeight(xIn: TypedArray, gyIn: TypedArray, a: Conv2dArgs, outDType: DType): TypedArray {
  const { n, cIn, h, w: W, cOut, kh, kw, oh, ow, strideH, strideW, padH, padW, dilH, dilW, groups } = a;
  const x = f64(xIn);
  const gy = f64(gyIn);
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  const out = allocate(outDType, cOut * cInG * kh * kw);
  for (let co = 0; co < cOut; co++) {
    const g = Math.floor(co / cOutG);
    for (let cig = 0; cig < cInG; cig++) {
      const ci = g * cInG + cig;
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++) {
          let s = 0;
          const [oy0, oy1] = validRange(oh, strideH, padH, ky * dilH, h);
          const [ox0, ox1] = validRange(ow, strideW, padW, kx * dilW, W);
          for (let b = 0; b < n; b++) {
            const xBase = (b * cIn + ci) * h * W;
            const gBase = (b * cOut + co) * oh * ow;
            for (let oy = oy0; oy < oy1; oy++) {
              const xRow = xBase + (oy * strideH - padH + ky * dilH) * W - padW + kx * dilW;
              const gRow = gBase + oy * ow;
              for (let ox = ox0; ox < ox1; ox++) s += x[xRow + ox * strideW]! * gy[gRow + ox]!;
            }
          }
          out[((co * cInG + cig) * kh + ky) * kw + kx] = s;
        }
    }
  }
  return out;
}

export function maxPool2d(x: TypedArray, a: Pool2dArgs, outDType: DType): { out: TypedArray; indices: Int32Array } {
  const { n, c, h, w, oh, ow, kh, kw, strideH, strideW, padH, padW, dilH, dilW } = a;
  const out = allocate(outDType, n * c * oh * ow);
  const indices = new Int32Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    const xb = p * h * w;
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity;
        let bi = -1;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * strideH - padH + ky * dilH;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * strideW - padW + kx * dilW;
            if (ix < 0 || ix >= w) continue;
            const v = x[xb + iy * w + ix]!;
            if (v > best || v !== v || bi < 0) {
              best = v;
              bi = iy * w + ix;
              if (v !== v) break;
            }
          }
        }
        const o = p * oh * ow + oy * ow + ox;
        out[o] = best;
        indices[o] = bi;
      }
  }
  return { out, indices };
}

export function maxPool2dGrad(gy: TypedArray, indices: Int32Array, a: Pool2dArgs, outDType: DType): TypedArray {
  const { n, c, h, w, oh, ow } = a;
  const out = allocate(outDType, n * c * h * w);
  for (let p = 0; p < n * c; p++) {
    const xb = p * h * w;
    const ob = p * oh * ow;
    for (let o = 0; o < oh * ow; o++) out[xb + indices[ob + o]!] += gy[ob + o]!;
  }
  return out;
}

function avgWindow(a: Pool2dArgs, oy: number, ox: number): [number, number, number, number, number] {
  const { h, w, kh, kw, strideH, strideW, padH, padW } = a;
  let y0 = oy * strideH - padH;
  let x0 = ox * strideW - padW;
  let y1 = Math.min(y0 + kh, h + padH);
  let x1 = Math.min(x0 + kw, w + padW);
  const poolSize = (y1 - y0) * (x1 - x0);
  y0 = Math.max(y0, 0);
  x0 = Math.max(x0, 0);
  y1 = Math.min(y1, h);
  x1 = Math.min(x1, w);
  const div = a.divisor > 0 ? a.divisor : a.countIncludePad ? poolSize : (y1 - y0) * (x1 - x0);
  return [y0, y1, x0, x1, div];
}

export function avgPool2d(x: TypedArray, a: Pool2dArgs, outDType: DType): TypedArray {
  const { n, c, h, w, oh, ow } = a;
  const out = allocate(outDType, n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    const xb = p * h * w;
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const [y0, y1, x0, x1, div] = avgWindow(a, oy, ox);
        let s = 0;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += x[xb + iy * w + ix]!;
        out[p * oh * ow + oy * ow + ox] = s / div;
      }
  }
  return out;
}

export function avgPool2dGrad(gy: TypedArray, a: Pool2dArgs, outDType: DType): TypedArray {
  const { n, c, h, w, oh, ow } = a;
  const out = allocate(outDType, n * c * h * w);
  for (let p = 0; p < n * c; p++) {
    const xb = p * h * w;
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const [y0, y1, x0, x1, div] = avgWindow(a, oy, ox);
        const g = gy[p * oh * ow + oy * ow + ox]! / div;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) out[xb + iy * w + ix] += g;
      }
  }
  return out;
}
