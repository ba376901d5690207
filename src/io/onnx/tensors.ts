/**
 * TensorProto ↔ Tensor conversion (raw little-endian data), shared by export and import.
 */
import { FormatError, NotSupportedError } from '../../core/errors.js';
import type { DType, TypedArray } from '../../core/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { bf16ToF32, decodeBF16, decodeF16, f16ToF32 } from '../half.js';
import { OnnxDataType, type TensorProto } from './proto.js';

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export const ONNX_TYPE_OF: Record<DType, number> = {
  float32: OnnxDataType.FLOAT,
  float64: OnnxDataType.DOUBLE,
  int32: OnnxDataType.INT32,
  bool: OnnxDataType.BOOL,
};

/** A TensorProto holding `t`'s values (raw_data, little-endian). */
export function tensorToProto(t: Tensor, name: string): TensorProto {
  const arr = t.dataSync();
  let raw: Uint8Array;
  if (LE) raw = new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength));
  else {
    raw = new Uint8Array(arr.byteLength);
    const dv = new DataView(raw.buffer);
    for (let i = 0; i < arr.length; i++) {
      if (t.dtype === 'float32') dv.setFloat32(i * 4, arr[i]!, true);
      else if (t.dtype === 'float64') dv.setFloat64(i * 8, arr[i]!, true);
      else if (t.dtype === 'int32') dv.setInt32(i * 4, arr[i]!, true);
      else dv.setUint8(i, arr[i]!);
    }
  }
  return emptyTensorProto({ name, dims: t.shape.slice(), dataType: ONNX_TYPE_OF[t.dtype], rawData: raw });
}

/** An INT64 TensorProto (shapes, axes, pads: what ONNX wants as int64). */
export function int64Proto(values: readonly number[], name: string, dims: number[] = [values.length]): TensorProto {
  const b = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) b[i] = BigInt(Math.trunc(values[i]!));
  const raw = new Uint8Array(b.buffer);
  if (!LE) {
    const dv = new DataView(raw.buffer);
    for (let i = 0; i < values.length; i++) dv.setBigInt64(i * 8, b[i]!, true);
  }
  return emptyTensorProto({ name, dims, dataType: OnnxDataType.INT64, rawData: raw });
}

export function emptyTensorProto(p: Partial<TensorProto>): TensorProto {
  return { dims: [], floatData: [], int32Data: [], stringData: [], int64Data: [], doubleData: [], uint64Data: [], externalData: [], ...p };
}

const ELEM_SIZE: Record<number, number> = {
  [OnnxDataType.FLOAT]: 4,
  [OnnxDataType.DOUBLE]: 8,
  [OnnxDataType.INT32]: 4,
  [OnnxDataType.INT64]: 8,
  [OnnxDataType.BOOL]: 1,
  [OnnxDataType.UINT8]: 1,
  [OnnxDataType.INT8]: 1,
  [OnnxDataType.INT16]: 2,
  [OnnxDataType.UINT16]: 2,
  [OnnxDataType.FLOAT16]: 2,
  [OnnxDataType.BFLOAT16]: 2,
};

export function elemSize(dataType: number): number | undefined {
  return ELEM_SIZE[dataType];
}

export interface ProtoToTensorOptions {
  /** Largest element count accepted for one tensor (default 2^28). */
  maxElements?: number;
  /** Bytes of external data, already range-checked by the caller. */
  external?: Uint8Array;
  /**
   * Saturate integer values outside int32 to the int32 range instead of refusing them. Only for
   * tensors whose every reader clamps them anyway (Slice starts/ends: PyTorch writes INT64_MAX for
   * "to the end" and INT64_MIN for "to the front", which Slice clamps to the axis).
   */
  saturateInt64?: boolean;
}

/**
 * A Tensor from a TensorProto. FLOAT16/BFLOAT16 → float32; INT64/INT16/INT8/UINT8 → int32 (INT64 values
 * outside the int32 range are an error unless `saturateInt64`); DOUBLE → float64; BOOL → bool.
 */
