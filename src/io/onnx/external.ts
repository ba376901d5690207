/**
 * ONNX external data, confined to the model's folder.
 *
 * A TensorProto may say "my bytes are in file `location`, at `offset`, `length` bytes long". A hostile
 * model can aim that at `../../.ssh/id_rsa`, `/etc/passwd`, `C:\Windows\…`, `\\host\share\x`,
 * `file:///…` or a symlink leading out of the folder. Such locations are refused — never "cleaned" —
 * with `FormatError(E_ONNX_EXTERNAL_PATH)`; offset and length are checked against the file's size before
 * anything is allocated or read. The same checks apply when saving.
 */
import { FormatError } from '../../core/errors.js';

/**
 * Validate an external-data location string (pure string rules; the file-system checks — resolved path
 * inside the folder, symlinks, size — happen in `resolveExternalFile`). Returns the path segments.
 */
export function checkExternalLocation(location: string, tensor = ''): string[] {
  const fail = (why: string): never => {
    throw new FormatError(
      `onnx: external data location ${JSON.stringify(location)}${tensor ? ` of tensor ${JSON.stringify(tensor)}` : ''} is refused: ${why}. External data must be a plain relative path inside the model's folder`,
      'E_ONNX_EXTERNAL_PATH',
    );
  };
  if (typeof location !== 'string' || location.length === 0) fail('it is empty');
  if (location.length > 1024) fail('it is longer than 1024 characters');
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are refused in a file path
  if (/[\u0000-\u001f\u007f]/.test(location)) fail('it contains control characters');
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location)) fail(/^[a-zA-Z]:/.test(location) ? 'it names a drive' : 'it is a URL or has a scheme');
  if (location.startsWith('\\\\') || location.startsWith('//')) fail('it is a UNC / network path');
  if (location.startsWith('/') || location.startsWith('\\')) fail('it is absolute');
  if (location.startsWith('~')) fail('it refers to a home folder');
  const parts = location.split(/[\\/]/);
  for (const p of parts) {
    if (p === '.') continue;
    if (p === '..') fail("it climbs out with '..'");
    if (p === '') fail('it has an empty path segment');
    if (/^\.+$/.test(p)) fail('it has a dots-only segment');
    if (/[:*?"<>|]/.test(p)) fail('it has characters that are not portable in file names (: * ? " < > |)');
    if (/[ .]$/.test(p)) fail('a segment ends with a space or a dot (Windows would silently strip it)');
  }
  return parts.filter((p) => p !== '.');
}

export interface ExternalRef {
  location: string;
  offset: number;
  length: number | null;
}

/** Parse a TensorProto's external_data entries. */
export function externalRef(entries: { key?: string; value?: string }[], tensor: string): ExternalRef {
  const map = new Map<string, string>();
  for (const e of entries) {
    const k = e.key ?? '';
    if (map.has(k))
      throw new FormatError(`onnx: tensor ${JSON.stringify(tensor)} repeats external_data key ${JSON.stringify(k)}`, 'E_ONNX_EXTERNAL');
    map.set(k, e.value ?? '');
  }
  const location = map.get('location');
  if (location === undefined)
    throw new FormatError(`onnx: tensor ${JSON.stringify(tensor)} has external data without a location`, 'E_ONNX_EXTERNAL');
  const num = (k: string): number | null => {
    const v = map.get(k);
    if (v === undefined) return null;
    if (!/^\d{1,15}$/.test(v))
      throw new FormatError(
        `onnx: tensor ${JSON.stringify(tensor)} has external_data ${k}=${JSON.stringify(v)}, not a non-negative integer`,
        'E_ONNX_EXTERNAL',
      );
    return Number(v);
  };
  return { location, offset: num('offset') ?? 0, length: num('length') };
}
