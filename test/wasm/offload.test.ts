/**
 * Escaped kernel outputs leave the device young (README, "Design: memory model"): an activation user
 * code saw (a custom `forward`'s intermediate, a hook's tensor) moves to the JS heap when backward
 * releases the last graph node holding it, and at the end of a top-level inference call, instead of
 * waiting for eviction. Its values are kept bit for bit, it is uploaded again when an op reads it, and
 * parameters, gradients, optimizer state, what a graph still holds and the call's output stay put.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, init, setBackend } from '../../src/backend/index.js';
import { OFFLOAD_VALUES_MAX } from '../../src/backend/wasm/arena.js';
import { noGrad } from '../../src/autograd/mode.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import { fromTypedArray, randn } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());
afterAll(() => void setBackend('js'));

interface Stats {
  offloaded: number;
  evicted: number;
  uploaded: number;
}
const stats = () => (backendInfo().info as { memory: Stats }).memory;
const bits = (t: Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

/** Two layers with a `forward` of its own; it keeps its last hidden activation (user code may). */
class Net extends nn.Module {
  fc1: nn.Linear;
  fc2: nn.Linear;
  last: Tensor | null = null;
  constructor(rng: Rng) {
    super();
    this.fc1 = new nn.Linear(64, 128, { rng });
    this.fc2 = new nn.Linear(128, 64, { rng });
  }
  forward(x: Tensor): Tensor {
    const h = this.fc1.call(x).relu();
    this.last = h;
    return this.fc2.call(h).add(h.narrow(1, 0, 64));
  }
}

describe('escaped kernel outputs leave the device young (wasm)', () => {
  it('training: a custom forward’s activation moves to the JS heap at backward, exactly, and comes back when read', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const rng = new Rng(3);
    const net = new Net(rng);
    const opt = new optim.Adam(net.parameters(), { lr: 1e-3 });
    const x = randn([32, 64], { rng });
    const out = net.call(x);
    const h = net.last!;
    expect(h.record.onDevice).toBe(true); // 32 × 128 floats, saved for backward
    const want = bits(h);
    const before = stats();
    out.square().mean().backward();
    const after = stats();
    expect(h.record.onDevice).toBe(false); // no node holds it any more: it left at once
    expect(after.offloaded).toBeGreaterThan(before.offloaded);
    expect(after.evicted).toBe(before.evicted);
    expect(bits(h)).toEqual(want);
    // weights and their gradients stay on the device for the optimizer
    expect(net.fc1.weight.record.onDevice).toBe(true);
    expect(net.fc1.weight.grad!.record.onDevice).toBe(true);
    opt.step();
    // an op reading the moved activation uploads it again and computes on the same values
    const up = stats().uploaded;
    const s = h.mul(2);
    expect(stats().uploaded).toBe(up + 1);
    expect(h.record.onDevice).toBe(true);
    const hv = h.dataSync();
    const sv = s.dataSync();
    for (let i = 0; i < hv.length; i++) expect(sv[i]).toBe(hv[i]! * 2);
  });

  it('a graph kept with retainGraph holds its activations on the device until its last backward', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const rng = new Rng(4);
    const net = new Net(rng);
    const loss = net
      .call(randn([32, 64], { rng }))
      .square()
      .mean();
    const h = net.last!;
    loss.backward(undefined, { retainGraph: true });
    expect(h.record.onDevice).toBe(true);
    loss.backward();
    expect(h.record.onDevice).toBe(false);
  });

  it('inference: a top-level call under noGrad moves its escaped intermediates off the device, not its output', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const rng = new Rng(5);
    const net = new Net(rng);
    const x = randn([32, 64], { rng });
    const before = stats();
    const out = noGrad(() => net.call(x));
    expect(net.last!.record.onDevice).toBe(false);
    expect(out.record.onDevice).toBe(true); // the call's output: its caller reads it next
    expect(stats().offloaded).toBeGreaterThan(before.offloaded);
    // same values as computing the same layers again
    const again = noGrad(() => net.fc2.call(net.fc1.call(x).relu()).add(net.fc1.call(x).relu().narrow(1, 0, 64)));
    expect(bits(out)).toEqual(bits(again));
  });

  it('an inference call between a forward and its backward (a teacher) changes no gradient', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const grads = (withTeacher: boolean) => {
      const rng = new Rng(6);
      const student = new Net(rng);
      const teacher = new Net(rng);
      const x = randn([64, 64], { rng });
      const y = randn([64, 64], { rng }).argmax(1);
      // cross-entropy over 64 × 64 logits saves its probabilities (a device block no node input holds)
      const loss = nn.F.crossEntropy(student.call(x), y);
      if (withTeacher) {
        const before = stats().offloaded;
        noGrad(() => teacher.call(x)); // ends a step: its intermediates, and what no node holds, move off
        expect(stats().offloaded).toBeGreaterThan(before);
      }
      loss.backward();
      return student.parameters().map((p) => bits(p.grad!));
    };
    expect(grads(true)).toEqual(grads(false));
  });

  it('holder counts stay exact through in-place writes that hand a node to another tensor', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const rng = new Rng(7);
    const w = new nn.Parameter(randn([64, 64], { rng }));
    const a = w.mul(2);
    const b = a.add(3);
    a.mul_(0.5); // a's history is now a reshape of a putFlat output
    const flat = a.gradFn!.edges[0]!.record;
    a.sum().add(b.sum()).backward();
    expect(a.record.holders).toBe(0);
    expect(flat.holders).toBe(0);
    expect(a.record.onDevice).toBe(false);
  });

  it('a top-level call ends a step only if it ran ops and nothing in its output takes a gradient', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const rng = new Rng(8);
    const h = noGrad(() => randn([64, 64], { rng }).mul(2)); // made by user code, held by nothing
    expect(h.record.onDevice).toBe(true);
    const n0 = stats().offloaded;
    noGrad(() => new nn.Identity().call(randn([4], { rng }))); // no op ran
    expect(h.record.onDevice).toBe(true);
    // a training model returning an array (as an LSTM does): part of a step, not its end
    class Pair extends nn.Module {
      fc = new nn.Linear(64, 64, { rng });
      forward(x: Tensor): Tensor[] {
        const y = this.fc.call(x).relu();
        return [y, y.sum()];
      }
    }
    new Pair().call(randn([32, 64], { rng }));
    expect(h.record.onDevice).toBe(true);
    expect(stats().offloaded).toBe(n0);
  });

  it('a gradient stays on the device while it is a .grad; once replaced, a gradient user code kept may move off', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const rng = new Rng(9);
    const lin = new nn.Linear(64, 64, { rng });
    const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
    const x = randn([8, 64], { rng });
    (lin.call(x) as Tensor).square().mean().backward();
    const kept = lin.weight.grad!; // user code holds it
    const values = bits(kept);
    (lin.call(x) as Tensor).sum().backward(); // accumulates into a new .grad at the step's end
    expect(lin.weight.grad!.record.onDevice).toBe(true);
    opt.zeroGrad();
    (lin.call(x) as Tensor).sum().backward();
    expect(kept.record.onDevice).toBe(false); // no longer a .grad: the step's end moved it
    expect(bits(kept)).toEqual(values);
    expect(lin.weight.grad!.record.onDevice).toBe(true);
  });

  it('moved data keeps its bits: small and large blocks, NaN payloads, signed zeros, subnormals', async () => {
    await init({ backend: 'wasm', threads: 1 });
    for (const n of [2048, OFFLOAD_VALUES_MAX, OFFLOAD_VALUES_MAX + 64]) {
      for (const withNaN of [false, true]) {
        const raw = new Float32Array(n);
        const u = new Uint32Array(raw.buffer);
        for (let i = 0; i < n; i++) raw[i] = Math.sin(i) * 1e3;
        raw[1] = -0;
        u[2] = 0x00000001; // the smallest subnormal
        raw[3] = -Infinity;
        if (withNaN) u[5] = 0x7fc12345; // a NaN with a payload
        const src = fromTypedArray(raw.slice(), [n]);
        const w = new nn.Parameter(randn([n], { rng: new Rng(1) }));
        const y = src.add(w).sub(w); // a kernel output on the device, in the graph of w
        const want = bits(src.add(w).sub(w));
        y.sum().backward();
        expect(y.record.onDevice).toBe(false);
        expect(bits(y)).toEqual(want);
      }
    }
  });
});

