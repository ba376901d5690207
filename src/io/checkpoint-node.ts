/**
 * Node file helpers for checkpoints: atomic save and verified load. `node:fs` is imported lazily,
 * so bundling the library for the browser does not pull it in (calling these there throws
 * `NotSupportedError`).
 */
import { FormatError, NotSupportedError } from '../core/errors.js';
import { readRegularFile } from '../core/files.js';
import { checkpointToHost, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointState } from './checkpoint.js';

type Fs = typeof import('node:fs');
type PathMod = typeof import('node:path');

async function nodeModules(op: string): Promise<{ fs: Fs; path: PathMod }> {
  try {
    const [fs, path] = await Promise.all([import('node:fs'), import('node:path')]);
    return { fs, path };
  } catch {
    throw new NotSupportedError(
      `${op}: file access needs Node; in the browser use encodeCheckpoint/decodeCheckpoint with your own storage`,
    );
  }
}

/**
 * Write `bytes` to `file` atomically: write a temp file in the same folder, fsync it, rename it over
 * `file`, then fsync the folder so the rename itself is durable. Readers see the old file or the new
 * one, never a mix — even if the process is killed mid-write.
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const { fs, path } = await nodeModules('writeFileAtomic');
  writeFileAtomicSync(fs, path, file, bytes);
}

function writeFileAtomicSync(fs: Fs, path: PathMod, file: string, bytes: Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`,
  );
  let fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there
  }
}

/** Encode `state` and write it atomically to `file` (see `writeFileAtomic`). Tensors on the GPU are read back first. */
export async function saveCheckpoint(file: string, state: CheckpointState): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(await checkpointToHost(state)));
}

/** Read and verify a checkpoint file. Throws `FormatError` (`E_CKPT_*`) on any corruption. */
export async function loadCheckpoint(file: string): Promise<Checkpoint> {
  await nodeModules('loadCheckpoint');
  let bytes: Uint8Array;
  try {
    // a regular file only (a FIFO or /dev/zero is refused before reading)
    bytes = await readRegularFile(file, { who: 'checkpoint' });
  } catch (e) {
    if (e instanceof FormatError && e.code === 'E_FILE_NOT_REGULAR') throw e;
    throw new FormatError(
      `checkpoint: cannot read file: ${e instanceof FormatError ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message)}`,
      'E_CKPT_READ',
      { file },
    );
  }
  return decodeCheckpoint(bytes, file);
}
