/**
 * CSV → typed columns → tensors. The tokenizer is csv-parse (quotes, delimiters, BOM, record-size
 * cap); this module adds what it does not do: header checks, column typing, strict numbers, a
 * missing-value policy, and typed errors with file/line/column.
 *
 * Strict numbers: a numeric cell must match `[+-]digits[.digits][e±digits]` (surrounding spaces
 * allowed). `"12abc"`, `"0x1F"`, `"Infinity"` are errors (E_CSV_NUMBER); `"1e999"` (overflows
 * float64) is an error (E_CSV_NUMBER_RANGE); `""`, `"NA"`, `"NaN"`, `"null"`… are *missing* values
 * (configurable `naValues`), handled by the `missing` policy — `'error'` (default), `'drop'` (drop
 * the row), `{ fill: v }`, or `'mean'` (numeric: the column mean; text: the most frequent value).
 * No value silently becomes NaN or Infinity. An undeclared column is numeric when more than half of
 * its non-missing cells in the first `inferRows` rows are numbers, so one stray token ("12abc",
 * "inf") in a numeric column is an error naming its line and column, not a categorical column.
 *
 * Isomorphic: `parseCsv` takes a string or bytes. `loadCsv(path)` (csv-node.ts) streams a file.
 */
// The browser ESM build of csv-parse: plain ESM with its own Buffer shim, so importing this module
// (and `backprop`) works in browsers. csv-parse's Node build touches `Buffer` at import time.
// `loadCsv` streams files through the (faster) Node build, imported lazily.
import { parse as parseSync } from 'csv-parse/browser/esm/sync';
import { FormatError, ValueError, type Location } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from './dataset.js';
import { LabelEncoder, type Table } from './preprocessing.js';
import { checkOptionKeys, optionKeys } from '../core/options.js';

/** Declared type of a CSV column: `'number'` (float64), `'int'`, `'string'` or `'bool'`. */
export type CsvColumnType = 'number' | 'int' | 'string' | 'bool';
/** What `readCsv` does with a missing cell: `'error'` (throw, naming row and column), `'drop'` the row, fill with the column `'mean'`, or `{ fill }` a value (one for all columns, or per column name). */
export type MissingPolicy = 'error' | 'drop' | 'mean' | { fill: number | string | Readonly<Record<string, number | string>> };

/** Options of `readCsv`/`parseCsv`; unknown keys throw a `ValueError`. */
export interface CsvOptions {
  /** The first record names the columns (default true). Without a header, columns are `names` or c0, c1, … */
  header?: boolean;
  /** Column names when `header` is false. */
  names?: readonly string[];
  /** Field delimiter (default ','). */
  delimiter?: string;
  /** Declared column types; undeclared columns are inferred from the first `inferRows` rows. */
  columns?: Readonly<Record<string, CsvColumnType>>;
  /** What to do with missing values (default 'error'). */
  missing?: MissingPolicy;
  /** Cell texts that mean "missing" (compared after trimming spaces). Default: '', NA, N/A, NaN, nan, null, NULL, None. */
  naValues?: readonly string[];
  /** Rows used to infer undeclared column types (default 1000). A later cell that does not fit is an error. */
  inferRows?: number;
  /** Largest record in characters (default 1 MiB): a runaway quote cannot swallow the file. */
  maxRecordSize?: number;
  /** Most columns (default 10,000). */
  maxColumns?: number;
  /** Most data rows (default 50,000,000). */
  maxRows?: number;
  /** File name used in error locations. */
  file?: string;
}

/** Every key of `CsvOptions` (checked exhaustive at compile time): the readers refuse any other. */
export const CSV_OPTION_KEYS = optionKeys<CsvOptions>()({
  header: true,
  names: true,
  delimiter: true,
  columns: true,
  missing: true,
  naValues: true,
  inferRows: true,
  maxRecordSize: true,
  maxColumns: true,
  maxRows: true,
  file: true,
});

