/**
 * The io codecs must run under a strict Content-Security-Policy (no `unsafe-eval`): nothing on the
 * safetensors/ONNX paths may compile code at run time. protobufjs's reflection API generates code with
 * `Function`, so the ONNX codec uses only its minimal Reader/Writer — this test proves it by making
 * `Function` and `eval` throw while exporting, encoding, decoding and importing.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, Tensor, decodeSafetensors, encodeSafetensors, exportOnnx, importOnnxBytes, noGrad, randn } from '../../src/index.js';
import { ZOO } from './onnx-models.js';

function withoutCodeGeneration<T>(fn: () => T): T {
  const g = globalThis as unknown as { Function: FunctionConstructor; eval: (s: string) => unknown };
  const realFunction = g.Function;
  const realEval = g.eval;
  const calls: string[] = [];
  const fake = function (...args: unknown[]) {
    calls.push(`Function(${String(args[args.length - 1]).slice(0, 40)})`);
    throw new EvalError('CSP: code generation from strings disallowed');
  } as unknown as FunctionConstructor;
  (fake as unknown as { prototype: unknown }).prototype = realFunction.prototype;
  g.Function = fake;
  g.eval = (s: string) => {
    calls.push(`eval(${String(s).slice(0, 40)})`);
    throw new EvalError('CSP: eval disallowed');
  };
  try {
    const r = fn();
    expect(calls).toEqual([]);
    return r;
  } finally {
    g.Function = realFunction;
    g.eval = realEval;
  }
}

describe('io under a no-eval policy', () => {
  it('exports, encodes, decodes and imports ONNX, and round-trips safetensors, without Function/eval', () => {
    const rng = new Rng(3);
    for (const z of ZOO.slice(0, 12)) {
      const m = z.build(rng);
      m.eval();
      const x = z.input(2, rng) as Tensor;
      withoutCodeGeneration(() => {
        const bytes = exportOnnx(m, x, { ...(z.opset ? { opset: z.opset } : {}) });
        const back = importOnnxBytes(bytes);
        const y = noGrad(() => back.call(x)) as Tensor;
        expect(y.shape).toEqual((noGrad(() => m.call(x)) as Tensor).shape);
        const st = decodeSafetensors(encodeSafetensors(m.stateDict(), { metadata: { a: 'b' } }));
        expect(Object.keys(st.tensors).length).toBe(Object.keys(m.stateDict()).length);
      });
    }
    expect(randn([1]).shape).toEqual([1]);
  });

  it('src/io contains no eval or new Function', () => {
    const root = fileURLToPath(new URL('../../src/io', import.meta.url));
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(readFileSync(f, 'utf8')).not.toMatch(/(^|[^.\w])eval\s*\(|new\s+Function\s*\(|(^|[^.\w])Function\s*\(/m);
  });
});
