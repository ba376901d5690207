export { type InitOptions } from './common.js';
export { Linear, Conv1d, Conv2d, ConvTranspose2d, type Conv1dOptions, type Conv2dOptions, type ConvTranspose2dOptions } from './linear.js';
export { ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax, Dropout } from './activation.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Upsample } from './pooling.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, Embedding, type BatchNormOptions } from './norm.js';
export { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, type RNNOptions } from './rnn.js';
export { type LSTMOptions, type RNNModuleOptions, type CellOptions, type RNNCellOptions, type Mode as RNNMode } from './rnn.js';
export { type IntOrPair } from './common.js';
export { type PaddingMode } from './linear.js';
export {
  MultiheadAttention,
  TransformerEncoderLayer,
  TransformerEncoder,
  type MultiheadAttentionOptions,
  type MultiheadAttentionForwardOptions,
  type TransformerEncoderLayerOptions,
} from './transformer.js';
