/**
 * Shared building blocks of the quantized layers: the input/kernel quantizer base, the convolution
 * base with `padValues`, argument normalisation and validation, Keras-style layer names.
 *
 * @remarks
 * Like larq's `layers_base.py`, a quantized layer is a thin mixin over the float layer:
 *
 * - {@link quantizedLayer} adds the input quantizer (applied to the inputs in `call`, after which the
 *   float computation runs inside `lq.context.quantizedScope(true, …)`) and the weight quantizers. A
 *   quantized weight is an ordinary tfjs `LayerVariable` whose `read()` returns q(latent) while
 *   `lq.context.shouldQuantize()` is true and the latent variable otherwise (larq's
 *   `QuantizedVariable`). So the forward pass uses quantized kernels, gradients reach the latent
 *   variable through the quantizer's pseudo-gradient, and `getWeights()` inside
 *   `quantizedScope(true, …)` returns quantized weights.
 * - {@link paddedConv} adds `padValues` and causal padding to a convolution.
 *
 * Contract relied upon by other modules (model summary, inference engine): every quantized weight
 * variable carries `quantizer: QuantizerLike` and `precision: number`; every larq-ts layer has a
 * public `inputQuantizer` and, where applicable, `kernelQuantizer`, `depthwiseQuantizer`,
 * `pointwiseQuantizer`.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { get as getConstraint } from "../constraints/index.js";
import { getTrainingMetrics, quantizedScope, shouldQuantize } from "../context/index.js";
import { QuantizerActivation, quantizerActivation } from "../activations/quantizer_activations.js";
import { Quantizer, applyQuantizer, precisionOf, type QuantizerIdentifier, type QuantizerLike } from "../quantizers/base.js";
import { innerLayer } from "../quantizers/layer_quantizer.js";
// The package index of the quantizers registers every quantizer name, so that importing the layers
// alone resolves "ste_sign" and friends.
import { get as getQuantizer, getKernelQuantizer, serialize as serializeQuantizer } from "../quantizers/index.js";
import { describeValue, invalidArgument } from "../utils/errors.js";
import * as tfl from "@tensorflow/tfjs-layers";

import { Layer, type Kwargs, type Shape } from "../utils/tfjs.js";
import { dilateKernel } from "./conv_utils.js";
import type { DenseLayerArgs, FloatLayer, LayerVariable } from "./tfjs_classes.js";

// ---------------------------------------------------------------------------------------------
// Public argument types
// ---------------------------------------------------------------------------------------------

/** Arguments shared by every quantized layer. */
export interface QuantizedLayerArgs {
  /**
   * Quantizer applied to the layer's inputs before the float computation: a name (`"ste_sign"`,
   * `"steSign"`), a `{className, config}` object, a quantizer instance or function. Default `null`
   * (inputs used unchanged).
   */
  inputQuantizer?: QuantizerIdentifier;
  /**
   * Training metrics to collect for this layer's quantized weights (e.g. `["flip_ratio"]`).
   * Default: the metrics of the enclosing `lq.context.metricsScope`, else none.
   */
  metrics?: string[] | null;
}

/** Arguments of the layers with a single quantized `kernel` (Dense, Conv*, Conv*Transpose). */
export interface KernelQuantizedArgs extends QuantizedLayerArgs {
  /** Quantizer applied to the kernel in the forward pass (same identifiers as `inputQuantizer`). Default `null`. */
  kernelQuantizer?: QuantizerIdentifier;
}

/** Arguments of the layers with a quantized `depthwise_kernel` (DepthwiseConv2D). */
export interface DepthwiseQuantizedArgs extends QuantizedLayerArgs {
  /** Quantizer applied to the depthwise kernel in the forward pass. Default `null`. */
  depthwiseQuantizer?: QuantizerIdentifier;
}

/** Arguments of the separable layers (quantized `depthwise_kernel` and `pointwise_kernel`). */
export interface SeparableQuantizedArgs extends DepthwiseQuantizedArgs {
  /** Quantizer applied to the pointwise kernel in the forward pass. Default `null`. */
  pointwiseQuantizer?: QuantizerIdentifier;
}

/** `dataFormat` as larq-ts accepts it: tfjs' camelCase or Keras' snake_case spelling. */
export type DataFormatArg = "channelsFirst" | "channelsLast" | "channels_first" | "channels_last";

