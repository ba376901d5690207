/**
 * Refusing pickle-based checkpoints (.pt/.pth/.ckpt). Loading a pickle runs arbitrary code chosen by
 * whoever wrote the file; backprop treats model files as data and never does that.
 */
import { FormatError } from '../core/errors.js';

/** How to convert a PyTorch checkpoint into safetensors without extra packages. */
export const PICKLE_CONVERSION_HINT = [
  'To convert it, run once in Python (numpy only; weights_only=True keeps torch.load from running code):',
  '    import json, struct, numpy as np, torch',
  "    sd = torch.load('model.pt', map_location='cpu', weights_only=True)",
  "    codes = {'float32': 'F32', 'float64': 'F64', 'int64': 'I64', 'int32': 'I32', 'uint8': 'U8', 'bool': 'BOOL'}",
  '    header, blobs, off = {}, [], 0',
  '    for k, v in sd.items():',
  "        a = np.array(v.detach().cpu().numpy(), order='C')",
  "        b = a.astype(a.dtype.newbyteorder('<')).tobytes()",
  "        header[k] = {'dtype': codes[a.dtype.name], 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}",
  '        blobs.append(b); off += len(b)',
  "    h = json.dumps(header).encode(); h += b' ' * (-len(h) % 8)",
  "    open('model.safetensors', 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))",
  "then load it with loadSafetensors('model.safetensors').",
].join('\n');

/**
 * The kind of pickle container `bytes` starts with: `'zip'` (torch.save since 1.6), `'pickle'`
 * (legacy torch.save, raw pickle protocol 2–5), or `null`. A safetensors file never matches: its
 * ninth byte is `{`.
 */
export function detectPickle(bytes: Uint8Array): 'zip' | 'pickle' | null {
  if (bytes.length < 2) return null;
  if (bytes.length >= 9 && bytes[8] === 0x7b) return null; // safetensors: 8-byte length then '{'
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'zip';
  if (bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) return 'pickle';
  return null;
}

/** Throw `FormatError(E_PICKLE_REFUSED)` when `bytes` is a pickle/zip checkpoint. */
export function refusePickle(bytes: Uint8Array, file?: string): void {
  const kind = detectPickle(bytes);
  if (kind === null) return;
  const what = kind === 'zip' ? 'a zip-based PyTorch checkpoint (torch.save)' : `a Python pickle (protocol ${bytes[1]})`;
  throw new FormatError(
    `${file ?? 'this file'} is ${what}. backprop refuses pickle files: unpickling executes code chosen by whoever wrote ` +
      `the file, and model files must be data — loading never executes code. ${PICKLE_CONVERSION_HINT}`,
    'E_PICKLE_REFUSED',
    { ...(file !== undefined ? { file } : {}), offset: 0 },
  );
}
