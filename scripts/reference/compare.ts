/** assert_close-style comparison: |a − e| ≤ atol + rtol·|e|, equal NaN/Inf positions, exact ints/bools. */
import { Tensor } from '../../src/index.js';
import type { Comparison, Tol } from './types.js';
import { decodeNumber, isRefTensor } from './util.js';

export function compare(cmp: Comparison, tol: Tol): string | null {
  let actual: number[];
  let aShape: number[] | null = null;
  let exact = false;
  if (cmp.actual instanceof Tensor) {
    actual = Array.from(cmp.actual.dataSync(), Number);
    aShape = cmp.actual.shape.slice();
  } else if (typeof cmp.actual === 'number') actual = [cmp.actual];
  else actual = Array.from(cmp.actual as number[]);
  let expected: number[];
  if (isRefTensor(cmp.expected)) {
    expected = cmp.expected.data.map(decodeNumber);
    exact = cmp.expected.dtype === 'int64' || cmp.expected.dtype === 'bool';
    if (cmp.actual instanceof Tensor) {
      // dtypes must correspond: int64 → int32 (backprop's integer dtype), bool → bool, floats exactly
      const want = cmp.expected.dtype === 'int64' ? 'int32' : cmp.expected.dtype;
      if (cmp.actual.dtype !== want)
        return `${cmp.label}: dtype ${cmp.actual.dtype} != expected ${cmp.expected.dtype} (${want} in backprop)`;
    }
    if (
      aShape &&
      (aShape.length !== cmp.expected.shape.length || aShape.some((d, i) => d !== (cmp.expected as { shape: number[] }).shape[i]))
    )
      return `${cmp.label}: shape [${aShape.join(',')}] != expected [${cmp.expected.shape.join(',')}]`;
  } else if (typeof cmp.expected === 'number') expected = [cmp.expected];
  else expected = Array.from(cmp.expected as number[]);
  if (actual.length !== expected.length) return `${cmp.label}: ${actual.length} elements != expected ${expected.length}`;
  let bad = 0;
  let worst = -1;
  let worstDiff = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    let ok: boolean;
    if (Number.isNaN(e) || Number.isNaN(a)) ok = Number.isNaN(e) && Number.isNaN(a);
    else if (!Number.isFinite(e) || !Number.isFinite(a)) ok = a === e;
    else if (exact) ok = a === e;
    else ok = Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
    if (!ok) {
      bad++;
      const d = Number.isFinite(a - e) ? Math.abs(a - e) : Infinity;
      if (d > worstDiff || worst < 0) {
        worstDiff = d;
        worst = i;
      }
    }
  }
  if (bad === 0) return null;
  return `${cmp.label}: ${bad}/${actual.length} elements mismatch; worst at flat index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (|diff| ${worstDiff}, rtol ${tol.rtol}, atol ${tol.atol})`;
}
