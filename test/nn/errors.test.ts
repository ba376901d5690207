/** Error paths: typed errors with stable codes that name the module and the shapes. */
import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  IndexError,
  ShapeError,
  ValueError,
  nn,
  randn,
  tensor,
  zeros,
  type BackpropError,
  type Tensor,
} from '../../src/index.js';

function caught(fn: () => unknown): BackpropError {
  try {
    fn();
  } catch (e) {
    return e as BackpropError;
  }
  throw new Error('expected an error');
}

describe('forward errors name the module and the shapes', () => {
  it('Conv2d: wrong channels, wrong rank, integer input, input smaller than the kernel', () => {
    const conv = new nn.Conv2d(3, 16, 3);
    const e = caught(() => conv.call(zeros(64, 1, 28, 28)));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.code).toBe('E_CONV_SHAPE');
    expect(e.message).toBe(
      'Conv2d(3, 16, kernel_size=(3, 3)): expected input [N, 3, H, W] (or [3, H, W]), got [64,1,28,28]; hint: the input has 1 channels but this layer expects 3',
    );
    const r = caught(() => conv.call(zeros(64, 784)));
    expect(r).toBeInstanceOf(ShapeError);
    expect(r.message).toMatch(/Conv2d\(3, 16.*got \[64,784\].*2-D input/);
    expect(caught(() => conv.call(zeros([1, 3, 8, 8], { dtype: 'int32' })))).toBeInstanceOf(DTypeError);
    expect(caught(() => conv.call(zeros(1, 3, 2, 2))).message).toMatch(/smaller than the kernel/);
    // an unbatched [C, H, W] input is fine
    expect(conv.call(zeros(3, 5, 5)).shape).toEqual([16, 3, 3]);
  });

  it('Conv1d and ConvTranspose2d: wrong channels', () => {
    expect(caught(() => new nn.Conv1d(4, 2, 3).call(zeros(2, 3, 10))).message).toMatch(
      /^Conv1d\(4, 2, kernel_size=\(3,\)\): expected input \[N, 4, L\].*got \[2,3,10\]/,
    );
    expect(caught(() => new nn.ConvTranspose2d(4, 2, 3).call(zeros(1, 2, 5, 5)))).toBeInstanceOf(ShapeError);
  });

  it('Linear: wrong feature count with a hint', () => {
    const e = caught(() => new nn.Linear(100, 10).call(zeros(64, 784)));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.code).toBe('E_LINEAR_SHAPE');
    expect(e.message).toBe(
      'Linear(100, 10): expected input [..., 100], got [64,784]; hint: the previous layer outputs 784 features but this Linear expects 100',
    );
    expect(caught(() => new nn.Linear(2, 1).call(tensor(new Int32Array([1, 2]))))).toBeInstanceOf(DTypeError);
  });

  it('BatchNorm1d/2d and LayerNorm: wrong channels or rank', () => {
    const e = caught(() => new nn.BatchNorm2d(16).call(zeros(2, 8, 4, 4)));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toMatch(/^BatchNorm2d\(16\): expected input \[N, 16, H, W\], got \[2,8,4,4\]; hint: the input has 8 channels/);
    expect(caught(() => new nn.BatchNorm2d(3).call(zeros(2, 3)))).toBeInstanceOf(ShapeError);
    expect(caught(() => new nn.BatchNorm1d(3).call(zeros(2, 3, 4, 4))).message).toMatch(/\[N, 3\] or \[N, 3, L\]/);
    expect(caught(() => new nn.LayerNorm([4, 5]).call(zeros(2, 5, 4))).message).toBe(
      'LayerNorm((4, 5)): expected input [..., 4, 5], got [2,5,4]',
    );
  });

  it('Embedding: float indices and out-of-range indices', () => {
    const emb = new nn.Embedding(10, 3);
    expect(caught(() => emb.call(tensor([1, 2])))).toBeInstanceOf(DTypeError);
    expect(caught(() => emb.call(tensor([1, 2]))).message).toMatch(/Embedding\(10, 3\): indices must be int32, got float32/);
    const e = caught(() => emb.call(tensor(new Int32Array([3, 10]))));
    expect(e).toBeInstanceOf(IndexError);
    expect(e.message).toMatch(/index 10 is out of range .* 10 rows/);
    expect(caught(() => emb.call(tensor(new Int32Array([-1]))))).toBeInstanceOf(IndexError);
  });

  it('RNN/LSTM/GRU: wrong feature size, wrong state shape, state not a pair', () => {
    const lstm = new nn.LSTM(3, 4, { batchFirst: true });
    const e = caught(() => lstm.call(zeros(2, 5, 6)));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.code).toBe('E_RNN_SHAPE');
    expect(e.message).toBe('LSTM(3, 4): expected input [B, T, 3] (batchFirst) or unbatched [T, 3], got [2,5,6]');
    expect(caught(() => lstm.call(zeros(2, 5, 3), [zeros(1, 3, 4), zeros(1, 2, 4)])).message).toMatch(
      /h0 of shape \[1,2,4\].*got \[1,3,4\]/,
    );
    expect(caught(() => lstm.call(zeros(2, 5, 3), [zeros(1, 2, 4), zeros(2, 2, 4)])).message).toMatch(/c0 of shape/);
    expect(caught(() => lstm.call(zeros(2, 5, 3), zeros(1, 2, 4) as never))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.GRU(3, 4, { numLayers: 2 }).call(zeros(5, 2, 3), zeros(1, 2, 4))).message).toMatch(/h0 of shape \[2,2,4\]/);
    expect(caught(() => new nn.RNN(3, 4).call(zeros(5, 3, 2, 3)))).toBeInstanceOf(ShapeError);
  });

  it('MultiheadAttention: wrong embed dim, mismatched key/value, bad masks', () => {
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const q = randn(2, 3, 8);
    const e = caught(() => mha.call(randn(2, 3, 6), q, q));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toMatch(/^MultiheadAttention\(embed_dim=8, num_heads=2\): expected query \[N, L, E\] with E = 8/);
    expect(caught(() => mha.call(q, randn(2, 4, 8), randn(2, 5, 8))).message).toMatch(/same length/);
    expect(caught(() => mha.call(q, q, q, { keyPaddingMask: tensor([[true, false]]) })).message).toMatch(/keyPaddingMask must be \[2, 3\]/);
    expect(caught(() => mha.call(q, q, q, { attnMask: zeros(2, 2) })).message).toMatch(/attnMask must be \[3, 3\]/);
  });

  it('pooling and upsampling', () => {
    expect(caught(() => new nn.MaxPool2d(2).call(zeros(4, 4))).message).toMatch(
      /MaxPool2d\(kernel_size=2\): expected a 3-D \[C, H, W\] or 4-D/,
    );
    expect(caught(() => new nn.MaxPool2d(5).call(zeros(1, 1, 3, 3))).message).toMatch(/smaller than the pooling window/);
    expect(caught(() => new nn.AvgPool2d(2).call(zeros(1, 2, 3, 4, 5)))).toBeInstanceOf(ShapeError);
    expect(caught(() => new nn.Upsample({ size: 4 }).call(zeros(2, 3)))).toBeInstanceOf(ShapeError);
  });
});

