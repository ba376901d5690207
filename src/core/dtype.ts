/**
 * Data types. Storage is always an ordinary typed array (garbage-collected):
 * float32 → Float32Array, float64 → Float64Array, int32 → Int32Array, bool → Uint8Array (0/1).
 */
import { DTypeError } from './errors.js';

/** Element type of a tensor: `'float32'` (the default), `'float64'`, `'int32'` or `'bool'` (stored as bytes 0/1). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';
/** Every dtype backprop supports: float32, float64, int32, bool. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The typed array behind each dtype: Float32Array, Float64Array, Int32Array, Uint8Array (bool). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
/** The typed arrays of the floating-point dtypes (float32, float64). */
export type FloatArray = Float32Array | Float64Array;

export interface DTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Allocate a zero-filled typed array for `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

export function isFloat(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  throw new DTypeError('unsupported typed array');
}

export function checkDType(d: unknown, where: string): DType {
  if (typeof d === 'string' && (DTYPES as readonly string[]).includes(d)) return d as DType;
  throw new DTypeError(`${where}: unknown dtype ${JSON.stringify(d)}; expected one of ${DTYPES.join(', ')}`);
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Type promotion for binary ops between two tensors (bool < int32 < float32 < float64). */
export function promote(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

const CATEGORY: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 2 };

/**
 * PyTorch's result type of two tensors of ranks `aDims` and `bDims`: a 0-d tensor does not widen a
 * dimensioned tensor of the same or a higher category (float32 [3] · float64 0-d → float32), but a
 * 0-d tensor of a higher category does promote (int32 [3] · float32 0-d → float32).
 */
export function resultType(a: DType, aDims: number, b: DType, bDims: number): DType {
  if ((aDims === 0) !== (bDims === 0)) {
    const [dim, zero] = aDims === 0 ? [b, a] : [a, b];
    if (CATEGORY[dim] >= CATEGORY[zero]) return dim;
  }
  return promote(a, b);
}

/**
 * Promotion of a tensor dtype with a JS number (PyTorch's rule: a scalar never widens a
 * float tensor; a non-integer scalar makes an integer/bool tensor float32).
 */
export function promoteScalar(a: DType, s: number | boolean): DType {
  if (typeof s === 'boolean') return a;
  if (isFloat(a)) return a;
  if (Number.isInteger(s)) return a === 'bool' ? 'int32' : a;
  return 'float32';
}