/** Replaces tfjs' `dataFormat` type of an argument interface by {@link DataFormatArg}. */
export type WithDataFormat<T> = Omit<T, "dataFormat"> & {
  /** `"channelsLast"` (default; `"channels_last"`): (batch, …spatial, channels); `"channelsFirst"` (`"channels_first"`): (batch, channels, …spatial). */
  dataFormat?: DataFormatArg;
};

/**
 * The `activation` argument of the quantized layers: what tfjs accepts (a name such as `"relu"` or
 * `"ste_sign"`, an activation object) or a quantizer (a `Quantizer` or other `tf.layers.Layer`, a
 * registered quantizer function, `{className, config}` of a quantizer), as larq allows. Quantizers
 * become an `lq.activations.QuantizerActivation` and are saved as Keras saves them.
 */
export type QuantizedActivationIdentifier = DenseLayerArgs["activation"] | Exclude<QuantizerIdentifier, string>;

/** Replaces tfjs' `activation` type of an argument interface by {@link QuantizedActivationIdentifier}. */
export type WithQuantizerActivation<T> = Omit<T, "activation"> & {
  /** Activation applied to the output: a tfjs activation name or object, or a quantizer. Default linear. */
  activation?: QuantizedActivationIdentifier;
};

/** Arguments added by {@link paddedConv}. */
export interface PadValuesArgs {
  /**
   * The value used to pad the (quantized) input when `padding` is `"same"`. Default 0. With binary
   * inputs, ±1 keeps the padded input binary (which the bitpacked inference engine needs).
   * Must be 0 with `padding: "causal"`.
   */
  padValues?: number;
}

// ---------------------------------------------------------------------------------------------
// Quantized weights
// ---------------------------------------------------------------------------------------------

/** A quantized weight variable: a tfjs `LayerVariable` with the quantizer that `read()` applies. */
export type QuantizedVariable = LayerVariable & {
  /** The quantizer applied to the latent variable in the quantized scope (`null`: none). */
  quantizer: QuantizerLike;
  /** Bit width of the quantized weight (32 when unquantized). */
  precision: number;
  /** Reads the latent (full-precision) value regardless of the quantized scope. */
  readLatent(): tf.Tensor;
};

/**
 * Turns a tfjs `LayerVariable` into a quantized variable in place.
 *
 * @remarks
 * Afterwards `v.read()` returns q(latent) inside `lq.context.quantizedScope(true, …)` and the latent
 * `tf.Variable` outside it; `v.quantizer` and `v.precision` describe the quantizer. Used by the
 * quantized layer bases for every weight listed in their {@link KernelSpec}s.
 */
export function makeQuantizedVariable(variable: LayerVariable, quantizer: QuantizerLike): QuantizedVariable {
  const v = variable as QuantizedVariable;
  const latentRead = LayerVariablePrototypeRead(variable);
  v.quantizer = quantizer;
  v.precision = precisionOf(quantizer);
  v.readLatent = latentRead;
  v.read = quantizer === null ? latentRead : () => (shouldQuantize() ? applyQuantizer(quantizer, latentRead()) : latentRead());
  return v;
}

function LayerVariablePrototypeRead(variable: LayerVariable): () => tf.Tensor {
  const read = Object.getPrototypeOf(variable).read as (this: LayerVariable) => tf.Tensor;
  return () => read.call(variable);
}

/**
 * The bit width of a weight variable: its quantizer's precision for a quantized variable, 32 for
 * any other (full-precision) variable.
 */
export function weightPrecision(variable: LayerVariable | { precision?: unknown }): number {
  const precision = (variable as { precision?: unknown }).precision;
  return typeof precision === "number" ? precision : 32;
}

const QUANTIZED_LAYER = Symbol.for("larq-ts.quantizedLayer");

/** Whether `layer` is a larq-ts quantized layer (built on {@link quantizedLayer}). */
export function isQuantizedLayer(layer: unknown): layer is Layer & QuantizedLayerFields {
  return layer instanceof Layer && (layer as unknown as Record<symbol, unknown>)[QUANTIZED_LAYER] === true;
}

/** The public quantizer fields of a larq-ts layer. */
export interface QuantizedLayerFields {
  /** Quantizer applied to the inputs (`null`: none). */
  inputQuantizer: QuantizerLike;
  /** Quantizer of `kernel`, on layers that have one. */
  kernelQuantizer?: QuantizerLike;
  /** Quantizer of `depthwise_kernel`, on depthwise and separable layers. */
  depthwiseQuantizer?: QuantizerLike;
  /** Quantizer of `pointwise_kernel`, on separable layers. */
  pointwiseQuantizer?: QuantizerLike;
  /** Training metrics collected for the quantized weights. */
  metrics: string[];
}

