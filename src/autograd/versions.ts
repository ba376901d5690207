/**
 * Version counters, PyTorch's guard against in-place writes to values that a gradient rule still needs.
 *
 * Every storage has a version, bumped by each in-place write through any tensor that shares it (a view
 * included). When a graph node is recorded, the versions of the tensors its gradient rule reads are
 * noted; `backward()` compares them before running the rule and refuses, with PyTorch's message, when
 * one was overwritten in between.
 *
 * The counter lives on the storage record (`t.record.version`: the stable identity of a storage — the
 * array `t.storage` returns changes when the data moves between the device and the JS heap). The
 * recorded versions sit on the node (`savedTensors` / `savedVersions`).
 *
 * This module also keeps the two facts in-place writes with autograd need: which tensor a view was cut
 * from (`viewBase`, the tensor's `viewOf` field), and — when an in-place write gives a tensor a new
 * history — which stand-in tensor now owns its old history (`setHistoryOwner`), so nodes recorded
 * earlier keep their edges (`edgeTarget`).
 */
import { StateError, fmtShape } from '../core/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Node } from './engine.js';

/** The version of `t`'s storage: the number of in-place writes to it so far. */
export function storageVersion(t: Tensor): number {
  return t.record.version;
}

/** Count one in-place write to `t`'s storage (and so to every view of it). */
export function bumpVersion(t: Tensor): void {
  t.record.version++;
}

// ---- which values each gradient rule reads (PyTorch's "saved variables")

/** Rules that read no input or output values (only shapes). */
const SAVES_NOTHING = new Set<string>([
  'add',
  'sub',
  'neg',
  'reshape',
  'permute',
  'expand',
  'slice',
  'contiguous',
  'pad',
  'cat',
  'sum',
  'cast',
  'floor',
  'ceil',
  'round',
  'sign',
  'cumsum',
  'divRounding',
]);
/** Rules that read only some inputs (the condition of where, the index of the gather family). */
const SAVES_INPUTS: Record<string, number[]> = {
  where: [0],
  gather: [1],
  scatterAdd: [1],
  indexSelect: [1],
  indexAdd: [1],
  putFlat: [1],
};
/** Rules that read their output (and not their inputs). */
const SAVES_OUTPUT_ONLY = new Set<string>(['exp', 'sqrt', 'rsqrt', 'tanh', 'sigmoid', 'reciprocal', 'expm1']);
/** Rules that read their output as well as their inputs. */
const SAVES_OUTPUT_TOO = new Set<string>(['elu', 'pow', 'amax', 'amin', 'prod', 'cumprod', 'scatterReduce']);

/**
 * Whether a rule reads its output by its attributes: batch norm with the relu fused into it (the relu's
 * gradient is taken where the output is positive; a plain batch norm's output may be written in place,
 * as after PyTorch's `BatchNorm2d` → `ReLU(inplace=True)`).
 */
function readsOutputByAttrs(name: string, attrs: unknown): boolean {
  return name === 'batchNorm' && (attrs as { relu?: boolean } | null)?.relu === true;
}

/**
 * Whether the rule of `name` reads input i's values, given which inputs take gradients: a product's
 * factor only for the other factor's gradient, a quotient's dividend only for the divisor's (PyTorch
 * saves likewise, so writing the other operand in place afterwards is no error).
 */
function readsInput(name: string, inputs: readonly Tensor[], i: number): boolean {
  if (name === 'mul') return inputs[1 - i]!.requiresGrad;
  if (name === 'div' && i === 0) return inputs[1]!.requiresGrad;
  return true;
}

/** Note the versions of the values `node`'s rule (the op `name`) will read. Called when the node is recorded. */
export function recordSaved(node: Node, name: string, inputs: readonly Tensor[], output: Tensor, attrs?: unknown): void {
  if (SAVES_NOTHING.has(name)) return;
  const tensors: Tensor[] = [];
  const which = SAVES_INPUTS[name];
  if (!SAVES_OUTPUT_ONLY.has(name))
    for (let i = 0; i < inputs.length; i++) if ((!which || which.includes(i)) && readsInput(name, inputs, i)) tensors.push(inputs[i]!);
  if (SAVES_OUTPUT_ONLY.has(name) || SAVES_OUTPUT_TOO.has(name) || readsOutputByAttrs(name, attrs)) tensors.push(output);
  const vs = new Array<number>(tensors.length);
  for (let i = 0; i < tensors.length; i++) vs[i] = tensors[i]!.record.version;
  node.savedTensors = tensors;
  node.savedVersions = vs;
}

/** Throw PyTorch's error if a value `node`'s rule reads was written in place after the node was recorded. */
export function checkSaved(node: Node): void {
  const ts = node.savedTensors;
  const vs = node.savedVersions;
  if (!ts || !vs) return;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    const now = storageVersion(t);
    if (now !== vs[i]) {
      // past the roles the op's name gives: the output an attribute made it read (readsOutputByAttrs)
      // the saved values are inputs (found among the node's edges) and, last, possibly the output
      const k = node.edges.indexOf(t);
      const role = k >= 0 ? `input ${k}` : 'output 0';
      throw new StateError(
        `one of the variables needed for gradient computation has been modified by an inplace operation: [${t.dtype} ${fmtShape(t.shape)}], which is ${role} of ${node.toString()}, is at version ${now}; expected version ${vs[i]} instead. Hint: clone() the tensor before the in-place operation, or use the out-of-place form`,
        'E_INPLACE_MODIFIED',
      );
    }
  }
}

// ---- views and rewritten histories

/**
 * Record that `view` shares the storage of `of` (whose own base, if any, becomes the view's base), and
 * the storage's version its history belongs to: after an in-place write elsewhere in the storage, the
 * view's history is rebuilt from its base's on its next use (`refreshView` in tensor/inplace.ts).
 */
export function noteView(view: Tensor, of: Tensor): void {
  view.viewOf = of.viewOf ?? of;
  view.histVersion = view.record.version;
}

/** Whether `t` is a view whose storage was written in place since its history was set. */
export function staleView(t: Tensor): boolean {
  return t.viewOf !== null && t.histVersion !== t.record.version;
}

/** The tensor `t` is a view of (the one that was not itself cut from another), or null. */
export function viewBase(t: Tensor): Tensor | null {
  return t.viewOf;
}

const owners = new WeakMap<Node, Tensor>();

/** Record that `standIn` now carries the history `fn` that an in-place write took away from another tensor. */
export function setHistoryOwner(fn: Node, standIn: Tensor): void {
  owners.set(fn, standIn);
}

/**
 * The tensor a node's i-th edge leads to: the input itself, unless an in-place write has since given
 * the input a new history — then the stand-in holding the history the node was recorded against, or
 * null when the input had no history (and needed no gradient) back then.
 */
export function edgeTarget(node: Node, i: number): Tensor | null {
  const c = node.edges[i];
  if (!c) return null;
  const rec = node.inputFns?.[i];
  if (rec === undefined || c.gradFn === rec) return c;
  if (rec === null) return null;
  return owners.get(rec) ?? c;
}
