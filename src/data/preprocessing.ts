/**
 * Preprocessing fitted on the training data only, then applied unchanged to validation and test
 * data (scikit-learn's `fit` / `transform` contract). Every fitted object serialises with
 * `toJSON()` and comes back with `X.fromJSON(json)` (or `preprocessorFromJSON` for any of them).
 *
 * Statistics are computed in float64; outputs are float32 tensors. Isomorphic.
 */
import { ShapeError, StateError, ValueError, DTypeError, FormatError, fmtShape } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOptionKeys } from './dataset.js';

/** Column-oriented table: column name → values (numbers or category strings), all the same length. */
export type Table = Record<string, ArrayLike<number> | readonly (string | number)[]>;

/** A category value: a string or a number. */
export type Category = string | number;

function notFitted(who: string, method: string): StateError {
  return new StateError(`${who}: ${method}() called before fit(); call fit() on the training data first`, 'E_NOT_FITTED');
}

/** A 2-D float64 view of a matrix input: a [N, F] tensor or an array of rows. */
function toMatrix(x: Tensor | readonly (readonly number[])[], who: string): { data: Float64Array; n: number; f: number } {
  if (x instanceof Tensor) {
    if (x.ndim !== 2) throw new ShapeError(`${who}: expected a 2-D input [N, features], got ${fmtShape(x.shape)}`);
    if (x.dtype === 'bool') throw new DTypeError(`${who}: expected a numeric tensor, got bool`);
    return { data: Float64Array.from(x.dataSync()), n: x.shape[0]!, f: x.shape[1]! };
  }
  if (!Array.isArray(x)) throw new ValueError(`${who}: expected a Tensor [N, F] or an array of rows`);
  const n = x.length;
  const f = n ? x[0]!.length : 0;
  const data = new Float64Array(n * f);
  x.forEach((row, i) => {
    if (row.length !== f) throw new ShapeError(`${who}: row ${i} has ${row.length} values, expected ${f}`);
    for (let j = 0; j < f; j++) {
      const v = row[j]!;
      if (typeof v !== 'number') throw new ValueError(`${who}: row ${i} column ${j} is ${JSON.stringify(v)}, not a number`);
      data[i * f + j] = v;
    }
  });
  return { data, n, f };
}

function checkFinite(data: Float64Array, f: number, who: string): void {
  for (let k = 0; k < data.length; k++)
    if (!Number.isFinite(data[k]!))
      throw new ValueError(`${who}: input has a non-finite value ${data[k]} at row ${Math.floor(k / f)}, column ${k % f}`);
}

function out32(data: Float64Array, n: number, f: number): Tensor {
  return new Tensor(Float32Array.from(data), [n, f], 'float32');
}

function checkJson(json: unknown, type: string): Record<string, unknown> {
  if (!json || typeof json !== 'object' || (json as { type?: unknown }).type !== type)
    throw new FormatError(`${type}.fromJSON: expected an object with type "${type}"`, 'E_PREPROCESS_JSON');
  return json as Record<string, unknown>;
}

function numArray(v: unknown, who: string, name: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new FormatError(`${who}.fromJSON: ${name} must be an array of finite numbers`, 'E_PREPROCESS_JSON');
  return v as number[];
}

/** Common shape of the numeric scalers. */
abstract class NumericTransformer {
  protected abstract readonly who: string;
  protected abstract get nFeatures(): number | null;
  abstract fit(x: Tensor | readonly (readonly number[])[]): this;
  protected abstract apply(data: Float64Array, n: number, f: number, inverse: boolean): void;
  /** Whether `fit` has run. */
  get fitted(): boolean {
    return this.nFeatures !== null;
  }
  /** Apply the fitted transform: [N, F] → [N, F] float32. */
  transform(x: Tensor | readonly (readonly number[])[]): Tensor {
    return this.run(x, false, 'transform');
  }
  /** Undo the transform: [N, F] → [N, F] float32. */
  inverseTransform(x: Tensor | readonly (readonly number[])[]): Tensor {
    return this.run(x, true, 'inverseTransform');
  }
  /** `fit(x)` then `transform(x)`. */
  fitTransform(x: Tensor | readonly (readonly number[])[]): Tensor {
    return this.fit(x).transform(x);
  }
  private run(x: Tensor | readonly (readonly number[])[], inverse: boolean, method: string): Tensor {
    const nf = this.nFeatures;
    if (nf === null) throw notFitted(this.who, method);
    const { data, n, f } = toMatrix(x, `${this.who}.${method}`);
    if (f !== nf) throw new ShapeError(`${this.who}.${method}: input has ${f} features but the scaler was fitted on ${nf}`);
    this.apply(data, n, f, inverse);
    return out32(data, n, f);
  }
}

