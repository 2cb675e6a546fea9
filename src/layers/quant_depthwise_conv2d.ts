import * as tf from "@tensorflow/tfjs-core";

import {
  DEPTHWISE_ARG_NAMES,
  BASE_CONV_ARG_NAMES,
  QUANTIZED_ARG_NAMES,
  checkLayerArgs,
  normalizeConvArgs,
  serializeTfjsObject,
  type DepthwiseQuantizedArgs,
  type WithDataFormat,
  type WithQuantizerActivation,
} from "./args.js";
import { paddedConv, type PadValuesArgs } from "./padded_conv.js";
import { DEPTHWISE, quantizedLayer } from "./quantized_layer.js";
import { biasAndActivation, convOutputLength, fromChannelsLast, toChannelsLast } from "./conv_utils.js";
import { DepthwiseConv2D, type DepthwiseConv2DLayerArgs, type FloatLayerClass } from "./tfjs_classes.js";
import type { Kwargs, Shape } from "../utils/tfjs.js";
import { registerLayer } from "../utils/serialization.js";

/**
 * tfjs' DepthwiseConv2D with dilation (tfjs ignores `dilationRate` in `call` and in the output
 * shape) and with the depthwise constraint serialized correctly.
 */
class DepthwiseConv2DFloat extends (DepthwiseConv2D as FloatLayerClass) {
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = toChannelsLast(Array.isArray(inputs) ? inputs[0] : inputs, this.dataFormat) as tf.Tensor4D;
      const y = tf.depthwiseConv2d(
        x,
        this.depthwiseKernel!.read() as tf.Tensor4D,
        this.strides as [number, number],
        this.padding as "valid" | "same",
        "NHWC",
        this.dilationRate as [number, number],
      );
      return fromChannelsLast(biasAndActivation(this, y), this.dataFormat);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) || inputShape[0] === undefined ? inputShape[0] : inputShape) as Shape;
    const first = this.dataFormat === "channelsFirst";
    const channels = shape[first ? 1 : 3];
    const dilation = this.dilationRate as number[];
    const space = [0, 1].map((i) =>
      convOutputLength(shape[(first ? 2 : 1) + i], this.kernelSize[i], this.padding, this.strides[i], dilation[i]),
    );
    const out = channels === null ? null : channels * this.depthMultiplier;
    return first ? [shape[0], out, ...space] : [shape[0], ...space, out];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depthwiseConstraint: serializeTfjsObject(this.depthwiseConstraint) };
  }
}

/** Arguments of {@link QuantDepthwiseConv2D} (larq's `QuantDepthwiseConv2D` arguments, camelCased). */
export interface QuantDepthwiseConv2DArgs
  extends WithQuantizerActivation<WithDataFormat<Omit<DepthwiseConv2DLayerArgs, "padding">>>, DepthwiseQuantizedArgs, PadValuesArgs {
  /** `"valid"` (default) or `"same"` (padded with `padValues`). Case-insensitive. */
  padding?: "valid" | "same";
}

/**
 * Depthwise 2D convolution with quantized inputs and depthwise kernel (larq's
 * `QuantDepthwiseConv2D`).
 *
 * @remarks
 * Each input channel c is convolved with its own `depthMultiplier` filters:
 * y[…, c·m + j] = Σ_{kh,kw} q_in(x)[…, c] · q_dw(W)[kh, kw, c, j] (+ b), W of shape
 * (kh, kw, inChannels, depthMultiplier); output channels inChannels·depthMultiplier. Output spatial
 * size as for Conv2D (dilation supported). Defaults: strides 1, padding `"valid"`, depthMultiplier
 * 1, dataFormat `"channelsLast"`, dilationRate 1, useBias true, depthwiseInitializer
 * `"glorotUniform"`, padValues 0, quantizers `null`.
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantDepthwiseConv2d({
 *   kernelSize: 3, padding: "same", inputQuantizer: "ste_sign", depthwiseQuantizer: "ste_sign",
 *   depthwiseConstraint: "weight_clip",
 * });
 * ```
 */
export class QuantDepthwiseConv2D extends quantizedLayer(paddedConv(DepthwiseConv2DFloat), DEPTHWISE) {
  /** @nocollapse */
  static override className = "QuantDepthwiseConv2D";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([
    ...BASE_CONV_ARG_NAMES,
    ...DEPTHWISE_ARG_NAMES,
    "groups",
    "padValues",
    "depthwiseQuantizer",
    ...QUANTIZED_ARG_NAMES,
  ]);

  constructor(args: QuantDepthwiseConv2DArgs) {
    checkLayerArgs(new.target, args);
    super(normalizeConvArgs(args, { rank: 2, filters: false }));
  }
}
registerLayer(QuantDepthwiseConv2D);

/** Factory form of {@link QuantDepthwiseConv2D}. */
export function quantDepthwiseConv2d(args: QuantDepthwiseConv2DArgs): QuantDepthwiseConv2D {
  return new QuantDepthwiseConv2D(args);
}
