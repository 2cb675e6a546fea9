/**
 * Model utilities: larq's bit-aware `summary` and the `profile` it is built on (weights by bit
 * width, memory, and multiply-accumulate counts by precision), plus the number formatting helpers
 * that reproduce larq's output exactly.
 *
 * @packageDocumentation
 */
export { summary, statsTable, summaryTable, type ModelSummaryOptions } from "./summary.js";
export {
  profile,
  isModelBuilt,
  isNestedModel,
  layerClassNames,
  LayerProfile,
  ModelProfile,
  MAC_CONTAINING_LAYERS,
  OP_COUNT_SUPPORTED_LAYERS,
  NOT_BUILT_MESSAGE,
  type LayerLike,
  type LayerProfileData,
  type MacProfile,
  type ModelLike,
  type ModelProfileData,
  type ModelTotals,
  type SummaryOptions,
  type WeightLike,
  type WeightProfile,
} from "./profile.js";
export {
  formatFixed,
  formatGeneral,
  formatScientific,
  memoryAsReadableStr,
  numberAsReadableStr,
  pythonFloatRepr,
  roundScaledHalfEven,
} from "./format.js";
export { renderAsciiTable, stringWidth, type AsciiTableOptions, type Justify } from "./table.js";
