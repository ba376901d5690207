/**
 * A small strict JSON parser for untrusted headers (safetensors). Unlike `JSON.parse` it
 * - rejects duplicate keys (JSON.parse silently keeps the last one),
 * - builds objects as `Map`s, so keys like `__proto__` or `constructor` are plain data,
 * - caps nesting depth,
 * - reports the byte offset of the problem in the UTF-8 encoding of the text, shifted by `base`.
 * Numbers are parsed with the JSON grammar and returned as JS numbers.
 */
import { FormatError } from '../core/errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export interface JsonParseOptions {
  /** Added to every reported offset (e.g. 8 for the safetensors length prefix). */
  base?: number;
  /** Maximum nesting depth of arrays/objects (default 32). */
  maxDepth?: number;
  /** Prefix for error codes (default `E_JSON`). */
  code?: `E_${string}`;
  /** Name used in messages (default `JSON`). */
  what?: string;
}

// Key offsets ride on the root object under a symbol (a WeakMap with one entry per object made
// garbage collection — ephemeron processing — superlinear for headers with 10^5 objects). Only the
// root's keys get offsets: a second Map per nested object doubled the allocation of headers with
// 10^5 entries for error locations that are rarely needed; nested keys report their object's key.
const KEY_OFFSETS: unique symbol = Symbol('keyOffsets');
type WithOffsets = JsonObject & { [KEY_OFFSETS]?: Map<string, number> };

/** Character index in the parsed text at which `key` of the parsed root object appeared, if known. */
export function keyOffset(obj: JsonObject, key: string): number | undefined {
  return (obj as WithOffsets)[KEY_OFFSETS]?.get(key);
}

/** The UTF-8 byte length of `text.slice(0, charIndex)` (computed only when an error is reported). */
export function utf8Offset(text: string, charIndex: number): number {
  let n = 0;
  for (let i = 0; i < charIndex && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < charIndex) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function parseStrictJson(text: string, opts: JsonParseOptions = {}): JsonValue {
  const base = opts.base ?? 0;
  const maxDepth = opts.maxDepth ?? 32;
  const code = opts.code ?? 'E_JSON';
  const what = opts.what ?? 'JSON';
  let i = 0;
  const fail = (msg: string, at = i, c = code): never => {
    throw new FormatError(`${what}: ${msg}`, c, { offset: base + utf8Offset(text, at) });
  };
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const parseString = (): string => {
    // text[i] === '"'
    i++;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            fail('bad escape in string');
        }
        i += 2;
        start = i;
        continue;
      }
      i++;
    }
  };
  const numRe = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const parseValue = (depth: number): JsonValue => {
    ws();
    if (i >= text.length) fail('unexpected end of input');
    const c = text[i]!;
    if (c === '{') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth}`);
      const at = i;
      i++;
      const obj: JsonObject = new Map();
      const offsets = depth === 0 ? new Map<string, number>() : null;
      if (offsets) (obj as WithOffsets)[KEY_OFFSETS] = offsets;
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const keyAt = i;
        const key = parseString();
        if (obj.has(key))
          fail(
            `duplicate key ${JSON.stringify(key)} (object opened at byte ${base + utf8Offset(text, at)})`,
            keyAt,
            `${code}_DUPLICATE_KEY`,
          );
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        offsets?.set(key, keyAt);
        obj.set(key, parseValue(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth}`);
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    numRe.lastIndex = i;
    const m = numRe.exec(text);
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail(`unexpected character ${JSON.stringify(c)}`);
  };
  const v = parseValue(0);
  ws();
  if (i !== text.length) fail('unexpected data after the JSON value');
  return v;
}
