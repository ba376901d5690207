/** Adagrad: per-coordinate learning rates from the accumulated squared gradients. */
import type { FloatArray } from '../core/dtype.js';
import type { AdagradUpdateArgs } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { kernelsOn } from '../backend/dispatch.js';
import { adagradUpdate } from './functional.js';
import { Optimizer, fusedUpdate, gradData, stateBuffer, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';

/** Options of `Adagrad`; unknown keys throw a `ValueError`. Defaults as PyTorch: lr 0.01, lrDecay 0, weightDecay 0, eps 1e-10. */
export interface AdagradOptions extends AdagradUpdateArgs {
  /** Starting value of the accumulator (default 0). */
  initialAccumulatorValue: number;
}

/**
 * Adagrad (Duchi et al., 2011), PyTorch's formulation:
 * ```
 * t ← t + 1
 * g ← ∇f(p)  (negated when maximize);   if λ ≠ 0: g ← g + λ·p
 * clr ← lr / (1 + (t − 1)·η)
 * s ← s + g²
 * p ← p − clr · g / (√s + eps)
 * ```
 * State per parameter: `step`, `sum`.
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: ParamsInput<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    super(
      'Adagrad',
      params,
      {
        lr: opts.lr ?? 1e-2,
        lrDecay: opts.lrDecay ?? 0,
        weightDecay: opts.weightDecay ?? 0,
        initialAccumulatorValue: opts.initialAccumulatorValue ?? 0,
        eps: opts.eps ?? 1e-10,
        maximize: opts.maximize ?? false,
      },
      opts,
    );
  }

  protected validate(o: AdagradOptions): void {
    this.checkHyper('learning rate', o.lr);
    this.checkHyper('lrDecay value', o.lrDecay);
    this.checkHyper('weightDecay value', o.weightDecay);
    this.checkHyper('initialAccumulatorValue', o.initialAccumulatorValue);
    this.checkHyper('epsilon value', o.eps);
  }

  protected updateParam(p: Tensor, grad: Tensor, st: ParamState, group: ParamGroup<AdagradOptions>): void {
    if (st.sum === undefined) {
      st.step = 0;
      st.sum = stateBuffer(p, group.initialAccumulatorValue);
    }
    st.step = (st.step as number) + 1;
    fusedUpdate(
      p,
      kernelsOn(p.record).adagradUpdate,
      adagradUpdate,
      [this.paramData(p), gradData(grad), (st.sum as Tensor).storage as FloatArray, st.step as number, group],
      'Adagrad',
    );
  }
}
