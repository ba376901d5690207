/**
 * Streaming CSV file loader (Node). The file is read in chunks, checked for UTF-8 and NUL bytes,
 * tokenised by csv-parse's stream API and typed record by record, so memory holds the typed
 * columns, not the text. Node modules are imported lazily so this file is safe to bundle.
 */
import { FormatError, StateError } from '../core/errors.js';
import { fileKind } from '../core/files.js';
import { IterableDataset } from './dataset.js';
import {
  CSV_OPTION_KEYS,
  CsvBuilder,
  checkUtf8,
  csvErrorRecords,
  fromCsvParseError,
  lineOfRecord,
  type CsvOptions,
  type CsvTable,
} from './csv.js';
import { nodeFs } from './node.js';
import { checkOptionKeys } from '../core/options.js';

/** Check a reader's options and make its table builder (errors name `file`, default the path). */
function openBuilder(who: string, path: string, opts: CsvOptions): { file: string; builder: CsvBuilder } {
  checkOptionKeys(who, opts, CSV_OPTION_KEYS);
  const file = opts.file ?? path;
  return { file, builder: new CsvBuilder({ ...opts, file }) };
}

/**
 * Load a CSV file into a typed table, streaming.
 *
 * ```ts
 * const table = await loadCsv('houses.csv', { missing: 'drop' });
 * const { x, y } = table.toTensors({ target: 'price' });   // x: [N, F] float32, y: [N] float32
 * ```
 * Errors are `FormatError`s with codes `E_CSV_*` and the file, line and column.
 */
export async function loadCsv(path: string, opts: CsvOptions = {}): Promise<CsvTable> {
  const { file, builder } = openBuilder('loadCsv', path, opts);
  for await (const rec of csvRecords(path, file, builder)) builder.pushRecord(rec);
  return builder.finish();
}

/** A typed CSV row: column name → number (number/int/bool columns) or string. */
export type CsvRow = Record<string, number | string>;

/**
 * Stream a CSV file row by row (for files larger than memory). Column types are declared in
 * `columns` or inferred from the first `inferRows` rows (which are buffered); the same checks and
 * typed errors as `loadCsv` apply, row by row. Missing values: 'error', 'drop' or { fill }.
 *
 * ```ts
 * for await (const row of streamCsv('huge.csv', { columns: { x: 'number', label: 'int' } })) { … }
 * ```
 */
export async function* streamCsv(path: string, opts: CsvOptions = {}): AsyncGenerator<CsvRow> {
  const { file, builder } = openBuilder('streamCsv', path, opts);
  const queue: (number | string)[][] = [];
  builder.streamTo((row) => queue.push(row));
  let names: string[] | null = null;
  const drain = function* (): Generator<CsvRow> {
    names ??= builder.schema?.names ?? null;
    while (queue.length) {
      const vals = queue.shift()!;
      const row: CsvRow = Object.create(null) as CsvRow; // column names are user strings: no prototype keys
      names!.forEach((n, j) => (row[n] = vals[j]!));
      yield row;
    }
  };
  for await (const rec of csvRecords(path, file, builder)) {
    builder.pushRecord(rec);
    if (queue.length) yield* drain();
  }
  builder.finishStream();
  yield* drain();
}

/**
 * An IterableDataset over the rows of a CSV file, streamed (`for await` / async DataLoader
 * iteration only). Each sample is a `CsvRow`, or whatever `transform(row)` returns.
 */
export class CsvStreamDataset<T = CsvRow> extends IterableDataset<T> {
  constructor(
    readonly path: string,
    readonly options: CsvOptions = {},
    /** Turns each parsed row (column name → number or string) into a sample; the default returns the row itself. */
    readonly transform: (row: CsvRow) => T = (r) => r as unknown as T,
  ) {
    super();
  }
  /**
   * Not available: a CSV stream is read asynchronously. Iterate with `for await` (or a DataLoader).
   * @throws StateError always, naming the async alternative.
   */
  [Symbol.iterator](): Iterator<T> {
    throw new StateError('CsvStreamDataset streams a file asynchronously; iterate with `for await` (also over a DataLoader)');
  }
  /** Streams the file record by record, yielding `transform(row)` for each data row; the file is never held in memory whole. */
  override async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for await (const row of streamCsv(this.path, this.options)) yield this.transform(row);
  }
}

