/** The CLI's error type and small shared helpers (flag checks, bounded JSON reads). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularFile } from '../core/files.js';
import { BackpropError } from '../core/errors.js';

/** A usage/input problem to report as one line (exit code 2 for usage, 1 otherwise). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export type Log = (line: string) => void;

/** Largest JSON file the CLI reads (model.json, model specs): 16 MiB. */
export const MAX_JSON_BYTES = 16 << 20;

/**
 * Parse a JSON file that must be a regular file of at most `MAX_JSON_BYTES` (a FIFO or /dev/zero is
 * refused before reading). `what` names the file in messages ("model spec", "model.json").
 */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8').decode(await readRegularFile(file, { maxBytes: MAX_JSON_BYTES, who: what }));
  } catch (e) {
    if (e instanceof BackpropError) throw new CliError(`cannot read ${what} ${file}: ${e.message}`);
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** `--name` must be an integer in [lo, hi]. */
export function checkInt(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    throw new CliError(`${name} must be an integer in [${lo}, ${hi.toLocaleString('en-US')}], got ${String(v)}`, 2);
  return v;
}

/** Quote a CSV cell when needed. */
export function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * `mkdir -p` one level at a time: Node's `mkdirSync(dir, { recursive: true })` loops forever on some
 * paths (e.g. under /proc/self, where a missing entry stays ENOENT after its parent exists), and its
 * errors name no flag. `flag` names the option in messages ("--out").
 */
export function ensureDir(dir: string, flag: string): void {
  const missing: string[] = [];
  for (let p = path.resolve(dir); ;) {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new CliError(`${flag} ${dir}: cannot use ${p} (${code ?? (e as Error).message})`);
    }
    if (st) {
      if (!st.isDirectory()) throw new CliError(`${flag} ${dir}: ${p} exists and is not a folder`);
      break;
    }
    missing.push(p);
    const parent = path.dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const p of missing.reverse()) {
    try {
      fs.mkdirSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && fs.statSync(p).isDirectory()) continue;
      throw new CliError(`${flag} ${dir}: cannot create the folder ${p} (${code ?? (e as Error).message})`);
    }
  }
}
