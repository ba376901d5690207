/** The io barrel: everything this area exports publicly. */
export {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  SAFETENSORS_MAX_HEADER,
  type SafetensorsDType,
  type SafetensorsHeader,
  type SafetensorsHeaderEntry,
  type StateDict,
  type DecodeOptions as SafetensorsDecodeOptions,
  type EncodeOptions as SafetensorsEncodeOptions,
  type DecodedSafetensors,
} from './safetensors.js';
export { loadSafetensors, loadSafetensorsWithMetadata, saveSafetensors, type BytesSource } from './safetensors-file.js';
export { detectPickle, refusePickle, PICKLE_CONVERSION_HINT } from './pickle.js';
