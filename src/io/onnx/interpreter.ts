/**
 * The ONNX interpreter: one function per operator, written with backprop's differentiable tensor ops
 * (so an imported graph can be fine-tuned). Every check here raises a typed error; `OnnxModule` adds
 * the node's name to it.
 */
import { DTypeError, FormatError, IndexError, NotSupportedError, ShapeError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { cat, stack } from '../../tensor/functional.js';
import * as F from '../../nn/functional.js';
import { iAttr, iAttrF, ints, isAttr, normAxis, sAttr, type INode } from './attrs.js';
import { coerced2d, runMath, type RunCtx } from './ops-math.js';
import { runShape } from './ops-shape.js';
import { runQuant } from './ops-quant.js';
import { runNN, windowGeom } from './ops-nn.js';

export type { AttrValue, INode } from './attrs.js';

function reduceAxes(n: INode, ins: (Tensor | null)[], opset: number, nd: number): number[] | null {
  const fromInput = n.op === 'ReduceSum' ? opset >= 13 : opset >= 18;
  const axes = fromInput ? (ins[1] ? ints(ins[1], 'axes') : null) : n.attrs.has('axes') ? isAttr(n, 'axes', []) : null;
  if (axes === null || axes.length === 0) return iAttr(n, 'noop_with_empty_axes', 0) ? [] : null;
  return axes.map((a) => normAxis(a, nd, n.op));
}

export function runNode(n: INode, ins: (Tensor | null)[], ctx: RunCtx): Tensor[] {
  const more = runMath(n, ins, ctx) ?? runShape(n, ins, ctx) ?? runNN(n, ins, ctx) ?? runQuant(n, ins, ctx);
  if (more) return more;
  const maxElements = ctx.maxElements;
  const x = ins[0] ?? null;
  const X = (): Tensor => {
    if (!x) throw new FormatError('missing input 0', 'E_ONNX_GRAPH');
    return x;
  };
  const I = (i: number): Tensor => {
    const t = ins[i];
    if (!t) throw new FormatError(`missing input ${i}`, 'E_ONNX_GRAPH');
    return t;
  };
  switch (n.op) {
    case 'Identity':
      return [X()];
    case 'Max':
      return [ins.reduce((a, b) => a!.maximum(b!))!];
    case 'Min':
      return [ins.reduce((a, b) => a!.minimum(b!))!];
    case 'Equal':
      return [X().eq(I(1))];
    case 'Less':
      return [X().lt(I(1))];
    case 'Greater':
      return [X().gt(I(1))];
    case 'LessOrEqual':
      return [X().le(I(1))];
    case 'GreaterOrEqual':
      return [X().ge(I(1))];
    case 'And':
      return [X().logicalAnd(I(1))];
    case 'Or':
      return [X().logicalOr(I(1))];
    case 'Xor':
      return [X().logicalXor(I(1))];
    case 'Not':
      return [X().logicalNot()];
    case 'Neg':
      return [X().neg()];
    case 'Abs':
      return [X().abs()];
    case 'Exp':
      return [X().exp()];
    case 'Log':
      return [X().log()];
    case 'Sqrt':
      return [X().sqrt()];
    case 'Sin':
      return [X().sin()];
    case 'Cos':
      return [X().cos()];
    case 'Tanh':
      return [X().tanh()];
    case 'Sigmoid':
      return [X().sigmoid()];
    case 'Relu':
      return [X().relu()];
    case 'Sign':
      return [X().sign()];
    case 'Reciprocal':
      return [X().reciprocal()];
    case 'Erf':
      return [X().erf()];
    case 'Floor':
      return [X().floor()];
    case 'Ceil':
      return [X().ceil()];
    case 'IsNaN':
      return [X().isnan()];
    case 'IsInf': {
      const v = X();
      const pos = iAttr(n, 'detect_positive', 1) === 1;
      const neg = iAttr(n, 'detect_negative', 1) === 1;
      const inf = v.isinf();
      return [pos && neg ? inf : pos ? inf.logicalAnd(v.gt(0)) : neg ? inf.logicalAnd(v.lt(0)) : inf.logicalAnd(v.ne(v))];
    }
    case 'LeakyRelu':
      return [X().leakyRelu(iAttrF(n, 'alpha', 0.01))];
    case 'Elu':
      return [X().elu(iAttrF(n, 'alpha', 1))];
    case 'Softplus':
      return [X().softplus()];
    case 'Gelu': {
      const approx = sAttr(n, 'approximate', 'none');
      if (approx === 'none') return [X().gelu()];
      const v = X();
      return [
        v
          .mul(
            v
              .add(v.pow(3).mul(0.044715))
              .mul(Math.sqrt(2 / Math.PI))
              .tanh()
              .add(1),
          )
          .mul(0.5),
      ];
    }
    case 'Clip': {
      const lo = ctx.opset < 11 ? (n.attrs.has('min') ? iAttrF(n, 'min', 0) : null) : ins[1] ? ins[1].item() : null;
      const hi = ctx.opset < 11 ? (n.attrs.has('max') ? iAttrF(n, 'max', 0) : null) : ins[2] ? ins[2].item() : null;
      if (lo === null && hi === null) return [X()];
      return [X().clamp(lo, hi)];
    }
    case 'Where':
      return [I(1).where(X(), I(2))];
    case 'Softmax':
    case 'LogSoftmax': {
      const f = (t: Tensor, ax: number) => (n.op === 'Softmax' ? t.softmax(ax) : t.logSoftmax(ax));
      if (ctx.opset < 13) return [coerced2d(X(), iAttr(n, 'axis', 1), (m) => f(m, 1))];
      return [f(X(), normAxis(iAttr(n, 'axis', -1), X().ndim, n.op))];
    }
    case 'MatMul':
      return [X().matmul(I(1))];
    case 'Gemm': {
      let a = X();
      let b = I(1);
      if (a.ndim !== 2 || b.ndim !== 2)
        throw new ShapeError(`Gemm needs 2-D A and B, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`, 'E_ONNX_SHAPE');
      if (iAttr(n, 'transA', 0)) a = a.t();
      if (iAttr(n, 'transB', 0)) b = b.t();
      const alpha = iAttrF(n, 'alpha', 1);
      const beta = iAttrF(n, 'beta', 1);
      let y = a.matmul(b);
      if (alpha !== 1) y = y.mul(alpha);
      if (ins[2]) y = y.add(beta === 1 ? ins[2] : ins[2].mul(beta));
      return [y];
    }
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceMin': {
      const v = X();
      const axes = reduceAxes(n, ins, ctx.opset, v.ndim);
      if (axes !== null && axes.length === 0) return [v];
      const keep = iAttr(n, 'keepdims', 1) === 1;
      const dims = axes ?? v.shape.map((_, i) => i);
      const r =
        n.op === 'ReduceSum'
          ? v.sum(dims, keep)
          : n.op === 'ReduceMean'
            ? v.mean(dims, keep)
            : n.op === 'ReduceMax'
              ? v.amax(dims, keep)
              : v.amin(dims, keep);
      return [r];
    }
    case 'ArgMax':
    case 'ArgMin': {
      const v = X();
      const ax = normAxis(iAttr(n, 'axis', 0), v.ndim, n.op);
      const keep = iAttr(n, 'keepdims', 1) === 1;
      if (iAttr(n, 'select_last_index', 0) !== 1) return [n.op === 'ArgMax' ? v.argmax(ax, keep) : v.argmin(ax, keep)];
      // The last extreme index: search the reversed axis, then map back.
      const size = v.shape[ax]!;
      const rev = v.indexSelect(
        ax,
        new Tensor(
          Int32Array.from({ length: size }, (_, i) => size - 1 - i),
          [size],
          'int32',
        ),
      );
      const r = n.op === 'ArgMax' ? rev.argmax(ax, keep) : rev.argmin(ax, keep);
      return [r.neg().add(size - 1)];
    }
    case 'Reshape': {
      const v = X();
      const shape = ints(I(1), 'shape');
      if (iAttr(n, 'allowzero', 0) === 0)
        shape.forEach((d, i) => {
          if (d === 0) shape[i] = v.shape[i] ?? 0;
        });
      return [v.reshape(shape)];
    }
    case 'Flatten': {
      const v = X();
      const ax = iAttr(n, 'axis', 1);
      const a = ax < 0 ? ax + v.ndim : ax;
      if (a < 0 || a > v.ndim) throw new ShapeError(`Flatten: axis ${ax} out of range for rank ${v.ndim}`, 'E_ONNX_AXIS');
      // both sides from the dims, so an empty tensor keeps its other side ([0, 1, 4] → [0, 4])
      const lead = v.shape.slice(0, a).reduce((p, c) => p * c, 1);
      const rest = v.shape.slice(a).reduce((p, c) => p * c, 1);
      return [v.reshape(lead, rest)];
    }
    case 'Transpose': {
      const v = X();
      const perm = isAttr(
        n,
        'perm',
        v.shape.map((_, i) => v.ndim - 1 - i),
      );
      return [v.permute(perm)];
    }
    case 'Expand': {
      const v = X();
      const shape = ints(I(1), 'shape');
      const nd = Math.max(shape.length, v.ndim);
      const vs = [...new Array<number>(nd - v.ndim).fill(1), ...v.shape];
      const ts = [...new Array<number>(nd - shape.length).fill(1), ...shape];
      const out = ts.map((d, i) => (d === 1 ? vs[i]! : d));
      return [v.reshape(vs).expand(out)];
    }
    case 'Unsqueeze': {
      let v = X();
      const axes = ints(I(1), 'axes');
      const nd = v.ndim + axes.length;
      for (const a of axes.map((a) => normAxis(a, nd, 'Unsqueeze')).sort((p, q) => p - q)) v = v.unsqueeze(a);
      return [v];
    }
    case 'Squeeze': {
      const v = X();
      if (!ins[1]) return [v.squeeze()];
      return [v.squeeze(ints(ins[1], 'axes').map((a) => normAxis(a, v.ndim, 'Squeeze')))];
    }
    case 'Concat': {
      const ts = ins.filter((t): t is Tensor => t !== null);
      return [cat(ts, normAxis(iAttr(n, 'axis', 0), ts[0]!.ndim, 'Concat'))];
    }
    case 'Gather': {
      const data = X();
      const idx = I(1);
      if (idx.dtype !== 'int32') throw new DTypeError(`Gather: indices must be integers, got ${idx.dtype}`, 'E_ONNX_INDEX_DTYPE');
      const ax = normAxis(iAttr(n, 'axis', 0), data.ndim, 'Gather');
      const size = data.shape[ax]!;
      for (const i of idx.dataSync())
        if (i < -size || i >= size) throw new IndexError(`Gather: index ${i} is out of range for an axis of size ${size}`, 'E_ONNX_INDEX');
      const fixed = idx.lt(0).ifElse(idx.add(size), idx);
      const flat = fixed.reshape(-1);
      const picked = data.indexSelect(ax, flat);
      return [picked.reshape([...data.shape.slice(0, ax), ...idx.shape, ...data.shape.slice(ax + 1)])];
    }
    case 'GatherElements': {
      const data = X();
      const idx = I(1);
      if (idx.dtype !== 'int32') throw new DTypeError(`GatherElements: indices must be integers, got ${idx.dtype}`, 'E_ONNX_INDEX_DTYPE');
      const ax = normAxis(iAttr(n, 'axis', 0), data.ndim, 'GatherElements');
      return [data.gather(ax, idx.lt(0).ifElse(idx.add(data.shape[ax]!), idx))];
    }
    case 'Conv': {
      const v = X();
      const w = I(1);
      const rank = w.ndim - 2;
      const strides = isAttr(n, 'strides', new Array<number>(rank).fill(1));
      const dil = isAttr(n, 'dilations', new Array<number>(rank).fill(1));
      const group = iAttr(n, 'group', 1);
      const g = windowGeom(n, v.shape.slice(2), w.shape.slice(2), strides, dil, false);
      const symmetric = g.pb.every((p, i) => p === g.pe[i]);
      const sym = symmetric ? g.pb : g.pb.map(() => 0);
      const extra: number[] = [];
      if (!symmetric) for (let i = rank - 1; i >= 0; i--) extra.push(g.pb[i]!, g.pe[i]!);
      const xin = extra.length ? v.pad(extra) : v;
      if (rank === 1)
        return [F.conv1d(xin, w, ins[2] ?? null, { stride: strides[0]!, padding: sym[0]!, dilation: dil[0]!, groups: group })];
      if (rank === 2)
        return [
          F.conv2d(xin, w, ins[2] ?? null, {
            stride: [strides[0]!, strides[1]!],
            padding: [sym[0]!, sym[1]!],
            dilation: [dil[0]!, dil[1]!],
            groups: group,
          }),
        ];
      if (rank === 3) {
        // Conv3d as a sum over the depth taps of 2-D convolutions, the output depths folded into the batch.
        const xd = sym[0]! > 0 ? xin.pad([0, 0, 0, 0, sym[0]!, sym[0]!]) : xin;
        const [N, , D] = xd.shape as [number, number, number];
        const kd = w.shape[2]!;
        const dOut = Math.floor((D - dil[0]! * (kd - 1) - 1) / strides[0]!) + 1;
        if (dOut < 1) throw new ShapeError(`Conv: kernel depth ${kd} does not fit the padded input ${fmtShape(xd.shape)}`, 'E_ONNX_SHAPE');
        let acc: Tensor | null = null;
        for (let t = 0; t < kd; t++) {
          const start = t * dil[0]!;
          const taps = xd.slice(2, start, start + (dOut - 1) * strides[0]! + 1, strides[0]!);
          const planes = taps.permute(0, 2, 1, 3, 4).reshape([N * dOut, taps.shape[1]!, taps.shape[3]!, taps.shape[4]!]);
          const y = F.conv2d(planes, w.select(2, t), null, {
            stride: [strides[1]!, strides[2]!],
            padding: [sym[1]!, sym[2]!],
            dilation: [dil[1]!, dil[2]!],
            groups: group,
          });
          acc = acc ? acc.add(y) : y;
        }
        const out = acc!.reshape([N, dOut, acc!.shape[1]!, acc!.shape[2]!, acc!.shape[3]!]).permute(0, 2, 1, 3, 4);
        const b = ins[2];
        return [b ? out.add(b.reshape([1, -1, 1, 1, 1])) : out];
      }
      throw new NotSupportedError(`Conv with ${rank} spatial dims is not supported (1 to 3)`, 'E_ONNX_UNSUPPORTED_OP');
    }
    case 'ConstantOfShape': {
      const shape = ints(X(), 'shape');
      let count = 1;
      for (const d of shape) {
        if (!Number.isSafeInteger(d) || d < 0) throw new FormatError(`ConstantOfShape: invalid dim ${d}`, 'E_ONNX_GRAPH');
        count *= d;
      }
      if (count > maxElements)
        throw new FormatError(`ConstantOfShape: [${shape.join(',')}] has ${count} elements (limit ${maxElements})`, 'E_ONNX_LIMIT');
      const v = n.attrs.get('value');
      const fill = v instanceof Tensor ? v : new Tensor(new Float32Array([0]), [1], 'float32');
      if (fill.numel() !== 1) throw new FormatError('ConstantOfShape: value must hold one element', 'E_ONNX_GRAPH');
      return [fill.reshape([]).expand(shape).contiguous()];
    }
    case 'LSTM':
    case 'GRU':
    case 'RNN':
      return runRecurrent(n, ins);
    case 'Constant': {
      const v = n.attrs.get('value');
      if (v instanceof Tensor) return [v];
      if (n.attrs.has('value_float')) return [new Tensor(new Float32Array([iAttrF(n, 'value_float', 0)]), [], 'float32')];
      if (n.attrs.has('value_int')) return [new Tensor(new Int32Array([iAttr(n, 'value_int', 0)]), [], 'int32')];
      if (n.attrs.has('value_ints')) {
        const a = isAttr(n, 'value_ints', []);
        return [new Tensor(Int32Array.from(a), [a.length], 'int32')];
      }
      if (n.attrs.has('value_floats')) {
        const a = n.attrs.get('value_floats') as number[];
        return [new Tensor(Float32Array.from(a), [a.length], 'float32')];
      }
      throw new NotSupportedError('Constant: only value / value_float(s) / value_int(s) are supported', 'E_ONNX_UNSUPPORTED_OP');
    }
  }
  throw new NotSupportedError(
    `operator ${n.op} is not supported by this importer (see ONNX_IMPORT_OPS for the list)`,
    'E_ONNX_UNSUPPORTED_OP',
  );
}