describe('call() with something other than a Tensor', () => {
  it('undefined, a number or a nested array of numbers is a ValueError naming the module, after pre-hooks', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    const e = caught(() => model.call([[1, 2]] as never));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.code).toBe('E_INPUT');
    expect(e.message).toBe('Sequential.call: expected a Tensor as the input, got an array of numbers; convert it with tensor(...)');
    expect(caught(() => new nn.Conv2d(1, 2, 3).call(undefined as never)).message).toBe(
      'Conv2d.call: expected a Tensor as the input, got undefined',
    );
    expect(caught(() => new nn.Linear(2, 2).call(null as never)).message).toMatch(/^Linear.call: .*got null$/);
    expect(caught(() => new nn.Embedding(3, 2).call(2 as never))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.MultiheadAttention(4, 2).call(undefined as never, undefined as never, undefined as never))).toBeInstanceOf(
      ValueError,
    );
    // a forward pre-hook may turn plain data into a tensor first
    const m = new nn.Linear(2, 1);
    m.registerForwardPreHook((_mod, args) => [tensor(args[0] as number[][])]);
    expect(m.call([[1, 2]] as never).shape).toEqual([1, 1]);
    // modules whose forward takes lists of tensors or no input are untouched
    class Sum extends nn.Module {
      forward(xs: Tensor[]): Tensor {
        return xs.reduce((a, b) => a.add(b));
      }
    }
    expect(new Sum().call([tensor([1]), tensor([2])]).item()).toBe(3);
  });
});

