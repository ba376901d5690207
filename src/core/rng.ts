/**
 * Seeded random numbers. Every random function in backprop takes (or defaults to) an `Rng`,
 * so the same seed gives the same bits on every platform.
 *
 * Algorithm: xoshiro128** (Blackman & Vigna, 2018) — 128-bit state, 32-bit outputs, period
 * 2^128 − 1. The state is seeded from a 32-bit (or 53-bit) integer seed with SplitMix32
 * (the 32-bit variant of SplitMix64's finaliser), so nearby seeds give unrelated streams.
 * - `uniform()` gives a double in [0, 1) built from 53 random bits (two outputs).
 * - `normal()` uses the Box–Muller transform, caching the second value.
 * - `int(lo, hi)` is unbiased (rejection sampling).
 * The full state (four words + the cached normal) is serialisable with `getState`/`setState`.
 */
import { ValueError } from './errors.js';

/** Serialisable state of an `Rng`: the four xoshiro128** words and the cached second Box–Muller normal. */
export interface RngState {
  s: [number, number, number, number];
  spare: number | null;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded xoshiro128** generator (see the module comment): `new Rng(seed)`, then `uniform()`, `normal()`, `int(lo, hi)`.
 * Same seed, same numbers on every platform.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed = 0) {
    if (!Number.isFinite(seed) || !Number.isInteger(seed)) throw new ValueError(`Rng: seed must be an integer, got ${seed}`);
    const hi = Math.floor(seed / 2 ** 32);
    const sm = splitmix32((seed >>> 0) ^ Math.imul(hi >>> 0, 0x27d4eb2d));
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniformRange(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal N(0, 1) by Box–Muller. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Unbiased integer in [lo, hi). */
  int(lo: number, hi: number): number {
    const range = hi - lo;
    if (!(range > 0) || !Number.isInteger(range)) throw new ValueError(`Rng.int: empty or non-integer range [${lo}, ${hi})`);
    if (range <= 2 ** 32) {
      const limit = 2 ** 32 - (2 ** 32 % range);
      let x = this.nextU32();
      while (x >= limit) x = this.nextU32();
      return lo + (x % range);
    }
    return lo + Math.floor(this.uniform() * range);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = tmp;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** A new generator seeded from this one (for independent child streams). */
  fork(): Rng {
    const child = new Rng(0);
    child.setState({ s: [this.nextU32(), this.nextU32(), this.nextU32(), this.nextU32() | 1], spare: null });
    return child;
  }

  /** A copy of the current state; `setState` on it replays the same numbers from here. */
  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  /**
   * Restore a state from `getState`.
   * @throws ValueError if `s` is not four unsigned 32-bit integers, or is all zero (invalid for xoshiro128**).
   */
  setState(state: RngState): void {
    const s = state?.s;
    if (!Array.isArray(s) || s.length !== 4 || !s.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32))
      throw new ValueError('Rng.setState: state.s must be four unsigned 32-bit integers');
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new ValueError('Rng.setState: all-zero state is invalid for xoshiro128**');
    [this.s0, this.s1, this.s2, this.s3] = s;
    this.spare = state.spare ?? null;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let globalRng = new Rng(0);

/** The default generator used when a random function is given no `rng`. */
export function defaultRng(): Rng {
  return globalRng;
}

/** Reseed the default generator (like `torch.manual_seed`). */
export function manualSeed(seed: number): Rng {
  globalRng = new Rng(seed);
  return globalRng;
}
