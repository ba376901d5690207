/**
 * nn.utils: gradient clipping and weight penalties over a model's parameters.
 * @example
 * loss.backward();
 * nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 * @module
 */
import { isFloat } from '../core/dtype.js';
import { StateError, ValueError } from '../core/errors.js';
import { noGrad } from '../autograd/mode.js';
import { Tensor, setGradInternal } from '../tensor/tensor.js';
import { checkOptionKeys } from '../core/options.js';

function asList(parameters: Iterable<Tensor> | Tensor, who: string): Tensor[] {
  // a function (model.parameters, uncalled) would be an empty list to Array.from: nothing clipped, silently
  if (typeof parameters === 'function')
    throw new ValueError(`${who}: parameters is a function; call it — model.parameters(), not model.parameters`);
  if (
    parameters === null ||
    typeof parameters !== 'object' ||
    (!(parameters instanceof Tensor) && typeof parameters[Symbol.iterator] !== 'function')
  )
    throw new ValueError(
      `${who}: expected a Tensor or an iterable of Tensors (e.g. model.parameters()), got ${parameters === null ? 'null' : typeof parameters}`,
    );
  const list = parameters instanceof Tensor ? [parameters] : Array.from(parameters);
  for (const p of list)
    if (!(p instanceof Tensor)) throw new ValueError(`${who}: expected tensors (e.g. model.parameters()), got ${typeof p}`);
  return list;
}

function flatGrad(g: Tensor): ArrayLike<number> {
  return g.isContiguous() ? g.storage.subarray(g.offset, g.offset + g.numel()) : g.dataSync();
}

/**
 * Rescale all gradients together so that their joint `normType`-norm is at most `maxNorm`
 * (PyTorch's `clip_grad_norm_`): `total = ‖(‖g₁‖, ‖g₂‖, …)‖`, then every gradient is multiplied by
 * `min(1, maxNorm / (total + 1e-6))`. Parameters without a gradient are skipped. Each `.grad` is replaced
 * by its scaled copy (no other tensor that shares its storage is touched).
 * Returns the total norm before clipping, as a 0-d tensor (`Infinity` normType gives the max-abs norm).
 */
export function clipGradNorm_(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType = 2,
  opts: { errorIfNonfinite?: boolean } = {},
): Tensor {
  checkOptionKeys('clipGradNorm_', opts, { errorIfNonfinite: true });
  const who = 'clipGradNorm_';
  if (!(maxNorm >= 0)) throw new ValueError(`${who}: maxNorm must be non-negative, got ${maxNorm}`);
  if (!(normType > 0)) throw new ValueError(`${who}: normType must be positive (or Infinity), got ${normType}`);
  const params = asList(parameters, who).filter((p) => p._grad !== null);
  const dtype = params[0]?._grad?.dtype ?? 'float32';
  const scalar = (v: number) => new Tensor(Float64Array.of(v), [], 'float64').to(isFloat(dtype) ? dtype : 'float32');
  if (params.length === 0) return scalar(0);
  // per-parameter norms, then the norm of the norms (same order of operations as PyTorch)
  const norms = params.map((p) => {
    const g = flatGrad(p._grad!);
    if (normType === Infinity) {
      let m = 0;
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]!);
        if (a > m || Number.isNaN(a)) m = a;
      }
      return m;
    }
    let s = 0;
    for (let i = 0; i < g.length; i++) s += Math.abs(g[i]!) ** normType;
    return s ** (1 / normType);
  });
  let total: number;
  if (normType === Infinity) total = norms.reduce((a, b) => (b > a || Number.isNaN(b) ? b : a), 0);
  else total = norms.reduce((a, n) => a + n ** normType, 0) ** (1 / normType);
  if (opts.errorIfNonfinite && !Number.isFinite(total))
    throw new StateError(
      `${who}: the total norm of order ${normType} for gradients from ${params.length} parameters is non-finite (${total}), so it cannot be clipped; pass errorIfNonfinite: false to scale anyway`,
      'E_NONFINITE_NORM',
    );
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  noGrad(() => {
    for (const p of params) setGradInternal(p, p._grad!.detach().mul(coef).detach());
  });
  return scalar(total);
}

/** Clamp every gradient elementwise into `[−clipValue, clipValue]` (PyTorch's `clip_grad_value_`). */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const who = 'clipGradValue_';
  if (!(clipValue >= 0)) throw new ValueError(`${who}: clipValue must be non-negative, got ${clipValue}`);
  noGrad(() => {
    for (const p of asList(parameters, who)) if (p._grad) setGradInternal(p, p._grad.detach().clamp(-clipValue, clipValue).detach());
  });
}

/** Σ|w| over the parameters — differentiable, add `λ·l1Penalty(params)` to the loss. */
export function l1Penalty(parameters: Iterable<Tensor> | Tensor): Tensor {
  return weightPenalty(parameters, { l1: 1 });
}

/** Σw² over the parameters — differentiable. (SGD's `weightDecay: wd` equals adding `wd/2 · l2Penalty`.) */
export function l2Penalty(parameters: Iterable<Tensor> | Tensor): Tensor {
  return weightPenalty(parameters, { l2: 1 });
}

/**
 * An elastic-net penalty over parameters: `l1·Σ|w| + l2·Σw²`, a differentiable scalar to add to the
 * loss. Usually given the weights only, e.g.
 * `model.namedParameters().filter(([n]) => n.endsWith('weight')).map(([, p]) => p)`.
 */
export function weightPenalty(parameters: Iterable<Tensor> | Tensor, opts: { l1?: number; l2?: number }): Tensor {
  checkOptionKeys('weightPenalty', opts, { l1: true, l2: true });
  const who = 'weightPenalty';
  const l1 = opts.l1 ?? 0;
  const l2 = opts.l2 ?? 0;
  if (!(l1 >= 0) || !(l2 >= 0)) throw new ValueError(`${who}: l1 and l2 must be non-negative, got l1 ${l1}, l2 ${l2}`);
  const params = asList(parameters, who);
  if (params.length === 0) throw new ValueError(`${who}: got an empty parameter list`);
  let total: Tensor | null = null;
  for (const p of params) {
    let term: Tensor | null = null;
    if (l1 !== 0) term = p.abs().sum().mul(l1);
    if (l2 !== 0) {
      const t2 = p.square().sum().mul(l2);
      term = term ? term.add(t2) : t2;
    }
    if (term) total = total ? total.add(term) : term;
  }
  return total ?? params[0]!.newZeros([]);
}
