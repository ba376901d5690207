/**
 * The tensor API a PyTorch user reaches for beyond the core: sorting and selection, scans, reshaping
 * helpers, products, logic, rounding arithmetic, norms, unique/bincount. Composites of primitives (and
 * of the select.ts primitives), so each is differentiable wherever its parts are; values are exact
 * wherever the PyTorch kernel is (no reformulation that rounds differently).
 */
import { isFloat } from '../core/dtype.js';
import { DTypeError, IndexError, ShapeError, StateError, ValueError, fmtShape } from '../core/errors.js';
import { broadcastShapes, normAxes, normAxis, numel } from '../core/shape.js';
import { checkOptionKeys } from '../core/options.js';
import { isGradEnabled } from '../autograd/mode.js';
import type { Tensor, TensorOrScalar, apply as applyFn } from './tensor.js';

type Run = typeof applyFn;
type Dims = number | readonly number[];

/** Options of `sort`/`argsort`: `descending` (default false). */
export interface SortOptions {
  descending?: boolean;
  /** Equal values keep their order. backprop's sort is always stable; accepted for PyTorch parity. */
  stable?: boolean;
}
/** Options of `topk`: `largest` (default true); `sorted` is accepted for PyTorch parity (the result is always in sorted order). */
export interface TopkOptions {
  largest?: boolean;
  sorted?: boolean;
}
/** Options of `unique`: `returnInverse` and `returnCounts` (default false), `dim` (unique slices along it), and `sorted` (the values come out sorted). */
export interface UniqueOptions {
  sorted?: boolean;
  returnInverse?: boolean;
  returnCounts?: boolean;
  dim?: number;
}
/** What `unique` returns: the distinct `values`, and `inverse` / `counts` when asked for. */
export interface UniqueResult {
  values: Tensor;
  inverse?: Tensor;
  counts?: Tensor;
}
/** Options of `isclose`/`allclose`: `rtol` (default 1e-5), `atol` (default 1e-8), `equalNan` (default false). */
export interface IscloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}
/** Options of `nanToNum`: replacements for NaN (default 0), +inf and −inf (default: the dtype's extreme finite values). */
export interface NanToNumOptions {
  nan?: number;
  posinf?: number | null;
  neginf?: number | null;
}

function int32(like: Tensor, data: ArrayLike<number>, shape: readonly number[]): Tensor {
  return like.newTensor(data, shape, 'int32');
}

// ---------------------------------------------------------------- sorting and selection

/** `{ values, indices }` sorted along `dim` (stable; NaN sorts as the largest value). */
export function sort(run: Run, x: Tensor, dim: number, opts: SortOptions): { values: Tensor; indices: Tensor } {
  checkOptionKeys('sort', opts, { descending: true, stable: true });
  const x1 = x.ndim === 0 ? x.reshape(1) : x;
  const d = normAxis(dim, x1.ndim, 'sort');
  const indices = run('argsort', [x1], { dim: d, descending: opts.descending ?? false });
  const values = x1.gather(d, indices);
  return x.ndim === 0 ? { values: values.reshape([]), indices: indices.reshape([]) } : { values, indices };
}

/** The k largest (or smallest) elements along `dim`, `{ values, indices }`, in sorted order. */
export function topk(run: Run, x: Tensor, k: number, dim: number, opts: TopkOptions): { values: Tensor; indices: Tensor } {
  checkOptionKeys('topk', opts, { largest: true, sorted: true });
  const x1 = x.ndim === 0 ? x.reshape(1) : x;
  const d = normAxis(dim, x1.ndim, 'topk');
  const n = x1.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new IndexError(`topk: k (${k}) out of range for dimension ${d} of size ${n}`);
  const order = run('argsort', [x1], { dim: d, descending: opts.largest ?? true }).narrow(d, 0, k);
  const values = x1.gather(d, order);
  return x.ndim === 0 ? { values: values.reshape([]), indices: order.reshape([]) } : { values, indices: order };
}

