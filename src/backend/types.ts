/**
 * The Backend interface: the kernel table every backend implements (the js backend fully, faster
 * backends partly — the dispatcher falls back to js per kernel).
 *
 * Kernels are dumb: shapes and dtypes were validated by the op's `infer()`; a kernel reads its
 * inputs (possibly strided/broadcast views) and writes a freshly allocated contiguous output.
 */
import type { Device } from './storage.js';
import type { DType, TypedArray } from '../core/dtype.js';

/** A read-only strided window onto a typed array. */
export interface View {
  data: TypedArray;
  offset: number;
  /** Element strides, one per dimension of the shape the kernel is told about (0 = broadcast). */
  strides: readonly number[];
}

/** Elementwise one-input operations a backend implements (PyTorch's names, camelCase). */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'sign'
  | 'square'
  | 'reciprocal'
  | 'erf'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'log1p'
  | 'expm1'
  | 'not'
  | 'isnan'
  | 'isinf'
  // parameterised: p0, p1
  | 'powScalar' // x ** p0
  | 'clamp' // min(max(x, p0), p1) (NaN bounds mean "none")
  | 'leakyRelu' // x > 0 ? x : p0 * x
  | 'elu' // x > 0 ? x : p0 * (exp(x) - 1)
  | 'softplus' // beta = p0, threshold = p1: x*beta > threshold ? x : log1p(exp(beta*x)) / beta
  | 'gelu' // x * Φ(x) with erf
  | 'geluGrad' // Φ(x) + x φ(x)
  | 'copy'; // identity (used for strided copies and casts)

/** Elementwise two-input operations a backend implements (inputs broadcast as strided views). */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'atan2'
  | 'reluGrad'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'and'
  | 'or'
  | 'xor';

/** Reductions over one axis a backend implements. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
/** The rounding divisions: Python's remainder (sign of b), C's fmod (sign of a), a / b rounded down or toward zero. */
export type RoundingDivOp = 'remainder' | 'fmod' | 'floorDiv' | 'truncDiv';
/** The reductions of scatterReduce. */
export type ScatterReduceOp = 'sum' | 'mean' | 'amax' | 'amin' | 'prod';
/** Index-of-extremum reductions a backend implements. */
export type ArgReduceOp = 'argmax' | 'argmin';

/** Arguments of the `matmul` kernel: batched [m, k]·[k, n] with optional transposes and broadcast batch strides. */
export interface MatmulArgs {
  /** a: [batch, m, k] (or [batch, k, m] when transA), contiguous per batch with batch stride strideA (0 = broadcast). */
  a: View;
  b: View;
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  strideA: number;
  strideB: number;
  /**
   * Optional [n] row (contiguous, the output's dtype) added to every row of the product afterwards —
   * each element rounded once more, exactly as a separate broadcast add would (the fused Linear).
   */
  bias?: TypedArray | null;
}

/** The geometry a 2-D window kernel (conv, pooling) slides over: batch, input and output size, window, stride, padding, dilation. */
export interface Window2d {
  n: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilH: number;
  dilW: number;
}

/** Arguments of the conv2d kernels: sizes, stride, padding, dilation, groups (NCHW input, [cOut, cIn/groups, kH, kW] weight). */
export interface Conv2dArgs extends Window2d {
  cIn: number;
  cOut: number;
  groups: number;
  /**
   * conv2d only: bias [cOut], added to each output after its whole sum (rounded as a separate add
   * would round it, so the bits equal conv2d followed by add). Absent or null: none.
   */
  bias?: TypedArray | null;
}

/** Arguments of the pooling kernels: input [n, c, h, w], window, stride and padding. */
export interface Pool2dArgs extends Window2d {
  c: number;
  /** avg pool: divide by the full window (true) or only the in-bounds part (false). */
  countIncludePad: boolean;
  /** avg pool: explicit divisor, or 0 for none. */
  divisor: number;
}

/** Adam/AdamW hyper-parameters for the fused update (optim's `AdamHyper` is this type). */
export interface AdamUpdateArgs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  decoupled: boolean;
}

