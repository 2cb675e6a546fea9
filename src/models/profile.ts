/**
 * Bit-aware model profiling: weight counts by bit width, memory, and multiply-accumulate (MAC)
 * counts by precision, per layer and for the whole model — the figures behind `lq.models.summary`.
 * The figures are computed as plain data (`profile_data.ts`) and rendered by `profile_render.ts`;
 * the classes here give them methods.
 *
 * @packageDocumentation
 */
import {
  checkModel,
  layerMacCount,
  layerProfileData,
  layerWeightCount,
  modelMacCount,
  modelProfileData,
  modelWeightCount,
  type LayerLike,
  type LayerProfileData,
  type MacProfile,
  type ModelLike,
  type ModelProfileData,
  type ModelTotals,
  type WeightLike,
  type WeightProfile,
} from "./profile_data.js";
import { profileMarkdown, profileSummaryRows, profileTableRows, type SummaryOptions } from "./profile_render.js";

export {
  checkModel,
  isModelBuilt,
  isNestedModel,
  layerClassNames,
  MAC_CONTAINING_LAYERS,
  NOT_BUILT_MESSAGE,
  OP_COUNT_SUPPORTED_LAYERS,
  type LayerLike,
  type LayerProfileData,
  type MacProfile,
  type ModelLike,
  type ModelProfileData,
  type ModelTotals,
  type WeightLike,
  type WeightProfile,
} from "./profile_data.js";
export type { SummaryOptions } from "./profile_render.js";

/**
 * Profile of one layer: weights by bit width, memory and MACs, following larq's `LayerProfile`;
 * a model used as a layer is profiled recursively, as larq's `ModelProfile` does for nested models.
 *
 * @remarks
 * - Weight bit width: the weight's `precision` property (set by larq-ts quantized layers), else 32.
 * - A weight is trainable when it is in the layer's `trainableWeights` and in those of every model
 *   around the layer (freezing a model freezes everything inside it, as in Keras).
 * - BatchNormalization: `beta` is dropped when `moving_mean` exists and `gamma` when
 *   `moving_variance` exists (they fold into one add and one multiply at inference), so a
 *   BatchNormalization with `scale: false` counts 2·C non-trainable weights.
 * - MACs exist only for MAC-containing layers ({@link MAC_CONTAINING_LAYERS}) with a known output
 *   shape: each non-bias weight contributes count · outputPixels MACs at precision
 *   max(inputPrecision ?? 32, bitwidth). Layers of {@link OP_COUNT_SUPPORTED_LAYERS} count 0,
 *   all others are unknown (`null`, printed `?`).
 * - Nested model ({@link isNestedModel}): each of its layers gets its own profile
 *   (`nestedLayers`, the input layer of a Sequential left out as for the outer model). The row
 *   then takes the input precision of the first of them (`null` when that is an input layer, as
 *   for every functional model), the output shape of the last, and the weights and MACs of all of
 *   them; its MAC count is always known (layers of unknown count add 0).
 * - Deviation: larq raises `NotImplementedError` for a counted layer whose output has rank 1 or
 *   above 4; here its MAC count is unknown (`null`).
 */
export class LayerProfile {
  /** Layer name. */
  declare readonly name: string;
  /** Registered class name (`"QuantConv2D"`, `"Sequential"` for a nested model, …). */
  declare readonly className: string;
  /** Bits of the input quantizer's output; `null` when none. */
  declare readonly inputPrecision: number | null;
  /** Output shape (unknown dimensions −1; a list for several outputs); `null` when unknown. */
  declare readonly outputShape: number[] | number[][] | null;
  /** The output shape as printed. */
  declare readonly outputShapeStr: string;
  /** Pixels per feature map; `null` when not applicable. */
  declare readonly outputPixels: number | null;
  /** The counted weights. */
  declare readonly weights: WeightProfile[];
  /** Sorted distinct weight bit widths. */
  declare readonly paramBitwidths: number[];
  /** Weight count per bit width. */
  declare readonly paramsByBitwidth: Record<number, number>;
  /** All counted weights. */
  declare readonly weightCount: number;
  /** Trainable weights. */
  declare readonly trainableWeightCount: number;
  /** Non-trainable weights. */
  declare readonly nonTrainableWeightCount: number;
  /** Σ bitwidth · count. */
  declare readonly memoryBits: number;
  /** Σ min(bitwidth, 8) · count. */
  declare readonly int8FpWeightsMemoryBits: number;
  /** Σ 32 · count. */
  declare readonly fpEquivalentMemoryBits: number;
  /** MAC groups. */
  declare readonly macs: MacProfile[];
  /** Sorted distinct MAC precisions. */
  declare readonly macPrecisions: number[];
  /** Total MACs; `null` when unknown. */
  declare readonly macCount: number | null;
  /** MACs per precision. */
  declare readonly macsByPrecision: Record<number, number>;
  /** For a nested model, the profiles of its layers; `null` for a plain layer. */
  readonly nestedLayers: LayerProfile[] | null;

