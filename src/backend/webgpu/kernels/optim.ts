/** WGSL kernels of the webgpu backend: Fused SGD and Adam/AdamW updates. */
import type { TypedArray } from '../../../core/dtype.js';
import { adamScalars, sgdScalars } from '../../optim_scalars.js';
import type { Kernels } from '../../types.js';
import { WebGpuRuntime } from '../runtime.js';
import { ENTRY1D, HEADER, INDEX, INDEX1D, bindings } from '../wgsl.js';

/** A fused optimizer kernel's signature, as the kernel table declares it. */
type Fused<K extends 'sgdUpdate' | 'adamUpdate' | 'adagradUpdate' | 'rmspropUpdate'> = NonNullable<Kernels[K]>;

export function optimKernels(rt: WebGpuRuntime) {
  /** Whether every array is a live GPU storage (the fused updates run only then; else "not handled"). */
  function allGpu(...arrays: (ArrayLike<number> | null)[]): boolean {
    return arrays.every((a) => a === null || rt.isGpu(a));
  }

  const sgdUpdate: Fused<'sgdUpdate'> = (p, g, buf, first, h) => {
    if (!(p instanceof Float32Array) || !allGpu(p, g, buf)) return false;
    const n = p.length;
    if (n === 0) return true;
    const s = sgdScalars(h);
    const mom = h.momentum !== 0 && buf !== null;
    const code = `${HEADER}${bindings(['ps', 'f32', true], ['gs', 'f32'], ['bs', 'f32', true])}
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

  const adamUpdate: Fused<'adamUpdate'> = (p, g, expAvg, expAvgSq, maxExpAvgSq, step, h) => {
    if (!(p instanceof Float32Array) || !allGpu(p, g, expAvg, expAvgSq, maxExpAvgSq)) return false;
    const n = p.length;
    if (n === 0) return true;
    const s = adamScalars(step, h);
    const ams = h.amsgrad && maxExpAvgSq !== null;
    const code = `${HEADER}${bindings(['ps', 'f32', true], ['gs', 'f32'], ['ms', 'f32', true], ['vs', 'f32', true], ['mx', 'f32', true])}
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

  /** Adagrad, in the reference loop's float32 order (src/optim/functional.ts). */
  const adagradUpdate: Fused<'adagradUpdate'> = (p, g, sum, step, h) => {
    if (!(p instanceof Float32Array) || !allGpu(p, g, sum)) return false;
    const n = p.length;
    if (n === 0) return true;
    const code = `${HEADER}${bindings(['ps', 'f32', true], ['gs', 'f32'], ['ss', 'f32', true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let wd = bitcast<f32>(md[40]);
  let e = bitcast<f32>(md[41]);
  let nclr = bitcast<f32>(md[42]);
  let flags = md[43];
  var d = gs[i];
  if ((flags & 1) != 0) { d = -d; }
  if ((flags & 2) != 0) { d = wd * ps[i] + d; }
  let s = d * d + ss[i];
  ss[i] = s;
  let sd = sqrt(s) + e;
  ps[i] = ps[i] + (nclr * d) / sd;
}`;
    const mt = new Int32Array(44);
    mt[0] = n;
    const f = new Float32Array(mt.buffer);
    f[40] = h.weightDecay;
    f[41] = h.eps;
    f[42] = -(h.lr / (1 + (step - 1) * h.lrDecay));
    mt[43] = (h.maximize ? 1 : 0) | (h.weightDecay !== 0 ? 2 : 0);
    rt.run(
      code,
      [rt.temp(mt), rt.bind(p, 'adagrad').buffer, rt.bind(g, 'adagrad').buffer, rt.bind(sum, 'adagrad').buffer],
      WebGpuRuntime.groups1d(n),
    );
    return true;
  };

  /** RMSprop (plain, centered, with momentum), in the reference loop's float32 order. */
  const rmspropUpdate: Fused<'rmspropUpdate'> = (p, g, squareAvg, gradAvg, buf, h) => {
    const centered = h.centered && gradAvg !== null;
    const mom = h.momentum > 0 && buf !== null;
    if (!(p instanceof Float32Array) || !allGpu(p, g, squareAvg, centered ? gradAvg : null, mom ? buf : null)) return false;
    const n = p.length;
    if (n === 0) return true;
    const code = `${HEADER}${bindings(['ps', 'f32', true], ['gs', 'f32'], ['sq', 'f32', true], ['ga', 'f32', true], ['bs', 'f32', true])}
${INDEX}
${ENTRY1D} {
  ${INDEX1D}  let wd = bitcast<f32>(md[40]);
  let a = bitcast<f32>(md[41]);
  let ca = bitcast<f32>(md[42]);
  let e = bitcast<f32>(md[43]);
  let mu = bitcast<f32>(md[44]);
  let nlr = bitcast<f32>(md[45]);
  let flags = md[46];
  var d = gs[i];
  if ((flags & 1) != 0) { d = -d; }
  if ((flags & 2) != 0) { d = wd * ps[i] + d; }
  let s = (ca * d) * d + sq[i] * a;
  sq[i] = s;
  var avg: f32;
  if ((flags & 4) != 0) {
    let m = ca * d + ga[i] * a;
    ga[i] = m;
    avg = sqrt(-m * m + s);
  } else {
    avg = sqrt(s);
    if (md[0] < 0) { ga[0] = 0.0; } // never runs: keeps the binding in the layout
  }
  avg = avg + e;
  if ((flags & 8) != 0) {
    let b = bs[i] * mu + d / avg;
    bs[i] = b;
    ps[i] = nlr * b + ps[i];
  } else {
    if (md[0] < 0) { bs[0] = 0.0; }
    ps[i] = ps[i] + (nlr * d) / avg;
  }
}`;
    const mt = new Int32Array(48);
    mt[0] = n;
    const f = new Float32Array(mt.buffer);
    f[40] = h.weightDecay;
    f[41] = h.alpha;
    f[42] = 1 - h.alpha;
    f[43] = h.eps;
    f[44] = h.momentum;
    f[45] = -h.lr;
    mt[46] = (h.maximize ? 1 : 0) | (h.weightDecay !== 0 ? 2 : 0) | (centered ? 4 : 0) | (mom ? 8 : 0);
    const opt = (a: TypedArray | null, on: boolean) => (on ? rt.bind(a!, 'rmsprop').buffer : rt.temp(new Float32Array(1)));
    rt.run(
      code,
      [
        rt.temp(mt),
        rt.bind(p, 'rmsprop').buffer,
        rt.bind(g, 'rmsprop').buffer,
        rt.bind(squareAvg, 'rmsprop').buffer,
        opt(gradAvg, centered),
        opt(buf, mom),
      ],
      WebGpuRuntime.groups1d(n),
    );
    return true;
  };

  return { sgdUpdate, adamUpdate, adagradUpdate, rmspropUpdate };
}
