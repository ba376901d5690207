/**
 * ONNX operators, shape and indexing family: Slice (negative steps, pre-10 attributes), Pad (all
 * modes), Split, Tile, Range, OneHot, Depth/SpaceToDepth, Trilu, Compress, NonZero, GatherND,
 * ScatterND/ScatterElements, ReverseSequence, Unique, NonMaxSuppression, EyeLike, Size, Shape start/end and the
 * attribute-form (pre-13) Squeeze/Unsqueeze. Movement of float data stays differentiable (indexSelect,
 * gather, narrow); index computation runs on the host.
 */
import { FormatError, IndexError, NotSupportedError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { cat } from '../../tensor/functional.js';
import { iAttr, iAttrF, ints, isAttr, normAxis, sAttr, type INode } from './attrs.js';
import { axisLayout, mk } from './host.js';
import { numel, contiguousStrides } from '../../core/shape.js';

import type { RunCtx } from './ops-math.js';

const need = (ins: (Tensor | null)[], i: number): Tensor => {
  const t = ins[i];
  if (!t) throw new FormatError(`missing input ${i}`, 'E_ONNX_GRAPH');
  return t;
};
const idxT = (a: ArrayLike<number>) => mk(a, [a.length], 'int32');

/** Source index along one axis for each padded position (-1: the constant fill). */
function padIndex(n: number, before: number, after: number, mode: string): number[] {
  const out: number[] = [];
  for (let i = -before; i < n + after; i++) {
    if (i >= 0 && i < n) out.push(i);
    else if (mode === 'constant') out.push(-1);
    else if (mode === 'edge') out.push(i < 0 ? 0 : n - 1);
    else if (mode === 'wrap') out.push(((i % n) + n) % n);
    else {
      // reflect (no edge repeat)
      if (n === 1) out.push(0);
      else {
        const p = 2 * (n - 1);
        let j = ((i % p) + p) % p;
        if (j >= n) j = p - j;
        out.push(j);
      }
    }
  }
  return out;
}

export function padAny(x: Tensor, pads: number[], mode: string, value: number, maxElements = 2 ** 28): Tensor {
  const nd = x.ndim;
  if (pads.length !== 2 * nd) throw new FormatError(`Pad: ${pads.length} pads for a rank-${nd} input`, 'E_ONNX_GRAPH');
  if (numel(x.shape.map((d, i) => Math.max(d + pads[i]! + pads[i + nd]!, 0))) > maxElements)
    throw new FormatError(`Pad: pads [${pads.join(',')}] on ${fmtShape(x.shape)} exceed the element limit`, 'E_ONNX_LIMIT');
  let v = x;
  // Negative pads crop first.
  for (let d = 0; d < nd; d++) {
    const b = pads[d]!;
    const e = pads[d + nd]!;
    if (b < 0 || e < 0) v = v.slice(d, Math.max(-b, 0), v.shape[d]! - Math.max(-e, 0));
  }
  const pb = pads.slice(0, nd).map((p) => Math.max(p, 0));
  const pe = pads.slice(nd).map((p) => Math.max(p, 0));
  if (mode === 'constant') {
    const torchPads: number[] = [];
    for (let i = nd - 1; i >= 0; i--) torchPads.push(pb[i]!, pe[i]!);
    return torchPads.some((p) => p > 0) ? v.pad(torchPads, value) : v;
  }
  if (mode !== 'reflect' && mode !== 'edge' && mode !== 'wrap')
    throw new NotSupportedError(`Pad: unknown mode ${mode}`, 'E_ONNX_UNSUPPORTED_ATTR');
  for (let d = 0; d < nd; d++) {
    if (!pb[d] && !pe[d]) continue;
    const n = v.shape[d]!;
    if (n === 0) throw new ShapeError(`Pad: cannot ${mode}-pad an empty axis ${d}`, 'E_ONNX_SHAPE');
    if (mode === 'reflect' && (pb[d]! >= n || pe[d]! >= n) && n > 1)
      throw new ShapeError(`Pad: reflect pads ${pb[d]}/${pe[d]} must be smaller than the axis size ${n}`, 'E_ONNX_SHAPE');
    v = v.indexSelect(d, idxT(padIndex(n, pb[d]!, pe[d]!, mode)));
  }
  return v;
}

function sliceAny(x: Tensor, starts: number[], ends: number[], axes: number[], steps: number[]): Tensor {
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length)
    throw new FormatError('Slice: starts/ends/axes/steps lengths differ', 'E_ONNX_GRAPH');
  let v = x;
  axes.forEach((ax, i) => {
    const d = normAxis(ax, v.ndim, 'Slice');
    const n = v.shape[d]!;
    const step = steps[i]!;
    if (step === 0) throw new ValueError('Slice: a step of 0', 'E_ONNX_GRAPH');
    let s = starts[i]!;
    let e = ends[i]!;
    if (s < 0) s += n;
    if (e < 0) e += n;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), n);
      e = Math.min(Math.max(e, 0), n);
      v = v.slice(d, s, Math.max(s, e), step);
    } else {
      s = Math.min(Math.max(s, -1), n - 1);
      e = Math.min(Math.max(e, -1), n - 1);
      const idx: number[] = [];
      for (let j = s; j > e; j += step) idx.push(j);
      v = v.indexSelect(d, idxT(idx));
    }
  });
  return v;
}

