/**
 * Reverse-mode autodiff. Each op output that needs a gradient carries a `Node` (its grad_fn) holding
 * the op's inputs and a closure over its gradient rule. `backward()` orders the graph topologically
 * from the root, runs each rule once with the summed upstream gradient, accumulates into leaves'
 * `.grad`, and — unless `retainGraph` — releases every node so the graph is garbage-collected.
 */
import { StateError } from '../core/errors.js';
import { isAnomalyEnabled, setDetectAnomaly, swapGradMode } from './mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkSaved, edgeTarget } from './versions.js';

export type GradFn = (g: Tensor) => (Tensor | null)[];

/** A node of the autograd graph: the backward rule of one recorded operation (a tensor's `gradFn`). Printed as `<MulBackward>`. */
export class Node {
  /** Op name, e.g. `mul`; shown as `gradFn=<MulBackward>`. */
  readonly name: string;
  inputs: readonly Tensor[];
  /** Each input's grad_fn when this node was recorded (an in-place write may give an input a new one later). */
  inputFns?: readonly (Node | null)[];
  /** The tensors whose values the rule reads, and their storage versions when recorded (versions.ts). */
  savedTensors: readonly Tensor[] | null = null;
  savedVersions: readonly number[] | null = null;
  private fn: GradFn | null;

  constructor(name: string, inputs: readonly Tensor[], fn: GradFn) {
    this.name = name;
    this.inputs = inputs;
    this.fn = fn;
  }

  get released(): boolean {
    return this.fn === null;
  }

  /**
   * Run the backward rule: the upstream gradient `g` → one gradient per input (null where none flows).
   * @throws StateError (`E_GRAPH_FREED`) if an earlier backward freed this node (pass `{ retainGraph: true }` to keep it).
   */
  apply(g: Tensor): (Tensor | null)[] {
    if (!this.fn)
      throw new StateError(
        `backward: trying to backward through the graph a second time (the ${this.name} node was freed by an earlier backward); pass { retainGraph: true } to the first backward() if you need to call it twice`,
        'E_GRAPH_FREED',
      );
    return this.fn(g);
  }

  /** Free the rule and saved tensors (what backward does without `retainGraph`). */
  release(): void {
    this.fn = null;
    this.inputs = [];
    this.inputFns = [];
    this.savedTensors = null;
    this.savedVersions = null;
  }

  /** PyTorch's name for the node, e.g. `<MulBackward>`. */
  toString(): string {
    return `<${this.name[0]!.toUpperCase()}${this.name.slice(1)}Backward>`;
  }
}

/** Options of `Tensor.backward`; unknown keys throw a `ValueError`. `retainGraph` keeps the graph for a second backward (default: false, or `createGraph`). */
export interface BackwardOptions {
  retainGraph?: boolean;
  /** Record the backward pass itself (for higher-order gradients). */
  createGraph?: boolean;
}

/** Tensors reachable from `roots` through grad_fn edges, in reverse topological order (roots first). */
function order(roots: readonly Tensor[]): Tensor[] {
  const seen = new Set<Tensor>();
  const post: Tensor[] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    const stack: [Tensor, number][] = [[root, 0]];
    seen.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [t, i] = top;
      const n = t.gradFn ? t.gradFn.inputs.length : 0;
      if (i < n) {
        top[1]++;
        const c = edgeTarget(t.gradFn!, i);
        if (c && c.requiresGrad && !seen.has(c)) {
          seen.add(c);
          stack.push([c, 0]);
        }
      } else {
        post.push(t);
        stack.pop();
      }
    }
  }
  return post.reverse();
}

function checkFinite(g: Tensor, what: string): void {
  const d = g.storage;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) throw new StateError(`anomaly: ${what} produced ${Number.isNaN(v) ? 'NaN' : 'Inf'} in its gradient`, 'E_ANOMALY');
  }
}

function withoutAnomaly<T>(fn: () => T): T {
  setDetectAnomaly(false);
  try {
    return fn();
  } finally {
    setDetectAnomaly(true);
  }
}

export function runBackward(root: Tensor, grad: Tensor, opts: BackwardOptions = {}): void {
  backwardPass([root], [grad], opts, null);
}

/**
 * Gradients of `roots` (seeded with `rootGrads`) with respect to `targets`, returned instead of
 * accumulated into `.grad` (PyTorch's `torch.autograd.grad`). A target the roots do not depend on
 * gets null.
 */
export function runGrad(roots: readonly Tensor[], rootGrads: readonly Tensor[], targets: readonly Tensor[], opts: BackwardOptions = {}): (Tensor | null)[] {
  const captured = backwardPass(roots, rootGrads, opts, new Set(targets));
  return targets.map((t) => captured.get(t) ?? null);
}

function backwardPass(roots: readonly Tensor[], rootGrads: readonly Tensor[], opts: BackwardOptions, targets: Set<Tensor> | null): Map<Tensor, Tensor> {
  const prev = swapGradMode(!!opts.createGraph);
  const captured = new Map<Tensor, Tensor>();
  try {
    const topo = order(roots);
    const grads = new Map<Tensor, Tensor>();
    roots.forEach((r, i) => {
      const acc = grads.get(r);
      grads.set(r, acc ? acc.add(rootGrads[i]!) : rootGrads[i]!);
    });
    const anomaly = isAnomalyEnabled();
    for (const t of topo) {
      let g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      g = t.runHooks(g);
      if (targets) {
        // torch.autograd.grad: hand the gradient back, never touch `.grad`
        if (targets.has(t)) captured.set(t, g);
        if (!t.gradFn) continue;
      } else {
        if (!t.gradFn) {
          // a leaf: accumulate
          t.accumulateGrad(g);
          continue;
        }
        if (t.retainsGrad) t.accumulateGrad(g);
      }
      const node = t.gradFn;
      const inputs = node.inputs.map((_, i) => edgeTarget(node, i));
      checkSaved(node);
      // under anomaly mode the gradients are checked below, naming this node; the ops a gradient rule
      // runs internally are not checked on their own (they would name e.g. `div` instead of `sqrt`)
      const inGrads = anomaly ? withoutAnomaly(() => node.apply(g)) : node.apply(g);
      if (!opts.retainGraph) node.release();
      for (let i = 0; i < inGrads.length; i++) {
        const gi = inGrads[i];
        const x = inputs[i];
        if (!gi || !x || !x.requiresGrad) continue;
        if (anomaly) checkFinite(gi, `the backward of ${node.name}`);
        const acc = grads.get(x);
        grads.set(x, acc ? acc.add(gi) : gi);
      }
    }
  } finally {
    swapGradMode(prev);
  }
  return captured;
}
