/** The CLI's error type and small shared helpers (flag checks, bounded JSON reads). */
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
