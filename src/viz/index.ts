/** The viz barrel: everything this area exports publicly.
 * @module
 */
export {
  learningCurvesSpec,
  confusionMatrixSpec,
  decisionBoundarySpec,
  decisionBoundary,
  complexityCurveSpec,
  imageGridSVG,
  renderSVG,
  saveSVG,
  type VegaLiteSpec,
  type HistoryLike,
  type LearningCurvesOptions,
  type DecisionGrid,
  type ComplexityPoint,
  type RenderOptions,
} from './plots.js';
export { type ConfusionMatrixOptions } from './plots.js';
export {
  tensorToImage,
  imageGrid,
  colorAt,
  encodePNG,
  savePNG,
  type RGBAImage,
  type ColorMap,
  type ToImageOptions,
  type GridOptions,
} from './image.js';
