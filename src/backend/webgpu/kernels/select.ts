/**
 * WGSL kernels of the webgpu backend: the rounding divisions, scans (cumsum, cumprod and its gradient,
 * the running-extremum index), a stable argsort (a bitonic network per lane) and putFlat (index
 * assignment). Lanes follow the js kernels (backend/js/select.ts): a contiguous [outer, len, inner]
 * tensor is processed along its middle axis, one lane per (outer, inner) pair.
 */
import type { DType, TypedArray } from '../../../core/dtype.js';
import { numel } from '../../../core/shape.js';
import type { Kernels, RoundingDivOp } from '../../types.js';
import { scatterPositions } from '../../js/select.js';
import { WebGpuRuntime, type Elem } from '../runtime.js';
import { ENTRY1D, HEADER, INDEX, INDEX1D, LANE, META, gpuOut, kernelOut, laneMeta, load, meta, split, bindings } from '../wgsl.js';

/** WGSL of each rounding division on f32 (PyTorch's formulas; fmod corrected to C's exact remainder where a/b rounds). */
const FLOAT_DIV: Record<RoundingDivOp, string> = {
  fmod: 'fmod_(a, b)',
  remainder: 'rem_(a, b)',
  floorDiv: 'floordiv_(a, b)',
  truncDiv: 'trunc(a / b)',
};
/** On i32 (WGSL defines x / 0 = x and x % 0 = 0; the CPU kernels throw E_ZERO_DIVISION instead). */
const INT_DIV: Record<RoundingDivOp, string> = {
  fmod: 'a % b',
  remainder: 'irem_(a, b)',
  floorDiv: 'ifloordiv_(a, b)',
  truncDiv: 'a / b',
};

const DIV_HELPERS = `
fn fmod_(a: f32, b: f32) -> f32 {
  // NaN built at run time (a constant NaN is a WGSL compile error)
  if (b == 0.0 || isinf_(a) || isnan_(a) || isnan_(b)) { return bitcast<f32>(0x7fc00000u | (bitcast<u32>(a) & 0u)); }
  if (isinf_(b)) { return a; }
  var r = a - b * trunc(a / b);
  // one correction step: trunc(a / b) may be off by one where a / b rounds to an integer
  if (r != 0.0 && (r < 0.0) != (a < 0.0)) { r = r + abs(b) * sign(a); }
  if (abs(r) >= abs(b)) { r = r - abs(b) * sign(a); }
  return r;
}
fn rem_(a: f32, b: f32) -> f32 {
  var r = fmod_(a, b);
  if (r != 0.0 && (b < 0.0) != (r < 0.0)) { r = r + b; }
  return r;
}
fn floordiv_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return a / b; }
  let m = fmod_(a, b);
  var d = (a - m) / b;
  if (m != 0.0 && (b < 0.0) != (m < 0.0)) { d = d - 1.0; }
  if (d == 0.0) { return select(0.0, -0.0, (a < 0.0) != (b < 0.0)); }
  var f = floor(d);
  if (d - f > 0.5) { f = f + 1.0; }
  return f;
}
fn irem_(a: i32, b: i32) -> i32 {
  var r = a % b;
  if (r != 0 && (b < 0) != (r < 0)) { r = r + b; }
  return r;
}
fn ifloordiv_(a: i32, b: i32) -> i32 {
  var q = a / b;
  if (b != 0 && a % b != 0 && (a < 0) != (b < 0)) { q = q - 1; }
  return q;
}
`;