/** The k-th smallest element (k from 1) along `dim`, `{ values, indices }`. */
export function kthvalue(run: Run, x: Tensor, k: number, dim: number, keepdim: boolean): { values: Tensor; indices: Tensor } {
  const x1 = x.ndim === 0 ? x.reshape(1) : x;
  const d = normAxis(dim, x1.ndim, 'kthvalue');
  const n = x1.shape[d]!;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new IndexError(`kthvalue: k (${k}) out of range for dimension ${d} of size ${n}`);
  const idx = run('argsort', [x1], { dim: d, descending: false }).narrow(d, k - 1, 1);
  const values = x1.gather(d, idx);
  if (keepdim || x.ndim === 0) return { values: x.ndim === 0 ? values.reshape([]) : values, indices: x.ndim === 0 ? idx.reshape([]) : idx };
  return { values: values.squeeze(d), indices: idx.squeeze(d) };
}

/** The lower median along `dim` (`{ values, indices }`), or of all elements (a 0-d tensor). */
export function median(run: Run, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor | { values: Tensor; indices: Tensor } {
  if (dim === undefined) {
    const flat = x.reshape(-1);
    if (flat.numel() === 0) throw new ValueError('median: cannot take the median of an empty tensor');
    const m = medianAlong(run, flat, 0, false).values;
    if (!isGradEnabled() || !flat.requiresGrad) return m;
    // PyTorch spreads the gradient evenly over the elements equal to the median (the NaNs, when it is
    // NaN): m + Σ_tied (x − m)/count has m's value exactly (each x − m is 0, or NaN with m) and that gradient
    const at = flat.eq(m).logicalOr(flat.isnan().logicalAnd(m.isnan()));
    const md = m.detach();
    return md.add(at.ifElse(flat.sub(md), 0).sum().div(at.sum().to(flat.dtype)));
  }
  return medianAlong(run, x, dim, keepdim);
}

/**
 * The lower median along `dim`, NaN where the lane has one (PyTorch's median propagates NaN: the value
 * and the index of the lane's first NaN; kthvalue sorts NaN last instead).
 */
function medianAlong(run: Run, x: Tensor, dim: number, keepdim: boolean): { values: Tensor; indices: Tensor } {
  const x1 = x.ndim === 0 ? x.reshape(1) : x;
  const d = normAxis(dim, x1.ndim, 'median');
  const kth = kthvalue(run, x1, Math.floor((x1.shape[d]! - 1) / 2) + 1, d, true).indices;
  const nan = x1.isnan();
  const idx = nan.any(d, true).ifElse(nan.to('int32').argmax(d, true), kth);
  const values = x1.gather(d, idx);
  if (x.ndim === 0) return { values: values.reshape([]), indices: idx.reshape([]) };
  return keepdim ? { values, indices: idx } : { values: values.squeeze(d), indices: idx.squeeze(d) };
}

/** Running max (or min) along `dim` and where it was, `{ values, indices }`. */
export function cumExtreme(run: Run, x: Tensor, dim: number, max: boolean): { values: Tensor; indices: Tensor } {
  const x1 = x.ndim === 0 ? x.reshape(1) : x;
  const d = normAxis(dim, x1.ndim, max ? 'cummax' : 'cummin');
  const indices = run('cumExtremeIndex', [x1], { dim: d, max });
  const values = x1.gather(d, indices);
  return x.ndim === 0 ? { values: values.reshape([]), indices: indices.reshape([]) } : { values, indices };
}

/** Elements where the (broadcast) mask is true, as a 1-D copy in row-major order. */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  if (mask.dtype !== 'bool') throw new DTypeError(`maskedSelect: mask must be a bool tensor, got ${mask.dtype}`);
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedSelect');
  if (mask.device === 'webgpu')
    throw new StateError(
      "maskedSelect: the mask is on the 'webgpu' device and the result's size depends on its values, which can only be read asynchronously; move the mask with `await mask.toAsync('cpu')` (x may stay on the GPU), or use `x.mul(mask)` / `mask.ifElse(x, 0)` to keep the shape",
      'E_WEBGPU_SYNC_READ',
    );
  const m = mask.expand(shape).dataSync();
  const pos: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i]) pos.push(i);
  return x
    .expand(shape)
    .reshape(-1)
    .indexSelect(0, x.newCpuIndex(pos, [pos.length]));
}

