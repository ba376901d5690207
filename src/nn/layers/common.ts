/** Helpers shared by the layer modules: argument validation and init-time options. */
import { isFloat } from '../../core/dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { apply, type Tensor } from '../../tensor/tensor.js';

/** Options every layer with random initial weights takes. */
export interface InitOptions {
  /** Generator for the initial weights (default: the global one, see `manualSeed`). */
  rng?: Rng;
}

export function checkPosInt(v: unknown, what: string, who: string, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (allowZero ? 0 : 1))
    throw new ValueError(`${who}: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(v)}`);
  return v;
}

export function checkFinite(v: unknown, what: string, who: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${who}: ${what} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

export function checkProb(p: unknown, who: string): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ValueError(`${who}: dropout probability has to be between 0 and 1, but got ${JSON.stringify(p)}`);
  return p;
}

export type { IntOrPair } from '../../core/shape.js';

/** PyTorch prints tuples for pair arguments: (3, 3). */
export function pairRepr(p: readonly number[]): string {
  return `(${p.join(', ')})`;
}

/** Python's repr of a float: 1 → 1.0, 1e-5 → 1e-05, 0.1 → 0.1. */
export function pyFloat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e16)) {
    const [m, e] = v.toExponential().split('e') as [string, string];
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '').padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  return String(v);
}

/**
 * `y = x Wᵀ + b` with its input checked once, for `F.linear` and the `Linear` layer alike: weight
 * [out, in], x [..., in] of a floating-point dtype. `layer` (`Linear(100, 10)`) names the calling
 * module in the message and gives a shape mismatch the code `E_LINEAR_SHAPE`; null for `F.linear`.
 */
export function linearChecked(layer: string | null, x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`);
  const inF = weight.shape[1]!;
  const last = x.ndim === 0 ? undefined : x.shape[x.ndim - 1];
  if (last !== inF)
    throw layer
      ? new ShapeError(
          `${layer}: expected input [..., ${inF}], got ${fmtShape(x.shape)}; ` +
            (last === undefined
              ? 'hint: a 0-d tensor has no feature dim; reshape it to [1, 1]'
              : `hint: the previous layer outputs ${last} features but this Linear expects ${inF}`),
          'E_LINEAR_SHAPE',
        )
      : new ShapeError(
          `linear: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)} cannot be multiplied; hint: the input has ${last} features but the layer expects ${inF}`,
        );
  if (!isFloat(x.dtype))
    throw new DTypeError(`${layer ?? 'linear'}: expected a floating-point input, got ${x.dtype}; convert with .float()`);
  // the common case, one primitive (one kernel call, bias fused); anything else composes matmul + add
  if (x.ndim === 2 && x.dtype === weight.dtype && (!bias || (bias.ndim === 1 && bias.dtype === x.dtype)))
    return apply('linear', bias ? [x, weight, bias] : [x, weight], {});
  const y = x.matmul(weight.t());
  return bias ? y.add(bias) : y;
}