const DEFAULT_NA = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'];
/** `obj[key]` for an own property only: user strings (column names) never reach the prototype. */
const own = <V>(obj: Readonly<Record<string, V>> | undefined, key: string): V | undefined =>
  obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const F32_MAX = 3.4028234663852886e38;

/** One parsed CSV column: numbers as a Float64Array, text as strings. */
export type ColumnData = Float64Array | string[];

/** The result of reading a CSV: named, typed columns of equal length. */
export class CsvTable {
  /** Column names in file order. */
  readonly names: readonly string[];
  /** Type of each column. */
  readonly types: Readonly<Record<string, CsvColumnType>>;
  /** Column data: Float64Array for number/int/bool (bool as 0/1), string[] for string. */
  readonly columns: Readonly<Record<string, ColumnData>>;
  /** Source line of each row (for messages). */
  readonly lines: Int32Array;
  /** Rows dropped by `missing: 'drop'`. */
  readonly droppedRows: number;
  readonly file: string | undefined;

  constructor(
    names: string[],
    types: Record<string, CsvColumnType>,
    columns: Record<string, ColumnData>,
    lines: Int32Array,
    droppedRows: number,
    file?: string,
  ) {
    this.names = names;
    this.types = types;
    this.columns = columns;
    this.lines = lines;
    this.droppedRows = droppedRows;
    this.file = file;
  }

  /** Number of data rows. */
  get length(): number {
    return this.lines.length;
  }

  /** One column's values. */
  column(name: string): ColumnData {
    const c = own(this.columns, name);
    if (!c)
      throw new ValueError(`CsvTable: no column ${JSON.stringify(name)}; columns are ${JSON.stringify(this.names)}`, 'E_CSV_NO_COLUMN');
    return c;
  }

  /** The columns as a `Table` (input to ColumnTransformer). */
  toTable(): Table {
    return Object.assign(Object.create(null) as Table, this.columns);
  }

  /**
   * Feature and target tensors.
   * - `x`: float32 [N, F] from `features` (default: every column but the target); features must be
   *   numeric or bool — one-hot encode text columns with a ColumnTransformer first.
   * - `y`: for classification (default when the target is a string/int/bool column, or with
   *   `classification: true`) int32 [N] class ids 0..K−1 with `classes` (sorted labels); otherwise
   *   float32 [N].
   */
  toTensors(opts: { target?: string; features?: readonly string[]; classification?: boolean } = {}): {
    x: Tensor;
    y: Tensor | null;
    featureNames: string[];
    classes: (string | number)[] | null;
  } {
    checkOptionKeys('CsvTable.toTensors', opts, { target: true, features: true, classification: true });
    const { target } = opts;
    if (target !== undefined) this.column(target);
    const featureNames = opts.features ? opts.features.slice() : this.names.filter((n) => n !== target);
    const n = this.length;
    const f = featureNames.length;
    const x = new Float32Array(n * f);
    featureNames.forEach((name, j) => {
      const col = this.column(name);
      if (!(col instanceof Float64Array))
        throw new ValueError(
          `CsvTable.toTensors: feature column ${JSON.stringify(name)} holds text (e.g. ${JSON.stringify(col[0])}); encode it with OneHotEncoder / ColumnTransformer, or leave it out with features: [...]`,
          'E_CSV_TEXT_FEATURE',
        );
      for (let i = 0; i < n; i++) {
        const v = col[i]!;
        if (Math.abs(v) > F32_MAX)
          throw new FormatError(`CSV: value ${v} in column ${JSON.stringify(name)} does not fit in float32`, 'E_CSV_FLOAT32_RANGE', {
            file: this.file,
            line: this.lines[i],
            column: this.names.indexOf(name) + 1,
          });
        x[i * f + j] = v;
      }
    });
    let y: Tensor | null = null;
    let classes: (string | number)[] | null = null;
    if (target !== undefined) {
      const col = this.column(target);
      const type = this.types[target]!;
      const cls = opts.classification ?? type !== 'number';
      if (cls) {
        const enc = new LabelEncoder().fit(col instanceof Float64Array ? Array.from(col) : col);
        y = enc.transform(col instanceof Float64Array ? Array.from(col) : col);
        classes = enc.classes;
      } else {
        if (!(col instanceof Float64Array))
          throw new ValueError(
            `CsvTable.toTensors: target ${JSON.stringify(target)} holds text; use classification: true`,
            'E_CSV_TEXT_FEATURE',
          );
        y = new Tensor(Float32Array.from(col), [n], 'float32');
      }
    }
    return { x: new Tensor(x, [n, f], 'float32'), y, featureNames, classes };
  }