// ---------------------------------------------------------------------------------------------
// Starved-weights warning
// ---------------------------------------------------------------------------------------------

const starvedWarningsShown = new Set<string>();

function isBinaryQuantizer(q: QuantizerLike): boolean {
  if (q === null) return false;
  if (q instanceof Quantizer && q.getClassName() === "NoOp") return false;
  return precisionOf(q) === 1;
}

/**
 * Logs that binary weight quantizers without a constraint on their weights can leave latent weights
 * outside the clipping range of the straight-through estimator, where their gradient is zero forever.
 *
 * @remarks
 * As in larq, every weight with a binary quantizer (precision 1, not `NoOp`) and no constraint is
 * named, so a separable layer can name both `depthwiseConstraint` and `pointwiseConstraint`. Unlike
 * larq (which logs for every layer), each distinct set of names is logged once per process.
 */
function warnStarvedWeights(layerName: string, starved: readonly KernelSpec[]): void {
  if (starved.length === 0) return;
  const key = starved.map((s) => s.constraint).join(",");
  if (starvedWarningsShown.has(key)) return;
  starvedWarningsShown.add(key);
  const quantizers = starved.map((s) => s.quantizer).join(" and ");
  const constraints = starved.map((s) => s.constraint).join(" and ");
  const advice = starved.map((s) => `${s.constraint}: "weight_clip"`).join(", ");
  console.warn(
    `larq-ts: layer "${layerName}" uses a binary ${quantizers} but no ${constraints}. Latent weights ` +
      `that drift outside the quantizer's clipping range receive a zero gradient and stop learning ` +
      `("starved weights"); consider ${advice}.`,
  );
}

/** Test hook: allows the starved-weights warning to be shown again. */
export function resetStarvedWeightsWarning(): void {
  starvedWarningsShown.clear();
}

// ---------------------------------------------------------------------------------------------
// Layer names
// ---------------------------------------------------------------------------------------------

export { layerNamePrefix, uniqueLayerName } from "../utils/naming.js";
import { uniqueLayerName } from "../utils/naming.js";
import { translateKerasConfig } from "./keras_config.js";

// ---------------------------------------------------------------------------------------------
// Argument normalisation and validation
// ---------------------------------------------------------------------------------------------

const DATA_FORMATS: Record<string, "channelsFirst" | "channelsLast"> = {
  channelsLast: "channelsLast",
  channels_last: "channelsLast",
  channelsFirst: "channelsFirst",
  channels_first: "channelsFirst",
};

/** Normalises `dataFormat` (Keras spellings accepted); throws naming the argument otherwise. */
export function normalizeDataFormat(value: unknown): "channelsFirst" | "channelsLast" | undefined {
  if (value === undefined || value === null) return undefined;
  const format = typeof value === "string" ? DATA_FORMATS[value] : undefined;
  if (format === undefined) {
    invalidArgument("dataFormat", value, '"channelsLast", "channelsFirst", "channels_last" or "channels_first"');
  }
  return format;
}

/** Checks a positive integer argument (`units`, `filters`, `depthMultiplier`). */
export function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    invalidArgument(name, value, "a positive integer");
  }
  return value;
}

/** Checks an integer-or-tuple argument (`kernelSize`, `strides`, …) and returns it as a tuple of `rank` entries. */
export function checkIntTuple(name: string, value: unknown, rank: number, min = 1): number[] {
  const values = typeof value === "number" ? new Array<number>(rank).fill(value) : value;
  const expected = `an integer >= ${min} or an array of ${rank} such integers`;
  if (!Array.isArray(values) || values.length !== rank) invalidArgument(name, value, expected);
  for (const v of values as unknown[]) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) invalidArgument(name, value, expected);
  }
  return [...(values as number[])];
}

/** Options of {@link normalizeConvArgs}. */
export interface ConvArgsOptions {
  /** Spatial rank of the convolution. */
  rank: number;
  /** Padding modes the layer supports. Default `["valid", "same"]`. */
  paddings?: string[];
  /** Whether the layer has `filters` (all but DepthwiseConv2D). Default true. */
  filters?: boolean;
  /** Whether the layer accepts `dilationRate`. Default true. */
  dilation?: boolean;
  /**
   * Whether the layer implements Keras's `groups` (Conv1D/2D/3D, see `groupedConv`): the value is then
   * checked (a positive integer) and kept. Otherwise only `groups: 1`, which Keras writes into every
   * convolution's config, is accepted and dropped. Default false.
   */
  groups?: boolean;
}

