import { beforeAll, describe, expect, it } from 'vitest';
import { jsKernels, type BinaryOp, type UnaryOp, type View } from '../../src/backend/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { ensureBuilt, expectClose, randF32 } from './setup.js';

let wasm: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  wasm = await createWasmBackend({ threads: 1 });
});

function contig(shape: number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

// [name, output shape, strides of a, strides of b, storage length of a, of b]
const layouts: [string, number[], number[], number[], number, number][] = [
  ['contiguous, length 1000 (not a multiple of 4)', [1000], [1], [1], 1000, 1000],
  ['bias row broadcast [32,257] + [257]', [32, 257], [257, 1], [0, 1], 32 * 257, 257],
  ['keepdim column broadcast [65,10] - [65,1]', [65, 10], [10, 1], [1, 0], 650, 65],
  ['scalar on either side', [7, 19], [0, 0], [19, 1], 1, 133],
  ['transposed a (strides [1,40])', [40, 30], [1, 40], [30, 1], 1200, 1200],
  ['3-d with a middle broadcast', [3, 5, 17], [85, 17, 1], [17, 0, 1], 255, 51],
  ['batch 1, 5-d', [1, 2, 3, 4, 5], [120, 60, 20, 5, 1], [0, 0, 0, 0, 1], 120, 5],
];

describe('wasm binary kernels match js', () => {
  const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'reluGrad', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
  for (const [name, shape, sa, sb, la, lb] of layouts)
    it(name, () => {
      const ad = randF32(la + 3, la);
      const bd = randF32(lb + 2, lb + 1);
      bd[2] = ad[3]!; // an equal pair somewhere
      ad[5] = NaN;
      const a: View = { data: ad, offset: 3, strides: sa };
      const b: View = { data: bd, offset: 2, strides: sb };
      for (const op of ops) {
        const out = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op) ? 'bool' : 'float32';
        const got = wasm.kernels.binary!(op, a, b, shape, out);
        const want = jsKernels.binary(op, a, b, shape, out);
        expect(got.constructor).toBe(want.constructor);
        expectClose(got, want, 0, 0, `${name} ${op}`);
      }
    });

  it('int32 and float64 inputs go to js', () => {
    const a: View = { data: new Int32Array(100).fill(3), offset: 0, strides: [1] };
    expect(Array.from(wasm.kernels.binary!('add', a, a, [100], 'int32'))).toEqual(new Array(100).fill(6));
  });
});

describe('wasm unary kernels match js', () => {
  const ops: [UnaryOp, number, number, number][] = [
    ['neg', 0, 0, 0],
    ['abs', 0, 0, 0],
    ['relu', 0, 0, 0],
    ['square', 0, 0, 0],
    ['sqrt', 0, 0, 1e-7],
    ['reciprocal', 0, 0, 0],
    ['copy', 0, 0, 0],
    ['leakyRelu', 0.01, 0, 0],
    ['clamp', -0.3, 0.5, 0],
    ['clamp', NaN, 0.2, 0],
    ['sign', 0, 0, 0],
    ['exp', 0, 0, 1e-7],
    ['log', 0, 0, 1e-7],
    ['tanh', 0, 0, 1e-7],
    ['sigmoid', 0, 0, 1e-7],
    ['rsqrt', 0, 0, 1e-7],
    ['log1p', 0, 0, 1e-7],
    ['expm1', 0, 0, 1e-7],
    ['elu', 1.5, 0, 1e-7],
  ];
  for (const [name, shape, sa, , la] of layouts.slice(0, 5))
    it(name, () => {
      const d = randF32(la + 1, la + 9, 4);
      d[4] = NaN;
      d[6] = -0;
      d[9] = 0;
      const x: View = { data: d, offset: 1, strides: sa };
      for (const [op, p0, p1, rtol] of ops) {
        const got = wasm.kernels.unary!(op, x, shape, 'float32', p0, p1);
        expectClose(got, jsKernels.unary(op, x, shape, 'float32', p0, p1), rtol, 0, `${name} ${op}`);
      }
    });

  it('casts of contiguous data (bool → float32, float32 → int32) match js', () => {
    const b: View = { data: Uint8Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 1 : 0)), offset: 0, strides: [1] };
    expect(Array.from(wasm.kernels.unary!('copy', b, [300], 'float32'))).toEqual(Array.from(jsKernels.unary('copy', b, [300], 'float32')));
    const f: View = { data: randF32(300, 4, 100), offset: 0, strides: [1] };
    expect(Array.from(wasm.kernels.unary!('copy', f, [300], 'int32'))).toEqual(Array.from(jsKernels.unary('copy', f, [300], 'int32')));
  });
});