describe('an in-place copy from a view of the same storage once the data is off the device', () => {
  // a top-level inference call ends a step: escaped kernel outputs move to the JS heap
  const endStep = () => noGrad(() => new nn.ReLU().call(fromTypedArray(new Float32Array([1, -1]), [2])));
  const shifted = (before: number[], by: number) => before.slice(by);

  it('a[:-1] = a[1:] after a step end (a rolling buffer)', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const a = noGrad(() => randn([4096], { rng: new Rng(1) }).mul(1));
    const before = Array.from(a.dataSync());
    endStep();
    expect(stats().offloaded).toBeGreaterThan(0);
    a.narrow(0, 0, 4095).copy_(a.narrow(0, 1, 4095));
    expect(Array.from(a.dataSync()).slice(0, 4095)).toEqual(shifted(before, 1));
  });

  it('x.set(rows, x.at(next rows)) and a copy from a transposed alias', async () => {
    await init({ backend: 'wasm', threads: 1 });
    const a = noGrad(() => randn([64, 64], { rng: new Rng(2) }).mul(1));
    const before = Array.from(a.dataSync());
    endStep();
    a.set('0:63', a.at('1:64'));
    expect(Array.from(a.dataSync()).slice(0, 63 * 64)).toEqual(shifted(before, 64));
    const b = noGrad(() => randn([48, 48], { rng: new Rng(3) }).mul(1));
    const t = Array.from(b.t().contiguous().dataSync());
    endStep();
    b.copy_(b.t());
    expect(Array.from(b.dataSync())).toEqual(t);
  });

  it('the same when eviction alone moved it (a zero budget)', async () => {
    await init({ backend: 'wasm', threads: 1, memory: 0 });
    try {
      const a = noGrad(() => randn([4096], { rng: new Rng(4) }).mul(1));
      const before = Array.from(a.dataSync());
      noGrad(() => randn([8], { rng: new Rng(5) }).add(1)); // an op: evicts a
      a.narrow(0, 0, 4095).copy_(a.narrow(0, 1, 4095));
      expect(Array.from(a.dataSync()).slice(0, 4095)).toEqual(shifted(before, 1));
    } finally {
      await init({ backend: 'wasm', threads: 1 });
    }
  });
});