function depthToSpace(x: Tensor, b: number, mode: string): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (x.ndim !== 4 || C % (b * b))
    throw new ShapeError(`DepthToSpace: expected [N, C, H, W] with C divisible by ${b * b}, got ${fmtShape(x.shape)}`, 'E_ONNX_SHAPE');
  const c = C / (b * b);
  if (mode === 'CRD')
    return x
      .reshape(N, c, b, b, H, W)
      .permute(0, 1, 4, 2, 5, 3)
      .reshape(N, c, H * b, W * b);
  return x
    .reshape(N, b, b, c, H, W)
    .permute(0, 3, 4, 1, 5, 2)
    .reshape(N, c, H * b, W * b);
}

function spaceToDepth(x: Tensor, b: number): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (x.ndim !== 4 || H % b || W % b)
    throw new ShapeError(`SpaceToDepth: expected [N, C, H, W] with H, W divisible by ${b}, got ${fmtShape(x.shape)}`, 'E_ONNX_SHAPE');
  return x
    .reshape(N, C, H / b, b, W / b, b)
    .permute(0, 3, 5, 1, 2, 4)
    .reshape(N, C * b * b, H / b, W / b);
}

/** Rows of `data` (first `batch` dims kept) picked by index tuples: ONNX GatherND. */
function gatherND(data: Tensor, indices: Tensor, batchDims: number): Tensor {
  const q = indices.shape[indices.ndim - 1]!;
  const ix = ints(indices, 'GatherND indices');
  const bshape = data.shape.slice(0, batchDims);
  const B = numel(bshape);
  const idxShape = data.shape.slice(batchDims, batchDims + q);
  const rest = data.shape.slice(batchDims + q);
  const per = numel(idxShape);
  const tuples = numel(indices.shape.slice(batchDims, -1));
  const st = contiguousStrides(idxShape);
  const rows: number[] = [];
  for (let b = 0; b < B; b++)
    for (let t = 0; t < tuples; t++) {
      let r = 0;
      for (let k = 0; k < q; k++) {
        let v = ix[(b * tuples + t) * q + k]!;
        const n = idxShape[k]!;
        if (v < 0) v += n;
        if (v < 0 || v >= n)
          throw new IndexError(`GatherND: index ${ix[(b * tuples + t) * q + k]} is out of range for a dim of size ${n}`, 'E_ONNX_INDEX');
        r += v * st[k]!;
      }
      rows.push(b * per + r);
    }
  const flat = data.reshape([B * per, numel(rest)]);
  return flat.indexSelect(0, idxT(rows)).reshape([...indices.shape.slice(0, -1), ...rest]);
}

type Reduce = (a: number, b: number) => number;
const REDUCERS: Record<string, Reduce> = { none: (_a, b) => b, add: (a, b) => a + b, mul: (a, b) => a * b, max: Math.max, min: Math.min };

