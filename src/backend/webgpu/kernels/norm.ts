/** WGSL kernels of the webgpu backend: Batch norm: statistics, forward, gradient sums, input gradient. */
import type { DType } from '../../../core/dtype.js';
import type { Kernels } from '../../types.js';
import { WebGpuRuntime, type Elem } from '../runtime.js';
import { ENTRY1D, HEADER, INDEX1D, floatsOnly, kernelOut, bindings } from '../wgsl.js';

export function normKernels(rt: WebGpuRuntime) {
  const out = (dtype: DType, n: number, where: string) => kernelOut(rt, dtype, n, where);
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
    const code = `${HEADER}${bindings(['xs', 'f32'], ['ys', 'f32', true])}
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

  const batchNormForward: Kernels['batchNormForward'] = (x, mean, vari, w, b, n, c, inner, eps, outDType, relu = false) => {
    const total = n * c * inner;
    const o = out(outDType, total, 'batchNormForward');
    if (total === 0) return o.handle;
    const bs = [x, mean, vari, w, b].map((a) => rt.bind(a, 'batchNormForward'));
    floatsOnly('batchNormForward', ...bs);
    const code = `${HEADER}${bindings(['xs', 'f32'], ['ms', 'f32'], ['vs', 'f32'], ['ws', 'f32'], ['bs', 'f32'], ['ys', 'f32', true])}
${INVSTD}
${ENTRY1D} {
  ${INDEX1D}${BN}
  let ch = (i / BI) % BC;
  let y = ((xs[i] - ms[ch]) * invstd(vs[ch], eps)) * ws[ch] + bs[ch];
  ys[i] = ${relu ? 'select(y, 0.0, y <= 0.0)' : 'y'};
}`;
    rt.run(code, [rt.temp(bnMeta(total, n, c, inner, eps)), ...bs.map((q) => q.buffer), o.buffer], WebGpuRuntime.groups1d(total));
    return o.handle;
  };

  const batchNormGradSums: Kernels['batchNormGradSums'] = (g, x, mean, vari, n, c, inner, eps, outDType) => {
    const o = out(outDType, 2 * c, 'batchNormGradSums');
    if (c === 0) return o.handle;
    const bs = [g, x, mean, vari].map((a) => rt.bind(a, 'batchNormGradSums'));
    floatsOnly('batchNormGradSums', ...bs);
    const code = `${HEADER}${bindings(['gs', 'f32'], ['xs', 'f32'], ['ms', 'f32'], ['vs', 'f32'], ['ys', 'f32', true])}
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
    const code = `${HEADER}${bindings(['gs', 'f32'], ['xs', 'f32'], ['ms', 'f32'], ['vs', 'f32'], ['ws', 'f32'], ['ss', 'f32'], ['ys', 'f32', true])}
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

  return { batchNormStats, batchNormForward, batchNormGradSums, batchNormGradInput };
}