/** Adagrad hyper-parameters for the fused update (optim's `AdagradOptions` adds the accumulator's start). */
export interface AdagradUpdateArgs {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay η (default 0). */
  lrDecay: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing. */
  maximize: boolean;
}

/** RMSprop hyper-parameters for the fused update (optim's `RMSpropOptions` is this type). */
export interface RmspropUpdateArgs {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant α (default 0.99). */
  alpha: number;
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor μ (default 0). */
  momentum: number;
  /** Normalise by the estimated variance instead of the second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing. */
  maximize: boolean;
}

/** SGD hyper-parameters for the fused update (optim's `SgdHyper` and `SGDOptions` are this type). */
export interface SgdUpdateArgs {
  /** Learning rate (required, like PyTorch 1.13). */
  lr: number;
  /** Momentum factor μ (default 0). */
  momentum: number;
  /** Dampening τ for momentum (default 0). */
  dampening: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing. */
  maximize: boolean;
}

/**
 * The kernel table. Outputs are freshly allocated contiguous typed arrays of `outDType`.
 * `shape` arguments are the (broadcast) output shape the strided inputs are read against.
 */
export interface Kernels {
  /** Elementwise `op` on the strided view `x`, read against `shape`; `p0`/`p1` carry an op's parameters (e.g. leakyRelu's slope). */
  unary(op: UnaryOp, x: View, shape: readonly number[], outDType: DType, p0?: number, p1?: number): TypedArray;
  /** Elementwise `op` of the views `a` and `b`, both read against the broadcast output `shape`. */
  binary(op: BinaryOp, a: View, b: View, shape: readonly number[], outDType: DType): TypedArray;
  /** `cond ? a : b` elementwise, all three read against the broadcast output `shape`. */
  where(cond: View, a: View, b: View, shape: readonly number[], outDType: DType): TypedArray;
  /** Reduce contiguous `x` of `shape` over one axis. */
  reduce(op: ReduceOp, x: TypedArray, shape: readonly number[], axis: number, outDType: DType): TypedArray;
  /** int32 index of the extremum over one axis of contiguous `x` (first of ties). */
  argReduce(op: ArgReduceOp, x: TypedArray, shape: readonly number[], axis: number): Int32Array;
  /** d(prod)/dx over one axis of contiguous x: product of all the other elements of each slice. */
  prodGrad(x: TypedArray, shape: readonly number[], axis: number): TypedArray;
  /** The rounding division `op` of the views `a` and `b` read against `shape` (integer division by zero: E_ZERO_DIVISION where checkable). */
  roundingDiv(op: RoundingDivOp, a: View, b: View, shape: readonly number[], outDType: DType): TypedArray;
  /** Running sum (or, with `prod`, product) along `axis` of contiguous `x` (already of `outDType`), accumulated in order. */
  scan(x: TypedArray, shape: readonly number[], axis: number, prod: boolean, outDType: DType): TypedArray;
  /** Gradient of cumprod along `axis` from contiguous input `x`, output `y` and upstream `g`; exact where x has zeros. */
  cumprodGrad(x: TypedArray, y: TypedArray, g: TypedArray, shape: readonly number[], axis: number, outDType: DType): TypedArray;
  /** int32 index of the running max (`max`) or min along `axis`; a later equal value or NaN takes over (PyTorch's cummax/cummin). */
  cumExtremeIndex(x: TypedArray, shape: readonly number[], axis: number, max: boolean): Int32Array;
  /** int32 permutation sorting each lane along `axis` stably; NaN is larger than every number (last ascending, first descending). */
  argsort(x: TypedArray, shape: readonly number[], axis: number, descending: boolean): Int32Array;
  /** 1-D `base` (of `outDType`) with `out[index[k]] = values[k]`; the last write wins for repeated indices (checked in range). */
  putFlat(base: TypedArray, index: Int32Array, values: TypedArray, outDType: DType): TypedArray;
  /**
   * out = x; then each element k of `index` (shape `indexShape`, on the CPU) reduces src into out at x's
   * position with the index replacing coordinate `dim`, in index order (`includeSelf` false: a position
   * that receives values drops x's own first). Also returns the per-position count of contributions (on the CPU).
   */
  scatterReduce(
    x: TypedArray,
    xShape: readonly number[],
    index: Int32Array,
    indexShape: readonly number[],
    src: TypedArray,
    srcShape: readonly number[],
    dim: number,
    reduce: ScatterReduceOp,
    includeSelf: boolean,
    outDType: DType,
  ): { out: TypedArray; count: Int32Array };
  /** Batched matrix product described by `args`. */
  matmul(args: MatmulArgs, outDType: DType): TypedArray;
  /** 2-D convolution (cross-correlation, as PyTorch) of `x` [n, cIn, h, w] with `w`, plus `a.bias` when given. */
  conv2d(x: TypedArray, w: TypedArray, a: Conv2dArgs, outDType: DType): TypedArray;
  /** Gradient of conv2d with respect to its input, from the output gradient `gy`. */
  conv2dGradInput(gy: TypedArray, w: TypedArray, a: Conv2dArgs, outDType: DType): TypedArray;
  /** Gradient of conv2d with respect to its weight, from the input `x` and output gradient `gy`. */
  conv2dGradWeight(x: TypedArray, gy: TypedArray, a: Conv2dArgs, outDType: DType): TypedArray;
  /**
   * Max pool; returns values and the flat (h*w) argmax index within each input plane. With `indices`
   * false (no gradient will be taken) a backend may skip the indices and return null for them.
   */
  maxPool2d(x: TypedArray, a: Pool2dArgs, outDType: DType, indices?: boolean): { out: TypedArray; indices: Int32Array | null };
  /** Gradient of max pooling: `gy` routed to the argmax `indices` of each window. */
  maxPool2dGrad(gy: TypedArray, indices: Int32Array, a: Pool2dArgs, outDType: DType): TypedArray;
  /** Average pooling. */
  avgPool2d(x: TypedArray, a: Pool2dArgs, outDType: DType): TypedArray;
  /** Gradient of average pooling: `gy` spread evenly over each window. */
  avgPool2dGrad(gy: TypedArray, a: Pool2dArgs, outDType: DType): TypedArray;
  /** out[.., i, ..] = x[.., index[.., i, ..], ..] along `axis`; x, index contiguous; out has index's shape. */
  gather(
    x: TypedArray,
    xShape: readonly number[],
    index: Int32Array,
    indexShape: readonly number[],
    axis: number,
    outDType: DType,
  ): TypedArray;
  /** out = zeros(outShape); out[.., index[.., i, ..], ..] += src[.., i, ..] along `axis`. */
  scatterAdd(
    src: TypedArray,
    index: Int32Array,
    indexShape: readonly number[],
    outShape: readonly number[],
    axis: number,
    outDType: DType,
  ): TypedArray;
  /** Select whole slices along `axis`: out shape = x shape with shape[axis] = index.length. */
  indexSelect(x: TypedArray, shape: readonly number[], axis: number, index: Int32Array, outDType: DType): TypedArray;
  /** Accumulate slices: out = zeros(outShape); out[.., index[i], ..] += src[.., i, ..]. */
  indexAdd(src: TypedArray, srcShape: readonly number[], axis: number, index: Int32Array, outSize: number, outDType: DType): TypedArray;
  /** Row-wise cross-entropy of contiguous logits x [m, c] with class indices `target` [m] and row weights [m]: loss [m] and softmax probs [m, c]. */
  softmaxCrossEntropy(
    x: TypedArray,
    m: number,
    c: number,
    target: Int32Array,
    weight: TypedArray,
    outDType: DType,
  ): { loss: TypedArray; probs: TypedArray };
  /** Its gradient w.r.t. x for upstream g [m]: g_i·w_i·(probs_ij − [j = target_i]). */
  softmaxCrossEntropyGrad(
    probs: TypedArray,
    m: number,
    c: number,
    target: Int32Array,
    weight: TypedArray,
    g: TypedArray,
    outDType: DType,
  ): TypedArray;

