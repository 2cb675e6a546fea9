/**
 * Arguments of the quantized layers: their public types, the normalisation and validation shared by the
 * layer constructors (Keras spellings accepted, errors naming the argument), and the names each layer
 * accepts (unknown arguments are rejected as Keras rejects them).
 *
 * @packageDocumentation
 */
import type * as tf from "@tensorflow/tfjs-core";

import { get as getConstraint } from "../constraints/index.js";
import type { QuantizerIdentifier } from "../quantizers/base.js";
import { checkArgNames } from "../utils/args.js";
import { describeValue, invalidArgument } from "../utils/errors.js";
import type { DenseLayerArgs } from "./tfjs_classes.js";

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

/**
 * Resolves the constraint arguments (`kernelConstraint`, …) with `lq.constraints.get`, so that larq's
 * names (`"weight_clip"`) work; `null` ones are removed. Modifies `args` in place.
 */
export function resolveConstraints(args: Record<string, unknown>): void {
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
// Accepted argument names
// ---------------------------------------------------------------------------------------------

/**
 * The arguments of `tf.layers.Layer` that every layer accepts, and that tfjs and Keras write into saved
 * layer configs (`name`, `trainable`, `dtype`, `batchInputShape`, …).
 */
export const LAYER_ARG_NAMES: readonly string[] = Object.freeze([
  "name",
  "trainable",
  "inputShape",
  "batchInputShape",
  "batchSize",
  "dtype",
  "weights",
  "inputDType",
]);

/** Arguments of every quantized layer besides its weight quantizers. */
export const QUANTIZED_ARG_NAMES: readonly string[] = Object.freeze(["inputQuantizer", "metrics"]);

/** Arguments of tfjs' `Dense`. */
export const DENSE_ARG_NAMES: readonly string[] = Object.freeze([
  "units",
  "activation",
  "useBias",
  "kernelInitializer",
  "biasInitializer",
  "inputDim",
  "kernelConstraint",
  "biasConstraint",
  "kernelRegularizer",
  "biasRegularizer",
  "activityRegularizer",
]);

/** Arguments of tfjs' convolution base (`BaseConvLayerArgs`), shared by every convolution. */
export const BASE_CONV_ARG_NAMES: readonly string[] = Object.freeze([
  "kernelSize",
  "strides",
  "padding",
  "dataFormat",
  "dilationRate",
  "activation",
  "useBias",
  "kernelInitializer",
  "biasInitializer",
  "kernelConstraint",
  "biasConstraint",
  "kernelRegularizer",
  "biasRegularizer",
  "activityRegularizer",
]);

/** Arguments of the depthwise kernel (DepthwiseConv2D and the separable convolutions). */
export const DEPTHWISE_ARG_NAMES: readonly string[] = Object.freeze([
  "depthMultiplier",
  "depthwiseInitializer",
  "depthwiseConstraint",
  "depthwiseRegularizer",
]);

/** Arguments of the pointwise kernel of the separable convolutions. */
export const POINTWISE_ARG_NAMES: readonly string[] = Object.freeze([
  "pointwiseInitializer",
  "pointwiseConstraint",
  "pointwiseRegularizer",
]);

/** A layer class as {@link checkLayerArgs} reads it: its name and the names of its own arguments. */
export interface ArgumentNamesOf {
  /** The class name used in messages. */
  className?: string;
  /** The names of the layer's own arguments (camelCase); {@link LAYER_ARG_NAMES} are always accepted. */
  argumentNames?: readonly string[];
}

const knownNamesCache = new WeakMap<readonly string[], Set<string>>();

/** The names a layer class accepts: {@link LAYER_ARG_NAMES} and its static `argumentNames`. */
export function knownArgumentNames(cls: ArgumentNamesOf): Set<string> {
  const own = cls.argumentNames ?? [];
  let names = knownNamesCache.get(own);
  if (names === undefined) {
    names = new Set([...LAYER_ARG_NAMES, ...own]);
    knownNamesCache.set(own, names);
  }
  return names;
}

/**
 * Rejects arguments a layer does not know, as Keras raises on unknown keyword arguments; called first
 * by every larq-ts layer constructor with `new.target` (so a subclass may extend `argumentNames`).
 *
 * @remarks
 * A misspelt or Python-style name would otherwise be ignored silently (tfjs ignores unknown arguments):
 * `quantDense({units: 2, kernel_quantizer: "ste_sign"})` would build a float layer. The error names
 * the argument and suggests the intended one (`kernelQuantizer`). Arguments whose value is `undefined`
 * are ignored.
 *
 * @throws an `Error` naming the layer class, the unknown argument and, where one is close, the intended name.
 */
export function checkLayerArgs(cls: ArgumentNamesOf, args: unknown): void {
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    invalidArgument("args", args, `an object of ${cls.className ?? "layer"} arguments`);
  }
  checkArgNames(cls.className ?? "layer", args, knownArgumentNames(cls));
}

/**
 * A layer's `fromConfig` (what tfjs calls for every layer of a model file it loads): `new cls(config)`,
 * with a rejected config reported as `Cannot create QuantDense layer "qd" from its config: <reason>`,
 * so that the error names the layer (tfjs' own would name neither the layer nor its class).
 */
export function layerFromConfig<T extends tf.serialization.Serializable>(
  cls: tf.serialization.SerializableConstructor<T>,
  config: tf.serialization.ConfigDict,
): T {
  try {
    return new cls(config);
  } catch (error) {
    const className = (cls as unknown as { className?: string }).className ?? cls.name;
    const name = typeof config?.name === "string" ? ` "${config.name}"` : "";
    const wrapped = new Error(`Cannot create ${className} layer${name} from its config: ${(error as Error).message ?? String(error)}`);
    (wrapped as { cause?: unknown }).cause = error;
    throw wrapped;
  }
}
