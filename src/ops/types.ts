/**
 * The shape of an op-table entry. One entry per primitive holds, together:
 * - `infer`: validate inputs and attributes (ranks, dtypes, broadcasting) and give the output shape/dtype;
 * - `forward`: call the kernel(s) on the inputs' storage and return the raw result (or a view);
 * - `backward`: the gradient rule, written with public tensor ops — or `null` for ops that are not
 *   differentiable (comparisons, argmax, integer outputs). The field is required, so forgetting a
 *   gradient is a compile error.
 *
 * `ops/` sees `Tensor` as a type only; backward rules use tensor methods and `ctx.run` (apply any op
 * by name), which the tensor layer provides.
 */
import type { DType, TypedArray } from '../core/dtype.js';
import type { BinaryOp, UnaryOp, View } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';

export interface OutSpec {
  shape: number[];
  dtype: DType;
}

/** What a forward returns: fresh contiguous storage, or a view (strides/offset) onto an input's storage. */
export interface Raw {
  data: TypedArray;
  strides?: number[];
  offset?: number;
  /** Anything the backward needs that is not a tensor (e.g. max-pool argmax indices). */
  saved?: unknown;
}

export interface GradCtx<A, I = Inputs> {
  inputs: I;
  output: Tensor;
  attrs: A;
  saved: unknown;
  /** Apply any op of the table by name (differentiable when its entry is). */
  run<K extends OpName>(name: K, inputs: OpInputs[K], attrs: OpAttrs[K]): Tensor;
  /**
   * Grad mode while this rule runs: true inside `backward({ createGraph: true })`, where `run` records
   * and a rule that uses a fused, non-differentiable kernel must write its gradient with ops instead.
   */
  readonly gradEnabled: boolean;
}

/** The tensor inputs of a primitive, as a tuple (see {@link OpInputs}). */
export type Inputs = readonly Tensor[];

export interface OpDef<A, I = Inputs> {
  infer(inputs: I, attrs: A): OutSpec;
  /** `recording`: a graph node will hold this op (its backward may run), so keep what it needs. */
  forward(inputs: I, attrs: A, out: OutSpec, recording: boolean): Raw;
  /** Gradients for each input (null where the input takes none), given the output's gradient `g`. */
  backward: ((g: Tensor, ctx: GradCtx<A, I>) => (Tensor | null)[]) | null;
}

/** The table entry of the primitive `K`: its attributes and its input tuple. */
export type OpRule<K extends OpName> = OpDef<OpAttrs[K], OpInputs[K]>;

/** The strided view of a tensor's storage, as kernels read it. */
export function view(t: Tensor): View {
  return { data: t.storage, offset: t.offset, strides: t.strides };
}

// ---- attributes of every primitive (the table's index) ----
type NoAttrs = Record<string, never>;
export interface OpAttrs {
  // elementwise unary (elementwise.ts)
  neg: NoAttrs;
  abs: NoAttrs;
  exp: NoAttrs;
  log: NoAttrs;
  sqrt: NoAttrs;
  rsqrt: NoAttrs;
  sin: NoAttrs;
  cos: NoAttrs;
  tanh: NoAttrs;
  sigmoid: NoAttrs;
  relu: NoAttrs;
  sign: NoAttrs;
  square: NoAttrs;
  reciprocal: NoAttrs;
  erf: NoAttrs;
  log1p: NoAttrs;
  expm1: NoAttrs;
  floor: NoAttrs;
  ceil: NoAttrs;
  round: NoAttrs;
  gelu: NoAttrs;
  geluGrad: NoAttrs;
  logicalNot: NoAttrs;
  isnan: NoAttrs;
  isinf: NoAttrs;
  powScalar: { exponent: number };
  clamp: { min: number | null; max: number | null };
  leakyRelu: { slope: number };
  elu: { alpha: number };
  softplus: { beta: number; threshold: number };
  // binary
  add: NoAttrs;
  sub: NoAttrs;
  mul: NoAttrs;
  div: NoAttrs;
  pow: NoAttrs;
  maximum: NoAttrs;
  reluGrad: NoAttrs;
  minimum: NoAttrs;
  eq: NoAttrs;
  ne: NoAttrs;
  lt: NoAttrs;
  le: NoAttrs;
  gt: NoAttrs;
  ge: NoAttrs;
  logicalAnd: NoAttrs;
  logicalOr: NoAttrs;
  logicalXor: NoAttrs;
  where: NoAttrs;
  cast: { dtype: DType };
  // reductions (reduce.ts)
  sum: { dims: number[]; keepdim: boolean };
  /** `nanShare`: `max()`/`min()` of a whole tensor, whose gradient goes to the NaNs when the result is NaN. */
  amax: { dims: number[]; keepdim: boolean; nanShare?: boolean };
  amin: { dims: number[]; keepdim: boolean; nanShare?: boolean };
  prod: { dim: number; keepdim: boolean };
  prodGrad: { dim: number };
  argmax: { dim: number | null; keepdim: boolean };
  argmin: { dim: number | null; keepdim: boolean };
  // movement (movement.ts)
  reshape: { shape: number[] };
  permute: { dims: number[] };
  expand: { shape: number[] };
  slice: { dim: number; start: number; end: number; step: number };
  contiguous: NoAttrs;
  pad: { pads: number[]; value: number };
  cat: { dim: number };
  // indexing (indexing.ts)
  gather: { dim: number };
  scatterAdd: { dim: number };
  indexSelect: { dim: number };
  indexAdd: { dim: number; size: number };
  // selection, sorting, scans, rounding arithmetic (select.ts)
  putFlat: NoAttrs;
  argsort: { dim: number; descending: boolean };
  cumsum: { dim: number };
  cumprod: { dim: number };
  cumprodGrad: { dim: number };
  cumExtremeIndex: { dim: number; max: boolean };
  remainder: NoAttrs;
  fmod: NoAttrs;
  divRounding: { mode: 'trunc' | 'floor' };
  scatterReduce: { dim: number; reduce: 'sum' | 'mean' | 'amax' | 'amin' | 'prod'; includeSelf: boolean };
  // fused softmax cross-entropy (loss.ts)
  softmaxCrossEntropy: NoAttrs;
  softmaxCrossEntropyGrad: { probs: TypedArray; classes: number };
  // fused batch normalisation (norm.ts)
  batchNormStats: NoAttrs;
  /** `relu`: relu(batchNorm(x)) in one pass (the ONNX importer fuses BatchNormalization → Relu in eval mode). */
  batchNorm: { eps: number; training: boolean; relu?: boolean };
  batchNormGradSums: { eps: number };
  batchNormGradInput: { eps: number };
  // matmul / conv / pool (linalg.ts)
  bmm: NoAttrs;
  // y = x Wᵀ (+ b): x [m, k], W [n, k], b [n]; one kernel call (linalg.ts)
  linear: NoAttrs;
  conv2d: ConvAttrs;
  conv2dGradInput: ConvAttrs & { inputShape: number[] };
  conv2dGradWeight: ConvAttrs & { weightShape: number[] };
  convTranspose2d: ConvAttrs & { outputPadding: [number, number] };
  maxPool2d: PoolAttrs;
  maxPool2dGrad: PoolAttrs & { inputShape: number[]; indices: Int32Array };
  avgPool2d: PoolAttrs & { countIncludePad: boolean; divisorOverride: number | null };
  avgPool2dGrad: PoolAttrs & { countIncludePad: boolean; divisorOverride: number | null; inputShape: number[] };
}
export type OpName = keyof OpAttrs;

