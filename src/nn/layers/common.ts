/** Helpers shared by the layer modules: argument validation and init-time options. */
import { ValueError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { checkOptionKeys } from '../../core/options.js';

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

/** A size given once for both spatial dims, or as `[h, w]` (kernelSize, stride, padding, ...). */
export type IntOrPair = number | readonly [number, number];

export function toPair(v: IntOrPair, what: string, who: string, allowZero = false): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  for (const x of p)
    if (!Number.isInteger(x) || x < (allowZero ? 0 : 1))
      throw new ValueError(
        `${who}: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer or a pair of them, got ${JSON.stringify(v)}`,
      );
  return p;
}

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

/** Reject unknown option keys (see core/options): `LSTM: unknown option 'batch_first'; did you mean 'batchFirst'?`. */
export function checkOptions(opts: unknown, allowed: readonly string[], who: string): void {
  checkOptionKeys(who, opts, allowed);
}