/**
 * Standardise features: z = (x − mean) / std, per column (scikit-learn's StandardScaler).
 * `std` is the population standard deviation (ddof 0); a constant column gets scale 1.
 *
 * ```ts
 * const scaler = new StandardScaler().fit(xTrain);   // xTrain: [N, F]
 * const xs = scaler.transform(xVal);                  // [M, F], train statistics
 * ```
 */
export class StandardScaler extends NumericTransformer {
  protected readonly who = 'StandardScaler';
  readonly withMean: boolean;
  readonly withStd: boolean;
  mean: number[] | null = null;
  scale: number[] | null = null;
  constructor(opts: { withMean?: boolean; withStd?: boolean } = {}) {
    super();
    checkOptionKeys('StandardScaler', opts, { withMean: true, withStd: true });
    this.withMean = opts.withMean ?? true;
    this.withStd = opts.withStd ?? true;
  }
  protected get nFeatures(): number | null {
    return this.mean ? this.mean.length : null;
  }
  /**
   * Learn each column's mean and standard deviation (population, like scikit-learn) from `x` [N, F].
   * @returns this, for chaining.
   * @throws ShapeError if `x` is not 2-D or has no rows.
   */
  fit(x: Tensor | readonly (readonly number[])[]): this {
    const { data, n, f } = toMatrix(x, 'StandardScaler.fit');
    if (n === 0) throw new ValueError('StandardScaler.fit: cannot fit on 0 samples');
    checkFinite(data, f, 'StandardScaler.fit');
    const mean = new Array<number>(f).fill(0);
    const m2 = new Array<number>(f).fill(0);
    // Welford's update per column: numerically stable
    for (let i = 0; i < n; i++)
      for (let j = 0; j < f; j++) {
        const v = data[i * f + j]!;
        const d = v - mean[j]!;
        mean[j]! += d / (i + 1);
        m2[j]! += d * (v - mean[j]!);
      }
    this.mean = mean;
    this.scale = m2.map((s) => {
      const sd = Math.sqrt(s / n);
      return sd > 0 && Number.isFinite(sd) ? sd : 1;
    });
    return this;
  }
  /** Standardise (or, with `inverse`, undo it) the row-major [n, f] values in place. */
  protected apply(data: Float64Array, n: number, f: number, inverse: boolean): void {
    const mean = this.withMean ? this.mean! : this.mean!.map(() => 0);
    const scale = this.withStd ? this.scale! : this.scale!.map(() => 1);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < f; j++) {
        const k = i * f + j;
        data[k] = inverse ? data[k]! * scale[j]! + mean[j]! : (data[k]! - mean[j]!) / scale[j]!;
      }
  }
  /** The fitted state as plain JSON; `StandardScaler.fromJSON` (or `preprocessorFromJSON`) restores it. */
  toJSON(): { type: 'StandardScaler'; withMean: boolean; withStd: boolean; mean: number[] | null; scale: number[] | null } {
    return { type: 'StandardScaler', withMean: this.withMean, withStd: this.withStd, mean: this.mean, scale: this.scale };
  }
  /**
   * Rebuild a scaler from `toJSON()` output.
   * @throws ValueError if `json` is not a StandardScaler's JSON.
   */
  static fromJSON(json: unknown): StandardScaler {
    const j = checkJson(json, 'StandardScaler');
    const s = new StandardScaler({ withMean: j.withMean !== false, withStd: j.withStd !== false });
    if (j.mean !== null && j.mean !== undefined) {
      s.mean = numArray(j.mean, 'StandardScaler', 'mean');
      s.scale = numArray(j.scale, 'StandardScaler', 'scale');
      if (s.scale.length !== s.mean.length)
        throw new FormatError('StandardScaler.fromJSON: mean and scale lengths differ', 'E_PREPROCESS_JSON');
    }
    return s;
  }
}

/**
 * Scale each feature to `featureRange` (default [0, 1]) using the training min and max
 * (scikit-learn's MinMaxScaler). A constant column maps to the range's lower end. With `clip`,
 * transformed values outside the range (unseen extremes) are clipped.
 */