describe('constructor errors', () => {
  it('rejects non-integer or non-positive sizes', () => {
    expect(caught(() => new nn.Linear(2.5, 3))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.Linear(2.5, 3)).message).toBe('Linear: inFeatures must be a non-negative integer, got 2.5');
    expect(caught(() => new nn.Linear(-1, 3))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.Conv2d(3, 0, 3))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.Conv2d(3, 4, [3, 0]))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).message).toMatch(/inChannels \(3\) must be divisible by groups \(2\)/);
    expect(caught(() => new nn.Conv2d(3, 4, 3, { stride: 2, padding: 'same' }))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.ConvTranspose2d(3, 4, 3, { outputPadding: 1 })).message).toMatch(/outputPadding must be smaller/);
    expect(caught(() => new nn.BatchNorm1d(0))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.BatchNorm1d(3, { momentum: 2 }))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.LayerNorm([]))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.Embedding(5, 2, { paddingIdx: 5 }))).toBeInstanceOf(IndexError);
    expect(caught(() => new nn.LSTM(3, 0))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.LSTM(3, 4, { dropout: 1.5 }))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' }))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.MultiheadAttention(10, 3)).message).toBe(
      'MultiheadAttention: embedDim (10) must be divisible by numHeads (3)',
    );
    expect(caught(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' }))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.Dropout(1.5)).message).toBe('Dropout: dropout probability has to be between 0 and 1, but got 1.5');
    expect(caught(() => new nn.Upsample({}))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.GELU({ approximate: 'fast' as 'tanh' }))).toBeInstanceOf(ValueError);
    expect(caught(() => new nn.Softmax(0.5))).toBeInstanceOf(ValueError);
  });
});

describe('unknown options are refused (a typo or snake_case would be ignored silently in JS)', () => {
  it('suggests the camelCase spelling of a PyTorch keyword', () => {
    const e = caught(() => new nn.LSTM(3, 4, { batch_first: true } as never));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.code).toBe('E_UNKNOWN_OPTION');
    expect(e.message).toBe("LSTM: unknown option 'batch_first'; did you mean 'batchFirst'? (options are camelCase)");
    expect(caught(() => new nn.Linear(2, 2, { biass: false } as never)).message).toBe(
      "Linear: unknown option 'biass'; expected one of: bias, rng",
    );
    expect(caught(() => new nn.Conv2d(1, 1, 3, { padding_mode: 'zeros' } as never)).message).toMatch(/did you mean 'paddingMode'/);
    expect(caught(() => new nn.BatchNorm2d(3, { track_running_stats: false } as never)).message).toMatch(/trackRunningStats/);
    const mha = new nn.MultiheadAttention(4, 2);
    const x = randn(2, 1, 4);
    expect(caught(() => mha.call(x, x, x, { need_weights: false } as never)).message).toMatch(
      /forward: unknown option 'need_weights'; did you mean 'needWeights'/,
    );
    expect(caught(() => new nn.Dropout(0.5, 3 as never))).toBeInstanceOf(ValueError);
  });
});
