/**
 * gradcheck: compare autograd's gradients with central finite differences, in float64.
 * Pass when |numerical − analytical| ≤ atol + rtol·|analytical| for every element (PyTorch's defaults:
 * eps 1e-6, atol 1e-5, rtol 1e-3). Inputs that are not float64 are rejected: float32 is too coarse.
 */
import { DTypeError, ValueError } from '../core/errors.js';
import { noGrad } from '../autograd/mode.js';
import { Tensor } from './tensor.js';
import { checkOptionKeys } from '../core/options.js';

/** Options of `gradcheck`; unknown keys throw a `ValueError`. Compares analytic gradients with central finite differences. */
export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw a ValueError describing the first mismatch (default) or just return false. */
  raiseException?: boolean;
}

function toScalarLoss(out: Tensor | Tensor[], weights: Tensor[]): Tensor {
  const outs = Array.isArray(out) ? out : [out];
  let total: Tensor | null = null;
  outs.forEach((o, i) => {
    if (!o.isFloatingPoint()) return;
    const term = o.mul(weights[i]!).sum();
    total = total ? total.add(term) : term;
  });
  if (!total) throw new ValueError('gradcheck: the function returned no floating-point output');
  return total;
}

/**
 * Check gradients of `fn` at `inputs` (float64 tensors; those with requiresGrad are checked).
 * Each output is contracted with a fixed pseudo-random weight so every output element matters.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: GradcheckOptions = {}): boolean {
  checkOptionKeys('gradcheck', opts, { eps: true, atol: true, rtol: true, raiseException: true });
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  for (const x of inputs)
    if (x.requiresGrad && x.dtype !== 'float64')
      throw new DTypeError(`gradcheck: inputs that require grad must be float64, got ${x.dtype}`);
  const probe = noGrad(() => fn(...inputs));
  const outs = Array.isArray(probe) ? probe : [probe];
  let seed = 12345;
  const nextW = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return 0.5 + (seed / 2 ** 32) * 1.5;
  };
  const weights = outs.map((o) =>
    o.newTensor(Array.from({ length: o.numel() }, nextW), o.shape, o.isFloatingPoint() ? o.dtype : 'float64'),
  );

  for (const x of inputs) x.grad = null;
  toScalarLoss(fn(...inputs), weights).backward();

  for (let k = 0; k < inputs.length; k++) {
    const x = inputs[k]!;
    if (!x.requiresGrad) continue;
    const analytical = x.grad ? x.grad.dataSync() : new Float64Array(x.numel());
    // perturb a contiguous copy, one element at a time
    const base = x.detach().contiguous().dataSync() as Float64Array;
    for (let i = 0; i < base.length; i++) {
      const evalAt = (v: number) => {
        const arr = Float64Array.from(base);
        arr[i] = v;
        const xi = new Tensor(arr, x.shape.slice(), 'float64');
        const args = inputs.map((t, j) => (j === k ? xi : t.detach()));
        return noGrad(() => toScalarLoss(fn(...args), weights).item());
      };
      const num = (evalAt(base[i]! + eps) - evalAt(base[i]! - eps)) / (2 * eps);
      const ana = analytical[i]!;
      if (!(Math.abs(num - ana) <= atol + rtol * Math.abs(ana))) {
        if (opts.raiseException === false) return false;
        throw new ValueError(
          `gradcheck: Jacobian mismatch for input ${k} at flat index ${i}: numerical ${num}, analytical ${ana} (|diff| ${Math.abs(num - ana)} > ${atol} + ${rtol}·|analytical|)`,
          'E_GRADCHECK',
        );
      }
    }
  }
  return true;
}