  /** `new TensorDataset(x, y)` from `toTensors(opts)` (target required). */
  toDataset(opts: { target: string; features?: readonly string[]; classification?: boolean }): TensorDataset {
    checkOptionKeys('CsvTable.toDataset', opts, { target: true, features: true, classification: true });
    const { x, y } = this.toTensors(opts);
    return new TensorDataset(x, y!);
  }
}

function loc(file: string | undefined, line?: number, column?: number, offset?: number): Location {
  const l: Location = {};
  if (file !== undefined) l.file = file;
  if (line !== undefined) l.line = line;
  if (column !== undefined) l.column = column;
  if (offset !== undefined) l.offset = offset;
  return l;
}

/**
 * Validate UTF-8. Returns the offset of the first invalid byte (-1 if none) and, when `final` is
 * false, where an incomplete trailing sequence starts (so a stream can carry it to the next chunk).
 */
export function checkUtf8(b: Uint8Array, final = true): { invalidAt: number; incompleteFrom: number } {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return { invalidAt: i, incompleteFrom: -1 };
    if (i + need >= n) {
      // the sequence runs past the end of the buffer
      for (let k = i + 1; k < n; k++) if ((b[k]! & 0xc0) !== 0x80) return { invalidAt: k, incompleteFrom: -1 };
      return final ? { invalidAt: i, incompleteFrom: -1 } : { invalidAt: -1, incompleteFrom: i };
    }
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k]!;
      if ((d & 0xc0) !== 0x80) return { invalidAt: i + k, incompleteFrom: -1 };
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return { invalidAt: i, incompleteFrom: -1 };
    i += need + 1;
  }
  return { invalidAt: -1, incompleteFrom: -1 };
}

/**
 * Map a csv-parse error to a FormatError with a stable code. `startLine` is the first line of the
 * record that failed (csv-parse reports where it stopped, e.g. the end of the file for an unclosed
 * quote); the column is the failing field's position.
 */
export function fromCsvParseError(e: unknown, file: string | undefined, startLine?: number): unknown {
  const err = e as { code?: string; message?: string; lines?: number; index?: number };
  if (!err || typeof err.code !== 'string' || !(err.code.startsWith('CSV_') || err.code === 'INVALID_OPENING_QUOTE')) return e;
  const line = startLine ?? (typeof err.lines === 'number' ? err.lines : undefined);
  const column = typeof err.index === 'number' ? err.index + 1 : undefined;
  const map: Record<string, [`E_${string}`, string]> = {
    CSV_QUOTE_NOT_CLOSED: ['E_CSV_UNCLOSED_QUOTE', 'CSV: a quoted field is never closed (missing ")'],
    CSV_INVALID_CLOSING_QUOTE: ['E_CSV_BAD_QUOTE', 'CSV: unexpected character after a closing quote'],
    INVALID_OPENING_QUOTE: [
      'E_CSV_BAD_QUOTE',
      'CSV: a quote inside an unquoted field (quote the whole field and double inner quotes: "2""3")',
    ],
    CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: ['E_CSV_BAD_QUOTE', 'CSV: unexpected character after a closing quote'],
    CSV_MAX_RECORD_SIZE: ['E_CSV_RECORD_TOO_LARGE', 'CSV: a record exceeds maxRecordSize (a runaway quote, or raise maxRecordSize)'],
  };
  if (err.code.startsWith('CSV_INVALID_OPTION') || err.code === 'CSV_INVALID_ARGUMENT' || err.code.startsWith('CSV_OPTION'))
    return new ValueError(`CSV: invalid option: ${err.message}`, 'E_CSV_OPTION');
  const [code, msg] = map[err.code] ?? ['E_CSV_PARSE' as const, `CSV: ${err.message ?? err.code}`];
  return new FormatError(msg, code, loc(file, line, code === 'E_CSV_RECORD_TOO_LARGE' ? undefined : column));
}

