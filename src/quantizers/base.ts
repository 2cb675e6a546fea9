/**
 * The quantizer contract shared by every larq-ts quantizer: a `tf.layers.Layer` that maps a
 * full-precision tensor to a quantized one in its forward pass and defines a pseudo-gradient
 * (straight-through estimator) for its backward pass.
 */
import * as tf from "@tensorflow/tfjs-core";

import { AVAILABLE_METRICS } from "../context/index.js";
import { checkNumber, invalidArgument } from "../utils/errors.js";
import { uniqueLayerName } from "../utils/naming.js";
import { checkArgNames } from "../utils/args.js";
import { Layer, type Kwargs, type LayerArgs } from "../utils/tfjs.js";

/**
 * What a quantizer computes in its forward pass, in a form an inference engine (`lq.engine`) can run without
 * calling it: declared by the quantizer instead of inferred from its class name.
 *
 * @remarks
 * - `{ kind: "sign", zero: "positive" }`: q(x) = +1 for x ≥ 0, −1 otherwise (so q(0) = +1 and q(NaN) = −1),
 *   larq's sign: the engine packs it into bits.
 * - `{ kind: "sign", zero: "negative" }`: q(x) = +1 for x > 0, −1 otherwise (the engine does not run this form).
 * - `{ kind: "scaledSign", scale: "meanAbsPerChannel", zero: "positive" }`: q(x) = α_c · sign(x) with α_c the mean
 *   |x| over all axes but the last (MagnitudeAwareSign): a kernel quantizer whose α folds into the output
 *   transform.
 */
export type InferenceForm =
  { kind: "sign"; zero: "positive" | "negative" } | { kind: "scaledSign"; scale: "meanAbsPerChannel"; zero: "positive" };

/**
 * A quantizer in plain function form, such as {@link steSign}. `precision` is the number of bits
 * of its output (32 when absent, i.e. full precision); `inferenceForm` optionally declares its forward pass
 * (see {@link InferenceForm}).
 */
export type QuantizerFunction = ((x: tf.Tensor) => tf.Tensor) & { precision?: number; inferenceForm?: InferenceForm };

/** larq's 1-bit sign (sign(0) = +1): the inference form of SteSign, ApproxSign and SwishSign. */
export const SIGN_FORM: InferenceForm = Object.freeze({ kind: "sign", zero: "positive" }) as InferenceForm;

/** Arguments shared by all quantizer classes. */
export interface BaseQuantizerArgs extends LayerArgs {
  /**
   * Training metrics to collect for this quantizer, e.g. `["flip_ratio"]`.
   * Default: none. As in larq, only kernel quantizers resolved through {@link getKernelQuantizer}
   * (which the quantized layers use for their kernels) pick up the metrics of the enclosing
   * `lq.context.metricsScope`; input quantizers never do.
   */
  metrics?: string[] | null;
}

/** Keys of `tf.layers.Layer` arguments that a quantizer config may carry besides its own. */
export const LAYER_CONFIG_KEYS: readonly string[] = Object.freeze([
  "name",
  "trainable",
  "dtype",
  "inputShape",
  "batchInputShape",
  "batchSize",
  "inputDType",
  "weights",
  "metrics",
]);

function checkMetrics(metrics: unknown): string[] {
  if (metrics === undefined || metrics === null) return [];
  if (!Array.isArray(metrics)) {
    invalidArgument("metrics", metrics, `an array of metric names (${AVAILABLE_METRICS.join(", ")}), or null`);
  }
  for (const metric of metrics) {
    if (typeof metric !== "string" || !AVAILABLE_METRICS.includes(metric)) {
      invalidArgument("metrics", metrics, `an array of metric names from: ${AVAILABLE_METRICS.join(", ")}`);
    }
  }
  return [...(metrics as string[])];
}

/**
 * Base class of the quantizer layers.
 *
 * @remarks
 * Subclasses implement {@link Quantizer.quantize} (forward value and pseudo-gradient, usually with
 * `tf.customGrad`), {@link Quantizer.precision} and {@link Quantizer.quantizerConfig}. larq's quantizers
 * have no weights, but a subclass may create some in `build` (e.g. a trainable scale): a quantized
 * layer builds its quantizers when it is built (the input quantizer on the input shape, a kernel
 * quantizer on the kernel's shape) and lists their weights among its own, so they are trained and
 * saved with it. A quantizer can be applied to concrete tensors (`q.apply(x)`) and to symbolic tensors
 * in the functional API, or passed to the `inputQuantizer` / `kernelQuantizer` arguments of the layers.
 */
export abstract class Quantizer extends Layer {
  /**
   * Names of the quantizer-specific constructor arguments (camelCase), used by
   * `lq.quantizers.get` to reject misspelled config keys. Subclasses with arguments override it.
   */
  static readonly argumentNames: readonly string[] = [];

  /** Bit width of the quantizer's output (1 for binary, 2 for ternary, 32 for identity). */
  abstract get precision(): number;

  /**
   * The forward pass in a form an inference engine can run (see {@link InferenceForm}), or undefined when it has
   * none (the default). A user-written sign quantizer opts in to `lq.engine`'s bitpacked layers by returning
   * `{ kind: "sign", zero: "positive" }`: its forward pass must then be exactly x ≥ 0 ? +1 : −1.
   */
  inferenceForm(): InferenceForm | undefined {
    return undefined;
  }

  /**
   * Training metrics this quantizer collects (see `lq.metrics`). Empty unless given to the
   * constructor or filled in from `lq.context.metricsScope` by {@link getKernelQuantizer}.
   */
  metrics: string[];

