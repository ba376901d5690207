/** WGSL kernels of the webgpu backend: conv2d and both gradients; max and average pooling with gradients. */
import type { DType } from '../../../core/dtype.js';
import { noKernel } from '../../gpu.js';
import type { Conv2dArgs, Kernels, Pool2dArgs } from '../../types.js';
import { WebGpuRuntime } from '../runtime.js';
import { ENTRY1D, HEADER, INDEX, INDEX1D, floatsOnly, kernelOut, bindings } from '../wgsl.js';

export function convKernels(rt: WebGpuRuntime) {
  const out = (dtype: DType, n: number, where: string) => kernelOut(rt, dtype, n, where);
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

  const conv2d: Kernels['conv2d'] = (x, w, a, outDType) => {
    const total = a.n * a.cOut * a.oh * a.ow;
    const o = out(outDType, total, 'conv2d');
    if (total === 0) return o.handle;
    const bx = rt.bind(x, 'conv2d');
    const bw = rt.bind(w, 'conv2d');
    floatsOnly('conv2d', bx, bw);
    const bias = a.bias ?? null;
    const bb = bias !== null ? rt.bind(bias, 'conv2d') : null;
    const code = `${HEADER}${bindings(['xs', 'f32'], ['ws', 'f32'], ['ys', 'f32', true])}
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
    const code = `${HEADER}${bindings(['gs', 'f32'], ['ws', 'f32'], ['ys', 'f32', true])}
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
    const code = `${HEADER}${bindings(['xs', 'f32'], ['gs', 'f32'], ['ys', 'f32', true])}
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
    const code = `${HEADER}${bindings(['xs', 'f32'], ['ys', 'f32', true], ['idx', 'i32', true])}
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
    const code = `${HEADER}${bindings(['gs', 'f32'], ['idx', 'i32'], ['ys', 'f32', true])}
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
    const code = `${HEADER}${bindings(['xs', 'f32'], ['ys', 'f32', true])}
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
    const code = `${HEADER}${bindings(['gs', 'f32'], ['ys', 'f32', true])}
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

  return { conv2d, conv2dGradInput, conv2dGradWeight, maxPool2d, maxPool2dGrad, avgPool2d, avgPool2dGrad };
}
