import * as tf from "@tensorflow/tfjs-core";

import {
  POINTWISE_ARG_NAMES,
  DEPTHWISE_ARG_NAMES,
  BASE_CONV_ARG_NAMES,
  QUANTIZED_ARG_NAMES,
  checkLayerArgs,
  normalizeConvArgs,
  type SeparableQuantizedArgs,
  type WithDataFormat,
  type WithQuantizerActivation,
} from "./args.js";
import { paddedConv, type PadValuesArgs } from "./padded_conv.js";
import { SEPARABLE, quantizedLayer } from "./quantized_layer.js";
import { biasAndActivation, fromChannelsLast, toChannelsLast } from "./conv_utils.js";
import { SeparableConv2D, resolveInitializer, type FloatLayerClass, type SeparableConvLayerArgs } from "./tfjs_classes.js";
import type { Kwargs } from "../utils/tfjs.js";
import { registerLayer } from "../utils/serialization.js";

/**
 * tfjs' SeparableConv2D with `channelsFirst` bias fixed (tfjs adds the bias on the wrong axis), the
 * `pointwiseInitializer` honoured (tfjs reuses the depthwise one) and `depthMultiplier` in the config.
 */
class SeparableConv2DFloat extends (SeparableConv2D as FloatLayerClass) {
  constructor(args: { pointwiseInitializer?: unknown }) {
    super(args);
    if (args.pointwiseInitializer !== undefined && args.pointwiseInitializer !== null) {
      this.pointwiseInitializer = resolveInitializer(args.pointwiseInitializer);
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = toChannelsLast(Array.isArray(inputs) ? inputs[0] : inputs, this.dataFormat) as tf.Tensor4D;
      const y = tf.separableConv2d(
        x,
        this.depthwiseKernel!.read() as tf.Tensor4D,
        this.pointwiseKernel!.read() as tf.Tensor4D,
        this.strides as [number, number],
        this.padding as "valid" | "same",
        this.dilationRate as [number, number],
        "NHWC",
      );
      return fromChannelsLast(biasAndActivation(this, y), this.dataFormat);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier };
  }
}

/** Arguments of {@link QuantSeparableConv2D} (larq's `QuantSeparableConv2D` arguments, camelCased). */
export interface QuantSeparableConv2DArgs
  extends WithQuantizerActivation<WithDataFormat<Omit<SeparableConvLayerArgs, "padding">>>, SeparableQuantizedArgs, PadValuesArgs {
  /** `"valid"` (default) or `"same"` (padded with `padValues`). Case-insensitive. */
  padding?: "valid" | "same";
}

/**
 * Depthwise-separable 2D convolution with quantized inputs, depthwise and pointwise kernels (larq's
 * `QuantSeparableConv2D`).
 *
 * @remarks
 * y = activation(pointwise(depthwise(q_in(x), q_dw(D)), q_pw(P)) + b), D of shape
 * (kh, kw, inChannels, depthMultiplier), P of shape (1, 1, inChannels·depthMultiplier, filters).
 * Output spatial size as for Conv2D. Defaults: strides 1, padding `"valid"`, dataFormat
 * `"channelsLast"`, dilationRate 1, depthMultiplier 1, useBias true, depthwise and pointwise
 * initializers `"glorotUniform"`, padValues 0, quantizers `null`.
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantSeparableConv2d({
 *   filters: 32, kernelSize: 3, inputQuantizer: "ste_sign",
 *   depthwiseQuantizer: "ste_sign", pointwiseQuantizer: "ste_sign",
 *   depthwiseConstraint: "weight_clip", pointwiseConstraint: "weight_clip",
 * });
 * ```
 */
export class QuantSeparableConv2D extends quantizedLayer(paddedConv(SeparableConv2DFloat), SEPARABLE) {
  /** @nocollapse */
  static override className = "QuantSeparableConv2D";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([
    ...BASE_CONV_ARG_NAMES,
    "filters",
    "groups",
    ...DEPTHWISE_ARG_NAMES,
    ...POINTWISE_ARG_NAMES,
    "padValues",
    "depthwiseQuantizer",
    "pointwiseQuantizer",
    ...QUANTIZED_ARG_NAMES,
  ]);

  constructor(args: QuantSeparableConv2DArgs) {
    checkLayerArgs(new.target, args);
    super(normalizeConvArgs(args, { rank: 2 }));
  }
}
registerLayer(QuantSeparableConv2D);

/** Factory form of {@link QuantSeparableConv2D}. */
export function quantSeparableConv2d(args: QuantSeparableConv2DArgs): QuantSeparableConv2D {
  return new QuantSeparableConv2D(args);
}