/** Records csv-parse completed before an error (its `records` count), or undefined. */
export function csvErrorRecords(e: unknown): number | undefined {
  const r = (e as { records?: unknown } | null)?.records;
  return typeof r === 'number' && Number.isInteger(r) && r >= 0 ? r : undefined;
}

/** The first line of record number `records` (0-based) of `text`, counting line breaks in fields. */
export function lineOfRecord(text: string, records: number, opts: Record<string, unknown>): number | undefined {
  if (records === 0) return 1;
  try {
    const done = parseSync(text, { ...opts, to: records }) as string[][];
    let line = 1;
    for (const rec of done) {
      for (const f of rec) if (f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) line += f.match(/\r\n|\r|\n/g)!.length;
      line++;
    }
    return line;
  } catch {
    return undefined;
  }
}

/**
 * Incremental CSV table builder: receives tokenised records with their line numbers. Shared by
 * the synchronous parser and the file streamer.
 */
export class CsvBuilder {
  private readonly o: Required<Omit<CsvOptions, 'file' | 'names' | 'columns'>> & Pick<CsvOptions, 'file' | 'names' | 'columns'>;
  private readonly na: Set<string>;
  private names: string[] | null = null;
  private types: CsvColumnType[] = [];
  private pending: { rec: string[]; line: number }[] = [];
  private decided = false;
  private nums: number[][] = [];
  private strs: (string | null)[][] = [];
  private rowLines: number[] = [];
  private missingRows = new Set<number>();
  private sawRecord = false;

