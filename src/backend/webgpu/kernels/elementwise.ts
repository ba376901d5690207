/** WGSL kernels of the webgpu backend: Elementwise ops, reductions and the runtime's copy/fill (in-place writes, pad, cat). */
import type { DType } from '../../../core/dtype.js';
import { contiguousStrides, numel } from '../../../core/shape.js';
import type { Kernels, ReduceOp } from '../../types.js';
import { WebGpuRuntime, elemOf, type Elem } from '../runtime.js';
import {
  CLAMP,
  ENTRY1D,
  HEADER,
  INDEX,
  INDEX1D,
  INT_BINARY,
  LANE,
  MATH,
  laneMeta,
  binaryExpr,
  gpuOut,
  intUnaryExpr,
  kernelOut,
  load,
  meta,
  store,
  unaryExpr,
  split,
  bindings,
} from '../wgsl.js';

export function elementwiseKernels(rt: WebGpuRuntime) {
  const out = (dtype: DType, n: number, where: string) => kernelOut(rt, dtype, n, where);
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
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ys', elemOf(gpuOut(outDType), op), true])}
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
    const code = `${HEADER}${bindings(['as_', ba.elem], ['bs_', bb.elem], ['ys', elemOf(gpuOut(outDType), op), true])}
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
    const code = `${HEADER}${bindings(['cs', bc.elem], ['as_', ba.elem], ['bs_', bb.elem], ['ys', e, true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let c = cs[at(i, 0)] != ${bc.elem === 'f32' ? '0.0' : '0'};
  ys[i] = select(${load('bs_[at(i, 2)]', bb.elem, e)}, ${load('as_[at(i, 1)]', ba.elem, e)}, c);
}`;
    const mb = rt.temp(meta(shape, [cond, a, b]));
    rt.run(code, [mb, bc.buffer, ba.buffer, bb.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle;
  };

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
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ys', elemOf(od, op), true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  ${LANE}
  let v0 = ${load('xs[base]', bx.elem, c)};
  var acc = ${init[op]};
  for (var j = 0; j < len; j = j + 1) {
    let v = ${load('xs[base + j * inner]', bx.elem, c)};
    acc = ${step[op]};
  }
  ys[i] = ${store('acc', c, od)};
}`;
    rt.run(code, [rt.temp(laneMeta(n, len, inner)), bx.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle;
  };

  const argReduce: Kernels['argReduce'] = (op, x, shape, axis) => {
    const [outer, len, inner] = split(shape, axis);
    const n = outer * inner;
    const o = out('int32', n, op);
    if (n === 0) return o.handle as Int32Array;
    const bx = rt.bind(x, op);
    const better = op === 'argmax' ? '>' : '<';
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ys', 'i32', true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  ${LANE}
  var best = f32(xs[base]);
  var k = 0;
  for (var j = 1; j < len; j = j + 1) {
    let v = f32(xs[base + j * inner]);
    if (isnan_(best)) { break; }
    if (v ${better} best || isnan_(v)) { best = v; k = j; }
  }
  ys[i] = k;
}`;
    rt.run(code, [rt.temp(laneMeta(n, len, inner)), bx.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle as Int32Array;
  };

  /** d(prod)/dx per lane: the exclusive prefix product written forward, then times the suffix product backward (exact with zeros). */
  const prodGrad: Kernels['prodGrad'] = (x, shape, axis) => {
    const [outer, len, inner] = split(shape, axis);
    const n = outer * inner;
    const o = out('float32', outer * len * inner, 'prodGrad');
    if (n === 0 || len === 0) return o.handle;
    const bx = rt.bind(x, 'prodGrad');
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ys', 'f32', true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  ${LANE}
  var acc = 1.0;
  for (var j = 0; j < len; j = j + 1) {
    ys[base + j * inner] = acc;
    acc = acc * f32(xs[base + j * inner]);
  }
  acc = 1.0;
  for (var j = len - 1; j >= 0; j = j - 1) {
    ys[base + j * inner] = ys[base + j * inner] * acc;
    acc = acc * f32(xs[base + j * inner]);
  }
}`;
    rt.run(code, [rt.temp(laneMeta(n, len, inner)), bx.buffer, o.buffer], WebGpuRuntime.groups1d(n));
    return o.handle;
  };

  /** Write `x` (read against `shape`) into GPU storage `dst` through the view `at` (in-place ops, pad, cat). */
  rt.copyInto = (dst, at, x, shape) => {
    const n = numel(shape);
    if (n === 0) return;
    const bx = rt.bind(x.data, 'copy_');
    const bd = rt.bind(dst.host!, 'copy_');
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ys', bd.elem, true])}
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

  /** Scattered write: dedupe the positions on the CPU (last write wins), then one invocation per kept element. */
  rt.writeAt = (dst, positions, x, shape) => {
    const n = numel(shape);
    if (n === 0) return;
    const seen = new Set<number>();
    const pos: number[] = [];
    const from: number[] = [];
    for (let k = n - 1; k >= 0; k--) {
      const p = positions[k]!;
      if (seen.has(p)) continue;
      seen.add(p);
      pos.push(p);
      from.push(k);
    }
    const bx = rt.bind(x.data, 'in-place write');
    const bd = rt.bind(dst.host!, 'in-place write');
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ps', 'i32'], ['fs', 'i32'], ['ys', bd.elem, true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  ys[ps[i]] = ${store(load('xs[at(fs[i], 0)]', bx.elem, bx.elem), bx.elem, dst.dtype)};
}`;
    // at(k, 0) maps a row-major position k of `shape` to x's element; md[0] (the bound) is the kept count
    const m = meta(shape, [x]);
    m[0] = pos.length;
    rt.run(
      code,
      [rt.temp(m), bx.buffer, rt.temp(Int32Array.from(pos)), rt.temp(Int32Array.from(from)), bd.buffer],
      WebGpuRuntime.groups1d(pos.length),
    );
  };

  rt.filled = (dtype, n, value) => {
    const o = out(dtype, n, 'fill');
    const scalar = dtype === 'float32' ? Float32Array.of(value) : Int32Array.of(value);
    rt.copyInto(o.storage, { offset: 0 }, { data: scalar, offset: 0, strides: [0] }, [n]);
    return o.handle;
  };

  return { unary, binary, where, reduce, argReduce, prodGrad };
}
