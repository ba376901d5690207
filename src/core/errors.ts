/**
 * Typed errors with stable codes. Every error the library throws on bad input is one of these,
 * so callers can branch on `instanceof` or on `code` (stable across versions), and messages
 * name the operation and the offending shapes/values, PyTorch-style:
 * `matmul: shapes [64,784] and [100,10] cannot be multiplied`.
 */

/** Where in a file a format problem was found. All fields optional. */
export interface Location {
  file?: string;
  line?: number;
  column?: number;
  offset?: number;
}

/**
 * Base class of every error backprop throws on bad input. `code` is stable (e.g. `E_SHAPE`) for programs;
 * the subclasses (`ShapeError`, `DTypeError`, `ValueError`, ...) mirror PyTorch's exception kinds.
 */
export class BackpropError extends Error {
  /** Stable, machine-readable code, e.g. `E_SHAPE`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Shapes that do not fit an operation (broadcasting, matmul, conv channels, reshape numel…). */
export class ShapeError extends BackpropError {
  constructor(message: string, code = 'E_SHAPE') {
    super(code, message);
  }
}

/** A dtype an operation does not accept, or mismatched dtypes. */
export class DTypeError extends BackpropError {
  constructor(message: string, code = 'E_DTYPE') {
    super(code, message);
  }
}

/** An index or axis out of range. */
export class IndexError extends BackpropError {
  constructor(message: string, code = 'E_INDEX') {
    super(code, message);
  }
}

/** A bad argument value (negative learning rate, p outside [0,1], unknown option…). */
export class ValueError extends BackpropError {
  constructor(message: string, code = 'E_VALUE') {
    super(code, message);
  }
}

/** Misuse of autograd or module state (backward twice, backward through a non-scalar…). */
export class StateError extends BackpropError {
  constructor(message: string, code = 'E_STATE') {
    super(code, message);
  }
}

/** A malformed file or byte stream. Carries the location of the problem. */
export class FormatError extends BackpropError {
  readonly location: Location;
  /**
   * `(message, code, location)`, the same order as every other error. `code` is typed `E_…` so a call
   * written in the old `(code, message)` order no longer compiles.
   */
  constructor(message: string, code: `E_${string}`, location: Location = {}) {
    super(code, formatWithLocation(message, location));
    this.location = location;
  }
}

/** Something this build or platform cannot do (e.g. an unavailable backend). */
export class NotSupportedError extends BackpropError {
  constructor(message: string, code = 'E_NOT_SUPPORTED') {
    super(code, message);
  }
}

function formatWithLocation(message: string, loc: Location): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.column !== undefined) parts.push(`column ${loc.column}`);
  if (loc.offset !== undefined) parts.push(`byte ${loc.offset}`);
  return parts.length ? `${message} (${parts.join(', ')})` : message;
}

/** `[2,3,4]` — the shape spelling used in every message. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