/** Row-major positions in `x` of out[i][j] = x[i][index[i][j]] (dim 1), for scatter. */
function scatterPositions(x: Tensor, dim: number, index: Tensor, who: string): Int32Array {
  if (index.dtype !== 'int32') throw new DTypeError(`${who}: index must be an int32 tensor, got ${index.dtype}`);
  if (index.ndim !== x.ndim)
    throw new ShapeError(`${who}: index ${fmtShape(index.shape)} must have as many dimensions as input ${fmtShape(x.shape)}`);
  for (let d = 0; d < x.ndim; d++)
    if (d !== dim && index.shape[d]! > x.shape[d]!)
      throw new ShapeError(`${who}: index ${fmtShape(index.shape)} is larger than input ${fmtShape(x.shape)} in dimension ${d}`);
  const idx = index.dataSync();
  const out = new Int32Array(idx.length);
  const xs = x.shape.map((_, k) => numel(x.shape.slice(k + 1)));
  const is = index.shape.map((_, k) => numel(index.shape.slice(k + 1)));
  const size = x.shape[dim] ?? 1;
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < 0 || v >= size) throw new IndexError(`${who}: index ${v} is out of bounds for dimension ${dim} with size ${size}`);
    let p = 0;
    for (let d = 0; d < x.ndim; d++) {
      const c = d === dim ? v : Math.floor(i / is[d]!) % index.shape[d]!;
      p += c * xs[d]!;
    }
    out[i] = p;
  }
  return out;
}

/** src cut to index's shape (scatter reads only that corner), or the value broadcast to it. */
function scatterSource(x: Tensor, index: Tensor, src: TensorOrScalar, who: string): Tensor {
  if (typeof src !== 'object') return x.newFull(index.shape, Number(src));
  if (src.ndim !== index.ndim)
    throw new ShapeError(`${who}: src ${fmtShape(src.shape)} must have as many dimensions as index ${fmtShape(index.shape)}`);
  let s = src;
  for (let d = 0; d < index.ndim; d++) {
    if (index.shape[d]! > s.shape[d]!)
      throw new ShapeError(`${who}: index ${fmtShape(index.shape)} is larger than src ${fmtShape(src.shape)} in dimension ${d}`);
    if (s.shape[d] !== index.shape[d]) s = s.narrow(d, 0, index.shape[d]!);
  }
  return s.to(x.dtype);
}

/** A copy of x with out[i][index[i][j]] = src[i][j] (dim 1): PyTorch's scatter. */
export function scatter(run: Run, x: Tensor, dim: number, index: Tensor, src: TensorOrScalar): Tensor {
  const d = normAxis(dim, Math.max(x.ndim, 1), 'scatter');
  const pos = scatterPositions(x, d, index, 'scatter');
  const s = scatterSource(x, index, src, 'scatter');
  return run('putFlat', [x.reshape(-1), x.newCpuIndex(pos, [pos.length]), s.reshape(-1)], {}).reshape(x.shape);
}

/** Positions and values for `scatter_` (the in-place form shares the checks). */
export function scatterTargets(x: Tensor, dim: number, index: Tensor, src: TensorOrScalar): { pos: Int32Array; src: Tensor } {
  const d = normAxis(dim, Math.max(x.ndim, 1), 'scatter_');
  return { pos: scatterPositions(x, d, index, 'scatter_'), src: scatterSource(x, index, src, 'scatter_') };
}

// ---------------------------------------------------------------- reshaping

/** Reverse the order along each of `dims` (a copy, as in PyTorch). */
export function flip(x: Tensor, dims: Dims): Tensor {
  if (x.ndim === 0) {
    normAxes(dims, 0, 'flip');
    return x.clone();
  }
  let out = x;
  for (const d of normAxes(dims, x.ndim, 'flip')) {
    const n = x.shape[d]!;
    out = out.indexSelect(
      d,
      int32(
        x,
        Array.from({ length: n }, (_, i) => n - 1 - i),
        [n],
      ),
    );
  }
  return out === x ? x.clone() : out;
}

