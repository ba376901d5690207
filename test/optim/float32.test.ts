import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { optim, Tensor } from '../../src/index.js';
import { adamUpdate, sgdUpdate } from '../../src/optim/functional.js';
import { defaultReferenceDir } from '../../scripts/reference/run.js';
import { camelKeys } from '../../scripts/reference/optim.js';
import { decodeNumber, toTensor } from '../../scripts/reference/util.js';
import type { RefCase, RefTensor } from '../../scripts/reference/types.js';

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

type Ctor = new (params: Tensor[], opts: Record<string, unknown>) => optim.Optimizer<{ lr: number }>;
const CTORS: Record<string, Ctor> = {
  'torch.optim.SGD': optim.SGD as unknown as Ctor,
  'torch.optim.Adagrad': optim.Adagrad as unknown as Ctor,
  'torch.optim.RMSprop': optim.RMSprop as unknown as Ctor,
  'torch.optim.Adam': optim.Adam as unknown as Ctor,
  'torch.optim.AdamW': optim.AdamW as unknown as Ctor,
};

describe('float32 updates compute in float32 as PyTorch 1.13 does: bit-identical to its golden values', () => {
  const cases = (JSON.parse(readFileSync(join(defaultReferenceDir(), 'optim.json'), 'utf8')) as { cases: RefCase[] }).cases;
  for (const c of cases)
    it(c.name, () => {
      const p = toTensor(c.inputs.param!).requiresGrad_();
      expect(p.dtype).toBe('float32');
      const opt = new CTORS[c.fn]!([p], camelKeys(c.kwargs));
      (c.output as RefTensor[]).forEach((expected, i) => {
        p.grad = toTensor(c.inputs[`grad_${i}`]!);
        opt.step();
        expect(bits(p.storage as Float32Array), `param after step ${i}`).toEqual(bits(expected.data.map(decodeNumber)));
      });
      const st = opt.stateDict().state[0] ?? {};
      for (const [k, v] of Object.entries((c.state ?? {}) as Record<string, RefTensor | number | null>)) {
        if (v === null || typeof v === 'number' || k === 'step') continue;
        expect(bits((st[k] as Tensor).storage as Float32Array), `state.${k}`).toEqual(bits(v.data.map(decodeNumber)));
      }
    });
});

describe('float64 parameters keep double arithmetic', () => {
  it('Adam and SGD on a Float64Array follow the double formulas', () => {
    const p = new Float64Array([0.1, -0.7]),
      g = [0.3, 1e-3];
    const m = new Float64Array(2),
      v = new Float64Array(2);
    adamUpdate(p, g, m, v, null, 1, {
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      decoupled: false,
    });
    for (let i = 0; i < 2; i++) {
      const mi = (1 - 0.9) * g[i]!,
        vi = (1 - 0.999) * g[i]! * g[i]!;
      expect(m[i]).toBe(0.9 * 0 + mi);
      expect(v[i]).toBe(0.999 * 0 + vi);
      expect(p[i]).toBe([0.1, -0.7][i]! - ((0.1 / (1 - 0.9)) * m[i]!) / (Math.sqrt(v[i]!) / Math.sqrt(1 - 0.999) + 1e-8));
    }
    const q = new Float64Array([0.1]);
    sgdUpdate(q, [1 / 3], null, true, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
    expect(q[0]).toBe(0.1 - 0.1 / 3);
    expect(q[0]).not.toBe(Math.fround(q[0]!));
  });
});