/**
 * ONNX LSTM (gates i, o, f, c) and GRU (gates z, r, h), forward/reverse/bidirectional, layout 0
 * ([seq, batch, in]) or 1 ([batch, seq, in]), default activations, no peepholes/clip/sequence_lens —
 * what torch.onnx.export emits for nn.LSTM / nn.GRU (GRU with linear_before_reset = 1).
 * Written with differentiable ops, so an imported recurrent model can be fine-tuned.
 */
function runRecurrent(n: INode, ins: (Tensor | null)[]): Tensor[] {
  const lstm = n.op === 'LSTM';
  const rnn = n.op === 'RNN';
  const G = lstm ? 4 : rnn ? 1 : 3;
  const H = iAttr(n, 'hidden_size', 0);
  if (!(H > 0)) throw new FormatError(`${n.op}: hidden_size must be positive`, 'E_ONNX_GRAPH');
  const direction = sAttr(n, 'direction', 'forward');
  const dirs = direction === 'bidirectional' ? 2 : 1;
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional')
    throw new FormatError(`${n.op}: unknown direction ${direction}`, 'E_ONNX_GRAPH');
  const layout = iAttr(n, 'layout', 0);
  let relu = false;
  // Activations were checked at import: the defaults, or Relu for RNN.
  if (rnn && n.attrs.has('activations')) relu = (n.attrs.get('activations') as string[])[0] === 'Relu';
  if (n.attrs.has('clip') || iAttr(n, 'input_forget', 0))
    throw new NotSupportedError(`${n.op}: clip and input_forget are not supported`, 'E_ONNX_UNSUPPORTED_OP');
  const lbr = iAttr(n, 'linear_before_reset', 0) === 1;
  if (ins[4]) {
    const lens = ins[4].dataSync();
    const x0 = ins[0]!;
    const T = x0.shape[layout === 0 ? 0 : 1]!;
    for (let i = 0; i < lens.length; i++)
      if (lens[i] !== T)
        throw new NotSupportedError(`${n.op}: sequence_lens shorter than the sequence are not supported`, 'E_ONNX_UNSUPPORTED_OP');
  }
  let x = ins[0]!;
  if (!x || x.ndim !== 3) throw new ShapeError(`${n.op}: X must be 3-D, got ${x ? fmtShape(x.shape) : 'nothing'}`, 'E_ONNX_SHAPE');
  if (layout === 1) x = x.transpose(0, 1);
  const T = x.shape[0]!;
  const W = ins[1]!;
  const R = ins[2]!;
  if (
    !W ||
    !R ||
    W.ndim !== 3 ||
    R.ndim !== 3 ||
    W.shape[0] !== dirs ||
    W.shape[1] !== G * H ||
    R.shape[0] !== dirs ||
    R.shape[1] !== G * H ||
    R.shape[2] !== H
  )
    throw new ShapeError(
      `${n.op}: W/R shapes ${W ? fmtShape(W.shape) : '-'} / ${R ? fmtShape(R.shape) : '-'} do not fit hidden_size ${H} and ${dirs} direction(s)`,
      'E_ONNX_SHAPE',
    );
  const B = ins[3] ?? null;
  const h0 = ins[5] ?? null;
  const c0 = lstm ? (ins[6] ?? null) : null;
  const ys: Tensor[] = [];
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  for (let d = 0; d < dirs; d++) {
    const reverse = direction === 'reverse' || d === 1;
    const w = W.select(0, d);
    const r = R.select(0, d);
    const wb = B ? B.select(0, d).narrow(0, 0, G * H) : null;
    const rb = B ? B.select(0, d).narrow(0, G * H, G * H) : null;
    const P = lstm && ins[7] ? ins[7].select(0, d) : null;
    // Input projections for every step at once: [T, N, G·H].
    const xp = F.linear(x, w, wb);
    // Zero initial states are computed from the input (not created with a fixed batch), so re-exporting
    // an imported recurrent model traces them as batch-following graph values.
    const zeros = () => xp.select(0, 0).narrow(1, 0, H).mul(0);
    let h = h0 ? h0.select(0, d) : zeros();
    let c = c0 ? c0.select(0, d) : zeros();
    const out: Tensor[] = new Array<Tensor>(T);
    for (let k = 0; k < T; k++) {
      const t = reverse ? T - 1 - k : k;
      const xt = xp.select(0, t);
      const hp = F.linear(h, r, rb);
      const gate = (src: Tensor, i: number) => src.narrow(1, i * H, H);
      if (rnn) {
        const pre = xt.add(hp);
        h = relu ? pre.relu() : pre.tanh();
      } else if (lstm) {
        // Peepholes P = [Pi, Po, Pf]: i and f see the previous cell, o the new one.
        const peep = (k: number, cell: Tensor) => (P ? cell.mul(P.narrow(0, k * H, H)) : null);
        const pre = (k: number, extra: Tensor | null) => (extra ? gate(xt, k).add(gate(hp, k)).add(extra) : gate(xt, k).add(gate(hp, k)));
        const i = pre(0, peep(0, c)).sigmoid();
        const f = pre(2, peep(2, c)).sigmoid();
        const g = gate(xt, 3).add(gate(hp, 3)).tanh();
        c = f.mul(c).add(i.mul(g));
        const o = pre(1, peep(1, c)).sigmoid();
        h = o.mul(c.tanh());
      } else {
        const z = gate(xt, 0).add(gate(hp, 0)).sigmoid();
        const rr = gate(xt, 1).add(gate(hp, 1)).sigmoid();
        // linear_before_reset = 1 (PyTorch): r ⊙ (Rh·h + Rbh); = 0 (ONNX default): Rh·(r ⊙ h) + Rbh.
        const hh = lbr
          ? gate(xt, 2)
              .add(rr.mul(gate(hp, 2)))
              .tanh()
          : gate(xt, 2)
              .add(F.linear(rr.mul(h), r.narrow(0, 2 * H, H), rb ? rb.narrow(0, 2 * H, H) : null))
              .tanh();
        h = z.neg().add(1).mul(hh).add(z.mul(h));
      }
      out[t] = h;
    }
    ys.push(stack(out, 0)); // [T, N, H]
    hs.push(h);
    cs.push(c);
  }
  let Y = stack(ys, 1); // [T, dirs, N, H]
  let Yh = stack(hs, 0); // [dirs, N, H]
  let Yc = stack(cs, 0);
  if (layout === 1) {
    Y = Y.permute(2, 0, 1, 3); // [N, T, dirs, H]
    Yh = Yh.transpose(0, 1);
    Yc = Yc.transpose(0, 1);
  }
  return lstm ? [Y, Yh, Yc] : [Y, Yh];
}
