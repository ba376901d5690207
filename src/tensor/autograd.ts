/**
 * `grad()`: gradients returned rather than accumulated (PyTorch's `torch.autograd.grad`). With
 * `createGraph` the returned gradients are themselves differentiable, for gradient penalties and
 * second derivatives.
 */
import { ShapeError, StateError, fmtShape } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { checkOptionKeys } from '../core/options.js';
import { runGrad } from '../autograd/engine.js';
import type { Tensor } from './tensor.js';

/** Options of `autograd.grad`; unknown keys throw a `ValueError`. */
export interface GradOptions {
  /** The upstream gradient of each output ("vector" of the vector-Jacobian product); scalars default to 1. */
  gradOutputs?: Tensor | readonly (Tensor | null)[];
  /** Keep the graph for another backward (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass so the returned gradients can be differentiated again. */
  createGraph?: boolean;
  /** Return null for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * d(Σ outputs·gradOutputs)/d inputs, one tensor per input (shape of the input); `.grad` is untouched.
 * @example
 * const x = tensor([2], { requiresGrad: true });
 * const [dy] = grad(x.pow(3), [x], { createGraph: true }); // 3x² = 12
 * const [d2y] = grad(dy!, [x]);                             // 6x = 12
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  checkOptionKeys('grad', opts, { gradOutputs: true, retainGraph: true, createGraph: true, allowUnused: true });
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  const gos = opts.gradOutputs === undefined ? [] : Array.isArray(opts.gradOutputs) ? opts.gradOutputs : [opts.gradOutputs as Tensor];
  const roots: Tensor[] = [];
  const seeds: Tensor[] = [];
  outs.forEach((o, i) => {
    if (!o.requiresGrad) throw new StateError(`grad: output ${i} does not require grad and has no gradFn`);
    const go = gos[i] ?? null;
    if (go === null) {
      if (o.numel() !== 1)
        throw new StateError(
          `grad: output ${i} has shape ${fmtShape(o.shape)}; grad can be implicitly created only for scalar outputs — pass gradOutputs`,
        );
      seeds.push(o.newOnes(o.shape));
    } else {
      if (!shapesEqual(go.shape, o.shape))
        throw new ShapeError(`grad: gradOutputs[${i}] has shape ${fmtShape(go.shape)} but output ${i} has shape ${fmtShape(o.shape)}`);
      seeds.push(go.dtype === o.dtype ? (opts.createGraph ? go : go.detach()) : go.to(o.dtype));
    }
    roots.push(o);
  });
  ins.forEach((x, i) => {
    if (!x.requiresGrad) throw new StateError(`grad: input ${i} does not require grad`);
  });
  const createGraph = !!opts.createGraph;
  const got = runGrad(roots, seeds, ins, { createGraph, retainGraph: opts.retainGraph ?? createGraph });
  return got.map((g, i) => {
    if (g === null) {
      if (!opts.allowUnused)
        throw new StateError(`grad: input ${i} was not used to compute the outputs; pass { allowUnused: true } to get null for it`);
      return null;
    }
    const x = ins[i]!;
    const shaped = shapesEqual(g.shape, x.shape) ? g : g.expand(x.shape);
    const typed = shaped.dtype === x.dtype ? shaped : shaped.to(x.dtype);
    // a fresh tensor: the gradient may be a view shared with other tensors of the graph
    return createGraph ? typed.clone() : typed.detach().clone();
  });
}
