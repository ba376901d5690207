/** WGSL kernels of the webgpu backend: indexSelect, indexAdd, gather, scatterAdd. */
import type { DType } from '../../../core/dtype.js';
import { NotSupportedError } from '../../../core/errors.js';
import { numel } from '../../../core/shape.js';
import type { Kernels } from '../../types.js';
import { WebGpuRuntime } from '../runtime.js';
import { ENTRY1D, HEADER, INDEX1D, MAXD, META, kernelOut, split, bindings } from '../wgsl.js';

export function indexKernels(rt: WebGpuRuntime) {
  const out = (dtype: DType, n: number, where: string) => kernelOut(rt, dtype, n, where);
  const indexSelect: Kernels['indexSelect'] = (x, shape, axis, index, outDType) => {
    const [outer, size, inner] = split(shape, axis);
    const k = index.length;
    const total = outer * k * inner;
    const o = out(outDType, total, 'indexSelect');
    if (total === 0) return o.handle;
    const bx = rt.bind(x, 'indexSelect');
    const bi = rt.bind(index, 'indexSelect');
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ix', 'i32'], ['ys', bx.elem, true])}
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
    const [outer, k, inner] = split(srcShape, axis);
    const total = outer * outSize * inner;
    const o = out(outDType, total, 'indexAdd');
    if (total === 0) return o.handle;
    const bs = rt.bind(src, 'indexAdd');
    const bi = rt.bind(index, 'indexAdd');
    const zero = bs.elem === 'f32' ? '0.0' : '0';
    const code = `${HEADER}${bindings(['ss', bs.elem], ['ix', 'i32'], ['ys', bs.elem, true])}
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
    const code = `${HEADER}${bindings(['xs', bx.elem], ['ix', 'i32'], ['ys', bx.elem, true])}
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
    const code = `${HEADER}${bindings(['ss', bs.elem], ['ix', 'i32'], ['ys', bs.elem, true])}
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

  return { indexSelect, indexAdd, gather, scatterAdd };
}
