/**
 * The ONNX protobuf messages backprop reads and writes, as a schema table authored from the public
 * `onnx.proto` (proto2; field numbers and packing as published there), and a small schema-driven codec
 * over protobufjs's `Reader`/`Writer` wire primitives.
 *
 * Why not protobufjs's reflection (`Root.fromJSON(...).lookupType(...)`)? It generates encoders and
 * decoders with `new Function`, which a strict Content-Security-Policy (no `unsafe-eval`) forbids; the
 * minimal build's `Reader`/`Writer` use no code generation, so the codec below runs in the browser.
 *
 * Decoding is defensive: unknown fields are skipped, nesting depth is capped, and any wire-level
 * failure (truncated varint, length past the end) becomes a `FormatError(E_ONNX_PROTOBUF)`.
 */
import pb from 'protobufjs/minimal.js';
import { BackpropError, FormatError } from '../../core/errors.js';

const { Reader, Writer } = pb;
type ReaderT = InstanceType<typeof Reader>;
type WriterT = InstanceType<typeof Writer>;

type Scalar = 'int64' | 'uint64' | 'int32' | 'float' | 'double' | 'string' | 'bytes';
interface FieldDef {
  name: string;
  no: number;
  type: Scalar | { message: string };
  repeated?: boolean;
  packed?: boolean;
}

/** Messages and fields of onnx.proto used here (everything else is skipped on read). */
export const ONNX_SCHEMA: Record<string, FieldDef[]> = {
  ModelProto: [
    { name: 'irVersion', no: 1, type: 'int64' },
    { name: 'producerName', no: 2, type: 'string' },
    { name: 'producerVersion', no: 3, type: 'string' },
    { name: 'domain', no: 4, type: 'string' },
    { name: 'modelVersion', no: 5, type: 'int64' },
    { name: 'docString', no: 6, type: 'string' },
    { name: 'graph', no: 7, type: { message: 'GraphProto' } },
    { name: 'opsetImport', no: 8, type: { message: 'OperatorSetIdProto' }, repeated: true },
    { name: 'metadataProps', no: 14, type: { message: 'StringStringEntryProto' }, repeated: true },
  ],
  OperatorSetIdProto: [
    { name: 'domain', no: 1, type: 'string' },
    { name: 'version', no: 2, type: 'int64' },
  ],
  StringStringEntryProto: [
    { name: 'key', no: 1, type: 'string' },
    { name: 'value', no: 2, type: 'string' },
  ],
  GraphProto: [
    { name: 'node', no: 1, type: { message: 'NodeProto' }, repeated: true },
    { name: 'name', no: 2, type: 'string' },
    { name: 'initializer', no: 5, type: { message: 'TensorProto' }, repeated: true },
    { name: 'docString', no: 10, type: 'string' },
    { name: 'input', no: 11, type: { message: 'ValueInfoProto' }, repeated: true },
    { name: 'output', no: 12, type: { message: 'ValueInfoProto' }, repeated: true },
    { name: 'valueInfo', no: 13, type: { message: 'ValueInfoProto' }, repeated: true },
  ],
  NodeProto: [
    { name: 'input', no: 1, type: 'string', repeated: true },
    { name: 'output', no: 2, type: 'string', repeated: true },
    { name: 'name', no: 3, type: 'string' },
    { name: 'opType', no: 4, type: 'string' },
    { name: 'attribute', no: 5, type: { message: 'AttributeProto' }, repeated: true },
    { name: 'docString', no: 6, type: 'string' },
    { name: 'domain', no: 7, type: 'string' },
  ],
  AttributeProto: [
    { name: 'name', no: 1, type: 'string' },
    { name: 'f', no: 2, type: 'float' },
    { name: 'i', no: 3, type: 'int64' },
    { name: 's', no: 4, type: 'bytes' },
    { name: 't', no: 5, type: { message: 'TensorProto' } },
    { name: 'g', no: 6, type: { message: 'GraphProto' } },
    { name: 'floats', no: 7, type: 'float', repeated: true },
    { name: 'ints', no: 8, type: 'int64', repeated: true },
    { name: 'strings', no: 9, type: 'bytes', repeated: true },
    { name: 'tensors', no: 10, type: { message: 'TensorProto' }, repeated: true },
    { name: 'graphs', no: 11, type: { message: 'GraphProto' }, repeated: true },
    { name: 'docString', no: 13, type: 'string' },
    { name: 'type', no: 20, type: 'int32' },
    { name: 'refAttrName', no: 21, type: 'string' },
  ],
  ValueInfoProto: [
    { name: 'name', no: 1, type: 'string' },
    { name: 'type', no: 2, type: { message: 'TypeProto' } },
    { name: 'docString', no: 3, type: 'string' },
  ],
  TypeProto: [
    { name: 'tensorType', no: 1, type: { message: 'TypeProtoTensor' } },
    { name: 'denotation', no: 6, type: 'string' },
  ],
  TypeProtoTensor: [
    { name: 'elemType', no: 1, type: 'int32' },
    { name: 'shape', no: 2, type: { message: 'TensorShapeProto' } },
  ],
  TensorShapeProto: [{ name: 'dim', no: 1, type: { message: 'TensorShapeDimension' }, repeated: true }],
  TensorShapeDimension: [
    { name: 'dimValue', no: 1, type: 'int64' },
    { name: 'dimParam', no: 2, type: 'string' },
    { name: 'denotation', no: 3, type: 'string' },
  ],
  TensorProto: [
    { name: 'dims', no: 1, type: 'int64', repeated: true },
    { name: 'dataType', no: 2, type: 'int32' },
    { name: 'floatData', no: 4, type: 'float', repeated: true, packed: true },
    { name: 'int32Data', no: 5, type: 'int32', repeated: true, packed: true },
    { name: 'stringData', no: 6, type: 'bytes', repeated: true },
    { name: 'int64Data', no: 7, type: 'int64', repeated: true, packed: true },
    { name: 'name', no: 8, type: 'string' },
    { name: 'rawData', no: 9, type: 'bytes' },
    { name: 'doubleData', no: 10, type: 'double', repeated: true, packed: true },
    { name: 'uint64Data', no: 11, type: 'uint64', repeated: true, packed: true },
    { name: 'docString', no: 12, type: 'string' },
    { name: 'externalData', no: 13, type: { message: 'StringStringEntryProto' }, repeated: true },
    { name: 'dataLocation', no: 14, type: 'int32' },
  ],
};

