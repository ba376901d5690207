/**
 * The ONNX importer fuses BatchNormalization → Relu in eval mode (src/io/onnx/import.ts,
 * `fusedRelus`): one batch-norm pass that applies relu (`batchNorm` with `relu`), the Relu node passing
 * its result on. Results and gradients are the native model's, bit for bit; a batch norm whose output
 * is read anywhere else, or one in training mode, is not fused; a fused model exports back to
 * BatchNormalization + Relu.
 */
import { describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx, nn, noGrad, randn, Rng, type Tensor } from '../../src/index.js';
import { kernels } from '../../src/backend/index.js';
import { apply } from '../../src/tensor/tensor.js';
import { runNN } from '../../src/io/onnx/ops-nn.js';
import type { INode } from '../../src/io/onnx/attrs.js';
import type { RunCtx } from '../../src/io/onnx/ops-math.js';

class Net extends nn.Module {
  conv1 = new nn.Conv2d(3, 8, 3, { padding: 1, rng: new Rng(1) });
  bn1 = new nn.BatchNorm2d(8);
  conv2 = new nn.Conv2d(8, 8, 3, { padding: 1, rng: new Rng(2) });
  bn2 = new nn.BatchNorm2d(8);
  forward(x: Tensor): Tensor {
    const h = this.bn1.call(this.conv1.call(x)).relu(); // fusable
    const b = this.bn2.call(this.conv2.call(h)); // read by a relu and by the add: not fusable
    return b.relu().add(b.mul(0.5)).sum([2, 3]);
  }
}

/** A trained-looking network: running statistics and affine parameters away from their defaults. */
function net(): Net {
  const n = new Net();
  const rng = new Rng(9);
  noGrad(() => {
    for (const bn of [n.bn1, n.bn2]) {
      bn.runningMean!.copy_(randn([8], { rng }).mul(0.3));
      bn.runningVar!.copy_(randn([8], { rng }).abs().add(0.5));
      bn.weight!.copy_(randn([8], { rng }));
      bn.bias!.copy_(randn([8], { rng }).mul(0.5));
    }
  });
  return n;
}

/** The network in eval mode, an input, and the network exported and imported again (eval mode). */
async function imported(seed: number, n = 2): Promise<{ net: Net; x: Tensor; m: nn.Module }> {
  const net0 = net();
  net0.eval();
  const x = randn([n, 3, 10, 10], { rng: new Rng(seed) });
  const m = await importOnnx(exportOnnx(net0, x));
  m.eval();
  return { net: net0, x, m };
}

type Table = Record<string, (...a: unknown[]) => unknown>;
/** Count fused batch-norm passes and relu kernel calls while `f` runs. */
function counting<T>(f: () => T): { fused: number; plain: number; relus: number; out: T } {
  const table = kernels() as unknown as Table;
  const [bn, un] = [table.batchNormForward!, table.unary!];
  const c = { fused: 0, plain: 0, relus: 0 };
  table.batchNormForward = (...a: unknown[]) => {
    if (a[10] === true) c.fused++;
    else c.plain++;
    return bn(...a);
  };
  table.unary = (...a: unknown[]) => {
    if (a[0] === 'relu') c.relus++;
    return un(...a);
  };
  try {
    const out = f();
    return { ...c, out };
  } finally {
    table.batchNormForward = bn;
    table.unary = un;
  }
}