function scatterND(data: Tensor, indices: Tensor, updates: Tensor, reduction: string): Tensor {
  const f = REDUCERS[reduction];
  if (!f) throw new NotSupportedError(`ScatterND: reduction ${reduction}`, 'E_ONNX_UNSUPPORTED_ATTR');
  const out = Array.from(data.dataSync(), Number);
  const up = updates.dataSync();
  const ix = ints(indices, 'ScatterND indices');
  const q = indices.shape[indices.ndim - 1]!;
  const st = contiguousStrides(data.shape);
  const slice = numel(data.shape.slice(q));
  const tuples = numel(indices.shape.slice(0, -1));
  for (let t = 0; t < tuples; t++) {
    let base = 0;
    for (let k = 0; k < q; k++) {
      let v = ix[t * q + k]!;
      if (v < 0) v += data.shape[k]!;
      if (v < 0 || v >= data.shape[k]!)
        throw new IndexError(`ScatterND: index out of range for dim ${k} of size ${data.shape[k]}`, 'E_ONNX_INDEX');
      base += v * st[k]!;
    }
    for (let j = 0; j < slice; j++) out[base + j] = f(out[base + j]!, Number(up[t * slice + j]));
  }
  return mk(out, data.shape, data.dtype);
}

function scatterElements(data: Tensor, indices: Tensor, updates: Tensor, axis: number, reduction: string): Tensor {
  const f = REDUCERS[reduction];
  if (!f) throw new NotSupportedError(`ScatterElements: reduction ${reduction}`, 'E_ONNX_UNSUPPORTED_ATTR');
  const ax = normAxis(axis, data.ndim, 'ScatterElements');
  const out = Array.from(data.dataSync(), Number);
  const up = updates.dataSync();
  const ix = ints(indices, 'ScatterElements indices');
  const dst = contiguousStrides(data.shape);
  const ist = contiguousStrides(indices.shape);
  for (let i = 0; i < ix.length; i++) {
    let rem = i;
    let at = 0;
    for (let d = 0; d < indices.ndim; d++) {
      const c = Math.floor(rem / ist[d]!);
      rem -= c * ist[d]!;
      let v = c;
      if (d === ax) {
        v = ix[i]!;
        if (v < 0) v += data.shape[ax]!;
        if (v < 0 || v >= data.shape[ax]!)
          throw new IndexError(`ScatterElements: index ${ix[i]} is out of range for an axis of size ${data.shape[ax]}`, 'E_ONNX_INDEX');
      }
      at += v * dst[d]!;
    }
    out[at] = f(out[at]!, Number(up[i]));
  }
  return mk(out, data.shape, data.dtype);
}

function unique(x: Tensor, axis: number | null, sorted: boolean): Tensor[] {
  const v = axis === null ? x.reshape(-1) : x;
  const ax = axis === null ? 0 : normAxis(axis, x.ndim, 'Unique');
  const { outer, n, inner } = axisLayout(v.shape, ax);
  const src = v.dataSync();
  const keyOf = (i: number) => {
    const parts: number[] = [];
    for (let o = 0; o < outer; o++) for (let q = 0; q < inner; q++) parts.push(Number(src[(o * n + i) * inner + q]));
    return parts;
  };
  const keys = Array.from({ length: n }, (_, i) => keyOf(i));
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  };
  const firsts: number[] = [];
  const inverse = new Array<number>(n);
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = firsts.findIndex((f) => cmp(keys[f]!, keys[i]!) === 0);
    if (j >= 0) {
      inverse[i] = j;
      counts[j]!++;
    } else {
      inverse[i] = firsts.length;
      firsts.push(i);
      counts.push(1);
    }
  }
  let order = firsts.map((_, j) => j);
  if (sorted) order = order.sort((a, b) => cmp(keys[firsts[a]!]!, keys[firsts[b]!]!));
  const rank = new Array<number>(order.length);
  order.forEach((j, r) => (rank[j] = r));
  const y = v.indexSelect(ax, idxT(order.map((j) => firsts[j]!)));
  return [y, idxT(order.map((j) => firsts[j]!)), idxT(inverse.map((j) => rank[j]!)), idxT(order.map((j) => counts[j]!))];
}