// ---- TypeScript shapes of the decoded messages (fields optional as in proto2) ----
/** An ONNX opset import: operator-set `domain` ('' for the default) and `version`. */
export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}
/** A key/value string pair (ONNX metadata properties). */
export interface StringStringEntryProto {
  key?: string;
  value?: string;
}
/** One dim of an ONNX tensor shape: a fixed size (`dimValue`) or a symbolic name (`dimParam`). */
export interface TensorShapeDimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}
/** An ONNX tensor shape: its dims. */
export interface TensorShapeProto {
  dim: TensorShapeDimension[];
}
/** The tensor case of an ONNX type: element type code (see `OnnxDataType`) and shape. */
export interface TypeProtoTensor {
  elemType?: number;
  shape?: TensorShapeProto;
}
/** An ONNX value type (only tensor types are supported). */
export interface TypeProto {
  tensorType?: TypeProtoTensor;
  denotation?: string;
}
/** A named, typed graph input, output or intermediate value. */
export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
}
/** An ONNX tensor (initializer or constant): dims, element type and data (inline or external). */
export interface TensorProto {
  dims: number[];
  dataType?: number;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: number[];
  name?: string;
  rawData?: Uint8Array;
  doubleData: number[];
  uint64Data: number[];
  docString?: string;
  externalData: StringStringEntryProto[];
  dataLocation?: number;
}
/** An attribute of an ONNX node (its kind is an `OnnxAttrType` code). */
export interface AttributeProto {
  name?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  docString?: string;
  type?: number;
  refAttrName?: string;
}
/** One ONNX operator call: op type and domain, input and output value names, attributes. */
export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  attribute: AttributeProto[];
  docString?: string;
  domain?: string;
}
/** An ONNX graph: nodes in topological order, initializers, inputs and outputs. */
export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  docString?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}
/** A decoded ONNX model file: IR version, opset imports, producer, metadata and the graph. */
export interface ModelProto {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  opsetImport: OperatorSetIdProto[];
  metadataProps: StringStringEntryProto[];
}

