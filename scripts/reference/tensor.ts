/**
 * Reference runners for tensor.json: indexing and index assignment (`x.at(...)`, `x.set(...)`), sorting
 * and selection, scans, reshaping helpers, einsum, scatter, logic and rounding arithmetic, norms,
 * unique/bincount. Index descriptors (README "tensor.json") map onto `at`/`set` items:
 * an integer → a number, `{slice: [a, b, c]}` → `[a, b, c]`, `"..."` → `'...'`, `null` → null (new
 * axis), `{input: name}` → the index tensor.
 */
import { Tensor, einsum, linalg, meshgrid } from '../../src/index.js';
import type { IndexItem } from '../../src/tensor/index-parse.js';
import { call } from './ops.js';
import type { Comparison, RefCase, Registry } from './types.js';
import { caseInputs, resolveArg, standardChecks } from './util.js';

type Args = Record<string, unknown>;

const T = (v: unknown, name: string): Tensor => {
  if (!(v instanceof Tensor)) throw new Error(`reference: argument ${name} should be a tensor`);
  return v;
};
const int = (v: unknown, dflt: number): number => (v === undefined || v === null ? dflt : (v as number));
const bool = (v: unknown, dflt: boolean): boolean => (v === undefined || v === null ? dflt : (v as boolean));
const dims = (v: unknown): number | number[] | undefined => (v === undefined || v === null ? undefined : (v as number | number[]));

/** A tensor.json index descriptor list → `at`/`set` items. */
function indexItems(index: unknown, inputs: Record<string, Tensor>): IndexItem[] {
  if (!Array.isArray(index)) throw new Error('reference: an index must be a list');
  return index.map((it): IndexItem => {
    if (it === null || typeof it === 'number' || it === '...') return it as IndexItem;
    if (typeof it === 'object' && 'slice' in (it as object)) {
      const [a, b, c] = (it as { slice: (number | null)[] }).slice;
      return [a ?? null, b ?? null, c ?? null];
    }
    const r = resolveArg(it, inputs);
    if (r instanceof Tensor) return r;
    throw new Error(`reference: unknown index item ${JSON.stringify(it)}`);
  });
}

/** `(values, indices)` tuples come back as objects in backprop. */
const pair = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];