export class MinMaxScaler extends NumericTransformer {
  protected readonly who = 'MinMaxScaler';
  readonly featureRange: [number, number];
  readonly clip: boolean;
  dataMin: number[] | null = null;
  dataMax: number[] | null = null;
  constructor(opts: { featureRange?: [number, number]; clip?: boolean } = {}) {
    super();
    checkOptionKeys('MinMaxScaler', opts, { featureRange: true, clip: true });
    const [lo, hi] = opts.featureRange ?? [0, 1];
    if (!(lo < hi) || !Number.isFinite(lo) || !Number.isFinite(hi))
      throw new ValueError(`MinMaxScaler: featureRange must be [min, max] with min < max, got [${lo}, ${hi}]`);
    this.featureRange = [lo, hi];
    this.clip = opts.clip ?? false;
  }
  protected get nFeatures(): number | null {
    return this.dataMin ? this.dataMin.length : null;
  }
  /**
   * Learn each column's minimum and maximum from `x` [N, F].
   * @returns this, for chaining.
   * @throws ShapeError if `x` is not 2-D or has no rows.
   */
  fit(x: Tensor | readonly (readonly number[])[]): this {
    const { data, n, f } = toMatrix(x, 'MinMaxScaler.fit');
    if (n === 0) throw new ValueError('MinMaxScaler.fit: cannot fit on 0 samples');
    checkFinite(data, f, 'MinMaxScaler.fit');
    const mn = new Array<number>(f).fill(Infinity);
    const mx = new Array<number>(f).fill(-Infinity);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < f; j++) {
        const v = data[i * f + j]!;
        if (v < mn[j]!) mn[j] = v;
        if (v > mx[j]!) mx[j] = v;
      }
    this.dataMin = mn;
    this.dataMax = mx;
    return this;
  }
  /** Scale to `featureRange` (or, with `inverse`, back) the row-major [n, f] values in place; clips when `clip` is set. */
  protected apply(data: Float64Array, n: number, f: number, inverse: boolean): void {
    const [lo, hi] = this.featureRange;
    for (let j = 0; j < f; j++) {
      const range = this.dataMax![j]! - this.dataMin![j]!;
      const scale = (hi - lo) / (range > 0 ? range : 1);
      const min = lo - this.dataMin![j]! * scale;
      for (let i = 0; i < n; i++) {
        const k = i * f + j;
        if (inverse) data[k] = (data[k]! - min) / scale;
        else {
          let v = data[k]! * scale + min;
          if (this.clip) v = Math.min(hi, Math.max(lo, v));
          data[k] = v;
        }
      }
    }
  }
  /** The fitted state as plain JSON; `MinMaxScaler.fromJSON` (or `preprocessorFromJSON`) restores it. */
  toJSON(): { type: 'MinMaxScaler'; featureRange: [number, number]; clip: boolean; dataMin: number[] | null; dataMax: number[] | null } {
    return { type: 'MinMaxScaler', featureRange: this.featureRange, clip: this.clip, dataMin: this.dataMin, dataMax: this.dataMax };
  }
  /**
   * Rebuild a scaler from `toJSON()` output.
   * @throws ValueError if `json` is not a MinMaxScaler's JSON.
   */
  static fromJSON(json: unknown): MinMaxScaler {
    const j = checkJson(json, 'MinMaxScaler');
    const fr = numArray(j.featureRange ?? [0, 1], 'MinMaxScaler', 'featureRange');
    const s = new MinMaxScaler({ featureRange: [fr[0]!, fr[1]!], clip: j.clip === true });
    if (j.dataMin !== null && j.dataMin !== undefined) {
      s.dataMin = numArray(j.dataMin, 'MinMaxScaler', 'dataMin');
      s.dataMax = numArray(j.dataMax, 'MinMaxScaler', 'dataMax');
      if (s.dataMin.length !== s.dataMax.length)
        throw new FormatError('MinMaxScaler.fromJSON: dataMin and dataMax lengths differ', 'E_PREPROCESS_JSON');
    }
    return s;
  }
}

/** Sort categories: numbers ascending before strings in code-point order (deterministic). */
function sortCategories(values: Iterable<Category>): Category[] {
  const nums: number[] = [];
  const strs: string[] = [];
  for (const v of values) (typeof v === 'number' ? nums : strs).push(v as never);
  nums.sort((a, b) => a - b);
  strs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...nums, ...strs];
}

