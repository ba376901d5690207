/**
 * PyTorch's `x[index]` and `x[index] = value`.
 *
 * Basic indexing (integers, slices, `...`, new axes) is a chain of views (select, slice, unsqueeze).
 * Advanced indexing (int32 index tensors, broadcast together, and bool masks, which stand for their
 * nonzero positions) gathers a copy: the indexed dims are flattened into one and read with
 * indexSelect, whose gradient accumulates repeated indices. As in NumPy, the indexed dims' result
 * goes where the first of them was when they are adjacent, and in front otherwise.
 *
 * Assignment writes through the view (basic) or at the selected positions (advanced), broadcasting the
 * value; see inplace.ts for the autograd side.
 */
import { DTypeError, IndexError, ShapeError, StateError, fmtShape } from '../core/errors.js';
import { broadcastShapes, numel } from '../core/shape.js';
import type { Tensor, TensorOrScalar, apply as applyFn } from './tensor.js';
import { parseIndex, type ParsedIndex } from './index-parse.js';
import { writeInPlace } from './inplace.js';

interface Advanced {
  dim: number;
  /** int32 indices, already wrapped into [0, size) */
  index: Tensor;
}

/** Positions where a bool tensor is true, one int32 list per dim (PyTorch's `nonzero(as_tuple=True)`). */
function nonzero(mask: Tensor, who: string): Int32Array[] {
  if (mask.device === 'webgpu')
    throw new StateError(
      `${who}: a boolean mask on the 'webgpu' device: the result's size depends on the mask's values, which can only be read asynchronously; move the mask with \`await mask.toAsync('cpu')\` (assigning a scalar, x.set(mask, v), runs on the GPU)`,
      'E_WEBGPU_SYNC_READ',
    );
  const d = mask.dataSync();
  const nd = mask.ndim;
  const hits: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i]) hits.push(i);
  const out = Array.from({ length: nd }, () => new Int32Array(hits.length));
  const strides = mask.shape.map((_, k) => numel(mask.shape.slice(k + 1)));
  hits.forEach((flat, j) => {
    for (let k = 0; k < nd; k++) out[k]![j] = Math.floor(flat / strides[k]!) % mask.shape[k]!;
  });
  return out;
}

