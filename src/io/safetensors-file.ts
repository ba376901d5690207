/**
 * safetensors files: load from a path (Node), a URL (browser) or bytes (anywhere); save to a path (Node).
 */
import type { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, type DecodedSafetensors, type EncodeOptions, type StateDict } from './safetensors.js';
import { readBytes, writeBytesAtomic } from './platform.js';
import { checkOptionKeys } from '../core/options.js';

/** Where `loadSafetensors` reads from: a file path or `file:` URL (Node), or the bytes themselves. */
export type BytesSource = string | URL | Uint8Array | ArrayBuffer;

async function bytesOf(source: BytesSource): Promise<{ bytes: Uint8Array; file?: string }> {
  if (source instanceof Uint8Array) return { bytes: source };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source) };
  return { bytes: await readBytes(source, { who: 'safetensors' }), file: source.toString() };
}

/**
 * Load a state dict from a safetensors file (path in Node, URL in the browser) or its bytes.
 * Pickle checkpoints (.pt/.pth/.ckpt) are refused with `E_PICKLE_REFUSED` and a conversion recipe.
 *
 * @example model.loadStateDict(await loadSafetensors('model.safetensors'));
 */
export async function loadSafetensors(source: BytesSource): Promise<StateDict> {
  return (await loadSafetensorsWithMetadata(source)).tensors;
}

/** Like `loadSafetensors`, also returning the `__metadata__` map. */
export async function loadSafetensorsWithMetadata(source: BytesSource): Promise<DecodedSafetensors> {
  const { bytes, file } = await bytesOf(source);
  return decodeSafetensors(bytes, file !== undefined ? { file } : {});
}

/**
 * Save a state dict as a safetensors file (Node; written atomically via temp file + rename).
 * Names and layouts are kept as given, so PyTorch's `load_state_dict` accepts the file for the
 * equivalent model.
 *
 * @example await saveSafetensors(model.stateDict(), 'model.safetensors', { metadata: { format: 'pt' } });
 */
export async function saveSafetensors(stateDict: Readonly<Record<string, Tensor>>, path: string, opts: EncodeOptions = {}): Promise<void> {
  checkOptionKeys('saveSafetensors', opts, { metadata: true, intDType: true });
  await writeBytesAtomic(path, encodeSafetensors(stateDict, opts));
}