export function protoToTensor(p: TensorProto, opts: ProtoToTensorOptions = {}): Tensor {
  const name = JSON.stringify(p.name ?? '');
  const max = opts.maxElements ?? 2 ** 28;
  let n = 1;
  for (const d of p.dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new FormatError(`onnx: tensor ${name} has an invalid dim ${d}`, 'E_ONNX_TENSOR');
    n *= d;
  }
  if (n > max) throw new FormatError(`onnx: tensor ${name} has ${n} elements (limit ${max})`, 'E_ONNX_LIMIT');
  const dt = p.dataType ?? 0;
  const size = ELEM_SIZE[dt];
  if (size === undefined)
    throw new NotSupportedError(`onnx: tensor ${name} has data type ${dt}, which backprop cannot load`, 'E_ONNX_DTYPE');
  const shape = p.dims.slice();
  const raw = opts.external ?? p.rawData;
  let out: TypedArray;
  let dtype: DType;
  const toInt32 = (v: number, i: number): number => {
    if (opts.saturateInt64) return Math.min(2147483647, Math.max(-2147483648, v));
    if (v > 2147483647 || v < -2147483648)
      throw new FormatError(`onnx: tensor ${name} holds ${v} at element ${i}, outside int32`, 'E_ONNX_INT64_RANGE');
    return v;
  };
  if (raw !== undefined && raw.length > 0) {
    if (raw.length !== n * size)
      throw new FormatError(
        `onnx: tensor ${name} has ${raw.length} data bytes but shape [${shape.join(',')}] needs ${n * size}`,
        'E_ONNX_TENSOR',
      );
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    switch (dt) {
      case OnnxDataType.FLOAT:
        out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
        dtype = 'float32';
        break;
      case OnnxDataType.DOUBLE:
        out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
        dtype = 'float64';
        break;
      case OnnxDataType.FLOAT16:
      case OnnxDataType.BFLOAT16: {
        out = dt === OnnxDataType.FLOAT16 ? decodeF16(raw, n) : decodeBF16(raw, n);
        dtype = 'float32';
        break;
      }
      case OnnxDataType.BOOL:
        out = new Uint8Array(n);
        for (let i = 0; i < n; i++) out[i] = dv.getUint8(i) ? 1 : 0;
        dtype = 'bool';
        break;
      default: {
        const o = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          let v: number;
          if (dt === OnnxDataType.INT64) v = Number(dv.getBigInt64(i * 8, true));
          else if (dt === OnnxDataType.INT32) v = dv.getInt32(i * 4, true);
          else if (dt === OnnxDataType.INT16) v = dv.getInt16(i * 2, true);
          else if (dt === OnnxDataType.UINT16) v = dv.getUint16(i * 2, true);
          else if (dt === OnnxDataType.INT8) v = dv.getInt8(i);
          else v = dv.getUint8(i);
          o[i] = toInt32(v, i);
        }
        out = o;
        dtype = 'int32';
      }
    }
    return new Tensor(out, shape, dtype);
  }
  // Typed repeated fields.
  const src: number[] =
    dt === OnnxDataType.FLOAT || dt === OnnxDataType.FLOAT16 || dt === OnnxDataType.BFLOAT16
      ? dt === OnnxDataType.FLOAT
        ? p.floatData
        : p.int32Data
      : dt === OnnxDataType.DOUBLE
        ? p.doubleData
        : dt === OnnxDataType.INT64
          ? p.int64Data
          : p.int32Data;
  if (src.length !== n)
    throw new FormatError(`onnx: tensor ${name} has ${src.length} values but shape [${shape.join(',')}] needs ${n}`, 'E_ONNX_TENSOR');
  switch (dt) {
    case OnnxDataType.FLOAT:
      return new Tensor(Float32Array.from(src), shape, 'float32');
    case OnnxDataType.FLOAT16:
      return new Tensor(
        Float32Array.from(src, (h) => f16ToF32(h & 0xffff)),
        shape,
        'float32',
      );
    case OnnxDataType.BFLOAT16:
      return new Tensor(Float32Array.from(src, bf16ToF32), shape, 'float32');
    case OnnxDataType.DOUBLE:
      return new Tensor(Float64Array.from(src), shape, 'float64');
    case OnnxDataType.BOOL:
      return new Tensor(
        Uint8Array.from(src, (v) => (v ? 1 : 0)),
        shape,
        'bool',
      );
    default:
      return new Tensor(Int32Array.from(src, toInt32), shape, 'int32');
  }
}
