import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { adamUpdate, sgdUpdate, type AdamHyper, type SgdHyper } from '../../src/optim/functional.js';
import { ensureBuilt, randF32 } from './setup.js';

let wasm: WasmBackend;
beforeAll(async () => {
  ensureBuilt();
  wasm = await createWasmBackend({ threads: 1 });
});

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('fused Adam (wasm) is bit-identical to the reference loop', () => {
  const configs: [string, Partial<AdamHyper>][] = [
    ['plain', {}],
    ['weight decay', { weightDecay: 0.01 }],
    ['AdamW (decoupled)', { weightDecay: 0.05, decoupled: true }],
    ['amsgrad', { amsgrad: true }],
    ['maximize', { maximize: true, weightDecay: 0.1 }],
  ];
  for (const [name, over] of configs)
    for (const n of [256, 1001, 4099])
      it(`${name}, n=${n}, 5 steps`, () => {
        const h: AdamHyper = {
          lr: 1e-2,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: 0,
          amsgrad: false,
          maximize: false,
          decoupled: false,
          ...over,
        };
        const p1 = randF32(n, n),
          p2 = p1.slice();
        const m1 = new Float32Array(n),
          m2 = new Float32Array(n);
        const v1 = new Float32Array(n),
          v2 = new Float32Array(n);
        const x1 = h.amsgrad ? new Float32Array(n) : null,
          x2 = h.amsgrad ? new Float32Array(n) : null;
        for (let step = 1; step <= 5; step++) {
          const g = randF32(n, 100 + step, 3);
          if (step === 3) g[7] = 0;
          expect(wasm.kernels.adamUpdate!(p1, g, m1, v1, x1, step, h)).toBe(true);
          adamUpdate(p2, g, m2, v2, x2, step, h);
        }
        expect(bits(p1)).toEqual(bits(p2));
        expect(bits(m1)).toEqual(bits(m2));
        expect(bits(v1)).toEqual(bits(v2));
        if (x1) expect(bits(x1)).toEqual(bits(x2!));
      });

  it('declines what it does not handle (float64, tiny tensors)', () => {
    const h: AdamHyper = {
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      decoupled: false,
    };
    const d = new Float64Array(1000);
    expect(wasm.kernels.adamUpdate!(d, d, d, d, null, 1, h)).toBe(false);
    const s = new Float32Array(10);
    expect(wasm.kernels.adamUpdate!(s, s, s, s, null, 1, h)).toBe(false);
  });
});

describe('fused Adam (wasm): every flag combination, odd lengths, wide value ranges', () => {
  // amsgrad × weight decay × maximize × AdamW, lengths not divisible by 4, gradients spanning many
  // magnitudes (so the f32 roundings and the multiply-adds are exercised), 7 steps
  for (const amsgrad of [false, true])
    for (const wd of [0, 0.02])
      for (const maximize of [false, true])
        for (const decoupled of [false, true])
          it(`amsgrad ${amsgrad}, wd ${wd}, maximize ${maximize}, ${decoupled ? 'AdamW' : 'Adam'}`, () => {
            const h: AdamHyper = { lr: 3e-3, beta1: 0.85, beta2: 0.995, eps: 1e-7, weightDecay: wd, amsgrad, maximize, decoupled };
            for (const n of [257, 1003]) {
              const p1 = randF32(n, 7 * n + 1, 2),
                p2 = p1.slice();
              const m1 = new Float32Array(n),
                m2 = new Float32Array(n);
              const v1 = new Float32Array(n),
                v2 = new Float32Array(n);
              const x1 = amsgrad ? new Float32Array(n) : null,
                x2 = amsgrad ? new Float32Array(n) : null;
              for (let step = 1; step <= 7; step++) {
                const g = randF32(n, 1000 * step + n);
                const e = randF32(n, 2000 * step + n);
                for (let i = 0; i < n; i++) g[i] = g[i]! * Math.pow(10, Math.round(e[i]! * 6)); // 1e-6 … 1e6
                if (step === 4) g.fill(0, 0, 9); // a zero gradient: amsgrad keeps its max, v decays
                expect(wasm.kernels.adamUpdate!(p1, g, m1, v1, x1, step, h)).toBe(true);
                adamUpdate(p2, g, m2, v2, x2, step, h);
              }
              expect(bits(p1)).toEqual(bits(p2));
              expect(bits(m1)).toEqual(bits(m2));
              expect(bits(v1)).toEqual(bits(v2));
              if (x1) expect(bits(x1)).toEqual(bits(x2!));
            }
          });
});