describe('ONNX import: BatchNormalization → Relu fused in eval mode', () => {
  it('fuses only a batch norm whose output the Relu alone reads; same bits as the native model', async () => {
    const { net: n, x, m } = await imported(3);
    const want = noGrad(() => n.call(x)).toArray();
    const r = counting(() => noGrad(() => m.call(x) as Tensor));
    expect(r.out.toArray()).toEqual(want);
    expect([r.fused, r.plain, r.relus]).toEqual([1, 1, 1]);
  });

  it('gradients through the fused op equal the native model’s (eval mode, grad enabled)', async () => {
    const { net: n, x, m } = await imported(4);
    const grads = (mod: nn.Module, fusedWanted: boolean) => {
      const xi = x.clone().requiresGrad_();
      for (const p of mod.parameters()) p.grad = null;
      const r = counting(() => (mod.call(xi) as Tensor).square().sum());
      if (fusedWanted) expect(r.fused).toBe(1);
      r.out.backward();
      return [xi.grad!.toArray(), ...mod.parameters().map((p) => p.grad!.toArray())];
    };
    expect(grads(m, true)).toEqual(grads(n, false));
  });

  it('training mode runs the batch norm and the Relu separately', async () => {
    const { net: n, x, m } = await imported(5, 4);
    m.train();
    n.train();
    const r = counting(() => m.call(x) as Tensor);
    expect(r.fused).toBe(0);
    const want = n.call(x).toArray() as number[][];
    const got = r.out.toArray() as number[][];
    for (let i = 0; i < want.length; i++)
      for (let j = 0; j < want[i]!.length; j++) expect(Math.abs(got[i]![j]! - want[i]![j]!)).toBeLessThanOrEqual(1e-4);
  });

  it('a fused imported model exports back to BatchNormalization + Relu', async () => {
    const { net: n, x, m } = await imported(6);
    const again = await importOnnx(exportOnnx(m, x));
    const relus = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes).split('Relu').length - 1;
    expect(relus(exportOnnx(m, x))).toBe(relus(exportOnnx(n, x)));
    expect(noGrad(() => again.call(x) as Tensor).toArray()).toEqual(noGrad(() => n.call(x)).toArray());
  });
});

describe('batch norm with relu: its output is saved for the gradient', () => {
  it('an in-place write to the fused output before backward is refused; to a plain batch norm’s, allowed', () => {
    const rng = new Rng(8);
    const x = randn([2, 3, 4, 4], { rng }).requiresGrad_();
    const [w, b, m, v] = [randn([3], { rng }), randn([3], { rng }), randn([3], { rng }), randn([3], { rng }).abs().add(0.5)];
    const fused = apply('batchNorm', [x, w, b, m, v], { eps: 1e-5, training: false, relu: true });
    fused.mul_(2);
    expect(() => fused.sum().backward()).toThrow(/modified by an inplace operation.*output 0/);
    const plain = apply('batchNorm', [x, w, b, m, v], { eps: 1e-5, training: false });
    plain.mul_(2); // the batch norm's gradient does not read its output
    plain.sum().backward();
    expect(x.grad).not.toBeNull();
  });
});

describe('the BatchNormalization node with reluAfter', () => {
  it('is relu(batch norm) whether the fused primitive runs (one dtype) or the two ops (mixed dtypes)', () => {
    const rng = new Rng(10);
    const x = randn([2, 3, 4, 5], { rng });
    const node: INode = { op: 'BatchNormalization', name: 'bn', inputs: ['x', 's', 'b', 'm', 'v'], outputs: ['y'], attrs: new Map() };
    const ctx: RunCtx = { opset: 17, maxElements: 1e9, training: false };
    for (const dtype of ['float32', 'float64'] as const) {
      const stats = [randn([3], { rng }), randn([3], { rng }), randn([3], { rng }).mul(0.2), randn([3], { rng }).abs().add(0.5)].map((t) =>
        t.to(dtype),
      );
      const ins = [x, ...stats];
      const plain = runNN(node, ins, ctx)![0]!.relu();
      const r = counting(() => runNN(node, ins, { ...ctx, reluAfter: true })![0]!);
      expect(r.fused).toBe(dtype === 'float32' ? 1 : 0); // float64 statistics: the two ops, in float64
      expect(r.out.dtype).toBe(plain.dtype);
      expect(r.out.toArray()).toEqual(plain.toArray());
    }
  });
});
