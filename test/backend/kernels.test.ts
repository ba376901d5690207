/**
 * The js elementwise kernels walk strided views by collapsing dimensions into rows. Property test:
 * for random shapes, permutations, slices and broadcasts, the kernels equal a naive per-element
 * evaluation of offset + Σ index·stride.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/backend/js/index.js';
import type { View } from '../../src/backend/types.js';
import { numel } from '../../src/core/shape.js';

function naive(shape: number[], views: View[], f: (...xs: number[]) => number): number[] {
  const out: number[] = [];
  const n = numel(shape);
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    const idx = new Array<number>(shape.length).fill(0);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    out.push(f(...views.map((v) => v.data[v.offset + idx.reduce((acc, i, d) => acc + i * v.strides[d]!, 0)]!)));
  }
  return out;
}

/** A random strided view of `shape` over fresh storage: per dim a stride that may be 0 (broadcast), permuted or padded. */
const viewOf = (shape: number[]) =>
  fc
    .record({
      broadcast: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      perm: fc.shuffledSubarray(
        shape.map((_, i) => i),
        { minLength: shape.length, maxLength: shape.length },
      ),
      gap: fc.integer({ min: 1, max: 3 }),
      offset: fc.integer({ min: 0, max: 3 }),
      seed: fc.integer({ min: 1, max: 1000 }),
    })
    .map(({ broadcast, perm, gap, offset, seed }) => {
      // lay the dims out in `perm` order with an extra gap in the innermost stride
      const strides = new Array<number>(shape.length).fill(0);
      let acc = gap;
      for (let k = perm.length - 1; k >= 0; k--) {
        const d = perm[k]!;
        strides[d] = broadcast[d] ? 0 : acc;
        acc *= shape[d]!;
      }
      const data = new Float64Array(offset + acc + 1);
      let x = seed;
      for (let i = 0; i < data.length; i++) {
        x = (x * 16807) % 2147483647;
        data[i] = (x / 2147483647) * 4 - 2;
      }
      return { data, offset, strides } as View;
    });

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 });

describe('js elementwise kernels over arbitrary strided views', () => {
  it('binary add/mul/div/maximum equal the naive evaluation', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((s) => fc.tuple(fc.constant(s), viewOf(s), viewOf(s))),
        fc.constantFrom('add', 'sub', 'mul', 'div', 'maximum', 'lt') as fc.Arbitrary<'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'lt'>,
        ([shape, a, b], op) => {
          const f = {
            add: (x: number, y: number) => x + y,
            sub: (x: number, y: number) => x - y,
            mul: (x: number, y: number) => x * y,
            div: (x: number, y: number) => x / y,
            maximum: Math.max,
            lt: (x: number, y: number) => (x < y ? 1 : 0),
          }[op];
          const got = Array.from(jsKernels.binary(op, a, b, shape, 'float64'));
          expect(got).toEqual(naive(shape, [a, b], f));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('unary copy/neg/relu/exp/sigmoid and where equal the naive evaluation', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((s) => fc.tuple(fc.constant(s), viewOf(s), viewOf(s), viewOf(s))),
        ([shape, x, a, b]) => {
          expect(Array.from(jsKernels.unary('copy', x, shape, 'float64'))).toEqual(naive(shape, [x], (v) => v));
          expect(Array.from(jsKernels.unary('neg', x, shape, 'float64'))).toEqual(naive(shape, [x], (v) => -v));
          expect(Array.from(jsKernels.unary('relu', x, shape, 'float64'))).toEqual(naive(shape, [x], (v) => (v > 0 ? v : 0)));
          expect(Array.from(jsKernels.unary('exp', x, shape, 'float64'))).toEqual(naive(shape, [x], Math.exp));
          expect(Array.from(jsKernels.unary('copy', x, shape, 'float32'))).toEqual(naive(shape, [x], Math.fround));
          const cond: View = { ...x, data: Uint8Array.from(x.data, (v) => (v > 0 ? 1 : 0)) };
          expect(Array.from(jsKernels.where(cond, a, b, shape, 'float64'))).toEqual(naive(shape, [cond, a, b], (c, p, q) => (c ? p : q)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('js matmul kernel', () => {
  it('equals a naive triple loop for any m, k, n, transposes and broadcast batches (bit-exact in float64)', () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 1, max: 9 }),
          k: fc.integer({ min: 1, max: 6 }),
          n: fc.integer({ min: 1, max: 7 }),
          transA: fc.boolean(),
          transB: fc.boolean(),
          bcastA: fc.boolean(),
          bcastB: fc.boolean(),
          seed: fc.integer({ min: 1, max: 10000 }),
          zeros: fc.boolean(),
        }),
        ({ batch, m, k, n, transA, transB, bcastA, bcastB, seed, zeros }) => {
          let x = seed;
          const fill = (len: number) =>
            Float64Array.from({ length: len }, () => {
              x = (x * 16807) % 2147483647;
              const v = (x / 2147483647) * 4 - 2;
              return zeros && v < -1 ? 0 : v;
            });
          const strideA = bcastA ? 0 : m * k;
          const strideB = bcastB ? 0 : k * n;
          const a = fill(bcastA ? m * k : batch * m * k);
          const b = fill(bcastB ? k * n : batch * k * n);
          const got = jsKernels.matmul(
            {
              a: { data: a, offset: 0, strides: [] },
              b: { data: b, offset: 0, strides: [] },
              batch,
              m,
              k,
              n,
              transA,
              transB,
              strideA,
              strideB,
            },
            'float64',
          );
          const want: number[] = [];
          for (let bi = 0; bi < batch; bi++)
            for (let i = 0; i < m; i++)
              for (let j = 0; j < n; j++) {
                let s = 0;
                for (let t = 0; t < k; t++) {
                  const av = transA ? a[bi * strideA + t * m + i]! : a[bi * strideA + i * k + t]!;
                  const bv = transB ? b[bi * strideB + j * k + t]! : b[bi * strideB + t * n + j]!;
                  s += av * bv;
                }
                want.push(s);
              }
          expect(Array.from(got)).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a zero in A times Inf/NaN in B gives NaN, as IEEE requires', () => {
    const r = jsKernels.matmul(
      {
        a: { data: new Float64Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), offset: 0, strides: [] },
        b: { data: new Float64Array([Infinity, NaN]), offset: 0, strides: [] },
        batch: 1,
        m: 5,
        k: 2,
        n: 1,
        transA: false,
        transB: false,
        strideA: 0,
        strideB: 0,
      },
      'float64',
    );
    expect(Array.from(r).every(Number.isNaN)).toBe(true);
  });
});