describe('fused SGD (wasm): every flag combination, odd lengths', () => {
  for (const momentum of [0, 0.9])
    for (const dampening of [0, 0.3])
      for (const wd of [0, 1e-3])
        for (const nesterov of [false, true])
          for (const maximize of [false, true]) {
            if (nesterov && (momentum === 0 || dampening !== 0)) continue;
            it(`momentum ${momentum}, dampening ${dampening}, wd ${wd}, nesterov ${nesterov}, maximize ${maximize}`, () => {
              const h: SgdHyper = { lr: 0.07, momentum, dampening, weightDecay: wd, nesterov, maximize };
              for (const n of [259, 1001]) {
                const p1 = randF32(n, 3 * n, 3),
                  p2 = p1.slice();
                const b1 = momentum ? new Float32Array(n) : null,
                  b2 = momentum ? new Float32Array(n) : null;
                for (let step = 0; step < 5; step++) {
                  const g = randF32(n, 70 + step + n, 1 + step * 10);
                  expect(wasm.kernels.sgdUpdate!(p1, g, b1, step === 0, h)).toBe(true);
                  sgdUpdate(p2, g, b2, step === 0, h);
                }
                expect(bits(p1)).toEqual(bits(p2));
                if (b1) expect(bits(b1)).toEqual(bits(b2!));
              }
            });
          }
});

describe('fused SGD (wasm) is bit-identical to the reference loop', () => {
  const configs: [string, Partial<SgdHyper>][] = [
    ['plain', {}],
    ['momentum', { momentum: 0.9 }],
    ['momentum + dampening + weight decay', { momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 }],
    ['nesterov', { momentum: 0.8, nesterov: true }],
    ['maximize', { maximize: true }],
  ];
  for (const [name, over] of configs)
    it(`${name}, n=777, 4 steps`, () => {
      const n = 777;
      const h: SgdHyper = { lr: 0.05, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...over };
      const p1 = randF32(n, 5),
        p2 = p1.slice();
      const b1 = h.momentum ? new Float32Array(n) : null,
        b2 = h.momentum ? new Float32Array(n) : null;
      for (let step = 0; step < 4; step++) {
        const g = randF32(n, 50 + step);
        expect(wasm.kernels.sgdUpdate!(p1, g, b1, step === 0, h)).toBe(true);
        sgdUpdate(p2, g, b2, step === 0, h);
      }
      expect(bits(p1)).toEqual(bits(p2));
      if (b1) expect(bits(b1)).toEqual(bits(b2!));
    });
});

describe('fused updates split across two threads stay bit-identical', () => {
  it('Adam and SGD on 40,003 elements', async () => {
    const two = await createWasmBackend({ threads: 2 });
    const n = 40003;
    const h: AdamHyper = {
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.01,
      amsgrad: false,
      maximize: false,
      decoupled: true,
    };
    const p1 = randF32(n, 1),
      p2 = p1.slice();
    const m1 = new Float32Array(n),
      m2 = new Float32Array(n),
      v1 = new Float32Array(n),
      v2 = new Float32Array(n);
    for (let step = 1; step <= 3; step++) {
      const g = randF32(n, 10 + step);
      expect(two.kernels.adamUpdate!(p1, g, m1, v1, null, step, h)).toBe(true);
      adamUpdate(p2, g, m2, v2, null, step, h);
    }
    expect(bits(p1)).toEqual(bits(p2));
    expect(bits(v1)).toEqual(bits(v2));
    const ha: AdamHyper = { ...h, decoupled: false, amsgrad: true, weightDecay: 0.1 };
    const x1 = new Float32Array(n),
      x2 = new Float32Array(n);
    for (let step = 4; step <= 6; step++) {
      const g = randF32(n, 20 + step, 5);
      expect(two.kernels.adamUpdate!(p1, g, m1, v1, x1, step, ha)).toBe(true);
      adamUpdate(p2, g, m2, v2, x2, step, ha);
    }
    expect(bits(p1)).toEqual(bits(p2));
    expect(bits(m1)).toEqual(bits(m2));
    expect(bits(x1)).toEqual(bits(x2));
    const s: SgdHyper = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true, maximize: false };
    const b1 = new Float32Array(n),
      b2 = new Float32Array(n);
    const g = randF32(n, 99);
    expect(two.kernels.sgdUpdate!(p1, g, b1, true, s)).toBe(true);
    sgdUpdate(p2, g, b2, true, s);
    expect(bits(p1)).toEqual(bits(p2));
  });
});
