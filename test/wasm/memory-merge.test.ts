/**
 * Where the memory model (storage records, device blocks, eviction) meets the round's other work:
 * - arrays shared with the user (`fromTypedArray`, `typedArrayView`) stay shared although the device
 *   would otherwise move their storage (upload on use, eviction);
 * - version counters are keyed on the storage record, so an in-place write is caught after the data
 *   moved between the device and the JS heap, and a move alone is no write;
 * - the fused batch-norm and max-pool kernels read device-resident inputs in place and give the same
 *   bits as the js reference with evictions forced between the calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend } from '../../src/backend/index.js';
import { getBackend } from '../../src/backend/dispatch.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';
import { Rng } from '../../src/core/rng.js';
import { StateError } from '../../src/core/errors.js';
import { fromTypedArray, randn, typedArrayView } from '../../src/tensor/creation.js';
import * as F from '../../src/nn/functional.js';
import { ensureBuilt } from './setup.js';

beforeAll(() => ensureBuilt());
afterAll(() => void setBackend('js'));

async function wasm(): Promise<WasmBackend> {
  await init({ backend: 'wasm', threads: 1 });
  const b = getBackend() as WasmBackend;
  expect(b.name).toBe('wasm');
  return b;
}

describe('memory model × shared arrays', () => {
  it('fromTypedArray keeps sharing the caller’s array after ops that would upload it', async () => {
    const b = await wasm();
    if (!b.arena.shared) return; // a private memory never uploads: nothing to pin
    const buf = new Float32Array(4096).fill(1);
    const t = fromTypedArray(buf);
    for (let i = 0; i < 3; i++) t.add(1).sum().item(); // kernels read t (≥ 1,024 floats: would upload)
    expect(t.record.onDevice).toBe(false);
    buf[7] = 5; // a write through the array is seen by the tensor…
    expect(t.dataSync()[7]).toBe(5);
    t.mul_(2); // …and one through the tensor by the array
    expect(buf[7]).toBe(10);
    expect(buf[0]).toBe(2);
  });

  it('typedArrayView of a device-resident result stays valid through eviction and later ops', async () => {
    const b = await wasm();
    const x = randn([64, 64], { rng: new Rng(1) }).mul(3); // a kernel result: a device block when shared
    const v = typedArrayView(x);
    expect(x.record.onDevice).toBe(false);
    const before = Array.from(v);
    b.arena.evict(0);
    for (let i = 0; i < 3; i++) x.add(x).sum().item();
    expect(Array.from(v)).toEqual(before);
    v[3] = 42;
    expect(x.dataSync()[3]).toBe(42);
    x.add_(1);
    expect(v[3]).toBe(43);
  });
});

describe('memory model × version counters', () => {
  it('a move between device and JS heap is not a write; an in-place write after one is caught', async () => {
    const b = await wasm();
    const w = randn([64, 64], { rng: new Rng(2) }).requiresGrad_();
    const h = w.mul(2); // a device block (shared memory)
    const y = h.exp(); // exp saves its output
    b.arena.evict(0); // every block to the JS heap: the record stays, the array changes
    y.sum().backward(undefined, { retainGraph: true }); // no write happened: backward runs
    expect(w.grad).not.toBeNull();
    const y2 = h.exp();
    b.arena.evict(0);
    y2.sum().item(); // y2 is read (uploaded again), then written in place
    y2.add_(1);
    b.arena.evict(0); // and moved after the write: its array changes, its record (and version) does not
    let err: unknown = null;
    try {
      y2.sum().backward();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).code).toBe('E_INPLACE_MODIFIED');
  });
});

describe('memory model × kern kernels', () => {
  function bnAndPool(evict: () => void): number[][] {
    const rng = new Rng(3);
    const x = randn([4, 8, 16, 16], { rng }).requiresGrad_();
    const w = randn([8], { rng }).add(1).requiresGrad_();
    const bias = randn([8], { rng }).requiresGrad_();
    const rm = randn([8], { rng }).mul(0).detach();
    const rv = randn([8], { rng }).mul(0).add(1).detach();
    const h = x.mul(1.5); // device-resident input to the fused kernels
    evict();
    const y = F.batchNorm(h, rm, rv, { weight: w, bias, training: true });
    evict();
    const p = F.maxPool2d(y.relu(), 2);
    evict();
    p.square().sum().backward();
    const ev = F.batchNorm(h.detach(), rm, rv, { weight: w.detach(), bias: bias.detach(), training: false });
    return [p, ev, x.grad!, w.grad!, bias.grad!, rm, rv].map((t) => Array.from(t.dataSync()));
  }

  it('fused batch norm and max pool on device storage: wasm (evicting or not) = js, bit for bit', async () => {
    const b = await wasm();
    const evicting = bnAndPool(() => b.arena.evict(0));
    const resident = bnAndPool(() => {});
    setBackend('js');
    const ref = bnAndPool(() => {});
    expect(evicting).toEqual(resident);
    expect(resident).toEqual(ref);
  });
});
