/**
 * The contract between the AssemblyScript kernels (assembly/) and their host (this folder): op codes
 * and the slots of the geometry blocks. This one file is compiled twice — by tsc for the host and by
 * asc for the kernels (assembly/*.ts import it as '../src/backend/wasm/abi') — so both sides read the
 * same numbers. It must stay valid in both languages: numeric enums only, no imports, no functions.
 */

/**
 * Elementwise op codes (`elementwise(op, …)`). Binary ops with a float32 result are below
 * `Eq`, comparisons (bool, one byte per element, out) from `Eq` to below `Neg`, unary ops from `Neg`.
 */
export enum Ew {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  Maximum = 4,
  Minimum = 5,
  /** +0 where b ≤ 0, else a (ReLU's gradient, PyTorch's threshold_backward) */
  ReluGrad = 6,
  Eq = 16,
  Ne = 17,
  Lt = 18,
  Le = 19,
  Gt = 20,
  Ge = 21,
  Neg = 32,
  Abs = 33,
  Relu = 34,
  Square = 35,
  Sqrt = 36,
  Reciprocal = 37,
  Copy = 38,
  /** p0 = negative slope */
  LeakyRelu = 39,
  /** p0 = min, p1 = max */
  Clamp = 40,
  Sign = 41,
  Exp = 42,
  Log = 43,
  Tanh = 44,
  Sigmoid = 45,
  Rsqrt = 46,
  Log1p = 47,
  Expm1 = 48,
  /** p0 = alpha */
  Elu = 49,
}

/** Reduction op codes (`reduce(op, …)`). */
export enum Red {
  Sum = 0,
  Max = 1,
  Min = 2,
}

/**
 * The conv geometry block: `ConvGeom.Count` i32 at the address every conv export takes as `g`.
 * `Direct` = 1 makes conv2dForward / conv2dBackwardWeight run the direct kernels; `Bias` is the
 * address of conv2dForward's bias [cOut] (0: none).
 */
export enum ConvGeom {
  N = 0,
  CIn = 1,
  H = 2,
  W = 3,
  COut = 4,
  KH = 5,
  KW = 6,
  OH = 7,
  OW = 8,
  StrideH = 9,
  StrideW = 10,
  PadH = 11,
  PadW = 12,
  DilH = 13,
  DilW = 14,
  Groups = 15,
  Direct = 16,
  Bias = 17,
  Count = 18,
}

/** The pooling geometry block: `PoolGeom.Count` i32 at `g` (`Divisor` 0: none given). */
export enum PoolGeom {
  N = 0,
  C = 1,
  H = 2,
  W = 3,
  OH = 4,
  OW = 5,
  KH = 6,
  KW = 7,
  StrideH = 8,
  StrideW = 9,
  PadH = 10,
  PadW = 11,
  DilH = 12,
  DilW = 13,
  CountIncludePad = 14,
  Divisor = 15,
  Count = 16,
}