/**
 * Validates and normalises the arguments common to convolutions before they reach tfjs: `filters`,
 * `kernelSize`, `strides`, `dilationRate` (no strides != 1 together with dilation != 1), `padding`
 * (case-insensitive), `dataFormat` (Keras spellings), `depthMultiplier`, Keras' `groups` (kept where the layer
 * supports it, else only 1). Returns a
 * copy with normalised values; throws errors naming the argument and the value received.
 */
export function normalizeConvArgs<T extends object>(args: T, options: ConvArgsOptions): T {
  if (args === null || typeof args !== "object") invalidArgument("args", args, "an object of layer arguments");
  const out = { ...args } as Record<string, unknown>;
  const { rank } = options;
  if (options.filters ?? true) checkPositiveInteger("filters", out.filters);
  if (out.kernelSize === undefined) invalidArgument("kernelSize", out.kernelSize, `an integer or an array of ${rank} integers`);
  checkIntTuple("kernelSize", out.kernelSize, rank);
  const strides = checkIntTuple("strides", out.strides ?? 1, rank);
  if (out.dilationRate !== undefined && out.dilationRate !== null) {
    if (!(options.dilation ?? true)) invalidArgument("dilationRate", out.dilationRate, "nothing (this layer has no dilation)");
    const dilation = checkIntTuple("dilationRate", out.dilationRate, rank);
    if (strides.some((s) => s !== 1) && dilation.some((d) => d !== 1)) {
      throw new Error(
        `Invalid strides/dilationRate: strides != 1 cannot be combined with dilationRate != 1, received strides ` +
          `${describeValue(out.strides)} and dilationRate ${describeValue(out.dilationRate)}.`,
      );
    }
  }
  const paddings = options.paddings ?? ["valid", "same"];
  if (out.padding !== undefined && out.padding !== null) {
    const padding = typeof out.padding === "string" ? out.padding.toLowerCase() : out.padding;
    if (typeof padding !== "string" || !paddings.includes(padding)) {
      invalidArgument("padding", out.padding, paddings.map((p) => `"${p}"`).join(" or "));
    }
    out.padding = padding;
  }
  const dataFormat = normalizeDataFormat(out.dataFormat);
  if (dataFormat === undefined) delete out.dataFormat;
  else out.dataFormat = dataFormat;
  if (out.depthMultiplier !== undefined && out.depthMultiplier !== null) {
    checkPositiveInteger("depthMultiplier", out.depthMultiplier);
  }
  if (out.groups !== undefined && out.groups !== null) {
    if (options.groups) {
      checkPositiveInteger("groups", out.groups);
    } else {
      // Keras configs of every convolution carry `groups` (1 where the layer has no grouped form).
      if (out.groups !== 1) invalidArgument("groups", out.groups, "1 (this layer has no grouped form)");
      delete out.groups;
    }
  }
  return out as T;
}

function resolveConstraints(args: Record<string, unknown>): void {
  for (const key of ["kernelConstraint", "depthwiseConstraint", "pointwiseConstraint", "biasConstraint"]) {
    if (key in args) {
      const resolved = getConstraint(args[key] as never);
      if (resolved === null) delete args[key];
      else args[key] = resolved;
    }
  }
}

/**
 * Serializes a tfjs object (constraint, initializer, regularizer) as `{className, config}`, as tfjs'
 * unexported `serializeKerasObject` does; `null`/`undefined` give `null`.
 */
export function serializeTfjsObject(value: unknown): tf.serialization.ConfigDict | null {
  if (value === null || value === undefined) return null;
  const obj = value as { getClassName(): string; getConfig(): tf.serialization.ConfigDict };
  return { className: obj.getClassName(), config: obj.getConfig() };
}

// ---------------------------------------------------------------------------------------------
// The quantized layer base
// ---------------------------------------------------------------------------------------------

/** Which weight a quantizer argument applies to, as larq's `get_quantizer(name)`. */
export interface KernelSpec {
  /** The weight name passed to `addWeight` (`"kernel"`, `"depthwise_kernel"`, `"pointwise_kernel"`). */
  weight: string;
  /** The layer argument and public field holding the quantizer (`"kernelQuantizer"`, …). */
  quantizer: "kernelQuantizer" | "depthwiseQuantizer" | "pointwiseQuantizer";
  /** The layer field holding that weight's constraint (`"kernelConstraint"`, …). */
  constraint: string;
  /** The argument naming that weight's initializer; defaults to Keras' `"glorotUniform"` when absent. */
  initializer: string;
}

