/**
 * ONNX import: operator semantics the conformance run (npm run test:onnx-conformance) also checks,
 * pinned here on hand-built one-node graphs so `npm test` catches a regression without the Debian
 * test data: integer arithmetic, Cast, index dtypes, old-opset forms, Resize coordinate modes, Pad
 * modes, pooling auto_pad, optional outputs, import-time refusals and trainable BatchNormalization.
 */
import { describe, expect, it } from 'vitest';
import { BackpropError, Tensor, noGrad, tensor } from '../../src/index.js';
import { encodeModelProto, OnnxAttrType, OnnxDataType, type AttributeProto, type TensorProto } from '../../src/io/onnx/proto.js';
import { importOnnxBytes, type OnnxModule } from '../../src/io/onnx/import.js';
import { int64Proto, tensorToProto } from '../../src/io/onnx/tensors.js';

const base = { floats: [], ints: [], strings: [], tensors: [], graphs: [] };
const A = {
  i: (name: string, i: number): AttributeProto => ({ ...base, name, type: OnnxAttrType.INT, i }),
  f: (name: string, f: number): AttributeProto => ({ ...base, name, type: OnnxAttrType.FLOAT, f }),
  s: (name: string, s: string): AttributeProto => ({ ...base, name, type: OnnxAttrType.STRING, s: new TextEncoder().encode(s) }),
  ints: (name: string, ints: number[]): AttributeProto => ({ ...base, name, type: OnnxAttrType.INTS, ints }),
};

interface Spec {
  op: string;
  inputs: (Tensor | string | null)[];
  attrs?: AttributeProto[];
  outputs?: number;
  opset?: number;
  /** Initializers: name → tensor (an int64 proto for number arrays). */
  inits?: Record<string, Tensor | number[]>;
}

function build({ op, inputs, attrs = [], outputs = 1, opset = 17, inits = {} }: Spec): { m: OnnxModule; feed: Tensor[] } {
  const feed: Tensor[] = [];
  const names: string[] = [];
  const graphInputs: { name: string; type: { tensorType: { elemType: number } } }[] = [];
  inputs.forEach((x, i) => {
    if (x === null) names.push('');
    else if (typeof x === 'string') names.push(x);
    else {
      names.push(`in${i}`);
      feed.push(x);
      graphInputs.push({
        name: `in${i}`,
        type: {
          tensorType: { elemType: x.dtype === 'int32' ? OnnxDataType.INT64 : x.dtype === 'bool' ? OnnxDataType.BOOL : OnnxDataType.FLOAT },
        },
      });
    }
  });
  const initializer: TensorProto[] = Object.entries(inits).map(([k, v]) => (v instanceof Tensor ? tensorToProto(v, k) : int64Proto(v, k)));
  const outs = Array.from({ length: outputs }, (_, i) => `out${i}`);
  const bytes = encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    metadataProps: [],
    graph: {
      node: [{ input: names, output: outs, opType: op, name: 'n', attribute: attrs }],
      initializer,
      input: graphInputs,
      output: outs.map((name) => ({ name })),
      valueInfo: [],
    },
  });
  return { m: importOnnxBytes(bytes), feed };
}

