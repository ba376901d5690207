/** Stochastic gradient descent (optionally with momentum / Nesterov momentum). */
import type { FloatArray } from '../core/dtype.js';
import type { SgdUpdateArgs } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { kernelsOn } from '../backend/dispatch.js';
import { sgdUpdate } from './functional.js';
import { Optimizer, fusedUpdate, gradData, stateBuffer, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';

/** Options of `SGD`; unknown keys throw a `ValueError`. `lr` has no default (as in PyTorch); momentum, dampening and weightDecay default to 0. */
export type SGDOptions = SgdUpdateArgs;

/**
 * SGD, PyTorch's formulation (velocity applied as `p ← p − lr·v`):
 * ```
 * g ← ∇f(p)            (−∇f(p) when maximize)
 * if λ ≠ 0:  g ← g + λ·p
 * if μ ≠ 0:  b ← g at the first step, else μ·b + (1 − τ)·g
 *            g ← g + μ·b  if nesterov, else b
 * p ← p − lr·g
 * ```
 * State per parameter: `momentum_buffer` (null without momentum).
 * @example const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, opts: Partial<SGDOptions> & { lr: number }) {
    super(
      'SGD',
      params,
      {
        lr: opts?.lr,
        momentum: opts?.momentum ?? 0,
        dampening: opts?.dampening ?? 0,
        weightDecay: opts?.weightDecay ?? 0,
        nesterov: opts?.nesterov ?? false,
        maximize: opts?.maximize ?? false,
      } as SGDOptions,
      opts,
    );
  }

  protected validate(o: SGDOptions): void {
    if (o.lr === undefined) throw this.hyperError('the learning rate lr is required, e.g. new SGD(params, { lr: 0.01 })');
    this.checkHyper('learning rate', o.lr);
    this.checkHyper('momentum value', o.momentum);
    this.checkHyper('dampening value', o.dampening);
    this.checkHyper('weightDecay value', o.weightDecay);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0))
      throw this.hyperError(
        `Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${o.momentum}, dampening ${o.dampening})`,
      );
  }

  protected updateParam(p: Tensor, grad: Tensor, st: ParamState, group: ParamGroup<SGDOptions>): void {
    let buf: Tensor | null = (st.momentum_buffer as Tensor | null | undefined) ?? null;
    const first = buf === null;
    if (group.momentum !== 0 && buf === null) buf = stateBuffer(p);
    const pd = this.paramData(p);
    const gd = gradData(grad);
    const bd = group.momentum !== 0 ? (buf!.storage as FloatArray) : null;
    // a backend's fused kernel (bit-identical) when it has one for these arrays, else the reference loop
    fusedUpdate(p, kernelsOn(p.record).sgdUpdate, sgdUpdate, [pd, gd, bd, first, group], 'SGD');
    st.momentum_buffer = group.momentum !== 0 ? buf : null;
  }
}