export function selectKernels(rt: WebGpuRuntime) {
  const out = (dtype: DType, n: number, where: string) => kernelOut(rt, dtype, n, where);

  /** A fresh result of `od` holding a copy of contiguous `x` (putFlat and scatterReduce start from it). */
  const copyOf = (x: TypedArray, od: DType, where: string) => {
    const o = out(od, x.length, where);
    rt.copyInto(o.storage, { offset: 0 }, { data: x, offset: 0, strides: [1] }, [x.length]);
    return o;
  };

  const roundingDiv: Kernels['roundingDiv'] = (op, a, b, shape, outDType) => {
    const n = numel(shape);
    const o = out(outDType, n, op);
    if (n === 0) return o.handle;
    const ba = rt.bind(a.data, op);
    const bb = rt.bind(b.data, op);
    const c: Elem = gpuOut(outDType) === 'float32' ? 'f32' : 'i32';
    const code = `${HEADER}${bindings(['as_', ba.elem], ['bs_', bb.elem], ['ys', c, true])}
${INDEX}${DIV_HELPERS}
${ENTRY1D} {
  ${INDEX1D}  let a = ${load('as_[at(i, 0)]', ba.elem, c)};
  let b = ${load('bs_[at(i, 1)]', bb.elem, c)};
  ys[i] = ${c === 'f32' ? FLOAT_DIV[op] : INT_DIV[op]};
}`;
    rt.run(code, [rt.temp(meta(shape, [a, b])), ba.buffer, bb.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle;
  };

  const scan: Kernels['scan'] = (x, shape, axis, prod, outDType) => {
    const [outer, len, inner] = split(shape, axis);
    const od = gpuOut(outDType);
    const o = out(od, x.length, prod ? 'cumprod' : 'cumsum');
    const lanes = outer * inner;
    if (lanes === 0 || len === 0) return o.handle;
    const bx = rt.bind(x, 'scan');
    const c: Elem = od === 'float32' ? 'f32' : 'i32';
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ys', c, true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  ${LANE}
  var acc = ${load(prod ? '1' : '0', 'i32', c)};
  for (var k = 0; k < len; k = k + 1) {
    let p = base + k * inner;
    acc = acc ${prod ? '*' : '+'} ${load('xs[p]', bx.elem, c)};
    ys[p] = acc;
  }
}`;
    rt.run(code, [rt.temp(laneMeta(lanes, len, inner)), bx.buffer, o.buffer], WebGpuRuntime.groups1d(lanes));
    return o.handle;
  };

  const cumprodGrad: Kernels['cumprodGrad'] = (x, y, g, shape, axis, outDType) => {
    const [outer, len, inner] = split(shape, axis);
    const o = out(gpuOut(outDType), x.length, 'cumprodGrad');
    const lanes = outer * inner;
    if (lanes === 0 || len === 0) return o.handle;
    const bx = rt.bind(x, 'cumprodGrad');
    const by = rt.bind(y, 'cumprodGrad');
    const bg = rt.bind(g, 'cumprodGrad');
    // the js kernel's algorithm: g itself for one-element lanes, else suffix sums of g·y / x before the
    // first zero z, one running product at z
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ysv', by.elem], ['gs', bg.elem], ['out', 'f32', true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  ${LANE}
  if (len == 1) { out[base] = f32(gs[base]); return; }
  var z = len;
  for (var k = 0; k < len; k = k + 1) {
    if (f32(xs[base + k * inner]) == 0.0) { z = k; break; }
  }
  var acc = 0.0;
  for (var k = z - 1; k >= 0; k = k - 1) {
    let p = base + k * inner;
    acc = acc + f32(gs[p]) * f32(ysv[p]);
    out[p] = acc / f32(xs[p]);
  }
  if (z < len) {
    var run = 1.0;
    if (z > 0) { run = f32(ysv[base + (z - 1) * inner]); }
    var s = 0.0;
    for (var j = z; j < len; j = j + 1) {
      let p = base + j * inner;
      if (j > z) { run = run * f32(xs[p]); }
      s = s + f32(gs[p]) * run;
      if (j > z) { out[p] = 0.0; }
    }
    out[base + z * inner] = s;
  }
}`;
    rt.run(code, [rt.temp(laneMeta(lanes, len, inner)), bx.buffer, by.buffer, bg.buffer, o.buffer], WebGpuRuntime.groups1d(lanes));
    return o.handle;
  };

  const cumExtremeIndex: Kernels['cumExtremeIndex'] = (x, shape, axis, max) => {
    const [outer, len, inner] = split(shape, axis);
    const o = out('int32', x.length, max ? 'cummax' : 'cummin');
    const lanes = outer * inner;
    if (lanes === 0 || len === 0) return o.handle as Int32Array;
    const bx = rt.bind(x, 'cumExtremeIndex');
    const nan = bx.elem === 'f32' ? 'isnan_(v)' : 'false';
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ys', 'i32', true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  ${LANE}
  var best = xs[base];
  var bi = 0;
  for (var k = 0; k < len; k = k + 1) {
    let p = base + k * inner;
    let v = xs[p];
    if (k == 0 || ${nan} || v ${max ? '>=' : '<='} best) { best = v; bi = k; }
    ys[p] = bi;
  }
}`;
    rt.run(code, [rt.temp(laneMeta(lanes, len, inner)), bx.buffer, o.buffer], WebGpuRuntime.groups1d(lanes));
    return o.handle as Int32Array;
  };

  /**
   * A stable argsort: each lane is padded to a power of two P and sorted by a bitonic network over
   * (class, value, index) keys, a strict total order (class: number, NaN, padding), so ties keep their
   * original order exactly as a stable sort does. log2(P)·(log2(P)+1)/2 passes of lanes·P/2 invocations.
   */
  const argsort: Kernels['argsort'] = (x, shape, axis, descending) => {
    const [outer, len, inner] = split(shape, axis);
    const o = out('int32', x.length, 'argsort');
    const lanes = outer * inner;
    if (lanes === 0 || len === 0) return o.handle as Int32Array;
    let P = 1;
    while (P < len) P *= 2;
    const bx = rt.bind(x, 'argsort');
    const K = bx.elem;
    const keys = rt.alloc(K === 'f32' ? 'float32' : 'int32', lanes * P, 'argsort');
    const idx = rt.alloc('int32', lanes * P, 'argsort');
    const init = `${HEADER}${bindings(['xs', bx.elem], ['ks', K, true], ['js', 'i32', true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let len = md[2];
  let P = md[4];
  let k = i % P;
  let base = laneBase(i / P);
  if (k < len) { ks[i] = xs[base + k * md[3]]; } else { ks[i] = ${K}(0); }
  js[i] = k;
}`;
    const m0 = laneMeta(lanes * P, len, inner);
    m0[4] = P;
    rt.run(init, [rt.temp(m0), bx.buffer, keys.buffer, idx.buffer], WebGpuRuntime.groups1d(lanes * P));
    // before(a, b): whether element a sorts before element b
    const nan = K === 'f32' ? 'isnan_(v)' : 'false';
    const cls = `fn cls(v: ${K}, j: i32, len: i32) -> i32 { if (j >= len) { return 2; } if (${nan}) { return ${descending ? 0 : 1}; } return ${descending ? 1 : 0}; }`;
    const step = `${HEADER}${bindings(['ks', K, true], ['js', 'i32', true])}
${INDEX}
${cls}
fn before(va: ${K}, ja: i32, vb: ${K}, jb: i32, len: i32) -> bool {
  let ca = cls(va, ja, len);
  let cb = cls(vb, jb, len);
  if (ca != cb) { return ca < cb; }
  if (ca == ${descending ? 1 : 0}) {
    if (va ${descending ? '>' : '<'} vb) { return true; }
    if (va ${descending ? '<' : '>'} vb) { return false; }
  }
  return ja < jb;
}
${ENTRY1D} {
  ${INDEX1D}  let len = md[2];
  let P = md[4];
  let k = md[5];
  let j = md[6];
  // invocation i handles the pair (a, a ^ j) with a the lower index: a = i with a zero inserted at bit log2(j)
  let lane = i / (P / 2);
  let r = i % (P / 2);
  let a = (r / j) * 2 * j + r % j;
  let b = a + j;
  let up = (a & k) == 0;
  let ia = lane * P + a;
  let ib = lane * P + b;
  let va = ks[ia];
  let vb = ks[ib];
  let ja = js[ia];
  let jb = js[ib];
  if (before(vb, jb, va, ja, len) == up) {
    ks[ia] = vb; ks[ib] = va;
    js[ia] = jb; js[ib] = ja;
  }
}`;
    const half = (lanes * P) / 2;
    for (let k = 2; k <= P; k *= 2)
      for (let j = k / 2; j >= 1; j /= 2) {
        const m = laneMeta(half, len, inner);
        m[4] = P;
        m[5] = k;
        m[6] = j;
        rt.run(step, [rt.temp(m), keys.buffer, idx.buffer], WebGpuRuntime.groups1d(half));
      }
    const fin = `${HEADER}${bindings(['js', 'i32'], ['ys', 'i32', true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let len = md[2];
  let lane = i / len;
  let k = i % len;
  ys[laneBase(lane) + k * md[3]] = js[lane * md[4] + k];
}`;
    const m1 = laneMeta(lanes * len, len, inner);
    m1[4] = P;
    rt.run(fin, [rt.temp(m1), idx.buffer, o.buffer], WebGpuRuntime.groups1d(lanes * len));
    // the queue runs in order: the scratch buffers may go back to the pool now
    keys.storage.gpu!.release();
    idx.storage.gpu!.release();
    return o.handle as Int32Array;
  };

  /** base with out[index[k]] = values[k]: the index is on the CPU (checked there), so the last write per position is chosen there. */
  /** base with out[index[k]] = values[k]: the index is on the CPU (checked there); the runtime's scattered write keeps the last write per position. */
  const putFlat: Kernels['putFlat'] = (base, index, values, outDType) => {
    const o = copyOf(base, gpuOut(outDType), 'putFlat');
    rt.writeAt(o.storage, index, { data: values, offset: 0, strides: [1] }, [index.length]);
    return o.handle;
  };

  /**
   * scatterReduce with the index on the CPU: the contributions are grouped by written position there
   * (in index order, so the GPU reduces them in the js kernel's order), then one invocation per written
   * position reduces its run. The counts depend on the index only and are computed on the CPU.
   */
  const scatterReduce: Kernels['scatterReduce'] = (x, xShape, index, indexShape, src, srcShape, dim, reduce, includeSelf, outDType) => {
    const od = gpuOut(outDType);
    const c: Elem = od === 'float32' ? 'f32' : 'i32';
    const o = copyOf(x, od, 'scatterReduce');
    const { xp, sp } = scatterPositions(xShape, index, indexShape, srcShape, dim);
    const count = new Int32Array(x.length).fill(1);
    const runs = new Map<number, number[]>();
    for (let k = 0; k < xp.length; k++) {
      const r = runs.get(xp[k]!);
      if (r === undefined) runs.set(xp[k]!, [sp[k]!]);
      else r.push(sp[k]!);
    }
    if (runs.size === 0) return { out: o.handle, count };
    const targets = new Int32Array(runs.size);
    const starts = new Int32Array(runs.size + 1);
    const flat = new Int32Array(xp.length);
    let t = 0;
    let f = 0;
    for (const [p, list] of runs) {
      targets[t] = p;
      starts[t] = f;
      for (const q of list) flat[f++] = q;
      count[p] = list.length + (includeSelf ? 1 : 0);
      t++;
    }
    starts[t] = f;
    const bs = rt.bind(src, 'scatterReduce');
    const nan = c === 'f32' ? 'isnan_(v)' : 'false';
    const step: Record<typeof reduce, string> = {
      sum: 'acc + v',
      mean: 'acc + v',
      prod: 'acc * v',
      amax: `select(acc, v, ${nan} || v > acc)`,
      amin: `select(acc, v, ${nan} || v < acc)`,
    };
    const mean = reduce !== 'mean' ? '' : c === 'f32' ? 'acc = acc / f32(cnt);' : 'acc = i32(floor(f32(acc) / f32(cnt)));';
    const code = `${HEADER}${bindings(['tg', 'i32'], ['st', 'i32'], ['fl', 'i32'], ['ss', bs.elem], ['ys', c, true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let p = tg[i];
  var j = st[i];
  let e = st[i + 1];
  var acc = ys[p];
  var cnt = e - j;
  if (md[39] == 0) { acc = ${load('ss[fl[j]]', bs.elem, c)}; j = j + 1; } else { cnt = cnt + 1; }
  for (; j < e; j = j + 1) {
    let v = ${load('ss[fl[j]]', bs.elem, c)};
    acc = ${step[reduce]};
  }
  ${mean}
  ys[p] = acc;
}`;
    const m = new Int32Array(META);
    m[0] = targets.length;
    m[39] = includeSelf ? 1 : 0;
    rt.run(
      code,
      [rt.temp(m), rt.temp(targets), rt.temp(starts), rt.temp(flat), bs.buffer, o.buffer],
      WebGpuRuntime.groups1d(targets.length),
    );
    return { out: o.handle, count };
  };

  return { roundingDiv, scan, cumprodGrad, cumExtremeIndex, argsort, putFlat, scatterReduce };
}