  constructor(args: BaseQuantizerArgs = {}) {
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      invalidArgument("args", args, "an object of quantizer arguments");
    }
    const target = new.target as unknown as { className?: string; argumentNames?: readonly string[] };
    checkArgNames(target.className ?? "Quantizer", args, [...LAYER_CONFIG_KEYS, ...(target.argumentNames ?? [])]);
    const { metrics, ...layerArgs } = args;
    // Keras names an unnamed SteSign "ste_sign", "ste_sign_1", …; tfjs would say "ste_sign_SteSign1".
    const className = (new.target as unknown as { className?: string }).className;
    super(layerArgs.name === undefined && className ? { ...layerArgs, name: uniqueLayerName(className) } : layerArgs);
    this.metrics = checkMetrics(metrics);
    this.supportsMasking = true;
  }

  /**
   * The quantization itself: forward value and pseudo-gradient for one tensor.
   * Called by {@link Quantizer.call}; usable directly on concrete tensors.
   */
  abstract quantize(x: tf.Tensor): tf.Tensor;

  /** Quantizer-specific entries of the config, with camelCase keys (saved as snake_case). */
  protected abstract quantizerConfig(): tf.serialization.ConfigDict;

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs?: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (Array.isArray(inputs) && inputs.length !== 1) {
        throw new Error(`${this.getClassName()} expects exactly one input tensor, received ${inputs.length}.`);
      }
      return this.quantize(x);
    });
  }

  override computeOutputShape<S>(inputShape: S): S {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.quantizerConfig() };
  }
}

/**
 * Anything that `lq.quantizers.get` turns into a quantizer. A `Layer` that is not a {@link Quantizer}
 * (larq accepts any Keras layer) is wrapped in a `LayerQuantizer`.
 */
export type QuantizerIdentifier =
  | string
  | Quantizer
  | Layer
  | QuantizerFunction
  | { className: string; config?: tf.serialization.ConfigDict }
  | { class_name: string; config?: tf.serialization.ConfigDict }
  | null
  | undefined;

/** A resolved quantizer as stored on a layer: a quantizer layer, a function, or none. */
export type QuantizerLike = Quantizer | QuantizerFunction | null;

/** The precision (bits) of a resolved quantizer; 32 for `null` and for functions without `precision`. */
export function precisionOf(quantizer: QuantizerLike): number {
  if (quantizer === null) return 32;
  if (quantizer instanceof Quantizer) return quantizer.precision;
  return quantizer.precision ?? 32;
}

/** The declared {@link InferenceForm} of a resolved quantizer (a class's method or a function's property), if any. */
export function inferenceFormOf(quantizer: QuantizerLike | undefined): InferenceForm | undefined {
  if (quantizer === null || quantizer === undefined) return undefined;
  if (quantizer instanceof Quantizer) return quantizer.inferenceForm();
  return typeof quantizer === "function" ? quantizer.inferenceForm : undefined;
}

/**
 * Applies a resolved quantizer to a concrete tensor (identity for `null`).
 * Quantizer layers go through `apply` so that they are built and collect their metrics.
 */
export function applyQuantizer(quantizer: QuantizerLike, x: tf.Tensor): tf.Tensor {
  if (quantizer === null) return x;
  if (quantizer instanceof Quantizer) return quantizer.apply(x) as tf.Tensor;
  return quantizer(x);
}

/**
 * Applies `forward` to `x` with a custom pseudo-gradient: the backward pass returns
 * `backward(x, dy)` instead of the true derivative of `forward`.
 *
 * @remarks
 * The building block of every quantizer: forward q(x), backward ∂L/∂x := backward(x, ∂L/∂q).
 */
export function withPseudoGradient(
  x: tf.Tensor,
  forward: (x: tf.Tensor) => tf.Tensor,
  backward: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  const fn = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([input]);
    return {
      value: forward(input),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => backward(saved[0], dy as tf.Tensor),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return fn(x);
}

/**
 * The pseudo-gradient shared by the straight-through quantizers: `dy` where |x| ≤ clipValue, else 0.
 * `clipValue` null passes `dy` unchanged.
 */
export function clippedGradient(x: tf.Tensor, dy: tf.Tensor, clipValue: number | null): tf.Tensor {
  if (clipValue === null) return dy;
  return tf.where(tf.lessEqual(tf.abs(x), clipValue), dy, tf.zerosLike(dy));
}

/**
 * Validates a gradient clipping threshold: a finite number ≥ 0, or `null` for no clipping.
 * `undefined` gives larq's default of 1.
 */
export function checkClipValue(value: unknown, name = "clipValue"): number | null {
  return checkNumber(name, value === undefined ? 1.0 : value, { allowNull: true, min: 0 });
}

/** Arguments of the quantizers whose pseudo-gradient is clipped at `clipValue`. */
export interface ClippedQuantizerArgs extends BaseQuantizerArgs {
  /** Gradient clipping threshold: the gradient is zero where |x| > clipValue. Default 1; `null` for none. */
  clipValue?: number | null;
}

/**
 * Base class of the quantizers with a `clipValue` argument (straight-through estimators that pass
 * the gradient only where |x| ≤ clipValue).
 */
export abstract class ClippedQuantizer extends Quantizer {
  static override readonly argumentNames: readonly string[] = ["clipValue"];
  /** Gradient clipping threshold (`null`: unclipped). */
  readonly clipValue: number | null;

  constructor(args: ClippedQuantizerArgs = {}) {
    super(args);
    this.clipValue = checkClipValue(args.clipValue);
  }

  protected quantizerConfig(): tf.serialization.ConfigDict {
    return { clipValue: this.clipValue };
  }
}
