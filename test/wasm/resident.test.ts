/**
 * Resident arrays: parameters and optimizer state living in the wasm memory (see src/backend/wasm/arena.ts).
 * They must be invisible to results (same bits as the js backend / the copying path), survive memory
 * growth, keep PyTorch's Parameter-shares-storage semantics, and return their blocks when collected.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend } from '../../src/backend/index.js';
import { isResident } from '../../src/backend/dispatch.js';
import { Rng } from '../../src/core/rng.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import { randn, tensor, zeros } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());
afterAll(() => {
  setBackend('js');
});

function mlp(seed: number): nn.Module {
  const rng = new Rng(seed);
  return new nn.Sequential(
    new nn.Linear(40, 64, { rng }),
    new nn.ReLU(),
    new nn.Linear(64, 32, { rng }),
    new nn.Tanh(),
    new nn.Linear(32, 5, { rng }),
  );
}

/** Train a few Adam/SGD steps; returns every parameter's final values. */
function train(model: nn.Module, kind: 'adam' | 'sgd', steps = 6): number[][] {
  const opt =
    kind === 'adam'
      ? new optim.Adam(model.parameters(), { lr: 1e-2, weightDecay: 1e-3 })
      : new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true });
  const rng = new Rng(9);
  for (let i = 0; i < steps; i++) {
    const x = randn([16, 40], { rng });
    const y = tensor(
      Array.from({ length: 16 }, (_, j) => (i + j) % 5),
      { dtype: 'int32' },
    );
    const loss = nn.F.crossEntropy(model.call(x) as Tensor, y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  return model.parameters().map((p) => Array.from(p.storage as Float32Array));
}

describe('resident parameters and optimizer state (wasm, shared memory)', () => {
  it('Linear weights become resident; small biases stay ordinary; Parameter still shares storage', async () => {
    await init({ threads: 1 });
    const lin = new nn.Linear(300, 20);
    expect(isResident(lin.weight.storage)).toBe(true);
    expect(isResident(lin.bias!.storage)).toBe(false); // 20 elements: not worth it
    const t = zeros(30, 30);
    const p = new nn.Parameter(t);
    expect(p.storage).toBe(t.storage);
    expect(isResident(p.storage)).toBe(true);
    t.storage[5] = 7;
    expect(p.storage[5]).toBe(7);
    // a view of a bigger storage is left alone (it does not own its array)
    const big = zeros(40, 40);
    const q = new nn.Parameter(big.narrow(0, 0, 20));
    expect(q.storage).toBe(big.storage);
    expect(isResident(q.storage)).toBe(false);
  });

  it('Adam and SGD training: same bits on resident arrays and on a private-memory build; js agrees', async () => {
    for (const kind of ['adam', 'sgd'] as const) {
      await init({ threads: 1 });
      const resident = mlp(1);
      expect(resident.parameters().some((p) => isResident(p.storage))).toBe(true);
      const a = train(resident, kind);
      await init({ threads: 1, sharedMemory: false });
      const privateModel = mlp(1);
      expect(privateModel.parameters().some((p) => isResident(p.storage))).toBe(false);
      const b = train(privateModel, kind);
      await init({ backend: 'js' });
      const c = train(mlp(1), kind);
      expect(a).toEqual(b);
      // js sums the products in another order: close, not bit-equal
      a.forEach((pa, i) => pa.forEach((v, j) => expect(Math.abs(v - c[i]![j]!)).toBeLessThan(1e-5)));
    }
  });

  it('optimizer state of a resident parameter is resident; state dicts copy it out', async () => {
    await init({ threads: 1 });
    const lin = new nn.Linear(50, 40);
    const opt = new optim.Adam(lin.parameters());
    lin
      .call(randn([3, 50]))
      .sum()
      .backward();
    opt.step();
    const st = opt.state.get(lin.weight)!;
    expect(isResident((st.exp_avg as Tensor).storage)).toBe(true);
    const sd = opt.stateDict();
    const m = sd.state[0]!.exp_avg as Tensor;
    // a copy: its own storage (itself on the device, like every big float32 result)
    expect(m.record).not.toBe((st.exp_avg as Tensor).record);
    expect(Array.from(m.storage)).toEqual(Array.from((st.exp_avg as Tensor).storage));
  });

  it('an Adam step on a resident model copies nothing in or out (the gradient is a device block too)', async () => {
    const b = await createWasmBackend({ threads: 1 });
    await init({ threads: 1 });
    const lin = new nn.Linear(300, 200);
    const opt = new optim.Adam(lin.parameters());
    lin
      .call(randn([4, 300]))
      .sum()
      .backward();
    opt.step(); // creates the (resident) state
    lin
      .call(randn([4, 300]))
      .sum()
      .backward();
    let inFloats = 0;
    let outFloats = 0;
    const put = b.arena.putF32.bind(b.arena);
    const take = b.arena.takeF32.bind(b.arena);
    b.arena.putF32 = (src, off, n) => ((inFloats += n), put(src, off, n));
    b.arena.takeF32 = (at, n) => ((outFloats += n), take(at, n));
    try {
      opt.step();
    } finally {
      b.arena.putF32 = put;
      b.arena.takeF32 = take;
    }
    expect(inFloats).toBe(0); // the weight's gradient was made on the device; the 200-float bias goes to the js loop
    expect(outFloats).toBe(0);
  });

  it('resident views stay valid while the memory grows (shared memory never detaches them)', async () => {
    const b = await createWasmBackend({ threads: 1 });
    const a = b.residentF32!(1000)!;
    for (let i = 0; i < a.length; i++) a[i] = i;
    const before = b.arena.byteLength;
    // a call whose scratch needs far more than the memory has forces growth
    const x = b.residentF32!(3_000_000)!;
    const big = new Float32Array(4_000_000).fill(1);
    b.kernels.unary!('neg', { data: big, offset: 0, strides: [1] }, [big.length], 'float32');
    expect(b.arena.byteLength).toBeGreaterThan(before);
    expect(a.length).toBe(1000);
    expect(a[999]).toBe(999);
    expect(b.isResident!(a)).toBe(true);
    expect(b.isResident!(x)).toBe(true);
    expect(b.isResident!(new Float32Array(4))).toBe(false);
    // a kernel reads a resident operand in place, after the growth too
    const s = b.kernels.reduce!('sum', a, [1000], 0, 'float32');
    expect(s[0]).toBe((999 * 1000) / 2);
  });

  it("residency survives another backend's memory growing (V8 then re-issues every shared buffer object)", async () => {
    const one = await createWasmBackend({ threads: 1 });
    const two = await createWasmBackend({ threads: 2 });
    const v = one.residentF32!(4096)!;
    const before = two.arena.byteLength;
    const big = new Float32Array(6_000_000).fill(1);
    two.kernels.unary!('neg', { data: big, offset: 0, strides: [1] }, [big.length], 'float32');
    expect(two.arena.byteLength).toBeGreaterThan(before);
    // made before and after the other memory grew
    const w = one.residentF32!(4096)!;
    for (const a of [v, w]) {
      expect(one.isResident!(a)).toBe(true);
      expect(two.isResident!(a)).toBe(false);
    }
  });

  it('collected resident arrays return their blocks: 200 models made and dropped leave the heap flat', () => {
    const child = fileURLToPath(new URL('./resident-gc.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', child], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { first: number; last: number; arenaFirst: number; arenaLast: number };
    // live resident bytes after GC return to one model's worth; the memory stops growing after round 40
    expect(out.last).toBeLessThanOrEqual(out.first);
    expect(out.arenaLast).toBe(out.arenaFirst);
  });
});
