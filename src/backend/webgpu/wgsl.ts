/**
 * The WGSL building blocks the webgpu kernels share (src/backend/webgpu/kernels/*.ts): the metadata
 * layout, the shader header and index helpers, the elementwise expressions, and result allocation.
 */
import type { DType } from '../../core/dtype.js';
import { NotSupportedError } from '../../core/errors.js';
import { numel, splitAxis } from '../../core/shape.js';
import { noKernel } from '../gpu.js';
import type { BinaryOp, UnaryOp, View } from '../types.js';
import { WebGpuRuntime, type Elem } from './runtime.js';

export const MAXD = 8;
/** meta layout (i32 words): n, ndim, shape[8], strides[3][8], offsets[3], p0, p1 (f32 bits), flags. */
export const META = 40;

export const HEADER = `@group(0) @binding(0) var<storage, read> md: array<i32>;\n`;
export const INDEX = `
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
fn laneBase(l: i32) -> i32 { return (l / md[3]) * md[2] * md[3] + l % md[3]; }
fn p0() -> f32 { return bitcast<f32>(md[37]); }
fn p1() -> f32 { return bitcast<f32>(md[38]); }
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
`;
export const INDEX1D = `let i = i32(gid.x + gid.y * nw.x * 256u);\n  if (i >= md[0]) { return; }\n`;
export const ENTRY1D = `@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u)`;

/** Math helpers (f32) shared by the elementwise kernels. */
export const MATH = `
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
export function unaryExpr(op: UnaryOp): string {
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

export const CLAMP = `
fn clamp_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let f = md[39];
  if ((f & 2) != 0 && x > p1()) { return p1(); }
  if ((f & 1) != 0 && x < p0()) { return select(p0(), p1(), (f & 2) != 0 && p0() > p1()); }
  return x;
}
`;

/** i32 expressions for ops that stay exact on integers (bool and int32 tensors). */
export function intUnaryExpr(op: UnaryOp): string | null {
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

export function binaryExpr(op: BinaryOp, c: Elem): string {
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
      // a = the incoming gradient, b = relu's input: +0 where b ≤ 0, else a (PyTorch's threshold_backward)
      return `select(a, ${z}, b <= ${z})`;
  }
}
export const INT_BINARY: ReadonlySet<BinaryOp> = new Set([
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
export function store(v: string, from: Elem, out: DType): string {
  if (out === 'bool') return `select(0, 1, ${v} != ${from === 'f32' ? '0.0' : '0'})`;
  if (out === 'int32') return from === 'f32' ? `i32(${v})` : v;
  return from === 'f32' ? v : `f32(${v})`;
}
export function load(v: string, from: Elem, to: Elem): string {
  return from === to ? v : `${to}(${v})`;
}

/** Output storage dtype of a kernel: float64 (reduction intermediates only) is computed as float32. */
export function gpuOut(d: DType): DType {
  return d === 'float64' ? 'float32' : d;
}

/** Metadata of an elementwise call: n, shape and each view's strides and offset. */
export function meta(shape: readonly number[], views: readonly View[], p0 = 0, p1 = 0, flags = 0): Int32Array {
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

/**
 * WGSL, inside a lane kernel's entry (after INDEX1D): `len`, `inner` and `base`, the first element of lane
 * `i` of a contiguous [outer, len, inner] tensor (metadata from `laneMeta`; `laneBase(l)` is in INDEX).
 */
export const LANE = `let len = md[2];
  let inner = md[3];
  let base = laneBase(i);`;

/** Metadata of a lane kernel over a contiguous [outer, len, inner] tensor: `lanes` invocations (+ a flag word). */
export function laneMeta(lanes: number, len: number, inner: number, flags = 0): Int32Array {
  const m = new Int32Array(META);
  m[0] = lanes;
  m[2] = len;
  m[3] = inner;
  m[39] = flags;
  return m;
}

/**
 * WGSL storage bindings 1… of a kernel (binding 0 is the metadata), one `[name, element type]` each,
 * `true` third for a buffer the kernel writes.
 */
export function bindings(...vars: [name: string, elem: string, write?: boolean][]): string {
  return vars
    .map(([name, elem, write], k) => `@group(0) @binding(${k + 1}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<${elem}>;`)
    .join('\n');
}

/** A fresh GPU storage for a kernel's result (float64 results are float32 on the GPU). */
export function kernelOut(rt: WebGpuRuntime, dtype: DType, n: number, where: string) {
  return rt.alloc(gpuOut(dtype), n, where);
}

/** Integer operands have no WGSL version of these kernels: E_WEBGPU_NO_KERNEL. */
export function floatsOnly(where: string, ...bs: { elem: Elem }[]): void {
  if (bs.some((b) => b.elem !== 'f32')) throw noKernel(`${where} of integer tensors`);
}

/** outer × len × inner split of a contiguous shape around `axis` (core/shape's splitAxis). */
export const split = splitAxis;
