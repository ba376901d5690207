/**
 * Option-object checks shared by every area (layers, optimizers, schedulers, data loaders…).
 * JavaScript silently ignores a misspelled key — `{ weight_decay: 1e-4 }` would train without weight
 * decay — so unknown keys are refused, with the camelCase spelling suggested:
 * `SGD: unknown option 'weight_decay'; did you mean 'weightDecay'? (options are camelCase)`.
 */
import { ValueError } from './errors.js';

/** Refuse option keys outside `allowed` (undefined/null options pass; non-objects are refused). */
export function checkOptionKeys(who: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === undefined || opts === null) return;
  if (typeof opts !== 'object' || Array.isArray(opts))
    throw new ValueError(`${who}: options must be an object, got ${Array.isArray(opts) ? 'an array' : typeof opts}`, 'E_OPTIONS');
  for (const k of Object.keys(opts)) {
    if (allowed.includes(k)) continue;
    const camel = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const hint =
      camel !== k && allowed.includes(camel)
        ? `; did you mean '${camel}'? (options are camelCase)`
        : allowed.length
          ? `; expected one of: ${allowed.join(', ')}`
          : '; this takes no options';
    throw new ValueError(`${who}: unknown option '${k}'${hint}`, 'E_UNKNOWN_OPTION');
  }
}