function checkCategory(v: unknown, who: string, where: string): Category {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new ValueError(
    `${who}: ${where} is ${v === undefined ? 'missing' : JSON.stringify(v)}; categories must be strings or finite numbers`,
  );
}

/** Rows of categories: a single column (`string[]`), rows (`string[][]`), or an int tensor [N] / [N, F]. */
function toCategoryRows(x: Tensor | readonly Category[] | readonly (readonly Category[])[], who: string): Category[][] {
  if (x instanceof Tensor) {
    if (x.ndim !== 1 && x.ndim !== 2) throw new ShapeError(`${who}: expected [N] or [N, F], got ${fmtShape(x.shape)}`);
    const flat = Array.from(x.dataSync());
    const f = x.ndim === 1 ? 1 : x.shape[1]!;
    const rows: Category[][] = [];
    for (let i = 0; i < x.shape[0]!; i++) rows.push(flat.slice(i * f, (i + 1) * f));
    return rows;
  }
  if (!Array.isArray(x)) throw new ValueError(`${who}: expected an array of categories or of rows`);
  return (x as readonly unknown[]).map((r) => (Array.isArray(r) ? (r as Category[]).slice() : [r as Category]));
}

/**
 * Encode categorical features as one-hot columns (scikit-learn's OneHotEncoder).
 * Input: rows of categories ([N, F]) or a single column ([N]). Output: float32 [N, Σ categories].
 * Categories are learnt in `fit` (sorted: numbers ascending, then strings). An unseen category at
 * `transform` time is an error (`handleUnknown: 'error'`, default) or an all-zero block (`'ignore'`).
 */