function run(spec: Spec): Tensor[] {
  const { m, feed } = build(spec);
  const y = noGrad(() => m.call(...feed));
  return Array.isArray(y) ? y : [y];
}
const vals = (t: Tensor) => Array.from(t.dataSync(), Number);
const i64 = (a: number[], shape = [a.length]) => tensor(a, { dtype: 'int32' }).reshape(shape);
const f32 = (a: number[], shape = [a.length]) => tensor(a).reshape(shape);
function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof BackpropError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('ONNX import: integer semantics', () => {
  it('integer Div truncates toward zero and stays integer', () => {
    const [y] = run({ op: 'Div', inputs: [i64([7, -7, 64 * 3 + 2]), i64([2, 2, 3])] });
    expect(y!.dtype).toBe('int32');
    expect(vals(y!)).toEqual([3, -3, 64]);
  });
  it('Mod follows the divisor sign (fmod 0) or the dividend sign (fmod 1)', () => {
    expect(vals(run({ op: 'Mod', inputs: [i64([-7, 7, 6]), i64([3, -3, 3])] })[0]!)).toEqual([2, -2, 0]);
    expect(vals(run({ op: 'Mod', inputs: [i64([-7, 7]), i64([3, -3])], attrs: [A.i('fmod', 1)] })[0]!)).toEqual([-1, 1]);
  });
  it('integer results outside int32 (where int64 is held) are a typed error', () => {
    expect(code(() => run({ op: 'Mul', inputs: [i64([65536]), i64([65536])] }))).toBe('E_ONNX_INT64_RANGE');
  });
  it('Cast truncates and wraps to 8 bits, and rounds to float16', () => {
    expect(vals(run({ op: 'Cast', inputs: [f32([-1.7, 200, 3.9])], attrs: [A.i('to', OnnxDataType.INT8)] })[0]!)).toEqual([-1, -56, 3]);
    expect(vals(run({ op: 'Cast', inputs: [f32([0.1, 65519, 1e-8])], attrs: [A.i('to', OnnxDataType.FLOAT16)] })[0]!)).toEqual([
      0.0999755859375, 65504, 0,
    ]);
  });
  it('a float tensor where ONNX wants indices is a typed error', () => {
    expect(code(() => run({ op: 'Reshape', inputs: [f32([1, 2, 3, 4]), f32([2, 2])] }))).toBe('E_ONNX_INDEX_DTYPE');
    expect(code(() => run({ op: 'Gather', inputs: [f32([1, 2, 3]), f32([0])] }))).toBe('E_ONNX_INDEX_DTYPE');
  });
});

describe('ONNX import: refusals happen at import, typed', () => {
  it('an unsupported operator or attribute fails at import, not at the first forward', () => {
    expect(code(() => build({ op: 'MaxUnpool', inputs: [f32([1])] }))).toBe('E_ONNX_UNSUPPORTED_OP');
    expect(
      code(() =>
        build({ op: 'Resize', inputs: [f32([1, 2], [1, 1, 1, 2]), null, f32([1, 1, 1, 2])], attrs: [A.i('antialias', 1)], opset: 18 }),
      ),
    ).toBe('E_ONNX_UNSUPPORTED_ATTR');
    expect(code(() => build({ op: 'MaxPool', inputs: [f32([1, 2], [1, 1, 2])], attrs: [A.ints('kernel_shape', [2])], outputs: 2 }))).toBe(
      'E_ONNX_OUTPUT',
    );
  });
  it('pre-7 legacy forms are refused with the version_converter recipe; unchanged ops run', () => {
    let msg = '';
    try {
      build({ op: 'Add', inputs: [f32([1]), f32([2])], attrs: [A.i('broadcast', 1)], opset: 6 });
    } catch (e) {
      msg = (e as Error).message;
      expect((e as BackpropError).code).toBe('E_ONNX_OPSET');
    }
    expect(msg).toContain('onnx.version_converter');
    expect(vals(run({ op: 'Elu', inputs: [f32([-1, 2])], opset: 6 })[0]!)[1]).toBe(2);
  });
});

