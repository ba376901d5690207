/** RMSprop (Hinton), optionally centered and with momentum. */
import type { FloatArray } from '../core/dtype.js';
import type { RmspropUpdateArgs } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { kernelsOn } from '../backend/dispatch.js';
import { rmspropUpdate } from './functional.js';
import { Optimizer, fusedUpdate, gradData, stateBuffer, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';

/** Options of `RMSprop` (the fused update's argument type); unknown keys throw a `ValueError`. Defaults as PyTorch: lr 0.01, alpha 0.99, eps 1e-8, no momentum, weightDecay 0. */
export type RMSpropOptions = RmspropUpdateArgs;

/**
 * RMSprop, PyTorch's formulation:
 * ```
 * g ← ∇f(p)  (negated when maximize);   if λ ≠ 0: g ← g + λ·p
 * v ← α·v + (1 − α)·g²
 * if centered:  ḡ ← α·ḡ + (1 − α)·g;   d ← √(v − ḡ²) + eps   else  d ← √v + eps
 * if μ > 0:     b ← μ·b + g/d;  p ← p − lr·b
 * else:         p ← p − lr·g/d
 * ```
 * State per parameter: `step`, `square_avg`, `momentum_buffer` (momentum > 0), `grad_avg` (centered).
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: ParamsInput<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    super(
      'RMSprop',
      params,
      {
        lr: opts.lr ?? 1e-2,
        alpha: opts.alpha ?? 0.99,
        eps: opts.eps ?? 1e-8,
        weightDecay: opts.weightDecay ?? 0,
        momentum: opts.momentum ?? 0,
        centered: opts.centered ?? false,
        maximize: opts.maximize ?? false,
      },
      opts,
    );
  }

  protected validate(o: RMSpropOptions): void {
    this.checkHyper('learning rate', o.lr);
    this.checkHyper('epsilon value', o.eps);
    this.checkHyper('momentum value', o.momentum);
    this.checkHyper('weightDecay value', o.weightDecay);
    this.checkHyper('alpha value', o.alpha);
  }

  protected updateParam(p: Tensor, grad: Tensor, st: ParamState, group: ParamGroup<RMSpropOptions>): void {
    if (st.square_avg === undefined) {
      st.step = 0;
      st.square_avg = stateBuffer(p);
      if (group.momentum > 0) st.momentum_buffer = stateBuffer(p);
      if (group.centered) st.grad_avg = stateBuffer(p);
    }
    // options may change between steps (e.g. a scheduler cycling momentum): create what is missing
    if (group.momentum > 0 && !st.momentum_buffer) st.momentum_buffer = stateBuffer(p);
    if (group.centered && !st.grad_avg) st.grad_avg = stateBuffer(p);
    st.step = (st.step as number) + 1;
    const data = (k: string) => (st[k] ? ((st[k] as Tensor).storage as FloatArray) : null);
    fusedUpdate(
      p,
      kernelsOn(p.record).rmspropUpdate,
      rmspropUpdate,
      [
        this.paramData(p),
        gradData(grad),
        data('square_avg')!,
        group.centered ? data('grad_avg') : null,
        group.momentum > 0 ? data('momentum_buffer') : null,
        group,
      ],
      'RMSprop',
    );
  }
}