/** Shift elements along `dims` by `shifts`, wrapping around; without dims, over the flattened tensor. */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const sh = typeof shifts === 'number' ? [shifts] : shifts.slice();
  if (dims === undefined) {
    if (sh.length !== 1) throw new ValueError(`roll: without dims, shifts must be a single number, got ${fmtShape(sh)}`);
    return roll(x.reshape(-1), sh[0]!, 0).reshape(x.shape);
  }
  const ds = typeof dims === 'number' ? [dims] : dims.slice();
  if (ds.length !== sh.length) throw new ValueError(`roll: shifts (${sh.length}) and dims (${ds.length}) must have the same length`);
  let out = x;
  ds.forEach((dim, k) => {
    const d = normAxis(dim, x.ndim, 'roll');
    const n = x.shape[d]!;
    if (n === 0) return;
    const s = ((sh[k]! % n) + n) % n;
    if (s === 0) return;
    out = out.indexSelect(
      d,
      int32(
        x,
        Array.from({ length: n }, (_, i) => (i - s + n) % n),
        [n],
      ),
    );
  });
  return out === x ? x.clone() : out;
}

function triangle(x: Tensor, diagonal: number, lower: boolean, who: string): Tensor {
  if (x.ndim < 2) throw new ShapeError(`${who}: input must have at least 2 dimensions, got ${fmtShape(x.shape)}`);
  const r = x.shape[x.ndim - 2]!;
  const c = x.shape[x.ndim - 1]!;
  const m = new Uint8Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) m[i * c + j] = (lower ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  const mask = x.newTensor(m, [r, c], 'bool');
  return mask.ifElse(x, x.newFull([], 0));
}
/** Lower triangle of the last two dims (j − i ≤ diagonal), zeros elsewhere. */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, true, 'tril');
/** Upper triangle of the last two dims (j − i ≥ diagonal), zeros elsewhere. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, false, 'triu');

/** 1-D → a square matrix with x on the `diagonal`; 2-D → that diagonal as a vector. */
export function diag(run: Run, x: Tensor, diagonal = 0): Tensor {
  if (!Number.isInteger(diagonal)) throw new ValueError(`diag: diagonal must be an integer, got ${diagonal}`);
  if (x.ndim === 1) {
    const n = x.shape[0]!;
    const size = n + Math.abs(diagonal);
    const pos = Array.from({ length: n }, (_, i) => (diagonal >= 0 ? i * size + i + diagonal : (i - diagonal) * size + i));
    return run('putFlat', [x.newZeros([size * size]), x.newCpuIndex(pos, [n]), x], {}).reshape(size, size);
  }
  if (x.ndim === 2) {
    const [r, c] = x.shape as [number, number];
    const n = Math.max(0, diagonal >= 0 ? Math.min(r, c - diagonal) : Math.min(r + diagonal, c));
    const pos = Array.from({ length: n }, (_, i) => (diagonal >= 0 ? i * c + i + diagonal : (i - diagonal) * c + i));
    return x.reshape(-1).indexSelect(0, int32(x, pos, [n]));
  }
  throw new ShapeError(`diag: expects a 1-D or 2-D tensor, got ${fmtShape(x.shape)}`);
}

/** Sum of the main diagonal of a 2-D tensor. */
export function trace(run: Run, x: Tensor): Tensor {
  if (x.ndim !== 2) throw new ShapeError(`trace: expects a 2-D tensor, got ${fmtShape(x.shape)}`);
  return diag(run, x).sum();
}

/** Repeat the tensor `reps` times along each dim (leading ones added to the shorter of the two). */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  const r = [...new Array<number>(Math.max(0, x.ndim - reps.length)).fill(1), ...reps];
  return x.repeat(r);
}

/** The slices along `dim`, as a list of views with that dim removed. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normAxis(dim, x.ndim, 'unbind');
  return Array.from({ length: x.shape[d]! }, (_, i) => x.select(d, i));
}

/** Coordinate grids from 1-D tensors; indexing 'ij' (matrix, PyTorch's default) or 'xy' (Cartesian). */
export function meshgrid(tensors: readonly Tensor[], indexing: 'ij' | 'xy' = 'ij'): Tensor[] {
  if (indexing !== 'ij' && indexing !== 'xy') throw new ValueError(`meshgrid: indexing must be 'ij' or 'xy', got '${String(indexing)}'`);
  for (const t of tensors) if (t.ndim > 1) throw new ShapeError(`meshgrid: expects 0-D or 1-D tensors, got ${fmtShape(t.shape)}`);
  const flat = tensors.map((t) => t.reshape(-1));
  const swap = indexing === 'xy' && flat.length >= 2;
  const order = swap ? [1, 0, ...flat.slice(2).map((_, i) => i + 2)] : flat.map((_, i) => i);
  const shape = order.map((i) => flat[i]!.shape[0]!);
  return flat.map((t, i) => {
    const at = order.indexOf(i);
    const s = shape.map((_, k) => (k === at ? shape[k]! : 1));
    return t.reshape(s).expand(shape);
  });
}

