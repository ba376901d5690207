/**
 * Reading files from hostile paths (Node only; `node:fs` is imported lazily so this module loads in
 * browsers). Every reader of the library goes through `readRegularFile`:
 * - the file is opened non-blocking and checked with `fstat` on the open handle, so a FIFO is refused
 *   instead of hanging, and a symlink to `/dev/zero` or `/dev/urandom` (a character device) is refused
 *   instead of growing memory without limit;
 * - its size is checked against `maxBytes` before a byte is allocated, and never more than the size
 *   seen by `fstat` is read (a file that grows while being read cannot amplify the allocation).
 */
import { FormatError, NotSupportedError } from './errors.js';

/** Default cap of `readRegularFile`: 4 GiB (about what one Node buffer can hold). */
export const MAX_FILE_BYTES = 2 ** 32;

export interface ReadRegularFileOptions {
  /** Largest size accepted, in bytes (default `MAX_FILE_BYTES`). Checked before allocating. */
  maxBytes?: number;
  /** Prefix of error messages, e.g. `'safetensors'`. */
  who?: string;
}

type Stats = import('node:fs').Stats;

/** What kind of file system entry `st` is, in words (for error messages). */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The bytes of `file`, which must be a regular file (after following symlinks) of at most
 * `maxBytes` bytes. Errors (FormatError, with the file as location): `E_FILE_NOT_FOUND`,
 * `E_FILE_NOT_REGULAR` (FIFO, device, directory, socket), `E_FILE_TOO_LARGE`, `E_FILE_READ`.
 */
export async function readRegularFile(file: string, opts: ReadRegularFileOptions = {}): Promise<Uint8Array> {
  const who = opts.who ?? 'read';
  const maxBytes = opts.maxBytes ?? MAX_FILE_BYTES;
  let fs: typeof import('node:fs');
  try {
    fs = await import('node:fs');
  } catch {
    throw new NotSupportedError(`${who}: reading files needs Node.js; in the browser, fetch the bytes and decode them`, 'E_NODE_ONLY');
  }
  let fh: import('node:fs/promises').FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO without a writer returns at once instead of blocking forever
    fh = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FormatError(`${who}: file not found`, 'E_FILE_NOT_FOUND', { file });
    throw new FormatError(`${who}: cannot open the file (${code ?? (e as Error).message})`, 'E_FILE_READ', { file });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FormatError(`${who}: the path is ${fileKind(st)}, not a regular file`, 'E_FILE_NOT_REGULAR', { file });
    if (st.size > maxBytes)
      throw new FormatError(`${who}: the file has ${st.size} bytes, more than the limit of ${maxBytes}`, 'E_FILE_TOO_LARGE', { file });
    const buf = new Uint8Array(st.size);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await fh.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === buf.length ? buf : buf.subarray(0, off);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${who}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'E_FILE_READ', {
      file,
    });
  } finally {
    await fh.close();
  }
}

/** `readRegularFile` decoded as UTF-8 text. */
export async function readRegularTextFile(file: string, opts: ReadRegularFileOptions = {}): Promise<string> {
  return new TextDecoder('utf-8').decode(await readRegularFile(file, opts));
}