describe('ONNX import: old-opset forms', () => {
  it('Softmax before opset 13 flattens to 2-D at axis', () => {
    const x = f32(
      Array.from({ length: 24 }, (_, i) => i / 10),
      [2, 3, 4],
    );
    const [y] = run({ op: 'Softmax', inputs: [x], attrs: [A.i('axis', 1)], opset: 11 });
    expect(vals(y!.sum([1, 2]))).toEqual([expect.closeTo(1, 6), expect.closeTo(1, 6)]);
    expect(vals(y!.sum(2)).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
  });
  it('Squeeze/Unsqueeze/Slice/Clip/Pad read their attributes before the input forms', () => {
    expect(run({ op: 'Squeeze', inputs: [f32([1, 2], [1, 2, 1])], attrs: [A.ints('axes', [0])], opset: 11 })[0]!.shape).toEqual([2, 1]);
    expect(run({ op: 'Unsqueeze', inputs: [f32([1, 2])], attrs: [A.ints('axes', [0, 2])], opset: 11 })[0]!.shape).toEqual([1, 2, 1]);
    expect(
      vals(run({ op: 'Slice', inputs: [f32([0, 1, 2, 3, 4])], attrs: [A.ints('starts', [1]), A.ints('ends', [-1])], opset: 9 })[0]!),
    ).toEqual([1, 2, 3]);
    expect(vals(run({ op: 'Clip', inputs: [f32([-2, 0.5, 2])], attrs: [A.f('min', -1), A.f('max', 1)], opset: 10 })[0]!)).toEqual([
      -1, 0.5, 1,
    ]);
    expect(vals(run({ op: 'Pad', inputs: [f32([1, 2])], attrs: [A.ints('pads', [1, 0]), A.f('value', 9)], opset: 10 })[0]!)).toEqual([
      9, 1, 2,
    ]);
  });
});

describe('ONNX import: operators', () => {
  it('Resize linear: half_pixel and align_corners coordinates', () => {
    const x = f32([0, 1], [1, 1, 1, 2]);
    const sizes = { sizes: [1, 1, 1, 4] };
    const hp = run({ op: 'Resize', inputs: [x, null, null, 'sizes'], inits: sizes, attrs: [A.s('mode', 'linear')] })[0]!;
    expect(vals(hp)).toEqual([0, 0.25, 0.75, 1]);
    const ac = run({
      op: 'Resize',
      inputs: [x, null, null, 'sizes'],
      inits: sizes,
      attrs: [A.s('mode', 'linear'), A.s('coordinate_transformation_mode', 'align_corners')],
    })[0]!;
    vals(ac).forEach((v, i) => expect(v).toBeCloseTo(i / 3, 6));
  });
  it('Pad reflect, edge and wrap', () => {
    const x = f32([1, 2, 3]);
    const pad = (mode: string) => vals(run({ op: 'Pad', inputs: [x, 'pads'], inits: { pads: [2, 2] }, attrs: [A.s('mode', mode)] })[0]!);
    expect(pad('reflect')).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(pad('edge')).toEqual([1, 1, 1, 2, 3, 3, 3]);
    expect(pad('wrap')).toEqual([2, 3, 1, 2, 3, 1, 2]);
  });
  it('MaxPool with auto_pad SAME_UPPER, 1-D, on integers', () => {
    const [y] = run({
      op: 'MaxPool',
      inputs: [i64([1, 5, 2, 4, 3], [1, 1, 5])],
      attrs: [A.ints('kernel_shape', [2]), A.ints('strides', [2]), A.s('auto_pad', 'SAME_UPPER')],
    });
    expect(y!.dtype).toBe('int32');
    expect(vals(y!)).toEqual([5, 4, 3]);
  });
  it('AveragePool 3-D with asymmetric pads excludes the padding from the divisor', () => {
    const x = f32(new Array(8).fill(2), [1, 1, 2, 2, 2]);
    const [y] = run({ op: 'AveragePool', inputs: [x], attrs: [A.ints('kernel_shape', [2, 2, 2]), A.ints('pads', [1, 0, 0, 0, 0, 0])] });
    expect(y!.shape).toEqual([1, 1, 2, 1, 1]);
    expect(vals(y!)).toEqual([2, 2]);
  });
  it('TopK keeps the lower index first among ties; CumSum exclusive reverse', () => {
    const [v, i] = run({ op: 'TopK', inputs: [f32([1, 3, 3, 2]), 'k'], inits: { k: [2] }, outputs: 2 });
    expect(vals(v!)).toEqual([3, 3]);
    expect(vals(i!)).toEqual([1, 2]);
    expect(
      vals(run({ op: 'CumSum', inputs: [f32([1, 2, 3]), 'ax'], inits: { ax: [0] }, attrs: [A.i('exclusive', 1), A.i('reverse', 1)] })[0]!),
    ).toEqual([5, 3, 0]);
  });
  it('Einsum: matrix product, diagonal, implicit output', () => {
    const a = f32([1, 2, 3, 4], [2, 2]);
    const b = f32([5, 6, 7, 8], [2, 2]);
    expect(vals(run({ op: 'Einsum', inputs: [a, b], attrs: [A.s('equation', 'ij,jk->ik')] })[0]!)).toEqual([19, 22, 43, 50]);
    expect(vals(run({ op: 'Einsum', inputs: [a], attrs: [A.s('equation', 'ii->i')] })[0]!)).toEqual([1, 4]);
    expect(vals(run({ op: 'Einsum', inputs: [a], attrs: [A.s('equation', 'ij')] })[0]!)).toEqual([1, 2, 3, 4]);
  });
  it('OneHot (negative index), Split, Range, Tile, DepthToSpace CRD', () => {
    expect(vals(run({ op: 'OneHot', inputs: [i64([0, -1]), 'd', 'v'], inits: { d: [3], v: f32([0, 5]) } })[0]!)).toEqual([
      5, 0, 0, 0, 0, 5,
    ]);
    const parts = run({ op: 'Split', inputs: [f32([1, 2, 3, 4, 5]), 's'], inits: { s: [2, 3] }, outputs: 2 });
    expect(parts.map(vals)).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    expect(vals(run({ op: 'Range', inputs: [i64([10], []), i64([4], []), i64([-3], [])] })[0]!)).toEqual([10, 7]);
    expect(vals(run({ op: 'Tile', inputs: [f32([1, 2]), 'r'], inits: { r: [2] } })[0]!)).toEqual([1, 2, 1, 2]);
    const d2s = run({
      op: 'DepthToSpace',
      inputs: [f32([0, 1, 2, 3], [1, 4, 1, 1])],
      attrs: [A.i('blocksize', 2), A.s('mode', 'CRD')],
    })[0]!;
    expect(d2s.shape).toEqual([1, 1, 2, 2]);
    expect(vals(d2s)).toEqual([0, 1, 2, 3]);
  });
  it('ArgMax select_last_index, IsInf flags, Clip without bounds, GatherElements negative indices, Shape start/end', () => {
    expect(vals(run({ op: 'ArgMax', inputs: [f32([2, 5, 5, 1])], attrs: [A.i('select_last_index', 1), A.i('keepdims', 0)] })[0]!)).toEqual([
      2,
    ]);
    expect(vals(run({ op: 'IsInf', inputs: [f32([Infinity, -Infinity, 1])], attrs: [A.i('detect_negative', 0)] })[0]!)).toEqual([1, 0, 0]);
    expect(vals(run({ op: 'Clip', inputs: [f32([-5, 5])] })[0]!)).toEqual([-5, 5]);
    expect(vals(run({ op: 'GatherElements', inputs: [f32([1, 2, 3]), i64([-1, 0])] })[0]!)).toEqual([3, 1]);
    expect(
      vals(run({ op: 'Shape', inputs: [f32(new Array(24).fill(0), [2, 3, 4])], attrs: [A.i('start', 1), A.i('end', -1)] })[0]!),
    ).toEqual([3]);
  });
  it('optional outputs: LayerNormalization Mean/InvStdDev and the Dropout mask', () => {
    const [y, mean, inv] = run({ op: 'LayerNormalization', inputs: [f32([1, 3], [1, 2]), 'w'], inits: { w: f32([1, 1]) }, outputs: 3 });
    expect(vals(mean!)).toEqual([2]);
    expect(inv!.item()).toBeCloseTo(1 / Math.sqrt(1 + 1e-5), 5);
    expect(vals(y!).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, 1]);
    const [, mask] = run({ op: 'Dropout', inputs: [f32([1, 2])], outputs: 2 });
    expect(mask!.dtype).toBe('bool');
    expect(vals(mask!)).toEqual([1, 1]);
  });
});

