/** Adam and AdamW. */
import type { FloatArray } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { kernelsOn } from '../backend/dispatch.js';
import { adamUpdate } from './functional.js';
import {
  Optimizer,
  checkNumber,
  fusedUpdate,
  gradData,
  hyperParamError,
  paramData,
  stateBuffer,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
} from './optimizer.js';

/** Options of `Adam`/`AdamW`; unknown keys throw a `ValueError`. Defaults as PyTorch: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0 (AdamW: 0.01), amsgrad false. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates (β1, β2) of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** Weight decay λ: L2 penalty for Adam (default 0), decoupled decay for AdamW (default 1e-2). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad; default false). */
  amsgrad: boolean;
  maximize: boolean;
}

function validateAdam(name: string, o: AdamOptions): void {
  checkNumber(name, 'learning rate', o.lr);
  checkNumber(name, 'epsilon value', o.eps);
  if (!Array.isArray(o.betas) || o.betas.length !== 2)
    throw hyperParamError(name, `betas must be a pair [beta1, beta2], got ${JSON.stringify(o.betas)}`);
  checkNumber(name, 'beta parameter at index 0:', o.betas[0], 0, { max: 1, maxStrict: true });
  checkNumber(name, 'beta parameter at index 1:', o.betas[1], 0, { max: 1, maxStrict: true });
  checkNumber(name, 'weightDecay value', o.weightDecay);
}

/** Adam's and AdamW's defaults (PyTorch's), which differ only in the weight decay. */
function adamDefaults(opts: Partial<AdamOptions>, weightDecay: number): AdamOptions {
  return {
    lr: opts.lr ?? 1e-3,
    betas: opts.betas ? [opts.betas[0], opts.betas[1]] : [0.9, 0.999],
    eps: opts.eps ?? 1e-8,
    weightDecay: opts.weightDecay ?? weightDecay,
    amsgrad: opts.amsgrad ?? false,
    maximize: opts.maximize ?? false,
  };
}

function adamParam(name: string, decoupled: boolean, p: Tensor, grad: Tensor, st: ParamState, group: ParamGroup<AdamOptions>): void {
  if (st.exp_avg === undefined) {
    st.step = 0;
    st.exp_avg = stateBuffer(p);
    st.exp_avg_sq = stateBuffer(p);
    if (group.amsgrad) st.max_exp_avg_sq = stateBuffer(p);
  }
  if (group.amsgrad && !st.max_exp_avg_sq) st.max_exp_avg_sq = stateBuffer(p);
  st.step = (st.step as number) + 1;
  const data = (k: string) => (st[k] as Tensor).storage as FloatArray;
  const h = {
    lr: group.lr,
    beta1: group.betas[0],
    beta2: group.betas[1],
    eps: group.eps,
    weightDecay: group.weightDecay,
    amsgrad: group.amsgrad,
    maximize: group.maximize,
    decoupled,
  };
  const pd = paramData(p, name);
  const gd = gradData(grad);
  const mx = group.amsgrad ? data('max_exp_avg_sq') : null;
  // a backend's fused kernel (bit-identical) when it has one for these arrays, else the reference loop
  fusedUpdate(
    p,
    kernelsOn(p.record).adamUpdate,
    adamUpdate,
    [pd, gd, data('exp_avg'), data('exp_avg_sq'), mx, st.step as number, h],
    'Adam',
  );
}

/**
 * Adam (Kingma & Ba, 2015), PyTorch's formulation:
 * ```
 * t ← t + 1
 * g ← ∇f(p)  (negated when maximize);   if λ ≠ 0: g ← g + λ·p
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * if amsgrad: v̂ ← max(v̂, v), use v̂ for v below
 * p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
 * ```
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq` (amsgrad).
 * @example const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super('Adam', params, adamDefaults(opts, 0), opts);
  }

  protected validate(o: AdamOptions): void {
    validateAdam('Adam', o);
  }

  protected updateParam(p: Tensor, grad: Tensor, st: ParamState, group: ParamGroup<AdamOptions>): void {
    adamParam('Adam', false, p, grad, st, group);
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.
 * ```
 * t ← t + 1
 * p ← p·(1 − lr·λ)
 * g ← ∇f(p)  (negated when maximize)
 * m, v, (v̂) and the update exactly as Adam (without adding λ·p to g)
 * ```
 * State per parameter: as Adam. Default weightDecay 1e-2.
 */
export class AdamW extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super('AdamW', params, adamDefaults(opts, 1e-2), opts);
  }

  protected validate(o: AdamOptions): void {
    validateAdam('AdamW', o);
  }

  protected updateParam(p: Tensor, grad: Tensor, st: ParamState, group: ParamGroup<AdamOptions>): void {
    adamParam('AdamW', true, p, grad, st, group);
  }
}
