/**
 * The data of a bit-aware model profile: weight counts by bit width, memory, and multiply-accumulate (MAC)
 * counts by precision, per layer and for the whole model, computed as plain objects (rendering is in
 * `profile_render.ts`, the `LayerProfile` / `ModelProfile` classes in `profile.ts`).
 */
import { invalidArgument } from "../utils/errors.js";

// ---------------------------------------------------------------------------------------------
// Duck types: what the profiler reads from layers, weights and models.
// ---------------------------------------------------------------------------------------------

/**
 * What the profiler reads from a weight: a tfjs `LayerVariable`, optionally carrying the
 * `precision` (bits) that larq-ts quantized layers attach to their quantized weights.
 */
export interface WeightLike {
  /** Unique variable name, e.g. `"dense/bias_1"`. */
  readonly name: string;
  /** Name before tfjs made it unique, e.g. `"dense/bias"` (preferred when present). */
  readonly originalName?: string;
  /** Weight shape (weights always have known dimensions; `null` would count as 0). */
  readonly shape: readonly (number | null)[];
  /** Bit width of the weight as used at inference time; 32 when absent. */
  readonly precision?: unknown;
}

/** What the profiler reads from a layer (any `tf.layers.Layer`, including nested models). */
export interface LayerLike {
  /**
   * A nested model's own layers (a `tf.LayersModel` / `tf.Sequential` used as a layer); plain layers
   * have none. A layer that has this list is profiled recursively.
   */
  readonly layers?: readonly LayerLike[];
  /** Layer name, the first column of the summary. */
  readonly name: string;
  /** All weights (trainable first, as tfjs orders them). */
  readonly weights: readonly WeightLike[];
  /** The weights that training updates (a weight counts as trainable iff it is in this list). */
  readonly trainableWeights: readonly WeightLike[];
  /** The output shape; may throw (never called, or several calls with different shapes). */
  readonly outputShape?: unknown;
  /** The registered class name (`"QuantConv2D"`, `"Dense"`, …). */
  getClassName?(): string;
  /** larq-ts layers: the quantizer applied to the layer's input (`null` when none). */
  readonly inputQuantizer?: unknown;
}

/** What {@link profile} and `summary` read from a model: a `tf.LayersModel` / `tf.Sequential`, or any object of this shape. */
export interface ModelLike {
  /** Model name, used in the table titles. */
  readonly name: string;
  /** The layers, in order (a nested model is one layer). */
  readonly layers: readonly LayerLike[];
  /** Keras/tfjs `built` flag. */
  readonly built?: boolean;
  /** Symbolic inputs (a tfjs `Sequential` with an input shape has them while `built` is still false). */
  readonly inputs?: readonly unknown[];
  /**
   * The weights that training of this model updates. tfjs keeps a layer's own list unchanged when a
   * model *around* it is frozen, so the profiler also requires a weight to be in this list.
   */
  readonly trainableWeights?: readonly WeightLike[];
}

// ---------------------------------------------------------------------------------------------
// Layer classes larq counts MACs for (Keras isinstance checks, matched on the class-name chain).
// ---------------------------------------------------------------------------------------------

/**
 * Class names of the layers whose weights produce MACs (larq's `mac_containing_layers`, plus the
 * Keras subclasses that `isinstance` accepts: transposed convolutions derive from `Conv1D`/`Conv2D`).
 */
export const MAC_CONTAINING_LAYERS: ReadonlySet<string> = new Set([
  "QuantConv2D",
  "QuantSeparableConv2D",
  "QuantDepthwiseConv2D",
  "QuantDense",
  "Conv2D",
  "SeparableConv2D",
  "DepthwiseConv2D",
  "Dense",
  "QuantConv1D",
  "QuantSeparableConv1D",
  "Conv1D",
  "SeparableConv1D",
  "Conv2DTranspose",
  "QuantConv2DTranspose",
  "Conv1DTranspose",
  "QuantConv1DTranspose",
]);

/**
 * Class names of the layers for which a MAC count is known (0 for those without MAC weights);
 * every other layer shows `?` in the MAC columns (larq's `op_count_supported_layer_types`).
 */
