/**
 * Streaming CSV file loader (Node). The file is read in chunks, checked for UTF-8 and NUL bytes,
 * tokenised by csv-parse's stream API and typed record by record, so memory holds the typed
 * columns, not the text. Node modules are imported lazily so this file is safe to bundle.
 */
import { FormatError } from '../core/errors.js';
import { CsvBuilder, checkUtf8, fromCsvParseError, type CsvOptions, type CsvTable } from './csv.js';
import { nodeFs } from './node.js';

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
  const file = opts.file ?? path;
  const builder = new CsvBuilder({ ...opts, file });
  const fs = await nodeFs();
  const { Transform, pipeline } = await import('node:stream');
  const { parse } = await import('csv-parse');
  try {
    await fs.promises.access(path);
  } catch {
    throw new FormatError('E_CSV_NOT_FOUND', `CSV: cannot read ${JSON.stringify(path)} (no such file or no permission)`, { file });
  }
  let offset = 0;
  let carry: Uint8Array = new Uint8Array(0);
  const decoder = new TextDecoder('utf-8');
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const bytes = carry.length ? concat(carry, chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const base = offset - carry.length;
      const { invalidAt, incompleteFrom } = checkUtf8(bytes, false);
      if (invalidAt >= 0) return cb(new FormatError('E_CSV_ENCODING', 'CSV: the file is not valid UTF-8', { file, offset: base + invalidAt }));
      const end = incompleteFrom >= 0 ? incompleteFrom : bytes.length;
      const z = bytes.subarray(0, end).indexOf(0);
      if (z >= 0) return cb(new FormatError('E_CSV_BINARY', 'CSV: the file contains a NUL byte; it looks binary, not text', { file, offset: base + z }));
      carry = bytes.slice(end);
      offset += chunk.length;
      const text = decoder.decode(bytes.subarray(0, end), { stream: true });
      builder.noteText(text);
      cb(null, text);
    },
    flush(cb) {
      if (carry.length) return cb(new FormatError('E_CSV_ENCODING', 'CSV: the file ends inside a UTF-8 sequence', { file, offset: offset - carry.length }));
      cb();
    },
  });
  const parser = parse(builder.parserOptions());
  pipeline(fs.createReadStream(path), check, parser, () => {});
  try {
    for await (const r of parser as AsyncIterable<string[]>) builder.pushRecord(r);
  } catch (e) {
    parser.destroy();
    throw fromCsvParseError(e, file);
  }
  return builder.finish();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
