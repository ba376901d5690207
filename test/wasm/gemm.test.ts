import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, init, jsKernels, kernels, setBackend, type MatmulArgs } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { tensor, randn } from '../../src/tensor/creation.js';
import { Rng } from '../../src/core/rng.js';
import { ensureBuilt, expectClose, randF32 } from './setup.js';

/** |C| computed from |A|·|B| in float64: the scale float32 rounding error is measured against. */
function absScale(p: MatmulArgs): Float64Array {
  const abs = (v: MatmulArgs['a']) => ({ ...v, data: Float64Array.from(v.data as Float32Array, Math.abs) });
  return jsKernels.matmul({ ...p, a: abs(p.a), b: abs(p.b) }, 'float64') as Float64Array;
}

function args(
  batch: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  seed: number,
  broadcastB = false,
): MatmulArgs {
  const a = randF32(batch * m * k + 3, seed);
  const b = randF32((broadcastB ? 1 : batch) * k * n + 5, seed + 1);
  return {
    a: { data: a, offset: 3, strides: [] },
    b: { data: b, offset: 5, strides: [] },
    batch,
    m,
    k,
    n,
    transA,
    transB,
    strideA: m * k,
    strideB: broadcastB ? 0 : k * n,
  };
}

function checkAgainstJs(p: MatmulArgs, what: string): void {
  const got = kernels().matmul(p, 'float32');
  const want = jsKernels.matmul(p, 'float32');
  const scale = absScale(p);
  expect(got).toBeInstanceOf(Float32Array);
  expect(got.length).toBe(want.length);
  // float32 accumulation over k terms: error ≤ ~k·2⁻²⁴·Σ|a||b|; allow 2e-6·(k+8) relative to that scale
  const tol = 2e-6 * (p.k + 8);
  let bad = 0;
  for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i]! - want[i]!) <= tol * scale[i]! + 1e-30)) bad++;
  expect(bad, `${what}: ${bad} of ${want.length} outside k-scaled tolerance`).toBe(0);
}

const shapes: [string, number, number, number][] = [
  ['1x1x1', 1, 1, 1],
  ['row vector (m=1)', 1, 37, 19],
  ['m=3 small', 3, 5, 70],
  ['odd', 5, 7, 9],
  ['primes', 13, 29, 31],
  ['edges of every tile', 127, 67, 131],
  ['k > KC block', 50, 600, 40],
  ['large', 256, 300, 257],
  ['n > NC block', 7, 20, 2100],
];

let wasm: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  await init({ backend: 'wasm', threads: 1 });
  wasm = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  setBackend('js');
});

describe('wasm backend selection', () => {
  it('init() picks wasm with SIMD and says so in backendInfo()', () => {
    const info = backendInfo();
    expect(info.backend).toBe('wasm');
    expect(info.info.simd).toBe(true);
    expect(info.info.kernels).toContain('matmul');
    expect(typeof info.info.relaxedSimd).toBe('boolean');
    // Node 20 gets relaxed SIMD through the run-time flag
    expect(info.info.variant).toMatch(info.info.relaxedSimd ? /^relaxed(-mt)?$/ : /^simd(-mt)?$/);
  });

  it("init({ backend: 'js' }) switches back to the reference kernels", async () => {
    await init({ backend: 'js' });
    expect(backendInfo().backend).toBe('js');
    expect(kernels().matmul).toBe(jsKernels.matmul);
    await init({ backend: 'wasm', threads: 1 });
    expect(kernels().matmul).not.toBe(jsKernels.matmul);
  });
});

describe('wasm matmul parity with js (float32)', () => {
  for (const [name, m, k, n] of shapes)
    for (const ta of [false, true])
      for (const tb of [false, true])
        it(`${name} [${m},${k}]x[${k},${n}] transA=${ta} transB=${tb}`, () => {
          checkAgainstJs(args(1, m, k, n, ta, tb, m * 7 + n), `${name} ${ta} ${tb}`);
        });

  it('batched (batch 4), each transpose variant', () => {
    for (const ta of [false, true]) for (const tb of [false, true]) checkAgainstJs(args(4, 9, 17, 23, ta, tb, 11), `batched ${ta} ${tb}`);
  });

  it('batched with a broadcast (stride 0) right operand', () => {
    checkAgainstJs(args(3, 20, 33, 14, false, true, 12, true), 'broadcast B');
  });

  it('k = 0 gives zeros', () => {
    const got = kernels().matmul(args(1, 3, 0, 4, false, false, 1), 'float32');
    expect(Array.from(got)).toEqual(new Array(12).fill(0));
  });

  it('NaN and Inf propagate like the js kernel', () => {
    const p = args(1, 8, 8, 8, false, false, 3);
    (p.a.data as Float32Array)[3 + 2 * 8 + 1] = NaN; // row 2
    (p.b.data as Float32Array)[5 + 3 * 8 + 4] = Infinity; // col 4 (row 3 of B)
    const got = kernels().matmul(p, 'float32');
    const want = jsKernels.matmul(p, 'float32');
    for (let i = 0; i < 64; i++) expect(Number.isNaN(got[i]!)).toBe(Number.isNaN(want[i]!));
    for (let i = 0; i < 64; i++) if (!Number.isFinite(want[i]!) && !Number.isNaN(want[i]!)) expect(got[i]).toBe(want[i]);
  });

  it('float64 falls back to the js kernel (identical bits)', () => {
    const p = args(1, 6, 5, 4, false, false, 4);
    const p64: MatmulArgs = { ...p, a: { ...p.a, data: Float64Array.from(p.a.data) }, b: { ...p.b, data: Float64Array.from(p.b.data) } };
    expect(Array.from(kernels().matmul(p64, 'float64'))).toEqual(Array.from(jsKernels.matmul(p64, 'float64')));
  });
});

