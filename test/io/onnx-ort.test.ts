import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  BackpropError,
  Rng,
  Tensor,
  ValueError,
  exportOnnx,
  importOnnx,
  importOnnxBytes,
  decodeOnnxModel,
  nn,
  noGrad,
  optim,
  randn,
} from '../../src/index.js';
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
      // Parameters keep their state-dict names; buffers are a subset of the original's (BatchNorm's
      // num_batches_tracked is not part of inference); no constants leak into the state dict.
      expect(
        imported
          .namedParameters()
          .map(([k]) => k)
          .sort(),
      ).toEqual(
        model
          .namedParameters()
          .map(([k]) => k)
          .sort(),
      );
      const original = new Set(Object.keys(model.stateDict()));
      for (const k of Object.keys(imported.stateDict())) expect(original.has(k)).toBe(true);
    });
  }
});

describe('an imported ONNX model is a normal Module', () => {
  it('fine-tunes: parameters get gradients and an optimizer lowers the loss', async () => {
    const rng = new Rng(11);
    const z = ZOO.find((e) => e.name === 'mlp-batchnorm1d')!;
    const model = z.build(rng);
    model.eval();
    const m = await importOnnx(exportOnnx(model, z.input(2, rng)));
    const x = z.input(8, rng) as Tensor;
    const target = randn((noGrad(() => m.call(x)) as Tensor).shape as number[], { rng });
    const opt = new optim.Adam(m.parameters(), { lr: 0.05 });
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      opt.zeroGrad();
      const loss = (m.call(x) as Tensor).sub(target).square().mean();
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    // BatchNorm statistics are buffers, not trained.
    expect(
      m
        .namedBuffers()
        .map(([k]) => k)
        .sort(),
    ).toEqual(['1.running_mean', '1.running_var']);
  });

  it('loads the original state dict back (same keys and layouts)', async () => {
    const rng = new Rng(12);
    const z = ZOO.find((e) => e.name === 'resnet-block')!;
    const a = z.build(rng);
    const b = z.build(new Rng(99));
    a.eval();
    b.eval();
    const m = await importOnnx(exportOnnx(b, z.input(2, rng)));
    const res = m.loadStateDict(a.stateDict(), { strict: false });
    expect(res.missingKeys).toEqual([]);
    expect(res.unexpectedKeys.every((k) => k.endsWith('num_batches_tracked'))).toBe(true);
    const x = z.input(3, rng) as Tensor;
    expect(Array.from((noGrad(() => m.call(x)) as Tensor).dataSync())).toEqual(Array.from((noGrad(() => a.call(x)) as Tensor).dataSync()));
  });

  it('restores training flags after export and refuses bad arguments with typed errors', () => {
    const rng = new Rng(13);
    const model = ZOO[0]!.build(rng);
    model.train();
    exportOnnx(model, randn([2, 4], { rng }));
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(() => exportOnnx(model, randn([2, 4], { rng }), { opset: 7 })).toThrow(ValueError);
    expect(() => exportOnnx({} as never, randn([2, 4], { rng }))).toThrow(ValueError);
    expect(() => exportOnnx(model, randn([2, 5], { rng }))).toThrow(BackpropError);
  });
});

describe('graph inputs and outputs', () => {
  it('exports several outputs under the given names, and a model that is a single layer', async () => {
    const rng = new Rng(21);
    class TwoHeads extends nn.Module {
      body = new nn.Linear(4, 6, { rng });
      a = new nn.Linear(6, 2, { rng });
      b = new nn.Linear(6, 3, { rng });
      forward(x: Tensor): Tensor[] {
        const h = this.body.call(x).relu();
        return [this.a.call(h), this.b.call(h).softmax(-1)];
      }
    }
    const m = new TwoHeads();
    const x = randn([3, 4], { rng });
    const bytes = exportOnnx(m, x, { inputNames: ['features'], outputNames: ['score', 'probs'] });
    const s = await ort.InferenceSession.create(bytes);
    expect(s.inputNames).toEqual(['features']);
    expect(s.outputNames).toEqual(['score', 'probs']);
    const res = await s.run({ features: ortTensor(x) });
    const [ra, rb] = noGrad(() => m.call(x)) as Tensor[];
    expect(maxErr(res.score!.data as Float32Array, ra!.dataSync())).toBeLessThanOrEqual(TOL);
    expect(maxErr(res.probs!.data as Float32Array, rb!.dataSync())).toBeLessThanOrEqual(TOL);
    const back = (await importOnnx(bytes)).call(x) as Tensor[];
    expect(back.length).toBe(2);
    expect(maxErr(back[1]!.dataSync(), rb!.dataSync())).toBeLessThanOrEqual(TOL);

    const single = new nn.Conv2d(2, 3, 3, { rng });
    const img = randn([1, 2, 5, 5], { rng });
    const p = decodeOnnxModel(exportOnnx(single, img));
    expect(p.graph!.node.map((n) => n.opType)).toEqual(['Conv', 'Identity']);
  });
});

describe('every supported opset', () => {
  it('opsets 13–21 export (reductions switch from axes attributes to inputs, GELU becomes native at 20) and run in ORT', async () => {
    const rng = new Rng(31);
    const m = new nn.Sequential(new nn.Linear(5, 6, { rng }), new nn.GELU(), new nn.LayerNorm(6));
    const glue = ZOO.find((z) => z.name === 'glue-reductions')!.build(rng);
    const x = randn([3, 5], { rng });
    for (let opset = 13; opset <= 21; opset++) {
      for (const model of [m, glue]) {
        model.eval();
        const bytes = exportOnnx(model, x, { opset });
        const s = await ort.InferenceSession.create(bytes);
        const res = await s.run({ input: ortTensor(x) });
        const ref = noGrad(() => model.call(x)) as Tensor;
        expect(maxErr(res.output!.data as Float32Array, ref.dataSync())).toBeLessThanOrEqual(TOL);
        expect(maxErr((noGrad(() => importOnnxBytes(bytes).call(x)) as Tensor).dataSync(), ref.dataSync())).toBeLessThanOrEqual(TOL);
      }
    }
  });
});
