/**
 * OnnxModule frees each intermediate value once its last reader has run (src/io/onnx/import.ts,
 * `releaseTemporary`): on wasm an inference loop evicts and re-uploads nothing, results stay equal to
 * the native model's, views of intermediates (Flatten, a Reshape output) stay valid, and training
 * through the imported graph (values saved for backward) gives the native model's gradients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, exportOnnx, importOnnx, init, nn, noGrad, randn, Rng, type Tensor } from '../../src/index.js';

class Net extends nn.Module {
  conv = new nn.Conv2d(3, 8, 3, { padding: 1, rng: new Rng(1) });
  bn = new nn.BatchNorm2d(8);
  fc = new nn.Linear(8 * 16 * 16, 10, { rng: new Rng(2) });
  forward(x: Tensor): Tensor {
    const h = this.bn.call(this.conv.call(x)).relu();
    // a residual-style reuse of h and a view (flatten) of an intermediate
    return this.fc.call(h.add(h.mul(0.5)).flatten(1)).reshape([-1, 5, 2]);
  }
}

type Mem = { evictedBytes: number; uploadedBytes: number; engineFreed: number };
const mem = () => (backendInfo().info as { memory: Mem }).memory;

beforeAll(async () => {
  await init({ backend: 'wasm', threads: 1 });
});
afterAll(async () => {
  await init({ backend: 'js' });
});

describe('OnnxModule releases intermediates after their last use', () => {
  it('inference: native results, no evictions or re-uploads, every intermediate freed by the engine', async () => {
    const net = new Net();
    net.eval();
    const x = randn([4, 3, 16, 16], { rng: new Rng(3) });
    const m = await importOnnx(exportOnnx(net, x));
    const want = noGrad(() => net.call(x)).toArray();
    const run = () => noGrad(() => m.call(x) as Tensor);
    run();
    const a = mem();
    for (let i = 0; i < 20; i++) expect(run().toArray()).toEqual(want);
    const b = mem();
    expect(b.evictedBytes - a.evictedBytes).toBe(0);
    expect(b.uploadedBytes - a.uploadedBytes).toBe(0);
    // per run: the conv's output, relu(batch norm) (the Relu fused into the BatchNormalization), the mul, the add
    expect(b.engineFreed - a.engineFreed).toBeGreaterThanOrEqual(20 * 4);
  });

  it('training through the imported graph: the native model’s gradients', async () => {
    const net = new Net();
    const x = randn([4, 3, 16, 16], { rng: new Rng(4) });
    net.eval();
    const m = await importOnnx(exportOnnx(net, x));
    for (const mod of [net, m] as nn.Module[]) {
      mod.train();
      for (const p of mod.parameters()) p.grad = null;
      (mod.call(x) as Tensor).square().sum().backward();
    }
    const grads = (mod: nn.Module) => mod.parameters().map((p) => p.grad!.toArray());
    const [gn, gm] = [grads(net), grads(m)];
    expect(gm.length).toBe(gn.length);
    for (let i = 0; i < gn.length; i++) {
      const [u, v] = [(gn[i] as number[]).flat(4) as number[], (gm[i] as number[]).flat(4) as number[]];
      for (let j = 0; j < u.length; j++) expect(Math.abs(u[j]! - v[j]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(u[j]!)));
    }
  });
});
