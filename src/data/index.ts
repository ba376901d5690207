/**
 * The data area, reached as `import { data } from 'backprop'`:
 *
 * - datasets and batching: `Dataset`, `IterableDataset`, `TensorDataset`, `Subset`,
 *   `ConcatDataset`, `DataLoader` (seeded shuffle, resumable `stateDict()`), `randomSplit`,
 *   `trainValTestSplit` (optionally stratified);
 * - preprocessing fitted on training data (`fit` → `transform`, `toJSON`/`fromJSON`):
 *   `StandardScaler`, `MinMaxScaler`, `OneHotEncoder`, `LabelEncoder`, `ColumnTransformer`;
 *   image transforms `toTensor`, `normalize`, `randomShift`, `randomHorizontalFlip`, `compose`;
 * - files: `parseCsv` / `loadCsv` / `streamCsv`, `parseIdx` / `loadIdx` / `loadIdxDataset`,
 *   `loadImageFolder` / `ImageFolder`, `decodeImage`;
 * - `datasets`: `mnist()` (bundled), `fashionMnist()` (Debian package or a folder), and seeded
 *   toy generators (`circle`, `xor`, `gaussian`, `spiral`, `moons`, `regressionPlane`,
 *   `multiGaussian`, `polynomial`, `housePrices`).
 *
 * Everything here is importable in browsers; functions that read files load Node's modules
 * lazily and are Node-only. Malformed files raise `FormatError` with a stable code (`E_CSV_*`,
 * `E_IDX_*`, `E_IMG_*`) and a location (file, line/column or byte offset).
 * @module
 */
export { Dataset, IterableDataset, FunctionIterableDataset, TensorDataset, Subset, ConcatDataset, type DatasetLike } from './dataset.js';
export { DataLoader, defaultCollate, type DataLoaderOptions, type DataLoaderState, type CollateFn } from './dataloader.js';
export { randomSplit, trainValTestSplit, splitCounts, type SplitOptions, type TrainValTestOptions, type TrainValTest } from './split.js';
export {
  StandardScaler,
  MinMaxScaler,
  OneHotEncoder,
  LabelEncoder,
  ColumnTransformer,
  preprocessorFromJSON,
  type Table,
  type Category,
  type ColumnSpec,
  type ColumnTransformerPart,
} from './preprocessing.js';
export {
  toTensor,
  normalize,
  randomShift,
  randomHorizontalFlip,
  resize,
  compose,
  MAX_RESIZE_ELEMENTS,
  type RawImage,
  type Transform,
} from './transforms.js';
export * as datasets from './datasets.js';
export { TransformedDataset, type TransformOptions } from './transformed.js';
export { parseCsv, CsvTable, CsvBuilder, type CsvOptions, type CsvColumnType, type MissingPolicy } from './csv.js';
export { type ColumnData } from './csv.js';
export { loadCsv, streamCsv, CsvStreamDataset, type CsvRow } from './csv-node.js';
export {
  parseIdx,
  encodeIdx,
  idxImageDataset,
  IDX_MAX_BYTES,
  type IdxArray,
  type IdxDType,
  type IdxOptions,
  type ImageLabelOptions,
} from './idx.js';
export { loadIdx, loadIdxDataset, gunzipCapped } from './idx-node.js';
export {
  decodeImage,
  readImageHeader,
  sniffImage,
  toGray,
  toRgb,
  MAX_IMAGE_PIXELS,
  MAX_IMAGE_SIDE,
  type ImageHeader,
  type ImageKind,
  type DecodeOptions,
} from './image.js';
export {
  loadImageFolder,
  loadImage,
  scanImageFolder,
  ImageFolder,
  type ImageFolderOptions,
  type ImageFolderResult,
  type LoadImageOptions,
} from './image-folder.js';
