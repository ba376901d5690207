/**
 * The host's view of the kernel module (`KernelExports`, `KERNEL_ARITY` in src/backend/wasm/module.ts)
 * against the compiled modules themselves: the same function names, each with the same number of
 * parameters, in every variant this engine runs. (This found adamF32 declared with 14 parameters
 * while it takes 15.) Also: the op codes shared through abi.ts reach the kernels.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_ARITY, MAX_PAGES, variantBytes, type Variant } from '../../src/backend/wasm/module.js';
import { POOL_FNS } from '../../src/backend/wasm/pool.js';
import { ConvGeom, Ew, PoolGeom, Red } from '../../src/backend/wasm/abi.js';
import { ensureBuilt } from './setup.js';

const VARIANTS: Variant[] = ['simd', 'relaxed', 'simd-mt', 'relaxed-mt'];

async function instantiate(v: Variant): Promise<{ exports: WebAssembly.Exports; memory: WebAssembly.Memory } | null> {
  const bytes = await variantBytes(v);
  if (!WebAssembly.validate(bytes)) return null; // e.g. relaxed SIMD off in this engine
  const shared = v.endsWith('-mt');
  const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
  const inst = await WebAssembly.instantiate(bytes, { env: { memory } });
  return { exports: inst.instance.exports, memory };
}

beforeAll(() => ensureBuilt(), 300_000); // may compile the modules

describe('KernelExports matches the compiled kernels', () => {
  for (const v of VARIANTS) {
    it(`${v}: the same function exports, with the same arities`, async () => {
      const got = await instantiate(v);
      if (!got) return;
      const fns = Object.entries(got.exports).filter(([, f]) => typeof f === 'function') as [string, (...a: unknown[]) => unknown][];
      const have = Object.fromEntries(fns.map(([name, f]) => [name, f.length]));
      expect(have).toEqual({ ...KERNEL_ARITY });
    });
  }

  it('every function the worker pool runs is a kernel export that fits a job slot (15 arguments)', () => {
    for (const f of POOL_FNS) {
      expect(KERNEL_ARITY[f]).toBeGreaterThan(0);
      expect(KERNEL_ARITY[f]).toBeLessThanOrEqual(15);
    }
  });
});

describe('op codes and geometry slots shared through abi.ts', () => {
  it('the enums keep the numbering the modules were built with and the blocks their sizes', () => {
    // binary float32 results below Eq, comparisons [Eq, Neg), unary from Neg
    expect([Ew.Add, Ew.Minimum, Ew.Eq, Ew.Ge, Ew.Neg, Ew.Elu]).toEqual([0, 5, 16, 21, 32, 49]);
    expect([Red.Sum, Red.Max, Red.Min]).toEqual([0, 1, 2]);
    expect(ConvGeom.Count).toBe(18);
    expect(PoolGeom.Count).toBe(16);
  });

  it('the kernel reads the codes as the host writes them (a comparison writes bytes, relu clamps, max reduces)', async () => {
    const got = await instantiate('simd');
    expect(got).not.toBeNull();
    const e = got!.exports as unknown as {
      heapBase(): number;
      elementwise(
        op: number,
        nd: number,
        shape: number,
        a: number,
        sa: number,
        b: number,
        sb: number,
        out: number,
        p0: number,
        p1: number,
      ): void;
      reduce(op: number, outer: number, size: number, inner: number, x: number, out: number, acc: number): void;
    };
    const base = (e.heapBase() + 63) & ~63;
    const f32 = new Float32Array(got!.memory.buffer);
    const i32 = new Int32Array(got!.memory.buffer);
    const u8 = new Uint8Array(got!.memory.buffer);
    const [shape, sa, sb, a, b, out] = [base, base + 16, base + 32, base + 64, base + 128, base + 192];
    i32[shape >> 2] = 8;
    i32[sa >> 2] = 1;
    i32[sb >> 2] = 1;
    const xa = [-2, -1, 0, 1, 2, 3, 4, 5];
    const xb = [0, 0, 0, 2, 2, 2, 9, 9];
    f32.set(xa, a >> 2);
    f32.set(xb, b >> 2);
    e.elementwise(Ew.Lt, 1, shape, a, sa, b, sb, out, 0, 0);
    expect([...u8.subarray(out, out + 8)]).toEqual(xa.map((x, i) => (x < xb[i]! ? 1 : 0)));
    e.elementwise(Ew.Relu, 1, shape, a, sa, 0, sb, out, 0, 0);
    expect([...f32.subarray(out >> 2, (out >> 2) + 8)]).toEqual(xa.map((x) => Math.max(x, 0)));
    e.elementwise(Ew.Sub, 1, shape, a, sa, b, sb, out, 0, 0);
    expect([...f32.subarray(out >> 2, (out >> 2) + 8)]).toEqual(xa.map((x, i) => x - xb[i]!));
    e.reduce(Red.Min, 1, 8, 1, a, out, base + 256);
    expect(f32[out >> 2]).toBe(-2);
    e.reduce(Red.Max, 1, 8, 1, a, out, base + 256);
    expect(f32[out >> 2]).toBe(5);
  });
});
