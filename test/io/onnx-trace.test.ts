/**
 * ONNX export's trace: composite methods (softmax, matmul, mean, detach) are recorded as one event
 * each through the tensor layer's method tracer, with no patching of Tensor.prototype.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, nn, randn } from '../../src/index.js';
import { trace } from '../../src/io/onnx/trace.js';

describe('trace', () => {
  it('records composite methods as single events without patching Tensor.prototype', () => {
    const methods = ['softmax', 'logSoftmax', 'matmul', 'mean', 'detach'] as const;
    const before = methods.map((m) => Tensor.prototype[m]);
    let during: unknown[] = [];
    class Net extends nn.Module {
      w = randn([3, 4]);
      forward(x: Tensor): Tensor {
        during = methods.map((m) => Tensor.prototype[m]);
        return x.matmul(this.w).softmax(1).mean(1).detach().exp();
      }
    }
    const { events, outputs } = trace(new Net(), [randn([2, 3])]);
    expect(during).toEqual(before);
    expect(methods.map((m) => Tensor.prototype[m])).toEqual(before);
    expect(events.map((e) => `${e.kind}:${e.op}`)).toEqual(['method:matmul', 'method:softmax', 'method:mean', 'alias:detach', 'prim:exp']);
    // the attributes carry the call's arguments; the inner primitives are not recorded at top level
    expect(events[1]!.attrs.args).toEqual([1]);
    expect(events[2]!.attrs.args).toEqual([1, false]);
    expect(outputs[0]!.shape).toEqual([2]);
    // outside a trace the methods run as usual (no tracer left installed)
    expect(randn([2, 2]).softmax(1).sum(1).toArray()).toEqual([expect.closeTo(1, 6), expect.closeTo(1, 6)]);
  });
});
