/**
 * backprop — the public API. Everything users, examples, benchmarks and the playground import.
 */
export * from './core/errors.js';
export { type DType, type TypedArray, DTYPES } from './core/dtype.js';
export { type Device, type DeviceLike, DEVICES } from './core/device.js';
export { Rng, manualSeed, defaultRng, type RngState } from './core/rng.js';
export { broadcastShapes } from './core/shape.js';
export { init, backendInfo, setBackend, getBackend, listBackends, type Backend, type InitOptions } from './backend/index.js';
export {
  noGrad,
  noGradAsync,
  pendingAsyncNoGrad,
  enableGrad,
  isGradEnabled,
  setGradEnabled,
  detectAnomaly,
  setDetectAnomaly,
} from './autograd/mode.js';
export { Tensor, type TensorOrScalar, type Scalar } from './tensor/tensor.js';
export * from './tensor/creation.js';
export * from './tensor/functional.js';
export * from './tensor/functional-extra.js';
export * as linalg from './tensor/linalg.js';
export { gradcheck, type GradcheckOptions } from './tensor/gradcheck.js';
export { grad, type GradOptions } from './tensor/autograd.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * from './train/index.js';
export * from './io/index.js';
export * as viz from './viz/index.js';
// Types that the public signatures above mention, exported so the API reference can link them.
export { type Shape } from './core/shape.js';
export { type FloatArray } from './core/dtype.js';
export {
  type Kernels,
  type AdamUpdateArgs,
  type SgdUpdateArgs,
  type AdagradUpdateArgs,
  type RmspropUpdateArgs,
  type RoundingDivOp,
  type ScatterReduceOp,
} from './backend/types.js';
export {
  type View,
  type UnaryOp,
  type BinaryOp,
  type ReduceOp,
  type ArgReduceOp,
  type MatmulArgs,
  type Conv2dArgs,
  type Pool2dArgs,
  type Window2d,
} from './backend/types.js';
export { type Node as AutogradNode, type BackwardOptions } from './autograd/engine.js';
export type { Storage, Device as StorageDevice, Cell as DeviceCell } from './backend/storage.js';
export { type Dims } from './tensor/tensor.js';
export { type HasStateDict } from './io/checkpoint.js';
export { type StateDict as SafetensorsStateDict } from './io/safetensors.js';
export {
  type ModelProto,
  type TensorProto,
  type GraphProto,
  type NodeProto,
  type AttributeProto,
  type ValueInfoProto,
} from './io/onnx/proto.js';
export {
  type TypeProto,
  type TypeProtoTensor,
  type TensorShapeProto,
  type TensorShapeDimension,
  type OperatorSetIdProto,
  type StringStringEntryProto,
} from './io/onnx/proto.js';
export { type Ctor as ModuleConstructor } from './io/pytorch/generate.js';
export { type ProgressMode } from './train/progress.js';
export { type Target as AttributionTarget } from './train/explain.js';
