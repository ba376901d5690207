/**
 * Packed variable-length sequences (PyTorch's `torch.nn.utils.rnn`): a batch of sequences of
 * different lengths packed time step by time step, so that an RNN/LSTM/GRU given a
 * `PackedSequence` stops each sequence at its own length — its padded steps change neither the
 * outputs nor the final state.
 *
 * ```ts
 * const packed = nn.packPaddedSequence(x, [3, 5, 2], { enforceSorted: false }); // x [T, B, F]
 * const [out, [h, c]] = lstm.call(packed);                                        // out: a PackedSequence
 * const [padded, lengths] = nn.padPackedSequence(out);                             // [5, 3, H], [3, 5, 2]
 * ```
 */
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkOptionKeys } from '../core/options.js';
import { tensor } from '../tensor/creation.js';
import { cat } from '../tensor/functional.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * PyTorch's PackedSequence. `data` (shape `[Σ lengths, *]`): the rows of time step 0 of every sequence
 * (longest first), then those of step 1 of the sequences still running, …; `batchSizes[t]`: how
 * many sequences run at step t; `sortedIndices[i]`: the batch position of the i-th longest
 * sequence (null when the input was already sorted), `unsortedIndices` its inverse.
 */
export class PackedSequence {
  constructor(
    readonly data: Tensor,
    readonly batchSizes: Int32Array,
    readonly sortedIndices: Int32Array | null = null,
    readonly unsortedIndices: Int32Array | null = null,
  ) {}

  /** The length of each sequence, in the original batch order. */
  lengths(): number[] {
    const B = this.batchSizes[0] ?? 0;
    const out = new Array<number>(B).fill(0);
    for (const bs of this.batchSizes) for (let i = 0; i < bs; i++) out[this.sortedIndices ? this.sortedIndices[i]! : i]!++;
    return out;
  }
}

function toLengths(lengths: Tensor | readonly number[], who: string): number[] {
  const l = lengths instanceof Tensor ? Array.from(lengths.dataSync(), Number) : Array.from(lengths);
  if (lengths instanceof Tensor && lengths.ndim !== 1) throw new ShapeError(`${who}: lengths must be 1-D, got ${fmtShape(lengths.shape)}`);
  for (const v of l) if (!Number.isInteger(v)) throw new ValueError(`${who}: lengths must be integers, got ${v}`);
  return l;
}

/**
 * Pack a padded batch. input [T, B, *] ([B, T, *] with `batchFirst`), lengths: one per sequence
 * (1 ≤ length ≤ T). With `enforceSorted` (default true, as PyTorch) the lengths must be in
 * decreasing order; pass `{ enforceSorted: false }` to have them sorted (the order is restored on
 * unpacking).
 */
export function packPaddedSequence(
  input: Tensor,
  lengths: Tensor | readonly number[],
  opts: { batchFirst?: boolean; enforceSorted?: boolean } = {},
): PackedSequence {
  const who = 'packPaddedSequence';
  checkOptionKeys(who, opts, { batchFirst: true, enforceSorted: true });
  if (input.ndim < 2) throw new ShapeError(`${who}: expected input [T, B, *] (or [B, T, *] with batchFirst), got ${fmtShape(input.shape)}`);
  const x = opts.batchFirst ? input.transpose(0, 1) : input; // [T, B, *]
  const [T, B] = x.shape as [number, number];
  const lens = toLengths(lengths, who);
  if (lens.length !== B) throw new ShapeError(`${who}: expected ${B} lengths (the batch size), got ${lens.length}`);
  for (const v of lens) if (v < 1 || v > T) throw new ValueError(`${who}: every length must be in [1, ${T}] (the padded length), got ${v}`);
  let order: number[] = lens.map((_, i) => i);
  let sorted: Int32Array | null = null;
  let unsorted: Int32Array | null = null;
  if (opts.enforceSorted ?? true) {
    for (let i = 1; i < B; i++)
      if (lens[i]! > lens[i - 1]!)
        throw new ValueError(
          `${who}: \`lengths\` array must be sorted in decreasing order when \`enforceSorted\` is true; pass { enforceSorted: false } to pack unsorted sequences`,
        );
  } else {
    order = order.sort((a, b) => lens[b]! - lens[a]! || a - b);
    sorted = Int32Array.from(order);
    unsorted = new Int32Array(B);
    order.forEach((b, i) => (unsorted![b] = i));
  }
  const maxLen = lens[order[0]!]!;
  const batchSizes = new Int32Array(maxLen);
  const idx: number[] = [];
  for (let t = 0; t < maxLen; t++) {
    let running = 0;
    for (const b of order)
      if (lens[b]! > t) {
        idx.push(t * B + b);
        running++;
      }
    batchSizes[t] = running;
  }
  const rows = x.reshape([T * B, ...x.shape.slice(2)]);
  const data = rows.indexSelect(0, tensor(Int32Array.from(idx)));
  return new PackedSequence(data, batchSizes, sorted, unsorted);
}

/**
 * Unpack to a padded batch: `[padded, lengths]` with padded [T, B, *] ([B, T, *] with
 * `batchFirst`), T = the longest length (or `totalLength`), padded steps `paddingValue` (0), and
 * lengths int32 [B] in the original batch order.
 */
export function padPackedSequence(
  sequence: PackedSequence,
  opts: { batchFirst?: boolean; paddingValue?: number; totalLength?: number | null } = {},
): [Tensor, Tensor] {
  const who = 'padPackedSequence';
  checkOptionKeys(who, opts, { batchFirst: true, paddingValue: true, totalLength: true });
  if (!(sequence instanceof PackedSequence)) throw new ValueError(`${who}: expected a PackedSequence (from packPaddedSequence)`);
  const { data, batchSizes } = sequence;
  const maxLen = batchSizes.length;
  const T = opts.totalLength ?? maxLen;
  if (!Number.isInteger(T) || T < maxLen)
    throw new ValueError(
      `${who}: expected totalLength to be at least the length of the longest sequence (${maxLen}), got ${opts.totalLength}`,
    );
  const B = batchSizes[0] ?? 0;
  const n = data.shape[0]!;
  // data rows plus one padding row; every padded position points at it
  const padRow = data.newFull([1, ...data.shape.slice(1)], opts.paddingValue ?? 0);
  const rows = cat([data, padRow], 0);
  const idx = new Int32Array(T * B).fill(n);
  let start = 0;
  for (let t = 0; t < maxLen; t++) {
    for (let i = 0; i < batchSizes[t]!; i++) {
      const b = sequence.sortedIndices ? sequence.sortedIndices[i]! : i;
      idx[t * B + b] = start + i;
    }
    start += batchSizes[t]!;
  }
  let padded = rows.indexSelect(0, tensor(idx)).reshape([T, B, ...data.shape.slice(1)]);
  if (opts.batchFirst) padded = padded.transpose(0, 1).contiguous();
  return [padded, tensor(Int32Array.from(sequence.lengths()))];
}

/** @internal Pack a time-major [T, B, *] result with another PackedSequence's layout (an RNN's output). */
export function packLike(x: Tensor, like: PackedSequence): PackedSequence {
  const B = x.shape[1]!;
  const idx: number[] = [];
  like.batchSizes.forEach((bs, t) => {
    for (let i = 0; i < bs; i++) idx.push(t * B + (like.sortedIndices ? like.sortedIndices[i]! : i));
  });
  const rows = x.reshape([x.shape[0]! * B, ...x.shape.slice(2)]);
  return new PackedSequence(rows.indexSelect(0, tensor(Int32Array.from(idx))), like.batchSizes, like.sortedIndices, like.unsortedIndices);
}
