/**
 * The float32 scalars of the optimizers' float32 updates, shared by the reference loops
 * (src/optim/functional.ts) and the fused kernels (src/backend/wasm/optim.ts), so that both take the
 * very same values: each is computed in double, as PyTorch's Python code computes it, and rounded to
 * float32 once, as the tensor op that takes it rounds it.
 */
import type { AdamUpdateArgs, SgdUpdateArgs } from './types.js';

const fr = Math.fround;

/**
 * The float32 scalars of one Adam step, each computed in double (as Python computes them) and
 * rounded to float32 once (as the tensor op that takes it does). A fused kernel takes exactly these.
 */
export function adamScalars(step: number, h: AdamUpdateArgs) {
  const { lr, beta1, beta2, eps, weightDecay } = h;
  return {
    beta1: fr(beta1),
    oneMinusBeta1: fr(1 - beta1),
    beta2: fr(beta2),
    oneMinusBeta2: fr(1 - beta2),
    /** `math.sqrt(1 − β2^t)` */
    bc2Sqrt: fr(Math.sqrt(1 - Math.pow(beta2, step))),
    /** `−lr / (1 − β1^t)`, the addcdiv value */
    negStepSize: fr(-(lr / (1 - Math.pow(beta1, step)))),
    eps: fr(eps),
    weightDecay: fr(weightDecay),
    /** AdamW's `1 − lr·wd` */
    decay: fr(1 - lr * weightDecay),
  };
}

/** SGD's float32 scalars (each rounded once, as the op that takes it does). A fused kernel takes exactly these. */
export function sgdScalars(h: SgdUpdateArgs) {
  return { weightDecay: fr(h.weightDecay), momentum: fr(h.momentum), oneMinusDampening: fr(1 - h.dampening), negLr: fr(-h.lr) };
}
