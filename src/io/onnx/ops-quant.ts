/**
 * ONNX operators, quantization and signal windows: QuantizeLinear, DequantizeLinear,
 * DynamicQuantizeLinear, MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv, Hann/Hamming/
 * BlackmanWindow. 8-bit values are held as int32; the saturation range comes from the zero point's
 * declared ONNX type (INT8 → [-128, 127], otherwise UINT8 → [0, 255]). Integer products are computed in
 * float64, exact for these sizes. Not differentiable (quantized graphs are for inference).
 */
import { FormatError, ShapeError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../tensor/tensor.js';
import * as F from '../../nn/functional.js';
import { iAttr, isAttr, normAxis, type INode } from './attrs.js';
import { hostMap, mk, roundEven } from './host.js';
import { OnnxDataType } from './proto.js';
import { windowGeom } from './ops-nn.js';
import type { RunCtx } from './ops-math.js';

const need = (ins: (Tensor | null)[], i: number): Tensor => {
  const t = ins[i];
  if (!t) throw new FormatError(`missing input ${i}`, 'E_ONNX_GRAPH');
  return t;
};

const rangeOf = (type: number | undefined): [number, number] => (type === OnnxDataType.INT8 ? [-128, 127] : [0, 255]);
const saturate = (t: Tensor, [lo, hi]: [number, number]) => hostMap(t, (v) => Math.min(Math.max(roundEven(v), lo), hi), 'int32');

/** A per-axis parameter (scale or zero point) shaped to broadcast along `axis` of an `nd`-D tensor. */
function alongAxis(p: Tensor, nd: number, axis: number, op: string): Tensor {
  if (p.ndim === 0 || p.numel() === 1) return p.reshape([]);
  const shape = new Array<number>(nd).fill(1);
  shape[normAxis(axis, nd, op)] = p.numel();
  return p.reshape(shape);
}

const f64 = (t: Tensor) => t.to('float64');

function qConv(n: INode, x: Tensor, w: Tensor): Tensor {
  if (w.ndim !== 4) throw new ShapeError(`${n.op}: only 2-D convolution is supported, weight ${fmtShape(w.shape)}`, 'E_ONNX_SHAPE');
  const s = isAttr(n, 'strides', [1, 1]);
  const d = isAttr(n, 'dilations', [1, 1]);
  const g = windowGeom(n, x.shape.slice(2), w.shape.slice(2), s, d, false);
  const xp = x.pad([g.pb[1]!, g.pe[1]!, g.pb[0]!, g.pe[0]!]);
  return F.conv2d(xp.to('float32'), w.to('float32'), null, {
    stride: [s[0]!, s[1]!],
    padding: [0, 0],
    dilation: [d[0]!, d[1]!],
    groups: iAttr(n, 'group', 1),
  }).to('float64');
}

function windowFn(n: INode, size: number): Tensor {
  const periodic = iAttr(n, 'periodic', 1) === 1;
  const den = periodic ? size : size - 1;
  const a = (k: number) => (2 * Math.PI * k) / den;
  const f =
    n.op === 'HannWindow'
      ? (k: number) => 0.5 - 0.5 * Math.cos(a(k))
      : n.op === 'HammingWindow'
        ? (k: number) => 25 / 46 - (21 / 46) * Math.cos(a(k))
        : (k: number) => 0.42 - 0.5 * Math.cos(a(k)) + 0.08 * Math.cos(2 * a(k));
  const vals = Array.from({ length: size }, (_, k) => f(k));
  const dt = iAttr(n, 'output_datatype', OnnxDataType.FLOAT);
  return mk(
    vals,
    [size],
    dt === OnnxDataType.DOUBLE ? 'float64' : dt === OnnxDataType.FLOAT || dt === OnnxDataType.FLOAT16 ? 'float32' : 'int32',
  );
}

export function runQuant(n: INode, ins: (Tensor | null)[], ctx: RunCtx): Tensor[] | null {
  const X = () => need(ins, 0);
  const type = (i: number) => ctx.inputTypes?.[i];
  switch (n.op) {
    case 'QuantizeLinear': {
      const x = X();
      const ax = iAttr(n, 'axis', 1);
      let q = f64(x).div(alongAxis(f64(need(ins, 1)), x.ndim, ax, n.op));
      // float32 inputs divide in float32, as onnxruntime and the reference do (ties then round alike)
      q = hostMap(q, (v) => roundEven(x.dtype === 'float32' ? Math.fround(v) : v), 'float64');
      if (ins[2]) q = q.add(alongAxis(f64(ins[2]), x.ndim, ax, n.op));
      return [saturate(q, rangeOf(ins[2] ? type(2) : OnnxDataType.UINT8))];
    }
    case 'DequantizeLinear': {
      const x = X();
      const ax = iAttr(n, 'axis', 1);
      let v = f64(x);
      if (ins[2]) v = v.sub(alongAxis(f64(ins[2]), x.ndim, ax, n.op));
      return [v.mul(alongAxis(f64(need(ins, 1)), x.ndim, ax, n.op)).to('float32')];
    }
    case 'DynamicQuantizeLinear': {
      const x = X();
      const data = x.dataSync();
      let lo = 0;
      let hi = 0;
      for (const v of data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const scale = Math.fround((hi - lo) / 255);
      const zp = scale === 0 ? 0 : Math.min(Math.max(roundEven(Math.fround((0 - lo) / scale)), 0), 255);
      const y =
        scale === 0
          ? hostMap(x, () => zp, 'int32')
          : saturate(
              hostMap(x, (v) => roundEven(Math.fround(v / scale)) + zp, 'float64'),
              [0, 255],
            );
      return [y, mk([scale], [], 'float32'), mk([zp], [], 'int32')];
    }
    case 'MatMulInteger': {
      let a = f64(X());
      let b = f64(need(ins, 1));
      if (ins[2]) a = a.sub(ins[2].ndim === 1 && ins[2].numel() > 1 ? f64(ins[2]).reshape([-1, 1]) : f64(ins[2]));
      if (ins[3]) b = b.sub(f64(ins[3]));
      return [hostMap(a.matmul(b), Math.round, 'int32')];
    }
    case 'ConvInteger': {
      let x = f64(X());
      let w = f64(need(ins, 1));
      if (ins[2]) x = x.sub(f64(ins[2]).reshape([]));
      if (ins[3]) w = w.sub(ins[3].numel() > 1 ? f64(ins[3]).reshape([-1, 1, 1, 1]) : f64(ins[3]).reshape([]));
      return [hostMap(qConv(n, x, w), Math.round, 'int32')];
    }
    case 'QLinearMatMul':
    case 'QLinearConv': {
      const [xq, xs, xz, wq, ws, wz, ys, yz] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => need(ins, i)) as Tensor[] as [
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
      ];
      const x = f64(xq).sub(f64(xz).reshape([]));
      let acc: Tensor;
      if (n.op === 'QLinearMatMul') {
        const w = f64(wq).sub(wz.numel() > 1 ? f64(wz) : f64(wz).reshape([]));
        acc = x
          .matmul(w)
          .mul(f64(xs).reshape([]))
          .mul(ws.numel() > 1 ? f64(ws) : f64(ws).reshape([]));
      } else {
        const per = (t: Tensor) => (t.numel() > 1 ? f64(t).reshape([-1, 1, 1, 1]) : f64(t).reshape([]));
        acc = qConv(n, x, f64(wq).sub(per(wz)));
        if (ins[8]) acc = acc.add(f64(ins[8]).reshape([1, -1, 1, 1]));
        acc = acc.mul(f64(xs).reshape([])).mul(ws.numel() > 1 ? f64(ws).reshape([1, -1, 1, 1]) : f64(ws).reshape([]));
      }
      const y = hostMap(acc.div(f64(ys).reshape([])), roundEven, 'float64').add(f64(yz).reshape([]));
      return [saturate(y, rangeOf(type(7)))];
    }
    case 'HannWindow':
    case 'HammingWindow':
    case 'BlackmanWindow': {
      const size = X().item();
      if (!Number.isInteger(size) || size < 0 || size > ctx.maxElements)
        throw new FormatError(`${n.op}: invalid size ${size}`, 'E_ONNX_GRAPH');
      return [windowFn(n, size)];
    }
  }
  return null;
}