const fns: Record<string, [string[], (a: Args) => Tensor | Tensor[]]> = {
  'torch.sort': [
    ['input', 'dim', 'descending', 'stable'],
    (a) => pair(T(a.input, 'input').sort(int(a.dim, -1), { descending: bool(a.descending, false), stable: bool(a.stable, false) })),
  ],
  'torch.argsort': [
    ['input', 'dim', 'descending', 'stable'],
    (a) => T(a.input, 'input').argsort(int(a.dim, -1), { descending: bool(a.descending, false), stable: bool(a.stable, false) }),
  ],
  'torch.topk': [
    ['input', 'k', 'dim', 'largest', 'sorted'],
    (a) => pair(T(a.input, 'input').topk(a.k as number, int(a.dim, -1), { largest: bool(a.largest, true), sorted: bool(a.sorted, true) })),
  ],
  'torch.kthvalue': [
    ['input', 'k', 'dim', 'keepdim'],
    (a) => pair(T(a.input, 'input').kthvalue(a.k as number, int(a.dim, -1), bool(a.keepdim, false))),
  ],
  'torch.median': [
    ['input', 'dim', 'keepdim'],
    (a) =>
      a.dim === undefined || a.dim === null
        ? T(a.input, 'input').median()
        : pair(T(a.input, 'input').median(a.dim as number, bool(a.keepdim, false))),
  ],
  'torch.cumsum': [['input', 'dim'], (a) => T(a.input, 'input').cumsum(a.dim as number)],
  'torch.cumprod': [['input', 'dim'], (a) => T(a.input, 'input').cumprod(a.dim as number)],
  'torch.cummax': [['input', 'dim'], (a) => pair(T(a.input, 'input').cummax(a.dim as number))],
  'torch.flip': [['input', 'dims'], (a) => T(a.input, 'input').flip(a.dims as number[])],
  'torch.roll': [['input', 'shifts', 'dims'], (a) => T(a.input, 'input').roll(a.shifts as number | number[], dims(a.dims))],
  'torch.tril': [['input', 'diagonal'], (a) => T(a.input, 'input').tril(int(a.diagonal, 0))],
  'torch.triu': [['input', 'diagonal'], (a) => T(a.input, 'input').triu(int(a.diagonal, 0))],
  'torch.diag': [['input', 'diagonal'], (a) => T(a.input, 'input').diag(int(a.diagonal, 0))],
  'torch.trace': [['input'], (a) => T(a.input, 'input').trace()],
  'torch.outer': [['input', 'vec2'], (a) => T(a.input, 'input').outer(T(a.vec2, 'vec2'))],
  'torch.tile': [['input', 'dims'], (a) => T(a.input, 'input').tile(a.dims as number[])],
  'torch.unbind': [['input', 'dim'], (a) => T(a.input, 'input').unbind(int(a.dim, 0))],
  'torch.masked_select': [['input', 'mask'], (a) => T(a.input, 'input').maskedSelect(T(a.mask, 'mask'))],
  'torch.scatter': [
    ['input', 'dim', 'index', 'src', 'value'],
    (a) => T(a.input, 'input').scatter(a.dim as number, T(a.index, 'index'), (a.src ?? a.value) as Tensor | number),
  ],
  'torch.scatter_reduce': [
    ['input', 'dim', 'index', 'src', 'reduce', 'include_self'],
    (a) =>
      T(a.input, 'input').scatterReduce(a.dim as number, T(a.index, 'index'), T(a.src, 'src'), a.reduce as 'sum', {
        includeSelf: bool(a.include_self, true),
      }),
  ],
  'torch.index_add': [
    ['input', 'dim', 'index', 'source', 'alpha'],
    (a) => T(a.input, 'input').indexAdd(a.dim as number, T(a.index, 'index'), T(a.source, 'source'), { alpha: int(a.alpha, 1) }),
  ],
  'torch.all': [['input', 'dim', 'keepdim'], (a) => T(a.input, 'input').all(dims(a.dim), bool(a.keepdim, false))],
  'torch.any': [['input', 'dim', 'keepdim'], (a) => T(a.input, 'input').any(dims(a.dim), bool(a.keepdim, false))],
  'torch.remainder': [['input', 'other'], (a) => T(a.input, 'input').remainder(a.other as Tensor | number)],
  'torch.fmod': [['input', 'other'], (a) => T(a.input, 'input').fmod(a.other as Tensor | number)],
  'torch.floor_divide': [['input', 'other'], (a) => T(a.input, 'input').floorDivide(a.other as Tensor | number)],
  'torch.trunc': [['input'], (a) => T(a.input, 'input').trunc()],
  'torch.isclose': [
    ['input', 'other', 'rtol', 'atol', 'equal_nan'],
    (a) =>
      T(a.input, 'input').isclose(T(a.other, 'other'), {
        rtol: int(a.rtol, 1e-5),
        atol: int(a.atol, 1e-8),
        equalNan: bool(a.equal_nan, false),
      }),
  ],
  'torch.nan_to_num': [
    ['input', 'nan', 'posinf', 'neginf'],
    (a) =>
      T(a.input, 'input').nanToNum({
        nan: int(a.nan, 0),
        posinf: (a.posinf as number | null | undefined) ?? null,
        neginf: (a.neginf as number | null | undefined) ?? null,
      }),
  ],
  'torch.lerp': [['input', 'end', 'weight'], (a) => T(a.input, 'input').lerp(T(a.end, 'end'), a.weight as Tensor | number)],
  'torch.linalg.vector_norm': [
    ['input', 'ord', 'dim', 'keepdim', 'dtype'],
    (a) => {
      if (a.dtype !== undefined && a.dtype !== null) throw new Error('reference: vector_norm dtype argument is not mapped');
      return linalg.vectorNorm(
        T(a.input, 'input'),
        (a.ord as number | 'inf' | '-inf' | undefined) ?? 2,
        dims(a.dim),
        bool(a.keepdim, false),
      );
    },
  ],
  'torch.unique': [
    ['input', 'sorted', 'return_inverse', 'return_counts', 'dim'],
    (a) => {
      const r = T(a.input, 'input').unique({
        sorted: bool(a.sorted, true),
        returnInverse: true,
        returnCounts: true,
        ...(a.dim === undefined || a.dim === null ? {} : { dim: a.dim as number }),
      });
      const out = [r.values];
      if (bool(a.return_inverse, false)) out.push(r.inverse!);
      if (bool(a.return_counts, false)) out.push(r.counts!);
      return out.length === 1 ? out[0]! : out;
    },
  ],
  'torch.bincount': [
    ['input', 'weights', 'minlength'],
    (a) => T(a.input, 'input').bincount({ weights: (a.weights as Tensor | null | undefined) ?? null, minlength: int(a.minlength, 0) }),
  ],
  'torch.std_mean': [
    ['input', 'dim', 'unbiased', 'keepdim', 'correction'],
    (a) => {
      const correction = a.correction !== undefined && a.correction !== null ? (a.correction as number) : a.unbiased === false ? 0 : 1;
      return T(a.input, 'input').stdMean(dims(a.dim), { correction, keepdim: bool(a.keepdim, false) });
    },
  ],
};

/** Functions taking a variable number of tensors: `einsum(eq, *operands)`, `meshgrid(*tensors, indexing=)`. */
function varargs(c: RefCase): Comparison[] {
  const inputs = caseInputs(c);
  const args = c.args.map((a) => resolveArg(a, inputs));
  let out: Tensor | Tensor[];
  if (c.fn === 'torch.einsum') {
    for (const k of Object.keys(c.kwargs ?? {})) throw new Error(`reference: einsum: unsupported keyword argument ${k}`);
    out = einsum(args[0] as string, ...(args.slice(1) as Tensor[]));
  } else {
    for (const k of Object.keys(c.kwargs ?? {}))
      if (k !== 'indexing') throw new Error(`reference: meshgrid: unsupported keyword argument ${k}`);
    out = meshgrid(args as Tensor[], { indexing: (c.kwargs.indexing as 'ij' | 'xy' | undefined) ?? 'ij' });
  }
  return standardChecks(c, inputs, out);
}

export const registry: Registry = {
  'torch.Tensor.__getitem__': (c) => {
    const inputs = caseInputs(c);
    const x = T(resolveArg(c.args[0], inputs), 'input');
    return standardChecks(c, inputs, x.at(...indexItems(c.args[1], inputs)));
  },
  // output = input.clone(); output[INDEX] = value
  'torch.Tensor.__setitem__': (c) => {
    const inputs = caseInputs(c);
    const x = T(resolveArg(c.args[0], inputs), 'input');
    const value = resolveArg(c.args[2], inputs) as Tensor | number;
    const out = x.clone();
    out.set(...indexItems(c.args[1], inputs), value);
    return standardChecks(c, inputs, out);
  },
  'torch.einsum': varargs,
  'torch.meshgrid': varargs,
  ...Object.fromEntries(Object.entries(fns).map(([fn, [params, f]]) => [fn, call(params, f)])),
};
