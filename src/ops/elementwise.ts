/** Elementwise primitives: unary, binary (with broadcasting), where, cast. */
import { isFloat, resultType, type DType } from '../core/dtype.js';
import { DTypeError } from '../core/errors.js';
import { broadcastShapes, broadcastStrides } from '../core/shape.js';
import { kernels } from '../backend/dispatch.js';
import type { BinaryOp, UnaryOp } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { view, type BinaryName, type OpAttrs, type OpRule, type OutSpec, type UnaryName } from './types.js';

/** How a unary op chooses its output dtype. */
type Kind = 'float' | 'same' | 'bool';

function outDType(name: string, kind: Kind, d: DType): DType {
  if (kind === 'bool') return 'bool';
  if (kind === 'float') return isFloat(d) ? d : 'float32';
  if (d === 'bool') throw new DTypeError(`${name}: not supported for bool tensors; cast with .float() or .int() first`);
  return d;
}

function unary<K extends UnaryName>(
  name: K,
  kop: UnaryOp,
  kind: Kind,
  params: (a: OpAttrs[K]) => [number, number],
  backward: OpRule<K>['backward'],
): OpRule<K> {
  return {
    infer: ([x], attrs) => {
      let dtype = outDType(name, kind, x.dtype);
      if (name === 'powScalar' && !isFloat(dtype) && !Number.isInteger((attrs as OpAttrs['powScalar']).exponent)) dtype = 'float32';
      return { shape: x.shape.slice(), dtype };
    },
    forward: ([x], attrs, out) => {
      const [p0, p1] = params(attrs);
      return { data: kernels().unary(kop, view(x), out.shape, out.dtype, p0, p1) };
    },
    backward,
  };
}

const none = (): [number, number] => [0, 0];
const zeroGrad = (g: Tensor): (Tensor | null)[] => [g.mul(0)];