describe('ONNX import: trainable BatchNormalization', () => {
  it('follows train()/eval(): batch statistics and running-stat updates in training, running stats in eval', () => {
    const inits = { scale: f32([1, 1]), bias: f32([0, 0]), mean: f32([10, -10]), var: f32([4, 4]) };
    const { m } = build({ op: 'BatchNormalization', inputs: [f32([0, 0, 0, 0], [2, 2]), 'scale', 'bias', 'mean', 'var'], inits });
    const x = f32([1, 2, 3, 6], [2, 2]);
    expect(m.training).toBe(false);
    const y0 = m.call(x) as Tensor;
    expect(vals(y0)[0]).toBeCloseTo((1 - 10) / Math.sqrt(4 + 1e-5), 4);
    m.train();
    const y1 = m.call(x) as Tensor;
    // batch mean [2, 4]: the normalised columns have mean 0
    expect(vals(y1.mean(0)).map((v) => Math.abs(v) < 1e-6)).toEqual([true, true]);
    const running = Object.fromEntries(m.namedBuffers());
    expect(vals(running['mean']!)[0]).toBeCloseTo(0.9 * 10 + 0.1 * 2, 5);
    // gradients reach the imported scale (fine-tuning)
    (m.call(x) as Tensor)
      .mul(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      )
      .sum()
      .backward();
    const scale = Object.fromEntries(m.namedParameters())['scale']!;
    expect(scale.grad).not.toBeNull();
    m.eval();
    const y2 = m.call(x) as Tensor;
    expect(vals(y2)[0]).toBeCloseTo((1 - vals(running['mean']!)[0]!) / Math.sqrt(vals(running['var']!)[0]! + 1e-5), 4);
  });
});

