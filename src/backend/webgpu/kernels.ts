/**
 * WGSL kernels of the webgpu backend, behind the same `Kernels` interface as the js and wasm ones:
 * operands are GPU handles (src/backend/gpu.ts), resolved to buffers; each call enqueues one compute
 * pass and returns the handle of a fresh GPU storage. Nothing is read back.
 *
 * Numerics: every kernel computes in f32 (the js reference computes in float64 and rounds once), so
 * results agree with js to float32 rounding, not bit for bit; reductions and GEMM sum sequentially in
 * f32. Kernels without a WGSL version are in `MISSING` and throw `E_WEBGPU_NO_KERNEL` (counted).
 */
import type { DType, TypedArray } from '../../core/dtype.js';
import { NotSupportedError } from '../../core/errors.js';
import { contiguousStrides, numel } from '../../core/shape.js';
import { noKernel } from '../gpu.js';
import { adamScalars, sgdScalars } from '../optim_scalars.js';
import type {
  AdamUpdateArgs,
  BinaryOp,
  Conv2dArgs,
  Kernels,
  MatmulArgs,
  Pool2dArgs,
  ReduceOp,
  SgdUpdateArgs,
  UnaryOp,
  View,
} from '../types.js';
import { WebGpuRuntime, elemOf, type Elem } from './runtime.js';

const MAXD = 8;
/** meta layout (i32 words): n, ndim, shape[8], strides[3][8], offsets[3], p0, p1 (f32 bits), flags. */
const META = 40;

const HEADER = `@group(0) @binding(0) var<storage, read> md: array<i32>;\n`;
const INDEX = `
fn at(i: i32, k: i32) -> i32 {
  var rem = i;
  var o = md[34 + k];
  for (var d = md[1] - 1; d >= 0; d = d - 1) {
    let s = md[2 + d];
    o = o + (rem % s) * md[10 + 8 * k + d];
    rem = rem / s;
  }
  return o;
}
fn p0() -> f32 { return bitcast<f32>(md[37]); }
fn p1() -> f32 { return bitcast<f32>(md[38]); }
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
`;
const INDEX1D = `let i = i32(gid.x + gid.y * nw.x * 256u);\n  if (i >= md[0]) { return; }\n`;
const ENTRY1D = `@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u)`;

/** Math helpers (f32) shared by the elementwise kernels. */
const MATH = `
fn tanh_(x: f32) -> f32 { let e = exp(-2.0 * abs(x)); let t = (1.0 - e) / (1.0 + e); return select(-t, t, x >= 0.0); }
fn sigmoid_(x: f32) -> f32 { if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); } let e = exp(x); return e / (1.0 + e); }
fn log1p_(x: f32) -> f32 { let u = 1.0 + x; if (u == 1.0) { return x; } return log(u) * (x / (u - 1.0)); }
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  return exp(x) - 1.0;
}
fn erf_(x: f32) -> f32 {
  // Abramowitz & Stegun 7.1.26 refined: |error| < 1.5e-7
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  if (a < 1e-3) { return x * 1.1283791671; }
  return select(-y, y, x >= 0.0);
}
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  if (b == 0.5) { return sqrt(a); }
  if (b == -1.0) { return 1.0 / a; }
  if (a >= 0.0) { return pow(a, b); }
  // negative base: defined for integer exponents only
  if (floor(b) != b) { return bitcast<f32>(0x7fc00000u | (bitcast<u32>(a) & 0u)); }
  let m = pow(-a, b);
  let odd = (b - 2.0 * floor(b * 0.5)) != 0.0;
  return select(m, -m, odd);
}
fn round_(x: f32) -> f32 { return round(x); }
// sin and cos with Cody-Waite reduction by pi/2 and Cephes' float polynomials: WGSL only promises
// 2^-11 absolute error for its built-ins (SwiftShader's are that coarse); these are within ~1e-7
fn sincos_(x: f32, shift: i32) -> f32 {
  let j = round(x * 0.636619772367581343);
  let y = ((x - j * 1.5703125) - j * 4.837512969970703125e-4) - j * 7.54978995489188216e-8;
  let z = y * y;
  let s = y + y * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  let q = (i32(j) + shift) & 3;
  if (q == 0) { return s; }
  if (q == 1) { return c; }
  if (q == 2) { return -s; }
  return -c;
}
`;

/** f32 expression of a unary op on `x`. */
function unaryExpr(op: UnaryOp): string {
  switch (op) {
    case 'neg':
      return '-x';
    case 'abs':
      return 'abs(x)';
    case 'exp':
      return 'exp(x)';
    case 'log':
      return 'log(x)';
    case 'sqrt':
      return 'sqrt(x)';
    case 'rsqrt':
      return '1.0 / sqrt(x)';
    case 'sin':
      return 'sincos_(x, 0)';
    case 'cos':
      return 'sincos_(x, 1)';
    case 'tanh':
      return 'tanh_(x)';
    case 'sigmoid':
      return 'sigmoid_(x)';
    case 'relu':
      return 'select(x, 0.0, x <= 0.0)';
    case 'sign':
      return 'select(select(select(x, 0.0, x == 0.0), -1.0, x < 0.0), 1.0, x > 0.0)';
    case 'square':
      return 'x * x';
    case 'reciprocal':
      return '1.0 / x';
    case 'erf':
      return 'erf_(x)';
    case 'floor':
      return 'floor(x)';
    case 'ceil':
      return 'ceil(x)';
    case 'round':
      return 'round_(x)';
    case 'log1p':
      return 'log1p_(x)';
    case 'expm1':
      return 'expm1_(x)';
    case 'not':
      return 'select(0.0, 1.0, x == 0.0)';
    case 'isnan':
      return 'select(0.0, 1.0, isnan_(x))';
    case 'isinf':
      return 'select(0.0, 1.0, isinf_(x))';
    case 'powScalar':
      return 'pow_(x, p0())';
    case 'clamp':
      // flags: 1 = has min, 2 = has max; NaN kept; lo > hi gives hi (as PyTorch)
      return 'clamp_(x)';
    case 'leakyRelu':
      return 'select(p0() * x, x, x > 0.0)';
    case 'elu':
      return 'select(p0() * expm1_(x), x, x > 0.0)';
    case 'softplus':
      return 'select(max(x * p0(), 0.0) / p0() + log1p_(exp(-abs(x * p0()))) / p0(), x, x * p0() > p1())';
    case 'gelu':
      return '0.5 * x * (1.0 + erf_(x * 0.70710678118654752))';
    case 'geluGrad':
      return '0.5 * (1.0 + erf_(x * 0.70710678118654752)) + x * 0.3989422804014327 * exp(-0.5 * x * x)';
    case 'copy':
      return 'x';
  }
}

const CLAMP = `
fn clamp_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let f = md[39];
  if ((f & 2) != 0 && x > p1()) { return p1(); }
  if ((f & 1) != 0 && x < p0()) { return select(p0(), p1(), (f & 2) != 0 && p0() > p1()); }
  return x;
}
`;

/** i32 expressions for ops that stay exact on integers (bool and int32 tensors). */
function intUnaryExpr(op: UnaryOp): string | null {
  switch (op) {
    case 'copy':
      return 'x';
    case 'neg':
      return '-x';
    case 'abs':
      return 'abs(x)';
    case 'square':
      return 'x * x';
    case 'sign':
      return 'sign(x)';
    case 'relu':
      return 'max(x, 0)';
    case 'not':
      return 'select(0, 1, x == 0)';
    default:
      return null;
  }
}

