/**
 * Where the network diagram's columns and neurons go, from the panel's width. Pure (no DOM), so the
 * fitting rule is unit-tested: the whole diagram always fits `width` — columns come closer and neurons
 * shrink (down to 16 px) as layers are added or the panel narrows, as in TensorFlow Playground.
 */
export interface NetLayout {
  /** Neuron box size (px). */
  node: number;
  /** Left edge of column c. */
  colX: (c: number) => number;
  /** Distance between columns. */
  colW: number;
  /** Top of row r. */
  rowY: (r: number) => number;
  rowH: number;
  /** Size of the bias squares. */
  bias: number;
  width: number;
  height: number;
  /** Room left of the input column for the feature labels. */
  label: number;
}

export const NODE_MAX = 38;
export const NODE_MIN = 16;
const LABEL = 52;
const RIGHT = 6;
const COL_MAX = 150;

/** `counts[c]`: boxes in column c (inputs, each hidden layer, outputs). */
export function networkLayout(width: number, counts: readonly number[]): NetLayout {
  const cols = Math.max(1, counts.length);
  const usable = Math.max(0, width - LABEL - RIGHT);
  // n neurons across and at least half a neuron of room for the links between columns
  const node = Math.max(NODE_MIN, Math.min(NODE_MAX, Math.floor(usable / (cols * 1.5 - 0.5))));
  const colW = cols > 1 ? Math.max(0, Math.min(COL_MAX, (usable - node) / (cols - 1))) : 0;
  const rowH = node + Math.max(6, Math.round(node * 0.32));
  const rows = Math.max(1, ...counts);
  return {
    node,
    colW,
    colX: (c) => LABEL + c * colW,
    rowY: (r) => 4 + r * rowH,
    rowH,
    bias: Math.max(6, Math.round(node * 0.27)),
    width: Math.ceil(LABEL + (cols - 1) * colW + node + RIGHT),
    height: Math.ceil(4 + rows * rowH),
    label: LABEL,
  };
}