export const OP_COUNT_SUPPORTED_LAYERS: ReadonlySet<string> = new Set([
  "Flatten",
  "BatchNormalization",
  "MaxPooling2D",
  "MaxPool2D",
  "AveragePooling2D",
  "AvgPool2D",
  "MaxPooling1D",
  "MaxPool1D",
  "AveragePooling1D",
  "AvgPool1D",
  ...MAC_CONTAINING_LAYERS,
]);

/** The class names of a layer and of all its base classes (tfjs classes carry a static `className`). */
export function layerClassNames(layer: LayerLike): Set<string> {
  const names = new Set<string>();
  if (typeof layer.getClassName === "function") names.add(layer.getClassName());
  for (let proto = Object.getPrototypeOf(layer); proto; proto = Object.getPrototypeOf(proto)) {
    const className = (proto.constructor as { className?: unknown } | undefined)?.className;
    if (typeof className === "string") names.add(className);
  }
  return names;
}

/**
 * Whether a layer is a model used as a layer (Keras: `isinstance(layer, Model)`): a tfjs
 * `LayersModel` / `Sequential` (and any {@link LayerLike}) that lists layers of its own.
 */
export function isNestedModel(layer: LayerLike): boolean {
  return Array.isArray(layer.layers);
}

function hasClass(names: Set<string>, table: ReadonlySet<string>): boolean {
  for (const name of names) if (table.has(name)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Profile types.
// ---------------------------------------------------------------------------------------------

/** Profile of one weight. Memory figures are in bits. */
export interface WeightProfile {
  /** Variable name (tfjs `originalName` when present). */
  name: string;
  /** Weight shape. */
  shape: number[];
  /** Number of scalars: the product of the shape. */
  count: number;
  /** Bit width: the weight's `precision`, else 32. */
  bitwidth: number;
  /** Whether the weight is among the layer's trainable weights. */
  trainable: boolean;
  /** larq's bias test: the name contains `"bias"` (biases produce no MACs). */
  isBias: boolean;
  /** bitwidth · count. */
  memoryBits: number;
  /** Memory if weights wider than 8 bits were stored in 8 bits: count · min(bitwidth, 8). */
  int8FpWeightsMemoryBits: number;
  /** 32 · count. */
  fpEquivalentMemoryBits: number;
}

/** A group of multiply-accumulate operations of one precision. */
export interface MacProfile {
  /** Number of MACs: weight count · output pixels. */
  n: number;
  /** max(input precision (32 when none), weight bit width). */
  precision: number;
}

/** The profile of one layer as plain data (what `LayerProfile.toJSON()` returns). */
export interface LayerProfileData {
  /** Layer name. */
  name: string;
  /** Registered class name (`"QuantConv2D"`, `"Dense"`, `"Sequential"` for a nested model, …). */
  className: string;
  /** Bits of the input quantizer's output; `null` when the layer has none (printed `-`). */
  inputPrecision: number | null;
  /** Output shape with unknown dimensions as −1 (a list of shapes for several outputs); `null` when unknown (printed `multiple`). */
  outputShape: number[] | number[][] | null;
  /** The output shape as printed: `"(-1, 64, 64, 32)"`, `"(2,)"` or `"multiple"`. */
  outputShapeStr: string;
  /** Pixels per feature map (H·W for 4-D outputs, the length for 3-D, 1 for 2-D), `null` when not applicable. */
  outputPixels: number | null;
  /** The counted weights (BatchNormalization's folded `beta` / `gamma` left out). */
  weights: WeightProfile[];
  /** Sorted distinct weight bit widths. */
  paramBitwidths: number[];
  /** Weight count per bit width. */
  paramsByBitwidth: Record<number, number>;
  /** All counted weights. */
  weightCount: number;
  /** Weights among the layer's trainable weights. */
  trainableWeightCount: number;
  /** weightCount − trainableWeightCount. */
  nonTrainableWeightCount: number;
  /** Σ bitwidth · count over the weights. */
  memoryBits: number;
  /** Σ min(bitwidth, 8) · count: the memory with float weights stored in 8 bits. */
  int8FpWeightsMemoryBits: number;
  /** Σ 32 · count: the memory with every weight in float32. */
  fpEquivalentMemoryBits: number;
  /** MAC groups (one per non-bias weight of a MAC-containing layer). */
  macs: MacProfile[];
  /** Sorted distinct MAC precisions. */
  macPrecisions: number[];
  /** Total MACs; `null` when larq does not count them for this layer type (printed `?`). */
  macCount: number | null;
  /** MACs per precision (empty when `macCount` is `null`). */
  macsByPrecision: Record<number, number>;
  /** For a nested model, the profiles of its layers (nested again for deeper models); `null` for a plain layer. */
  nestedLayers: LayerProfileData[] | null;
}

function productOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 0), 1);
}