/** Greedy non-maximum suppression per batch and class → rows [batch, class, box] (ONNX NonMaxSuppression). */
function nonMaxSuppression(
  boxes: Tensor,
  scores: Tensor,
  maxOut: number,
  iouMax: number,
  scoreMin: number | null,
  center: boolean,
): Tensor {
  const [B, N] = boxes.shape as [number, number];
  const C = scores.shape[1]!;
  if (boxes.ndim !== 3 || boxes.shape[2] !== 4 || scores.ndim !== 3 || scores.shape[0] !== B || scores.shape[2] !== N)
    throw new ShapeError(
      `NonMaxSuppression: boxes ${fmtShape(boxes.shape)} and scores ${fmtShape(scores.shape)} do not fit [B, N, 4] and [B, C, N]`,
      'E_ONNX_SHAPE',
    );
  const bx = boxes.dataSync();
  const sc = scores.dataSync();
  const corners = (b: number, i: number): [number, number, number, number] => {
    const o = (b * N + i) * 4;
    const [p, q, r, t] = [Number(bx[o]), Number(bx[o + 1]), Number(bx[o + 2]), Number(bx[o + 3])];
    if (center) return [q - t / 2, p - r / 2, q + t / 2, p + r / 2];
    return [Math.min(p, r), Math.min(q, t), Math.max(p, r), Math.max(q, t)];
  };
  const iou = (a: number[], b: number[]) => {
    const h = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
    const w = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
    const inter = h * w;
    const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
    return union > 0 ? inter / union : 0;
  };
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      const score = (i: number) => Number(sc[(b * C + c) * N + i]);
      const order = Array.from({ length: N }, (_, i) => i).filter((i) => scoreMin === null || score(i) > scoreMin);
      order.sort((i, j) => score(j) - score(i) || i - j);
      const kept: number[][] = [];
      for (const i of order) {
        if (kept.length >= maxOut) break;
        const box = corners(b, i);
        if (kept.every((k) => iou(k, box) <= iouMax)) {
          kept.push(box);
          out.push(b, c, i);
        }
      }
    }
  return mk(out, [out.length / 3, 3], 'int32');
}

