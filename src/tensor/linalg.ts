/** `linalg.*`: norms (PyTorch's torch.linalg).
 * @module
 */
import type { Tensor } from './tensor.js';
import { vectorNorm as vn } from './extra-ops.js';

/**
 * ‖x‖_ord over `dim` (all elements when omitted): (Σ|x|^ord)^(1/ord); ord 'inf'/'-inf' (or ±Infinity)
 * is max/min |x|, ord 0 counts nonzeros. `linalg.vectorNorm(x)` is the 2-norm of everything;
 * `linalg.vectorNorm(x, 1, -1)` the L1 norm of each row. Differentiable (not at 0 for ord 2).
 */
export function vectorNorm(x: Tensor, ord: number | 'inf' | '-inf' = 2, dim?: number | readonly number[], keepdim = false): Tensor {
  return vn(x, ord, dim, keepdim);
}