/** The `kernel` quantized by `kernelQuantizer` (Dense, Conv, transposed Conv, LocallyConnected). */
export const KERNEL: readonly KernelSpec[] = Object.freeze([
  { weight: "kernel", quantizer: "kernelQuantizer", constraint: "kernelConstraint", initializer: "kernelInitializer" },
]);
/** The `depthwise_kernel` quantized by `depthwiseQuantizer` (DepthwiseConv2D). */
export const DEPTHWISE: readonly KernelSpec[] = Object.freeze([
  {
    weight: "depthwise_kernel",
    quantizer: "depthwiseQuantizer",
    constraint: "depthwiseConstraint",
    initializer: "depthwiseInitializer",
  },
]);
/** Depthwise and pointwise kernels of the separable convolutions. */
export const SEPARABLE: readonly KernelSpec[] = Object.freeze([
  ...DEPTHWISE,
  {
    weight: "pointwise_kernel",
    quantizer: "pointwiseQuantizer",
    constraint: "pointwiseConstraint",
    initializer: "pointwiseInitializer",
  },
]);

/** A constructor of tfjs layers (the float layer a quantized layer extends). */
export type LayerConstructor<T extends Layer = Layer> = new (...args: any[]) => T;

function singleInput(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new Error(`${layer} expects exactly one input tensor, received ${inputs.length}.`);
    return inputs[0];
  }
  return inputs;
}

/**
 * Builds a quantizer layer on `shape` if it is not built yet, as a symbolic call would (inside the
 * caller's name scope, so its weights are named `<layer>/<quantizer>/<weight>`), without leaving a
 * graph node behind. Functions and `null` need nothing.
 */
function buildQuantizer(quantizer: QuantizerLike, shape: Shape): void {
  if (!(quantizer instanceof Quantizer)) return;
  const layer = innerLayer(quantizer);
  if (layer.built) return;
  const placeholder = new tfl.SymbolicTensor("float32", shape, null as never, [], {});
  const nodes = layer.inboundNodes.length;
  quantizer.apply(placeholder);
  layer.inboundNodes.splice(nodes);
}

/**
 * Mixin: adds larq's input quantizer and the weight quantizers listed in `kernels` to a tfjs layer
 * class (larq's `QuantizerBase` / `QuantizerDepthwiseBase` / `QuantizerSeparableBase`).
 *
 * @remarks
 * - Constructor: resolves `inputQuantizer` and the `kernels`' quantizer arguments with
 *   `lq.quantizers.get`, the constraints with `lq.constraints.get` (so `"weight_clip"` works),
 *   defaults the kernels' initializers to `"glorotUniform"` (Keras), gives the layer a Keras-style
 *   default name (`quant_conv2d`, `quant_conv2d_1`, …), then calls the float layer's constructor with the
 *   remaining arguments. Warns about starved weights, naming every binary weight quantizer without
 *   its constraint (once per process for each set of names).
 * - `addWeight`: the weights named in `kernels` become quantized variables
 *   ({@link makeQuantizedVariable}).
 * - `build`: builds the float layer, then the quantizer layers on the shapes they will quantize
 *   (input quantizer: the input shape; kernel quantizers: their kernel's shape; a quantizer used as
 *   activation: the output shape), so quantizers with weights (a `Quantizer` subclass or any
 *   `tf.layers.Layer`, as larq allows) have them before a model is compiled.
 * - `trainableWeights` / `nonTrainableWeights` (and so `weights`, `getWeights`, `setWeights`, saving and
 *   loading, `model.fit`): the float layer's weights, then those of its quantizer layers in Keras's order
 *   (kernel quantizers, input quantizer, activation), as Keras tracks sub-layers. A frozen layer
 *   (`trainable = false`) lists all of them as non-trainable.
 * - `activation`: a quantizer object or registered quantizer function (or their saved forms) becomes an
 *   `lq.activations.QuantizerActivation`, written back by `getConfig` as Keras writes it.
 * - `call(x)`: y = float_call(q_in(x)) evaluated inside `quantizedScope(true, …)`, so every
 *   quantized weight is read as q(w).
 * - `getConfig`: adds `inputQuantizer` and the kernel quantizers (serialized with
 *   `lq.quantizers.serialize`).
 *
 * Works for any `tf.layers.Layer` subclass that creates its weights with `addWeight(name, …)` and
 * reads them with `variable.read()` in `call`.
 */