describe('wasm reductions match js', () => {
  const shapes: number[][] = [[1000], [32, 257], [7, 65, 3], [2, 1, 129], [64, 10]];
  for (const shape of shapes)
    it(`sum/max/min over every axis of [${shape}]`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = randF32(n, n + 17, 10);
      for (let axis = 0; axis < shape.length; axis++)
        for (const op of ['sum', 'max', 'min'] as const) {
          const got = wasm.kernels.reduce!(op, x, shape, axis, 'float32');
          // sums accumulate in f64 on both sides; only the association order differs
          expectClose(
            got,
            jsKernels.reduce(op, x, shape, axis, 'float32'),
            op === 'sum' ? 1e-6 : 0,
            op === 'sum' ? 1e-6 : 0,
            `${op} axis ${axis}`,
          );
        }
    });

  it('NaN wins max and min, like PyTorch', () => {
    const x = randF32(400, 3);
    x[123] = NaN;
    for (const op of ['max', 'min'] as const) {
      const got = wasm.kernels.reduce!(op, x, [4, 100], 1, 'float32');
      expectClose(got, jsKernels.reduce(op, x, [4, 100], 1, 'float32'), 0, 0, op);
      expect(Number.isNaN(got[1]!)).toBe(true);
    }
  });
});

describe('strided contiguous() copies', () => {
  it('a permuted 4-d view copies like js', () => {
    const shape = [3, 4, 5, 6];
    const st = contig([6, 5, 4, 3]); // storage laid out as the reverse permutation
    const x: View = { data: randF32(360, 2), offset: 0, strides: [st[3]!, st[2]!, st[1]!, st[0]!] };
    expectClose(wasm.kernels.unary!('copy', x, shape, 'float32'), jsKernels.unary('copy', x, shape, 'float32'), 0, 0, 'permute copy');
  });
});

describe('mixed-precision sums (multi-axis reduction steps)', () => {
  it('f32 → f64 → f32 over every axis matches js exactly', () => {
    const shape = [8, 6, 7, 5];
    const n = 8 * 6 * 7 * 5;
    const x = randF32(n, 77, 3);
    for (let axis = 0; axis < 4; axis++) {
      const w64 = wasm.kernels.reduce!('sum', x, shape, axis, 'float64');
      const j64 = jsKernels.reduce('sum', x, shape, axis, 'float64');
      expect(w64).toBeInstanceOf(Float64Array);
      expectClose(w64, j64, 1e-15, 1e-15, `f32→f64 axis ${axis}`);
      const x64 = Float64Array.from(x);
      expectClose(
        wasm.kernels.reduce!('sum', x64, shape, axis, 'float32'),
        jsKernels.reduce('sum', x64, shape, axis, 'float32'),
        0,
        0,
        `f64→f32 axis ${axis}`,
      );
      expectClose(
        wasm.kernels.reduce!('sum', x64, shape, axis, 'float64'),
        jsKernels.reduce('sum', x64, shape, axis, 'float64'),
        1e-15,
        1e-15,
        `f64→f64 axis ${axis}`,
      );
    }
  });
});