function binaryExpr(op: BinaryOp, c: Elem): string {
  const z = c === 'f32' ? '0.0' : '0';
  const cmp = (e: string) => `select(${z}, ${c === 'f32' ? '1.0' : '1'}, ${e})`;
  switch (op) {
    case 'add':
      return 'a + b';
    case 'sub':
      return 'a - b';
    case 'mul':
      return 'a * b';
    case 'div':
      return 'a / b';
    case 'pow':
      return 'pow_(a, b)';
    case 'maximum':
      return c === 'f32' ? 'select(select(a, b, b > a), a + b, isnan_(a) || isnan_(b))' : 'max(a, b)';
    case 'minimum':
      return c === 'f32' ? 'select(select(a, b, b < a), a + b, isnan_(a) || isnan_(b))' : 'min(a, b)';
    case 'atan2':
      return 'atan2(a, b)';
    case 'eq':
      return cmp('a == b');
    case 'ne':
      return cmp('a != b');
    case 'lt':
      return cmp('a < b');
    case 'le':
      return cmp('a <= b');
    case 'gt':
      return cmp('a > b');
    case 'ge':
      return cmp('a >= b');
    case 'and':
      return cmp(`a != ${z} && b != ${z}`);
    case 'or':
      return cmp(`a != ${z} || b != ${z}`);
    case 'xor':
      return cmp(`(a != ${z}) != (b != ${z})`);
    case 'reluGrad':
      // a = the incoming gradient, b = relu's input: a where b > 0, else a·0 (the bits of a·(b > 0))
      return `select(a * ${z}, a, b > ${z})`;
  }
}
const INT_BINARY: ReadonlySet<BinaryOp> = new Set([
  'add',
  'sub',
  'mul',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'and',
  'or',
  'xor',
]);

/** WGSL converting a value of compute type `from` to the output dtype's storage. */
function store(v: string, from: Elem, out: DType): string {
  if (out === 'bool') return `select(0, 1, ${v} != ${from === 'f32' ? '0.0' : '0'})`;
  if (out === 'int32') return from === 'f32' ? `i32(${v})` : v;
  return from === 'f32' ? v : `f32(${v})`;
}
function load(v: string, from: Elem, to: Elem): string {
  return from === to ? v : `${to}(${v})`;
}

/** Output storage dtype of a kernel: float64 (reduction intermediates only) is computed as float32. */
function gpuOut(d: DType): DType {
  return d === 'float64' ? 'float32' : d;
}

