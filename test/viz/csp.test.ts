/**
 * Plots render without code generation: with `Function` and `eval` made to throw (as a strict
 * Content-Security-Policy would), the default renderer (vega-interpreter) still produces the SVG,
 * while vega's compiling path ('compile') is the one that needs `new Function`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../src/train/history.js';
import { learningCurvesSpec, renderSVG } from '../../src/viz/plots.js';

const realFunction = globalThis.Function;
const realEval = globalThis.eval;

function blockCodegen(): void {
  const blocked = function () {
    throw new EvalError('code generation blocked (CSP)');
  } as unknown as FunctionConstructor;
  globalThis.Function = blocked;
  realFunction.prototype.constructor = blocked;
  globalThis.eval = (() => {
    throw new EvalError('eval blocked (CSP)');
  }) as typeof eval;
}

afterEach(() => {
  globalThis.Function = realFunction;
  realFunction.prototype.constructor = realFunction;
  globalThis.eval = realEval;
});

function spec() {
  const h = new History();
  for (let e = 0; e < 4; e++) h.push({ epoch: e, loss: 1 / (e + 1), valLoss: 1.2 / (e + 1) } as never);
  return learningCurvesSpec(h);
}

describe('plots under a no-eval policy', () => {
  it('the default renderer never generates code', async () => {
    const s = spec();
    await renderSVG(s); // warm the module imports before blocking
    blockCodegen();
    const svg = await renderSVG(s);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<path');
  });

  it("vega's compiling path needs code generation (so the test above is meaningful)", async () => {
    const s = spec();
    await renderSVG(s, { expr: 'compile' });
    blockCodegen();
    await expect(renderSVG(s, { expr: 'compile' })).rejects.toThrow();
  });
});
