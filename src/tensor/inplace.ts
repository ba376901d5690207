/**
 * In-place writes (`fill_`, `copy_`, `add_`, `x.set(index, value)`, …) on any tensor, contiguous or
 * a strided view, with PyTorch's autograd semantics:
 *
 * - Without a gradient to track, the new values are written straight into the shared storage.
 * - When the written tensor (or the tensor it is a view of) is part of a graph, or the value written
 *   requires grad, the write is also recorded functionally: the root tensor that owns the storage gets a
 *   new history `root' = putFlat(root, positions, value)` (PyTorch's CopySlices), and the written view a
 *   history read back from the root. A stand-in tensor keeps the root's old history, so nodes recorded
 *   before the write still reach it.
 * - Every write bumps the storage's version counter; `backward()` refuses when a value a gradient rule
 *   needs was overwritten.
 */
import { StateError } from '../core/errors.js';
import { numel } from '../core/shape.js';
import { kernels } from '../backend/dispatch.js';
import { freeTemp } from '../backend/storage.js';
import { deviceMismatch, gpuRuntime } from '../backend/gpu.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { bumpVersion, setHistoryOwner, viewBase } from '../autograd/versions.js';
import type { Tensor, apply as applyFn } from './tensor.js';

type Apply = typeof applyFn;