function weightBaseName(weight: WeightLike): string {
  return weight.originalName ?? weight.name;
}

/** Normalises one shape: unknown (null/undefined/0) dimensions become −1, as larq prints them. */
function normalizeShape(shape: readonly unknown[]): number[] {
  return shape.map((d) => (typeof d === "number" && d ? d : -1));
}

/** Python's str() of a tuple of ints: `(1, 2)`, `(2,)`, `()`. */
function tupleStr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

function readOutputShape(layer: LayerLike): number[] | number[][] | null {
  let raw: unknown;
  try {
    raw = layer.outputShape;
  } catch {
    // tfjs throws when the layer was never called symbolically or has several different output
    // shapes; Keras raises AttributeError in both cases and larq prints "multiple".
    return null;
  }
  if (!Array.isArray(raw)) return null;
  if (raw.length > 0 && raw.every((s) => Array.isArray(s))) {
    const shapes = raw as unknown[][];
    if (shapes.length === 1) return normalizeShape(shapes[0]);
    return shapes.map(normalizeShape);
  }
  return normalizeShape(raw);
}

function readInputPrecision(layer: LayerLike): number | null {
  const quantizer = layer.inputQuantizer as { precision?: unknown } | null | undefined;
  if (quantizer === null || quantizer === undefined) return null;
  // larq reads `input_quantizer.precision`; a quantizer without one counts as "no precision" ("-").
  const precision = quantizer.precision;
  return typeof precision === "number" ? precision : null;
}

function countBy<T>(items: readonly T[], key: (t: T) => number, value: (t: T) => number): Record<number, number> {
  const out: Record<number, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + value(item);
  return out;
}

