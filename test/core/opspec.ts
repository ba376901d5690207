/**
 * The op-spec table: one entry per op of the public surface, with seeded sample inputs (float64,
 * including broadcasting and non-contiguous views) and the errors bad inputs must raise. Generic
 * runners (opspec-*.test.ts) drive every entry: float64 gradcheck, strided-vs-contiguous agreement,
 * float32-vs-float64 agreement, and expected error types / codes / message fragments.
 * Values against PyTorch are checked by the reference harness (reference-ops.test.ts).
 */
import {
  BackpropError,
  DTypeError,
  IndexError,
  Rng,
  ShapeError,
  Tensor,
  ValueError,
  cat,
  nn,
  randn,
  stack,
  tensor,
  where,
  zeros,
} from '../../src/index.js';
import { apply } from '../../src/tensor/tensor.js';
import { EXTRA_REQUIRED, EXTRA_SPECS } from './opspec-extra.js';

const F = nn.functional;

/** Seeded generators of float64 inputs; `t`/`s` give non-contiguous (transposed / strided) views. */
export class Gen {
  readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }
  /** N(0, 1), contiguous. */
  n(shape: number[]): Tensor {
    return randn(shape, { dtype: 'float64', rng: this.rng });
  }
  /** U(lo, hi), contiguous. */
  uniform(shape: number[], lo: number, hi: number): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const arr = new Float64Array(n);
    for (let i = 0; i < n; i++) arr[i] = lo + (hi - lo) * this.rng.uniform();
    return tensor(arr, { shape });
  }
  /** Magnitude in [lo, hi) with a random sign (keeps away from 0). */
  away(shape: number[], lo = 0.5, hi = 2): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const arr = new Float64Array(n);
    for (let i = 0; i < n; i++) arr[i] = (this.rng.uniform() < 0.5 ? -1 : 1) * (lo + (hi - lo) * this.rng.uniform());
    return tensor(arr, { shape });
  }
  /** A non-contiguous view of `shape`: the transpose of a contiguous tensor with the last two dims swapped. */
  t(shape: number[], make: (s: number[]) => Tensor = (s) => this.n(s)): Tensor {
    const s = shape.slice();
    const k = s.length;
    [s[k - 2], s[k - 1]] = [s[k - 1]!, s[k - 2]!];
    const v = make(s).transpose(-1, -2);
    if (v.isContiguous()) throw new Error('Gen.t: view came out contiguous');
    return v;
  }
  /** A non-contiguous view of `shape`: every second element of a twice-as-long last dim. */
  s(shape: number[], make: (s: number[]) => Tensor = (s) => this.n(s)): Tensor {
    const s = shape.slice();
    s[s.length - 1]! *= 2;
    const v = make(s).slice(-1, 1, null, 2);
    if (v.isContiguous()) throw new Error('Gen.s: view came out contiguous');
    return v;
  }
  /** Positive values U(0.5, 2). */
  pos(shape: number[]): Tensor {
    return this.uniform(shape, 0.5, 2);
  }
  /** int32 indices in [0, hi). */
  idx(shape: number[], hi: number): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const arr = new Int32Array(n);
    for (let i = 0; i < n; i++) arr[i] = this.rng.int(0, hi);
    return tensor(arr, { shape });
  }
  mask(shape: number[]): Tensor {
    return this.uniform(shape, 0, 1).gt(0.5);
  }
}

export interface Sample {
  label: string;
  inputs: (g: Gen) => Tensor[];
  /** Overrides the spec's fn for this sample. */
  fn?: (...xs: Tensor[]) => Tensor | Tensor[];
  /** Indices of the inputs to gradcheck (default: every float input). */
  grad?: number[];
}

export interface ErrorCase {
  label: string;
  run: () => unknown;
  type: new (...a: never[]) => BackpropError;
  code: string;
  /** Fragments the message must contain. */
  message: (string | RegExp)[];
}

export interface OpSpec {
  name: string;
  fn: (...xs: Tensor[]) => Tensor | Tensor[];
  differentiable: boolean;
  /** Binary-style ops must include a broadcasting sample. */
  broadcasts?: boolean;
  samples: Sample[];
  errors?: ErrorCase[];
  /** float32-vs-float64 agreement tolerance (default 1e-4 relative + 1e-5 absolute); null skips. */
  f32Tol?: number | null;
}

const S = (label: string, inputs: (g: Gen) => Tensor[], extra: Partial<Sample> = {}): Sample => ({ label, inputs, ...extra });

/** Standard unary samples: contiguous matrix, transposed view, strided view, 0-d, 3-D. */
function unarySamples(make: (g: Gen, s: number[]) => Tensor): Sample[] {
  return [
    S('3x4', (g) => [make(g, [3, 4])]),
    S('transposed 3x4', (g) => [g.t([3, 4], (s) => make(g, s))]),
    S('strided 2x3', (g) => [g.s([2, 3], (s) => make(g, s))]),
    S('0-d', (g) => [make(g, [])]),
    S('2x2x3', (g) => [make(g, [2, 2, 3])]),
  ];
}
const normal = (g: Gen, s: number[]) => g.n(s);
const positive = (g: Gen, s: number[]) => g.pos(s);
const nonzero = (g: Gen, s: number[]) => g.away(s);

function unary(name: string, fn: (x: Tensor) => Tensor, make = normal): OpSpec {
  return { name, fn: fn as OpSpec['fn'], differentiable: true, samples: unarySamples(make) };
}

/** Standard binary samples: same shape, row broadcast, outer broadcast, 0-d, non-contiguous pair. */
function binarySamples(a: (g: Gen, s: number[]) => Tensor, b: (g: Gen, s: number[]) => Tensor): Sample[] {
  return [
    S('3x4 · 3x4', (g) => [a(g, [3, 4]), b(g, [3, 4])]),
    S('3x4 · 4 (row broadcast)', (g) => [a(g, [3, 4]), b(g, [4])]),
    S('2x1x3 · 4x1 (outer broadcast)', (g) => [a(g, [2, 1, 3]), b(g, [4, 1])]),
    S('5 · 0-d', (g) => [a(g, [5]), b(g, [])]),
    S('transposed · strided', (g) => [g.t([3, 4], (s) => a(g, s)), g.s([3, 4], (s) => b(g, s))]),
    S('3x1 · transposed 1x4 → 3x4', (g) => [a(g, [3, 1]), g.t([2, 4], (s) => b(g, s)).narrow(0, 1, 1)]),
  ];
}

function binary(name: string, fn: (x: Tensor, y: Tensor) => Tensor, a = normal, b = normal, errors: ErrorCase[] = []): OpSpec {
  return { name, fn: fn as OpSpec['fn'], differentiable: true, broadcasts: true, samples: binarySamples(a, b), errors };
}

const broadcastError = (op: string, f: (x: Tensor, y: Tensor) => unknown): ErrorCase => ({
  label: `${op} of [3,4] and [2,4]`,
  run: () => f(zeros([3, 4]), zeros([2, 4])),
  type: ShapeError,
  code: 'E_SHAPE',
  message: [`${op}:`, '[3,4]', '[2,4]', 'broadcast'],
});

const dimError = (op: string, f: (x: Tensor) => unknown): ErrorCase => ({
  label: `${op} with dim 3 on a 2-D tensor`,
  run: () => f(zeros([2, 3])),
  type: IndexError,
  code: 'E_INDEX',
  message: [`${op}`, 'out of range', '3'],
});

