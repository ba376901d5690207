/**
 * core/options: the allowed keys are a key set typed against the options interface, so a list that
 * drifts from its interface (a key missing, or one the interface lacks) does not compile. The
 * `@ts-expect-error` lines below are checked by `npm run typecheck`: if the typing stopped catching
 * the drift, the directive itself would be the error.
 */
import { describe, expect, it } from 'vitest';
import { checkOptionKeys, optionKeys } from '../../src/core/options.js';
import { HistoryLogger } from '../../src/train/callbacks.js';

interface Opts {
  alpha?: number;
  betaValue?: boolean;
}

function check(opts: Opts | undefined): void {
  checkOptionKeys('check', opts, { alpha: true, betaValue: true });
}

describe('checkOptionKeys', () => {
  it('accepts the keys of the interface and refuses others, with the camelCase hint', () => {
    expect(() => check({ alpha: 1, betaValue: true })).not.toThrow();
    expect(() => check(undefined)).not.toThrow();
    expect(() => check({ beta_value: true } as Opts)).toThrow(/unknown option 'beta_value'; did you mean 'betaValue'\?/);
    expect(() => check({ gamma: 1 } as Opts)).toThrow(/expected one of: alpha, betaValue/);
    expect(() => check(3 as unknown as Opts)).toThrow(/options must be an object/);
  });

  it('makes a missing or an extra key a compile error', () => {
    const opts: Opts = {};
    // @ts-expect-error betaValue is missing from the key set
    checkOptionKeys('missing', opts, { alpha: true });
    // @ts-expect-error gamma is not a key of Opts
    checkOptionKeys('extra', opts, { alpha: true, betaValue: true, gamma: true });
    // @ts-expect-error a plain string list is not accepted: it could drift
    checkOptionKeys('list', opts, ['alpha', 'betaValue']);
    // @ts-expect-error optionKeys is exhaustive too
    optionKeys<Opts>()({ alpha: true });
    expect(optionKeys<Opts>()({ alpha: true, betaValue: true })).toEqual(['alpha', 'betaValue']);
  });

  it('names the class that refused the key (HistoryLogger said CSVLogger)', () => {
    expect(() => new HistoryLogger({ path: 'h.json', sep: ',' } as never)).toThrow(/^HistoryLogger: unknown option 'sep'/);
  });
});
