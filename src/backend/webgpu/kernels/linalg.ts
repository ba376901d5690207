/** WGSL kernels of the webgpu backend: GEMM (tiled, transposes, batches, fused bias) and fused softmax cross-entropy. */
import type { DType } from '../../../core/dtype.js';
import { NotSupportedError } from '../../../core/errors.js';
import { noKernel } from '../../gpu.js';
import type { Kernels, MatmulArgs } from '../../types.js';
import { WebGpuRuntime, elemOf } from '../runtime.js';
import { ENTRY1D, HEADER, INDEX, INDEX1D, META, kernelOut, bindings } from '../wgsl.js';

export function linalgKernels(rt: WebGpuRuntime) {
  const out = (dtype: DType, n: number, where: string) => kernelOut(rt, dtype, n, where);
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
    const code = `${HEADER}${bindings(['as_', 'f32'], ['bs_', 'f32'], ['ys', 'f32', true])}
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
    const code = `${HEADER}${bindings(['xs', 'f32'], ['ts', 'i32'], ['ws', 'f32'], ['loss', 'f32', true], ['probs', 'f32', true])}
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
    const code = `${HEADER}${bindings(['ps', 'f32'], ['ts', 'i32'], ['ws', 'f32'], ['gs', 'f32'], ['ys', 'f32', true])}
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

  return { matmul, softmaxCrossEntropy, softmaxCrossEntropyGrad };
}
