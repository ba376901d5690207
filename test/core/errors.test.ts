import { describe, expect, it } from 'vitest';
import { DTypeError, FormatError, IndexError, NotSupportedError, ShapeError, StateError, ValueError } from '../../src/core/errors.js';

describe('error classes take (message, code)', () => {
  it('every class, FormatError included, reads message first and code second', () => {
    const made = [
      new ShapeError('m', 'E_A'),
      new DTypeError('m', 'E_A'),
      new IndexError('m', 'E_A'),
      new ValueError('m', 'E_A'),
      new StateError('m', 'E_A'),
      new NotSupportedError('m', 'E_A'),
      new FormatError('m', 'E_A'),
    ];
    for (const e of made) {
      expect(e.message).toBe('m');
      expect(e.code).toBe('E_A');
    }
  });

  it('FormatError appends its location to the message and keeps it', () => {
    const e = new FormatError('bad byte', 'E_X', { file: 'a.bin', offset: 7 });
    expect(e.code).toBe('E_X');
    expect(e.message.startsWith('bad byte')).toBe(true);
    expect(e.message).toContain('a.bin');
    expect(e.location).toEqual({ file: 'a.bin', offset: 7 });
  });

  it('a code in the old (code, message) order does not type-check', () => {
    // @ts-expect-error the second argument must be an `E_…` code
    const e = new FormatError('E_X', 'a message in the code slot');
    expect(e.code).toBe('a message in the code slot');
  });
});
