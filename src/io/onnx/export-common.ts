/**
 * Shared pieces of ONNX export: the lowering context handed to the module and primitive tables, and
 * helpers both use (GELU's formula, reductions across opsets, batch-dependent dims).
 */
import { NotSupportedError } from '../../core/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ConvAttrs, OpAttrs, OpName } from '../../ops/types.js';
import type { GraphBuilder } from './graph.js';
import type { Ev } from './trace.js';

export interface Lowering {
  g: GraphBuilder;
  /** The same event from the second trace (batch B+1), when tracing with a dynamic batch. */
  twin: Ev | null;
  /** Lower one event (the driver's dispatcher; module rules fall back to their inner events with it). */
  lower: (ev: Ev, L: Lowering) => void;
}

/** A table entry for something that has no ONNX form, with the reason shown to the user. */
export interface NotExportable {
  notExportable: string;
}
export const notExportable = (why: string): NotExportable => ({ notExportable: why });
export const isNotExportable = (v: unknown): v is NotExportable => typeof v === 'object' && v !== null && 'notExportable' in v;

export function innerPrim(ev: Ev, op: string): Ev {
  const p = ev.inner?.find((e) => e.op === op);
  if (!p) throw new NotSupportedError(`exportOnnx: could not find the ${op} inside ${ev.op}`, 'E_ONNX_EXPORT');
  return p;
}

/** The typed attributes of the primitive `op` recorded inside a layer's event. */
export function innerAttrs<K extends OpName>(ev: Ev, op: K): OpAttrs[K] {
  return innerPrim(ev, op).attrs as unknown as OpAttrs[K];
}

export function geluDecomposed(g: GraphBuilder, x: string, like: Tensor, approximate: string): string {
  if (g.opset >= 20) return g.node('Gelu', [x], { approximate })[0]!;
  if (approximate === 'tanh') {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const x3 = g.node('Mul', [g.node('Mul', [x, x])[0]!, x])[0]!;
    const inner = g.node('Add', [x, g.node('Mul', [x3, g.scalar(0.044715, like)])[0]!])[0]!;
    const th = g.node('Tanh', [g.node('Mul', [inner, g.scalar(Math.sqrt(2 / Math.PI), like)])[0]!])[0]!;
    const one = g.node('Add', [th, g.scalar(1, like)])[0]!;
    return g.node('Mul', [g.node('Mul', [x, one])[0]!, g.scalar(0.5, like)])[0]!;
  }
  // 0.5·x·(1 + erf(x/√2))
  const e = g.node('Erf', [g.node('Div', [x, g.scalar(Math.SQRT2, like)])[0]!])[0]!;
  const one = g.node('Add', [e, g.scalar(1, like)])[0]!;
  return g.node('Mul', [g.node('Mul', [x, one])[0]!, g.scalar(0.5, like)])[0]!;
}

export function reduceNode(g: GraphBuilder, op: string, x: string, axes: number[], keepdim: boolean): string {
  const modern = op === 'ReduceSum' ? g.opset >= 13 : g.opset >= 18;
  if (modern) return g.node(op, [x, g.int64(axes, 'axes')], { keepdims: keepdim ? 1 : 0 })[0]!;
  return g.node(op, [x], { axes, keepdims: keepdim ? 1 : 0 })[0]!;
}

/** Batch-dependent positions: where `a` and `b` (same op, two batch sizes) differ. */
export function diffDims(a: readonly number[], b: readonly number[] | undefined): number[] {
  if (!b || a.length !== b.length) return [];
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** ONNX's pads for a 2-D window: [top, left, bottom, right] from symmetric [padH, padW]. */
export const pads4 = (p: readonly number[]): number[] => [p[0]!, p[1]!, p[0]!, p[1]!];

/** The attributes of ONNX Conv/ConvTranspose for the conv attributes `a` and the weight `w` [.., .., kH, kW]. */
export function convOnnxAttrs(w: Tensor, a: ConvAttrs): Record<string, number | number[]> {
  return { kernel_shape: [w.shape[2]!, w.shape[3]!], strides: a.stride, pads: pads4(a.padding), dilations: a.dilation, group: a.groups };
}