export function quantizedLayer<TBase extends LayerConstructor<FloatLayer>>(
  Base: TBase,
  kernels: readonly KernelSpec[],
): TBase & LayerConstructor<FloatLayer & QuantizedLayerFields> {
  abstract class QuantizedLayerBase extends Base implements QuantizedLayerFields {
    declare inputQuantizer: QuantizerLike;
    declare kernelQuantizer?: QuantizerLike;
    declare depthwiseQuantizer?: QuantizerLike;
    declare pointwiseQuantizer?: QuantizerLike;
    declare metrics: string[];
    /** The weights named in `kernels`, by weight name, as `addWeight` created them. */
    private readonly quantizedWeights = new Map<string, LayerVariable>();

    constructor(...params: any[]) {
      const raw = (params[0] ?? {}) as Record<string, unknown>;
      if (typeof raw !== "object") invalidArgument("args", raw, "an object of layer arguments");
      const { inputQuantizer, kernelQuantizer, depthwiseQuantizer, pointwiseQuantizer, metrics, ...rest } = raw;
      const given: Record<string, unknown> = { kernelQuantizer, depthwiseQuantizer, pointwiseQuantizer };
      for (const key of Object.keys(given)) {
        if (given[key] !== undefined && given[key] !== null && !kernels.some((k) => k.quantizer === key)) {
          invalidArgument(key, given[key], "nothing: this layer has no such weight");
        }
      }
      // A quantizer as activation (larq allows it) becomes a tfjs Activation before tfjs sees it.
      const activation = quantizerActivation(rest.activation);
      if (activation !== undefined) rest.activation = activation;
      translateKerasConfig(rest, kernels);
      resolveConstraints(rest);
      // Keras' default kernel initializer is glorot_uniform (tfjs' convolutions default to glorotNormal).
      for (const spec of kernels) {
        if (rest[spec.initializer] === undefined || rest[spec.initializer] === null) rest[spec.initializer] = "glorotUniform";
      }
      const dataFormat = normalizeDataFormat(rest.dataFormat);
      if (dataFormat !== undefined) rest.dataFormat = dataFormat;
      if (rest.name === undefined || rest.name === null) {
        rest.name = uniqueLayerName((new.target as unknown as { className: string }).className);
      }
      if (metrics !== undefined && metrics !== null && !Array.isArray(metrics)) {
        invalidArgument("metrics", metrics, 'an array of metric names such as ["flip_ratio"], or null');
      }
      super(rest, ...params.slice(1));
      Object.defineProperty(this, QUANTIZED_LAYER, { value: true });
      this.inputQuantizer = getQuantizer(inputQuantizer as QuantizerIdentifier);
      const starved: KernelSpec[] = [];
      for (const spec of kernels) {
        const q = getKernelQuantizer(given[spec.quantizer] as QuantizerIdentifier);
        this[spec.quantizer] = q;
        const constraint = (this as unknown as Record<string, unknown>)[spec.constraint];
        if (isBinaryQuantizer(q) && (constraint === null || constraint === undefined)) starved.push(spec);
      }
      warnStarvedWeights(this.name, starved);
      this.metrics = metrics ? [...(metrics as string[])] : getTrainingMetrics();
    }

    override addWeight(
      name: string,
      shape: Shape,
      dtype?: tf.DataType,
      initializer?: unknown,
      regularizer?: unknown,
      trainable?: boolean,
      constraint?: unknown,
      getInitializerFunc?: unknown,
    ): LayerVariable {
      const variable = super.addWeight(name, shape, dtype, initializer, regularizer, trainable, constraint, getInitializerFunc);
      const spec = kernels.find((k) => k.weight === name);
      if (spec === undefined) return variable;
      this.quantizedWeights.set(spec.weight, variable);
      return makeQuantizedVariable(variable, this[spec.quantizer] ?? null);
    }

    /**
     * The quantizer layers this layer owns, in Keras's tracking order (kernel quantizers, input
     * quantizer, a quantizer used as activation), each once.
     */
    quantizerLayers(): Layer[] {
      const activation = (this as unknown as { activation?: unknown }).activation;
      const candidates: unknown[] = [
        ...kernels.map((spec) => this[spec.quantizer]),
        this.inputQuantizer,
        activation instanceof QuantizerActivation ? activation.quantizer : null,
      ];
      const layers: Layer[] = [];
      for (const q of candidates) {
        if (q instanceof Quantizer && !layers.includes(innerLayer(q))) layers.push(innerLayer(q));
      }
      return layers;
    }

    /**
     * Builds the float layer, then every quantizer layer on the shape it will quantize (larq builds them
     * on first use): the input quantizer on the input shape, each kernel quantizer on its kernel's
     * shape, an activation quantizer on the output shape. Their weights exist from then on.
     */
    override build(inputShape: Shape | Shape[]): void {
      super.build(inputShape);
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      buildQuantizer(this.inputQuantizer, shape);
      for (const spec of kernels) {
        const variable = this.quantizedWeights.get(spec.weight);
        if (variable !== undefined) buildQuantizer(this[spec.quantizer] ?? null, variable.shape);
      }
      const activation = (this as unknown as { activation?: unknown }).activation;
      if (activation instanceof QuantizerActivation && activation.quantizer instanceof Quantizer) {
        buildQuantizer(activation.quantizer, this.computeOutputShape(shape) as Shape);
      }
    }

    /** The float layer's trainable weights, then those of its quantizer layers (none while this layer is frozen). */
    override get trainableWeights(): LayerVariable[] {
      const own = super.trainableWeights;
      if (!this.trainable) return own;
      return own.concat(...this.quantizerLayers().map((l) => l.trainableWeights));
    }

    override set trainableWeights(weights: LayerVariable[]) {
      super.trainableWeights = weights;
    }

    /** The float layer's non-trainable weights, then those of its quantizer layers (all of them while this layer is frozen). */
    override get nonTrainableWeights(): LayerVariable[] {
      const own = super.nonTrainableWeights;
      const frozen = !this.trainable;
      return own.concat(...this.quantizerLayers().map((l) => (frozen ? l.weights : l.nonTrainableWeights)));
    }

    override set nonTrainableWeights(weights: LayerVariable[]) {
      super.nonTrainableWeights = weights;
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      return tf.tidy(() => {
        const x = applyQuantizer(this.inputQuantizer, singleInput(inputs, this.getClassName()));
        return quantizedScope(true, () => super.call(x, kwargs));
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      const config: tf.serialization.ConfigDict = {
        ...super.getConfig(),
        inputQuantizer: serializeQuantizer(this.inputQuantizer),
      };
      for (const spec of kernels) config[spec.quantizer] = serializeQuantizer(this[spec.quantizer] ?? null);
      const activation = (this as unknown as { activation?: unknown }).activation;
      if (activation instanceof QuantizerActivation) config.activation = activation.serialize();
      return config;
    }
  }
  return QuantizedLayerBase as unknown as TBase & LayerConstructor<FloatLayer & QuantizedLayerFields>;
}

// ---------------------------------------------------------------------------------------------
// The convolution base with padValues
// ---------------------------------------------------------------------------------------------

/**
 * larq's `_compute_padding` for one spatial dimension of a "same" convolution.
 *
 * @remarks
 * total = max((⌈in/s⌉ − 1)·s + (k − 1)·d + 1 − in, 0); before = ⌊total/2⌋; after = total − before.
 * @returns `[before, after]`.
 */
export function samePadding(inputLength: number, kernelSize: number, stride: number, dilation: number): [number, number] {
  const total = Math.max((Math.ceil(inputLength / stride) - 1) * stride + (kernelSize - 1) * dilation + 1 - inputLength, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Pads the spatial axes of `x` (`channelsLast`: axes 1…rank, `channelsFirst`: 2…rank+1) with
 * `pads[i] = [before, after]` and the constant `value`.
 */
export function padSpatial(
  x: tf.Tensor,
  pads: Array<[number, number]>,
  value: number,
  dataFormat: "channelsFirst" | "channelsLast",
): tf.Tensor {
  const paddings: Array<[number, number]> = x.shape.map(() => [0, 0] as [number, number]);
  const first = dataFormat === "channelsFirst" ? 2 : 1;
  pads.forEach((p, i) => {
    paddings[first + i] = p;
  });
  return tf.pad(x, paddings, value);
}

function asArray(value: number[] | number, rank: number): number[] {
  return typeof value === "number" ? new Array<number>(rank).fill(value) : value;
}

/** The public field added by {@link paddedConv}. */
export interface PaddedConvFields {
  /** Value used for explicit "same" padding (0: the float layer's own padding). */
  padValues: number;
}

/**
 * Mixin: adds `padValues` and `"causal"` padding to a tfjs convolution class (larq's conv base).
 *
 * @remarks
 * With `padding: "same"` and `padValues` ≠ 0 the input is padded explicitly with `padValues`
 * ({@link samePadding} per spatial axis) and the float convolution runs with `"valid"`. With
 * `padding: "causal"` (1D) the input is padded on the left with (k − 1)·d zeros and the convolution
 * runs with `"valid"`; the output length equals that of `"same"`. `padValues` ≠ 0 with `"causal"`
 * throws. Dilated convolutions run as undilated ones with zero-dilated kernels (`dilateKernel`),
 * because tfjs has no gradients for dilated convolutions. Apply {@link quantizedLayer} on top of this mixin so that padding happens after the input
 * quantizer. Adds `padValues` to `getConfig`.
 */
export function paddedConv<TBase extends LayerConstructor<FloatLayer>>(
  Base: TBase,
): TBase & LayerConstructor<FloatLayer & PaddedConvFields> {
  abstract class PaddedConvBase extends Base implements PaddedConvFields {
    declare padValues: number;

    constructor(...params: any[]) {
      const raw = (params[0] ?? {}) as Record<string, unknown>;
      const { padValues, ...rest } = raw;
      const value = padValues === undefined || padValues === null ? 0 : padValues;
      if (typeof value !== "number" || !Number.isFinite(value)) invalidArgument("padValues", padValues, "a finite number");
      if (value !== 0 && rest.padding === "causal") {
        throw new Error(`Invalid padValues: padding "causal" only supports padValues 0, received ${describeValue(padValues)}.`);
      }
      super(rest, ...params.slice(1));
      this.padValues = value;
    }

    /** Runs `fn` with `this.padding` temporarily replaced (the tfjs layers read it in `call`). */
    withPadding<R>(padding: string, fn: () => R): R {
      const saved = this.padding;
      this.padding = padding;
      try {
        return fn();
      } finally {
        this.padding = saved;
      }
    }

    /** The explicit spatial paddings used for "same"/"causal" padding of an input of `shape`. */
    explicitPadding(shape: number[]): Array<[number, number]> {
      const rank = this.kernelSize.length;
      const first = this.dataFormat === "channelsFirst" ? 2 : 1;
      const dilation = asArray(this.dilationRate, rank);
      return this.kernelSize.map((k, i) => {
        if (this.padding === "causal") return [(k - 1) * dilation[i], 0] as [number, number];
        return samePadding(shape[first + i], k, this.strides[i], dilation[i]);
      });
    }

    /**
     * Runs `fn` with the spatial kernels replaced by zero-dilated views and `dilationRate` set to 1
     * when the layer is dilated: tfjs has no gradients for dilated convolutions.
     */
    withDilatedKernels<R>(fn: () => R): R {
      const rank = this.kernelSize.length;
      const dilation = asArray(this.dilationRate, rank);
      if (dilation.every((d) => d === 1)) return fn();
      const savedRate = this.dilationRate;
      const savedKernel = this.kernel;
      const savedDepthwise = this.depthwiseKernel;
      const dilatedView = (v: LayerVariable): LayerVariable =>
        Object.create(v, { read: { value: () => dilateKernel(v.read(), dilation) } }) as LayerVariable;
      this.dilationRate = new Array<number>(rank).fill(1);
      if (savedKernel) this.kernel = dilatedView(savedKernel);
      if (savedDepthwise) this.depthwiseKernel = dilatedView(savedDepthwise);
      try {
        return fn();
      } finally {
        this.dilationRate = savedRate;
        this.kernel = savedKernel;
        this.depthwiseKernel = savedDepthwise;
      }
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      const explicit = this.padding === "causal" || (this.padding === "same" && this.padValues !== 0);
      return tf.tidy(() => {
        if (!explicit) return this.withDilatedKernels(() => super.call(inputs, kwargs));
        const x = singleInput(inputs, this.getClassName());
        const padded = padSpatial(x, this.explicitPadding(x.shape), this.padValues, this.dataFormat);
        return this.withPadding("valid", () => this.withDilatedKernels(() => super.call(padded, kwargs)));
      });
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
      if (this.padding === "causal") return this.withPadding("same", () => super.computeOutputShape(inputShape));
      return super.computeOutputShape(inputShape);
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), padValues: this.padValues };
    }
  }
  return PaddedConvBase as unknown as TBase & LayerConstructor<FloatLayer & PaddedConvFields>;
}
