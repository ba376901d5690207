/**
 * Op-spec rows for issue 14 (indexing, index assignment, in-place on views, and the tensor ops a
 * PyTorch user reaches for). Appended to SPECS in opspec.ts; driven by the same generic runners
 * (float64 gradcheck, strided = contiguous, float32 ≈ float64, typed errors).
 */
import { DTypeError, IndexError, ShapeError, StateError, Tensor, ValueError, einsum, linalg, meshgrid, tensor } from '../../src/index.js';
import type { ErrorCase, Gen, OpSpec, Sample } from './opspec.js';

const S = (label: string, inputs: (g: Gen) => Tensor[], extra: Partial<Sample> = {}): Sample => ({ label, inputs, ...extra });
const i32 = (data: number[], shape?: number[]) => tensor(Int32Array.from(data), shape ? { shape } : {});
const bools = (data: boolean[], shape: number[]) =>
  tensor(
    Uint8Array.from(data, (b) => (b ? 1 : 0)),
    { shape },
  ).bool();
const err = (label: string, run: () => unknown, type: ErrorCase['type'], code: string, message: (string | RegExp)[]): ErrorCase => ({
  label,
  run,
  type,
  code,
  message,
});

/** Values with distinct magnitudes (no ties), so sort-based gradients are well defined. */
function distinct(g: Gen, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.rng.int(0, i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return tensor(
    Float64Array.from(perm, (p) => (p - n / 2) * 0.37 + 0.01 * g.rng.uniform()),
    { shape },
  );
}
const distinctT = (g: Gen, shape: number[]) => g.t(shape, (s) => distinct(g, s));

export const EXTRA_SPECS: OpSpec[] = [
  {
    name: 'at (basic: ints, slices, ..., None)',
    fn: (x) => x!.at('1:, ::2, None, -1'),
    differentiable: true,
    samples: [
      S('[4,5,3] 1:, ::2, None, -1', (g) => [g.n([4, 5, 3])]),
      S('transposed [4,3,5] ..., 1:-1', (g) => [g.t([4, 3, 5])], { fn: (x) => x!.at('...', [1, -1]) }),
      S('strided [3,6] items (-1, [null, null, 2])', (g) => [g.s([3, 6])], { fn: (x) => x!.at(-1, [null, null, 2]) }),
      S('[2,3,4] None, :, 1', (g) => [g.n([2, 3, 4])], { fn: (x) => x!.at(null, ':', 1) }),
    ],
    errors: [
      err(
        'index out of range names dim, index and size',
        () =>
          tensor([
            [1, 2],
            [3, 4],
          ]).at(':, 5'),
        IndexError,
        'E_INDEX',
        ['index 5 is out of bounds for dimension 1 with size 2'],
      ),
      err('too many indices', () => tensor([1, 2]).at('0, 0'), IndexError, 'E_INDEX', ['too many indices for tensor of dimension 1']),
      err('two ellipses', () => tensor([1, 2]).at('..., ...'), IndexError, 'E_INDEX', ['single ellipsis']),
      err('unparsable string', () => tensor([1, 2]).at('a:b'), IndexError, 'E_INDEX_SYNTAX', ["cannot parse 'a:b'"]),
      err('zero step', () => tensor([1, 2]).at('::0'), ValueError, 'E_INDEX_SYNTAX', ['slice step cannot be zero']),
      err('negative step', () => tensor([1, 2]).at('::-1'), ValueError, 'E_INDEX_SYNTAX', ['flip()']),
    ],
  },
  {
    name: 'at (advanced: index tensors, masks)',
    fn: (x, i) => x!.at(i!),
    differentiable: true,
    samples: [
      S('[5,3] rows [4,0,4,-1] (repeats accumulate)', (g) => [g.n([5, 3]), i32([4, 0, 4, -1])]),
      S('transposed [4,5] paired [2,2] index tensors', (g) => [g.t([4, 5]), i32([0, 3, 1, 1], [2, 2]), i32([4, 0, 2, 2], [2, 2])], {
        fn: (x, i, j) => x!.at(i!, j!),
      }),
      S('[3,4,5] :, idx, 1:4 (indexed dim stays in place)', (g) => [g.n([3, 4, 5]), i32([3, 0, 3])], {
        fn: (x, i) => x!.at(':', i!, [1, 4]),
      }),
      S('[3,4,5] idx, :, idx (non-adjacent: broadcast dims first)', (g) => [g.n([3, 4, 5]), i32([2, 0]), i32([4, 1])], {
        fn: (x, i, j) => x!.at(i!, ':', j!),
      }),
      S('strided [4,3] bool mask [4,3]', (g) => [
        g.s([4, 3]),
        bools([true, false, true, false, false, true, true, true, false, false, true, false], [4, 3]),
      ]),
      S('[4,3] row mask [4]', (g) => [g.n([4, 3]), bools([false, true, true, false], [4])]),
    ],
    errors: [
      err('index tensor out of range', () => tensor([1, 2, 3]).at(i32([0, 3])), IndexError, 'E_INDEX', [
        'index 3 is out of bounds for dimension 0 with size 3',
      ]),
      err('float index tensor', () => tensor([1, 2, 3]).at(tensor([0, 1])), DTypeError, 'E_DTYPE', ['int32 or bool']),
      err('mask of the wrong shape', () => tensor([1, 2, 3]).at(bools([true, false], [2])), IndexError, 'E_INDEX', [
        'shape of the mask [2]',
      ]),
    ],
  },
  {
    name: 'set (index assignment)',
    fn: (x, v) => x!.clone().set(':, 1', v!),
    differentiable: true,
    samples: [
      S('[5,4] :, 1 = [5]', (g) => [g.n([5, 4]), g.n([5])]),
      S('transposed [4,5] ..., ::2 = [4,1] (broadcast)', (g) => [g.t([4, 5]), g.n([4, 1])], {
        fn: (x, v) => x!.clone().set('..., ::2', v!),
      }),
      S('strided [4,3] rows [3,0] = [2,3]', (g) => [g.s([4, 3]), g.n([2, 3]), i32([3, 0])], { fn: (x, v, i) => x!.clone().set(i!, v!) }),
      S(
        '[4,3] mask = scalar tensor',
        (g) => [g.n([4, 3]), g.n([]), bools([true, false, false, true, true, false, false, false, true, false, true, false], [4, 3])],
        { fn: (x, v, m) => x!.clone().set(m!, v!) },
      ),
      S('[3,4] value written into a tensor without history', (g) => [g.n([3, 4])], { fn: (v) => v!.newZeros([2, 3, 4]).set(1, v!) }),
    ],
    errors: [
      err(
        'value that does not broadcast',
        () =>
          tensor([
            [1, 2],
            [3, 4],
          ]).set(':, 0', tensor([1, 2, 3])),
        ShapeError,
        'E_SHAPE',
        ['value of shape [3] cannot be broadcast to the indexed shape [2]'],
      ),
      err(
        'index out of range',
        () =>
          tensor([
            [1, 2],
            [3, 4],
          ]).set('2', 0),
        IndexError,
        'E_INDEX',
        ['index 2 is out of bounds for dimension 0 with size 2'],
      ),
      err('no value', () => tensor([1, 2]).set(0 as never), IndexError, 'E_INDEX_SYNTAX', ['expects an index and a value']),
    ],
  },
  {
    name: 'in-place on views (fill_, copy_, add_, mul_, clamp_, scatter_)',
    fn: (x, v) => {
      const y = x!.mul(1);
      y.at(':, 1:3').mul_(v!.at(':, :2'));
      y.at(0).add_(v!.at(0, 0), 2);
      y.at('1:, 0').clamp_(-0.5, 0.5);
      y.select(1, 3).fill_(v!.at(1, 1));
      return y;
    },
    differentiable: true,
    samples: [
      S('[3,4] with [3,2]', (g) => [g.n([3, 4]), g.n([3, 2])]),
      S('transposed [3,4]', (g) => [g.t([3, 4]), g.n([3, 2])]),
      S('strided [3,4] and a copy_ through a permuted view', (g) => [g.s([3, 4]), g.n([3, 2])], {
        fn: (x, v) => {
          const y = x!.add(0);
          y.t().at('2:').copy_(v!.t());
          y.scatter_(1, i32([0, 1, 0], [3, 1]), v!.at(':, :1').mul(3));
          return y.mul(y);
        },
      }),
    ],
    errors: [
      err('leaf that requires grad', () => tensor([1, 2]).requiresGrad_().add_(1), StateError, 'E_INPLACE_LEAF', [
        'a leaf tensor that requires grad',
      ]),
      err('view of a leaf that requires grad', () => tensor([1, 2]).requiresGrad_().at('0:1').zero_(), StateError, 'E_INPLACE_LEAF', [
        'a view of a leaf tensor',
      ]),
      err('expanded tensor', () => tensor([1]).expand(3).fill_(0), StateError, 'E_INPLACE_OVERLAP', [
        'more than one element of the written-to tensor refers to a single memory location',
      ]),
    ],
  },
  {
    name: 'sort / topk / kthvalue / median / cummax (values)',
    fn: (x) => x!.sort(1).values,
    differentiable: true,
    samples: [
      S('sort [3,5] dim 1', (g) => [distinct(g, [3, 5])]),
      S('sort transposed descending dim 0', (g) => [distinctT(g, [4, 3])], {
        fn: (x) => [x!.sort(0, { descending: true }).values, x!.sort(0, { descending: true }).indices],
      }),
      S('topk 2 / smallest 2', (g) => [distinctT(g, [3, 5])], { fn: (x) => [x!.topk(2).values, x!.topk(2, 0, { largest: false }).values] }),
      S('kthvalue 2 keepdim / median dim 1 / median all', (g) => [distinct(g, [3, 4])], {
        fn: (x) => [x!.kthvalue(2, 1, true).values, x!.median(1).values, x!.median()],
      }),
      S('cummax / cummin dim 0', (g) => [distinct(g, [4, 3])], { fn: (x) => [x!.cummax(0).values, x!.cummin(1).values] }),
    ],
    errors: [
      err('topk k too large', () => tensor([1, 2]).topk(3), IndexError, 'E_INDEX', ['k (3) out of range']),
      err('kthvalue k 0', () => tensor([1, 2]).kthvalue(0), IndexError, 'E_INDEX', ['k (0) out of range']),
      err('sort dim out of range', () => tensor([1, 2]).sort(1), IndexError, 'E_INDEX', ['sort']),
      err('sort unknown option', () => tensor([1, 2]).sort(0, { decending: true } as never), ValueError, 'E_UNKNOWN_OPTION', [
        "unknown option 'decending'",
      ]),
    ],
  },
  {
    name: 'argsort (stable; NaN last)',
    fn: (x) => x!.argsort(),
    differentiable: false,
    samples: [
      S('ties keep their order', () => [tensor([3, 1, 2, 1, 3, 0, 2, 1])]),
      S('NaN sorts last, descending first', () => [tensor([1, NaN, -2, 0])], {
        fn: (x) => [x!.argsort(), x!.argsort(0, { descending: true })],
      }),
      S('int32 rows', () => [i32([5, 1, 4, 1, 2, 9], [2, 3])], { fn: (x) => x!.argsort(1) }),
    ],
  },
  {
    name: 'cumsum / cumprod',
    fn: (x) => x!.cumsum(1),
    differentiable: true,
    samples: [
      S('cumsum [3,4] dim 1', (g) => [g.n([3, 4])]),
      S('cumsum transposed dim 0', (g) => [g.t([3, 4])], { fn: (x) => x!.cumsum(0) }),
      S('cumprod strided dim -1', (g) => [g.s([2, 5])], { fn: (x) => x!.cumprod(-1) }),
      S(
        'cumprod with zeros (exact gradient)',
        () => [tensor(Float64Array.from([0.5, 0, 1.5, -2, 0.7, 1.2, 0, 0, 2, -1.1]), { shape: [2, 5] })],
        { fn: (x) => x!.cumprod(1) },
      ),
    ],
    errors: [err('dim out of range', () => tensor([1, 2]).cumsum(1), IndexError, 'E_INDEX', ['cumsum'])],
  },
  {
    name: 'flip / roll / tril / triu',
    fn: (x) => x!.flip(0, 1),
    differentiable: true,
    samples: [
      S('flip [3,4] dims 0,1', (g) => [g.n([3, 4])]),
      S('roll transposed (shifts 1,-2 dims 0,1) and flattened', (g) => [g.t([3, 4])], {
        fn: (x) => [x!.roll([1, -2], [0, 1]), x!.roll(5)],
      }),
      S('tril / triu(1) strided', (g) => [g.s([3, 4])], { fn: (x) => [x!.tril(), x!.triu(1), x!.tril(-1)] }),
    ],
    errors: [
      err('tril of a vector', () => tensor([1, 2]).tril(), ShapeError, 'E_SHAPE', ['tril: input must have at least 2 dimensions']),
      err('roll shifts/dims mismatch', () => tensor([1, 2]).roll([1, 2], [0]), ValueError, 'E_VALUE', ['same length']),
    ],
  },
  {
    name: 'diag / trace / tile / unbind / outer / meshgrid',
    fn: (x) => x!.diag(),
    differentiable: true,
    samples: [
      S('diag of a vector, offsets 0, 1, -2', (g) => [g.n([3])], { fn: (x) => [x!.diag(), x!.diag(1), x!.diag(-2)] }),
      S('diag / trace of a transposed matrix', (g) => [g.t([3, 4])], {
        fn: (x) => [x!.diag(), x!.diag(1), x!.diag(-1), x!.at(':, :3').trace()],
      }),
      S('tile / unbind strided', (g) => [g.s([2, 3])], { fn: (x) => [x!.tile([2, 1, 2]), ...x!.unbind(1)] }),
      S('outer and meshgrid', (g) => [g.n([3]), g.n([4])], {
        fn: (a, b) => [a!.outer(b!), ...meshgrid([a!, b!]), ...meshgrid([a!, b!], { indexing: 'xy' })],
      }),
    ],
    errors: [
      err('diag of 3-D', () => tensor([[[1]]]).diag(), ShapeError, 'E_SHAPE', ['diag: expects a 1-D or 2-D tensor']),
      err('trace of a vector', () => tensor([1, 2]).trace(), ShapeError, 'E_SHAPE', ['trace: expects a 2-D tensor']),
      err('outer of matrices', () => tensor([[1]]).outer(tensor([1])), ShapeError, 'E_SHAPE', ['outer: expects two 1-D tensors']),
    ],
  },
  {
    name: 'einsum',
    fn: (a, b) => einsum('ij,jk->ik', a!, b!),
    differentiable: true,
    samples: [
      S('ij,jk->ik', (g) => [g.n([3, 4]), g.n([4, 2])]),
      S('bij,bij->b transposed', (g) => [g.t([2, 3, 4]), g.n([2, 3, 4])], { fn: (a, b) => einsum('bij,bij->b', a!, b!) }),
      S('ijk->kj, ii (diagonal), implicit i,j', (g) => [g.s([2, 3, 4]), g.n([3, 3]), g.n([3])], {
        fn: (a, m, v) => [einsum('ijk->kj', a!), einsum('ii', m!), einsum('i,j', v!, v!), einsum('ij,j,i->', m!, v!, v!)],
      }),
    ],
    errors: [
      err('operand count', () => einsum('ij,jk->ik', tensor([[1]])), ValueError, 'E_VALUE', ['has 2 operands but 1 tensors']),
      err('size mismatch', () => einsum('ij,jk->ik', tensor([[1, 2]]), tensor([[1], [2], [3]])), ShapeError, 'E_SHAPE', ["subscript 'j'"]),
      err('rank mismatch', () => einsum('ijk', tensor([[1]])), ShapeError, 'E_SHAPE', ["subscripts 'ijk' name 3"]),
    ],
  },
  {
    name: 'scatter / scatterReduce / indexAdd / maskedSelect',
    fn: (x, s, i) => x!.scatter(0, i!, s!),
    differentiable: true,
    samples: [
      S('scatter src [2,3] into [4,3] dim 0', (g) => [g.n([4, 3]), g.n([3, 3]), i32([3, 0, 1, 2, 2, 0], [2, 3])]),
      S('scatter value, scatterReduce sum / mean, transposed', (g) => [g.t([3, 4]), g.n([3, 2]), i32([1, 1, 0, 3, 2, 2], [3, 2])], {
        fn: (x, s, i) => [
          x!.scatter(1, i!, 2.5),
          x!.scatterReduce(1, i!, s!, 'sum'),
          x!.scatterReduce(1, i!, s!, 'mean', { includeSelf: false }),
        ],
      }),
      S(
        'scatterReduce amax / amin / prod (distinct values)',
        (g) => [distinct(g, [4]), distinct(g, [6]).add(0.05), i32([0, 1, 0, 1, 2, 1])],
        {
          fn: (x, s, i) => [
            x!.scatterReduce(0, i!, s!, 'amax'),
            x!.scatterReduce(0, i!, s!, 'amin', { includeSelf: false }),
            x!.scatterReduce(0, i!, s!, 'prod'),
          ],
        },
      ),
      S('indexAdd with alpha, maskedSelect broadcast, strided', (g) => [g.s([4, 3]), g.n([2, 3]), i32([3, 3])], {
        fn: (x, s, i) => [x!.indexAdd(0, i!, s!, { alpha: -2 }), x!.maskedSelect(bools([true, false, true], [3]))],
      }),
    ],
    errors: [
      err('scatter index out of range', () => tensor([1, 2]).scatter(0, i32([2]), 1), IndexError, 'E_INDEX', [
        'index 2 is out of bounds for dimension 0 with size 2',
      ]),
      err(
        'scatterReduce unknown reduce',
        () => tensor([1, 2]).scatterReduce(0, i32([0]), tensor([1]), 'max' as never),
        ValueError,
        'E_VALUE',
        ['reduce must be one of'],
      ),
      err('maskedSelect float mask', () => tensor([1, 2]).maskedSelect(tensor([1, 0])), DTypeError, 'E_DTYPE', [
        'mask must be a bool tensor',
      ]),
    ],
  },
  {
    name: 'all / any / isclose / unique / bincount',
    fn: (x) => x!.all(),
    differentiable: false,
    samples: [
      S(
        'all / any over dims',
        () => [
          tensor([
            [1, 0, 2],
            [3, 4, 5],
          ]),
        ],
        { fn: (x) => [x!.all(), x!.all(1), x!.any(0, true), x!.any()] },
      ),
      S(
        'isclose with NaN and inf',
        () => [tensor([1, 1, 0, NaN, Infinity, 2]), tensor([1.0000001, 1.01, 1e-9, NaN, Infinity, -Infinity])],
        {
          fn: (a, b) => [a!.isclose(b!), a!.isclose(b!, { equalNan: true, rtol: 0.1 })],
        },
      ),
      S('unique with inverse and counts; bincount', () => [i32([3, 1, 2, 3, 3, 0, 2, 1, 5])], {
        fn: (x) => {
          const u = x!.unique({ returnInverse: true, returnCounts: true });
          return [u.values, u.inverse!, u.counts!, x!.bincount({ minlength: 8 })];
        },
      }),
    ],
    errors: [
      err('bincount of negatives', () => i32([1, -1]).bincount(), ValueError, 'E_VALUE', ['bincount: input must be non-negative']),
      err('isclose negative tolerance', () => tensor([1]).isclose(tensor([1]), { rtol: -1 }), ValueError, 'E_VALUE', [
        'rtol and atol must be non-negative',
      ]),
    ],
  },
  {
    name: 'remainder / fmod / floorDivide / div roundingMode',
    fn: (a, b) => a!.remainder(b!),
    differentiable: true,
    broadcasts: true,
    samples: [
      S('remainder [3,4] by [3,4]', (g) => [g.n([3, 4]).mul(3), g.away([3, 4])]),
      S('fmod transposed by [1,4] (broadcast)', (g) => [g.t([3, 4]), g.away([1, 4], 0.3, 0.9)], { fn: (a, b) => a!.fmod(b!) }),
      S('floorDivide / div trunc strided (zero gradient)', (g) => [g.s([2, 3]).mul(4), g.away([3])], {
        fn: (a, b) => [a!.floorDivide(b!), a!.div(b!, { roundingMode: 'trunc' })],
      }),
    ],
    errors: [
      err('integer division by zero', () => i32([1, 2]).floorDivide(i32([1, 0])), ValueError, 'E_ZERO_DIVISION', [
        'integer division by zero',
      ]),
      err('bad rounding mode', () => tensor([1]).div(2, { roundingMode: 'round' as never }), ValueError, 'E_VALUE', [
        "roundingMode must be 'trunc', 'floor'",
      ]),
      err('bool operands', () => bools([true], [1]).remainder(2), DTypeError, 'E_DTYPE', ['remainder: not defined for bool']),
    ],
  },
  {
    name: 'trunc / nanToNum / lerp / clamp (tensor bounds) / stdMean',
    fn: (x) => x!.trunc(),
    differentiable: true,
    samples: [
      S('trunc / nanToNum of finite values', (g) => [g.n([3, 4]).mul(3)], { fn: (x) => [x!.trunc(), x!.nanToNum({ nan: 0, posinf: 9 })] }),
      S('lerp scalar and tensor weights, transposed', (g) => [g.t([3, 4]), g.n([3, 4]), g.uniform([3, 4], 0, 1)], {
        fn: (a, b, w) => [a!.lerp(b!, 0.3), a!.lerp(b!, 0.8), a!.lerp(b!, w!)],
      }),
      S('clamp with tensor bounds, stdMean, strided', (g) => [g.s([3, 4]), g.n([3, 4]).sub(1), g.n([1, 4]).add(1)], {
        fn: (x, lo, hi) => [x!.clamp(lo!, hi!), ...x!.stdMean(1), ...x!.stdMean(undefined, { correction: 0 })],
      }),
    ],
    errors: [
      err('clamp with no bounds', () => tensor([1]).clamp(null, null), ValueError, 'E_VALUE', ['at least one of min and max']),
      err('nanToNum unknown option', () => tensor([1]).nanToNum({ posInf: 1 } as never), ValueError, 'E_UNKNOWN_OPTION', [
        "unknown option 'posInf'",
      ]),
    ],
  },
  {
    name: 'linalg.vectorNorm',
    fn: (x) => linalg.vectorNorm(x!),
    differentiable: true,
    samples: [
      S('2-norm of all', (g) => [g.n([3, 4])]),
      S('1-norm and 3-norm over dim 1, transposed', (g) => [g.t([3, 4])], {
        fn: (x) => [linalg.vectorNorm(x!, 1, 1), linalg.vectorNorm(x!, 3, 1, true)],
      }),
      S('inf / -inf norms over dim -1, strided', (g) => [distinctT(g, [3, 4]).at(':, ::1')], {
        fn: (x) => [linalg.vectorNorm(x!, 'inf', -1), linalg.vectorNorm(x!, -Infinity, [0, 1])],
      }),
    ],
    errors: [
      err('int input', () => linalg.vectorNorm(i32([1, 2])), DTypeError, 'E_DTYPE', ['vectorNorm: expects a floating-point tensor']),
      err('bad ord', () => linalg.vectorNorm(tensor([1]), 'fro' as never), ValueError, 'E_VALUE', ["ord must be a number or 'inf'"]),
    ],
  },
];

/** The issue-14 ops that must each have a row above. */
export const EXTRA_REQUIRED = EXTRA_SPECS.map((s) => s.name);