describe('fused softmax cross-entropy (wasm) matches the js kernel', () => {
  for (const [m, c] of [
    [32, 10],
    [7, 1000],
    [1, 64],
    [5, 3],
  ] as const)
    it(`[${m}, ${c}] with a zero-weight row and ±1e4 logits`, () => {
      const x = randF32(m * c, m * c, 8);
      x[0] = 1e4;
      if (c > 2) x[2] = -1e4;
      const t = Int32Array.from({ length: m }, (_, i) => (i * 7) % c);
      const w = Float32Array.from({ length: m }, (_, i) => (i === m - 1 && m > 1 ? 0 : 1 + (i % 3) * 0.5));
      const got = wasm.kernels.softmaxCrossEntropy!(x, m, c, t, w, 'float32');
      const want = jsKernels.softmaxCrossEntropy(x, m, c, t, w, 'float32');
      // exp/log are computed in f64 by different libms (musl-derived vs V8's fdlibm): ≤ 1 ulp of f32
      expectClose(got.loss, want.loss, 2.4e-7, 1e-30, 'loss');
      expectClose(got.probs, want.probs, 2.4e-7, 1e-37, 'probs');
      for (const v of got.loss) expect(Number.isFinite(v)).toBe(true);
    });
});

describe("reluGrad: PyTorch's threshold_backward (+0 where x ≤ 0, else g), lane for lane as the js kernel", () => {
  it('signed zeros, NaN and infinities in g and x, on the vector path and the tail', () => {
    const vals = [0, -0, 1, -1, NaN, Infinity, -Infinity, 2.5, 1e-45];
    const n = vals.length * vals.length;
    const g = new Float32Array(n);
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      g[i] = vals[i % vals.length]!;
      x[i] = vals[Math.floor(i / vals.length)]!;
    }
    const v = (d: Float32Array): View => ({ data: d, offset: 0, strides: [1] });
    const got = wasm.kernels.binary!('reluGrad', v(g), v(x), [n], 'float32');
    const want = jsKernels.binary('reluGrad', v(g), v(x), [n], 'float32');
    for (let i = 0; i < n; i++) {
      // torch: threshold_backward(g, x, 0) = where(x <= 0, 0, g): a NaN x passes g, a cut g is +0 even when NaN
      const torch = x[i]! <= 0 ? 0 : g[i]!;
      expect(Object.is(want[i], torch), `js reluGrad(${g[i]}, ${x[i]}) = ${want[i]}, threshold_backward = ${torch}`).toBe(true);
      expect(Object.is(got[i], want[i]), `wasm reluGrad(${g[i]}, ${x[i]}) = ${got[i]}, js ${want[i]}`).toBe(true);
    }
  });
});

describe('maximum/minimum: signed zeros and NaN lane for lane as the js kernel', () => {
  it('ties give the first argument as in PyTorch (maximum(+0, −0) = +0, maximum(−0, +0) = −0), NaN wins, on the vector path too', () => {
    const n = 256;
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    const vals = [0, -0, 1, -1, NaN, Infinity, -Infinity, 2.5];
    for (let i = 0; i < n; i++) {
      a[i] = vals[i % vals.length]!;
      b[i] = vals[Math.floor(i / vals.length) % vals.length]!;
    }
    const v = (d: Float32Array): View => ({ data: d, offset: 0, strides: [1] });
    for (const op of ['maximum', 'minimum'] as const) {
      const got = wasm.kernels.binary!(op, v(a), v(b), [n], 'float32');
      const want = jsKernels.binary(op, v(a), v(b), [n], 'float32');
      for (let i = 0; i < n; i++) expect(Object.is(got[i], want[i]), `${op}(${a[i]}, ${b[i]}) = ${got[i]}, js ${want[i]}`).toBe(true);
    }
    // PyTorch 1.13: torch.maximum(tensor([0., -0.]), tensor([-0., 0.])) = [0., -0.]; minimum the same
    const z = (x: number[]) => v(Float32Array.from(x));
    for (const op of ['maximum', 'minimum'] as const)
      for (const k of [wasm.kernels.binary!, jsKernels.binary]) {
        const r = k(op, z([0, -0, ...new Array<number>(126).fill(0)]), z([-0, 0, ...new Array<number>(126).fill(0)]), [128], 'float32');
        expect(Object.is(r[0], 0) && Object.is(r[1], -0), `${op}: ${r[0]}, ${r[1]}`).toBe(true);
      }
  });
});
