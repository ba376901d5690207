/** Generic runner: every error case of the op-spec table throws the right typed error, code and message. */
import { describe, expect, it } from 'vitest';
import { BackpropError } from '../../src/index.js';
import { REQUIRED, SPECS } from './opspec.js';

describe('op-spec table: coverage', () => {
  it('every op the issue lists has an entry, and names are unique', () => {
    const names = SPECS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const missing = REQUIRED.filter((n) => !names.includes(n));
    expect(missing).toEqual([]);
  });

  it('the shape / index checks of RELIABILITY.md are all exercised', () => {
    const labels = SPECS.flatMap((s) => (s.errors ?? []).map((e) => `${s.name}: ${e.label}`));
    for (const needle of [
      /^matmul: \[64,784\]/,
      /^add: .*\[3,4\] and \[2,4\]/,
      /^conv2d: channel mismatch/,
      /^reshape \/ view: numel mismatch/,
      /^cat: size mismatch/,
      /^gather: index out of range/,
      /^indexSelect: index out of range/,
      /^embedding: index out of range/,
      /^oneHot: label ≥ numClasses/,
    ])
      expect(
        labels.some((l) => needle.test(l)),
        String(needle),
      ).toBe(true);
  });
});

describe('op-spec table: expected errors', () => {
  for (const spec of SPECS.filter((s) => s.errors?.length)) {
    describe(spec.name, () => {
      for (const e of spec.errors!) {
        it(e.label, () => {
          let caught: unknown = null;
          try {
            e.run();
          } catch (err) {
            caught = err;
          }
          expect(caught, 'no error was thrown').not.toBeNull();
          expect(caught).toBeInstanceOf(BackpropError);
          expect((caught as Error).name, (caught as Error).message).toBe(e.type.name);
          expect(caught).toBeInstanceOf(e.type);
          expect((caught as BackpropError).code).toBe(e.code);
          for (const frag of e.message) {
            if (typeof frag === 'string') expect((caught as Error).message).toContain(frag);
            else expect((caught as Error).message).toMatch(frag);
          }
        });
      }
    });
  }
});
