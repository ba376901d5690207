/**
 * F.conv2d fuses a 1-D bias into the conv2d primitive (a third input): its output and every gradient
 * are the bits of the unfused composition conv2d → add(bias.reshape(1, -1, 1, 1)); other biases
 * (another dtype) still compose; the primitive checks the bias; ONNX export gives Conv its B input.
 */
import { describe, expect, it } from 'vitest';
import { DTypeError, Rng, ShapeError, Tensor, decodeOnnxModel, exportOnnx, gradcheck, nn, randn } from '../../src/index.js';
import { apply } from '../../src/tensor/tensor.js';

const F = nn.functional;

function bits(t: Tensor): number[] {
  const d = t.dataSync();
  return Array.from(d instanceof Float32Array ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d);
}

describe('conv2d with a fused bias', () => {
  const cases: [string, { stride?: number; padding?: number; groups?: number }, number[], number[]][] = [
    ['5x5 pad 2', { padding: 2 }, [3, 1, 9, 9], [4, 1, 5, 5]],
    ['groups 2, stride 2', { groups: 2, stride: 2, padding: 1 }, [2, 4, 7, 8], [6, 2, 3, 3]],
  ];
  for (const [name, opts, xs, ws] of cases) {
    it(`${name}: output and gradients equal conv2d then add (same bits)`, () => {
      const rng = new Rng(7);
      const x = randn(xs, { rng }).requiresGrad_();
      const w = randn(ws, { rng }).requiresGrad_();
      const b = randn([ws[0]!], { rng }).requiresGrad_();
      const fused = F.conv2d(x, w, b, opts);
      const g = randn(fused.shape, { rng });
      fused.backward(g);
      const [gx, gw, gb] = [x.grad!, w.grad!, b.grad!].map(bits);
      const x2 = x.detach().requiresGrad_(),
        w2 = w.detach().requiresGrad_(),
        b2 = b.detach().requiresGrad_();
      const plain = F.conv2d(x2, w2, null, opts).add(b2.reshape(1, -1, 1, 1));
      plain.backward(g);
      expect(bits(fused)).toEqual(bits(plain));
      expect(gx).toEqual(bits(x2.grad!));
      expect(gw).toEqual(bits(w2.grad!));
      expect(gb).toEqual(bits(b2.grad!));
    });
  }

  it('gradcheck (float64), bias only requiring grad too', () => {
    const rng = new Rng(3);
    const x = randn([2, 2, 5, 6], { dtype: 'float64', rng }).requiresGrad_();
    const w = randn([3, 2, 3, 3], { dtype: 'float64', rng }).requiresGrad_();
    const b = randn([3], { dtype: 'float64', rng }).requiresGrad_();
    expect(gradcheck((x, w, b) => F.conv2d(x, w, b, { padding: 1 }), [x, w, b])).toBe(true);
    expect(gradcheck((b) => F.conv2d(x.detach(), w.detach(), b), [b])).toBe(true);
  });

  it('a bias of another dtype still composes (broadcast add); the primitive rejects bad biases', () => {
    const rng = new Rng(4);
    const x = randn([1, 2, 4, 4], { rng });
    const w = randn([3, 2, 3, 3], { rng });
    const b64 = randn([3], { dtype: 'float64', rng });
    const y = F.conv2d(x, w, b64);
    expect(y.dtype).toBe('float64');
    expect(y.shape).toEqual([1, 3, 2, 2]);
    expect(() => apply('conv2d', [x, w, randn([4], { rng })], { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 })).toThrow(
      ShapeError,
    );
    expect(() => apply('conv2d', [x, w, b64], { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 })).toThrow(DTypeError);
  });

  it('ONNX export: a functional conv2d with bias is one Conv with inputs X, W, B', () => {
    const rng = new Rng(5);
    class M extends nn.Module {
      w = new nn.Parameter(randn([3, 2, 3, 3], { rng }));
      b = new nn.Parameter(randn([3], { rng }));
      forward(x: Tensor): Tensor {
        return F.conv2d(x, this.w, this.b, { padding: 1 }).relu();
      }
    }
    const p = decodeOnnxModel(exportOnnx(new M(), randn([1, 2, 5, 5], { rng })));
    const conv = p.graph!.node.find((n) => n.opType === 'Conv')!;
    expect(p.graph!.node.map((n) => n.opType)).not.toContain('Add');
    expect(conv.input.length).toBe(3);
  });
});
