/**
 * The LeNet hot kernels' fast paths against the js reference: the vectorised 2×2/2 max pool (values
 * and indices bit-identical, NaN / ±0 / ±Infinity / ties included, every output width so both the
 * four-wide groups and the tails run), the contiguous-row reductions (inner = 1 and small inner), and
 * elementwise ops over layouts whose dims merge (conv bias broadcasts, size-1 dims) with vector compares.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { jsKernels, type BinaryOp, type Pool2dArgs, type View } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { Rng } from '../../src/core/rng.js';
import { ensureBuilt, expectClose, randF32 } from './setup.js';

let wasm: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  wasm = await createWasmBackend({ threads: 1 });
});

function pool2(n: number, c: number, h: number, w: number): Pool2dArgs {
  return {
    n,
    c,
    h,
    w,
    oh: Math.floor((h - 2) / 2) + 1,
    ow: Math.floor((w - 2) / 2) + 1,
    kh: 2,
    kw: 2,
    strideH: 2,
    strideW: 2,
    padH: 0,
    padW: 0,
    dilH: 1,
    dilW: 1,
    countIncludePad: true,
    divisor: 0,
  };
}

/** Random data sprinkled with NaN, ±0, ±Infinity and repeated values (ties). */
function nasty(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const a = new Float32Array(n);
  const specials = [NaN, 0, -0, Infinity, -Infinity, 0.5, 0.5, -1];
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    a[i] = u < 0.35 ? specials[Math.floor(r.uniform() * specials.length)]! : r.uniform() * 2 - 1;
  }
  return a;
}

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

describe('wasm 2x2/2 max pool fast path', () => {
  const shapes: [number, number, number, number][] = [];
  for (let w = 2; w <= 21; w++) shapes.push([2, 3, 2 + (w % 5), w]);
  shapes.push([4, 6, 28, 28], [3, 16, 10, 10], [1, 1, 9, 17]);
  for (const [n, c, h, w] of shapes) {
    it(`[${n},${c},${h},${w}]: values and indices bit-identical to js`, () => {
      const a = pool2(n, c, h, w);
      for (const x of [randF32(n * c * h * w, 11 + w), nasty(n * c * h * w, 13 + w + h)]) {
        const got = wasm.kernels.maxPool2d!(x, a, 'float32');
        const want = jsKernels.maxPool2d(x, a, 'float32');
        expect(Array.from(got.indices!)).toEqual(Array.from(want.indices!));
        expect(bits(got.out as Float32Array)).toEqual(bits(want.out as Float32Array));
        const values = wasm.kernels.maxPool2d!(x, a, 'float32', false);
        expect(values.indices).toBeNull();
        expect(bits(values.out as Float32Array)).toEqual(bits(want.out as Float32Array));
        // backward: whole windows written at once; same bits as js's zero-fill-and-add (dy has -0, NaN)
        const gy = nasty(want.indices!.length, 17 + w);
        const gx = wasm.kernels.maxPool2dGrad!(gy, want.indices!, a, 'float32') as Float32Array;
        expect(bits(gx)).toEqual(bits(jsKernels.maxPool2dGrad(gy, want.indices!, a, 'float32') as Float32Array));
      }
    });
  }
  it('backward with indices outside their windows falls back to the general scatter', () => {
    const a = pool2(2, 3, 8, 12);
    const m = 2 * 3 * a.oh * a.ow;
    const gy = randF32(m, 5);
    for (const bad of [0, m - 1, 7]) {
      const ind = jsKernels.maxPool2d(randF32(2 * 3 * 8 * 12, 6), a, 'float32').indices!.slice();
      ind[bad] = (ind[bad]! + 5) % 96; // another window of the same plane
      expect(bits(wasm.kernels.maxPool2dGrad!(gy, ind, a, 'float32') as Float32Array)).toEqual(
        bits(jsKernels.maxPool2dGrad(gy, ind, a, 'float32') as Float32Array),
      );
    }
  });
});