/** Storage positions of `t`'s elements, in row-major order. */
export function storagePositions(t: Tensor): Int32Array {
  const n = numel(t.shape);
  const out = new Int32Array(n);
  const nd = t.ndim;
  if (n === 0) return out;
  const idx = new Array<number>(nd).fill(0);
  let p = t.offset;
  for (let k = 0; k < n; k++) {
    out[k] = p;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      p += t.strides[d]!;
      if (idx[d]! < t.shape[d]!) break;
      p -= t.strides[d]! * t.shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** For each storage position in `pos`, the row-major index of the element of `root` stored there. */
function rootIndices(root: Tensor, pos: Int32Array): Int32Array {
  const out = new Int32Array(pos.length);
  if (root.isContiguous()) {
    // the usual root (an op's output): row-major index = storage position − offset
    const n = root.numel();
    for (let k = 0; k < pos.length; k++) {
      const j = pos[k]! - root.offset;
      if (j < 0 || j >= n)
        throw new StateError(
          'in-place write: a view reaches storage its base tensor does not cover (the view was made from a detached alias); clone() first',
        );
      out[k] = j;
    }
    return out;
  }
  const rp = storagePositions(root);
  const map = new Map<number, number>();
  for (let j = 0; j < rp.length; j++) map.set(rp[j]!, j);
  for (let k = 0; k < pos.length; k++) {
    const j = map.get(pos[k]!);
    if (j === undefined)
      throw new StateError(
        'in-place write: a view reaches storage its base tensor does not cover (the view was made from a detached alias); clone() first',
      );
    out[k] = j;
  }
  return out;
}

function checkWritable(t: Tensor, op: string): void {
  if (numel(t.shape) === 0) return; // nothing is written, whatever the strides
  for (let d = 0; d < t.ndim; d++)
    if (t.strides[d] === 0 && t.shape[d]! > 1)
      throw new StateError(
        `${op}: unsupported operation: more than one element of the written-to tensor refers to a single memory location (an expanded tensor); clone() the tensor first`,
        'E_INPLACE_OVERLAP',
      );
}

/**
 * Write into `t` in place. `index` (int32, any shape) picks elements of `t` by row-major position;
 * null means every element. `compute(old)` gets the current values of those elements (shaped like
 * `index`, or like `t`) and returns the new ones (broadcastable to that shape, cast to `t.dtype`).
 * `alsoViews` are further views of the same storage whose history should follow the write.
 */
export function writeInPlace(
  apply: Apply,
  t: Tensor,
  op: string,
  index: Int32Array | null,
  selShape: readonly number[],
  compute: (old: Tensor) => Tensor,
  alsoViews: readonly Tensor[] = [],
): void {
  checkWritable(t, op);
  const root = viewBase(t) ?? t;
  const grad = isGradEnabled();
  if (grad && root.requiresGrad && root.isLeaf)
    throw new StateError(
      root === t
        ? `${op}: a leaf tensor that requires grad is being used in an in-place operation; wrap it in noGrad(() => ...)`
        : `${op}: a view of a leaf tensor that requires grad is being used in an in-place operation; wrap it in noGrad(() => ...)`,
      'E_INPLACE_LEAF',
    );
  const tracked = grad && (root.requiresGrad || t.requiresGrad);
  let early: Tensor | null = null;
  if (!tracked && index === null && t.isContiguous()) {
    // the common case (optimizer state, buffers, init): no history, one contiguous block
    const y = (grad ? compute(t.detach()) : noGrad(() => compute(t.detach()))).to(t.dtype);
    early = y;
    if (!(grad && y.requiresGrad)) {
      const e = y.expand(t.shape);
      if (t.record.gpu !== null) {
        if (e.record.gpu === null && e.ndim > 0) throw deviceMismatch(op, e.shape);
        gpuRuntime(op).copyInto(t.record, { offset: t.offset }, { data: e.storage, offset: e.offset, strides: e.strides }, t.shape);
        bumpVersion(t);
        return;
      }
      // the values first, then the target's array: the copy kernel may move the storage they share
      // (a source that is a view of the target, e.g. a[:-1] = a[1:], uploads it again), and an array
      // taken before it would be a stale copy that the write then misses
      const vals = kernels().unary('copy', { data: e.storage, offset: e.offset, strides: e.strides }, t.shape, t.dtype);
      t.storage.set(vals, t.offset);
      freeTemp(vals);
      bumpVersion(t);
      return;
    }
  }
  const onGpu = t.record.gpu !== null;
  const sp = storagePositions(t);
  const targets = index === null ? sp : Int32Array.from(index, (i) => sp[i]!);

  let stand: Tensor | null = null;
  let rootIdx: Int32Array | null = null;
  let idxT: Tensor | null = null;
  let y: Tensor;
  if (tracked) {
    // the root's old history moves to a stand-in sharing its storage (read before the write below)
    stand = root.detach();
    stand.requiresGrad = root.requiresGrad;
    stand.gradFn = root.gradFn;
    if (root.gradFn) setHistoryOwner(root.gradFn, stand);
    rootIdx = rootIndices(root, targets);
    idxT = root.newCpuIndex(rootIdx, [rootIdx.length]);
    const old = apply('indexSelect', [stand.reshape(-1), idxT], { dim: 0 }).reshape(selShape);
    y = compute(old);
  } else {
    const old =
      index === null
        ? t.detach()
        : t
            .detach()
            .reshape(-1)
            .indexSelect(0, t.newCpuIndex(index, [index.length]))
            .reshape(selShape);
    y = early ?? (grad ? compute(old) : noGrad(() => compute(old)));
    // a new value that takes gradients (e.g. c.mul_(w)) may have saved `old`, which shares the storage
    // written below, and backward would then find it overwritten: compute it from a copy of the old
    // values instead, as PyTorch saves them (rare: a write with a gradient into a tensor without one)
    if (grad && y.requiresGrad && index === null) y = compute(t.detach().clone());
  }
  y = y.to(t.dtype).expand(selShape);

  if (grad && y.requiresGrad && !tracked) {
    // e.g. zeros(3).copy_(w): the write gives a tensor without history one
    stand = root.detach();
    rootIdx = rootIndices(root, targets);
    idxT = root.newCpuIndex(rootIdx, [rootIdx.length]);
  }
  if (stand !== null && rootIdx !== null && idxT !== null) {
    const flat = apply('putFlat', [stand.reshape(-1), idxT, y.reshape(-1)], {});
    const fresh = flat.reshape(root.shape);
    root.gradFn = fresh.gradFn;
    root.requiresGrad = fresh.requiresGrad;
  }

  if (onGpu) {
    if (y.record.gpu === null && y.ndim > 0) throw deviceMismatch(op, y.shape);
    // a source sharing the target's storage is copied first: one dispatch must not read what it writes
    const src = y.record === t.record ? y.contiguous().clone() : y;
    gpuRuntime(op).writeAt(t.record, targets, { data: src.storage, offset: src.offset, strides: src.strides }, src.shape);
    bumpVersion(t);
  } else {
    // the new values, materialised before anything is written (the source may overlap the target); no
    // op runs between here and the write, so neither array can be moved by an eviction meanwhile
    const vals = kernels().unary('copy', { data: y.storage, offset: y.offset, strides: y.strides }, y.shape, t.dtype);
    const data = t.storage;
    for (let k = 0; k < targets.length; k++) data[targets[k]!] = vals[k]!;
    freeTemp(vals);
    bumpVersion(t);
  }

  if (stand !== null && root.requiresGrad) {
    for (const v of [t, ...alsoViews]) if (v !== root) readFromRoot(apply, v, root);
  }
}

/** Give view `v` the history of reading its elements from `root`'s current history. */
function readFromRoot(apply: Apply, v: Tensor, root: Tensor): void {
  v.histVersion = v.record.version;
  if (v.gradFn !== null) {
    // nodes recorded before the write read the view as it was: they keep reaching its old history
    // through a stand-in (as the root's old history is kept in writeInPlace)
    const stand = v.detach();
    stand.requiresGrad = v.requiresGrad;
    stand.gradFn = v.gradFn;
    setHistoryOwner(v.gradFn, stand);
  }
  const all = rootIndices(root, storagePositions(v));
  const back = apply('indexSelect', [root.reshape(-1), root.newCpuIndex(all, [all.length])], { dim: 0 }).reshape(v.shape);
  v.gradFn = back.gradFn;
  v.requiresGrad = true;
}

/**
 * Bring a view's history up to date after in-place writes to its storage through other tensors (its
 * base, or another view): PyTorch regenerates such a view's grad_fn from its base's, so a gradient
 * through the view sees the writes. Called by `apply` when a stale view (`staleView`) is an input, and
 * by `backward()` on one. Without a base that takes gradients there is nothing to rebuild.
 */
export function refreshView(apply: Apply, v: Tensor): void {
  const root = v.viewOf!;
  if (!root.requiresGrad) {
    v.histVersion = v.record.version;
    return;
  }
  readFromRoot(apply, v, root);
}