export class OneHotEncoder {
  readonly handleUnknown: 'error' | 'ignore';
  categories: Category[][] | null = null;
  private lookup: Map<Category, number>[] | null = null;
  constructor(opts: { handleUnknown?: 'error' | 'ignore'; categories?: Category[][] } = {}) {
    checkOptionKeys('OneHotEncoder', opts, { handleUnknown: true, categories: true });
    const h = opts.handleUnknown ?? 'error';
    if (h !== 'error' && h !== 'ignore')
      throw new ValueError(`OneHotEncoder: handleUnknown must be 'error' or 'ignore', got ${JSON.stringify(h)}`);
    this.handleUnknown = h;
    if (opts.categories) this.setCategories(opts.categories.map((c) => c.slice()));
  }
  get fitted(): boolean {
    return this.categories !== null;
  }
  private setCategories(cats: Category[][]): void {
    this.categories = cats;
    this.lookup = cats.map((c) => new Map(c.map((v, i) => [v, i])));
  }
  /**
   * Learn the sorted categories of each column of `x` (a list is one column; rows of values are [N, F]).
   * @returns this, for chaining.
   */
  fit(x: Tensor | readonly Category[] | readonly (readonly Category[])[]): this {
    const rows = toCategoryRows(x, 'OneHotEncoder.fit');
    if (rows.length === 0) throw new ValueError('OneHotEncoder.fit: cannot fit on 0 samples');
    const f = rows[0]!.length;
    const sets = Array.from({ length: f }, () => new Set<Category>());
    rows.forEach((r, i) => {
      if (r.length !== f) throw new ShapeError(`OneHotEncoder.fit: row ${i} has ${r.length} values, expected ${f}`);
      r.forEach((v, j) => sets[j]!.add(checkCategory(v, 'OneHotEncoder.fit', `row ${i} column ${j}`)));
    });
    this.setCategories(sets.map((s) => sortCategories(s)));
    return this;
  }
  /** Number of output columns. */
  get nOutputs(): number {
    if (!this.categories) throw notFitted('OneHotEncoder', 'nOutputs');
    return this.categories.reduce((a, c) => a + c.length, 0);
  }
  /**
   * One-hot encode `x`: [N, F] categories → float32 [N, Σ categories per column].
   * @throws ValueError for a category not seen in `fit` (unless `handleUnknown: 'ignore'`, which gives all zeros).
   */
  transform(x: Tensor | readonly Category[] | readonly (readonly Category[])[]): Tensor {
    if (!this.categories) throw notFitted('OneHotEncoder', 'transform');
    const rows = toCategoryRows(x, 'OneHotEncoder.transform');
    const f = this.categories.length;
    const width = this.nOutputs;
    const out = new Float32Array(rows.length * width);
    rows.forEach((r, i) => {
      if (r.length !== f)
        throw new ShapeError(`OneHotEncoder.transform: row ${i} has ${r.length} values but the encoder was fitted on ${f} features`);
      let off = 0;
      r.forEach((v, j) => {
        const k = this.lookup![j]!.get(v);
        if (k === undefined) {
          if (this.handleUnknown === 'error')
            throw new ValueError(
              `OneHotEncoder.transform: unknown category ${JSON.stringify(v)} in feature ${j} (row ${i}); known: ${JSON.stringify(this.categories![j]!.slice(0, 20))}; use handleUnknown: 'ignore' to encode it as all zeros`,
              'E_UNKNOWN_CATEGORY',
            );
        } else out[i * width + off + k] = 1;
        off += this.categories![j]!.length;
      });
    });
    return new Tensor(out, [rows.length, width], 'float32');
  }
  /** `fit(x)` then `transform(x)`. */
  fitTransform(x: Tensor | readonly Category[] | readonly (readonly Category[])[]): Tensor {
    return this.fit(x).transform(x);
  }
  /** Back from one-hot rows to categories (the arg-max of each block; all-zero → null). */
  inverseTransform(y: Tensor): (Category | null)[][] {
    if (!this.categories) throw notFitted('OneHotEncoder', 'inverseTransform');
    if (y.ndim !== 2 || y.shape[1] !== this.nOutputs)
      throw new ShapeError(`OneHotEncoder.inverseTransform: expected [N, ${this.nOutputs}], got ${fmtShape(y.shape)}`);
    const d = y.dataSync();
    const w = this.nOutputs;
    const res: (Category | null)[][] = [];
    for (let i = 0; i < y.shape[0]!; i++) {
      let off = 0;
      res.push(
        this.categories.map((cats) => {
          let best = -1;
          for (let k = 0; k < cats.length; k++)
            if (d[i * w + off + k]! > 0 && (best < 0 || d[i * w + off + k]! > d[i * w + off + best]!)) best = k;
          off += cats.length;
          return best < 0 ? null : cats[best]!;
        }),
      );
    }
    return res;
  }
  /** Output column names: `${inputName}_${category}` (scikit-learn's get_feature_names_out). */
  getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    if (!this.categories) throw notFitted('OneHotEncoder', 'getFeatureNamesOut');
    const names = inputFeatures ?? this.categories.map((_, j) => `x${j}`);
    if (names.length !== this.categories.length)
      throw new ValueError(`OneHotEncoder.getFeatureNamesOut: ${names.length} names for ${this.categories.length} features`);
    return this.categories.flatMap((cats, j) => cats.map((c) => `${names[j]}_${c}`));
  }
  /** The learned categories as plain JSON; `OneHotEncoder.fromJSON` (or `preprocessorFromJSON`) restores them. */
  toJSON(): { type: 'OneHotEncoder'; handleUnknown: 'error' | 'ignore'; categories: Category[][] | null } {
    return { type: 'OneHotEncoder', handleUnknown: this.handleUnknown, categories: this.categories };
  }
  /**
   * Rebuild an encoder from `toJSON()` output.
   * @throws ValueError if `json` is not a OneHotEncoder's JSON.
   */
  static fromJSON(json: unknown): OneHotEncoder {
    const j = checkJson(json, 'OneHotEncoder');
    const e = new OneHotEncoder({ handleUnknown: j.handleUnknown === 'ignore' ? 'ignore' : 'error' });
    if (j.categories !== null && j.categories !== undefined) {
      if (
        !Array.isArray(j.categories) ||
        !j.categories.every(
          (c) => Array.isArray(c) && c.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))),
        )
      )
        throw new FormatError('OneHotEncoder.fromJSON: categories must be arrays of strings/numbers', 'E_PREPROCESS_JSON');
      e.setCategories(j.categories as Category[][]);
    }
    return e;
  }
}

/**
 * Encode labels as integers 0..K−1 (scikit-learn's LabelEncoder): `classes` are the sorted distinct
 * labels, `transform` gives an int32 tensor [N], `inverseTransform` gives the labels back.
 */
