/**
 * Index descriptors for `x.at(...)` / `x.set(..., value)`, in two spellings that may be mixed:
 *
 * - a string in NumPy's slice syntax: `':, 1'`, `'..., ::2'`, `'1:-1, None'`, `'-1'`;
 * - items: a number (an integer index, negative from the end), `[start, stop, step]` (a slice, any part
 *   null or left out), `'...'`, `null` (a new axis), or a Tensor (int32 indices or a bool mask).
 *
 * `x.at(':, 1')`, `x.at(':', 1)` and `x.at([null, null], 1)` all mean PyTorch's `x[:, 1]`.
 */
import { IndexError, ValueError } from '../core/errors.js';
import type { Tensor } from './tensor.js';

/** A Python slice `start:stop:step` as a tuple; a missing or null item is the slice default (e.g. `[null, null, -1]` is `::-1`). */
export type SliceSpec = [(number | null)?, (number | null)?, (number | null)?];
/** One item of an index: see the module comment. */
export type IndexItem = number | null | string | SliceSpec | Tensor;

export type ParsedIndex =
  | { kind: 'int'; value: number }
  | { kind: 'slice'; start: number | null; stop: number | null; step: number }
  | { kind: 'ellipsis' }
  | { kind: 'newaxis' }
  | { kind: 'tensor'; tensor: Tensor };

function isTensorLike(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'storage' in v && 'shape' in v && 'dtype' in v;
}

function checkInt(v: number, who: string, what: string): number {
  if (!Number.isInteger(v)) throw new IndexError(`${who}: ${what} must be an integer, got ${v}`, 'E_INDEX_SYNTAX');
  return v;
}

function makeSlice(who: string, start: number | null, stop: number | null, step: number | null): ParsedIndex {
  const s = step ?? 1;
  if (start !== null) checkInt(start, who, 'a slice start');
  if (stop !== null) checkInt(stop, who, 'a slice stop');
  checkInt(s, who, 'a slice step');
  if (s === 0) throw new ValueError(`${who}: slice step cannot be zero`, 'E_INDEX_SYNTAX');
  if (s < 0) throw new ValueError(`${who}: negative slice steps are not supported (as in PyTorch); use flip() instead`, 'E_INDEX_SYNTAX');
  return { kind: 'slice', start, stop, step: s };
}

const INT = /^[+-]?\d+$/;

function parsePart(part: string, whole: string, who: string): ParsedIndex {
  const p = part.trim();
  if (p === '...') return { kind: 'ellipsis' };
  if (p === 'None' || p === 'null' || p === 'newaxis') return { kind: 'newaxis' };
  if (INT.test(p)) return { kind: 'int', value: Number(p) };
  if (p.includes(':')) {
    const bits = p.split(':').map((b) => b.trim());
    if (bits.length <= 3 && bits.every((b) => b === '' || INT.test(b))) {
      const num = (b: string | undefined) => (b === undefined || b === '' ? null : Number(b));
      return makeSlice(who, num(bits[0]), num(bits[1]), num(bits[2]));
    }
  }
  throw new IndexError(
    `${who}: cannot parse '${p}' in the index '${whole}' (expected an integer, start:stop:step, '...' or None)`,
    'E_INDEX_SYNTAX',
  );
}

/** Parse `at`/`set` arguments into index items. */
export function parseIndex(args: readonly unknown[], who: string): ParsedIndex[] {
  const out: ParsedIndex[] = [];
  for (const a of args) {
    if (typeof a === 'string') {
      if (a.trim() === '') throw new IndexError(`${who}: empty index string`, 'E_INDEX_SYNTAX');
      for (const part of a.split(',')) out.push(parsePart(part, a, who));
    } else if (typeof a === 'number') out.push({ kind: 'int', value: checkInt(a, who, 'an index') });
    else if (a === null) out.push({ kind: 'newaxis' });
    else if (Array.isArray(a)) {
      if (a.length > 3 || a.some((v) => v !== null && v !== undefined && typeof v !== 'number'))
        throw new IndexError(
          `${who}: an array item is a slice [start, stop, step] of numbers or nulls, got [${a.map(String).join(', ')}]; index with a Tensor to pick several positions`,
          'E_INDEX_SYNTAX',
        );
      const v = (i: number) => (a[i] === undefined ? null : (a[i] as number | null));
      out.push(makeSlice(who, v(0), v(1), v(2)));
    } else if (isTensorLike(a)) out.push({ kind: 'tensor', tensor: a });
    else
      throw new IndexError(
        `${who}: unsupported index item ${typeof a === 'boolean' ? String(a) : typeof a}; use numbers, [start, stop, step], '...', null, strings or Tensors`,
        'E_INDEX_SYNTAX',
      );
  }
  return out;
}