/** ONNX TensorProto.DataType codes. */
export const OnnxDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** ONNX AttributeProto.AttributeType codes. */
export const OnnxAttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

// ---------------------------------------------------------------- limits

export interface DecodeLimits {
  /** Maximum message nesting depth (graphs inside attributes inside graphs…). Default 64. */
  maxDepth?: number;
  /** Maximum number of repeated elements in one field (nodes, dims, floats…). Default 2^26. */
  maxRepeated?: number;
}

function wireTypeOf(t: FieldDef['type']): number {
  if (typeof t === 'object') return 2;
  switch (t) {
    case 'float':
      return 5;
    case 'double':
      return 1;
    case 'string':
    case 'bytes':
      return 2;
    default:
      return 0;
  }
}

function longToNumber(v: unknown, unsigned: boolean): number {
  if (typeof v === 'number') return v;
  const l = v as { low: number; high: number };
  const hi = unsigned ? l.high >>> 0 : l.high | 0;
  return hi * 2 ** 32 + (l.low >>> 0);
}

function readScalar(r: ReaderT, t: Scalar): unknown {
  switch (t) {
    case 'int64':
      return longToNumber(r.int64(), false);
    case 'uint64':
      return longToNumber(r.uint64(), true);
    case 'int32':
      return r.int32();
    case 'float':
      return r.float();
    case 'double':
      return r.double();
    case 'string': {
      const b = r.bytes();
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        throw new FormatError('onnx: a string field is not valid UTF-8', 'E_ONNX_PROTOBUF', { offset: r.pos });
      }
    }
    case 'bytes':
      return r.bytes();
  }
}

const FIELD_INDEX = new Map<string, Map<number, FieldDef>>(
  Object.entries(ONNX_SCHEMA).map(([k, fs]) => [k, new Map(fs.map((f) => [f.no, f]))]),
);

/** One value of field `f` of message `type` (wire type `wt`): a nested message or a scalar. */
function readField(r: ReaderT, type: string, f: FieldDef, wt: number, end: number, depth: number, lim: Required<DecodeLimits>): unknown {
  const expected = wireTypeOf(f.type);
  if (wt !== expected)
    throw new FormatError(`onnx: ${type}.${f.name} has wire type ${wt}, expected ${expected}`, 'E_ONNX_PROTOBUF', { offset: r.pos });
  if (typeof f.type !== 'object') return readScalar(r, f.type);
  const len = r.uint32();
  if (r.pos + len > end) throw new FormatError(`onnx: ${type}.${f.name} runs past its message`, 'E_ONNX_PROTOBUF', { offset: r.pos });
  return decodeMessage(r, f.type.message, r.pos + len, depth + 1, lim);
}

function decodeMessage(r: ReaderT, type: string, end: number, depth: number, lim: Required<DecodeLimits>): Record<string, unknown> {
  if (depth > lim.maxDepth)
    throw new FormatError(`onnx: messages nested deeper than ${lim.maxDepth} levels (${type})`, 'E_ONNX_DEPTH', { offset: r.pos });
  const fields = FIELD_INDEX.get(type)!;
  const out: Record<string, unknown> = Object.create(null);
  for (const f of ONNX_SCHEMA[type]!) if (f.repeated) out[f.name] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wt = tag & 7;
    const f = fields.get(no);
    if (!f || no === 0) {
      if (no === 0) throw new FormatError('onnx: field number 0 is invalid', 'E_ONNX_PROTOBUF', { offset: r.pos });
      r.skipType(wt);
      continue;
    }
    const expected = wireTypeOf(f.type);
    if (f.repeated) {
      const arr = out[f.name] as unknown[];
      if (typeof f.type !== 'object' && expected !== 2 && wt === 2) {
        // packed
        const e = r.uint32() + r.pos;
        if (e > end)
          throw new FormatError(`onnx: packed field ${type}.${f.name} runs past its message`, 'E_ONNX_PROTOBUF', { offset: r.pos });
        while (r.pos < e) {
          arr.push(readScalar(r, f.type));
          if (arr.length > lim.maxRepeated)
            throw new FormatError(`onnx: ${type}.${f.name} has more than ${lim.maxRepeated} elements`, 'E_ONNX_LIMIT', { offset: r.pos });
        }
        continue;
      }
      arr.push(readField(r, type, f, wt, end, depth, lim));
      if (arr.length > lim.maxRepeated)
        throw new FormatError(`onnx: ${type}.${f.name} has more than ${lim.maxRepeated} elements`, 'E_ONNX_LIMIT', { offset: r.pos });
      continue;
    }
    out[f.name] = readField(r, type, f, wt, end, depth, lim);
  }
  if (r.pos !== end) throw new FormatError(`onnx: ${type} does not end on a field boundary`, 'E_ONNX_PROTOBUF', { offset: r.pos });
  return out;
}