describe('wasm contiguous-row reductions', () => {
  const cases: [number, number, number][] = [
    [1, 1024, 1],
    [1, 1031, 1],
    [384, 784, 1],
    [1024, 100, 1],
    [37, 33, 1],
    [300, 7, 1],
    [1100, 1, 1],
    [150, 9, 1],
    [64, 28, 2],
    [40, 50, 3],
    [700, 1, 2],
    [9, 31, 5],
    [30, 64, 7],
    [1, 1100, 16],
    [1, 200, 6],
    [50, 3, 9],
  ];
  for (const [outer, size, inner] of cases) {
    const shape = [outer, size, inner];
    const n = outer * size * inner;
    it(`sum/max/min over [${shape}] axis 1`, () => {
      const x = randF32(n, 3 + n);
      const sumTol = 1e-6;
      expectClose(
        wasm.kernels.reduce!('sum', x, shape, 1, 'float32'),
        jsKernels.reduce('sum', x, shape, 1, 'float32'),
        sumTol,
        1e-6,
        'sum',
      );
      // the mixed-precision steps of multi-axis sums: f32 → f64 and f64 → f32
      const mid = wasm.kernels.reduce!('sum', x, shape, 1, 'float64');
      expect(mid).toBeInstanceOf(Float64Array);
      expectClose(mid, jsKernels.reduce('sum', x, shape, 1, 'float64'), 1e-12, 1e-12, 'sum f32→f64');
      const x64 = Float64Array.from(x);
      expectClose(
        wasm.kernels.reduce!('sum', x64, shape, 1, 'float32'),
        jsKernels.reduce('sum', x64, shape, 1, 'float32'),
        sumTol,
        1e-6,
        'sum f64→f32',
      );
      expectClose(
        wasm.kernels.reduce!('sum', x64, shape, 1, 'float64'),
        jsKernels.reduce('sum', x64, shape, 1, 'float64'),
        1e-12,
        1e-12,
        'sum f64→f64',
      );
      for (const xs of [x, nasty(n, 5 + n)]) {
        for (const op of ['max', 'min'] as const) {
          const got = wasm.kernels.reduce!(op, xs, shape, 1, 'float32') as Float32Array;
          const want = jsKernels.reduce(op, xs, shape, 1, 'float32') as Float32Array;
          // exact, NaN wins; for whole rows (inner = 1) also the sign of a zero extreme (the first
          // zero reached, like the js kernel); the strided path's vector max/min may pick either zero
          expect(got.length).toBe(want.length);
          for (let i = 0; i < want.length; i++) {
            const g = got[i]!,
              w = want[i]!;
            if (Number.isNaN(w)) expect(Number.isNaN(g), `${op} ${i}`).toBe(true);
            else if (inner === 1 || w !== 0) expect(Object.is(g, w), `${op} ${i}: got ${g} want ${w}`).toBe(true);
            else expect(g === 0, `${op} ${i}: got ${g} want ${w}`).toBe(true);
          }
        }
      }
    });
  }

  it('whole-row max/min: zero extremes keep the sign of the first zero, NaN wins (exact as js)', () => {
    const r = new Rng(99);
    for (const size of [1, 3, 4, 5, 8, 13, 64]) {
      const outer = Math.ceil(2048 / size);
      const xs = new Float32Array(outer * size);
      const pick = [-0, 0, -1, -3.5, 0, -0, 1, 2.5];
      for (let i = 0; i < xs.length; i++) xs[i] = pick[Math.floor(r.uniform() * pick.length)]!;
      // every 17th row gets a NaN somewhere
      for (let o = 0; o < outer; o += 17) xs[o * size + Math.floor(r.uniform() * size)] = NaN;
      for (const op of ['max', 'min'] as const) {
        const got = wasm.kernels.reduce!(op, xs, [outer, size, 1], 1, 'float32');
        const want = jsKernels.reduce(op, xs, [outer, size, 1], 1, 'float32');
        for (let i = 0; i < want.length; i++)
          expect(Object.is(got[i], want[i]), `${op} size ${size} row ${i}: got ${got[i]} want ${want[i]}`).toBe(true);
      }
    }
  });
});

describe('wasm elementwise over merged dims', () => {
  // [name, shape, strides of a, strides of b]
  const layouts: [string, number[], number[], number[]][] = [
    ['conv bias [4,6,7,9] + [6]', [4, 6, 7, 9], [378, 63, 9, 1], [0, 1, 0, 0]],
    ['conv bias on the left [3,5,4,4]', [3, 5, 4, 4], [0, 1, 0, 0], [80, 16, 4, 1]],
    ['contiguous 4-d, 16·k + 3 elements', [3, 1, 7, 31], [217, 217, 31, 1], [217, 217, 31, 1]],
    ['scalar b, size-1 dims', [1, 5, 1, 67], [335, 67, 67, 1], [0, 0, 0, 0]],
    ['scalar a', [2, 3, 50], [0, 0, 0], [150, 50, 1]],
    ['keepdim column [9,1,40] - [9,1,1]', [9, 1, 40], [40, 40, 1], [1, 1, 0]],
    ['inner broadcast, outer contiguous [6,5,8] (b [6,1,8])', [6, 5, 8], [40, 8, 1], [8, 0, 1]],
    ['transposed a', [12, 20, 3], [3, 36, 1], [60, 3, 1]],
  ];
  const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
  const spanOf = (shape: number[], st: number[]) => 1 + shape.reduce((acc, n, i) => acc + (n - 1) * st[i]!, 0);
  for (const [name, shape, sa, sb] of layouts)
    it(name, () => {
      const ad = nasty(spanOf(shape, sa) + 1, 21 + shape[0]!);
      const bd = nasty(spanOf(shape, sb) + 2, 22 + shape[1]!);
      bd[2] = ad[1]!;
      const a: View = { data: ad, offset: 1, strides: sa };
      const b: View = { data: bd, offset: 2, strides: sb };
      for (const op of ops) {
        const cmp = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op);
        const got = wasm.kernels.binary!(op, a, b, shape, cmp ? 'bool' : 'float32');
        const want = jsKernels.binary(op, a, b, shape, cmp ? 'bool' : 'float32');
        expect(got.constructor).toBe(want.constructor);
        if (cmp) expect(Array.from(got)).toEqual(Array.from(want));
        else expectClose(got, want, 0, 0, `${name} ${op}`);
      }
      // relu (unary) over the same view of a
      expectClose(wasm.kernels.unary!('relu', a, shape, 'float32'), jsKernels.unary('relu', a, shape, 'float32'), 0, 0, `${name} relu`);
    });
});