// ---------------------------------------------------------------- products

/** Outer product of two 1-D tensors: [n] ⊗ [m] → [n, m]. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1)
    throw new ShapeError(`outer: expects two 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return a.reshape(-1, 1).mul(b.reshape(1, -1));
}

/**
 * Einstein summation: `einsum('ij,jk->ik', a, b)`. Labels are letters; `->` and the output are
 * optional (implicit output: the labels used once, sorted). A label repeated inside one operand takes
 * its diagonal. Two operands contract with one batched matmul; others multiply broadcast and sum.
 */
export function einsum(equation: string, operands: readonly Tensor[]): Tensor {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhsGiven] = eq.includes('->') ? (eq.split('->') as [string, string]) : [eq, null];
  const terms = lhs.split(',');
  if (terms.length !== operands.length)
    throw new ValueError(`einsum: the equation '${equation}' has ${terms.length} operands but ${operands.length} tensors were given`);
  if (eq.includes('.'))
    throw new ValueError(`einsum: ellipsis ('...') in the equation is not supported; name every dimension ('${equation}')`);
  const valid = /^[a-zA-Z]*$/;
  for (const t of [...terms, rhsGiven ?? ''])
    if (!valid.test(t)) throw new ValueError(`einsum: invalid subscripts '${t}' in '${equation}' (use letters)`);
  const sizes = new Map<string, number>();
  const counts = new Map<string, number>();
  const ops = terms.map((term, k) => {
    let t = operands[k]!;
    if (term.length !== t.ndim)
      throw new ShapeError(`einsum: operand ${k} has ${t.ndim} dimensions but subscripts '${term}' name ${term.length}`);
    // a label repeated within one operand: take the diagonal
    let labels = term.split('');
    for (;;) {
      const dup = labels.findIndex((l, i) => labels.indexOf(l) !== i);
      if (dup < 0) break;
      const first = labels.indexOf(labels[dup]!);
      const n = t.shape[first]!;
      if (t.shape[dup] !== n) throw new ShapeError(`einsum: subscript '${labels[dup]}' has sizes ${n} and ${t.shape[dup]} in operand ${k}`);
      const perm = [...labels.keys()].filter((i) => i !== first && i !== dup);
      const moved = t.permute([...perm, first, dup]).reshape([...perm.map((i) => t.shape[i]!), n * n]);
      t = moved.indexSelect(
        moved.ndim - 1,
        int32(
          t,
          Array.from({ length: n }, (_, i) => i * n + i),
          [n],
        ),
      );
      labels = [...perm.map((i) => labels[i]!), labels[first]!];
    }
    labels.forEach((l, i) => {
      const s = t.shape[i]!;
      const prev = sizes.get(l);
      if (prev !== undefined && prev !== s && prev !== 1 && s !== 1)
        throw new ShapeError(`einsum: subscript '${l}' has size ${s} in operand ${k} but ${prev} elsewhere`);
      sizes.set(l, prev === undefined || prev === 1 ? s : prev);
      counts.set(l, (counts.get(l) ?? 0) + 1);
    });
    return { t, labels };
  });
  // implicit output: the labels written exactly once on the left (a label repeated inside one operand,
  // as in 'ii', is summed: the trace, as PyTorch), in alphabetical order
  const written = new Map<string, number>();
  for (const ch of equation.split('->')[0]!) if (/[a-zA-Z]/.test(ch)) written.set(ch, (written.get(ch) ?? 0) + 1);
  const out =
    rhsGiven ??
    [...counts.keys()]
      .filter((l) => written.get(l) === 1)
      .sort()
      .join('');
  for (const l of out)
    if (!sizes.has(l)) throw new ValueError(`einsum: output subscript '${l}' does not appear in the inputs of '${equation}'`);
  if (new Set(out).size !== out.length) throw new ValueError(`einsum: output subscripts '${out}' repeat a label`);
  // sum each operand over labels that no other operand and not the output uses
  const reduced = ops.map(({ t, labels }, k) => {
    const others = new Set([...out, ...ops.filter((_, j) => j !== k).flatMap((o) => o.labels)]);
    const drop = labels.map((l, i) => (others.has(l) ? -1 : i)).filter((i) => i >= 0);
    return drop.length ? { t: t.sum(drop), labels: labels.filter((_, i) => !drop.includes(i)) } : { t, labels };
  });
  let res: { t: Tensor; labels: string[] };
  if (reduced.length === 2) res = contractPair(reduced[0]!, reduced[1]!, out, sizes);
  else {
    const all = [...new Set(reduced.flatMap((o) => o.labels))];
    const aligned = reduced.map(({ t, labels }) => {
      const present = all.filter((l) => labels.includes(l));
      const p = present.map((l) => labels.indexOf(l));
      const tp = p.length ? t.permute(p) : t;
      return tp.reshape(all.map((l) => (labels.includes(l) ? tp.shape[present.indexOf(l)]! : 1)));
    });
    let prod = aligned[0]!;
    for (const a of aligned.slice(1)) prod = prod.mul(a);
    const sumDims = all.map((l, i) => (out.includes(l) ? -1 : i)).filter((i) => i >= 0);
    res = { t: sumDims.length ? prod.sum(sumDims) : prod, labels: all.filter((l) => out.includes(l)) };
  }
  const perm = out.split('').map((l) => res.labels.indexOf(l));
  return perm.length ? res.t.permute(perm) : res.t;
}