describe('ONNX: re-exporting an imported recurrent model', () => {
  it('an imported LSTM exports again with a dynamic batch and gives the same outputs at another batch size', async () => {
    const { nn, Rng, exportOnnx, importOnnx, randn } = await import('../../src/index.js');
    const rng = new Rng(3);
    class Last extends nn.Module {
      lstm = new nn.LSTM(3, 4, { batchFirst: true, rng });
      fc = new nn.Linear(4, 2, { rng });
      constructor() {
        super();
        this.registerModule('lstm', this.lstm);
        this.registerModule('fc', this.fc);
      }
      forward(x: Tensor): Tensor {
        return this.fc.call(this.lstm.call(x)[0].select(1, -1));
      }
    }
    const m = new Last();
    m.eval();
    const imported = await importOnnx(exportOnnx(m, randn([2, 5, 3], { rng })));
    const again = await importOnnx(exportOnnx(imported, randn([2, 5, 3], { rng })));
    const x3 = randn([3, 5, 3], { rng });
    const want = noGrad(() => m.call(x3));
    expect(vals(noGrad(() => again.call(x3)) as Tensor).map((v, i) => Math.abs(v - vals(want)[i]!) < 1e-5)).toEqual(
      new Array(6).fill(true),
    );
  });
});

describe('ONNX export tables', () => {
  it('every op of the op table and every traced layer type has a lowering rule or an explicit "not exportable"', async () => {
    const { PRIM_LOWERING } = await import('../../src/io/onnx/export-prims.js');
    const { MODULE_LOWERING } = await import('../../src/io/onnx/export-modules.js');
    const { LAYER_TYPES } = await import('../../src/io/onnx/trace.js');
    const { OPS } = await import('../../src/ops/table.js');
    for (const op of Object.keys(OPS)) expect(PRIM_LOWERING, op).toHaveProperty(op);
    for (const l of LAYER_TYPES) expect(typeof MODULE_LOWERING[l]).toBe('function');
  });
  it('layers are matched by typeName, so a minified class name still exports as one Gemm', async () => {
    const { nn, Rng, exportOnnx, randn } = await import('../../src/index.js');
    const { decodeOnnxModel } = await import('../../src/io/onnx/files.js');
    const lin = new nn.Linear(3, 2, { rng: new Rng(0) });
    const ctor = lin.constructor;
    const saved = Object.getOwnPropertyDescriptor(ctor, 'name')!;
    Object.defineProperty(ctor, 'name', { value: 'a' }); // what a minifier does to the class name
    try {
      const ops = decodeOnnxModel(exportOnnx(lin, randn([1, 3]))).graph!.node.map((n) => n.opType);
      expect(ops).toEqual(['Gemm', 'Identity']);
    } finally {
      Object.defineProperty(ctor, 'name', saved);
    }
  });
});

