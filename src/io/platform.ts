/**
 * The platform shim for file access. Node's `fs` is imported lazily (dynamic `import('node:fs/…')`)
 * so the byte-level codecs and this module load in the browser; there, paths are fetched as URLs.
 */
import { NotSupportedError } from '../core/errors.js';
import { readRegularFile } from '../core/files.js';

/** True under Node (or a Node-compatible runtime with `process.versions.node`). */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * Bytes of a file (Node) or a URL (browser / `http(s):` anywhere fetch exists). A local path must be a
 * regular file of at most `maxBytes` (default 4 GiB): FIFOs and devices (`/dev/zero`) are refused
 * before reading (FormatError `E_FILE_NOT_REGULAR` / `E_FILE_TOO_LARGE`, see core/files.ts).
 */
export async function readBytes(source: string | URL, opts: { maxBytes?: number; who?: string } = {}): Promise<Uint8Array> {
  const s = source.toString();
  if (isNode() && !/^https?:/i.test(s)) {
    const path = source instanceof URL ? (await import('node:url')).fileURLToPath(source) : s;
    return readRegularFile(path, { who: opts.who ?? 'read', ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}) });
  }
  if (typeof fetch !== 'function') throw new NotSupportedError(`readBytes: no file system and no fetch to read ${s}`, 'E_IO_UNSUPPORTED');
  const res = await fetch(s);
  if (!res.ok) throw new NotSupportedError(`readBytes: fetching ${s} failed with HTTP ${res.status}`, 'E_IO_FETCH');
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Write bytes to `path` atomically (Node only): a temp file in the same folder, fsync, rename, then
 * fsync the folder — a crash leaves either the old file or the new one, never half of one.
 */
export async function writeBytesAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (!isNode())
    throw new NotSupportedError(
      `writeBytesAtomic: writing files needs Node; in the browser, offer the bytes as a download`,
      'E_IO_UNSUPPORTED',
    );
  const fs = await import('node:fs/promises');
  const pathMod = await import('node:path');
  const dir = pathMod.dirname(pathMod.resolve(path));
  const tmp = pathMod.join(dir, `.${pathMod.basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic.
  }
}
