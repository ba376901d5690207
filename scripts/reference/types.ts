/**
 * The reference-harness contract. Each family (ops, nn, losses, optim, sched, training) registers
 * `CaseRunner`s keyed by the case's `fn` (e.g. `torch.nn.functional.conv2d`). A runner maps the case's
 * arguments onto backprop's public API, runs it, and returns the comparisons to make; the harness
 * compares them with the case's tolerances. A case whose `fn` has no runner counts as failed.
 */
import type { Tensor } from '../../src/index.js';

export type RefDType = 'float32' | 'float64' | 'int64' | 'bool';

export interface RefTensor {
  shape: number[];
  dtype: RefDType;
  data: (number | string | boolean)[];
}

export interface Tol {
  rtol: number;
  atol: number;
}

export interface RefCase {
  name: string;
  fn: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  inputs: Record<string, RefTensor>;
  output: RefTensor | RefTensor[] | unknown;
  grads: Record<string, RefTensor>;
  upstream: RefTensor | (RefTensor | null)[] | null;
  dtype: 'float32' | 'float64';
  tol: Tol;
  note?: string;
  state_after?: Record<string, RefTensor>;
  [key: string]: unknown;
}

/** One check: `actual` against `expected` (a RefTensor, a number, or a list of numbers). */
export interface Comparison {
  label: string;
  actual: Tensor | number | readonly number[];
  expected: RefTensor | number | readonly number[];
  /** Defaults to the case's `tol`. */
  tol?: Tol;
}

export type CaseRunner = (c: RefCase) => Comparison[] | Promise<Comparison[]>;
export type Registry = Record<string, CaseRunner>;

export interface CaseResult {
  name: string;
  fn: string;
  file: string;
  passed: boolean;
  message?: string;
  checks: number;
  /** Not run on this device (float64 cases on 'webgpu'). */
  notRun?: boolean;
}