/** Contract two operands with one bmm: batch (shared, kept), contracted (shared, summed), and free labels. */
function contractPair(
  a: { t: Tensor; labels: string[] },
  b: { t: Tensor; labels: string[] },
  out: string,
  sizes: Map<string, number>,
): { t: Tensor; labels: string[] } {
  const shared = a.labels.filter((l) => b.labels.includes(l));
  const batch = shared.filter((l) => out.includes(l));
  const contract = shared.filter((l) => !out.includes(l));
  const fa = a.labels.filter((l) => !shared.includes(l));
  const fb = b.labels.filter((l) => !shared.includes(l));
  const size = (ls: string[]) => ls.reduce((p, l) => p * sizes.get(l)!, 1);
  const arrange = (o: { t: Tensor; labels: string[] }, order: string[]) => {
    const t = o.t.permute(order.map((l) => o.labels.indexOf(l)));
    // broadcast size-1 dims of shared labels to the common size
    return t.expand(order.map((l) => sizes.get(l)!));
  };
  const ta = arrange(a, [...batch, ...fa, ...contract]).reshape(size(batch), size(fa), size(contract));
  const tb = arrange(b, [...batch, ...contract, ...fb]).reshape(size(batch), size(contract), size(fb));
  const r = ta.bmm(tb).reshape([...batch, ...fa, ...fb].map((l) => sizes.get(l)!));
  return { t: r, labels: [...batch, ...fa, ...fb] };
}

// ---------------------------------------------------------------- logic and comparison

/** True where every element (along dim) is nonzero: bool. */
export function all(x: Tensor, dim: Dims | undefined, keepdim: boolean): Tensor {
  return x.eq(0).sum(dim, keepdim).eq(0);
}
/** True where any element (along dim) is nonzero: bool. */
export function any(x: Tensor, dim: Dims | undefined, keepdim: boolean): Tensor {
  return x.ne(0).sum(dim, keepdim).gt(0);
}