  /** Batch-norm statistics of contiguous x [n, c, inner] over all but the channel: [2·c] = mean…, biased variance…. */
  batchNormStats(x: TypedArray, n: number, c: number, inner: number, outDType: DType): TypedArray;
  /**
   * y = ((x − mean)·rsqrt(var + eps))·w + b per channel, rounded as the composed ops round; with `relu`,
   * relu(y) in the same pass (the same bits as the relu kernel applied to y).
   */
  batchNormForward(
    x: TypedArray,
    mean: TypedArray,
    vari: TypedArray,
    w: TypedArray,
    b: TypedArray,
    n: number,
    c: number,
    inner: number,
    eps: number,
    outDType: DType,
    relu?: boolean,
  ): TypedArray;
  /** Shape `[2·c]`: per channel Σ g·x̂ (weight gradient), then Σ g (bias gradient). */
  batchNormGradSums(
    g: TypedArray,
    x: TypedArray,
    mean: TypedArray,
    vari: TypedArray,
    n: number,
    c: number,
    inner: number,
    eps: number,
    outDType: DType,
  ): TypedArray;
  /** dx, with `sums` from batchNormGradSums when the statistics are x's own (training), null when they are constants (eval). */
  batchNormGradInput(
    g: TypedArray,
    x: TypedArray,
    mean: TypedArray,
    vari: TypedArray,
    w: TypedArray,
    sums: TypedArray | null,
    n: number,
    c: number,
    inner: number,
    eps: number,
    outDType: DType,
  ): TypedArray;

