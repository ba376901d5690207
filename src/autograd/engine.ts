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
import { activeDevice } from '../backend/dispatch.js';
import { dropHold, nextStorageId, type Storage } from '../backend/storage.js';

export type GradFn = (g: Tensor) => (Tensor | null)[];

/** What a released node holds instead of its inputs (one shared array: a kept loss costs less). */
const NONE: readonly never[] = Object.freeze([]);

/** A node of the autograd graph: the backward rule of one recorded operation (a tensor's `gradFn`). Printed as `<MulBackward>`. */
export class Node {
  /** Op name, e.g. `mul`; shown as `gradFn=<MulBackward>`. */
  readonly name: string;
  /** @internal The inputs, for the engine (reading them does not mark them escaped). */
  edges: readonly Tensor[];
  /** Each input's grad_fn when this node was recorded (an in-place write may give an input a new one later). */
  inputFns?: readonly (Node | null)[];
  /** The tensors whose values the rule reads, and their storage versions when recorded (versions.ts). */
  savedTensors: readonly Tensor[] | null = null;
  savedVersions: readonly number[] | null = null;
  /**
   * @internal The storage of the op's output, which the node holds (`Storage.holders`) until backward
   * releases it: recorded here because an in-place write can later hand the node to another tensor.
   */
  heldOut: Storage | null = null;
  private fn: GradFn | null;

  constructor(name: string, inputs: readonly Tensor[], fn: GradFn) {
    this.name = name;
    this.edges = inputs;
    this.fn = fn;
  }

  /**
   * The op's input tensors. Code outside the engine that walks the graph may keep what it finds, so
   * those tensors stop being engine temporaries (never freed early).
   */
  get inputs(): readonly Tensor[] {
    for (const t of this.edges) t.record.internal = false;
    return this.edges;
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
    this.edges = NONE;
    this.inputFns = NONE;
    this.savedTensors = null;
    this.savedVersions = null;
    this.heldOut = null;
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
      const n = t.gradFn ? t.gradFn.edges.length : 0;
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
export function runGrad(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  targets: readonly Tensor[],
  opts: BackwardOptions = {},
): (Tensor | null)[] {
  const captured = backwardPass(roots, rootGrads, opts, new Set(targets));
  return targets.map((t) => captured.get(t) ?? null);
}

/**
 * Deterministic frees of gradient temporaries (README, "Design: memory model"). A gradient the pass
 * made itself (its storage born after the pass began) is engine-owned until something else may hold
 * it: a hook saw it or a leaf adopted it as `.grad` (both mark it shared), or `createGraph` made it a
 * graph value, or `autograd.grad` returns it (not tracked then). Once no pending gradient shares its
 * storage, the device block is freed at once instead of waiting for a GC or an eviction.
 */
class GradFrees {
  private readonly born = nextStorageId();
  private readonly pending = new Map<Storage, number>();
  constructor(private readonly isShared: (g: Tensor) => boolean) {}

  hold(g: Tensor): void {
    const r = g.record;
    if (r.id >= this.born) this.pending.set(r, (this.pending.get(r) ?? 0) + 1);
  }

  /** `g` left the pending map (its consumer ran, or it was summed into another). */
  unhold(g: Tensor): void {
    const r = g.record;
    const n = this.pending.get(r);
    if (n === undefined) return;
    if (n > 1) this.pending.set(r, n - 1);
    else this.pending.delete(r);
  }

  /** Free `g`'s block if the pass made it, nobody else may hold it, and no pending gradient shares it. */
  done(g: Tensor): void {
    const r = g.record;
    if (r.id < this.born || !r.onDevice || this.pending.has(r) || this.isShared(g)) return;
    r.cell.device!.free(r.cell);
  }
}

/** @internal The shared-gradient test (tensor.ts installs it: `.grad` adoption and hooks mark storages). */
let isSharedGrad: (g: Tensor) => boolean = () => true;
/** @internal Runs a gradient rule so that the tensors it makes and does not return are engine temporaries. */
let scoped: <T>(fn: () => T) => T = (fn) => fn();
export function setSharedGradTest(f: (g: Tensor) => boolean, scope?: <T>(fn: () => T) => T): void {
  isSharedGrad = f;
  if (scope) scoped = scope;
}

function backwardPass(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  opts: BackwardOptions,
  targets: Set<Tensor> | null,
): Map<Tensor, Tensor> {
  const prev = swapGradMode(!!opts.createGraph);
  const captured = new Map<Tensor, Tensor>();
  const frees = !opts.createGraph && targets === null && activeDevice() !== null ? new GradFrees(isSharedGrad) : null;
  try {
    const topo = order(roots);
    const grads = new Map<Tensor, Tensor>();
    roots.forEach((r, i) => {
      const acc = grads.get(r);
      grads.set(r, acc ? acc.add(rootGrads[i]!) : rootGrads[i]!);
    });
    if (frees) for (const g of grads.values()) frees.hold(g);
    const anomaly = isAnomalyEnabled();
    for (const t of topo) {
      let g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      frees?.unhold(g);
      const g0 = g;
      g = t.runHooks(g);
      if (targets) {
        // torch.autograd.grad: hand the gradient back, never touch `.grad`
        if (targets.has(t)) captured.set(t, g);
        if (!t.gradFn) continue;
      } else {
        if (!t.gradFn) {
          // a leaf: accumulate (adopting `g` as `.grad` marks it shared)
          t.accumulateGrad(g);
          if (frees) {
            frees.done(g);
            if (g0 !== g) frees.done(g0);
          }
          continue;
        }
        if (t.retainsGrad) t.accumulateGrad(g);
      }
      const node = t.gradFn;
      const edges = node.edges;
      const heldOut = node.heldOut;
      const inputs = edges.map((_, i) => edgeTarget(node, i));
      checkSaved(node);
      // under anomaly mode the gradients are checked below, naming this node; the ops a gradient rule
      // runs internally are not checked on their own (they would name e.g. `div` instead of `sqrt`)
      const rule = () => node.apply(g);
      // a rule's own temporaries (e.g. the full-size product before a broadcast sum) are freed when it returns
      const inGrads = frees ? (anomaly ? withoutAnomaly(() => scoped(rule)) : scoped(rule)) : anomaly ? withoutAnomaly(rule) : rule();
      if (!opts.retainGraph) {
        node.release();
        // the node no longer holds its inputs and output: engine temporaries it was the last to hold go
        for (const x of edges) dropHold(x.record);
        if (heldOut !== null) dropHold(heldOut);
      }
      for (let i = 0; i < inGrads.length; i++) {
        const gi = inGrads[i];
        const x = inputs[i];
        if (!gi || !x || !x.requiresGrad) continue;
        if (anomaly) checkFinite(gi, `the backward of ${node.name}`);
        const acc = grads.get(x);
        if (!acc) {
          grads.set(x, gi);
          frees?.hold(gi);
          continue;
        }
        const sum = acc.add(gi);
        grads.set(x, sum);
        if (frees) {
          frees.unhold(acc);
          frees.hold(sum);
          frees.done(acc);
          frees.done(gi);
        }
      }
      if (frees) {
        frees.done(g);
        if (g0 !== g) frees.done(g0);
      }
    }
  } finally {
    swapGradMode(prev);
  }
  if (targets === null) activeDevice()?.markStep?.();
  return captured;
}