/** |a − b| ≤ atol + rtol·|b| elementwise (infinities equal only to themselves; NaN equal to NaN with equalNan). */
export function isclose(a: Tensor, b: TensorOrScalar, opts: IscloseOptions): Tensor {
  checkOptionKeys('isclose', opts, { rtol: true, atol: true, equalNan: true });
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-8;
  if (rtol < 0 || atol < 0) throw new ValueError(`isclose: rtol and atol must be non-negative, got rtol=${rtol} atol=${atol}`);
  const bt = typeof b === 'object' ? b : a.newFull([], Number(b));
  if (!isFloat(a.dtype) && !isFloat(bt.dtype)) return a.eq(bt);
  const af = isFloat(a.dtype) ? a : a.to(bt.dtype);
  const bf = isFloat(bt.dtype) ? bt : bt.to(af.dtype);
  const exact = af.eq(bf);
  const finite = af.isinf().logicalOr(bf.isinf()).logicalNot();
  const close = af.sub(bf).abs().le(bf.abs().mul(rtol).add(atol)).logicalAnd(finite);
  let r = exact.logicalOr(close);
  if (opts.equalNan) r = r.logicalOr(af.isnan().logicalAnd(bf.isnan()));
  return r;
}

// ---------------------------------------------------------------- arithmetic

/** Where each element is finite keep it; replace NaN, +inf and −inf (defaults: 0 and the dtype's extremes). */
export function nanToNum(x: Tensor, opts: NanToNumOptions): Tensor {
  checkOptionKeys('nanToNum', opts, { nan: true, posinf: true, neginf: true });
  if (!isFloat(x.dtype)) return x.clone();
  const big = x.dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  const pos = opts.posinf ?? big;
  const neg = opts.neginf ?? -big;
  const nan = opts.nan ?? 0;
  const c = (v: number) => x.newFull([], v);
  return x.isnan().ifElse(
    c(nan),
    x
      .isinf()
      .logicalAnd(x.gt(0))
      .ifElse(c(pos), x.isinf().logicalAnd(x.lt(0)).ifElse(c(neg), x)),
  );
}

/** start + weight·(end − start), PyTorch's two-sided form (exact at weight 1). */
export function lerp(start: Tensor, end: Tensor, weight: TensorOrScalar): Tensor {
  const diff = end.sub(start);
  if (typeof weight !== 'object') {
    const w = Number(weight);
    return Math.abs(w) < 0.5 ? start.add(diff.mul(w)) : end.sub(diff.mul(1 - w));
  }
  return weight
    .abs()
    .lt(0.5)
    .ifElse(start.add(diff.mul(weight)), end.sub(diff.mul(weight.neg().add(1))));
}

/** Round toward zero. */
export function trunc(x: Tensor): Tensor {
  if (!isFloat(x.dtype)) return x.clone();
  return x.lt(0).ifElse(x.ceil(), x.floor());
}

