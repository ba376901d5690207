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
