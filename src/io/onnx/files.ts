/**
 * ONNX from and to files: `importOnnx(path | bytes)` and `saveOnnx(model, example, path)`. Node file
 * access is imported lazily, so this module also loads in the browser (where `importOnnx` takes bytes
 * or a URL, and external data is refused).
 */
import { FormatError, NotSupportedError, ValueError } from '../../core/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Module } from '../../nn/module.js';
import { isNode, readBytes, writeBytesAtomic } from '../platform.js';
import { refusePickle } from '../pickle.js';
import { decodeModelProto, encodeModelProto, type TensorProto } from './proto.js';
import { importOnnxBytes, OnnxModule, type ImportOnnxOptions } from './import.js';
import { EXPORT_ONNX_KEY_SET, exportOnnxModel, type ExportOnnxOptions } from './export.js';
import { checkExternalLocation, externalRef } from './external.js';
import { elemSize } from './tensors.js';
import { checkOptionKeys } from '../../core/options.js';

type NodeFs = typeof import('node:fs');
type NodePath = typeof import('node:path');

async function nodeModules(): Promise<{ fs: NodeFs; path: NodePath }> {
  const [fs, path] = await Promise.all([import('node:fs'), import('node:path')]);
  return { fs, path };
}

/**
 * A resolver for external-data tensors next to `modelPath`: every location is checked by
 * `checkExternalLocation`, resolved inside the folder, its real path (after symlinks) must stay inside
 * the folder's real path, and offset + length must fit in the file — all before reading.
 */
function externalResolver(fs: NodeFs, path: NodePath, modelPath: string): (t: TensorProto) => Uint8Array {
  const dir = path.dirname(path.resolve(modelPath));
  const realDir = fs.realpathSync(dir);
  return (t) => {
    const name = t.name ?? '';
    const ref = externalRef(t.externalData, name);
    const parts = checkExternalLocation(ref.location, name);
    const full = path.resolve(dir, ...parts);
    const rel = path.relative(dir, full);
    if (rel.startsWith('..') || path.isAbsolute(rel))
      throw new FormatError(
        `onnx: external data ${JSON.stringify(ref.location)} resolves outside the model's folder`,
        'E_ONNX_EXTERNAL_PATH',
      );
    let real: string;
    try {
      real = fs.realpathSync(full);
    } catch {
      throw new FormatError(
        `onnx: external data file ${JSON.stringify(ref.location)} of tensor ${JSON.stringify(name)} does not exist next to the model`,
        'E_ONNX_EXTERNAL_MISSING',
      );
    }
    const realRel = path.relative(realDir, real);
    if (realRel.startsWith('..') || path.isAbsolute(realRel))
      throw new FormatError(
        `onnx: external data ${JSON.stringify(ref.location)} is a link that leads outside the model's folder; refused`,
        'E_ONNX_EXTERNAL_PATH',
      );
    const st = fs.statSync(real);
    if (!st.isFile())
      throw new FormatError(`onnx: external data ${JSON.stringify(ref.location)} is not a regular file`, 'E_ONNX_EXTERNAL_PATH');
    let n = 1;
    for (const d of t.dims) n *= d;
    const size = elemSize(t.dataType ?? 0);
    if (size === undefined)
      throw new NotSupportedError(
        `onnx: tensor ${JSON.stringify(name)} has data type ${t.dataType}, which backprop cannot load`,
        'E_ONNX_DTYPE',
      );
    const need = n * size;
    const length = ref.length ?? need;
    if (length !== need)
      throw new FormatError(
        `onnx: tensor ${JSON.stringify(name)} declares ${length} external bytes but its shape needs ${need}`,
        'E_ONNX_EXTERNAL',
      );
    if (ref.offset + length > st.size)
      throw new FormatError(
        `onnx: tensor ${JSON.stringify(name)} reads bytes ${ref.offset}..${ref.offset + length} of ${JSON.stringify(ref.location)}, which has only ${st.size}`,
        'E_ONNX_EXTERNAL_RANGE',
      );
    const buf = new Uint8Array(length);
    const fd = fs.openSync(real, 'r');
    try {
      let done = 0;
      while (done < length) {
        const r = fs.readSync(fd, buf, done, length - done, ref.offset + done);
        if (r === 0) throw new FormatError(`onnx: ${JSON.stringify(ref.location)} ended early`, 'E_ONNX_EXTERNAL_RANGE');
        done += r;
      }
    } finally {
      fs.closeSync(fd);
    }
    return buf;
  };
}

/**
 * Import an ONNX model from a path (Node; external data allowed inside the model's folder only), a URL
 * (browser) or its bytes, as a runnable, fine-tunable `OnnxModule`.
 *
 * @example const model = await importOnnx('model.onnx'); const y = model.call(x);
 */
