/**
 * ONNX import: the default per-tensor element budget guards tensors computed at inference
 * (ConstantOfShape, Expand…), not initializers, whose bytes are in the file already: VGG's
 * 25088×4096 classifier weight is over 2^26 elements. The budget is shrunk to 8 here so the test
 * needs no 400 MB model.
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../src/io/onnx-limits.js', async (orig) => ({ ...(await orig<object>()), ONNX_MAX_ELEMENTS: 8 }));

const { BackpropError, noGrad, tensor } = await import('../../src/index.js');
const { encodeModelProto, OnnxDataType } = await import('../../src/io/onnx/proto.js');
const { importOnnxBytes } = await import('../../src/io/onnx/import.js');
const { int64Proto, tensorToProto } = await import('../../src/io/onnx/tensors.js');

function model(
  nodes: { opType: string; input: string[]; output: string[] }[],
  inits: ReturnType<typeof tensorToProto>[],
  inputs: string[],
) {
  return encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: [],
    graph: {
      node: nodes.map((n) => ({ ...n, attribute: [] })),
      initializer: inits,
      input: inputs.map((name) => ({ name, type: { tensorType: { elemType: OnnxDataType.FLOAT } } })),
      output: [{ name: 'y' }],
      valueInfo: [],
    },
  });
}

describe('ONNX import: default element budget', () => {
  it('an initializer over the default budget imports and runs', () => {
    const w = tensorToProto(tensor(Array.from({ length: 12 }, (_, i) => i)).reshape([4, 3]), 'w');
    const m = importOnnxBytes(model([{ opType: 'MatMul', input: ['x', 'w'], output: ['y'] }], [w], ['x']));
    const y = noGrad(() => m.call(tensor([[1, 0, 0, 1]]))) as import('../../src/index.js').Tensor;
    expect(Array.from(y.dataSync() as Float32Array)).toEqual([9, 11, 13]);
  });

  it('a tensor computed over the default budget is still refused', () => {
    const m = importOnnxBytes(model([{ opType: 'ConstantOfShape', input: ['s'], output: ['y'] }], [int64Proto([3, 3], 's')], []));
    let err: unknown;
    try {
      m.call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BackpropError);
    expect((err as InstanceType<typeof BackpropError>).code).toBe('E_ONNX_LIMIT');
  });
});