/** Apply the basic items as views; collect the advanced ones (dims counted in the resulting view). */
function basicPass(x: Tensor, items: ParsedIndex[], who: string): { view: Tensor; adv: Advanced[] } {
  const consumes = (it: ParsedIndex) =>
    it.kind === 'int' || it.kind === 'slice' ? 1 : it.kind === 'tensor' ? (it.tensor.dtype === 'bool' ? it.tensor.ndim : 1) : 0;
  const nEll = items.filter((it) => it.kind === 'ellipsis').length;
  if (nEll > 1) throw new IndexError(`${who}: an index can only have a single ellipsis ('...')`);
  const used = items.reduce((n, it) => n + consumes(it), 0);
  if (used > x.ndim) throw new IndexError(`${who}: too many indices for tensor of dimension ${x.ndim} (shape ${fmtShape(x.shape)})`);
  let v = x;
  let d = 0; // current dim of v
  let src = 0; // the dim of x being consumed (for messages)
  const adv: Advanced[] = [];
  for (const it of items) {
    switch (it.kind) {
      case 'ellipsis': {
        const skip = x.ndim - used;
        d += skip;
        src += skip;
        break;
      }
      case 'newaxis':
        v = v.unsqueeze(d);
        d++;
        break;
      case 'int': {
        const size = v.shape[d]!;
        if (it.value < -size || it.value >= size)
          throw new IndexError(`${who}: index ${it.value} is out of bounds for dimension ${src} with size ${size}`);
        v = v.select(d, it.value);
        src++;
        break;
      }
      case 'slice':
        v = v.slice(d, it.start, it.stop, it.step);
        d++;
        src++;
        break;
      case 'tensor': {
        const t = it.tensor;
        if (t.dtype === 'bool' && t.ndim === 0) {
          // x[True] adds a new axis of size 1, x[False] one of size 0 (as PyTorch)
          v = v.unsqueeze(d);
          if (t.device === 'webgpu') nonzero(t, who); // the typed error: the size depends on the value
          const keep = t.item() !== 0 ? [0] : [];
          adv.push({ dim: d, index: x.newCpuIndex(keep, [keep.length]) });
          d++;
        } else if (t.dtype === 'bool') {
          const k = t.ndim;
          for (let j = 0; j < k; j++)
            if (t.shape[j] !== v.shape[d + j])
              throw new IndexError(
                `${who}: the shape of the mask ${fmtShape(t.shape)} at index ${j} does not match the shape of the indexed tensor ${fmtShape(x.shape)} at index ${src + j}`,
              );
          const nz = nonzero(t, who);
          nz.forEach((ix, j) => adv.push({ dim: d + j, index: x.newCpuIndex(ix, [ix.length]) }));
          d += k;
          src += k;
        } else {
          if (t.dtype !== 'int32') throw new DTypeError(`${who}: tensors used as indices must be int32 or bool tensors, got ${t.dtype}`);
          const size = v.shape[d]!;
          if (t.device === 'webgpu') {
            // GPU indices are wrapped on the GPU and not range-checked (that needs a readback): an index
            // out of range reads NaN (0 for integers) and is not written, as the webgpu index kernels do
            adv.push({ dim: d, index: t.lt(0).ifElse(t.add(size), t) });
            d++;
            src++;
            break;
          }
          const raw = t.dataSync();
          const fixed = new Int32Array(raw.length);
          for (let i = 0; i < raw.length; i++) {
            const r = raw[i]!;
            if (r < -size || r >= size) throw new IndexError(`${who}: index ${r} is out of bounds for dimension ${src} with size ${size}`);
            fixed[i] = r < 0 ? r + size : r;
          }
          adv.push({ dim: d, index: x.newCpuIndex(fixed, t.shape) });
          d++;
          src++;
        }
        break;
      }
    }
  }
  return { view: v, adv };
}

/** `x[index]`: a view for basic indices, a copy when an index tensor or mask is involved. */
export function getItem(x: Tensor, args: readonly unknown[], who = 'at'): Tensor {
  const items = parseIndex(args, who);
  const { view, adv } = basicPass(x, items, who);
  if (adv.length === 0) return view;
  const bshape = adv.reduce<number[]>((s, a) => broadcastShapes(s, a.index.shape, who), []);
  const advDims = adv.map((a) => a.dim);
  const rest = view.shape.map((_, i) => i).filter((i) => !advDims.includes(i));
  // flat position over the indexed dims, in their order: Σ index_k · Π later sizes
  const sizes = advDims.map((dd) => view.shape[dd]!);
  const mults = sizes.map((_, k) => sizes.slice(k + 1).reduce((p, s) => p * s, 1));
  let linT: Tensor;
  if (adv.some((a) => a.index.device === 'webgpu')) {
    // index tensors on the GPU: the flat position is computed there too
    let acc: Tensor | null = null;
    adv.forEach((a, k) => {
      const term = (a.index.device === 'webgpu' ? a.index : a.index.to('webgpu')).mul(mults[k]!);
      acc = acc === null ? term : acc.add(term);
    });
    linT = acc!.expand(bshape).reshape(-1);
  } else {
    const lin = new Int32Array(numel(bshape));
    adv.forEach((a, k) => {
      const e = a.index.expand(bshape).dataSync();
      for (let i = 0; i < lin.length; i++) lin[i] = lin[i]! + e[i]! * mults[k]!;
    });
    linT = x.newCpuIndex(lin, [lin.length]);
  }
  const restShape = rest.map((i) => view.shape[i]!);
  const moved = view.permute([...advDims, ...rest]).reshape([numel(sizes), ...restShape]);
  const picked = moved.indexSelect(0, linT).reshape([...bshape, ...restShape]);
  const adjacent = advDims.every((dd, k) => k === 0 || dd === advDims[k - 1]! + 1);
  const first = advDims[0]!;
  if (!adjacent || first === 0) return picked;
  // adjacent: the broadcast dims go where the first indexed dim was
  const nb = bshape.length;
  const perm = [...rest.keys()].slice(0, first).map((i) => nb + i);
  for (let i = 0; i < nb; i++) perm.push(i);
  for (let i = first; i < rest.length; i++) perm.push(nb + i);
  return picked.permute(perm);
}