/** ‖x‖_ord over dims (all by default): Σ|x|^ord ^ (1/ord); ord ±inf is max/min |x|; ord 0 counts nonzeros. */
export function vectorNorm(x: Tensor, ord: number | 'inf' | '-inf' = 2, dim?: Dims, keepdim = false): Tensor {
  const o = ord === 'inf' ? Infinity : ord === '-inf' ? -Infinity : ord;
  if (typeof o !== 'number' || Number.isNaN(o))
    throw new ValueError(`vectorNorm: ord must be a number or 'inf'/'-inf', got ${String(ord)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`vectorNorm: expects a floating-point tensor, got ${x.dtype}`);
  const dims = dim === undefined ? undefined : normAxes(dim, x.ndim, 'vectorNorm');
  const a = x.abs();
  if (o === Infinity) return a.amax(dims, keepdim);
  if (o === -Infinity) return a.amin(dims, keepdim);
  if (o === 0) return x.ne(0).to(x.dtype).sum(dims, keepdim);
  if (o === 1) return a.sum(dims, keepdim);
  // (Σ|x|^p)^(1/p) has an infinite slope at 0: as PyTorch, an all-zero slice gets a zero gradient
  // for 0 < p < 1, |x|^p's slope is infinite at 0 too: those elements get 0 (PyTorch), not 0·∞
  const ap = o > 0 && o < 1 ? a.eq(0).ifElse(0, a.eq(0).ifElse(1, a).pow(o)) : a.pow(o);
  const s = o === 2 ? x.square().sum(dims, keepdim) : ap.sum(dims, keepdim);
  const zero = s.eq(0);
  const safe = zero.ifElse(1, s);
  const root = o === 2 ? safe.sqrt() : safe.pow(1 / o);
  return zero.ifElse(0, root);
}

/** Sorted unique values of the flattened tensor (or unique slices along `dim`), optionally with inverse and counts. */
export function unique(x: Tensor, opts: UniqueOptions): UniqueResult {
  checkOptionKeys('unique', opts, { sorted: true, returnInverse: true, returnCounts: true, dim: true });
  if (opts.dim !== undefined) {
    const d = normAxis(opts.dim, x.ndim, 'unique');
    const moved = x.permute([d, ...x.shape.map((_, i) => i).filter((i) => i !== d)]);
    const rows = moved.reshape(moved.shape[0]!, -1);
    const data = rows.dataSync();
    const w = rows.shape[1]!;
    const keys = Array.from({ length: rows.shape[0]! }, (_, i) => Array.from(data.subarray(i * w, i * w + w)));
    const order = keys.map((_, i) => i).sort((p, q) => lexCompare(keys[p]!, keys[q]!));
    const firsts: number[] = [];
    const inverse = new Int32Array(keys.length);
    const counts: number[] = [];
    order.forEach((i, k) => {
      if (k === 0 || lexCompare(keys[order[k - 1]!]!, keys[i]!) !== 0) {
        firsts.push(i);
        counts.push(0);
      }
      inverse[i] = firsts.length - 1;
      counts[counts.length - 1]!++;
    });
    const picked = moved.indexSelect(0, int32(x, firsts, [firsts.length]));
    const perm = picked.shape.map((_, i) => i);
    perm.splice(0, 1);
    perm.splice(d, 0, 0);
    return {
      values: picked.permute(perm).contiguous(),
      ...(opts.returnInverse ? { inverse: int32(x, inverse, [inverse.length]) } : {}),
      ...(opts.returnCounts ? { counts: int32(x, counts, [counts.length]) } : {}),
    };
  }
  const data = x.dataSync();
  const vals = Array.from(data);
  const sortedVals = [...new Set(vals)].sort((p, q) => (Number.isNaN(p) ? 1 : Number.isNaN(q) ? -1 : p - q));
  const where = new Map<number, number>();
  sortedVals.forEach((v, i) => where.set(v, i));
  const counts = new Array<number>(sortedVals.length).fill(0);
  const inverse = new Int32Array(vals.length);
  vals.forEach((v, i) => {
    const k = where.get(v)!;
    inverse[i] = k;
    counts[k]!++;
  });
  return {
    values: x.newTensor(sortedVals, [sortedVals.length]),
    ...(opts.returnInverse ? { inverse: int32(x, inverse, x.shape) } : {}),
    ...(opts.returnCounts ? { counts: int32(x, counts, [counts.length]) } : {}),
  };
}

function lexCompare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Count of each value 0..max in a 1-D non-negative int tensor (weighted sums with `weights`). */
export function bincount(x: Tensor, opts: { weights?: Tensor | null; minlength?: number }): Tensor {
  checkOptionKeys('bincount', opts, { weights: true, minlength: true });
  if (x.ndim !== 1 || x.dtype !== 'int32')
    throw new DTypeError(`bincount: expects a 1-D int32 tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  const minlength = opts.minlength ?? 0;
  if (!Number.isInteger(minlength) || minlength < 0)
    throw new ValueError(`bincount: minlength must be a non-negative integer, got ${minlength}`);
  const d = x.dataSync();
  let max = -1;
  for (let i = 0; i < d.length; i++) {
    if (d[i]! < 0) throw new ValueError(`bincount: input must be non-negative, got ${d[i]}`);
    max = Math.max(max, d[i]!);
  }
  const n = Math.max(max + 1, minlength);
  const w = opts.weights ?? null;
  if (w && (w.ndim !== 1 || w.shape[0] !== d.length))
    throw new ShapeError(`bincount: weights ${fmtShape(w.shape)} must be 1-D with ${d.length} elements`);
  const wd = w ? w.dataSync() : null;
  const out = new Float64Array(n);
  for (let i = 0; i < d.length; i++) out[d[i]!] += wd ? wd[i]! : 1;
  return w ? x.newTensor(out, [n], isFloat(w.dtype) ? w.dtype : 'float64') : int32(x, out, [n]);
}