/** Reduction samples: all dims, one dim, negative dim + keepdim, several dims, non-contiguous. */
function reduceSamples(fnOf: (dim: number | number[] | undefined, keepdim: boolean) => (x: Tensor) => Tensor): Sample[] {
  return [
    S('all of 3x4', (g) => [g.n([3, 4])], { fn: fnOf(undefined, false) as Sample['fn'] }),
    S('dim 1 of 2x3x4', (g) => [g.n([2, 3, 4])], { fn: fnOf(1, false) as Sample['fn'] }),
    S('dim -1 keepdim of transposed 3x4', (g) => [g.t([3, 4])], { fn: fnOf(-1, true) as Sample['fn'] }),
    S('dims [0,2] of strided 2x3x2', (g) => [g.s([2, 3, 2])], { fn: fnOf([0, 2], false) as Sample['fn'] }),
    S('dims [0,2] keepdim of 2x3x4', (g) => [g.n([2, 3, 4])], { fn: fnOf([0, 2], true) as Sample['fn'] }),
  ];
}

function reduce(
  name: string,
  fnOf: (dim: number | number[] | undefined, keepdim: boolean) => (x: Tensor) => Tensor,
  errors: ErrorCase[] = [],
): OpSpec {
  return { name, fn: fnOf(undefined, false) as OpSpec['fn'], differentiable: true, samples: reduceSamples(fnOf), errors };
}

