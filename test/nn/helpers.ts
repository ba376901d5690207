/** Shared helpers for the nn tests. */
import { readFileSync } from 'node:fs';
import { Rng, gradcheck, noGrad, randn, type nn, type Tensor } from '../../src/index.js';
import { defaultReferenceDir } from '../../scripts/reference/run.js';
import type { RefTensor } from '../../scripts/reference/types.js';

export { toTensor } from '../../scripts/reference/util.js';

export function loadRef<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(`${defaultReferenceDir()}/${file}`, 'utf8')) as T;
}

export type { RefTensor };

/**
 * float64 gradcheck of `call(module, ...inputs)` with respect to the float inputs that require grad
 * AND every parameter of the module, at `samples` points: the given inputs, then fresh N(0, 1) inputs
 * of the same shapes (RELIABILITY.md asks for ≥ 3 sample inputs). For finite differences, the perturbed
 * parameter values are copied into the module's parameters for the duration of the call (and restored).
 */
export function moduleGradcheck(module: nn.Module, inputs: Tensor[], call: (...xs: Tensor[]) => Tensor | Tensor[], samples = 3): boolean {
  const rng = new Rng(1234);
  for (let s = 0; s < samples; s++) {
    const xs = s === 0 ? inputs : inputs.map((t) => randn(t.shape, { dtype: 'float64', rng }).requiresGrad_(t.requiresGrad));
    if (!gradcheckOnce(module, xs, call)) return false;
  }
  return true;
}

function gradcheckOnce(module: nn.Module, inputs: Tensor[], call: (...xs: Tensor[]) => Tensor | Tensor[]): boolean {
  const params = module.parameters();
  const n = inputs.length;
  return gradcheck(
    (...xs: Tensor[]) => {
      const ps = xs.slice(n);
      const saved: [number, Tensor][] = [];
      ps.forEach((p, i) => {
        const own = params[i]!;
        if (p !== own) {
          saved.push([i, own.detach().clone()]);
          noGrad(() => own.copy_(p));
        }
      });
      try {
        return call(...xs.slice(0, n));
      } finally {
        noGrad(() => {
          for (const [i, v] of saved) params[i]!.copy_(v);
        });
      }
    },
    [...inputs, ...params],
  );
}