  readonly #data: LayerProfileData;

  /**
   * @param layer - the layer (or nested model) to profile, or its profile data.
   * @param enclosingTrainable - the trainable weights of the models around `layer` (intersected);
   *   omitted, only the layer's own `trainableWeights` decide.
   */
  constructor(layer: LayerLike, enclosingTrainable?: ReadonlySet<WeightLike>);
  /** @internal Wraps profile data computed elsewhere. */
  constructor(data: { profileData: LayerProfileData });
  constructor(layer: LayerLike | { profileData: LayerProfileData }, enclosingTrainable?: ReadonlySet<WeightLike>) {
    const data = "profileData" in layer ? layer.profileData : layerProfileData(layer, enclosingTrainable);
    this.#data = data;
    const { nestedLayers, ...plain } = data;
    Object.assign(this, plain);
    this.nestedLayers = nestedLayers === null ? null : nestedLayers.map((sub) => new LayerProfile({ profileData: sub }));
  }

  /** Weight count, optionally restricted to one bit width and/or trainability. */
  countWeights(filter: { bitwidth?: number; trainable?: boolean } = {}): number {
    return layerWeightCount(this.#data, filter);
  }

  /** MACs of one precision (all when omitted); `null` when unknown for this layer. */
  countMacs(precision?: number): number | null {
    return layerMacCount(this.#data, precision);
  }

  /** Plain data (a copy), safe for `JSON.stringify`. */
  toJSON(): LayerProfileData {
    return structuredClone(this.#data);
  }
}

/**
 * Profile of a whole model: one {@link LayerProfile} per entry of `model.layers` (a nested model is
 * one entry, profiled recursively) and the totals larq's summary prints.
 *
 * @remarks
 * compressionRatio = memory / max(1e-8, float-32 memory); binarizedMacRatio = MACs(1 bit) / max(1, MACs);
 * ternarizedMacRatio = MACs(2 bit) / max(1, MACs). Build one with {@link profile}. All figures live in one plain data object
 * ({@link ModelProfileData}, computed by `profile_data.ts`); `toJSON()` returns a copy of it.
 */
export class ModelProfile {
  /** Model name. */
  readonly name: string;
  /** One profile per entry of `model.layers`. */
  readonly layers: LayerProfile[];
  /** Sorted distinct weight bit widths over all layers. */
  readonly paramBitwidths: number[];
  /** Sorted distinct MAC precisions over all layers. */
  readonly macPrecisions: number[];
  /** The totals larq's summary prints. */
  readonly totals: ModelTotals;
  readonly #data: ModelProfileData;

  constructor(model: ModelLike) {
    const data = modelProfileData(model);
    this.#data = data;
    this.name = data.name;
    this.layers = data.layers.map((l) => new LayerProfile({ profileData: l }));
    this.paramBitwidths = data.paramBitwidths;
    this.macPrecisions = data.macPrecisions;
    this.totals = data.totals;
  }

  /** Weight count over all layers, optionally restricted to one bit width and/or trainability. */
  countWeights(filter: { bitwidth?: number; trainable?: boolean } = {}): number {
    return modelWeightCount(this.#data, filter);
  }

  /** MACs over all layers, of one precision (all when omitted); unknown layer counts add 0. */
  countMacs(precision?: number): number {
    return modelMacCount(this.#data, precision);
  }

  /** The per-layer table as larq builds it (see `profileTableRows`). */
  tableRows(): string[][] {
    return profileTableRows(this.#data);
  }

  /** The summary table as larq builds it: label / formatted value pairs (see `profileSummaryRows`). */
  summaryRows(options: SummaryOptions = {}): [string, string][] {
    return profileSummaryRows(this.#data, options);
  }

  /** Markdown rendering of both tables (see `profileMarkdown`). */
  toMarkdown(options: SummaryOptions = {}): string {
    return profileMarkdown(this.#data, options);
  }

  /** Plain data (a copy), safe for `JSON.stringify`. */
  toJSON(): ModelProfileData {
    return structuredClone(this.#data);
  }
}

/**
 * Profiles a model: weights by bit width, memory and MACs per layer and in total.
 *
 * @param model - a built `tf.LayersModel` / `tf.Sequential` (or any {@link ModelLike}).
 * @returns a {@link ModelProfile}; `JSON.stringify(profile)` gives its {@link ModelProfileData}.
 * @throws larq's "This model has not yet been built…" error for an unbuilt model.
 *
 * @example
 * ```ts
 * const p = lq.models.profile(model);
 * p.totals.modelSizeBytes;       // bytes with quantized weights at their bit width
 * p.totals.binarizedMacRatio;    // share of 1-bit MACs
 * console.log(p.toMarkdown());
 * ```
 */
export function profile(model: unknown): ModelProfile {
  return new ModelProfile(checkModel(model));
}