export const unaryOps = {
  neg: unary('neg', 'neg', 'same', none, (g) => [g.neg()]),
  // d|x| = sign(x) (0 at 0, and at NaN as PyTorch's sgn)
  abs: unary('abs', 'abs', 'same', none, (g, { inputs: [x] }) => [x.isnan().ifElse(0, g.mul(x.sign()))]),
  // d e^x = e^x
  exp: unary('exp', 'exp', 'float', none, (g, { output }) => [g.mul(output)]),
  // d log x = 1/x
  log: unary('log', 'log', 'float', none, (g, { inputs: [x] }) => [g.div(x)]),
  // d √x = 1/(2√x)
  sqrt: unary('sqrt', 'sqrt', 'float', none, (g, { output }) => [g.div(output.mul(2))]),
  // d x^-½ = -½ x^-3/2
  rsqrt: unary('rsqrt', 'rsqrt', 'float', none, (g, { output }) => [g.mul(output.pow(3)).mul(-0.5)]),
  sin: unary('sin', 'sin', 'float', none, (g, { inputs: [x] }) => [g.mul(x.cos())]),
  cos: unary('cos', 'cos', 'float', none, (g, { inputs: [x] }) => [g.mul(x.sin()).neg()]),
  // d tanh(x) = 1 - tanh(x)^2
  tanh: unary('tanh', 'tanh', 'float', none, (g, { output }) => [g.mul(output.square().neg().add(1))]),
  // d σ(x) = σ(x)(1 - σ(x))
  sigmoid: unary('sigmoid', 'sigmoid', 'float', none, (g, { output }) => [g.mul(output.mul(output.neg().add(1)))]),
  // d relu(x) = 1 if x > 0 else 0 (0 at the kink, like PyTorch)
  relu: unary('relu', 'relu', 'same', none, (g, { inputs: [x], run }) => [run('reluGrad', [g, x], {})]),
  sign: unary('sign', 'sign', 'same', none, zeroGrad),
  // d x² = 2x
  square: unary('square', 'square', 'same', none, (g, { inputs: [x] }) => [g.mul(x).mul(2)]),
  // d 1/x = -1/x²
  reciprocal: unary('reciprocal', 'reciprocal', 'float', none, (g, { output }) => [g.mul(output.square()).neg()]),
  // d erf(x) = 2/√π e^(-x²)
  erf: unary('erf', 'erf', 'float', none, (g, { inputs: [x] }) => [g.mul(x.square().neg().exp()).mul(2 / Math.sqrt(Math.PI))]),
  // d log(1+x) = 1/(1+x)
  log1p: unary('log1p', 'log1p', 'float', none, (g, { inputs: [x] }) => [g.div(x.add(1))]),
  // d (e^x - 1) = e^x
  expm1: unary('expm1', 'expm1', 'float', none, (g, { output }) => [g.mul(output.add(1))]),
  floor: unary('floor', 'floor', 'same', none, zeroGrad),
  ceil: unary('ceil', 'ceil', 'same', none, zeroGrad),
  round: unary('round', 'round', 'same', none, zeroGrad),
  // d gelu(x) = Φ(x) + x φ(x)
  gelu: unary('gelu', 'gelu', 'float', none, (g, { inputs: [x], run }) => [g.mul(run('geluGrad', [x], {}))]),
  // d/dx [Φ(x) + x φ(x)] = φ(x) (2 − x²)  (for second derivatives of gelu)
  geluGrad: unary('geluGrad', 'geluGrad', 'float', none, (g, { inputs: [x] }) => [
    g
      .mul(
        x
          .square()
          .mul(-0.5)
          .exp()
          .mul(1 / Math.sqrt(2 * Math.PI)),
      )
      .mul(x.square().rsub(2)),
  ]),
  logicalNot: unary('logicalNot', 'not', 'bool', none, null),
  isnan: unary('isnan', 'isnan', 'bool', none, null),
  isinf: unary('isinf', 'isinf', 'bool', none, null),
  // d x^p = p x^(p-1)
  powScalar: unary(
    'powScalar',
    'powScalar',
    'same',
    (a) => [a.exponent, 0],
    (g, { inputs: [x], attrs }) => {
      const p = attrs.exponent;
      if (p === 0) return [g.mul(0)];
      return [g.mul(x.pow(p - 1)).mul(p)];
    },
  ),
  // gradient passes where min <= x <= max (bounds included, like PyTorch)
  clamp: unary(
    'clamp',
    'clamp',
    'same',
    (a) => [a.min ?? NaN, a.max ?? NaN],
    (g, { inputs: [x], attrs }) => {
      let mask = x.eq(x); // true except NaN
      if (attrs.min !== null) mask = mask.logicalAnd(x.ge(attrs.min));
      if (attrs.max !== null) mask = mask.logicalAnd(x.le(attrs.max));
      // +0 outside the range (PyTorch's where, not a product: a NaN or infinite g is cut there too)
      return [mask.ifElse(g, 0)];
    },
  ),
  // d leaky(x) = 1 if x > 0 else slope (slope at 0, like PyTorch)
  leakyRelu: unary(
    'leakyRelu',
    'leakyRelu',
    'float',
    (a) => [a.slope, 0],
    (g, { inputs: [x], attrs }) => [
      g.mul(
        x
          .gt(0)
          .to(g.dtype)
          .mul(1 - attrs.slope)
          .add(attrs.slope),
      ),
    ],
  ),
  // d elu(x) = 1 if x > 0 else elu(x) + alpha
  elu: unary(
    'elu',
    'elu',
    'float',
    (a) => [a.alpha, 0],
    (g, { inputs: [x], output, attrs }) => [g.mul(x.gt(0).ifElse(1, output.add(attrs.alpha)))],
  ),
  // d softplus(x) = σ(βx) (1 above the threshold)
  softplus: unary(
    'softplus',
    'softplus',
    'float',
    (a) => [a.beta, a.threshold],
    (g, { inputs: [x], attrs }) => [g.mul(x.mul(attrs.beta).gt(attrs.threshold).ifElse(1, x.mul(attrs.beta).sigmoid()))],
  ),
} satisfies { [K in UnaryName]: OpRule<K> };

// ---- binary ----

function binaryInfer(name: string, kind: 'arith' | 'div' | 'cmp' | 'logic') {
  return ([a, b]: readonly Tensor[]): OutSpec => {
    const shape = broadcastShapes(a.shape, b.shape, name);
    let dtype: DType;
    if (kind === 'cmp' || kind === 'logic') dtype = 'bool';
    else {
      dtype = resultType(a.dtype, a.shape.length, b.dtype, b.shape.length);
      if (kind === 'div' && !isFloat(dtype)) dtype = 'float32';
      if (kind === 'arith' && dtype === 'bool' && name !== 'maximum' && name !== 'minimum' && name !== 'mul' && name !== 'add')
        throw new DTypeError(`${name}: not supported for two bool tensors; cast with .int() or .float() first`);
    }
    return { shape, dtype };
  };
}

function binary<K extends BinaryName>(
  name: K,
  kop: BinaryOp,
  kind: 'arith' | 'div' | 'cmp' | 'logic',
  backward: OpRule<K>['backward'],
): OpRule<K> {
  return {
    infer: binaryInfer(name, kind),
    forward: ([a, b], _attrs, out) => {
      const va = { data: a.storage, offset: a.offset, strides: broadcastStrides(a.shape, a.strides, out.shape) };
      const vb = { data: b.storage, offset: b.offset, strides: broadcastStrides(b.shape, b.strides, out.shape) };
      return { data: kernels().binary(kop, va, vb, out.shape, out.dtype) };
    },
    backward,
  };
}

/** Reduce a broadcast gradient back to an input's shape (and dtype). */
function unbroadcast(g: Tensor, like: Tensor): Tensor | null {
  if (!isFloat(like.dtype)) return null;
  return g.sumToSize(like.shape).to(like.dtype);
}