export class LabelEncoder {
  classes: Category[] | null = null;
  private lookup: Map<Category, number> | null = null;
  get fitted(): boolean {
    return this.classes !== null;
  }
  private setClasses(c: Category[]): void {
    this.classes = c;
    this.lookup = new Map(c.map((v, i) => [v, i]));
  }
  /**
   * Learn the sorted distinct labels; label `classes[k]` becomes code k.
   * @returns this, for chaining.
   */
  fit(labels: readonly Category[] | Tensor): this {
    if (!(labels instanceof Tensor) && !Array.isArray(labels))
      throw new ValueError(
        `LabelEncoder.fit: expected an array of labels or a 1-D Tensor, got ${labels === null ? 'null' : typeof labels}`,
      );
    const arr = labels instanceof Tensor ? Array.from(labels.dataSync()) : labels;
    if (arr.length === 0) throw new ValueError('LabelEncoder.fit: cannot fit on 0 labels');
    const set = new Set<Category>();
    arr.forEach((v, i) => set.add(checkCategory(v, 'LabelEncoder.fit', `label ${i}`)));
    this.setClasses(sortCategories(set));
    return this;
  }
  /**
   * Labels → int32 codes [N].
   * @throws ValueError for a label not seen in `fit`.
   */
  transform(labels: readonly Category[] | Tensor): Tensor {
    if (!this.classes) throw notFitted('LabelEncoder', 'transform');
    const arr = labels instanceof Tensor ? Array.from(labels.dataSync()) : labels;
    const out = new Int32Array(arr.length);
    arr.forEach((v, i) => {
      const k = this.lookup!.get(v);
      if (k === undefined)
        throw new ValueError(
          `LabelEncoder.transform: label ${JSON.stringify(v)} at position ${i} was not seen in fit; known classes: ${JSON.stringify(this.classes!.slice(0, 20))}`,
          'E_UNKNOWN_LABEL',
        );
      out[i] = k;
    });
    return new Tensor(out, [arr.length], 'int32');
  }
  /** `fit(labels)` then `transform(labels)`. */
  fitTransform(labels: readonly Category[] | Tensor): Tensor {
    return this.fit(labels).transform(labels);
  }
  /**
   * Codes → the original labels.
   * @throws ValueError for a code outside 0..classes.length−1.
   */
  inverseTransform(codes: Tensor | readonly number[]): Category[] {
    if (!this.classes) throw notFitted('LabelEncoder', 'inverseTransform');
    const arr = codes instanceof Tensor ? Array.from(codes.dataSync()) : codes;
    return arr.map((k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= this.classes!.length)
        throw new ValueError(
          `LabelEncoder.inverseTransform: code ${k} at position ${i} is outside 0..${this.classes!.length - 1}`,
          'E_UNKNOWN_LABEL',
        );
      return this.classes![k]!;
    });
  }
  /** The learned classes as plain JSON; `LabelEncoder.fromJSON` (or `preprocessorFromJSON`) restores them. */
  toJSON(): { type: 'LabelEncoder'; classes: Category[] | null } {
    return { type: 'LabelEncoder', classes: this.classes };
  }
  /**
   * Rebuild an encoder from `toJSON()` output.
   * @throws ValueError if `json` is not a LabelEncoder's JSON.
   */
  static fromJSON(json: unknown): LabelEncoder {
    const j = checkJson(json, 'LabelEncoder');
    const e = new LabelEncoder();
    if (j.classes !== null && j.classes !== undefined) {
      if (!Array.isArray(j.classes) || !j.classes.every((v) => typeof v === 'string' || typeof v === 'number'))
        throw new FormatError('LabelEncoder.fromJSON: classes must be an array of strings/numbers', 'E_PREPROCESS_JSON');
      e.setClasses(j.classes as Category[]);
    }
    return e;
  }
}

/** A transformer a ColumnTransformer can hold. */
export type ColumnTransformerPart = StandardScaler | MinMaxScaler | OneHotEncoder | 'passthrough';

/** One part of a ColumnTransformer: the named `transformer` applied to the table's `columns`. */
export interface ColumnSpec {
  /** Prefix of the output feature names (`${name}__${feature}`). */
  name: string;
  transformer: ColumnTransformerPart;
  columns: readonly string[];
}

