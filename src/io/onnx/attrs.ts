/**
 * The interpreter's node record and typed attribute readers (each raises a typed error on a bad value).
 */
import { DTypeError, FormatError, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../tensor/tensor.js';

export type AttrValue = number | string | number[] | Tensor | string[];

export interface INode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

/** The values of an index-like input (shape, axes, pads, starts…): a non-integer tensor is a typed error. */
export const ints = (t: Tensor | null | undefined, what: string): number[] => {
  if (!t) throw new FormatError(`missing ${what}`, 'E_ONNX_GRAPH');
  if (t.dtype !== 'int32') throw new DTypeError(`${what} must be an integer tensor (int64/int32), got ${t.dtype}`, 'E_ONNX_INDEX_DTYPE');
  return Array.from(t.dataSync(), Number);
};
export const fsAttr = (n: INode, k: string, d: number[]): number[] => {
  const v = n.attrs.get(k);
  if (v === undefined) return d;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number'))
    throw new FormatError(`attribute ${k} must be a list of numbers`, 'E_ONNX_GRAPH');
  return v as number[];
};
export const iAttr = (n: INode, k: string, d: number): number => {
  const v = n.attrs.get(k);
  if (v === undefined) return d;
  if (typeof v !== 'number') throw new FormatError(`attribute ${k} must be a number`, 'E_ONNX_GRAPH');
  return v;
};
export const isAttr = (n: INode, k: string, d: number[]): number[] => {
  const v = n.attrs.get(k);
  if (v === undefined) return d;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x)))
    throw new FormatError(`attribute ${k} must be a list of integers`, 'E_ONNX_GRAPH');
  return v as number[];
};
export const sAttr = (n: INode, k: string, d: string): string => {
  const v = n.attrs.get(k);
  if (v === undefined) return d;
  if (typeof v !== 'string') throw new FormatError(`attribute ${k} must be a string`, 'E_ONNX_GRAPH');
  return v;
};

export function normAxis(a: number, nd: number, what: string): number {
  const r = a < 0 ? a + nd : a;
  if (!Number.isInteger(r) || r < 0 || r >= Math.max(nd, 1))
    throw new ShapeError(`${what}: axis ${a} is out of range for rank ${nd}`, 'E_ONNX_AXIS');
  return r;
}

export function iAttrF(n: INode, k: string, d: number): number {
  const v = n.attrs.get(k);
  if (v === undefined) return d;
  if (typeof v !== 'number') throw new FormatError(`attribute ${k} must be a number`, 'E_ONNX_GRAPH');
  return v;
}