/** Decode a top-level message of `type`; anything protobufjs throws becomes a FormatError. */
function decodeRoot(bytes: Uint8Array, type: string, limits: DecodeLimits): Record<string, unknown> {
  const lim = { maxDepth: limits.maxDepth ?? 64, maxRepeated: limits.maxRepeated ?? 2 ** 26 };
  const r = Reader.create(bytes);
  try {
    return decodeMessage(r, type, bytes.length, 0, lim);
  } catch (e) {
    if (e instanceof BackpropError) throw e;
    throw new FormatError(`onnx: malformed protobuf (${e instanceof Error ? e.message : String(e)})`, 'E_ONNX_PROTOBUF', { offset: r.pos });
  }
}

/** Decode a serialized ModelProto. Throws `FormatError` (`E_ONNX_PROTOBUF`, `E_ONNX_DEPTH`, `E_ONNX_LIMIT`). */
export function decodeModelProto(bytes: Uint8Array, limits: DecodeLimits = {}): ModelProto {
  return decodeRoot(bytes, 'ModelProto', limits) as unknown as ModelProto;
}

function writeScalar(w: WriterT, t: Scalar, v: unknown): void {
  if (t === 'string') w.string(v as string);
  else if (t === 'bytes') w.bytes(v as Uint8Array);
  else w[t](v as number); // the numeric scalar types are named as protobufjs's Writer methods
}

function encodeMessage(w: WriterT, type: string, msg: Record<string, unknown>): void {
  for (const f of ONNX_SCHEMA[type]!) {
    const v = msg[f.name];
    if (v === undefined || v === null) continue;
    const wt = wireTypeOf(f.type);
    if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      if (f.packed && typeof f.type !== 'object') {
        w.uint32((f.no << 3) | 2).fork();
        for (const x of arr) writeScalar(w, f.type, x);
        w.ldelim();
        continue;
      }
      for (const x of arr) writeField(w, f, wt, x);
      continue;
    }
    writeField(w, f, wt, v);
  }
}

/** One value of field `f`, tagged: a nested message (length-delimited) or a scalar. */
function writeField(w: WriterT, f: FieldDef, wt: number, v: unknown): void {
  w.uint32((f.no << 3) | wt);
  if (typeof f.type === 'object') {
    w.fork();
    encodeMessage(w, f.type.message, v as Record<string, unknown>);
    w.ldelim();
  } else writeScalar(w, f.type, v);
}

/** Serialize a ModelProto. */
export function encodeModelProto(model: ModelProto): Uint8Array {
  const w = Writer.create();
  encodeMessage(w, 'ModelProto', model as unknown as Record<string, unknown>);
  const out = w.finish();
  // Under Node the writer returns a Buffer, whose slice() shares memory; hand out a plain Uint8Array.
  return Object.getPrototypeOf(out) === Uint8Array.prototype ? out : new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decode a serialized TensorProto (ONNX's test-data `.pb` files). Same errors as `decodeModelProto`. */
export function decodeTensorProto(bytes: Uint8Array, limits: DecodeLimits = {}): TensorProto {
  return decodeRoot(bytes, 'TensorProto', limits) as unknown as TensorProto;
}