export async function importOnnx(source: string | URL | Uint8Array | ArrayBuffer, opts: ImportOnnxOptions = {}): Promise<OnnxModule> {
  checkOptionKeys('importOnnx', opts, { maxNodes: true, maxElements: true, maxDepth: true, trainable: true, externalData: true });
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    refusePickle(bytes);
    return importOnnxBytes(bytes, opts);
  }
  const file = source.toString();
  const bytes = await readBytes(source);
  refusePickle(bytes, file);
  if (isNode() && !/^https?:/i.test(file) && opts.externalData === undefined) {
    const { fs, path } = await nodeModules();
    const p = source instanceof URL ? (await import('node:url')).fileURLToPath(source) : file;
    return importOnnxBytes(bytes, { ...opts, externalData: externalResolver(fs, path, p) });
  }
  return importOnnxBytes(bytes, opts);
}

/** Options of `saveOnnx`: those of `exportOnnx`, plus how to write the file. */
export interface SaveOnnxOptions extends ExportOnnxOptions {
  /**
   * Store initializers in this file next to the model (a relative path inside the model's folder,
   * checked like on load) instead of inside the .onnx — needed above protobuf's 2 GB limit.
   */
  externalData?: string;
  /** Initializers smaller than this many bytes stay inside the model (default 1024). */
  externalThreshold?: number;
}

/**
 * Export `model` traced on `example` (see `exportOnnx`) and write it to `path` (Node, atomic write).
 * @example await saveOnnx(model, randn([1, 3, 32, 32]), 'model.onnx', { opset: 17 });
 */
export async function saveOnnx(model: Module, example: Tensor | Tensor[], path: string, opts: SaveOnnxOptions = {}): Promise<void> {
  checkOptionKeys('saveOnnx', opts, { ...EXPORT_ONNX_KEY_SET, externalData: true, externalThreshold: true });
  if (!isNode())
    throw new NotSupportedError(
      'saveOnnx: writing files needs Node; in the browser use exportOnnx() and offer the bytes as a download',
      'E_IO_UNSUPPORTED',
    );
  if (typeof path !== 'string' || !path) throw new ValueError('saveOnnx: path must be a non-empty string');
  const { externalData: _file, externalThreshold: _threshold, ...exportOpts } = opts;
  const proto = exportOnnxModel(model, example, exportOpts);
  if (opts.externalData !== undefined) {
    const parts = checkExternalLocation(opts.externalData);
    const { fs, path: P } = await nodeModules();
    const dir = P.dirname(P.resolve(path));
    const target = P.resolve(dir, ...parts);
    // The data file's folder must exist and, after symlinks, stay inside the model's folder.
    const realDir = fs.realpathSync(dir);
    let realParent: string;
    try {
      realParent = fs.realpathSync(P.dirname(target));
    } catch {
      throw new FormatError(
        `saveOnnx: the folder of external data ${JSON.stringify(opts.externalData)} does not exist`,
        'E_ONNX_EXTERNAL_PATH',
      );
    }
    const rel = P.relative(realDir, realParent);
    if (rel.startsWith('..') || P.isAbsolute(rel))
      throw new FormatError(
        `saveOnnx: external data ${JSON.stringify(opts.externalData)} would be written outside the model's folder (through a link); refused`,
        'E_ONNX_EXTERNAL_PATH',
      );
    if (fs.existsSync(target) && fs.lstatSync(target).isSymbolicLink())
      throw new FormatError(
        `saveOnnx: external data ${JSON.stringify(opts.externalData)} is a symbolic link; refused`,
        'E_ONNX_EXTERNAL_PATH',
      );
    const threshold = opts.externalThreshold ?? 1024;
    const chunks: Uint8Array[] = [];
    let off = 0;
    for (const t of proto.graph!.initializer) {
      const raw = t.rawData;
      if (!raw || raw.length < threshold) continue;
      const pad = (64 - (off % 64)) % 64; // align each tensor to 64 bytes
      if (pad) {
        chunks.push(new Uint8Array(pad));
        off += pad;
      }
      chunks.push(raw);
      t.externalData = [
        { key: 'location', value: parts.join('/') },
        { key: 'offset', value: String(off) },
        { key: 'length', value: String(raw.length) },
      ];
      t.dataLocation = 1;
      delete t.rawData;
      off += raw.length;
    }
    const data = new Uint8Array(off);
    let p = 0;
    for (const c of chunks) {
      data.set(c, p);
      p += c.length;
    }
    await writeBytesAtomic(target, data);
  }
  await writeBytesAtomic(path, encodeModelProto(proto));
}

/** Decode ONNX bytes into the ModelProto object (for inspection; no external data is read). */
export function decodeOnnxModel(bytes: Uint8Array, opts: { maxDepth?: number } = {}) {
  checkOptionKeys('decodeOnnxModel', opts, { maxDepth: true });
  return decodeModelProto(bytes, opts);
}
