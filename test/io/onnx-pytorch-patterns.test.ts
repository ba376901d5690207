/**
 * ONNX import: graph patterns torch.onnx.export writes for ordinary models (found by exporting
 * torchvision and hand-written models at opsets 13 and 17), pinned on small hand-built graphs.
 */
import { describe, expect, it } from 'vitest';
import { BackpropError, Tensor, noGrad, tensor } from '../../src/index.js';
import {
  encodeModelProto,
  OnnxAttrType,
  OnnxDataType,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
} from '../../src/io/onnx/proto.js';
import { importOnnxBytes, type OnnxModule } from '../../src/io/onnx/import.js';
import { emptyTensorProto, tensorToProto } from '../../src/io/onnx/tensors.js';

const base = { floats: [], ints: [], strings: [], tensors: [], graphs: [] };
const A = {
  i: (name: string, i: number): AttributeProto => ({ ...base, name, type: OnnxAttrType.INT, i }),
  s: (name: string, s: string): AttributeProto => ({ ...base, name, type: OnnxAttrType.STRING, s: new TextEncoder().encode(s) }),
  ints: (name: string, ints: number[]): AttributeProto => ({ ...base, name, type: OnnxAttrType.INTS, ints }),
  t: (name: string, t: TensorProto): AttributeProto => ({ ...base, name, type: OnnxAttrType.TENSOR, t }),
};
/** An INT64 tensor from bigints, so INT64_MAX/INT64_MIN are written exactly as PyTorch writes them. */
function i64(name: string, values: bigint[]): TensorProto {
  return emptyTensorProto({
    name,
    dims: [values.length],
    dataType: OnnxDataType.INT64,
    rawData: new Uint8Array(BigInt64Array.from(values).buffer),
  });
}
const node = (opType: string, input: string[], output: string[], attribute: AttributeProto[] = []): NodeProto => ({
  opType,
  input,
  output,
  name: output[0],
  attribute,
});

function model(nodes: NodeProto[], inits: TensorProto[], inputs: string[], outputs: string[], opset = 17): Uint8Array {
  return encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    metadataProps: [],
    graph: {
      node: nodes,
      initializer: inits,
      input: inputs.map((name) => ({ name, type: { tensorType: { elemType: OnnxDataType.FLOAT } } })),
      output: outputs.map((name) => ({ name })),
      valueInfo: [],
    },
  });
}
const call = (m: OnnxModule, ...x: Tensor[]) => noGrad(() => m.call(...x)) as Tensor;
const vals = (t: Tensor) => Array.from(t.dataSync(), Number);
function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof BackpropError) return e.code;
    throw e;
  }
  return 'no error';
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

