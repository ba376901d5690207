/**
 * The op table: every primitive, keyed by name. The mapped type makes a missing entry — and so a
 * missing gradient rule — a compile error.
 */
import { binaryOps, castOp, unaryOps, whereOp } from './elementwise.js';
import { indexingOps } from './indexing.js';
import { linalgOps } from './linalg.js';
import { lossOps } from './loss.js';
import { movementOps } from './movement.js';
import { normOps } from './norm.js';
import { reduceOps } from './reduce.js';
import { selectOps } from './select.js';
import type { OpTable } from './types.js';

export const OPS: OpTable = {
  ...unaryOps,
  ...binaryOps,
  where: whereOp,
  cast: castOp,
  ...reduceOps,
  ...movementOps,
  ...indexingOps,
  ...linalgOps,
  ...lossOps,
  ...normOps,
  ...selectOps,
};
