/** The io barrel: everything this area exports publicly. */
export {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  SAFETENSORS_MAX_HEADER,
  type SafetensorsDType,
  type SafetensorsHeader,
  type SafetensorsHeaderEntry,
  type DecodeOptions as SafetensorsDecodeOptions,
  type EncodeOptions as SafetensorsEncodeOptions,
  type DecodedSafetensors,
} from './safetensors.js';
export { loadSafetensors, loadSafetensorsWithMetadata, saveSafetensors, type BytesSource } from './safetensors-file.js';
export { detectPickle, refusePickle, PICKLE_CONVERSION_HINT } from './pickle.js';
export { exportOnnx, exportOnnxModel, DEFAULT_OPSET as ONNX_DEFAULT_OPSET, type ExportOnnxOptions } from './onnx/export.js';
export { importOnnxBytes, OnnxModule, ONNX_IMPORT_OPS, type ImportOnnxOptions } from './onnx/import.js';
export { importOnnx, saveOnnx, decodeOnnxModel, type SaveOnnxOptions } from './onnx/files.js';
export { checkExternalLocation } from './onnx/external.js';
export { checkOnnxCounts, ONNX_MAX_ELEMENTS, ONNX_MAX_OPSET, ONNX_MAX_NODES, ONNX_MAX_INITIALIZERS } from './onnx-limits.js';
export { pytorchModelSource, PYTORCH_LEAVES, type PyTranslation, type PyTranslator } from './pytorch/generate.js';