export function runShape(n: INode, ins: (Tensor | null)[], ctx: RunCtx): Tensor[] | null {
  const X = () => need(ins, 0);
  switch (n.op) {
    case 'Shape': {
      const v = X();
      const nd = v.ndim;
      const clampP = (p: number) => Math.min(Math.max(p < 0 ? p + nd : p, 0), nd);
      const s = clampP(iAttr(n, 'start', 0));
      const e = n.attrs.has('end') ? clampP(iAttr(n, 'end', nd)) : nd;
      return [idxT(v.shape.slice(s, Math.max(s, e)))];
    }
    case 'Size':
      return [mk([X().numel()], [], 'int32')];
    case 'Slice': {
      const v = X();
      if (ctx.opset < 10) {
        const st = isAttr(n, 'starts', []);
        return [
          sliceAny(
            v,
            st,
            isAttr(n, 'ends', []),
            isAttr(
              n,
              'axes',
              st.map((_, i) => i),
            ),
            st.map(() => 1),
          ),
        ];
      }
      const starts = ints(need(ins, 1), 'starts');
      return [
        sliceAny(
          v,
          starts,
          ints(need(ins, 2), 'ends'),
          ins[3] ? ints(ins[3], 'axes') : starts.map((_, i) => i),
          ins[4] ? ints(ins[4], 'steps') : starts.map(() => 1),
        ),
      ];
    }
    case 'Pad': {
      const v = X();
      const mode = sAttr(n, 'mode', 'constant');
      if (ctx.opset < 11) return [padAny(v, isAttr(n, 'pads', []), mode, iAttrF(n, 'value', 0), ctx.maxElements)];
      let pads = ints(need(ins, 1), 'pads');
      const value = ins[2] && ins[2].numel() ? ins[2].item() : 0;
      if (ins[3]) {
        const axes = ints(ins[3], 'axes').map((a) => normAxis(a, v.ndim, 'Pad'));
        const full = new Array<number>(2 * v.ndim).fill(0);
        axes.forEach((a, i) => {
          full[a] = pads[i]!;
          full[a + v.ndim] = pads[i + axes.length]!;
        });
        pads = full;
      }
      return [padAny(v, pads, mode, value, ctx.maxElements)];
    }
    case 'Squeeze':
    case 'Unsqueeze': {
      if (ctx.opset >= 13) return null;
      let v = X();
      const axes = isAttr(n, 'axes', []);
      if (n.op === 'Squeeze') return [axes.length ? v.squeeze(axes.map((a) => normAxis(a, v.ndim, 'Squeeze'))) : v.squeeze()];
      const nd = v.ndim + axes.length;
      for (const a of axes.map((a) => normAxis(a, nd, 'Unsqueeze')).sort((p, q) => p - q)) v = v.unsqueeze(a);
      return [v];
    }
    case 'Split': {
      const v = X();
      const ax = normAxis(iAttr(n, 'axis', 0), v.ndim, 'Split');
      const size = v.shape[ax]!;
      const outs = n.outputs.length;
      let parts: number[];
      const given =
        ctx.opset >= 13 ? (ins[1] && ins[1].numel() ? ints(ins[1], 'split') : null) : n.attrs.has('split') ? isAttr(n, 'split', []) : null;
      if (given) parts = given;
      else if (n.attrs.has('num_outputs')) {
        const k = iAttr(n, 'num_outputs', outs);
        const c = Math.ceil(size / k);
        parts = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(c, size - i * c)));
      } else {
        if (size % outs) throw new ShapeError(`Split: axis of size ${size} does not split into ${outs} equal parts`, 'E_ONNX_SHAPE');
        parts = new Array<number>(outs).fill(size / outs);
      }
      if (parts.reduce((a, b) => a + b, 0) !== size)
        throw new ShapeError(`Split: parts [${parts.join(',')}] do not add up to ${size}`, 'E_ONNX_SHAPE');
      let at = 0;
      return parts.map((p) => {
        const t = v.narrow(ax, at, p);
        at += p;
        return t;
      });
    }
    case 'Tile': {
      const reps = ints(need(ins, 1), 'repeats');
      const v = X();
      if (reps.length !== v.ndim) throw new ShapeError(`Tile: ${reps.length} repeats for a rank-${v.ndim} input`, 'E_ONNX_SHAPE');
      if (numel(v.shape.map((d, i) => d * reps[i]!)) > ctx.maxElements)
        throw new FormatError('Tile: the output exceeds the element limit', 'E_ONNX_LIMIT');
      return [v.repeat(reps)];
    }
    case 'Range': {
      const [s, l, d] = [X(), need(ins, 1), need(ins, 2)].map((t) => t.item());
      if (d === 0) throw new ValueError('Range: delta is 0', 'E_ONNX_GRAPH');
      const count = Math.max(Math.ceil((l! - s!) / d!), 0);
      if (count > ctx.maxElements) throw new FormatError(`Range: ${count} elements exceed the limit`, 'E_ONNX_LIMIT');
      return [
        mk(
          Array.from({ length: count }, (_, i) => s! + i * d!),
          [count],
          X().dtype,
        ),
      ];
    }
    case 'OneHot': {
      const idx = X();
      const depth = Math.trunc(need(ins, 1).item());
      const values = need(ins, 2);
      const [off, on] = Array.from(values.dataSync(), Number) as [number, number];
      const nd = idx.ndim + 1;
      const ax = normAxis(iAttr(n, 'axis', -1), nd, 'OneHot');
      const src = idx.dataSync();
      const { outer, inner } = axisLayout([...idx.shape.slice(0, ax), 1, ...idx.shape.slice(ax)], ax);
      if (!(depth > 0) || outer * depth * inner > ctx.maxElements)
        throw new FormatError(`OneHot: depth ${depth} gives more than ${ctx.maxElements} elements (or is not positive)`, 'E_ONNX_LIMIT');
      const out = new Array<number>(outer * depth * inner).fill(off);
      for (let o = 0; o < outer; o++)
        for (let q = 0; q < inner; q++) {
          let k = Math.trunc(Number(src[o * inner + q]));
          if (k < 0) k += depth;
          if (k >= 0 && k < depth) out[(o * depth + k) * inner + q] = on;
        }
      return [mk(out, [...idx.shape.slice(0, ax), depth, ...idx.shape.slice(ax)], values.dtype)];
    }
    case 'DepthToSpace':
      return [depthToSpace(X(), iAttr(n, 'blocksize', 0), sAttr(n, 'mode', 'DCR'))];
    case 'SpaceToDepth':
      return [spaceToDepth(X(), iAttr(n, 'blocksize', 0))];
    case 'EyeLike': {
      const v = X();
      if (v.ndim !== 2) throw new ShapeError(`EyeLike: expected a 2-D input, got ${fmtShape(v.shape)}`, 'E_ONNX_SHAPE');
      const k = iAttr(n, 'k', 0);
      const [r, c] = v.shape as [number, number];
      const out = new Array<number>(r * c).fill(0);
      for (let i = 0; i < r; i++) if (i + k >= 0 && i + k < c) out[i * c + i + k] = 1;
      const dt = n.attrs.has('dtype') ? iAttr(n, 'dtype', 1) : null;
      return [mk(out, [r, c], dt === null ? v.dtype : dt === 1 ? 'float32' : dt === 11 ? 'float64' : dt === 9 ? 'bool' : 'int32')];
    }
    case 'Trilu': {
      const v = X();
      const k = ins[1] ? ints(ins[1], 'k')[0]! : 0;
      const upper = iAttr(n, 'upper', 1) === 1;
      const [r, c] = v.shape.slice(-2) as [number, number];
      const m: number[] = [];
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) m.push(upper ? (j - i >= k ? 1 : 0) : j - i <= k ? 1 : 0);
      return [mk(m, [r, c], 'bool').ifElse(v, v.zerosLike())];
    }
    case 'Compress': {
      const v = X();
      const cond = Array.from(need(ins, 1).dataSync(), Number);
      const hasAxis = n.attrs.has('axis');
      const src = hasAxis ? v : v.reshape(-1);
      const ax = hasAxis ? normAxis(iAttr(n, 'axis', 0), v.ndim, 'Compress') : 0;
      const keep: number[] = [];
      cond.forEach((c, i) => {
        if (c && i < src.shape[ax]!) keep.push(i);
      });
      return [src.indexSelect(ax, idxT(keep))];
    }
    case 'NonZero': {
      const v = X();
      const src = v.dataSync();
      const st = contiguousStrides(v.shape);
      const hits: number[] = [];
      for (let i = 0; i < src.length; i++) if (src[i]) hits.push(i);
      const nd = Math.max(v.ndim, 1);
      const out = new Array<number>(nd * hits.length);
      hits.forEach((h, j) => {
        let rem = h;
        for (let d = 0; d < v.ndim; d++) {
          out[d * hits.length + j] = Math.floor(rem / st[d]!);
          rem %= st[d]!;
        }
        if (v.ndim === 0) out[j] = 0;
      });
      return [mk(out, [nd, hits.length], 'int32')];
    }
    case 'GatherND':
      return [gatherND(X(), need(ins, 1), iAttr(n, 'batch_dims', 0))];
    case 'ScatterND':
      return [scatterND(X(), need(ins, 1), need(ins, 2), sAttr(n, 'reduction', 'none'))];
    case 'Scatter':
    case 'ScatterElements':
      return [scatterElements(X(), need(ins, 1), need(ins, 2), iAttr(n, 'axis', 0), sAttr(n, 'reduction', 'none'))];
    case 'ReverseSequence': {
      const v = X();
      const lens = ints(need(ins, 1), 'sequence_lens');
      const bAx = iAttr(n, 'batch_axis', 1);
      const tAx = iAttr(n, 'time_axis', 0);
      const parts = lens.map((L, b) => {
        const row = v.narrow(bAx, b, 1);
        const T = v.shape[tAx]!;
        const idx = Array.from({ length: T }, (_, t) => (t < L ? L - 1 - t : t));
        return row.indexSelect(tAx, idxT(idx));
      });
      return [cat(parts, bAx)];
    }
    case 'NonMaxSuppression': {
      const maxOut = ins[2] && ins[2].numel() ? ints(ins[2], 'max_output_boxes_per_class')[0]! : 0;
      const iouMax = ins[3] && ins[3].numel() ? ins[3].item() : 0;
      const scoreMin = ins[4] && ins[4].numel() ? ins[4].item() : null;
      return [nonMaxSuppression(X(), need(ins, 1), maxOut, iouMax, scoreMin, iAttr(n, 'center_point_box', 0) === 1)];
    }
    case 'Unique':
      return unique(X(), n.attrs.has('axis') ? iAttr(n, 'axis', 0) : null, iAttr(n, 'sorted', 1) === 1);
  }
  return null;
}