/** `x[index] = value`, in place (through views, broadcasting `value`); returns x. */
export function setItem(apply: typeof applyFn, x: Tensor, args: readonly unknown[], value: TensorOrScalar, who = 'set'): void {
  const items = parseIndex(args, who);
  const val = (v: Tensor | number | boolean, like: Tensor): Tensor => (typeof v === 'object' ? v : like.newFull([], Number(v)));
  const first = items[0];
  if (
    items.length === 1 &&
    first !== undefined &&
    first.kind === 'tensor' &&
    first.tensor.dtype === 'bool' &&
    first.tensor.device === 'webgpu' &&
    first.tensor.ndim > 0 &&
    (typeof value !== 'object' || value.ndim === 0)
  ) {
    // a scalar through a mask on the GPU: x = where(mask, value, x), with no readback of the mask
    const m = first.tensor;
    if (m.ndim > x.ndim || m.shape.some((d, j) => d !== x.shape[j]))
      throw new IndexError(
        `${who}: the shape of the mask ${fmtShape(m.shape)} does not match the shape of the indexed tensor ${fmtShape(x.shape)}`,
      );
    const mm = m.reshape([...m.shape, ...Array.from({ length: x.ndim - m.ndim }, () => 1)]);
    writeInPlace(apply, x, who, null, x.shape, (old) => mm.ifElse(val(value, x).to(old.dtype), old));
    return;
  }
  const { view, adv } = basicPass(x, items, who);
  // leading size-1 dims of the value beyond the target's rank are dropped first (PyTorch:
  // x[0] = tensor([9.]) into a 0-d position)
  const fit = (shape: readonly number[]) => {
    if (typeof value !== 'object') return;
    let lead = 0;
    while (value.ndim - lead > shape.length && value.shape[lead] === 1) lead++;
    if (lead > 0) value = value.reshape(value.shape.slice(lead));
  };
  const checkValue = (shape: readonly number[]) => {
    fit(shape);
    if (typeof value === 'object') {
      try {
        const b = broadcastShapes(value.shape, shape, who);
        if (b.length !== shape.length || b.some((s, i) => s !== shape[i])) throw new ShapeError('');
      } catch {
        throw new ShapeError(
          `${who}: a value of shape ${fmtShape(value.shape)} cannot be broadcast to the indexed shape ${fmtShape(shape)}`,
        );
      }
    }
  };
  if (adv.length === 0) {
    checkValue(view.shape);
    writeInPlace(apply, view, who, null, view.shape, () => val(value, x), view === x ? [] : [x]);
    return;
  }
  if (items.some((it) => it.kind === 'tensor' && it.tensor.device === 'webgpu'))
    throw new StateError(
      `${who}: assignment through index tensors on the 'webgpu' device: the written positions would have to be read back first; keep the index tensors on the CPU (\`await idx.toAsync('cpu')\`), or assign a scalar through a boolean mask`,
      'E_WEBGPU_SYNC_READ',
    );
  // advanced: the row-major positions of the selected elements, read by the same index from an arange
  // (on the CPU: the indices are CPU tensors here)
  const positions = getItem(
    x.newCpuIndex(
      Int32Array.from({ length: x.numel() }, (_, i) => i),
      x.shape,
    ),
    args,
    who,
  );
  checkValue(positions.shape);
  writeInPlace(apply, x, who, positions.dataSync() as Int32Array, positions.shape, () => val(value, x));
}