export interface ConvAttrs {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

export interface PoolAttrs {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
}

type X1 = readonly [x: Tensor];
type X2 = readonly [a: Tensor, b: Tensor];
/** An input, a weight and an optional bias (a tuple of two or three: every entry is a tensor). */
type WithBias = readonly [x: Tensor, weight: Tensor] | readonly [x: Tensor, weight: Tensor, bias: Tensor];
/** The elementwise one-input primitives: one per kernel op (`copy` is none; the kernel's `not` is `logicalNot`). */
export type UnaryName = Exclude<UnaryOp, 'copy' | 'not'> | 'logicalNot';
/** The elementwise two-input primitives with broadcasting: one per kernel op but `atan2`; `and`/`or`/`xor` are `logical*`. */
export type BinaryName = Exclude<BinaryOp, 'atan2' | 'and' | 'or' | 'xor'> | 'logicalAnd' | 'logicalOr' | 'logicalXor';

/**
 * The tensor inputs of every primitive, as a tuple: rules destructure `([x, w, b])` and get `Tensor`
 * (or `Tensor | undefined` for an optional input) without assertions, and `apply`/`ctx.run` callers
 * are checked for the count. Exhaustive like `OpAttrs`: the table's type indexes both.
 */
export interface OpInputs extends Record<UnaryName | 'cast', X1>, Record<BinaryName | 'remainder' | 'fmod' | 'divRounding' | 'bmm', X2> {
  where: readonly [cond: Tensor, a: Tensor, b: Tensor];
  sum: X1;
  amax: X1;
  amin: X1;
  prod: X1;
  prodGrad: X1;
  argmax: X1;
  argmin: X1;
  reshape: X1;
  permute: X1;
  expand: X1;
  slice: X1;
  contiguous: X1;
  pad: X1;
  cat: Inputs;
  gather: readonly [x: Tensor, index: Tensor];
  scatterAdd: readonly [x: Tensor, index: Tensor, src: Tensor];
  indexSelect: readonly [x: Tensor, index: Tensor];
  indexAdd: readonly [src: Tensor, index: Tensor];
  putFlat: readonly [base: Tensor, index: Tensor, values: Tensor];
  argsort: X1;
  cumsum: X1;
  cumprod: X1;
  cumprodGrad: readonly [x: Tensor, y: Tensor, g: Tensor];
  cumExtremeIndex: X1;
  scatterReduce: readonly [x: Tensor, index: Tensor, src: Tensor];
  softmaxCrossEntropy: readonly [logits: Tensor, target: Tensor, weight: Tensor];
  softmaxCrossEntropyGrad: readonly [g: Tensor, target: Tensor, weight: Tensor];
  batchNormStats: X1;
  batchNorm: readonly [x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor, vari: Tensor];
  batchNormGradSums: readonly [g: Tensor, x: Tensor, mean: Tensor, vari: Tensor];
  batchNormGradInput:
    | readonly [g: Tensor, x: Tensor, mean: Tensor, vari: Tensor, weight: Tensor]
    | readonly [g: Tensor, x: Tensor, mean: Tensor, vari: Tensor, weight: Tensor, sums: Tensor];
  linear: WithBias;
  conv2d: WithBias;
  conv2dGradInput: readonly [gy: Tensor, weight: Tensor];
  conv2dGradWeight: readonly [x: Tensor, gy: Tensor];
  convTranspose2d: readonly [x: Tensor, weight: Tensor];
  maxPool2d: X1;
  maxPool2dGrad: X1;
  avgPool2d: X1;
  avgPool2dGrad: X1;
}

export type OpTable = { [K in OpName]: OpRule<K> };