/**
 * Apply a transformer per group of table columns and concatenate the results (scikit-learn's
 * ColumnTransformer): typically numeric columns scaled, categorical columns one-hot encoded.
 * Input: a column-oriented `Table`; output: float32 [N, features]. Columns not listed are dropped.
 *
 * ```ts
 * const ct = new ColumnTransformer([
 *   { name: 'num', transformer: new StandardScaler(), columns: ['area', 'rooms'] },
 *   { name: 'cat', transformer: new OneHotEncoder({ handleUnknown: 'ignore' }), columns: ['city'] },
 * ]).fit(trainTable);
 * const x = ct.transform(testTable);   // [N, 2 + #cities]
 * ct.getFeatureNamesOut();             // ['num__area', 'num__rooms', 'cat__city_Paris', …]
 * ```
 */
export class ColumnTransformer {
  readonly specs: readonly ColumnSpec[];
  private isFitted = false;
  constructor(specs: readonly (ColumnSpec | readonly [string, ColumnTransformerPart, readonly string[]])[]) {
    if (!Array.isArray(specs) || specs.length === 0)
      throw new ValueError('ColumnTransformer: expected a non-empty list of { name, transformer, columns }');
    this.specs = specs.map((s) => (Array.isArray(s) ? { name: s[0], transformer: s[1], columns: s[2] } : (s as ColumnSpec)));
    const names = new Set<string>();
    for (const s of this.specs) {
      if (names.has(s.name)) throw new ValueError(`ColumnTransformer: duplicate transformer name ${JSON.stringify(s.name)}`);
      names.add(s.name);
      if (!s.columns.length) throw new ValueError(`ColumnTransformer: transformer ${JSON.stringify(s.name)} has no columns`);
    }
  }
  get fitted(): boolean {
    return this.isFitted;
  }
  private rows(table: Table, spec: ColumnSpec, who: string): { n: number; numeric: number[][] | null; cats: Category[][] | null } {
    const cols = spec.columns.map((c) => {
      const v = Object.prototype.hasOwnProperty.call(table, c) ? table[c] : undefined;
      if (v === undefined)
        throw new ValueError(
          `${who}: column ${JSON.stringify(c)} (transformer ${JSON.stringify(spec.name)}) is not in the table; columns: ${JSON.stringify(Object.keys(table))}`,
          'E_NO_COLUMN',
        );
      return v;
    });
    const n = cols[0]!.length;
    cols.forEach((c, k) => {
      if (c.length !== n) throw new ShapeError(`${who}: column ${JSON.stringify(spec.columns[k])} has ${c.length} values, expected ${n}`);
    });
    if (spec.transformer instanceof OneHotEncoder) {
      const cats: Category[][] = [];
      for (let i = 0; i < n; i++) cats.push(cols.map((c) => (c as ArrayLike<Category>)[i]!));
      return { n, numeric: null, cats };
    }
    const numeric: number[][] = [];
    for (let i = 0; i < n; i++)
      numeric.push(
        cols.map((c, k) => {
          const v = (c as ArrayLike<unknown>)[i];
          if (typeof v !== 'number')
            throw new ValueError(
              `${who}: column ${JSON.stringify(spec.columns[k])} row ${i} is ${JSON.stringify(v)}; numeric transformers need numbers (one-hot encode categorical columns)`,
            );
          return v;
        }),
      );
    return { n, numeric, cats: null };
  }
  /**
   * Fit every part on its columns of `table`.
   * @returns this, for chaining.
   * @throws ValueError if a named column is missing from the table.
   */
  fit(table: Table): this {
    for (const s of this.specs) {
      const { numeric, cats } = this.rows(table, s, 'ColumnTransformer.fit');
      if (s.transformer === 'passthrough') continue;
      if (s.transformer instanceof OneHotEncoder) s.transformer.fit(cats!);
      else s.transformer.fit(numeric!);
    }
    this.isFitted = true;
    return this;
  }
  /**
   * Transform `table` with every fitted part and concatenate the outputs: float32 [N, total output features], in spec order.
   * @throws ValueError if called before `fit` or a column is missing.
   */
  transform(table: Table): Tensor {
    if (!this.isFitted) throw notFitted('ColumnTransformer', 'transform');
    const parts: { data: Float32Array; w: number }[] = [];
    let n = -1;
    for (const s of this.specs) {
      const r = this.rows(table, s, 'ColumnTransformer.transform');
      if (n >= 0 && r.n !== n) throw new ShapeError(`ColumnTransformer.transform: columns have different lengths (${n} and ${r.n})`);
      n = r.n;
      let t: Tensor;
      if (s.transformer === 'passthrough') t = new Tensor(Float32Array.from(r.numeric!.flat()), [r.n, s.columns.length], 'float32');
      else if (s.transformer instanceof OneHotEncoder) t = s.transformer.transform(r.cats!);
      else t = s.transformer.transform(r.numeric!);
      parts.push({ data: t.dataSync() as Float32Array, w: t.shape[1]! });
    }
    const width = parts.reduce((a, p) => a + p.w, 0);
    const out = new Float32Array(n * width);
    let off = 0;
    for (const p of parts) {
      for (let i = 0; i < n; i++) out.set(p.data.subarray(i * p.w, (i + 1) * p.w), i * width + off);
      off += p.w;
    }
    return new Tensor(out, [n, width], 'float32');
  }
  /** `fit(table)` then `transform(table)`. */
  fitTransform(table: Table): Tensor {
    return this.fit(table).transform(table);
  }
  /** Output column names, `${name}__${feature}` (one-hot: `${name}__${column}_${category}`). */
  getFeatureNamesOut(): string[] {
    if (!this.isFitted) throw notFitted('ColumnTransformer', 'getFeatureNamesOut');
    return this.specs.flatMap((s) =>
      (s.transformer instanceof OneHotEncoder ? s.transformer.getFeatureNamesOut(s.columns) : s.columns.slice()).map(
        (f) => `${s.name}__${f}`,
      ),
    );
  }
  /** The specs and fitted parts as plain JSON; `ColumnTransformer.fromJSON` (or `preprocessorFromJSON`) restores them. */
  toJSON(): { type: 'ColumnTransformer'; fitted: boolean; specs: { name: string; columns: string[]; transformer: unknown }[] } {
    return {
      type: 'ColumnTransformer',
      fitted: this.isFitted,
      specs: this.specs.map((s) => ({
        name: s.name,
        columns: s.columns.slice(),
        transformer: s.transformer === 'passthrough' ? 'passthrough' : s.transformer.toJSON(),
      })),
    };
  }
  /**
   * Rebuild a transformer from `toJSON()` output.
   * @throws ValueError if `json` is not a ColumnTransformer's JSON.
   */
  static fromJSON(json: unknown): ColumnTransformer {
    const j = checkJson(json, 'ColumnTransformer');
    if (!Array.isArray(j.specs)) throw new FormatError('ColumnTransformer.fromJSON: specs must be an array', 'E_PREPROCESS_JSON');
    const ct = new ColumnTransformer(
      (j.specs as { name: unknown; columns: unknown; transformer: unknown }[]).map((s) => {
        if (typeof s?.name !== 'string' || !Array.isArray(s.columns) || !s.columns.every((c) => typeof c === 'string'))
          throw new FormatError('ColumnTransformer.fromJSON: each spec needs a string name and string columns', 'E_PREPROCESS_JSON');
        const t = s.transformer === 'passthrough' ? 'passthrough' : preprocessorFromJSON(s.transformer);
        if (t instanceof LabelEncoder || t instanceof ColumnTransformer)
          throw new FormatError(`ColumnTransformer.fromJSON: unsupported part ${t.constructor.name}`, 'E_PREPROCESS_JSON');
        return { name: s.name, columns: s.columns as string[], transformer: t };
      }),
    );
    ct.isFitted = j.fitted === true;
    return ct;
  }
}

/** Rebuild any preprocessing object from its `toJSON()` output (dispatches on `type`). */
export function preprocessorFromJSON(json: unknown): StandardScaler | MinMaxScaler | OneHotEncoder | LabelEncoder | ColumnTransformer {
  const type = (json as { type?: unknown } | null)?.type;
  switch (type) {
    case 'StandardScaler':
      return StandardScaler.fromJSON(json);
    case 'MinMaxScaler':
      return MinMaxScaler.fromJSON(json);
    case 'OneHotEncoder':
      return OneHotEncoder.fromJSON(json);
    case 'LabelEncoder':
      return LabelEncoder.fromJSON(json);
    case 'ColumnTransformer':
      return ColumnTransformer.fromJSON(json);
    default:
      throw new FormatError(`preprocessorFromJSON: unknown type ${JSON.stringify(type)}`, 'E_PREPROCESS_JSON');
  }
}
