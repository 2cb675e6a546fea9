/**
 * The quantizer contract shared by every larq-ts quantizer: a `tf.layers.Layer` that maps a
 * full-precision tensor to a quantized one in its forward pass and defines a pseudo-gradient
 * (straight-through estimator) for its backward pass.
 */
import * as tf from "@tensorflow/tfjs-core";

import { getTrainingMetrics } from "../context/index.js";
import { invalidArgument } from "../utils/errors.js";
import { Layer, type Kwargs, type LayerArgs } from "../utils/tfjs.js";

/**
 * A quantizer in plain function form, such as {@link steSign}. `precision` is the number of bits
 * of its output (32 when absent, i.e. full precision).
 */
export type QuantizerFunction = ((x: tf.Tensor) => tf.Tensor) & { precision?: number };

/** Arguments shared by all quantizer classes. */
export interface BaseQuantizerArgs extends LayerArgs {
  /**
   * Training metrics to collect for this quantizer, e.g. `["flip_ratio"]`.
   * Default: the metrics of the enclosing `lq.context.metricsScope`, else none.
   */
  metrics?: string[] | null;
}

/**
 * Base class of the quantizer layers.
 *
 * @remarks
 * Subclasses implement {@link Quantizer.quantize} (forward value and pseudo-gradient, usually with
 * `tf.customGrad`), {@link Quantizer.precision} and {@link Quantizer.quantizerConfig}. A quantizer has
 * no weights; it can be applied to concrete tensors (`q.apply(x)`) and to symbolic tensors in the
 * functional API, or passed to the `inputQuantizer` / `kernelQuantizer` arguments of the layers.
 */
export abstract class Quantizer extends Layer {
  /** Bit width of the quantizer's output (1 for binary, 2 for ternary, 32 for identity). */
  abstract get precision(): number;

  /** Training metrics this quantizer collects (see `lq.metrics`). */
  readonly metrics: string[];

  constructor(args: BaseQuantizerArgs = {}) {
    const { metrics, ...layerArgs } = args;
    super(layerArgs);
    if (metrics !== undefined && metrics !== null && !Array.isArray(metrics)) {
      invalidArgument("metrics", metrics, 'an array of metric names such as ["flip_ratio"], or null');
    }
    this.metrics = metrics ? [...metrics] : getTrainingMetrics();
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

/** Anything that `lq.quantizers.get` turns into a quantizer. */
export type QuantizerIdentifier =
  | string
  | Quantizer
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
