/**
 * Lazy access to Node built-ins. Data modules import Node APIs only through these functions, at
 * call time, so bundling `backprop` for the browser never pulls `node:fs` into module scope.
 */
import { NotSupportedError } from '../core/errors.js';

type Fs = typeof import('node:fs');
type Zlib = typeof import('node:zlib');
type Path = typeof import('node:path');

let fsP: Promise<Fs> | null = null;
let zlibP: Promise<Zlib> | null = null;
let pathP: Promise<Path> | null = null;

function nodeOnly(what: string): NotSupportedError {
  return new NotSupportedError(
    `${what} needs Node.js (file-system access); in the browser, fetch the bytes and use the parse* functions`,
    'E_NODE_ONLY',
  );
}

export async function nodeFs(): Promise<Fs> {
  try {
    return await (fsP ??= import('node:fs'));
  } catch {
    throw nodeOnly('reading files');
  }
}
export async function nodeZlib(): Promise<Zlib> {
  try {
    return await (zlibP ??= import('node:zlib'));
  } catch {
    throw nodeOnly('gzip decompression');
  }
}
export async function nodePath(): Promise<Path> {
  try {
    return await (pathP ??= import('node:path'));
  } catch {
    throw nodeOnly('file paths');
  }
}