export const SPECS: OpSpec[] = [
  // ------------------------------------------------------------ elementwise unary
  unary('neg', (x) => x.neg()),
  unary('abs', (x) => x.abs(), nonzero),
  unary('exp', (x) => x.exp()),
  unary('log', (x) => x.log(), positive),
  unary('sqrt', (x) => x.sqrt(), positive),
  unary('rsqrt', (x) => x.rsqrt(), positive),
  unary('sin', (x) => x.sin()),
  unary('cos', (x) => x.cos()),
  unary('tanh', (x) => x.tanh()),
  unary('sigmoid', (x) => x.sigmoid()),
  unary('relu', (x) => x.relu(), nonzero),
  unary('leakyRelu', (x) => x.leakyRelu(0.2), nonzero),
  unary('elu', (x) => x.elu(1.5), nonzero),
  unary('gelu', (x) => x.gelu()),
  {
    ...unary('softplus', (x) => x.softplus()),
    samples: [
      ...unarySamples(normal),
      // beta·x above the threshold takes the linear branch
      S('beta 2, threshold 1 (linear branch)', (g) => [g.away([3, 4], 0.8, 3)], { fn: (x) => x!.softplus(2, 1) }),
    ],
  },
  unary('silu', (x) => x.silu()),
  unary('square', (x) => x.square()),
  unary('reciprocal', (x) => x.reciprocal(), nonzero),
  unary('sign', (x) => x.sign(), nonzero),
  unary('erf', (x) => x.erf()),
  unary(
    'log1p',
    (x) => x.log1p(),
    (g, s) => g.uniform(s, -0.5, 2),
  ),
  unary('expm1', (x) => x.expm1()),
  // piecewise constant: the gradient is 0 (samples stay away from the jumps)
  unary('floor', (x) => x.floor()),
  unary('ceil', (x) => x.ceil()),
  unary('round', (x) => x.round()),
  {
    name: 'powScalar',
    fn: (x) => x!.pow(2),
    differentiable: true,
    samples: [
      S('x^2 of 3x4', (g) => [g.n([3, 4])]),
      S('x^3 transposed', (g) => [g.t([3, 4])], { fn: (x) => x!.pow(3) }),
      S('x^0.5 positive strided', (g) => [g.s([2, 3], (s) => g.pos(s))], { fn: (x) => x!.pow(0.5) }),
      S('x^-1.5 positive', (g) => [g.pos([4])], { fn: (x) => x!.pow(-1.5) }),
      S('x^0 (gradient 0)', (g) => [g.n([3])], { fn: (x) => x!.pow(0) }),
    ],
  },
  {
    name: 'clamp',
    fn: (x) => x!.clamp(-0.5, 0.5),
    differentiable: true,
    samples: [
      S('[-0.5, 0.5] of 3x4', (g) => [g.n([3, 4])]),
      S('min only, transposed', (g) => [g.t([3, 4])], { fn: (x) => x!.clamp(0.1, null) }),
      S('max only, strided', (g) => [g.s([3, 4])], { fn: (x) => x!.clamp(null, -0.1) }),
    ],
    errors: [
      { label: 'no bounds', run: () => zeros([2]).clamp(null, null), type: ValueError, code: 'E_VALUE', message: ['clamp', 'min and max'] },
    ],
  },

  // ------------------------------------------------------------ binary with broadcasting
  binary('add', (x, y) => x.add(y), normal, normal, [broadcastError('add', (x, y) => x.add(y))]),
  binary('sub', (x, y) => x.sub(y), normal, normal, [broadcastError('sub', (x, y) => x.sub(y))]),
  binary('mul', (x, y) => x.mul(y), normal, normal, [broadcastError('mul', (x, y) => x.mul(y))]),
  binary('div', (x, y) => x.div(y), normal, nonzero, [broadcastError('div', (x, y) => x.div(y))]),
  binary('pow', (x, y) => x.pow(y), positive, normal, [broadcastError('pow', (x, y) => x.pow(y))]),
  binary('maximum', (x, y) => x.maximum(y), normal, normal, [broadcastError('maximum', (x, y) => x.maximum(y))]),
  binary('minimum', (x, y) => x.minimum(y), normal, normal, [broadcastError('minimum', (x, y) => x.minimum(y))]),
  {
    name: 'add/sub/mul/div with a JS number',
    fn: (x) => x!.add(1.5).mul(-2).sub(0.25).div(3),
    differentiable: true,
    samples: [S('3x4', (g) => [g.n([3, 4])]), S('transposed', (g) => [g.t([3, 4])]), S('0-d', (g) => [g.n([])])],
  },
  {
    name: 'rsub and scalar-base pow',
    fn: (x) => x!.rsub(2).add(x!.neg().exp().rsub(1)),
    differentiable: true,
    samples: [
      S('3x4', (g) => [g.n([3, 4])]),
      S('transposed', (g) => [g.t([3, 4])]),
      S('1.5 ** x (strided)', (g) => [g.s([2, 3])], { fn: (x) => x!.newFull([], 1.5).pow(x!) }),
    ],
  },
  ...(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).map((op): OpSpec => ({
    name: op,
    fn: (x, y) => x![op](y!),
    differentiable: false,
    broadcasts: true,
    samples: binarySamples(
      (g, s) => g.idx(s, 3).double(),
      (g, s) => g.idx(s, 3).double(),
    ),
    errors: [broadcastError(op, (x, y) => x[op](y))],
  })),

  // ------------------------------------------------------------ where / maskedFill
  {
    name: 'where',
    fn: (c, a, b) => where(c!, a!, b!),
    differentiable: true,
    broadcasts: true,
    samples: [
      S('3x4 everywhere', (g) => [g.mask([3, 4]), g.n([3, 4]), g.n([3, 4])]),
      S('condition 3x4, a 4, b 0-d', (g) => [g.mask([3, 4]), g.n([4]), g.n([])]),
      S('condition 3x1, a transposed, b strided', (g) => [g.mask([3, 1]), g.t([3, 4]), g.s([3, 4])]),
    ],
    errors: [
      {
        label: 'float condition',
        run: () => zeros([3]).where(zeros([3]), zeros([3])),
        type: DTypeError,
        code: 'E_DTYPE',
        message: ['where', 'bool'],
      },
      {
        label: 'shapes that do not broadcast',
        run: () => where(zeros([3]).gt(0), zeros([3]), zeros([4])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['where', '[3]', '[4]'],
      },
    ],
  },
  {
    name: 'maskedFill',
    fn: (x, m) => x!.maskedFill(m!, -1.5),
    differentiable: true,
    samples: [
      S('3x4', (g) => [g.n([3, 4]), g.mask([3, 4])]),
      S('mask broadcast over rows', (g) => [g.n([3, 4]), g.mask([4])]),
      S('transposed input', (g) => [g.t([3, 4]), g.mask([3, 4])]),
    ],
    errors: [
      {
        label: 'int mask',
        run: () => zeros([3]).maskedFill(zeros([3], { dtype: 'int32' }), 0),
        type: DTypeError,
        code: 'E_DTYPE',
        message: ['maskedFill', 'bool'],
      },
    ],
  },

  // ------------------------------------------------------------ reductions
  reduce('sum', (d, k) => (x) => x.sum(d, k), [dimError('sum', (x) => x.sum(3))]),
  reduce('mean', (d, k) => (x) => x.mean(d, k), [dimError('mean', (x) => x.mean(3))]),
  reduce('amax', (d, k) => (x) => x.amax(d, k)),
  reduce('amin', (d, k) => (x) => x.amin(d, k)),
  reduce('var (correction 1)', (d, k) => (x) => x.var(d, { keepdim: k })),
  reduce('var (correction 0)', (d, k) => (x) => x.var(d, { correction: 0, keepdim: k })),
  reduce('std', (d, k) => (x) => x.std(d, { keepdim: k })),
  reduce('logsumexp', (d, k) => (x) => x.logsumexp(d ?? [...Array(x.ndim).keys()], k), [dimError('logsumexp', (x) => x.logsumexp(3))]),
  {
    name: 'max (all, and dim → values)',
    fn: (x) => x!.max(),
    differentiable: true,
    samples: [
      S('all of 3x4', (g) => [g.n([3, 4])]),
      S('dim 1 of transposed 3x4', (g) => [g.t([3, 4])], { fn: (x) => x!.max(1).values }),
      S('dim 0 keepdim of strided 3x2', (g) => [g.s([3, 2])], { fn: (x) => x!.max(0, true).values }),
      S('dim -1 of 2x3x4', (g) => [g.n([2, 3, 4])], { fn: (x) => x!.max(-1).values }),
    ],
    errors: [dimError('max', (x) => x.max(3))],
  },
  {
    name: 'min (all, and dim → values)',
    fn: (x) => x!.min(),
    differentiable: true,
    samples: [
      S('all of 3x4', (g) => [g.n([3, 4])]),
      S('dim 1 of transposed 3x4', (g) => [g.t([3, 4])], { fn: (x) => x!.min(1).values }),
      S('dim 0 keepdim of strided 3x2', (g) => [g.s([3, 2])], { fn: (x) => x!.min(0, true).values }),
    ],
  },
  {
    name: 'argmax / argmin / max indices',
    fn: (x) => [x!.argmax(), x!.argmin(1), x!.max(0).indices, x!.min(-1, true).indices],
    differentiable: false,
    samples: [S('3x4', (g) => [g.n([3, 4])]), S('transposed', (g) => [g.t([3, 4])]), S('strided', (g) => [g.s([3, 4])])],
    errors: [dimError('argmax', (x) => x.argmax(3))],
  },
  {
    name: 'prod',
    fn: (x) => x!.prod(),
    differentiable: true,
    samples: [
      S('all of 3x3', (g) => [g.away([3, 3], 0.5, 1.5)]),
      S('dim 1 of transposed 3x4', (g) => [g.t([3, 4], (s) => g.away(s, 0.5, 1.5))], { fn: (x) => x!.prod(1) }),
      S('dim 0 keepdim of strided', (g) => [g.s([3, 2], (s) => g.away(s, 0.5, 1.5))], { fn: (x) => x!.prod(0, true) }),
      // a zero in the product: the gradient of the other factors is still right
      S('with one exact zero', (g) => [g.away([4], 0.5, 1.5).mul(tensor([1, 0, 1, 1], { dtype: 'float64' }))], { fn: (x) => x!.prod(0) }),
    ],
  },
  {
    name: 'softmax',
    fn: (x) => x!.softmax(-1),
    differentiable: true,
    samples: [
      S('dim -1 of 3x5', (g) => [g.n([3, 5])]),
      S('dim 0 of transposed 3x4', (g) => [g.t([3, 4])], { fn: (x) => x!.softmax(0) }),
      S('dim 1 of strided 2x3x2', (g) => [g.s([2, 3, 2])], { fn: (x) => F.softmax(x!, 1) }),
      S('large logits (shift-invariant)', (g) => [g.n([2, 4]).mul(30).add(500)]),
    ],
    errors: [dimError('softmax', (x) => x.softmax(3))],
  },
  {
    name: 'logSoftmax',
    fn: (x) => x!.logSoftmax(-1),
    differentiable: true,
    samples: [
      S('dim -1 of 3x5', (g) => [g.n([3, 5])]),
      S('dim 0 of transposed 3x4', (g) => [g.t([3, 4])], { fn: (x) => x!.logSoftmax(0) }),
      S('dim 1 of strided 2x3x2', (g) => [g.s([2, 3, 2])], { fn: (x) => F.logSoftmax(x!, 1) }),
      S('large logits', (g) => [g.n([2, 4]).mul(30).add(-500)]),
    ],
    errors: [dimError('logSoftmax', (x) => x.logSoftmax(-3))],
  },

  // ------------------------------------------------------------ matmul forms and linear
  {
    name: 'matmul',
    fn: (a, b) => a!.matmul(b!),
    differentiable: true,
    broadcasts: true,
    samples: [
      S('2-D 3x4 · 4x5', (g) => [g.n([3, 4]), g.n([4, 5])]),
      S('1-D · 1-D (dot)', (g) => [g.n([4]), g.n([4])]),
      S('1-D · 2-D', (g) => [g.n([4]), g.n([4, 3])]),
      S('2-D · 1-D', (g) => [g.n([3, 4]), g.n([4])]),
      S('batched 2x3x4 · 2x4x2', (g) => [g.n([2, 3, 4]), g.n([2, 4, 2])]),
      S('broadcast batch 2x1x3x4 · 3x4x2', (g) => [g.n([2, 1, 3, 4]), g.n([3, 4, 2])]),
      S('batched · 2-D', (g) => [g.n([2, 3, 4]), g.n([4, 2])]),
      S('transposed · strided', (g) => [g.t([3, 4]), g.s([4, 2])]),
      S('permuted batch', (g) => [g.n([3, 2, 4]).permute(1, 0, 2), g.t([2, 4, 3])]),
    ],
    errors: [
      {
        label: '[64,784] · [100,10]',
        run: () => zeros([64, 784]).matmul(zeros([100, 10])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['matmul: shapes [64,784] and [100,10] cannot be multiplied'],
      },
      {
        label: 'batch dims that do not broadcast',
        run: () => zeros([2, 3, 4]).matmul(zeros([3, 4, 5])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['matmul', '[2]', '[3]'],
      },
      {
        label: '0-d operand',
        run: () => zeros([]).matmul(zeros([3])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['matmul', '[]', '[3]'],
      },
      {
        label: 'int operands',
        run: () => zeros([2, 2], { dtype: 'int32' }).matmul(zeros([2, 2], { dtype: 'int32' })),
        type: DTypeError,
        code: 'E_DTYPE',
        message: ['matmul', 'int32'],
      },
    ],
  },
  {
    name: 'mm',
    fn: (a, b) => a!.mm(b!),
    differentiable: true,
    samples: [
      S('3x4 · 4x2', (g) => [g.n([3, 4]), g.n([4, 2])]),
      S('transposed · transposed', (g) => [g.t([3, 4]), g.t([4, 2])]),
      S('strided · 1x1', (g) => [g.s([3, 1]), g.n([1, 1])]),
    ],
    errors: [
      {
        label: '3-D operand',
        run: () => zeros([2, 2, 2]).mm(zeros([2, 2])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['mm', '[2,2,2]', '[2,2]'],
      },
    ],
  },
  {
    name: 'bmm',
    fn: (a, b) => a!.bmm(b!),
    differentiable: true,
    samples: [
      S('2x3x4 · 2x4x2', (g) => [g.n([2, 3, 4]), g.n([2, 4, 2])]),
      S('transposed · transposed', (g) => [g.t([2, 3, 4]), g.t([2, 4, 2])]),
      S('permuted · strided', (g) => [g.n([3, 2, 2]).permute(1, 0, 2), g.s([2, 2, 3])]),
    ],
    errors: [
      { label: '2-D operand', run: () => zeros([2, 2]).bmm(zeros([2, 2])), type: ShapeError, code: 'E_SHAPE', message: ['bmm', '[2,2]'] },
      {
        label: 'inner mismatch',
        run: () => zeros([2, 3, 4]).bmm(zeros([2, 5, 2])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['[2,3,4]', '[2,5,2]', 'cannot be multiplied'],
      },
    ],
  },
  {
    name: 'linear',
    fn: (x, w, b) => F.linear(x!, w!, b!),
    differentiable: true,
    samples: [
      S('5x4 → 3 with bias', (g) => [g.n([5, 4]), g.n([3, 4]), g.n([3])]),
      S('2x5x4 → 3 without bias', (g) => [g.n([2, 5, 4]), g.n([3, 4])], { fn: (x, w) => F.linear(x!, w!) }),
      S('transposed input and weight', (g) => [g.t([5, 4]), g.t([3, 4]), g.s([3])]),
      S('1-D input', (g) => [g.n([4]), g.n([2, 4]), g.n([2])]),
    ],
    errors: [
      {
        label: 'feature mismatch',
        run: () => F.linear(zeros([64, 784]), zeros([10, 100])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['linear', '[64,784]', '[10,100]', '784', '100'],
      },
    ],
  },

  // ------------------------------------------------------------ shape ops and views
  {
    name: 'reshape / view',
    fn: (x) => x!.reshape(2, 6),
    differentiable: true,
    samples: [
      S('3x4 → 2x6', (g) => [g.n([3, 4])]),
      S('transposed 3x4 → -1 (copy)', (g) => [g.t([3, 4])], { fn: (x) => x!.reshape(-1) }),
      S('strided 2x3 → 3x2', (g) => [g.s([2, 3])], { fn: (x) => x!.reshape(3, 2) }),
      S('view 2x3x4 → 6x4', (g) => [g.n([2, 3, 4])], { fn: (x) => x!.view(6, 4) }),
    ],
    errors: [
      {
        label: 'numel mismatch',
        run: () => zeros([2, 3]).reshape(4),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['reshape', '[4]', 'size 6', '[2,3]'],
      },
      {
        label: 'view of a transposed tensor',
        run: () => zeros([2, 3]).t().view(6),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['view', 'reshape'],
      },
      { label: 'two -1', run: () => zeros([2, 3]).reshape(-1, -1), type: ValueError, code: 'E_VALUE', message: ['reshape', '-1'] },
    ],
  },
  {
    name: 'permute / transpose / t',
    fn: (x) => x!.permute(2, 0, 1),
    differentiable: true,
    samples: [
      S('permute 2x3x4', (g) => [g.n([2, 3, 4])]),
      S('transpose(0, -1) of strided', (g) => [g.s([2, 3, 2])], { fn: (x) => x!.transpose(0, -1) }),
      S('t() of transposed (contiguous again)', (g) => [g.t([3, 4])], { fn: (x) => x!.t() }),
      S('T of 2x3x4', (g) => [g.n([2, 3, 4])], { fn: (x) => x!.T }),
    ],
    errors: [
      {
        label: 'not a permutation',
        run: () => zeros([2, 3]).permute(0, 0),
        type: ValueError,
        code: 'E_VALUE',
        message: ['permute', '[0,0]', '[2,3]'],
      },
      dimError('transpose', (x) => x.transpose(0, 3)),
    ],
  },
  {
    name: 'expand',
    fn: (x) => x!.expand(2, 3, 4),
    differentiable: true,
    samples: [
      S('3x1 → 2x3x4', (g) => [g.n([3, 1])]),
      S('0-d → 2x3', (g) => [g.n([])], { fn: (x) => x!.expand(2, 3) }),
      S('strided 1x3 → 4x3 (with -1)', (g) => [g.s([1, 3])], { fn: (x) => x!.expand(4, -1) }),
    ],
    errors: [{ label: '3 → 4', run: () => zeros([3]).expand(4), type: ShapeError, code: 'E_SHAPE', message: ['expand', '(4)', '(3)'] }],
  },
  {
    name: 'narrow / slice / select',
    fn: (x) => x!.narrow(1, 1, 2),
    differentiable: true,
    samples: [
      S('narrow 3x4', (g) => [g.n([3, 4])]),
      S('slice with step 2 of transposed', (g) => [g.t([5, 6])], { fn: (x) => x!.slice(1, 1, 6, 2) }),
      S('negative-bound slice of strided', (g) => [g.s([4, 3])], { fn: (x) => x!.slice(0, -3, -1) }),
      S('select', (g) => [g.n([3, 4])], { fn: (x) => x!.select(0, -1) }),
    ],
    errors: [
      {
        label: 'narrow past the end',
        run: () => zeros([3, 4]).narrow(1, 3, 2),
        type: IndexError,
        code: 'E_INDEX',
        message: ['narrow', '[3,4]'],
      },
      {
        label: 'select out of range',
        run: () => zeros([3, 4]).select(0, 3),
        type: IndexError,
        code: 'E_INDEX',
        message: ['select', '3', 'size 3'],
      },
    ],
  },
  {
    name: 'squeeze / unsqueeze / flatten / unflatten',
    fn: (x) => x!.squeeze(),
    differentiable: true,
    samples: [
      S('squeeze 1x3x1x4', (g) => [g.n([1, 3, 1, 4])]),
      S('unsqueeze(-1) of transposed', (g) => [g.t([3, 4])], { fn: (x) => x!.unsqueeze(-1) }),
      S('flatten(1) of strided 2x3x2', (g) => [g.s([2, 3, 2])], { fn: (x) => x!.flatten(1) }),
      S('unflatten', (g) => [g.n([2, 6])], { fn: (x) => x!.unflatten(1, [2, 3]) }),
      S('squeeze(1) only', (g) => [g.n([3, 1, 1])], { fn: (x) => x!.squeeze(1) }),
    ],
    errors: [dimError('unsqueeze', (x) => x.unsqueeze(4))],
  },
  {
    name: 'contiguous / clone',
    fn: (x) => x!.contiguous(),
    differentiable: true,
    samples: [
      S('transposed', (g) => [g.t([3, 4])]),
      S('strided', (g) => [g.s([2, 3])]),
      S('clone', (g) => [g.n([3])], { fn: (x) => x!.clone() }),
    ],
  },
  {
    name: 'repeat / chunk / split',
    fn: (x) => x!.repeat(2, 1, 3),
    differentiable: true,
    samples: [
      S('repeat 3x2 by (2,1,3)', (g) => [g.n([3, 2])]),
      S('chunk 3 of transposed', (g) => [g.t([5, 3])], { fn: (x) => x!.chunk(3, 0) }),
      S('split [1,3] of strided', (g) => [g.s([2, 4])], { fn: (x) => x!.split([1, 3], 1) }),
    ],
    errors: [
      { label: 'split sizes', run: () => zeros([4]).split([1, 2]), type: ShapeError, code: 'E_SHAPE', message: ['split', '[1,2]', '4'] },
    ],
  },
  {
    name: 'cat',
    fn: (a, b) => cat([a!, b!], 0),
    differentiable: true,
    samples: [
      S('2x3 ++ 4x3 on dim 0', (g) => [g.n([2, 3]), g.n([4, 3])]),
      S('transposed ++ strided on dim 1', (g) => [g.t([2, 3]), g.s([2, 2])], { fn: (a, b) => cat([a!, b!], 1) }),
      S('three 1-D on dim -1', (g) => [g.n([2]), g.n([3]), g.n([1])], { fn: (a, b, c) => cat([a!, b!, c!], -1) }),
    ],
    errors: [
      {
        label: 'size mismatch',
        run: () => cat([zeros([2, 3]), zeros([2, 4])], 0),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['cat', 'dimension 0', '[2,3]', '[2,4]'],
      },
      {
        label: 'rank mismatch',
        run: () => cat([zeros([2, 3]), zeros([3])], 0),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['cat', '[2,3]', '[3]'],
      },
    ],
  },
  {
    name: 'stack',
    fn: (a, b) => stack([a!, b!], 0),
    differentiable: true,
    samples: [
      S('two 2x3 on dim 0', (g) => [g.n([2, 3]), g.n([2, 3])]),
      S('transposed and strided on dim 1', (g) => [g.t([2, 3]), g.s([2, 3])], { fn: (a, b) => stack([a!, b!], 1) }),
      S('three 1-D on dim -1', (g) => [g.n([3]), g.n([3]), g.n([3])], { fn: (a, b, c) => stack([a!, b!, c!], -1) }),
    ],
    errors: [
      {
        label: 'shape mismatch',
        run: () => stack([zeros([2, 3]), zeros([3, 2])]),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['stack', '[2,3]', '[3,2]'],
      },
    ],
  },
  {
    name: 'pad',
    fn: (x) => x!.pad([1, 2]),
    differentiable: true,
    samples: [
      S('last dim (1,2)', (g) => [g.n([2, 3])]),
      S('two dims with value, transposed', (g) => [g.t([2, 3])], { fn: (x) => F.pad(x!, [1, 1, 2, 0], 'constant', 0.5) }),
      S('negative padding crops, strided', (g) => [g.s([3, 4])], { fn: (x) => x!.pad([-1, 1]) }),
    ],
    errors: [{ label: 'odd length', run: () => zeros([2, 3]).pad([1]), type: ValueError, code: 'E_VALUE', message: ['pad', 'even'] }],
  },

  // ------------------------------------------------------------ indexing
  {
    name: 'gather',
    fn: (x, i) => x!.gather(1, i!),
    differentiable: true,
    samples: [
      S('3x4 dim 1', (g) => [g.n([3, 4]), g.idx([3, 2], 4)]),
      S(
        'transposed dim 0 (repeated indices)',
        (g) => [
          g.t([3, 4]),
          tensor(
            [
              [0, 0, 2, 1],
              [2, 2, 0, 0],
            ],
            { dtype: 'int32' },
          ),
        ],
        { fn: (x, i) => x!.gather(0, i!) },
      ),
      S('strided dim -1', (g) => [g.s([2, 3]), g.idx([2, 5], 3)], { fn: (x, i) => x!.gather(-1, i!) }),
    ],
    errors: [
      {
        label: 'index out of range',
        run: () => zeros([2, 4]).gather(1, tensor([[0, 5]], { dtype: 'int32' })),
        type: IndexError,
        code: 'E_INDEX',
        message: ['gather', 'index 5', 'size 4'],
      },
      {
        label: 'negative index',
        run: () => zeros([2, 4]).gather(1, tensor([[0, -1]], { dtype: 'int32' })),
        type: IndexError,
        code: 'E_INDEX',
        message: ['gather', '-1'],
      },
      {
        label: 'float index',
        run: () => zeros([2, 4]).gather(1, zeros([2, 1])),
        type: DTypeError,
        code: 'E_DTYPE',
        message: ['gather', 'int32'],
      },
    ],
  },
  {
    name: 'indexSelect',
    fn: (x, i) => x!.indexSelect(0, i!),
    differentiable: true,
    samples: [
      S('rows of 4x3', (g) => [g.n([4, 3]), tensor([3, 0, 3, 1], { dtype: 'int32' })]),
      S('columns of transposed', (g) => [g.t([3, 4]), g.idx([5], 4)], { fn: (x, i) => x!.indexSelect(1, i!) }),
      S('dim -1 of strided 2x3x2', (g) => [g.s([2, 3, 2]), g.idx([3], 2)], { fn: (x, i) => x!.indexSelect(-1, i!) }),
    ],
    errors: [
      {
        label: 'index out of range',
        run: () => zeros([4, 3]).indexSelect(0, tensor([1, 4], { dtype: 'int32' })),
        type: IndexError,
        code: 'E_INDEX',
        message: ['indexSelect', 'index 4', 'size 4'],
      },
    ],
  },
  {
    name: 'scatterAdd',
    fn: (x, i, src) => x!.scatterAdd(1, i!, src!),
    differentiable: true,
    samples: [
      S('3x4 dim 1 (repeated indices)', (g) => [
        g.n([3, 4]),
        tensor(
          [
            [0, 0],
            [3, 1],
            [2, 2],
          ],
          { dtype: 'int32' },
        ),
        g.n([3, 2]),
      ]),
      S('transposed dim 0', (g) => [g.t([3, 4]), g.idx([2, 4], 3), g.t([2, 4])], { fn: (x, i, s) => x!.scatterAdd(0, i!, s!) }),
      S('src larger than index, strided', (g) => [g.n([2, 3]), g.idx([2, 2], 3), g.s([2, 3])]),
    ],
    errors: [
      {
        label: 'index out of range',
        run: () => zeros([2, 3]).scatterAdd(1, tensor([[3], [0]], { dtype: 'int32' }), zeros([2, 1])),
        type: IndexError,
        code: 'E_INDEX',
        message: ['scatterAdd', 'index 3', 'size 3'],
      },
    ],
  },
  {
    name: 'oneHot',
    fn: (i) => F.oneHot(i!, 4),
    differentiable: false,
    samples: [
      S('5 labels', (g) => [g.idx([5], 4)]),
      S('2x3 labels, inferred classes', (g) => [g.idx([2, 3], 5)], { fn: (i) => F.oneHot(i!) }),
      S('transposed labels', (g) => [g.idx([3, 2], 4).t()]),
    ],
    errors: [
      {
        label: 'label ≥ numClasses',
        run: () => F.oneHot(tensor([0, 4], { dtype: 'int32' }), 4),
        type: IndexError,
        code: 'E_INDEX',
        message: ['oneHot', '4', 'numClasses=4'],
      },
      {
        label: 'negative label',
        run: () => F.oneHot(tensor([-1], { dtype: 'int32' }), 4),
        type: IndexError,
        code: 'E_INDEX',
        message: ['oneHot', '-1'],
      },
      { label: 'float labels', run: () => F.oneHot(tensor([1]), 4), type: DTypeError, code: 'E_DTYPE', message: ['oneHot', 'int32'] },
    ],
  },
  {
    name: 'embedding',
    fn: (i, w) => F.embedding(i!, w!),
    differentiable: true,
    samples: [
      S('2x3 indices into 6x4', (g) => [g.idx([2, 3], 6), g.n([6, 4])], { grad: [1] }),
      S('repeated indices, transposed weight', (g) => [tensor([1, 1, 5, 1], { dtype: 'int32' }), g.t([6, 3])], { grad: [1] }),
      // (paddingIdx deliberately zeroes the padding row's gradient, so it is tested apart, not gradchecked)
      S('strided weight, 0-d index', (g) => [tensor(2, { dtype: 'int32' }), g.s([4, 2])], { grad: [1] }),
    ],
    errors: [
      {
        label: 'index out of range',
        run: () => F.embedding(tensor([0, 6], { dtype: 'int32' }), zeros([6, 4])),
        type: IndexError,
        code: 'E_INDEX',
        message: ['embedding', 'index 6', '6 rows'],
      },
    ],
  },

  {
    // indexSelect's gradient primitive (differentiable itself, for double backward)
    name: 'indexAdd',
    fn: (src) => apply('indexAdd', [src!, tensor([2, 0, 2], { dtype: 'int32' })], { dim: 0, size: 4 }),
    differentiable: true,
    samples: [S('3x2 rows into 4', (g) => [g.n([3, 2])]), S('transposed', (g) => [g.t([3, 2])]), S('strided', (g) => [g.s([3, 3])])],
    errors: [
      {
        label: 'index out of range',
        run: () => apply('indexAdd', [zeros([2, 2]), tensor([0, 4], { dtype: 'int32' })], { dim: 0, size: 4 }),
        type: IndexError,
        code: 'E_INDEX',
        message: ['indexAdd', 'index 4', 'size 4'],
      },
    ],
  },
  {
    name: 'crossEntropy (fused softmaxCrossEntropy primitive)',
    fn: (x, t) => F.crossEntropy(x!, t!),
    differentiable: true,
    samples: [
      S('4x3 logits', (g) => [g.n([4, 3]), g.idx([4], 3)]),
      S('transposed logits, sum', (g) => [g.t([5, 4]), g.idx([5], 4)], { fn: (x, t) => F.crossEntropy(x!, t!, { reduction: 'sum' }) }),
      S('strided logits, class weights, none', (g) => [g.s([3, 4]), g.idx([3], 4), g.pos([4])], {
        fn: (x, t, w) => F.crossEntropy(x!, t!, { weight: w!, reduction: 'none' }),
        grad: [0], // class weights take no gradient (PyTorch does not differentiate them either)
      }),
    ],
  },

  // ------------------------------------------------------------ convolution
  {
    name: 'conv1d',
    fn: (x, w, b) => F.conv1d(x!, w!, b!),
    differentiable: true,
    samples: [
      S('2x3x7 · 4x3x3 with bias', (g) => [g.n([2, 3, 7]), g.n([4, 3, 3]), g.n([4])]),
      S('stride 2, padding 1', (g) => [g.n([1, 2, 8]), g.n([3, 2, 3])], {
        fn: (x, w) => F.conv1d(x!, w!, null, { stride: 2, padding: 1 }),
      }),
      S('dilation 2, groups 2, transposed input', (g) => [g.t([1, 4, 7]), g.n([4, 2, 2]), g.n([4])], {
        fn: (x, w, b) => F.conv1d(x!, w!, b!, { dilation: 2, groups: 2 }),
      }),
      S("padding 'same'", (g) => [g.n([1, 2, 5]), g.n([2, 2, 3])], { fn: (x, w) => F.conv1d(x!, w!, null, { padding: 'same' }) }),
    ],
    errors: [
      {
        label: 'channel mismatch',
        run: () => F.conv1d(zeros([1, 3, 8]), zeros([4, 2, 3])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['conv2d', '3 channels', 'expects 2'],
      },
      {
        label: '2-D input',
        run: () => F.conv1d(zeros([3, 8]), zeros([4, 3, 3])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['conv1d', '[3,8]'],
      },
    ],
  },
  {
    name: 'conv2d',
    fn: (x, w, b) => F.conv2d(x!, w!, b!),
    differentiable: true,
    samples: [
      S('1x2x5x5 · 3x2x3x3 with bias', (g) => [g.n([1, 2, 5, 5]), g.n([3, 2, 3, 3]), g.n([3])]),
      S('stride 2, padding 1, no bias', (g) => [g.n([2, 2, 5, 5]), g.n([2, 2, 3, 3])], {
        fn: (x, w) => F.conv2d(x!, w!, null, { stride: 2, padding: 1 }),
      }),
      S('dilation 2, asymmetric stride/padding', (g) => [g.n([1, 1, 6, 7]), g.n([2, 1, 2, 3])], {
        fn: (x, w) => F.conv2d(x!, w!, null, { dilation: 2, stride: [1, 2], padding: [1, 0] }),
      }),
      S('groups 2, transposed input, strided weight', (g) => [g.t([1, 4, 4, 5]), g.s([4, 2, 2, 2]), g.n([4])], {
        fn: (x, w, b) => F.conv2d(x!, w!, b!, { groups: 2, padding: 1 }),
      }),
      S('depthwise (groups = channels)', (g) => [g.n([1, 3, 4, 4]), g.n([3, 1, 3, 3])], {
        fn: (x, w) => F.conv2d(x!, w!, null, { groups: 3 }),
      }),
    ],
    errors: [
      {
        label: 'channel mismatch',
        run: () => F.conv2d(zeros([1, 3, 5, 5]), zeros([4, 2, 3, 3])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['conv2d', '[1,3,5,5]', '[4,2,3,3]', '3 channels'],
      },
      {
        label: '3-D input',
        run: () => F.conv2d(zeros([3, 5, 5]), zeros([4, 3, 3, 3])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['conv2d', '[3,5,5]', 'unsqueeze(0)'],
      },
      {
        label: 'kernel larger than input',
        run: () => F.conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 3, 3])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['conv2d', 'too small'],
      },
      {
        label: 'groups that do not divide',
        run: () => F.conv2d(zeros([1, 4, 5, 5]), zeros([3, 2, 3, 3]), null, { groups: 2 }),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['conv2d', 'groups=2'],
      },
    ],
  },
  {
    name: 'convTranspose2d',
    fn: (x, w, b) => F.convTranspose2d(x!, w!, b!),
    differentiable: true,
    samples: [
      S('1x2x3x3 · 2x3x3x3 with bias', (g) => [g.n([1, 2, 3, 3]), g.n([2, 3, 3, 3]), g.n([3])]),
      S('stride 2, padding 1, outputPadding 1', (g) => [g.n([2, 2, 3, 3]), g.n([2, 2, 3, 3])], {
        fn: (x, w) => F.convTranspose2d(x!, w!, null, { stride: 2, padding: 1, outputPadding: 1 }),
      }),
      S('dilation 2, transposed input', (g) => [g.t([1, 2, 3, 4]), g.n([2, 1, 2, 2])], {
        fn: (x, w) => F.convTranspose2d(x!, w!, null, { dilation: 2 }),
      }),
      S('groups 2, strided weight', (g) => [g.n([1, 4, 3, 3]), g.s([4, 1, 2, 2]), g.n([2])], {
        fn: (x, w, b) => F.convTranspose2d(x!, w!, b!, { groups: 2, stride: 2 }),
      }),
    ],
    errors: [
      {
        label: 'channel mismatch',
        run: () => F.convTranspose2d(zeros([1, 3, 4, 4]), zeros([2, 3, 3, 3])),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['convTranspose2d', '[1,3,4,4]', '[2,3,3,3]'],
      },
    ],
  },

  // ------------------------------------------------------------ pooling and upsampling
  {
    name: 'maxPool2d',
    fn: (x) => F.maxPool2d(x!, 2),
    differentiable: true,
    samples: [
      S('k2 of 1x2x4x4', (g) => [g.n([1, 2, 4, 4])]),
      S('k3 s1 p1 of transposed', (g) => [g.t([1, 1, 4, 5])], { fn: (x) => F.maxPool2d(x!, 3, { stride: 1, padding: 1 }) }),
      S('k2 s2 ceilMode of strided 3-D', (g) => [g.s([2, 5, 5])], { fn: (x) => F.maxPool2d(x!, 2, { ceilMode: true }) }),
      S('k2 dilation 2', (g) => [g.n([1, 1, 5, 5])], { fn: (x) => F.maxPool2d(x!, 2, { dilation: 2, stride: 1 }) }),
    ],
    errors: [
      { label: '2-D input', run: () => F.maxPool2d(zeros([4, 4]), 2), type: ShapeError, code: 'E_SHAPE', message: ['maxPool2d', '[4,4]'] },
      {
        label: 'padding over half the kernel',
        run: () => F.maxPool2d(zeros([1, 1, 4, 4]), 2, { padding: 2 }),
        type: ValueError,
        code: 'E_VALUE',
        message: ['maxPool2d', 'padding'],
      },
    ],
  },
  {
    name: 'avgPool2d',
    fn: (x) => F.avgPool2d(x!, 2),
    differentiable: true,
    samples: [
      S('k2 of 1x2x4x4', (g) => [g.n([1, 2, 4, 4])]),
      S('k3 s1 p1 of transposed', (g) => [g.t([1, 1, 4, 5])], { fn: (x) => F.avgPool2d(x!, 3, { stride: 1, padding: 1 }) }),
      S('k3 s2 p1 countIncludePad false, strided', (g) => [g.s([1, 2, 5, 5])], {
        fn: (x) => F.avgPool2d(x!, 3, { stride: 2, padding: 1, countIncludePad: false }),
      }),
      S('ceilMode, divisorOverride', (g) => [g.n([1, 1, 5, 5])], { fn: (x) => F.avgPool2d(x!, 2, { ceilMode: true, divisorOverride: 3 }) }),
    ],
    errors: [
      {
        label: '5-D input',
        run: () => F.avgPool2d(zeros([1, 1, 1, 4, 4]), 2),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['avgPool2d', '[1,1,1,4,4]'],
      },
    ],
  },
  // ---- gradient primitives, differentiable themselves for second derivatives (see higher-order.test.ts)
  {
    name: 'geluGrad',
    fn: (x) => apply('geluGrad', [x!], {}),
    differentiable: true,
    samples: unarySamples(normal),
  },
  // ReLU's gradient g·(x > 0) in one pass: linear in g, zero gradient in x (samples keep x off the kink)
  binary('reluGrad', (g, x) => apply('reluGrad', [g, x], {}), normal, nonzero),
  {
    name: 'conv2dGradInput',
    fn: (gy, w) =>
      apply('conv2dGradInput', [gy!, w!], { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 2, inputShape: [1, 4, 5, 5] }),
    differentiable: true,
    samples: [
      S('gy 1x2x3x3, w 2x2x3x3', (g) => [g.n([1, 2, 3, 3]), g.n([2, 2, 3, 3])]),
      S('transposed gy', (g) => [g.t([1, 2, 3, 3]), g.n([2, 2, 3, 3])]),
      S('strided w', (g) => [g.n([1, 2, 3, 3]), g.s([2, 2, 3, 3])]),
    ],
  },
  {
    name: 'conv2dGradWeight',
    fn: (x, gy) =>
      apply('conv2dGradWeight', [x!, gy!], { stride: [1, 2], padding: [1, 0], dilation: [1, 1], groups: 1, weightShape: [2, 2, 2, 3] }),
    differentiable: true,
    samples: [
      S('x 1x2x3x5, gy 1x2x4x2', (g) => [g.n([1, 2, 3, 5]), g.n([1, 2, 4, 2])]),
      S('transposed x', (g) => [g.t([1, 2, 3, 5]), g.n([1, 2, 4, 2])]),
      S('strided gy', (g) => [g.n([1, 2, 3, 5]), g.s([1, 2, 4, 2])]),
    ],
  },
  {
    name: 'maxPool2dGrad',
    // window argmaxes as maxPool2d saves them (flat positions within each 4x4 plane)
    fn: (gy) =>
      apply('maxPool2dGrad', [gy!], {
        kernelSize: [2, 2],
        stride: [2, 2],
        padding: [0, 0],
        dilation: [1, 1],
        ceilMode: false,
        inputShape: [1, 2, 4, 4],
        indices: Int32Array.from([0, 2, 8, 10, 5, 3, 13, 15]),
      }),
    differentiable: true,
    samples: [
      S('1x2x2x2', (g) => [g.n([1, 2, 2, 2])]),
      S('transposed', (g) => [g.t([1, 2, 2, 2])]),
      S('strided', (g) => [g.s([1, 2, 2, 2])]),
    ],
  },
  {
    // avgPool2d's gradient primitive (linear in g; its own gradient is avgPool2d)
    name: 'avgPool2dGrad',
    fn: (gy) =>
      apply('avgPool2dGrad', [gy!], {
        kernelSize: [3, 3],
        stride: [2, 2],
        padding: [1, 1],
        dilation: [1, 1],
        ceilMode: false,
        countIncludePad: false,
        divisorOverride: null,
        inputShape: [1, 2, 5, 5],
      }),
    differentiable: true,
    samples: [
      S('1x2x3x3 → 5x5', (g) => [g.n([1, 2, 3, 3])]),
      S('transposed', (g) => [g.t([1, 2, 3, 3])]),
      S('strided', (g) => [g.s([1, 2, 3, 3])]),
    ],
  },
  {
    name: 'adaptiveAvgPool2d',
    fn: (x) => F.adaptiveAvgPool2d(x!, 1),
    differentiable: true,
    samples: [
      S('to 1x1', (g) => [g.n([2, 2, 3, 3])]),
      S('5x7 → 2x3 (overlapping windows), transposed', (g) => [g.t([1, 2, 7, 5])], { fn: (x) => F.adaptiveAvgPool2d(x!, [2, 3]) }),
      S('4x4 → 2x2 of strided 3-D', (g) => [g.s([2, 4, 4])], { fn: (x) => F.adaptiveAvgPool2d(x!, 2) }),
    ],
    errors: [
      {
        label: '2-D input',
        run: () => F.adaptiveAvgPool2d(zeros([4, 4]), 2),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['adaptiveAvgPool2d', '[4,4]'],
      },
    ],
  },
  {
    name: 'interpolate (nearest)',
    fn: (x) => F.interpolate(x!, { scaleFactor: 2 }),
    differentiable: true,
    samples: [
      S('scale 2 of 1x2x3x3', (g) => [g.n([1, 2, 3, 3])]),
      S('size 5x4 of transposed 1x1x3x2', (g) => [g.t([1, 1, 3, 2])], { fn: (x) => F.interpolate(x!, { size: [5, 4] }) }),
      S('downsample to 2x2 of strided', (g) => [g.s([1, 1, 4, 4])], { fn: (x) => F.interpolate(x!, { size: 2 }) }),
    ],
    errors: [
      {
        label: 'no size',
        run: () => F.interpolate(zeros([1, 1, 2, 2]), {}),
        type: ValueError,
        code: 'E_VALUE',
        message: ['interpolate', 'size'],
      },
      {
        label: '3-D input',
        run: () => F.interpolate(zeros([1, 2, 2]), { scaleFactor: 2 }),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['interpolate', '[1,2,2]'],
      },
    ],
  },

  // ------------------------------------------------------------ normalisation, dropout
  {
    name: 'batchNorm',
    fn: (x, w, b) => F.batchNorm(x!, null, null, { weight: w!, bias: b!, training: true }),
    differentiable: true,
    samples: [
      S('training 4x3, batch statistics', (g) => [g.n([4, 3]), g.n([3]), g.n([3])]),
      S('training 2x2x3x3 with running stats (fresh per call)', (g) => [g.n([2, 2, 3, 3]), g.n([2]), g.n([2])], {
        fn: (x, w, b) => F.batchNorm(x!, x!.newZeros([2]), x!.newOnes([2]), { weight: w!, bias: b!, training: true, momentum: 0.2 }),
      }),
      S('eval with running stats, transposed input', (g) => [g.t([4, 3]), g.n([3]), g.pos([3]), g.n([3]), g.n([3])], {
        fn: (x, rm, rv, w, b) => F.batchNorm(x!, rm!, rv!, { weight: w!, bias: b!, training: false }),
        grad: [0, 3, 4],
      }),
      S('training without affine, strided', (g) => [g.s([3, 2, 2])], { fn: (x) => F.batchNorm(x!, null, null, { training: true }) }),
    ],
    errors: [
      {
        label: 'running stats of the wrong size',
        run: () => F.batchNorm(zeros([4, 3]), zeros([2]), zeros([2]), { training: true }),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['batchNorm', '[2]', '[4,3]', '3 channels'],
      },
      {
        label: 'one value per channel',
        run: () => F.batchNorm(zeros([1, 3]), null, null, { training: true }),
        type: ValueError,
        code: 'E_VALUE',
        message: ['batchNorm', 'more than 1 value'],
      },
    ],
  },
  {
    name: 'layerNorm',
    fn: (x, w, b) => F.layerNorm(x!, [4], w!, b!),
    differentiable: true,
    samples: [
      S('3x4 over [4]', (g) => [g.n([3, 4]), g.n([4]), g.n([4])]),
      S('2x3x4 over [3,4], no affine, transposed', (g) => [g.t([2, 3, 4])], { fn: (x) => F.layerNorm(x!, [3, 4]) }),
      S('strided over [2]', (g) => [g.s([3, 2]), g.n([2]), g.n([2])], { fn: (x, w, b) => F.layerNorm(x!, [2], w!, b!, 1e-3) }),
    ],
    errors: [
      {
        label: 'shape mismatch',
        run: () => F.layerNorm(zeros([3, 4]), [5]),
        type: ShapeError,
        code: 'E_SHAPE',
        message: ['layerNorm', '[3,4]', '[5]'],
      },
    ],
  },
  {
    name: 'dropout (seeded)',
    // a fresh Rng with a fixed seed per call makes the mask a constant of the function
    fn: (x) => F.dropout(x!, 0.3, true, new Rng(7)),
    differentiable: true,
    samples: [
      S('p 0.3 of 4x5', (g) => [g.n([4, 5])]),
      S('p 0.5 of transposed', (g) => [g.t([3, 4])], { fn: (x) => F.dropout(x!, 0.5, true, new Rng(3)) }),
      S('eval mode is identity, strided', (g) => [g.s([2, 3])], { fn: (x) => F.dropout(x!, 0.5, false) }),
    ],
    errors: [
      { label: 'p outside [0, 1]', run: () => F.dropout(zeros([2]), 1.5), type: ValueError, code: 'E_VALUE', message: ['dropout', '1.5'] },
    ],
  },
  {
    name: 'cosineSimilarity',
    fn: (a, b) => F.cosineSimilarity(a!, b!),
    differentiable: true,
    broadcasts: true,
    samples: [
      S('3x4 · 3x4', (g) => [g.n([3, 4]), g.n([3, 4])]),
      S('3x4 · 1x4 (broadcast)', (g) => [g.n([3, 4]), g.n([1, 4])]),
      S('transposed · strided, dim 0', (g) => [g.t([3, 4]), g.s([3, 4])], { fn: (a, b) => F.cosineSimilarity(a!, b!, 0) }),
    ],
  },
];

// issue 14: indexing, assignment, in-place on views, the tensor ops (opspec-extra.ts)
SPECS.push(...EXTRA_SPECS);

/** Every op the issue lists must have an entry (names as in SPECS). */
export const REQUIRED = [
  'neg',
  'abs',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'leakyRelu',
  'elu',
  'gelu',
  'softplus',
  'silu',
  'square',
  'reciprocal',
  'powScalar',
  'clamp',
  'sign',
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'where',
  'maskedFill',
  'sum',
  'mean',
  'max (all, and dim → values)',
  'min (all, and dim → values)',
  'argmax / argmin / max indices',
  'prod',
  'var (correction 1)',
  'var (correction 0)',
  'std',
  'logsumexp',
  'matmul',
  'mm',
  'bmm',
  'linear',
  'cat',
  'stack',
  'gather',
  'indexSelect',
  'scatterAdd',
  'pad',
  'oneHot',
  'softmax',
  'logSoftmax',
  'conv1d',
  'conv2d',
  'convTranspose2d',
  'maxPool2d',
  'avgPool2d',
  'adaptiveAvgPool2d',
  'interpolate (nearest)',
  'batchNorm',
  'layerNorm',
  'embedding',
  'dropout (seeded)',
  'reshape / view',
  'permute / transpose / t',
  'expand',
  'narrow / slice / select',
  'squeeze / unsqueeze / flatten / unflatten',
  ...EXTRA_REQUIRED,
];

/** A stable seed per (spec, sample). */
export function seedOf(spec: string, sample: number): number {
  let h = 2166136261;
  for (const ch of `${spec}#${sample}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}
