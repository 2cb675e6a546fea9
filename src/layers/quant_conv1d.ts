import * as tf from "@tensorflow/tfjs-core";

import { groupedConv, type GroupsArgs } from "./grouped_conv.js";
import {
  BASE_CONV_ARG_NAMES,
  QUANTIZED_ARG_NAMES,
  checkLayerArgs,
  normalizeConvArgs,
  type KernelQuantizedArgs,
  type WithDataFormat,
  type WithQuantizerActivation,
} from "./args.js";
import { paddedConv, type PadValuesArgs } from "./padded_conv.js";
import { KERNEL, quantizedLayer } from "./quantized_layer.js";
import { Conv1D, type ConvLayerArgs, type FloatLayerClass } from "./tfjs_classes.js";
import type { Kwargs } from "../utils/tfjs.js";
import { registerLayer } from "../utils/serialization.js";

/**
 * tfjs' Conv1D with `channelsFirst` fixed (tfjs transposes the input but never the output back)
 * and `dataFormat` kept in the config.
 */
class Conv1DFloat extends (Conv1D as FloatLayerClass) {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (this.dataFormat !== "channelsFirst") return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = tf.transpose(Array.isArray(inputs) ? inputs[0] : inputs, [0, 2, 1]);
      this.dataFormat = "channelsLast";
      try {
        return tf.transpose(super.call(x, kwargs) as tf.Tensor, [0, 2, 1]);
      } finally {
        this.dataFormat = "channelsFirst";
      }
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

/** Arguments of {@link QuantConv1D} (larq's `QuantConv1D` arguments, camelCased). */
export interface QuantConv1DArgs
  extends WithQuantizerActivation<WithDataFormat<Omit<ConvLayerArgs, "padding">>>, KernelQuantizedArgs, PadValuesArgs, GroupsArgs {
  /**
   * `"valid"` (default), `"same"` (padded with `padValues`) or `"causal"` (left-padded with zeros so
   * that output t only depends on inputs ≤ t). Case-insensitive.
   */
  padding?: "valid" | "same" | "causal";
}

/**
 * 1D (temporal) convolution with quantized inputs and kernel (larq's `QuantConv1D`).
 *
 * @remarks
 * y = activation(conv1d(q_in(x), q_k(W)) + b), kernel shape (k, inChannels/groups, filters). Output length:
 * ⌈(in − (k−1)·d)/s⌉ for `"valid"`, ⌈in/s⌉ for `"same"` and `"causal"` (left padding (k−1)·d).
 * Defaults: strides 1, padding `"valid"`, dataFormat `"channelsLast"`, dilationRate 1, useBias
 * true, kernelInitializer `"glorotUniform"`, padValues 0 (must stay 0 with `"causal"`),
 * quantizers `null`, groups 1 (with G > 1: Keras's grouped convolution, see `groupedConv`).
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantConv1d({ filters: 16, kernelSize: 3, padding: "causal", kernelQuantizer: "ste_sign" });
 * ```
 */
export class QuantConv1D extends quantizedLayer(paddedConv(groupedConv(Conv1DFloat)), KERNEL) {
  /** @nocollapse */
  static override className = "QuantConv1D";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([
    ...BASE_CONV_ARG_NAMES,
    "filters",
    "groups",
    "padValues",
    "kernelQuantizer",
    ...QUANTIZED_ARG_NAMES,
  ]);

  constructor(args: QuantConv1DArgs) {
    checkLayerArgs(new.target, args);
    super(normalizeConvArgs(args, { rank: 1, paddings: ["valid", "same", "causal"], groups: true }));
  }
}
registerLayer(QuantConv1D);

/** Factory form of {@link QuantConv1D}. */
export function quantConv1d(args: QuantConv1DArgs): QuantConv1D {
  return new QuantConv1D(args);
}