describe('ONNX import: quantization', () => {
  it('QuantizeLinear rounds half to even and saturates to the zero point type; DequantizeLinear inverts', () => {
    const uint8 = run({ op: 'QuantizeLinear', inputs: [f32([0.5, 1.5, 2.5, 300, -3]), 's'], inits: { s: f32([1], []) } })[0]!;
    expect(vals(uint8)).toEqual([0, 2, 2, 255, 0]);
    const int8 = run({
      op: 'QuantizeLinear',
      inputs: [f32([-300, 3]), 's', 'z'],
      inits: { s: f32([1], []), z: tensor([1], { dtype: 'int32' }).reshape([]) },
    });
    // the zero point above is an int64 initializer (not INT8), so the range is uint8's
    expect(vals(int8[0]!)).toEqual([0, 4]);
    const deq = run({
      op: 'DequantizeLinear',
      inputs: [i64([0, 10, 255]), 's', 'z'],
      inits: { s: f32([0.5], []), z: tensor([10], { dtype: 'int32' }).reshape([]) },
    })[0]!;
    expect(vals(deq)).toEqual([-5, 0, 122.5]);
  });
  it('MatMulInteger subtracts zero points and multiplies exactly', () => {
    const [y] = run({ op: 'MatMulInteger', inputs: [i64([11, 7, 3, 10], [2, 2]), i64([1, 4, 2, 3], [2, 2]), i64([2], []), i64([1], [])] });
    expect(vals(y!)).toEqual([
      (11 - 2) * 0 + (7 - 2) * 1,
      (11 - 2) * 3 + (7 - 2) * 2,
      (3 - 2) * 0 + (10 - 2) * 1,
      (3 - 2) * 3 + (10 - 2) * 2,
    ]);
  });
  it('HannWindow (periodic)', () => {
    const [w] = run({ op: 'HannWindow', inputs: [i64([4], [])] });
    vals(w!).forEach((v, k) => expect(v).toBeCloseTo(0.5 - 0.5 * Math.cos((2 * Math.PI * k) / 4), 6));
  });
});

describe('ONNX import: NonMaxSuppression', () => {
  it('keeps the best box, drops overlaps above the IoU threshold, and honours the per-class limit', () => {
    const boxes = f32([0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, 10, 1, 11, 0, 20, 1, 21], [1, 4, 4]);
    const scores = f32([0.9, 0.95, 0.3, 0.05], [1, 1, 4]);
    const [y] = run({
      op: 'NonMaxSuppression',
      inputs: [boxes, scores, 'max', 'iou', 'smin'],
      inits: { max: [2], iou: f32([0.5], []), smin: f32([0.1], []) },
    });
    expect(y!.shape).toEqual([2, 3]);
    expect(vals(y!)).toEqual([0, 0, 1, 0, 0, 2]);
  });
});