describe('ONNX import: Slice bounds PyTorch writes as INT64_MAX / INT64_MIN', () => {
  it('x[:, 1:] (ends INT64_MAX) and x.flip (ends INT64_MIN + 1, step -1), from initializers and Constant nodes', () => {
    const bytes = model(
      [
        node('Slice', ['x', 'one', 'end', 'ax1'], ['a']),
        node('Constant', [], ['rstart'], [A.t('value', i64('', [-1n]))]),
        node('Constant', [], ['rend'], [A.t('value', i64('', [INT64_MIN + 1n]))]),
        node('Slice', ['x', 'rstart', 'rend', 'ax1', 'neg'], ['b']),
        node('Slice', ['x', 'lo', 'end', 'ax1'], ['c']),
      ],
      [i64('one', [1n]), i64('end', [INT64_MAX]), i64('ax1', [1n]), i64('neg', [-1n]), i64('lo', [INT64_MIN])],
      ['x'],
      ['a', 'b', 'c'],
    );
    const m = importOnnxBytes(bytes);
    const x = tensor([0, 1, 2, 3, 4, 5, 6, 7]).reshape([2, 4]);
    const [a, b, c] = noGrad(() => m.call(x)) as Tensor[];
    expect(a!.shape).toEqual([2, 3]);
    expect(vals(a!)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(vals(b!)).toEqual([3, 2, 1, 0, 7, 6, 5, 4]);
    expect(vals(c!)).toEqual(vals(x));
  });

  it('an int64 outside int32 read by anything but Slice bounds is still refused at import', () => {
    const bytes = model(
      [node('Slice', ['x', 'one', 'end', 'ax1'], ['a']), node('Add', ['end', 'end'], ['b'])],
      [i64('one', [1n]), i64('end', [INT64_MAX]), i64('ax1', [1n])],
      ['x'],
      ['a', 'b'],
    );
    expect(code(() => importOnnxBytes(bytes))).toBe('E_ONNX_INT64_RANGE');
  });

  it('a stored tensor over an explicit maxElements is refused; a small one imports', () => {
    const w = tensorToProto(tensor([1, 2, 3, 4, 5, 6]).reshape([2, 3]), 'w');
    const bytes = model([node('MatMul', ['x', 'w'], ['y'])], [w], ['x'], ['y']);
    expect(code(() => importOnnxBytes(bytes, { maxElements: 4 }))).toBe('E_ONNX_LIMIT');
    expect(vals(call(importOnnxBytes(bytes), tensor([[1, 1]])))).toEqual([5, 7, 9]);
  });
});

/** Naive Conv3d, [N, C, D, H, W] ⊛ [O, C/g, kd, kh, kw], symmetric pads. */
function conv3dRef(
  x: Tensor,
  w: Tensor,
  b: number[],
  s: number[],
  p: number[],
  dl: number[],
  g: number,
): { data: number[]; shape: number[] } {
  const [N, C, ...S] = x.shape as number[];
  const [O, Cg, ...K] = w.shape as number[];
  const xs = vals(x);
  const ws = vals(w);
  const out = S.map((v, i) => Math.floor((v + 2 * p[i]! - dl[i]! * (K[i]! - 1) - 1) / s[i]!) + 1);
  const data: number[] = [];
  for (let n = 0; n < N!; n++)
    for (let o = 0; o < O!; o++)
      for (let a = 0; a < out[0]!; a++)
        for (let bb = 0; bb < out[1]!; bb++)
          for (let c = 0; c < out[2]!; c++) {
            let acc = b[o]!;
            const grp = Math.floor(o / (O! / g));
            for (let ci = 0; ci < Cg!; ci++)
              for (let i = 0; i < K[0]!; i++)
                for (let j = 0; j < K[1]!; j++)
                  for (let k = 0; k < K[2]!; k++) {
                    const z = a * s[0]! - p[0]! + i * dl[0]!;
                    const y = bb * s[1]! - p[1]! + j * dl[1]!;
                    const xx = c * s[2]! - p[2]! + k * dl[2]!;
                    if (z < 0 || y < 0 || xx < 0 || z >= S[0]! || y >= S[1]! || xx >= S[2]!) continue;
                    const cin = grp * Cg! + ci;
                    acc +=
                      xs[(((n * C! + cin) * S[0]! + z) * S[1]! + y) * S[2]! + xx]! *
                      ws[(((o * Cg! + ci) * K[0]! + i) * K[1]! + j) * K[2]! + k]!;
                  }
            data.push(acc);
          }
  return { data, shape: [N!, O!, ...out] };
}

describe('ONNX import: Conv with 3 spatial dims (torchvision video models r3d_18, mc3_18)', () => {
  it('matches a direct Conv3d with stride, dilation, padding, groups and bias', () => {
    const rnd = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
    const x = tensor(rnd(2 * 4 * 5 * 6 * 7, 1)).reshape([2, 4, 5, 6, 7]);
    const w = tensor(rnd(6 * 2 * 3 * 2 * 3, 2)).reshape([6, 2, 3, 2, 3]);
    const b = [0.1, -0.2, 0.3, 0, 0.5, -0.6];
    const attrs = [A.ints('strides', [2, 1, 2]), A.ints('dilations', [1, 2, 1]), A.ints('pads', [1, 1, 0, 1, 1, 0]), A.i('group', 2)];
    const bytes = model(
      [node('Conv', ['x', 'w', 'b'], ['y'], attrs)],
      [tensorToProto(w, 'w'), tensorToProto(tensor(b), 'b')],
      ['x'],
      ['y'],
    );
    const y = call(importOnnxBytes(bytes), x);
    const ref = conv3dRef(x, w, b, [2, 1, 2], [1, 1, 0], [1, 2, 1], 2);
    expect(y.shape).toEqual(ref.shape);
    const got = vals(y);
    expect(Math.max(...got.map((v, i) => Math.abs(v - ref.data[i]!)))).toBeLessThan(1e-5);
  });

  it('ConvTranspose with 3 spatial dims is refused at import, typed', () => {
    const w = tensorToProto(tensor(new Array(16).fill(1)).reshape([2, 1, 2, 2, 2]), 'w');
    const bytes = model([node('ConvTranspose', ['x', 'w'], ['y'])], [w], ['x'], ['y']);
    expect(code(() => importOnnxBytes(bytes))).toBe('E_ONNX_UNSUPPORTED_ATTR');
  });
});

describe('ONNX import: GridSample (F.grid_sample, exported at opset 16+)', () => {
  // x = arange(12).view(1, 1, 3, 4) ** 1.5 / 5; reference values from torch 1.13 F.grid_sample.
  const x = tensor(Array.from({ length: 12 }, (_, i) => i ** 1.5 / 5)).reshape([1, 1, 3, 4]);
  const grid = tensor([-1, -1, 0.3, -0.2, 1.2, 0.9, -1.4, 0.5, 0.75, 1.3]).reshape([1, 1, 5, 2]);
  const torchRef: Record<string, number[]> = {
    'bilinear zeros 0': [0.0, 2.29501, 0.47428, 0.0, 0.36483],
    'bilinear zeros 1': [0.0, 2.43286, 4.85612, 1.2251, 4.85245],
    'bilinear border 0': [0.0, 2.29501, 7.29657, 3.79411, 7.29657],
    'bilinear border 1': [0.0, 2.43286, 6.93732, 3.06274, 6.93207],
    'bilinear reflection 0': [0.0, 2.29501, 7.29657, 4.03858, 7.29657],
    'bilinear reflection 1': [0.0, 2.43286, 6.65194, 3.51592, 5.87764],
    'nearest zeros 0': [0.0, 2.93939, 0.0, 0.0, 0.0],
    'nearest zeros 1': [0.0, 2.93939, 7.29657, 0.0, 7.29657],
    'nearest border 0': [0.0, 2.93939, 7.29657, 4.52548, 7.29657],
    'nearest reflection 1': [0.0, 2.93939, 7.29657, 5.4, 7.29657],
    'bicubic zeros 0': [-0.08054, 2.04086, 0.43632, -0.48468, 0.29325],
    'bicubic zeros 1': [0.0, 2.1625, 5.49301, 1.34793, 6.06316],
    'bicubic border 0': [-0.16492, 1.9936, 7.70173, 3.91893, 7.30297],
    'bicubic border 1': [0.0, 2.14965, 7.12548, 3.15542, 7.3967],
    'bicubic reflection 0': [-0.32217, 1.9936, 7.97755, 4.11025, 7.42456],
    'bicubic reflection 1': [0.0, 2.09321, 7.11818, 3.83545, 6.63763],
  };
  const gs = (mode: string, pad: string, ac: number) =>
    importOnnxBytes(
      model(
        [node('GridSample', ['x', 'g'], ['y'], [A.s('mode', mode), A.s('padding_mode', pad), A.i('align_corners', ac)])],
        [],
        ['x', 'g'],
        ['y'],
        16,
      ),
    );

  it('bilinear, nearest and bicubic with zeros, border and reflection padding match PyTorch', () => {
    for (const [key, want] of Object.entries(torchRef)) {
      const [mode, pad, ac] = key.split(' ') as [string, string, string];
      const got = vals(call(gs(mode, pad, Number(ac)), x, grid));
      got.forEach((v, i) => expect(Math.abs(v - want[i]!), `${key} [${i}]`).toBeLessThan(2e-5));
    }
  });

  it("opset 20's linear/cubic names; gradients reach the input and the grid", () => {
    const m = importOnnxBytes(
      model([node('GridSample', ['x', 'g'], ['y'], [A.s('mode', 'linear'), A.s('padding_mode', 'border')])], [], ['x', 'g'], ['y'], 20),
    );
    // positions away from pixel centres and borders, where the sum is smooth in the grid
    const smooth = tensor([-0.6, -0.3, 0.3, -0.2, 0.1, 0.45, -0.35, 0.5, 0.55, 0.2]).reshape([1, 1, 5, 2]);
    const g = smooth.detach().requiresGrad_();
    const xi = x.detach().requiresGrad_();
    (m.call(xi, g) as Tensor).sum().backward();
    // d/dgrid by central differences
    const f = (gv: number[]) => vals(call(m, x, tensor(gv).reshape([1, 1, 5, 2]))).reduce((a, b) => a + b, 0);
    const g0 = vals(smooth);
    const fd = g0.map((_, i) => {
      const h = 1e-3;
      const up = g0.slice();
      const dn = g0.slice();
      up[i]! += h;
      dn[i]! -= h;
      return (f(up) - f(dn)) / (2 * h);
    });
    const ga = vals(g.grad!);
    ga.forEach((v, i) => expect(Math.abs(v - fd[i]!), `grid grad [${i}]`).toBeLessThan(2e-2));
    expect(vals(xi.grad!).reduce((a, b) => a + b, 0)).toBeCloseTo(5, 4);
  });

  it('an unknown mode is refused at import', () => {
    const bytes = model([node('GridSample', ['x', 'g'], ['y'], [A.s('mode', 'area')])], [], ['x', 'g'], ['y'], 16);
    expect(code(() => importOnnxBytes(bytes))).toBe('E_ONNX_UNSUPPORTED_ATTR');
  });
});

describe('ONNX import: If (torchvision detection post-processing exports one)', () => {
  const G = (name: string, g: GraphProto): AttributeProto => ({ ...base, name, type: OnnxAttrType.GRAPH, g });
  const graph = (nodes: NodeProto[], outputs: string[], inits: TensorProto[] = []): GraphProto => ({
    node: nodes,
    initializer: inits,
    input: [],
    output: outputs.map((name) => ({ name })),
    valueInfo: [],
  });
  // h = x + 1 is read only inside the branches: it must live until the If runs.
  // then: h * 2 (a branch initializer); else: a nested If on h's first element picking -h or h - 10.
  const inner = node(
    'If',
    ['c2'],
    ['e'],
    [
      G('then_branch', graph([node('Neg', ['h'], ['e1'])], ['e1'])),
      G('else_branch', graph([node('Sub', ['h', 'ten'], ['e2'])], ['e2'], [tensorToProto(tensor([10]), 'ten')])),
    ],
  );
  const bytes = model(
    [
      node('Add', ['x', 'one'], ['h']),
      node('ReduceSum', ['x'], ['s'], [A.i('keepdims', 0)]),
      node('Greater', ['s', 'zero'], ['c']),
      node(
        'If',
        ['c'],
        ['y'],
        [
          G('then_branch', graph([node('Mul', ['h', 'two'], ['t'])], ['t'], [tensorToProto(tensor([2]), 'two')])),
          G(
            'else_branch',
            graph(
              [
                node('Constant', [], ['k0'], [A.t('value', i64('', [0n]))]),
                node('Gather', ['h', 'k0'], ['h0']),
                node('Greater', ['h0', 'zero'], ['c2']),
                inner,
              ],
              ['e'],
            ),
          ),
        ],
      ),
    ],
    [tensorToProto(tensor([1]), 'one'), tensorToProto(tensor(0), 'zero')],
    ['x'],
    ['y'],
  );

  it('runs the branch the condition picks, with outer values, branch initializers and a nested If', () => {
    const m = importOnnxBytes(bytes);
    expect(vals(call(m, tensor([1, 2])))).toEqual([4, 6]);
    expect(vals(call(m, tensor([0.5, -3])))).toEqual([-1.5, 2]);
    expect(vals(call(m, tensor([-2, 1])))).toEqual([-11, -8]);
  });

  it("NonMaxSuppression's INT64_MAX box limit (inside a branch) imports; Loop is still refused at import", () => {
    const boxes = tensor([0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, 2, 1, 3]).reshape([1, 3, 4]);
    const scores = tensor([0.9, 0.8, 0.7]).reshape([1, 1, 3]);
    const nms = model(
      [
        node(
          'If',
          ['c'],
          ['y'],
          [
            G(
              'then_branch',
              graph(
                [
                  node('Constant', [], ['k'], [A.t('value', i64('', [INT64_MAX]))]),
                  node('NonMaxSuppression', ['b', 's', 'k', 'iou'], ['sel']),
                ],
                ['sel'],
              ),
            ),
            G(
              'else_branch',
              graph(
                [node('Constant', [], ['none'], [A.t('value', i64('', [-1n, -1n, -1n]))]), node('Unsqueeze', ['none', 'ax0'], ['sel2'])],
                ['sel2'],
              ),
            ),
          ],
        ),
      ],
      [tensorToProto(tensor(0.5), 'iou'), i64('ax0', [0n])],
      ['c', 'b', 's'],
      ['y'],
    );
    const m = importOnnxBytes(nms);
    expect(vals(call(m, tensor(true), boxes, scores))).toEqual([0, 0, 0, 0, 0, 2]);
    const loop = model([node('Loop', ['', 'c'], ['y'], [G('body', graph([], []))])], [], ['c'], ['y']);
    expect(code(() => importOnnxBytes(loop))).toBe('E_ONNX_UNSUPPORTED_OP');
  });
});

describe('ONNX import: empty tensors (detection post-processing with no candidate above the threshold)', () => {
  it('Flatten keeps the non-empty side of an empty tensor', () => {
    const m = importOnnxBytes(
      model([node('Flatten', ['x'], ['a'], [A.i('axis', 1)]), node('Flatten', ['x'], ['b'], [A.i('axis', 2)])], [], ['x'], ['a', 'b']),
    );
    const [a, b] = noGrad(() => m.call(tensor([]).reshape([0, 1, 4]))) as Tensor[];
    expect(a!.shape).toEqual([0, 4]);
    expect(b!.shape).toEqual([0, 4]);
    const [c] = noGrad(() => m.call(tensor([]).reshape([2, 0, 3]))) as Tensor[];
    expect(c!.shape).toEqual([2, 0]);
  });
});

describe('ONNX import: RoiAlign (torchvision roi_align in Faster/Mask R-CNN)', () => {
  // x = arange(20).view(1, 1, 4, 5) ** 1.3 / 4, two regions, 2x2 bins, spatial_scale 0.9; reference
  // values from torchvision 0.14 roi_align (aligned=True is opset 16's half_pixel, False output_half_pixel).
  const x = tensor(Array.from({ length: 20 }, (_, i) => i ** 1.3 / 4)).reshape([1, 1, 4, 5]);
  const rois = tensor([0.3, 0.2, 3.6, 2.9, 1.1, 0.5, 4.8, 3.7]).reshape([2, 4]);
  const ref: Record<string, number[]> = {
    'half_pixel 0': [0.77122, 1.36939, 3.82199, 4.74013, 1.9785, 2.85301, 6.31453, 7.46794],
    'half_pixel 1': [0.75355, 1.33953, 3.82199, 4.73625, 1.96484, 2.83791, 6.25672, 7.41325],
    'output_half_pixel 0': [2.12537, 2.90836, 5.73684, 6.74017, 3.64228, 4.653, 8.40439, 9.63608],
    'output_half_pixel 1': [2.08173, 2.87967, 5.66344, 6.67638, 3.57448, 4.59899, 8.40262, 9.63608],
  };
  it('matches torchvision for both coordinate modes, adaptive and fixed sampling', () => {
    for (const [key, want] of Object.entries(ref)) {
      const [mode, ratio] = key.split(' ') as [string, string];
      const attrs = [
        A.s('coordinate_transformation_mode', mode),
        A.i('output_height', 2),
        A.i('output_width', 2),
        A.i('sampling_ratio', Number(ratio)),
        { ...base, name: 'spatial_scale', type: OnnxAttrType.FLOAT, f: 0.9 },
      ];
      const m = importOnnxBytes(model([node('RoiAlign', ['x', 'r', 'b'], ['y'], attrs)], [i64('b', [0n, 0n])], ['x', 'r'], ['y'], 16));
      const got = vals(call(m, x, rois));
      got.forEach((v, i) => expect(Math.abs(v - want[i]!), `${key} [${i}]`).toBeLessThan(2e-5));
    }
  });
  it('an unknown mode is refused at import; a batch index out of range is a typed error', () => {
    const bad = model([node('RoiAlign', ['x', 'r', 'b'], ['y'], [A.s('mode', 'median')])], [i64('b', [0n, 0n])], ['x', 'r'], ['y'], 16);
    expect(code(() => importOnnxBytes(bad))).toBe('E_ONNX_UNSUPPORTED_ATTR');
    const m = importOnnxBytes(model([node('RoiAlign', ['x', 'r', 'b'], ['y'])], [i64('b', [0n, 3n])], ['x', 'r'], ['y'], 16));
    expect(code(() => m.call(x, rois))).toBe('E_ONNX_INDEX');
  });
});
