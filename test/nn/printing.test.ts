/** Module printing matches PyTorch 1.13's repr exactly (strings captured from PyTorch; MultiheadAttention's
 * out_proj prints as Linear here, NonDynamicallyQuantizableLinear there). */
import { describe, expect, it } from 'vitest';
import { nn } from '../../src/index.js';

const cases: [nn.Module, string][] = [
  [new nn.RNN(3, 4, { nonlinearity: 'relu', numLayers: 2, dropout: 0.5 }), 'RNN(3, 4, num_layers=2, dropout=0.5)'],
  [
    new nn.LSTM(16, 32, { numLayers: 2, batchFirst: true, bidirectional: true }),
    'LSTM(16, 32, num_layers=2, batch_first=True, bidirectional=True)',
  ],
  [new nn.GRU(3, 4, { bias: false }), 'GRU(3, 4, bias=False)'],
  [new nn.GRUCell(3, 4, { bias: false }), 'GRUCell(3, 4, bias=False)'],
  [new nn.RNNCell(3, 4, { nonlinearity: 'relu' }), 'RNNCell(3, 4, nonlinearity=relu)'],
  [new nn.LSTMCell(3, 4), 'LSTMCell(3, 4)'],
  [
    new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
    'ConvTranspose2d(3, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))',
  ],
  [
    new nn.Conv1d(4, 4, 3, { groups: 2, dilation: 2, bias: false }),
    'Conv1d(4, 4, kernel_size=(3,), stride=(1,), dilation=(2,), groups=2, bias=False)',
  ],
  [new nn.Conv1d(4, 4, 3, { padding: 1 }), 'Conv1d(4, 4, kernel_size=(3,), stride=(1,), padding=(1,))'],
  [new nn.Conv2d(3, 4, 3, { padding: 'same' }), 'Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=same)'],
  [
    new nn.Conv2d(3, 4, [3, 2], { stride: [2, 1], dilation: 2, bias: false }),
    'Conv2d(3, 4, kernel_size=(3, 2), stride=(2, 1), dilation=(2, 2), bias=False)',
  ],
  [new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), 'AvgPool2d(kernel_size=3, stride=2, padding=1)'],
  [new nn.AvgPool2d([2, 3]), 'AvgPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0)'],
  [new nn.Upsample({ size: [5, 7] }), 'Upsample(size=(5, 7), mode=nearest)'],
  [new nn.Upsample({ scaleFactor: 2 }), 'Upsample(scale_factor=2.0, mode=nearest)'],
  [new nn.Softplus(), 'Softplus(beta=1, threshold=20)'],
  [new nn.ELU(), 'ELU(alpha=1.0)'],
  [new nn.LeakyReLU({ negativeSlope: 0.2 }), 'LeakyReLU(negative_slope=0.2)'],
  [new nn.GELU(), "GELU(approximate='none')"],
  [new nn.GELU({ approximate: 'tanh' }), "GELU(approximate='tanh')"],
  [new nn.SiLU(), 'SiLU()'],
  [new nn.Softmax(1), 'Softmax(dim=1)'],
  [new nn.LogSoftmax(-1), 'LogSoftmax(dim=-1)'],
  [new nn.GroupNorm(2, 4), 'GroupNorm(2, 4, eps=1e-05, affine=True)'],
  [new nn.BatchNorm1d(3, { momentum: null }), 'BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)'],
  [
    new nn.BatchNorm2d(3, { eps: 1e-3, affine: false, trackRunningStats: false }),
    'BatchNorm2d(3, eps=0.001, momentum=0.1, affine=False, track_running_stats=False)',
  ],
  [new nn.LayerNorm([3, 4], { elementwiseAffine: false }), 'LayerNorm((3, 4), eps=1e-05, elementwise_affine=False)'],
  [new nn.Unflatten(1, [2, 3]), 'Unflatten(dim=1, unflattened_size=(2, 3))'],
  [new nn.Flatten(0), 'Flatten(start_dim=0, end_dim=-1)'],
  [new nn.MaxPool2d(2, { ceilMode: true }), 'MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=True)'],
  [new nn.MaxPool2d([3, 3], { stride: [2, 1] }), 'MaxPool2d(kernel_size=(3, 3), stride=(2, 1), padding=0, dilation=1, ceil_mode=False)'],
  [new nn.Dropout(0.1), 'Dropout(p=0.1, inplace=False)'],
  [new nn.Dropout(), 'Dropout(p=0.5, inplace=False)'],
  [new nn.AdaptiveAvgPool2d(1), 'AdaptiveAvgPool2d(output_size=1)'],
  [new nn.Embedding(10, 3, { paddingIdx: 0 }), 'Embedding(10, 3, padding_idx=0)'],
  [new nn.Identity(), 'Identity()'],
  [new nn.Linear(3, 4, { bias: false }), 'Linear(in_features=3, out_features=4, bias=False)'],
  [
    new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU()),
    'Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n)',
  ],
  [new nn.ModuleList([new nn.Tanh(), new nn.Sigmoid()]), 'ModuleList(\n  (0): Tanh()\n  (1): Sigmoid()\n)'],
  [new nn.ModuleDict({ a: new nn.Tanh() }), 'ModuleDict(\n  (a): Tanh()\n)'],
  [
    new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }),
    'TransformerEncoderLayer(\n  (self_attn): MultiheadAttention(\n    (out_proj): Linear(in_features=8, out_features=8, bias=True)\n  )\n  (linear1): Linear(in_features=8, out_features=16, bias=True)\n  (dropout): Dropout(p=0.1, inplace=False)\n  (linear2): Linear(in_features=16, out_features=8, bias=True)\n  (norm1): LayerNorm((8,), eps=1e-05, elementwise_affine=True)\n  (norm2): LayerNorm((8,), eps=1e-05, elementwise_affine=True)\n  (dropout1): Dropout(p=0.1, inplace=False)\n  (dropout2): Dropout(p=0.1, inplace=False)\n)',
  ],
];

describe('toString() = PyTorch repr', () => {
  it.each(cases.map(([m, s]) => [s.split('\n')[0]!, m, s] as const))('%s', (_name, m, s) => {
    expect(m.toString()).toBe(s);
  });
});