export function createWebgpuKernels(rt: WebGpuRuntime): { kernels: Kernels; implemented: string[] } {
  /** Metadata of an elementwise call: n, shape and each view's strides and offset. */
  function meta(shape: readonly number[], views: readonly View[], p0 = 0, p1 = 0, flags = 0): Int32Array {
    if (shape.length > MAXD)
      throw new NotSupportedError(`webgpu: elementwise kernels take at most ${MAXD} dims, got ${shape.length}`, 'E_WEBGPU_NDIM');
    const m = new Int32Array(META);
    m[0] = numel(shape);
    m[1] = shape.length;
    shape.forEach((s, d) => (m[2 + d] = s));
    views.forEach((v, k) => {
      v.strides.forEach((s, d) => (m[10 + 8 * k + d] = s));
      m[34 + k] = v.offset;
    });
    const f = new Float32Array(m.buffer);
    f[37] = p0;
    f[38] = p1;
    m[39] = flags;
    return m;
  }

  function out(dtype: DType, n: number, where: string) {
    return rt.alloc(gpuOut(dtype), n, where);
  }

  const unary: Kernels['unary'] = (op, x, shape, outDType, p0 = 0, p1 = 0) => {
    elemOf(outDType, op);
    const n = numel(shape);
    const o = out(outDType, n, op);
    if (n === 0) return o.handle;
    const bx = rt.bind(x.data, op);
    const intExpr = bx.elem === 'i32' && outDType !== 'float32' ? intUnaryExpr(op) : null;
    const c: Elem = intExpr !== null ? 'i32' : 'f32';
    let flags = 0;
    if (op === 'clamp') {
      if (!Number.isNaN(p0)) flags |= 1;
      if (!Number.isNaN(p1)) flags |= 2;
    }
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<${bx.elem}>;
@group(0) @binding(2) var<storage, read_write> ys: array<${elemOf(gpuOut(outDType), op)}>;
${INDEX}${MATH}${CLAMP}
${ENTRY1D} {
  ${INDEX1D}  let x = ${load('xs[at(i, 0)]', bx.elem, c)};
  ys[i] = ${store(intExpr ?? unaryExpr(op), c, gpuOut(outDType))};
}`;
    const mb = rt.temp(meta(shape, [x], p0, p1, flags));
    rt.run(code, [mb, bx.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle;
  };

  const binary: Kernels['binary'] = (op, a, b, shape, outDType) => {
    elemOf(outDType, op);
    const n = numel(shape);
    const o = out(outDType, n, op);
    if (n === 0) return o.handle;
    const ba = rt.bind(a.data, op);
    const bb = rt.bind(b.data, op);
    const c: Elem = ba.elem === 'i32' && bb.elem === 'i32' && outDType !== 'float32' && INT_BINARY.has(op) ? 'i32' : 'f32';
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> as_: array<${ba.elem}>;
@group(0) @binding(2) var<storage, read> bs_: array<${bb.elem}>;
@group(0) @binding(3) var<storage, read_write> ys: array<${elemOf(gpuOut(outDType), op)}>;
${INDEX}${MATH}
${ENTRY1D} {
  ${INDEX1D}  let a = ${load('as_[at(i, 0)]', ba.elem, c)};
  let b = ${load('bs_[at(i, 1)]', bb.elem, c)};
  ys[i] = ${store(binaryExpr(op, c), c, gpuOut(outDType))};
}`;
    const mb = rt.temp(meta(shape, [a, b]));
    rt.run(code, [mb, ba.buffer, bb.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle;
  };

  const where: Kernels['where'] = (cond, a, b, shape, outDType) => {
    elemOf(outDType, 'where');
    const n = numel(shape);
    const o = out(outDType, n, 'where');
    if (n === 0) return o.handle;
    const bc = rt.bind(cond.data, 'where');
    const ba = rt.bind(a.data, 'where');
    const bb = rt.bind(b.data, 'where');
    const e = elemOf(gpuOut(outDType), 'where');
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> cs: array<${bc.elem}>;
@group(0) @binding(2) var<storage, read> as_: array<${ba.elem}>;
@group(0) @binding(3) var<storage, read> bs_: array<${bb.elem}>;
@group(0) @binding(4) var<storage, read_write> ys: array<${e}>;
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let c = cs[at(i, 0)] != ${bc.elem === 'f32' ? '0.0' : '0'};
  ys[i] = select(${load('bs_[at(i, 2)]', bb.elem, e)}, ${load('as_[at(i, 1)]', ba.elem, e)}, c);
}`;
    const mb = rt.temp(meta(shape, [cond, a, b]));
    rt.run(code, [mb, bc.buffer, ba.buffer, bb.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle;
  };

  /** outer × len × inner split of a contiguous shape around `axis`. */
  function split(shape: readonly number[], axis: number): [number, number, number] {
    let outer = 1;
    let inner = 1;
    for (let d = 0; d < axis; d++) outer *= shape[d]!;
    for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
    return [outer, shape.length === 0 ? 1 : shape[axis]!, inner];
  }

  const reduce: Kernels['reduce'] = (op, x, shape, axis, outDType) => {
    const [outer, len, inner] = split(shape, axis);
    const n = outer * inner;
    const od = gpuOut(outDType);
    const o = out(od, n, op);
    if (n === 0) return o.handle;
    const bx = rt.bind(x, op);
    const c: Elem = bx.elem === 'i32' && od !== 'float32' ? 'i32' : 'f32';
    const init: Record<ReduceOp, string> = {
      sum: c === 'f32' ? '0.0' : '0',
      prod: c === 'f32' ? '1.0' : '1',
      max: 'v0',
      min: 'v0',
    };
    const step: Record<ReduceOp, string> = {
      sum: 'acc + v',
      prod: 'acc * v',
      max: c === 'f32' ? 'select(select(acc, v, v > acc), v, isnan_(v) || isnan_(acc))' : 'max(acc, v)',
      min: c === 'f32' ? 'select(select(acc, v, v < acc), v, isnan_(v) || isnan_(acc))' : 'min(acc, v)',
    };
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<${bx.elem}>;
@group(0) @binding(2) var<storage, read_write> ys: array<${elemOf(od, op)}>;
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let len = md[2];
  let inner = md[3];
  let base = (i / inner) * len * inner + i % inner;
  let v0 = ${load('xs[base]', bx.elem, c)};
  var acc = ${init[op]};
  for (var j = 0; j < len; j = j + 1) {
    let v = ${load('xs[base + j * inner]', bx.elem, c)};
    acc = ${step[op]};
  }
  ys[i] = ${store('acc', c, od)};
}`;
    const m = new Int32Array(META);
    m[0] = n;
    m[2] = len;
    m[3] = inner;
    rt.run(code, [rt.temp(m), bx.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle;
  };

  const argReduce: Kernels['argReduce'] = (op, x, shape, axis) => {
    const [outer, len, inner] = split(shape, axis);
    const n = outer * inner;
    const o = out('int32', n, op);
    if (n === 0) return o.handle as Int32Array;
    const bx = rt.bind(x, op);
    const better = op === 'argmax' ? '>' : '<';
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<${bx.elem}>;
@group(0) @binding(2) var<storage, read_write> ys: array<i32>;
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let len = md[2];
  let inner = md[3];
  let base = (i / inner) * len * inner + i % inner;
  var best = f32(xs[base]);
  var k = 0;
  for (var j = 1; j < len; j = j + 1) {
    let v = f32(xs[base + j * inner]);
    if (isnan_(best)) { break; }
    if (v ${better} best || isnan_(v)) { best = v; k = j; }
  }
  ys[i] = k;
}`;
    const m = new Int32Array(META);
    m[0] = n;
    m[2] = len;
    m[3] = inner;
    rt.run(code, [rt.temp(m), bx.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle as Int32Array;
  };

  const TILE = 16;
  const matmul: Kernels['matmul'] = (args: MatmulArgs, outDType) => {
    const { batch, m, k, n, transA, transB } = args;
    elemOf(outDType, 'matmul');
    const o = out(outDType, batch * m * n, 'matmul');
    if (batch * m * n === 0) return o.handle;
    const ba = rt.bind(args.a.data, 'matmul');
    const bb = rt.bind(args.b.data, 'matmul');
    const bias = args.bias ?? null;
    const bbias = bias !== null ? rt.bind(bias, 'matmul') : null;
    if (ba.elem !== 'f32' || bb.elem !== 'f32') throw noKernel('matmul of integer tensors');
    const A = transA ? 'as_[oa + p * M + r]' : 'as_[oa + r * K + p]';
    const B = transB ? 'bs_[ob + c * K + p]' : 'bs_[ob + p * N + c]';
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> as_: array<f32>;
@group(0) @binding(2) var<storage, read> bs_: array<f32>;
@group(0) @binding(3) var<storage, read_write> ys: array<f32>;
${bbias !== null ? '@group(0) @binding(4) var<storage, read> bias: array<f32>;\n' : ''}
var<workgroup> ta: array<f32, ${TILE * TILE}>;
var<workgroup> tb: array<f32, ${TILE * TILE}>;
fn lda(oa: i32, r: i32, p: i32, M: i32, K: i32) -> f32 { return ${A}; }
fn ldb(ob: i32, p: i32, c: i32, K: i32, N: i32) -> f32 { return ${B}; }
@compute @workgroup_size(${TILE}, ${TILE}) fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let M = md[0];
  let K = md[1];
  let N = md[2];
  let bi = i32(wg.z);
  let oa = md[3] + bi * md[5];
  let ob = md[4] + bi * md[6];
  let lx = i32(l.x);
  let ly = i32(l.y);
  let row = i32(wg.y) * ${TILE} + ly;
  let col = i32(wg.x) * ${TILE} + lx;
  var acc = 0.0;
  for (var t = 0; t < K; t = t + ${TILE}) {
    var va = 0.0;
    if (row < M && t + lx < K) { va = lda(oa, row, t + lx, M, K); }
    ta[ly * ${TILE} + lx] = va;
    var vb = 0.0;
    if (t + ly < K && col < N) { vb = ldb(ob, t + ly, col, K, N); }
    tb[ly * ${TILE} + lx] = vb;
    workgroupBarrier();
    for (var p = 0; p < ${TILE}; p = p + 1) { acc = acc + ta[ly * ${TILE} + p] * tb[p * ${TILE} + lx]; }
    workgroupBarrier();
  }
  if (row < M && col < N) {
    ys[bi * M * N + row * N + col] = acc${bbias !== null ? ' + bias[col]' : ''};
  }
}`;
    const mt = new Int32Array(META);
    mt.set([m, k, n, args.a.offset, args.b.offset, args.strideA, args.strideB]);
    const bufs = [rt.temp(mt), ba.buffer, bb.buffer, o.buffer];
    if (bbias !== null) bufs.push(bbias.buffer);
    if (batch > 65535) throw new NotSupportedError(`webgpu: matmul batch ${batch} exceeds 65535`, 'E_WEBGPU_LIMIT');
    rt.run(code, bufs, [Math.ceil(n / TILE), Math.ceil(m / TILE), batch]);
    return o.handle;
  };

  const softmaxCrossEntropy: Kernels['softmaxCrossEntropy'] = (x, m, c, target, weight, outDType) => {
    const loss = out(outDType, m, 'softmaxCrossEntropy');
    const probs = out(outDType, m * c, 'softmaxCrossEntropy');
    if (m === 0) return { loss: loss.handle, probs: probs.handle };
    const bx = rt.bind(x, 'softmaxCrossEntropy');
    const bt = rt.bind(target, 'softmaxCrossEntropy');
    const bw = rt.bind(weight, 'softmaxCrossEntropy');
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> ts: array<i32>;
@group(0) @binding(3) var<storage, read> ws: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss: array<f32>;
@group(0) @binding(5) var<storage, read_write> probs: array<f32>;
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let c = md[2];
  let o = i * c;
  var mx = xs[o];
  for (var j = 1; j < c; j = j + 1) { mx = max(mx, xs[o + j]); }
  if (isinf_(mx) || isnan_(mx)) { mx = 0.0; }
  var s = 0.0;
  for (var j = 0; j < c; j = j + 1) { let e = exp(xs[o + j] - mx); probs[o + j] = e; s = s + e; }
  for (var j = 0; j < c; j = j + 1) { probs[o + j] = probs[o + j] / s; }
  let w = ws[i];
  loss[i] = select(w * (mx + log(s) - xs[o + ts[i]]), 0.0, w == 0.0);
}`;
    const mt = new Int32Array(META);
    mt[0] = m;
    mt[2] = c;
    rt.run(code, [rt.temp(mt), bx.buffer, bt.buffer, bw.buffer, loss.buffer, probs.buffer], WebGpuRuntime.groups1d(m));
    return { loss: loss.handle, probs: probs.handle };
  };

  const softmaxCrossEntropyGrad: Kernels['softmaxCrossEntropyGrad'] = (probs, m, c, target, weight, g, outDType) => {
    const o = out(outDType, m * c, 'softmaxCrossEntropyGrad');
    if (m * c === 0) return o.handle;
    const bp = rt.bind(probs, 'softmaxCrossEntropyGrad');
    const bt = rt.bind(target, 'softmaxCrossEntropyGrad');
    const bw = rt.bind(weight, 'softmaxCrossEntropyGrad');
    const bg = rt.bind(g, 'softmaxCrossEntropyGrad');
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> ps: array<f32>;
@group(0) @binding(2) var<storage, read> ts: array<i32>;
@group(0) @binding(3) var<storage, read> ws: array<f32>;
@group(0) @binding(4) var<storage, read> gs: array<f32>;
@group(0) @binding(5) var<storage, read_write> ys: array<f32>;
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let c = md[2];
  let r = i / c;
  let j = i % c;
  let k = gs[r] * ws[r];
  var v = k * ps[i];
  if (j == ts[r]) { v = v - k; }
  ys[i] = select(v, 0.0, k == 0.0);
}`;
    const mt = new Int32Array(META);
    mt[0] = m * c;
    mt[2] = c;
    rt.run(code, [rt.temp(mt), bp.buffer, bt.buffer, bw.buffer, bg.buffer, o.buffer], WebGpuRuntime.groups1d(m * c));
    return o.handle;
  };

  /** Whether every array is a live GPU storage (the fused updates run only then; else "not handled"). */
  function allGpu(...arrays: (ArrayLike<number> | null)[]): boolean {
    return arrays.every((a) => a === null || rt.isGpu(a));
  }

  const sgdUpdate = (p: TypedArray, g: ArrayLike<number>, buf: TypedArray | null, first: boolean, h: SgdUpdateArgs): boolean => {
    if (!(p instanceof Float32Array) || !allGpu(p, g, buf)) return false;
    const n = p.length;
    if (n === 0) return true;
    const s = sgdScalars(h);
    const mom = h.momentum !== 0 && buf !== null;
    const code = `${HEADER}@group(0) @binding(1) var<storage, read_write> ps: array<f32>;
@group(0) @binding(2) var<storage, read> gs: array<f32>;
@group(0) @binding(3) var<storage, read_write> bs: array<f32>;
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let wd = bitcast<f32>(md[40]);
  let mu = bitcast<f32>(md[41]);
  let damp = bitcast<f32>(md[42]);
  let nlr = bitcast<f32>(md[43]);
  let flags = md[44];
  var d = gs[i];
  if ((flags & 1) != 0) { d = -d; }
  if ((flags & 2) != 0) { d = wd * ps[i] + d; }
  if ((flags & 4) != 0) {
    var b = d;
    if ((flags & 8) == 0) { b = damp * d + bs[i] * mu; }
    bs[i] = b;
    d = select(b, mu * b + d, (flags & 16) != 0);
  } else if (md[0] < 0) { bs[0] = 0.0; } // never runs: keeps the binding in the layout
  ps[i] = nlr * d + ps[i];
}`;
    const mt = new Int32Array(48);
    mt[0] = n;
    const f = new Float32Array(mt.buffer);
    f[40] = s.weightDecay;
    f[41] = s.momentum;
    f[42] = s.oneMinusDampening;
    f[43] = s.negLr;
    mt[44] = (h.maximize ? 1 : 0) | (h.weightDecay !== 0 ? 2 : 0) | (mom ? 4 : 0) | (first ? 8 : 0) | (h.nesterov ? 16 : 0);
    const bb = mom ? rt.bind(buf, 'sgd').buffer : rt.temp(new Float32Array(1));
    rt.run(code, [rt.temp(mt), rt.bind(p, 'sgd').buffer, rt.bind(g, 'sgd').buffer, bb], WebGpuRuntime.groups1d(n));
    return true;
  };

  const adamUpdate = (
    p: TypedArray,
    g: ArrayLike<number>,
    expAvg: TypedArray,
    expAvgSq: TypedArray,
    maxExpAvgSq: TypedArray | null,
    step: number,
    h: AdamUpdateArgs,
  ): boolean => {
    if (!(p instanceof Float32Array) || !allGpu(p, g, expAvg, expAvgSq, maxExpAvgSq)) return false;
    const n = p.length;
    if (n === 0) return true;
    const s = adamScalars(step, h);
    const ams = h.amsgrad && maxExpAvgSq !== null;
    const code = `${HEADER}@group(0) @binding(1) var<storage, read_write> ps: array<f32>;
@group(0) @binding(2) var<storage, read> gs: array<f32>;
@group(0) @binding(3) var<storage, read_write> ms: array<f32>;
@group(0) @binding(4) var<storage, read_write> vs: array<f32>;
@group(0) @binding(5) var<storage, read_write> mx: array<f32>;
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let b1 = bitcast<f32>(md[40]);
  let c1 = bitcast<f32>(md[41]);
  let b2 = bitcast<f32>(md[42]);
  let c2 = bitcast<f32>(md[43]);
  let bc2 = bitcast<f32>(md[44]);
  let nss = bitcast<f32>(md[45]);
  let e = bitcast<f32>(md[46]);
  let wd = bitcast<f32>(md[47]);
  let decay = bitcast<f32>(md[48]);
  let flags = md[49];
  var d = gs[i];
  if ((flags & 1) != 0) { d = -d; }
  var pi = ps[i];
  if ((flags & 2) != 0) { pi = pi * decay; } else if ((flags & 4) != 0) { d = wd * pi + d; }
  let m = c1 * d + ms[i] * b1;
  let v = (c2 * d) * d + vs[i] * b2;
  ms[i] = m;
  vs[i] = v;
  var vh = v;
  if ((flags & 8) != 0) {
    if (v > mx[i] || isnan_(v)) { mx[i] = v; }
    vh = mx[i];
  } else if (md[0] < 0) { mx[0] = 0.0; } // never runs: keeps the binding in the layout
  let denom = (sqrt(vh) / bc2) + e;
  ps[i] = pi + (nss * m) / denom;
}`;
    const mt = new Int32Array(52);
    mt[0] = n;
    const f = new Float32Array(mt.buffer);
    f[40] = s.beta1;
    f[41] = s.oneMinusBeta1;
    f[42] = s.beta2;
    f[43] = s.oneMinusBeta2;
    f[44] = s.bc2Sqrt;
    f[45] = s.negStepSize;
    f[46] = s.eps;
    f[47] = s.weightDecay;
    f[48] = s.decay;
    mt[49] =
      (h.maximize ? 1 : 0) | (h.decoupled && h.weightDecay !== 0 ? 2 : 0) | (!h.decoupled && h.weightDecay !== 0 ? 4 : 0) | (ams ? 8 : 0);
    const bm = ams ? rt.bind(maxExpAvgSq, 'adam').buffer : rt.temp(new Float32Array(1));
    rt.run(
      code,
      [
        rt.temp(mt),
        rt.bind(p, 'adam').buffer,
        rt.bind(g, 'adam').buffer,
        rt.bind(expAvg, 'adam').buffer,
        rt.bind(expAvgSq, 'adam').buffer,
        bm,
      ],
      WebGpuRuntime.groups1d(n),
    );
    return true;
  };

  /** Conv/pool sizes as metadata words 40…: n, cIn, h, w, cOut, kh, kw, oh, ow, sH, sW, pH, pW, dH, dW, groups, flags. */
  function sizes(a: Conv2dArgs | Pool2dArgs, total: number, extra: number[] = []): Int32Array {
    const c = 'cIn' in a ? a : { ...a, cIn: a.c, cOut: a.c, groups: 1 };
    const m = new Int32Array(64);
    m[0] = total;
    m.set(
      [c.n, c.cIn, c.h, c.w, c.cOut, c.kh, c.kw, c.oh, c.ow, c.strideH, c.strideW, c.padH, c.padW, c.dilH, c.dilW, c.groups, ...extra],
      40,
    );
    return m;
  }
  const SIZES = `
  let N = md[40]; let CI = md[41]; let H = md[42]; let W = md[43]; let CO = md[44]; let KH = md[45]; let KW = md[46];
  let OH = md[47]; let OW = md[48]; let SH = md[49]; let SW = md[50]; let PH = md[51]; let PW = md[52]; let DH = md[53]; let DW = md[54];
  let G = md[55]; let CIG = CI / G; let COG = CO / G;
`;

  function floatsOnly(where: string, ...bs: { elem: Elem }[]): void {
    if (bs.some((b) => b.elem !== 'f32')) throw noKernel(`${where} of integer tensors`);
  }

  const conv2d: Kernels['conv2d'] = (x, w, a, outDType) => {
    const total = a.n * a.cOut * a.oh * a.ow;
    const o = out(outDType, total, 'conv2d');
    if (total === 0) return o.handle;
    const bx = rt.bind(x, 'conv2d');
    const bw = rt.bind(w, 'conv2d');
    floatsOnly('conv2d', bx, bw);
    const bias = a.bias ?? null;
    const bb = bias !== null ? rt.bind(bias, 'conv2d') : null;
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> ws: array<f32>;
@group(0) @binding(3) var<storage, read_write> ys: array<f32>;
${bb !== null ? '@group(0) @binding(4) var<storage, read> bias: array<f32>;' : ''}
${ENTRY1D} {
  ${INDEX1D}${SIZES}
  let ox = i % OW; let oy = (i / OW) % OH; let co = (i / (OW * OH)) % CO; let b = i / (OW * OH * CO);
  let g = co / COG;
  var acc = 0.0;
  for (var ci = 0; ci < CIG; ci = ci + 1) {
    let c = g * CIG + ci;
    for (var ky = 0; ky < KH; ky = ky + 1) {
      let iy = oy * SH - PH + ky * DH;
      if (iy < 0 || iy >= H) { continue; }
      for (var kx = 0; kx < KW; kx = kx + 1) {
        let ix = ox * SW - PW + kx * DW;
        if (ix < 0 || ix >= W) { continue; }
        acc = acc + xs[((b * CI + c) * H + iy) * W + ix] * ws[((co * CIG + ci) * KH + ky) * KW + kx];
      }
    }
  }
  ys[i] = acc${bb !== null ? ' + bias[co]' : ''};
}`;
    const bufs = [rt.temp(sizes(a, total)), bx.buffer, bw.buffer, o.buffer];
    if (bb !== null) bufs.push(bb.buffer);
    rt.run(code, bufs, WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  const conv2dGradInput: Kernels['conv2dGradInput'] = (gy, w, a, outDType) => {
    const total = a.n * a.cIn * a.h * a.w;
    const o = out(outDType, total, 'conv2dGradInput');
    if (total === 0) return o.handle;
    const bg = rt.bind(gy, 'conv2dGradInput');
    const bw = rt.bind(w, 'conv2dGradInput');
    floatsOnly('conv2dGradInput', bg, bw);
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read> ws: array<f32>;
@group(0) @binding(3) var<storage, read_write> ys: array<f32>;
${ENTRY1D} {
  ${INDEX1D}${SIZES}
  let ix = i % W; let iy = (i / W) % H; let c = (i / (W * H)) % CI; let b = i / (W * H * CI);
  let g = c / CIG; let ci = c % CIG;
  var acc = 0.0;
  for (var cg = 0; cg < COG; cg = cg + 1) {
    let co = g * COG + cg;
    for (var ky = 0; ky < KH; ky = ky + 1) {
      let ty = iy + PH - ky * DH;
      if (ty < 0 || ty % SH != 0 || ty / SH >= OH) { continue; }
      let oy = ty / SH;
      for (var kx = 0; kx < KW; kx = kx + 1) {
        let tx = ix + PW - kx * DW;
        if (tx < 0 || tx % SW != 0 || tx / SW >= OW) { continue; }
        let ox = tx / SW;
        acc = acc + gs[((b * CO + co) * OH + oy) * OW + ox] * ws[((co * CIG + ci) * KH + ky) * KW + kx];
      }
    }
  }
  ys[i] = acc;
}`;
    rt.run(code, [rt.temp(sizes(a, total)), bg.buffer, bw.buffer, o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  const conv2dGradWeight: Kernels['conv2dGradWeight'] = (x, gy, a, outDType) => {
    const total = a.cOut * (a.cIn / a.groups) * a.kh * a.kw;
    const o = out(outDType, total, 'conv2dGradWeight');
    if (total === 0) return o.handle;
    const bx = rt.bind(x, 'conv2dGradWeight');
    const bg = rt.bind(gy, 'conv2dGradWeight');
    floatsOnly('conv2dGradWeight', bx, bg);
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> gs: array<f32>;
@group(0) @binding(3) var<storage, read_write> ys: array<f32>;
${ENTRY1D} {
  ${INDEX1D}${SIZES}
  let kx = i % KW; let ky = (i / KW) % KH; let ci = (i / (KW * KH)) % CIG; let co = i / (KW * KH * CIG);
  let c = (co / COG) * CIG + ci;
  var acc = 0.0;
  for (var b = 0; b < N; b = b + 1) {
    for (var oy = 0; oy < OH; oy = oy + 1) {
      let iy = oy * SH - PH + ky * DH;
      if (iy < 0 || iy >= H) { continue; }
      for (var ox = 0; ox < OW; ox = ox + 1) {
        let ix = ox * SW - PW + kx * DW;
        if (ix < 0 || ix >= W) { continue; }
        acc = acc + gs[((b * CO + co) * OH + oy) * OW + ox] * xs[((b * CI + c) * H + iy) * W + ix];
      }
    }
  }
  ys[i] = acc;
}`;
    rt.run(code, [rt.temp(sizes(a, total)), bx.buffer, bg.buffer, o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  const maxPool2d: Kernels['maxPool2d'] = (x, a, outDType) => {
    const total = a.n * a.c * a.oh * a.ow;
    const o = out(outDType, total, 'maxPool2d');
    const idx = out('int32', total, 'maxPool2d');
    if (total === 0) return { out: o.handle, indices: idx.handle as Int32Array };
    const bx = rt.bind(x, 'maxPool2d');
    floatsOnly('maxPool2d', bx);
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;
@group(0) @binding(3) var<storage, read_write> idx: array<i32>;
${INDEX}
${ENTRY1D} {
  ${INDEX1D}${SIZES}
  let ox = i % OW; let oy = (i / OW) % OH; let p = i / (OW * OH);
  let xb = p * H * W;
  var best = 0.0;
  var bi = -1;
  for (var ky = 0; ky < KH; ky = ky + 1) {
    let iy = oy * SH - PH + ky * DH;
    if (iy < 0 || iy >= H) { continue; }
    var stop = false;
    for (var kx = 0; kx < KW; kx = kx + 1) {
      let ix = ox * SW - PW + kx * DW;
      if (ix < 0 || ix >= W) { continue; }
      let v = xs[xb + iy * W + ix];
      if (bi < 0 || v > best || isnan_(v)) {
        best = v;
        bi = iy * W + ix;
        if (isnan_(v)) { stop = true; break; }
      }
    }
    if (stop) { break; }
  }
  ys[i] = best;
  idx[i] = bi;
}`;
    rt.run(code, [rt.temp(sizes({ ...a }, total)), bx.buffer, o.buffer, idx.buffer], WebGpuRuntime.groups1d(total));
    return { out: o.handle, indices: idx.handle as Int32Array };
  };

  const maxPool2dGrad: Kernels['maxPool2dGrad'] = (gy, indices, a, outDType) => {
    const total = a.n * a.c * a.h * a.w;
    const o = out(outDType, total, 'maxPool2dGrad');
    if (total === 0) return o.handle;
    const bg = rt.bind(gy, 'maxPool2dGrad');
    const bi = rt.bind(indices, 'maxPool2dGrad');
    floatsOnly('maxPool2dGrad', bg);
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> ys: array<f32>;
${ENTRY1D} {
  ${INDEX1D}${SIZES}
  let ix = i % W; let iy = (i / W) % H; let p = i / (W * H);
  let me = iy * W + ix;
  var acc = 0.0;
  for (var ky = 0; ky < KH; ky = ky + 1) {
    let ty = iy + PH - ky * DH;
    if (ty < 0 || ty % SH != 0 || ty / SH >= OH) { continue; }
    for (var kx = 0; kx < KW; kx = kx + 1) {
      let tx = ix + PW - kx * DW;
      if (tx < 0 || tx % SW != 0 || tx / SW >= OW) { continue; }
      let o = (p * OH + ty / SH) * OW + tx / SW;
      if (idx[o] == me) { acc = acc + gs[o]; }
    }
  }
  ys[i] = acc;
}`;
    rt.run(code, [rt.temp(sizes(a, total)), bg.buffer, bi.buffer, o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  /** avgWindow of the js kernel: the clipped window of output (oy, ox) and its divisor. */
  const AVG = `
fn win(oy: i32, ox: i32) -> vec4<i32> {
  let H = md[42]; let W = md[43]; let KH = md[45]; let KW = md[46]; let SH = md[49]; let SW = md[50]; let PH = md[51]; let PW = md[52];
  let y0 = oy * SH - PH; let x0 = ox * SW - PW;
  return vec4<i32>(max(y0, 0), min(min(y0 + KH, H + PH), H), max(x0, 0), min(min(x0 + KW, W + PW), W));
}
fn div(oy: i32, ox: i32) -> f32 {
  let H = md[42]; let W = md[43]; let KH = md[45]; let KW = md[46]; let SH = md[49]; let SW = md[50]; let PH = md[51]; let PW = md[52];
  if (md[56] > 0) { return f32(md[56]); }
  let y0 = oy * SH - PH; let x0 = ox * SW - PW;
  let y1 = min(y0 + KH, H + PH); let x1 = min(x0 + KW, W + PW);
  if (md[57] != 0) { return f32((y1 - y0) * (x1 - x0)); }
  let w = win(oy, ox);
  return f32((w.y - w.x) * (w.w - w.z));
}
`;
  const avgExtra = (a: Pool2dArgs) => [Math.trunc(a.divisor), a.countIncludePad ? 1 : 0];

  const avgPool2d: Kernels['avgPool2d'] = (x, a, outDType) => {
    const total = a.n * a.c * a.oh * a.ow;
    const o = out(outDType, total, 'avgPool2d');
    if (total === 0) return o.handle;
    if (a.divisor > 0 && !Number.isInteger(a.divisor)) throw noKernel('avgPool2d with a fractional divisor');
    const bx = rt.bind(x, 'avgPool2d');
    floatsOnly('avgPool2d', bx);
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;
${AVG}
${ENTRY1D} {
  ${INDEX1D}${SIZES}
  let ox = i % OW; let oy = (i / OW) % OH; let p = i / (OW * OH);
  let wn = win(oy, ox);
  var s = 0.0;
  for (var iy = wn.x; iy < wn.y; iy = iy + 1) { for (var ix = wn.z; ix < wn.w; ix = ix + 1) { s = s + xs[(p * H + iy) * W + ix]; } }
  ys[i] = s / div(oy, ox);
}`;
    rt.run(code, [rt.temp(sizes(a, total, avgExtra(a))), bx.buffer, o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  const avgPool2dGrad: Kernels['avgPool2dGrad'] = (gy, a, outDType) => {
    const total = a.n * a.c * a.h * a.w;
    const o = out(outDType, total, 'avgPool2dGrad');
    if (total === 0) return o.handle;
    if (a.divisor > 0 && !Number.isInteger(a.divisor)) throw noKernel('avgPool2dGrad with a fractional divisor');
    const bg = rt.bind(gy, 'avgPool2dGrad');
    floatsOnly('avgPool2dGrad', bg);
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;
${AVG}
${ENTRY1D} {
  ${INDEX1D}${SIZES}
  let ix = i % W; let iy = (i / W) % H; let p = i / (W * H);
  var acc = 0.0;
  let oy0 = max(0, (iy + PH - KH) / SH); let oy1 = min(OH - 1, (iy + PH) / SH);
  let ox0 = max(0, (ix + PW - KW) / SW); let ox1 = min(OW - 1, (ix + PW) / SW);
  for (var oy = oy0; oy <= oy1; oy = oy + 1) {
    for (var ox = ox0; ox <= ox1; ox = ox + 1) {
      let wn = win(oy, ox);
      if (iy >= wn.x && iy < wn.y && ix >= wn.z && ix < wn.w) { acc = acc + gs[(p * OH + oy) * OW + ox] / div(oy, ox); }
    }
  }
  ys[i] = acc;
}`;
    rt.run(code, [rt.temp(sizes(a, total, avgExtra(a))), bg.buffer, o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  /** Batch norm over contiguous x [n, c, inner]: one invocation per channel (statistics, sums) or per element. */
  function bnMeta(total: number, n: number, c: number, inner: number, eps = 0): Int32Array {
    const m = new Int32Array(64);
    m[0] = total;
    m.set([n, c, inner], 40);
    new Float32Array(m.buffer)[43] = eps;
    return m;
  }
  const BN = `
  let BN = md[40]; let BC = md[41]; let BI = md[42]; let eps = bitcast<f32>(md[43]);
`;
  const INVSTD = `fn invstd(v: f32, eps: f32) -> f32 { return 1.0 / sqrt(v + eps); }\n`;

  const batchNormStats: Kernels['batchNormStats'] = (x, n, c, inner, outDType) => {
    const o = out(outDType, 2 * c, 'batchNormStats');
    if (c === 0) return o.handle;
    const bx = rt.bind(x, 'batchNormStats');
    floatsOnly('batchNormStats', bx);
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;
${ENTRY1D} {
  ${INDEX1D}${BN}
  let cnt = f32(BN * BI);
  var s = 0.0;
  for (var b = 0; b < BN; b = b + 1) { let o = (b * BC + i) * BI; for (var k = 0; k < BI; k = k + 1) { s = s + xs[o + k]; } }
  let mean = s / cnt;
  var q = 0.0;
  for (var b = 0; b < BN; b = b + 1) { let o = (b * BC + i) * BI; for (var k = 0; k < BI; k = k + 1) { let d = xs[o + k] - mean; q = q + d * d; } }
  ys[i] = mean;
  ys[BC + i] = q / cnt;
}`;
    rt.run(code, [rt.temp(bnMeta(c, n, c, inner)), bx.buffer, o.buffer], WebGpuRuntime.groups1d(c));
    return o.handle;
  };

  const batchNormForward: Kernels['batchNormForward'] = (x, mean, vari, w, b, n, c, inner, eps, outDType) => {
    const total = n * c * inner;
    const o = out(outDType, total, 'batchNormForward');
    if (total === 0) return o.handle;
    const bs = [x, mean, vari, w, b].map((a) => rt.bind(a, 'batchNormForward'));
    floatsOnly('batchNormForward', ...bs);
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> ms: array<f32>;
@group(0) @binding(3) var<storage, read> vs: array<f32>;
@group(0) @binding(4) var<storage, read> ws: array<f32>;
@group(0) @binding(5) var<storage, read> bs: array<f32>;
@group(0) @binding(6) var<storage, read_write> ys: array<f32>;
${INVSTD}
${ENTRY1D} {
  ${INDEX1D}${BN}
  let ch = (i / BI) % BC;
  ys[i] = ((xs[i] - ms[ch]) * invstd(vs[ch], eps)) * ws[ch] + bs[ch];
}`;
    rt.run(code, [rt.temp(bnMeta(total, n, c, inner, eps)), ...bs.map((q) => q.buffer), o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  const batchNormGradSums: Kernels['batchNormGradSums'] = (g, x, mean, vari, n, c, inner, eps, outDType) => {
    const o = out(outDType, 2 * c, 'batchNormGradSums');
    if (c === 0) return o.handle;
    const bs = [g, x, mean, vari].map((a) => rt.bind(a, 'batchNormGradSums'));
    floatsOnly('batchNormGradSums', ...bs);
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read> xs: array<f32>;
@group(0) @binding(3) var<storage, read> ms: array<f32>;
@group(0) @binding(4) var<storage, read> vs: array<f32>;
@group(0) @binding(5) var<storage, read_write> ys: array<f32>;
${INVSTD}
${ENTRY1D} {
  ${INDEX1D}${BN}
  let m = ms[i];
  var sg = 0.0;
  var sgx = 0.0;
  for (var b = 0; b < BN; b = b + 1) {
    let o = (b * BC + i) * BI;
    for (var k = 0; k < BI; k = k + 1) { let gi = gs[o + k]; sg = sg + gi; sgx = sgx + gi * (xs[o + k] - m); }
  }
  ys[i] = sgx * invstd(vs[i], eps);
  ys[BC + i] = sg;
}`;
    rt.run(code, [rt.temp(bnMeta(c, n, c, inner, eps)), ...bs.map((q) => q.buffer), o.buffer], WebGpuRuntime.groups1d(c));
    return o.handle;
  };

  const batchNormGradInput: Kernels['batchNormGradInput'] = (g, x, mean, vari, w, sums, n, c, inner, eps, outDType) => {
    const total = n * c * inner;
    const o = out(outDType, total, 'batchNormGradInput');
    if (total === 0) return o.handle;
    const bs = [g, x, mean, vari, w].map((a) => rt.bind(a, 'batchNormGradInput'));
    const bsum = sums !== null ? rt.bind(sums, 'batchNormGradInput') : { buffer: rt.temp(new Float32Array(1)), elem: 'f32' as Elem };
    floatsOnly('batchNormGradInput', ...bs, bsum);
    const train = sums !== null;
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read> xs: array<f32>;
@group(0) @binding(3) var<storage, read> ms: array<f32>;
@group(0) @binding(4) var<storage, read> vs: array<f32>;
@group(0) @binding(5) var<storage, read> ws: array<f32>;
@group(0) @binding(6) var<storage, read> ss: array<f32>;
@group(0) @binding(7) var<storage, read_write> ys: array<f32>;
${INVSTD}
${ENTRY1D} {
  ${INDEX1D}${BN}
  let ch = (i / BI) % BC;
  let s = invstd(vs[ch], eps);
  ${
    train
      ? `let cnt = f32(BN * BI);
  let mg = ss[BC + ch] / cnt;
  let mgx = ss[ch] / cnt;
  ys[i] = (ws[ch] * s) * (gs[i] - mg - (xs[i] - ms[ch]) * s * mgx);`
      : `ys[i] = (gs[i] * ws[ch]) * s;
  if (md[0] < 0) { ys[0] = ss[0] + xs[0] + ms[0]; } // never runs: keeps the bindings in the layout`
  }
}`;
    rt.run(
      code,
      [rt.temp(bnMeta(total, n, c, inner, eps)), ...bs.map((q) => q.buffer), bsum.buffer, o.buffer],
      WebGpuRuntime.groups1d(total),
    );
    return o.handle;
  };

  /** Write `x` (read against `shape`) into GPU storage `dst` through the view `at` (in-place ops, pad, cat). */
  rt.copyInto = (dst, at, x, shape) => {
    const n = numel(shape);
    if (n === 0) return;
    const bx = rt.bind(x.data, 'copy_');
    const bd = rt.bind(dst.host!, 'copy_');
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<${bx.elem}>;
@group(0) @binding(2) var<storage, read_write> ys: array<${bd.elem}>;
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  ys[at(i, 1)] = ${store(load('xs[at(i, 0)]', bx.elem, bx.elem), bx.elem, dst.dtype)};
}`;
    const strides = at.strides ?? contiguousStrides(shape);
    rt.run(
      code,
      [rt.temp(meta(shape, [x, { data: x.data, offset: at.offset, strides }])), bx.buffer, bd.buffer],
      WebGpuRuntime.groups1d(n),
    );
  };

  rt.filled = (dtype, n, value) => {
    const o = out(dtype, n, 'fill');
    const scalar = dtype === 'float32' ? Float32Array.of(value) : Int32Array.of(value);
    rt.copyInto(o.storage, { offset: 0 }, { data: scalar, offset: 0, strides: [0] }, [n]);
    return o.handle;
  };

  /** outer × size × inner split (as the js kernels' splitAxis). */
  function splitAt(shape: readonly number[], axis: number): [number, number, number] {
    return split(shape, axis);
  }

  const indexSelect: Kernels['indexSelect'] = (x, shape, axis, index, outDType) => {
    const [outer, size, inner] = splitAt(shape, axis);
    const k = index.length;
    const total = outer * k * inner;
    const o = out(outDType, total, 'indexSelect');
    if (total === 0) return o.handle;
    const bx = rt.bind(x, 'indexSelect');
    const bi = rt.bind(index, 'indexSelect');
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<${bx.elem}>;
@group(0) @binding(2) var<storage, read> ix: array<i32>;
@group(0) @binding(3) var<storage, read_write> ys: array<${bx.elem}>;
${ENTRY1D} {
  ${INDEX1D}  let size = md[2]; let k = md[3]; let inner = md[4];
  let r = i % inner; let j = (i / inner) % k; let q = i / (inner * k);
  let t = ix[j];
  if (t < 0 || t >= size) { ys[i] = ${bx.elem === 'f32' ? 'bitcast<f32>(0x7fc00000u | (u32(md[0]) & 0u))' : '0'}; return; }
  ys[i] = xs[(q * size + t) * inner + r];
}`;
    const m = new Int32Array(META);
    m.set([total, 0, size, k, inner]);
    rt.run(code, [rt.temp(m), bx.buffer, bi.buffer, o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  const indexAdd: Kernels['indexAdd'] = (src, srcShape, axis, index, outSize, outDType) => {
    const [outer, k, inner] = splitAt(srcShape, axis);
    const total = outer * outSize * inner;
    const o = out(outDType, total, 'indexAdd');
    if (total === 0) return o.handle;
    const bs = rt.bind(src, 'indexAdd');
    const bi = rt.bind(index, 'indexAdd');
    const zero = bs.elem === 'f32' ? '0.0' : '0';
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> ss: array<${bs.elem}>;
@group(0) @binding(2) var<storage, read> ix: array<i32>;
@group(0) @binding(3) var<storage, read_write> ys: array<${bs.elem}>;
${ENTRY1D} {
  ${INDEX1D}  let size = md[2]; let k = md[3]; let inner = md[4];
  let r = i % inner; let t = (i / inner) % size; let q = i / (inner * size);
  var acc = ${zero};
  for (var j = 0; j < k; j = j + 1) { if (ix[j] == t) { acc = acc + ss[(q * k + j) * inner + r]; } }
  ys[i] = acc;
}`;
    const m = new Int32Array(META);
    m.set([total, 0, outSize, k, inner]);
    rt.run(code, [rt.temp(m), bs.buffer, bi.buffer, o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  /** Metadata of gather/scatterAdd: ndim, the index shape, the other array's contiguous strides, its shape, the axis. */
  function gatherMeta(total: number, indexShape: readonly number[], other: readonly number[], axis: number): Int32Array {
    if (indexShape.length > MAXD) throw new NotSupportedError(`webgpu: gather/scatterAdd take at most ${MAXD} dims`, 'E_WEBGPU_NDIM');
    const m = new Int32Array(META);
    m[0] = total;
    m[1] = indexShape.length;
    let acc = 1;
    for (let d = indexShape.length - 1; d >= 0; d--) {
      m[2 + d] = indexShape[d]!;
      m[10 + d] = acc;
      m[18 + d] = other[d]!;
      acc *= other[d]!;
    }
    m[37] = axis;
    return m;
  }

  const gather: Kernels['gather'] = (x, xShape, index, indexShape, axis, outDType) => {
    const total = index.length;
    const o = out(outDType, total, 'gather');
    if (total === 0) return o.handle;
    const bx = rt.bind(x, 'gather');
    const bi = rt.bind(index, 'gather');
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> xs: array<${bx.elem}>;
@group(0) @binding(2) var<storage, read> ix: array<i32>;
@group(0) @binding(3) var<storage, read_write> ys: array<${bx.elem}>;
${ENTRY1D} {
  ${INDEX1D}  var rem = i;
  var off = 0;
  let t = ix[i];
  if (t < 0 || t >= md[18 + md[37]]) { ys[i] = ${bx.elem === 'f32' ? 'bitcast<f32>(0x7fc00000u | (u32(md[0]) & 0u))' : '0'}; return; }
  for (var d = md[1] - 1; d >= 0; d = d - 1) {
    let c = rem % md[2 + d];
    rem = rem / md[2 + d];
    off = off + select(c, t, d == md[37]) * md[10 + d];
  }
  ys[i] = xs[off];
}`;
    rt.run(code, [rt.temp(gatherMeta(total, indexShape, xShape, axis)), bx.buffer, bi.buffer, o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  const scatterAdd: Kernels['scatterAdd'] = (src, index, indexShape, outShape, axis, outDType) => {
    const total = numel(outShape);
    const o = out(outDType, total, 'scatterAdd');
    if (total === 0) return o.handle;
    const bs = rt.bind(src, 'scatterAdd');
    const bi = rt.bind(index, 'scatterAdd');
    const zero = bs.elem === 'f32' ? '0.0' : '0';
    // one invocation per output element: the index positions that agree with it off the axis, and whose index hits it
    const code = `${HEADER}@group(0) @binding(1) var<storage, read> ss: array<${bs.elem}>;
@group(0) @binding(2) var<storage, read> ix: array<i32>;
@group(0) @binding(3) var<storage, read_write> ys: array<${bs.elem}>;
${ENTRY1D} {
  ${INDEX1D}  let ax = md[37];
  var rem = i;
  var base = 0;
  var stride = 1;
  var hit = 0;
  var astride = 1;
  var inside = true;
  for (var d = md[1] - 1; d >= 0; d = d - 1) {
    let c = rem % md[18 + d];
    rem = rem / md[18 + d];
    if (d == ax) { hit = c; astride = stride; } else {
      if (c >= md[2 + d]) { inside = false; }
      base = base + c * stride;
    }
    stride = stride * md[2 + d];
  }
  var acc = ${zero};
  if (inside) {
    for (var j = 0; j < md[2 + ax]; j = j + 1) {
      let p = base + j * astride;
      if (ix[p] == hit) { acc = acc + ss[p]; }
    }
  }
  ys[i] = acc;
}`;
    rt.run(code, [rt.temp(gatherMeta(total, indexShape, outShape, axis)), bs.buffer, bi.buffer, o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  const implemented: Partial<Kernels> = {
    unary,
    binary,
    where,
    reduce,
    argReduce,
    matmul,
    softmaxCrossEntropy,
    softmaxCrossEntropyGrad,
    sgdUpdate,
    adamUpdate,
    conv2d,
    conv2dGradInput,
    conv2dGradWeight,
    maxPool2d,
    maxPool2dGrad,
    avgPool2d,
    avgPool2dGrad,
    batchNormStats,
    batchNormForward,
    batchNormGradSums,
    batchNormGradInput,
    indexSelect,
    indexAdd,
    gather,
    scatterAdd,
  };
  const table = { ...implemented } as Record<string, unknown>;
  for (const name of MISSING)
    table[name] = () => {
      throw noKernel(`kernel ${name}`);
    };
  return { kernels: table as unknown as Kernels, implemented: Object.keys(implemented).sort() };
}

/** Kernels of the `Kernels` interface that have no WGSL version yet: calling one is `E_WEBGPU_NO_KERNEL`. */
export const MISSING: readonly (keyof Kernels)[] = ['prodGrad'];
