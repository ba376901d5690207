/**
 * Option-object checks shared by every area (layers, optimizers, schedulers, data loaders…).
 * JavaScript silently ignores a misspelled key — `{ weight_decay: 1e-4 }` would train without weight
 * decay — so unknown keys are refused, with the camelCase spelling suggested:
 * `SGD: unknown option 'weight_decay'; did you mean 'weightDecay'? (options are camelCase)`.
 *
 * The allowed keys are written as a key set, `{ reduction: true, weight: true }`, typed against the
 * options interface: a key the interface lacks, or a key of the interface left out of the set, is a
 * compile error, so the list cannot drift from the type it checks.
 */
import { ValueError } from './errors.js';

/** One `true` per key of the options type `T`; a missing or an extra key is a compile error. */
export type OptionKeySet<T> = KeySet<NonNullable<T>>;
type KeySet<T> = { readonly [K in keyof T]-?: true };
/** Keeps a plain string array (which could drift) from passing as the key set of a key-less type. */
type NotAList = { readonly length?: never };

declare const exhaustive: unique symbol;
/** A list of option keys made by {@link optionKeys} or {@link optionKeysOf}: exhaustive for its options type. */
export type OptionKeyList = readonly string[] & { readonly [exhaustive]: true };

/**
 * The keys of the options type `T`, checked at compile time to be all of them and no others:
 * `const KEYS = optionKeys<FitOptions>()({ train: true, loss: true, ... })`. For lists kept in a
 * constant or handed to a shared helper; a call can also give the key set to `checkOptionKeys` directly.
 */
export function optionKeys<T>(): (set: OptionKeySet<T>) => OptionKeyList {
  return (set) => Object.keys(set) as unknown as OptionKeyList;
}

/**
 * The keys of a complete options object: an optimizer's defaults, typed as its options interface whose
 * keys are all required, so the object literal that builds it already lists every key.
 */
export function optionKeysOf<T extends object>(full: T): OptionKeyList {
  return Object.keys(full) as unknown as OptionKeyList;
}

/**
 * Refuse option keys outside the allowed ones (undefined/null options pass; non-objects are refused).
 * `allowed` is either a key set typed against the type of `opts` (`{ reduction: true }`) or an
 * {@link OptionKeyList}.
 */
export function checkOptionKeys<T extends object>(who: string, opts: T | null | undefined, allowed: KeySet<NoInfer<T>> & NotAList): void;
export function checkOptionKeys(who: string, opts: unknown, allowed: OptionKeyList): void;
export function checkOptionKeys(who: string, opts: unknown, allowedKeys: OptionKeyList | Record<string, true>): void {
  if (opts === undefined || opts === null) return;
  const allowed: readonly string[] = Array.isArray(allowedKeys) ? allowedKeys : Object.keys(allowedKeys);
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