export const binaryOps = {
  add: binary('add', 'add', 'arith', (g, { inputs: [a, b] }) => [unbroadcast(g, a), unbroadcast(g, b)]),
  sub: binary('sub', 'sub', 'arith', (g, { inputs: [a, b] }) => [unbroadcast(g, a), unbroadcast(g.neg(), b)]),
  // d(ab) = b da + a db
  mul: binary('mul', 'mul', 'arith', (g, { inputs: [a, b] }) => [unbroadcast(g.mul(b), a), unbroadcast(g.mul(a), b)]),
  // d(a/b) = da/b - a/b² db
  div: binary('div', 'div', 'div', (g, { inputs: [a, b] }) => [unbroadcast(g.div(b), a), unbroadcast(g.mul(a).div(b.square()).neg(), b)]),
  // d a^b = b a^(b-1) da + a^b ln(a) db   (the db term is 0 where a = 0 and b >= 0, like PyTorch)
  pow: binary('pow', 'pow', 'arith', (g, { inputs: [a, b], output }) => {
    // b·a^(b−1) is 0·∞ at a = 0, b = 0: PyTorch's 0 (the exponent-0 term is a constant)
    const ga = b.eq(0).ifElse(0, g.mul(b).mul(a.pow(b.sub(1))));
    const gb = g.mul(a.eq(0).logicalAnd(b.ge(0)).ifElse(0, output.mul(a.log())));
    return [unbroadcast(ga, a), unbroadcast(gb, b)];
  }),
  // ties split the gradient evenly (PyTorch)
  // PyTorch's rule: g (g/2 at ties) to each side, +0 where that side is the smaller (the larger, for
  // minimum) — so a NaN operand passes g to both, and a cut side gets 0 even from a NaN or infinite g
  maximum: binary('maximum', 'maximum', 'arith', (g, { inputs: [a, b] }) => {
    const share = a.eq(b).ifElse(g.mul(0.5), g);
    return [unbroadcast(a.lt(b).ifElse(0, share), a), unbroadcast(a.gt(b).ifElse(0, share), b)];
  }),
  minimum: binary('minimum', 'minimum', 'arith', (g, { inputs: [a, b] }) => {
    const share = a.eq(b).ifElse(g.mul(0.5), g);
    return [unbroadcast(a.gt(b).ifElse(0, share), a), unbroadcast(a.lt(b).ifElse(0, share), b)];
  }),
  // ReLU's gradient in one pass: +0 where x ≤ 0, else g (PyTorch's threshold_backward); linear in g
  reluGrad: binary('reluGrad', 'reluGrad', 'arith', (gg, { inputs: [g, x], run }) => [unbroadcast(run('reluGrad', [gg, x], {}), g), null]),
  eq: binary('eq', 'eq', 'cmp', null),
  ne: binary('ne', 'ne', 'cmp', null),
  lt: binary('lt', 'lt', 'cmp', null),
  le: binary('le', 'le', 'cmp', null),
  gt: binary('gt', 'gt', 'cmp', null),
  ge: binary('ge', 'ge', 'cmp', null),
  logicalAnd: binary('logicalAnd', 'and', 'logic', null),
  logicalOr: binary('logicalOr', 'or', 'logic', null),
  logicalXor: binary('logicalXor', 'xor', 'logic', null),
} satisfies { [K in BinaryName]: OpRule<K> };

export const whereOp: OpRule<'where'> = {
  infer: ([c, a, b]) => {
    if (c.dtype !== 'bool') throw new DTypeError(`where: condition must be a bool tensor, got ${c.dtype}`);
    const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, 'where'), b.shape, 'where');
    return { shape, dtype: resultType(a.dtype, a.shape.length, b.dtype, b.shape.length) };
  },
  forward: ([c, a, b], _attrs, out) => {
    const v = (t: Tensor) => ({ data: t.storage, offset: t.offset, strides: broadcastStrides(t.shape, t.strides, out.shape) });
    return { data: kernels().where(v(c), v(a), v(b), out.shape, out.dtype) };
  },
  backward: (g, { inputs: [c, a, b] }) => [null, unbroadcast(c.ifElse(g, 0), a), unbroadcast(c.ifElse(0, g), b)],
};

export const castOp: OpRule<'cast'> = {
  infer: ([x], { dtype }) => ({ shape: x.shape.slice(), dtype }),
  forward: ([x], _a, out) => {
    // bool casts normalise to 0/1; float → int truncates toward zero (the typed array store does).
    const op: UnaryOp = out.dtype === 'bool' ? 'not' : 'copy';
    const data = kernels().unary(op, view(x), out.shape, out.dtype);
    if (out.dtype === 'bool') for (let i = 0; i < data.length; i++) data[i] = data[i] ? 0 : 1;
    return { data };
  },
  backward: (g, { inputs: [x] }) => [isFloat(x.dtype) ? g.to(x.dtype) : null],
};