/** Tokenised records of a CSV file: chunks checked for UTF-8 and NUL, then csv-parse's stream API. */
async function* csvRecords(path: string, file: string, builder: CsvBuilder): AsyncGenerator<string[]> {
  const fs = await nodeFs();
  const { Transform, pipeline } = await import('node:stream');
  const { parse } = await import('csv-parse');
  // open non-blocking and check the open handle: a FIFO or a device (/dev/zero) is refused, not read forever
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await fs.promises.open(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch {
    throw new FormatError(`CSV: cannot read ${JSON.stringify(path)} (file not found or no permission)`, 'E_CSV_NOT_FOUND', { file });
  }
  let st: import('node:fs').Stats;
  try {
    st = await fh.stat();
  } catch (e) {
    await fh.close();
    throw new FormatError(`CSV: cannot read ${JSON.stringify(path)} (${(e as Error).message})`, 'E_CSV_NOT_FOUND', { file });
  }
  if (!st.isFile()) {
    await fh.close();
    throw new FormatError(`CSV: the path is ${fileKind(st)}, not a regular file`, 'E_FILE_NOT_REGULAR', { file });
  }
  let offset = 0;
  let carry: Uint8Array = new Uint8Array(0);
  const decoder = new TextDecoder('utf-8');
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const bytes = carry.length ? concat(carry, chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const base = offset - carry.length;
      const { invalidAt, incompleteFrom } = checkUtf8(bytes, false);
      if (invalidAt >= 0)
        return cb(
          new FormatError('CSV: the file is not valid UTF-8 (re-save it as UTF-8, e.g. Excel "CSV UTF-8")', 'E_CSV_ENCODING', {
            file,
            offset: base + invalidAt,
          }),
        );
      const end = incompleteFrom >= 0 ? incompleteFrom : bytes.length;
      const z = bytes.subarray(0, end).indexOf(0);
      if (z >= 0)
        return cb(
          new FormatError('CSV: the file contains a NUL byte; it looks binary, not text', 'E_CSV_BINARY', { file, offset: base + z }),
        );
      carry = bytes.slice(end);
      offset += chunk.length;
      const text = decoder.decode(bytes.subarray(0, end), { stream: true });
      builder.noteText(text);
      cb(null, text);
    },
    flush(cb) {
      if (carry.length)
        return cb(new FormatError('CSV: the file ends inside a UTF-8 sequence', 'E_CSV_ENCODING', { file, offset: offset - carry.length }));
      cb();
    },
  });
  const parser = parse(builder.parserOptions());
  pipeline(fh.createReadStream({ end: Math.max(0, st.size - 1), autoClose: true }), check, parser, () => {});
  try {
    for await (const r of parser as AsyncIterable<string[]>) yield r;
  } catch (e) {
    // the failing record starts where the last one we received ended, if csv-parse agrees on the count
    const done = csvErrorRecords(e);
    let line: number | undefined;
    if (done !== undefined && done === builder.recordsSeen) line = builder.currentLine;
    else if (done !== undefined) {
      // records buffered in the stream were dropped with the error: recount on the text (bounded)
      try {
        if ((await fs.promises.stat(path)).size <= 64 << 20)
          line = lineOfRecord(await fs.promises.readFile(path, 'utf8'), done, builder.parserOptions());
      } catch {
        line = undefined;
      }
    }
    throw fromCsvParseError(e, file, line);
  } finally {
    parser.destroy();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