  constructor(opts: CsvOptions = {}) {
    checkOptionKeys('CsvBuilder', opts, CSV_OPTION_KEYS);
    this.o = {
      header: opts.header ?? true,
      names: opts.names,
      delimiter: opts.delimiter ?? ',',
      columns: opts.columns,
      missing: opts.missing ?? 'error',
      naValues: opts.naValues ?? DEFAULT_NA,
      inferRows: opts.inferRows ?? 1000,
      maxRecordSize: opts.maxRecordSize ?? 1 << 20,
      maxColumns: opts.maxColumns ?? 10_000,
      maxRows: opts.maxRows ?? 50_000_000,
      file: opts.file,
    };
    const m = this.o.missing;
    if (!(m === 'error' || m === 'drop' || m === 'mean' || (typeof m === 'object' && m !== null && 'fill' in m)))
      throw new ValueError(`CSV: missing must be 'error', 'drop', 'mean' or { fill: value }, got ${JSON.stringify(m)}`, 'E_CSV_OPTION');
    if (typeof this.o.delimiter !== 'string' || this.o.delimiter.length === 0 || /["\r\n]/.test(this.o.delimiter))
      throw new ValueError(
        `CSV: delimiter must be a non-empty string without quotes or newlines, got ${JSON.stringify(this.o.delimiter)}`,
        'E_CSV_OPTION',
      );
    for (const t of Object.values(this.o.columns ?? {}))
      if (!['number', 'int', 'string', 'bool'].includes(t))
        throw new ValueError(`CSV: unknown column type ${JSON.stringify(t)}; use number, int, string or bool`, 'E_CSV_OPTION');
    this.na = new Set(this.o.naValues);
  }

  /** Options for csv-parse. */
  parserOptions(): Record<string, unknown> {
    // No `info: true`: it copies an info object per record (≈3× slower); lines are counted in pushRecord.
    return {
      bom: true,
      delimiter: this.o.delimiter,
      relax_column_count: true,
      skip_empty_lines: false,
      max_record_size: this.o.maxRecordSize,
    };
  }

  private nextLine = 1;
  /** Records received so far (blank lines included), and the line the next one starts on. */
  recordsSeen = 0;
  get currentLine(): number {
    return this.nextLine;
  }

  /**
   * Feed the next record from csv-parse, in file order. Tracks the source line (the record's first
   * line: line breaks inside quoted fields are counted) and skips blank lines.
   */
  pushRecord(rec: string[]): void {
    this.recordsSeen++;
    const line = this.nextLine;
    let breaks = 0;
    for (let k = 0; k < rec.length; k++) {
      const f = rec[k]!;
      if (f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) breaks += f.match(/\r\n|\r|\n/g)!.length;
    }
    this.nextLine = line + breaks + 1;
    if (rec.length === 1 && rec[0]!.trim() === '') {
      // A blank line. With one column it may be an empty value ("" quoted): keep it as a missing
      // value unless only blank lines follow (trailing blank lines are ignored).
      if (this.names && this.names.length === 1) this.blankLines.push(line);
      return;
    }
    for (const l of this.blankLines) this.push([''], l);
    this.blankLines.length = 0;
    this.push(rec, line);
  }
  private blankLines: number[] = [];
  private tail = '';

  /** Show the builder the raw text as it streams (only the last few KiB are kept) so it can tell
   *  trailing blank lines from trailing quoted empty values ("") in one-column files. */
  noteText(chunk: string): void {
    this.tail = (this.tail + chunk).slice(-4096);
  }

  /** Number of whitespace-only lines at the end of the text (before the final line break). */
  private trailingBlankLines(): number {
    const lines = this.tail.split(/\r\n|\r|\n/);
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    let k = 0;
    for (let i = lines.length - 1; i >= 0 && lines[i]!.trim() === ''; i--) k++;
    return k;
  }

  private err(code: `E_${string}`, msg: string, line?: number, column?: number): FormatError {
    return new FormatError(`CSV: ${msg}`, code, loc(this.o.file, line, column));
  }

  /** Feed one record (fields) ending at source line `line`. */
  push(rec: string[], line: number): void {
    if (rec.length > this.o.maxColumns)
      throw this.err('E_CSV_TOO_MANY_COLUMNS', `${rec.length} fields exceed maxColumns ${this.o.maxColumns}`, line, this.o.maxColumns + 1);
    if (!this.sawRecord) {
      this.sawRecord = true;
      if (this.o.header) {
        this.setHeader(rec, line);
        return;
      }
      const names = this.o.names ? this.o.names.slice() : rec.map((_, i) => `c${i}`);
      this.setHeader(names, 0);
    }
    const names = this.names!;
    if (rec.length !== names.length)
      throw this.err(
        'E_CSV_RAGGED',
        `row has ${rec.length} fields but the header has ${names.length} (${rec.length < names.length ? `missing ${JSON.stringify(names[rec.length])}` : 'extra fields'})`,
        line,
        Math.min(rec.length, names.length) + 1,
      );
    if (this.rowLines.length + this.pending.length + this.emitted >= this.o.maxRows)
      throw this.err('E_CSV_TOO_MANY_ROWS', `more than maxRows ${this.o.maxRows} rows`, line);
    if (!this.decided && this.allDeclared) this.decide();
    if (this.decided) this.store(rec, line);
    else {
      this.pending.push({ rec, line });
      if (this.pending.length >= this.o.inferRows) this.decide();
    }
  }

  private setHeader(rec: string[], line: number): void {
    const names = rec.map((s) => s.trim());
    if (names.every((s) => s === ''))
      throw this.err(
        names.length <= 1 ? 'E_CSV_EMPTY' : 'E_CSV_EMPTY_HEADER',
        names.length <= 1 ? 'the file has no data (blank header line)' : 'every header name is empty',
        line,
        1,
      );
    const seen = new Map<string, number>();
    names.forEach((n, i) => {
      if (n === '') throw this.err('E_CSV_EMPTY_HEADER', `header field ${i + 1} is empty; every column needs a name`, line, i + 1);
      if (seen.has(n))
        throw this.err(
          'E_CSV_DUPLICATE_HEADER',
          `duplicate column name ${JSON.stringify(n)} (columns ${seen.get(n)! + 1} and ${i + 1})`,
          line,
          i + 1,
        );
      seen.set(n, i);
    });
    for (const c of Object.keys(this.o.columns ?? {}))
      if (!seen.has(c))
        throw this.err(
          'E_CSV_NO_COLUMN',
          `declared column ${JSON.stringify(c)} is not in the header ${JSON.stringify(names.slice(0, 50))}`,
          line,
        );
    this.names = names;
    this.nums = names.map(() => []);
    this.strs = names.map(() => []);
  }

  private isMissing(cell: string): boolean {
    return this.na.has(cell.trim());
  }

  private decide(): void {
    const names = this.names!;
    this.types = names.map((name, j) => {
      const declared = own(this.o.columns, name);
      if (declared) return declared;
      let nums = 0;
      let count = 0;
      let allBool = true;
      for (const { rec } of this.pending) {
        const cell = rec[j]!;
        if (this.isMissing(cell)) continue;
        count++;
        const t = cell.trim();
        if (NUMBER_RE.test(t)) nums++;
        if (!/^(true|false)$/i.test(t)) allBool = false;
      }
      // a column that is mostly numbers is numeric: its stray tokens ("12abc", "inf") are then errors
      // naming row and column, instead of silently turning the whole column categorical
      if (count === 0 || nums * 2 > count) return 'number';
      return allBool ? 'bool' : 'string';
    });
    this.decided = true;
    const p = this.pending;
    this.pending = [];
    for (const { rec, line } of p) this.store(rec, line);
  }

  /** Typed value of one cell; null when missing (and the policy allows it). */
  private parseCell(cell: string, j: number, line: number): number | string | null {
    const type = this.types[j]!;
    if (this.isMissing(cell)) {
      if (this.o.missing === 'error')
        throw this.err(
          'E_CSV_MISSING',
          `missing value ${JSON.stringify(cell)} in column ${JSON.stringify(this.names![j])}; choose a policy: missing: 'drop' | 'mean' | { fill: value }`,
          line,
          j + 1,
        );
      return null;
    }
    if (type === 'string') return cell;
    const t = cell.trim();
    if (type === 'bool') {
      if (/^(true|1)$/i.test(t)) return 1;
      if (/^(false|0)$/i.test(t)) return 0;
      throw this.err(
        'E_CSV_BOOL',
        `${JSON.stringify(cell)} in bool column ${JSON.stringify(this.names![j])} is not true/false/1/0`,
        line,
        j + 1,
      );
    }
    if (!NUMBER_RE.test(t))
      throw this.err(
        'E_CSV_NUMBER',
        `${JSON.stringify(cell)} in ${type === 'int' ? 'int' : 'numeric'} column ${JSON.stringify(this.names![j])} is not a number${this.decided && !own(this.o.columns, this.names![j]!) ? ` (the type was inferred from the first ${this.o.inferRows} rows; declare columns: { ${JSON.stringify(this.names![j])}: 'string' } if it is text)` : ''}`,
        line,
        j + 1,
      );
    const v = Number(t);
    if (!Number.isFinite(v))
      throw this.err(
        'E_CSV_NUMBER_RANGE',
        `${JSON.stringify(cell)} in column ${JSON.stringify(this.names![j])} overflows float64`,
        line,
        j + 1,
      );
    if (type === 'int' && !Number.isSafeInteger(v))
      throw this.err(
        'E_CSV_INTEGER',
        `${JSON.stringify(cell)} in int column ${JSON.stringify(this.names![j])} is not a (safe) integer`,
        line,
        j + 1,
      );
    return v;
  }

  private store(rec: string[], line: number): void {
    if (this.sink) {
      const vals = rec.map((c, j) => this.parseCell(c, j, line));
      for (let j = 0; j < vals.length; j++) {
        if (vals[j] !== null) continue;
        if (this.o.missing === 'drop') return;
        vals[j] = this.fillValue(this.names![j]!, this.types[j]!);
      }
      this.emitted++;
      this.sink(vals as (number | string)[], line);
      return;
    }
    const row = this.rowLines.length;
    this.rowLines.push(line);
    for (let j = 0; j < rec.length; j++) {
      const v = this.parseCell(rec[j]!, j, line);
      const isStr = this.types[j] === 'string';
      if (v === null) {
        this.missingRows.add(row);
        if (isStr) this.strs[j]!.push(null);
        else this.nums[j]!.push(NaN);
      } else if (isStr) this.strs[j]!.push(v as string);
      else this.nums[j]!.push(v as number);
    }
  }

  private sink: ((row: (number | string)[], line: number) => void) | null = null;
  private emitted = 0;

  /**
   * Streaming mode: instead of collecting columns, hand each typed row to `sink` as soon as the
   * column types are known (after `inferRows` rows, or at once when every column is declared).
   * `missing: 'mean'` needs the whole column and is refused here.
   */
  streamTo(sink: (row: (number | string)[], line: number) => void): void {
    if (this.o.missing === 'mean')
      throw new ValueError(
        "CSV: missing: 'mean' needs the whole file; use 'drop', 'error' or { fill } when streaming rows",
        'E_CSV_OPTION',
      );
    this.sink = sink;
  }

  /** Column names and types (known once the first rows were seen). */
  get schema(): { names: string[]; types: CsvColumnType[] } | null {
    return this.decided && this.names ? { names: this.names.slice(), types: this.types.slice() } : null;
  }

  /** Shared end of input: refuse an empty file, push pending blank records, decide the column types. */
  private endOfInput(): void {
    if (!this.sawRecord) throw this.err('E_CSV_EMPTY', 'the file is empty', 1);
    // one-column files: trailing blank records that were not blank lines in the text are "" values
    const quotedEmpty = this.blankLines.length - Math.min(this.blankLines.length, this.trailingBlankLines());
    for (const l of this.blankLines.slice(0, quotedEmpty)) this.push([''], l);
    this.blankLines.length = 0;
    if (!this.decided) this.decide();
  }

  /** End of input in streaming mode: flush buffered rows and check the file was not empty. */
  finishStream(): void {
    this.endOfInput();
    if (this.emitted === 0) throw this.err('E_CSV_NO_ROWS', 'the file has a header but no (complete) data rows', 1);
  }

  /** Whether every column's type is declared (so rows can stream without buffering). */
  private get allDeclared(): boolean {
    return !!this.names && this.names.every((n) => own(this.o.columns, n) !== undefined);
  }

  /** Finish: apply the missing-value policy and return the table. */
  finish(): CsvTable {
    this.endOfInput();
    const names = this.names!;
    if (this.rowLines.length === 0) throw this.err('E_CSV_NO_ROWS', 'the file has a header but no data rows', 1);
    const policy = this.o.missing;
    let keep: number[] | null = null;
    if (this.missingRows.size > 0 && policy === 'drop') {
      keep = [];
      for (let i = 0; i < this.rowLines.length; i++) if (!this.missingRows.has(i)) keep.push(i);
      if (keep.length === 0) throw this.err('E_CSV_NO_ROWS', "every row has a missing value (missing: 'drop' left nothing)");
    }
    // column names are user strings: maps without a prototype (`constructor`, `__proto__` are plain names)
    const columns = Object.create(null) as Record<string, ColumnData>;
    const types = Object.create(null) as Record<string, CsvColumnType>;
    names.forEach((name, j) => {
      const type = this.types[j]!;
      types[name] = type;
      if (type === 'string') {
        let col = this.strs[j]!;
        if (keep) col = keep.map((i) => col[i]!);
        else if (col.includes(null)) {
          let fill: string;
          if (policy === 'mean') {
            const counts = new Map<string, number>();
            for (const v of col) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
            if (counts.size === 0)
              throw this.err('E_CSV_MISSING', `column ${JSON.stringify(name)} has only missing values; nothing to fill with`);
            fill = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
          } else fill = String(this.fillValue(name, 'string'));
          col = col.map((v) => (v === null ? fill : v));
        }
        columns[name] = col as string[];
      } else {
        let col = this.nums[j]!;
        if (keep) col = keep.map((i) => col[i]!);
        else if (this.missingRows.size > 0 && col.some((v) => Number.isNaN(v))) {
          let fill: number;
          if (policy === 'mean') {
            let s = 0;
            let c = 0;
            for (const v of col)
              if (!Number.isNaN(v)) {
                s += v;
                c++;
              }
            if (c === 0) throw this.err('E_CSV_MISSING', `column ${JSON.stringify(name)} has only missing values; no mean to fill with`);
            fill = type === 'int' ? Math.round(s / c) : s / c;
          } else fill = this.fillValue(name, type) as number;
          col = col.map((v) => (Number.isNaN(v) ? fill : v));
        }
        columns[name] = Float64Array.from(col);
      }
    });
    const lines = Int32Array.from(keep ? keep.map((i) => this.rowLines[i]!) : this.rowLines);
    return new CsvTable(names, types, columns, lines, keep ? this.rowLines.length - keep.length : 0, this.o.file);
  }

  private fillValue(name: string, type: CsvColumnType): number | string {
    const f = (this.o.missing as { fill: number | string | Record<string, number | string> }).fill;
    const v = typeof f === 'object' && f !== null ? own(f, name) : f;
    if (v === undefined)
      throw new ValueError(`CSV: column ${JSON.stringify(name)} has missing values but missing.fill has no entry for it`, 'E_CSV_OPTION');
    if (type !== 'string' && (typeof v !== 'number' || !Number.isFinite(v)))
      throw new ValueError(
        `CSV: fill value ${JSON.stringify(v)} for ${type} column ${JSON.stringify(name)} must be a finite number`,
        'E_CSV_OPTION',
      );
    return v;
  }
}

/** Reject NUL bytes / invalid UTF-8 in a decoded chunk or byte buffer. */
function checkText(text: string, file: string | undefined, baseOffset = 0): void {
  const z = text.indexOf('\u0000');
  if (z >= 0)
    throw new FormatError(
      'CSV: the file contains a NUL byte; it looks binary, not text',
      'E_CSV_BINARY',
      loc(file, undefined, undefined, baseOffset + z),
    );
}

/**
 * Parse CSV text (or UTF-8 bytes) into a typed table.
 *
 * ```ts
 * const table = parseCsv('x1,x2,label\n0.5,1,cat\n0.1,2,dog\n');
 * const { x, y, classes } = table.toTensors({ target: 'label' }); // x: [2, 2] float32, y: [2] int32
 * ```
 */
export function parseCsv(input: string | Uint8Array, opts: CsvOptions = {}): CsvTable {
  checkOptionKeys('parseCsv', opts, CSV_OPTION_KEYS);
  const builder = new CsvBuilder(opts);
  let text: string;
  if (typeof input === 'string') text = input;
  else if (input instanceof Uint8Array) {
    const { invalidAt } = checkUtf8(input);
    if (invalidAt >= 0)
      throw new FormatError(
        'CSV: the file is not valid UTF-8 (re-save it as UTF-8, e.g. Excel "CSV UTF-8")',
        'E_CSV_ENCODING',
        loc(opts.file, undefined, undefined, invalidAt),
      );
    text = new TextDecoder('utf-8').decode(input);
  } else throw new ValueError('parseCsv: expected a string or a Uint8Array');
  checkText(text, opts.file);
  builder.noteText(text.slice(-4096));
  let records: string[][];
  try {
    records = parseSync(text, builder.parserOptions()) as string[][];
  } catch (e) {
    const done = csvErrorRecords(e);
    throw fromCsvParseError(e, opts.file, done === undefined ? undefined : lineOfRecord(text, done, builder.parserOptions()));
  }
  for (const r of records) builder.pushRecord(r);
  return builder.finish();
}