  // ---- optional fused kernels. A backend may provide them; callers keep their own reference loop
  // and use it when the kernel is absent or returns false ("not handled": e.g. a dtype it lacks).
  // Results must be bit-identical to the reference loop in src/optim/functional.ts.

  /** Adam/AdamW step `step` (1-based) on one parameter, in place; false = not handled. */
  adamUpdate?(
    p: TypedArray,
    g: ArrayLike<number>,
    expAvg: TypedArray,
    expAvgSq: TypedArray,
    maxExpAvgSq: TypedArray | null,
    step: number,
    h: AdamUpdateArgs,
  ): boolean;
  /** SGD on one parameter, in place (`buf` null without momentum; `first`: buffer uninitialised); false = not handled. */
  sgdUpdate?(p: TypedArray, g: ArrayLike<number>, buf: TypedArray | null, first: boolean, h: SgdUpdateArgs): boolean;
  /** Adagrad step `step` (1-based) on one parameter, in place (`sum`: the squared-gradient accumulator); false = not handled. */
  adagradUpdate?(p: TypedArray, g: ArrayLike<number>, sum: TypedArray, step: number, h: AdagradUpdateArgs): boolean;
  /** RMSprop on one parameter, in place (`gradAvg` only when centered, `buf` only with momentum > 0); false = not handled. */
  rmspropUpdate?(
    p: TypedArray,
    g: ArrayLike<number>,
    squareAvg: TypedArray,
    gradAvg: TypedArray | null,
    buf: TypedArray | null,
    h: RmspropUpdateArgs,
  ): boolean;
}

/** A compute backend: a named set of kernels (see `listBackends`, `init({ backend })`). Missing kernels fall back to the js backend. */
export interface Backend {
  readonly name: string;
  /** Kernels this backend implements; missing ones fall back to js. */
  readonly kernels: Partial<Kernels>;
  /** Free-form capability report (SIMD, threads…) for `info()`. */
  readonly info?: Record<string, unknown>;
  /**
   * A zeroed float32 array that the backend's kernels use in place, without copying (wasm: a view of
   * its memory, freed when collected); null when it cannot. For long-lived arrays only: parameters
   * and optimizer state.
   */
  residentF32?(n: number): Float32Array | null;
  /** Whether `a` is the data of a storage resident on this backend's device. */
  isResident?(a: ArrayLike<number>): boolean;
  /** The device memory storages live in (see src/backend/storage.ts); absent: the JS heap. */
  readonly device?: Device;
}