function uniqueSorted(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** The output shape as larq prints it: a tuple, a list of tuples, or `multiple` when unknown. */
function shapeStr(shape: number[] | number[][] | null): string {
  if (shape === null || shape.length === 0) return "multiple";
  if (Array.isArray(shape[0])) return `[${(shape as number[][]).map(tupleStr).join(", ")}]`;
  return tupleStr(shape as number[]);
}

/** Pixels per feature map of an output shape (H·W at rank 4, the length at rank 3, 1 at rank 2). */
function pixelsOf(shape: number[] | number[][] | null): number | null {
  if (shape === null || shape.length === 0 || Array.isArray(shape[0])) return null;
  const dims = shape as number[];
  if (dims.length === 4) return dims[1] * dims[2];
  if (dims.length === 3) return dims[1];
  if (dims.length === 2) return 1;
  return null;
}

/**
 * The weights that count as trainable inside a model, given those its own enclosing models allow
 * (`undefined`: no restriction). A model without a `trainableWeights` list adds no restriction.
 */
function withinEnclosing(
  trainableWeights: readonly WeightLike[] | undefined,
  enclosing: ReadonlySet<WeightLike> | undefined,
): ReadonlySet<WeightLike> | undefined {
  if (!Array.isArray(trainableWeights)) return enclosing;
  return new Set(enclosing ? trainableWeights.filter((w) => enclosing.has(w)) : trainableWeights);
}

/** The counted weights of a plain layer (BatchNormalization's folded `beta` / `gamma` left out). */
function ownWeights(layer: LayerLike, classNames: Set<string>, enclosing: ReadonlySet<WeightLike> | undefined): WeightProfile[] {
  const weights = [...layer.weights];
  if (classNames.has("BatchNormalization")) {
    for (const [folded, keeper] of [
      ["beta", "moving_mean"],
      ["gamma", "moving_variance"],
    ]) {
      const names = weights.map((w) => weightBaseName(w).split("/").pop()!.replace(":0", ""));
      if (names.includes(folded) && names.includes(keeper)) weights.splice(names.indexOf(folded), 1);
    }
  }
  const trainable = new Set(layer.trainableWeights ?? []);
  return weights.map((w) => {
    const count = productOf(w.shape);
    const bitwidth = typeof w.precision === "number" ? w.precision : 32;
    return {
      name: weightBaseName(w),
      shape: w.shape.map((d: number | null) => d ?? -1),
      count,
      bitwidth,
      trainable: trainable.has(w) && (enclosing === undefined || enclosing.has(w)),
      isBias: w.name.includes("bias"),
      memoryBits: bitwidth * count,
      int8FpWeightsMemoryBits: (bitwidth > 8 ? 8 : bitwidth) * count,
      fpEquivalentMemoryBits: 32 * count,
    };
  });
}

/** Weight count of a layer profile, optionally restricted to one bit width and/or trainability. */
export function layerWeightCount(data: LayerProfileData, filter: { bitwidth?: number; trainable?: boolean } = {}): number {
  return data.weights
    .filter(
      (w) =>
        (filter.bitwidth === undefined || w.bitwidth === filter.bitwidth) &&
        (filter.trainable === undefined || w.trainable === filter.trainable),
    )
    .reduce((a, w) => a + w.count, 0);
}

/** MACs of a layer profile of one precision (all when omitted); `null` when unknown for the layer. */
export function layerMacCount(data: LayerProfileData, precision?: number): number | null {
  if (data.macCount === null) return null;
  return data.macs.filter((m) => precision === undefined || m.precision === precision).reduce((a, m) => a + m.n, 0);
}

/**
 * Profiles one layer (see `LayerProfile` for the rules, which follow larq's `LayerProfile`).
 *
 * @param layer - the layer (or nested model) to profile.
 * @param enclosingTrainable - the trainable weights of the models around `layer` (intersected);
 *   omitted, only the layer's own `trainableWeights` decide.
 */
export function layerProfileData(layer: LayerLike, enclosingTrainable?: ReadonlySet<WeightLike>): LayerProfileData {
  if (layer === null || typeof layer !== "object" || !Array.isArray(layer.weights)) {
    invalidArgument("layer", layer, "a tfjs layer (an object with name, weights and trainableWeights)");
  }
  const classNames = layerClassNames(layer);
  const className = typeof layer.getClassName === "function" ? layer.getClassName() : ([...classNames][0] ?? "Layer");
  let nestedLayers: LayerProfileData[] | null = null;
  let inputPrecision: number | null;
  let outputShape: number[] | number[][] | null;
  let weights: WeightProfile[];
  let macs: MacProfile[] = [];
  let counted: boolean;
  if (isNestedModel(layer)) {
    const inside = withinEnclosing(layer.trainableWeights, enclosingTrainable);
    nestedLayers = profiledLayers(layer as ModelLike).map((sub) => layerProfileData(sub, inside));
    inputPrecision = nestedLayers.length > 0 ? nestedLayers[0].inputPrecision : null;
    outputShape = nestedLayers.length > 0 ? nestedLayers[nestedLayers.length - 1].outputShape : null;
    weights = nestedLayers.flatMap((sub) => sub.weights);
    macs = nestedLayers.flatMap((sub) => sub.macs);
    counted = true;
  } else {
    inputPrecision = readInputPrecision(layer);
    outputShape = readOutputShape(layer);
    weights = ownWeights(layer, classNames, enclosingTrainable);
    const pixels = pixelsOf(outputShape);
    if (hasClass(classNames, MAC_CONTAINING_LAYERS) && pixels) {
      const inputBits = inputPrecision || 32;
      for (const w of weights) {
        if (!w.isBias) macs.push({ n: w.count * pixels, precision: Math.max(inputBits, w.bitwidth) });
      }
    }
    counted = hasClass(classNames, OP_COUNT_SUPPORTED_LAYERS) && Boolean(pixels);
  }
  const weightCount = weights.reduce((a, w) => a + w.count, 0);
  const trainableWeightCount = weights.filter((w) => w.trainable).reduce((a, w) => a + w.count, 0);
  return {
    name: String(layer.name),
    className,
    inputPrecision,
    outputShape,
    outputShapeStr: shapeStr(outputShape),
    outputPixels: pixelsOf(outputShape),
    weights,
    paramBitwidths: uniqueSorted(weights.map((w) => w.bitwidth)),
    paramsByBitwidth: countBy(
      weights,
      (w) => w.bitwidth,
      (w) => w.count,
    ),
    weightCount,
    trainableWeightCount,
    nonTrainableWeightCount: weightCount - trainableWeightCount,
    memoryBits: weights.reduce((a, w) => a + w.memoryBits, 0),
    int8FpWeightsMemoryBits: weights.reduce((a, w) => a + w.int8FpWeightsMemoryBits, 0),
    fpEquivalentMemoryBits: weights.reduce((a, w) => a + w.fpEquivalentMemoryBits, 0),
    macs,
    macPrecisions: uniqueSorted(macs.map((m) => m.precision)),
    macCount: counted ? macs.reduce((a, m) => a + m.n, 0) : null,
    macsByPrecision: counted
      ? countBy(
          macs,
          (m) => m.precision,
          (m) => m.n,
        )
      : {},
    nestedLayers,
  };
}

/** Model-level totals of a model profile. Memory in bits and bytes as named. */
export interface ModelTotals {
  /** All weights (larq's "Total params"). */
  totalParams: number;
  /** Weights that training updates. */
  trainableParams: number;
  /** totalParams − trainableParams (frozen layers, BatchNormalization statistics, …). */
  nonTrainableParams: number;
  /** Weight count per bit width. */
  paramsByBitwidth: Record<number, number>;
  /** Σ bitwidth · count over all layers. */
  memoryBits: number;
  /** memoryBits / 8 ("Model size"). */
  modelSizeBytes: number;
  /** Size if weights wider than 8 bits were stored in 8 bits ("Model size (8-bit FP weights)"). */
  int8FpWeightsBytes: number;
  /** Size if every weight were float32 ("Float-32 Equivalent"). */
  float32EquivalentBytes: number;
  /** memoryBits / max(1e-8, float-32 equivalent bits). */
  compressionRatio: number;
  /** All counted MACs (layers with unknown counts contribute 0). */
  macs: number;
  /** MACs per precision. */
  macsByPrecision: Record<number, number>;
  /** 1-bit MACs / max(1, macs). */
  binarizedMacRatio: number;
  /** 2-bit MACs / max(1, macs). */
  ternarizedMacRatio: number;
}

/** The profile of a model as plain data (what `ModelProfile.toJSON()` returns). */
export interface ModelProfileData {
  /** Model name. */
  name: string;
  /** One profile per entry of `model.layers`. */
  layers: LayerProfileData[];
  /** Sorted distinct weight bit widths over all layers (the `# n-bit` columns). */
  paramBitwidths: number[];
  /** Sorted distinct MAC precisions over all layers (the `n-bit MACs` columns). */
  macPrecisions: number[];
  totals: ModelTotals;
}

/**
 * The layers a summary lists, as Keras's `model.layers` gives them: a Keras `Sequential` never lists its
 * input layer, but a tfjs Sequential loaded from a Keras 2 file (which stores the InputLayer explicitly)
 * keeps it among its layers; functional models list their input layers in both.
 */
function profiledLayers(model: ModelLike): ModelLike["layers"] {
  const sequential = (model as { getClassName?: () => string }).getClassName?.() === "Sequential";
  return sequential ? model.layers.filter((layer) => layer.getClassName?.() !== "InputLayer") : model.layers;
}

/** Weight count over all layers of a model profile, optionally restricted to one bit width and/or trainability. */
export function modelWeightCount(data: ModelProfileData, filter: { bitwidth?: number; trainable?: boolean } = {}): number {
  return data.layers.reduce((a, l) => a + layerWeightCount(l, filter), 0);
}

/** MACs over all layers of a model profile, of one precision (all when omitted); unknown layer counts add 0. */
export function modelMacCount(data: ModelProfileData, precision?: number): number {
  return data.layers.reduce((a, l) => a + (layerMacCount(l, precision) ?? 0), 0);
}

/**
 * Profiles a model: one layer profile per entry of `model.layers` (a nested model is one entry, profiled
 * recursively) and the totals larq's summary prints.
 *
 * @remarks
 * compressionRatio = memory / max(1e-8, float-32 memory); binarizedMacRatio = MACs(1 bit) / max(1, MACs);
 * ternarizedMacRatio = MACs(2 bit) / max(1, MACs).
 */
export function modelProfileData(model: ModelLike): ModelProfileData {
  const trainable = withinEnclosing(model.trainableWeights, undefined);
  const layers = profiledLayers(model).map((layer) => layerProfileData(layer, trainable));
  const partial: ModelProfileData = {
    name: String(model.name),
    layers,
    paramBitwidths: uniqueSorted(layers.flatMap((l) => l.paramBitwidths)),
    macPrecisions: uniqueSorted(layers.flatMap((l) => l.macPrecisions)),
    totals: undefined as unknown as ModelTotals,
  };
  const sum = (f: (l: LayerProfileData) => number): number => layers.reduce((a, l) => a + f(l), 0);
  const memoryBits = sum((l) => l.memoryBits);
  const fpBits = sum((l) => l.fpEquivalentMemoryBits);
  const macs = modelMacCount(partial);
  const paramsByBitwidth: Record<number, number> = {};
  for (const bits of partial.paramBitwidths) paramsByBitwidth[bits] = modelWeightCount(partial, { bitwidth: bits });
  const macsByPrecision: Record<number, number> = {};
  for (const bits of partial.macPrecisions) macsByPrecision[bits] = modelMacCount(partial, bits);
  partial.totals = {
    totalParams: modelWeightCount(partial),
    trainableParams: modelWeightCount(partial, { trainable: true }),
    nonTrainableParams: modelWeightCount(partial, { trainable: false }),
    paramsByBitwidth,
    memoryBits,
    modelSizeBytes: memoryBits / 8,
    int8FpWeightsBytes: sum((l) => l.int8FpWeightsMemoryBits) / 8,
    float32EquivalentBytes: fpBits / 8,
    compressionRatio: memoryBits / Math.max(1e-8, fpBits),
    macs,
    macsByPrecision,
    binarizedMacRatio: modelMacCount(partial, 1) / Math.max(1, macs),
    ternarizedMacRatio: modelMacCount(partial, 2) / Math.max(1, macs),
  };
  return partial;
}

/** larq's message for a model that is not built yet. */
export const NOT_BUILT_MESSAGE =
  "This model has not yet been built. Build the model first by calling `model.build()` or calling " +
  "`model.fit()` with some data, or specify an `input_shape` argument in the first layer(s) for automatic build.";

/**
 * Whether a model counts as built: `built` is true, or it has symbolic inputs (a tfjs `Sequential`
 * whose first layer has an `inputShape` keeps `built` false until it is compiled or run, though all
 * its layers and weights exist).
 */
export function isModelBuilt(model: ModelLike): boolean {
  return model.built === true || (Array.isArray(model.inputs) && model.inputs.length > 0);
}

/** Checks the argument and the built state; throws naming the value, or larq's not-built error. */
export function checkModel(model: unknown): ModelLike {
  if (model === null || typeof model !== "object" || !Array.isArray((model as ModelLike).layers)) {
    invalidArgument("model", model, "a tfjs LayersModel / Sequential (an object with name and layers)");
  }
  const m = model as ModelLike;
  if (!isModelBuilt(m)) throw new Error(NOT_BUILT_MESSAGE);
  return m;
}
