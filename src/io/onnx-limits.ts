/**
 * Budgets for untrusted ONNX files, checked before anything is materialised (kept apart from the
 * importer so the limits are in one place):
 * - `ONNX_MAX_OPSET`: the newest default-domain opset backprop knows; a model claiming a newer one
 *   (opset 99) is refused instead of being run with the wrong operator semantics;
 * - `checkOnnxCounts`: the graph's node and initializer counts, from a scan of the protobuf wire
 *   format (no message is decoded), against `ONNX_MAX_NODES` / `ONNX_MAX_INITIALIZERS` — an 8 MB
 *   file of millions of empty nodes is refused before it becomes millions of objects;
 * - `ONNX_MAX_ELEMENTS`: the default per-tensor element budget at import and inference
 *   (ConstantOfShape, Expand, …), raised with `importOnnx(file, { maxElements })`.
 */
import { FormatError, NotSupportedError } from '../core/errors.js';

/** The newest default-domain ONNX opset backprop imports; a model claiming a newer one is refused. */
export const ONNX_MAX_OPSET = 22;
/** Default largest node count of an imported ONNX graph (`importOnnx`'s `maxNodes`). */
export const ONNX_MAX_NODES = 100_000;
/** Default largest initializer count of an imported ONNX graph. */
export const ONNX_MAX_INITIALIZERS = 200_000;
/** Default element budget per tensor: 2^26 (256 MiB of float32). */
export const ONNX_MAX_ELEMENTS = 2 ** 26;

/** Refuse opsets newer than this backprop implements. */
export function checkOnnxOpset(opset: number): void {
  if (opset > ONNX_MAX_OPSET)
    throw new NotSupportedError(
      `onnx: opset ${opset} is newer than ${ONNX_MAX_OPSET}, the newest backprop knows; re-export with opset ≤ ${ONNX_MAX_OPSET}`,
      'E_ONNX_OPSET',
    );
}

/** The message for a tensor over the element budget, with the way to raise it. */
export function elementBudgetError(what: string, count: number, maxElements: number): FormatError {
  return new FormatError(
    `onnx: ${what} has ${count} elements, over the per-tensor budget of ${maxElements}; raise it with importOnnx(file, { maxElements }) if the model really needs it`,
    'E_ONNX_LIMIT',
  );
}

interface Cursor {
  b: Uint8Array;
  i: number;
}

function varint(c: Cursor): number | null {
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 10; k++) {
    if (c.i >= c.b.length) return null;
    const x = c.b[c.i++]!;
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 128;
  }
  return null;
}

/** Skip one field's value; false when the data is malformed (the real decoder reports it). */
function skip(c: Cursor, wire: number): boolean {
  if (wire === 0) return varint(c) !== null;
  if (wire === 1) return (c.i += 8) <= c.b.length;
  if (wire === 5) return (c.i += 4) <= c.b.length;
  if (wire === 2) {
    const n = varint(c);
    return n !== null && (c.i += n) <= c.b.length;
  }
  return false;
}

/**
 * Count the graph's `node` (field 1) and `initializer` (field 5) entries by walking the wire format
 * of ModelProto.graph (field 7), and refuse counts over the budgets (FormatError `E_ONNX_LIMIT`).
 * Malformed data ends the scan silently: decoding reports it with its own typed error.
 */
export function checkOnnxCounts(
  bytes: Uint8Array,
  limits: { maxNodes?: number; maxInitializers?: number } = {},
): { nodes: number; initializers: number } {
  const maxNodes = limits.maxNodes ?? ONNX_MAX_NODES;
  const maxInits = limits.maxInitializers ?? ONNX_MAX_INITIALIZERS;
  let nodes = 0;
  let initializers = 0;
  const top: Cursor = { b: bytes, i: 0 };
  while (top.i < bytes.length) {
    const key = varint(top);
    if (key === null) break;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 7 && wire === 2) {
      const len = varint(top);
      if (len === null || top.i + len > bytes.length) break;
      const g: Cursor = { b: bytes.subarray(top.i, top.i + len), i: 0 };
      top.i += len;
      while (g.i < g.b.length) {
        const k = varint(g);
        if (k === null) break;
        const f = Math.floor(k / 8);
        if (f === 1) nodes++;
        else if (f === 5) initializers++;
        if (nodes > maxNodes)
          throw new FormatError(`onnx: the graph has more than ${maxNodes} nodes (counted before decoding)`, 'E_ONNX_LIMIT', {
            offset: top.i - len + g.i,
          });
        if (initializers > maxInits)
          throw new FormatError(`onnx: the graph has more than ${maxInits} initializers (counted before decoding)`, 'E_ONNX_LIMIT', {
            offset: top.i - len + g.i,
          });
        if (!skip(g, k % 8)) break;
      }
    } else if (!skip(top, wire)) break;
  }
  return { nodes, initializers };
}
