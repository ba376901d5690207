import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Rng, Tensor, exportOnnx, importOnnx, decodeOnnxModel, noGrad } from '../../src/index.js';
import { ZOO } from './onnx-models.js';

const TOL = 1e-5;

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}

function ortTensor(t: Tensor): ort.Tensor {
  const d = t.dataSync();
  if (t.dtype === 'float32') return new ort.Tensor('float32', d as Float32Array, t.shape as number[]);
  if (t.dtype === 'int32') return new ort.Tensor('int32', d as Int32Array, t.shape as number[]);
  if (t.dtype === 'float64') return new ort.Tensor('float64', d as Float64Array, t.shape as number[]);
  throw new Error(`no ort tensor for ${t.dtype}`);
}

describe('ONNX export → onnxruntime-node → import, model zoo', () => {
  it(`has at least 20 models (${ZOO.length})`, () => expect(ZOO.length).toBeGreaterThanOrEqual(20));

  for (const entry of ZOO) {
    it(`${entry.name}: ORT and the re-imported module match backprop within ${TOL}`, async () => {
      const rng = new Rng(1234);
      const model = entry.build(rng);
      model.eval();
      const dynamic = entry.dynamicBatch ?? true;
      const example = entry.input(2, rng);
      const bytes = exportOnnx(model, example, { ...(entry.opset ? { opset: entry.opset } : {}), dynamicBatch: dynamic });
      const proto = decodeOnnxModel(bytes);
      expect(proto.opsetImport[0]!.version).toBe(entry.opset ?? 17);
      if (dynamic) expect(proto.graph!.input[0]!.type!.tensorType!.shape!.dim[0]!.dimParam).toBe('batch');
      // Run at a different batch size than the example when the batch is dynamic.
      const x = dynamic ? entry.input(5, rng) : example;
      const xs = Array.isArray(x) ? x : [x];
      const ref = noGrad(() => model.call(...(xs as [Tensor]))) as Tensor;
      const session = await ort.InferenceSession.create(bytes);
      const feeds: Record<string, ort.Tensor> = {};
      session.inputNames.forEach((n, i) => (feeds[n] = ortTensor(xs[i]!)));
      const res = await session.run(feeds);
      const y = res[session.outputNames[0]!]!;
      expect(Array.from(y.dims)).toEqual(ref.shape);
      expect(maxErr(y.data as Float32Array, ref.dataSync())).toBeLessThanOrEqual(TOL);

      const imported = await importOnnx(bytes);
      const y2 = noGrad(() => imported.call(...xs)) as Tensor;
      expect(y2.shape).toEqual(ref.shape);
      expect(maxErr(y2.dataSync(), ref.dataSync())).toBeLessThanOrEqual(TOL);
      // Parameters keep their state-dict names.
      const names = new Set(Object.keys(imported.stateDict()));
      for (const [k] of model.namedParameters()) expect(names.has(k) || proto.graph!.initializer.every((t) => t.name !== k)).toBe(true);
    });
  }
});