describe('through the op layer (non-contiguous operands)', () => {
  function both(f: () => number[] | number): [unknown, unknown] {
    const w = f();
    setBackend('js');
    const j = f();
    setBackend('wasm');
    return [w, j];
  }

  it('transposed, sliced, batch-1 broadcast and 1-D operands match js', () => {
    const r = new Rng(5);
    const a = randn([40, 30], { rng: r });
    const b = randn([50, 40], { rng: r });
    const cases: [string, () => number[]][] = [
      ['aᵀ·bᵀ', () => (a.t().matmul(b.t()).toArray() as number[][]).flat()],
      [
        'sliced rows/cols (copied)',
        () =>
          (
            a
              .slice(0, 1, 39, 2)
              .matmul(b.t().slice(0, 5, 35))
              .toArray() as number[][]
          ).flat(),
      ],
      ['vector · matrix', () => a.select(1, 3).matmul(b.t()).toArray() as number[]],
      [
        'batch-1 × batch-3',
        () =>
          (
            randn([1, 4, 6], { rng: new Rng(1) })
              .matmul(randn([3, 6, 5], { rng: new Rng(2) }))
              .toArray() as number[][][]
          ).flat(2),
      ],
    ];
    for (const [name, f] of cases) {
      const [w, j] = both(f);
      expectClose(w as number[], j as number[], 1e-4, 1e-5, name);
    }
  });

  it('gradients of matmul match js', () => {
    const run = () => {
      const x = tensor(randF32(6 * 7, 9), { shape: [6, 7], requiresGrad: true });
      const w = tensor(randF32(5 * 7, 10), { shape: [5, 7], requiresGrad: true });
      x.matmul(w.t()).square().sum().backward();
      return [...(x.grad!.toArray() as number[][]).flat(), ...(w.grad!.toArray() as number[][]).flat()];
    };
    const [w, j] = both(run);
    expectClose(w as number[], j as number[], 1e-4, 1e-5, 'grads');
  });
});

describe('variants and threads', () => {
  it('plain SIMD (relaxedSimd: false) matches js', async () => {
    const b = await createWasmBackend({ threads: 1, relaxedSimd: false });
    expect(b.info?.variant).toMatch(/^simd(-mt)?$/);
    const p = args(1, 45, 70, 33, false, true, 21);
    const got = b.kernels.matmul!(p, 'float32');
    expectClose(got, jsKernels.matmul(p, 'float32'), 1e-4, 1e-4, 'plain simd');
  });

  it('two threads split rows and columns and match one thread', async () => {
    const b = await createWasmBackend({ threads: 2 });
    if (!b.info?.sharedMemory) return expect(b.gemm.threads).toBe(1); // no shared memory here: one thread is the fallback
    expect(b.gemm.threads).toBe(2);
    b.gemm.parallelMinMacs = 0; // split even small products
    // 28×6 and 28×5 split by rows into 24 + 4: the 4-row share must not take the small-m path
    for (const [m, k, n, ta, tb] of [
      [13, 17, 70, false, false],
      [90, 31, 11, true, false],
      [64, 64, 64, false, true],
      [5, 9, 3, true, true],
      [28, 300, 6, false, false],
      [28, 40, 5, false, true],
    ] as const) {
      const p = args(1, m, k, n, ta, tb, m + n);
      expectClose(b.kernels.matmul!(p, 'float32'), wasm.kernels.matmul!(p, 'float32'), 0, 0, `threads ${m}x${k}x${n}`); // same bits
    }
  });

  it('200 back-to-back split products stay correct (claim/steal protocol)', async () => {
    const b = await createWasmBackend({ threads: 2 });
    if (!b.gemm.pool) return expect(b.info?.sharedMemory).toBe(false);
    b.gemm.parallelMinMacs = 0;
    const p = args(1, 24, 40, 36, false, true, 77);
    const want = wasm.kernels.matmul!(p, 'float32');
    for (let i = 0; i < 200; i++) expectClose(b.kernels.matmul!(p, 'float32'), want, 0, 0, `call ${i}`);
  });

  it('the arena stops growing once it holds the largest call (dropped results evicted past the budget)', () => {
    // results are device storages; apply() lets the device evict before each op, as done here by hand
    const p = args(1, 200, 150, 180, false, false, 31);
    wasm.arena.setBudget(0);
    try {
      wasm.arena.atOp();
      wasm.kernels.matmul!(p, 'float32');
      const size = wasm.arena.byteLength;
      for (let i = 0; i < 20; i++) {
        wasm.arena.atOp();
        wasm.kernels.matmul!(p, 'float32');
      }
      expect(wasm.arena.byteLength).toBe(size);
    } finally {
      wasm.arena.setBudget(null);
    }
  });
});
