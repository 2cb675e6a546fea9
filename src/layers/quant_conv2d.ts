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
import { Conv2D, type ConvLayerArgs } from "./tfjs_classes.js";
import { registerLayer } from "../utils/serialization.js";

/** Arguments of {@link QuantConv2D} (larq's `QuantConv2D` arguments, camelCased). */
export interface QuantConv2DArgs
  extends WithQuantizerActivation<WithDataFormat<Omit<ConvLayerArgs, "padding">>>, KernelQuantizedArgs, PadValuesArgs, GroupsArgs {
  /** `"valid"` (default, no padding) or `"same"` (output size ⌈in/stride⌉; padded with `padValues`). Case-insensitive. */
  padding?: "valid" | "same";
}

/**
 * 2D convolution with quantized inputs and kernel (larq's `QuantConv2D`).
 *
 * @remarks
 * y = activation(conv2d(q_in(x), q_k(W)) + b) with q_in = `inputQuantizer`, q_k = `kernelQuantizer`.
 * Kernel shape (kh, kw, inChannels/groups, filters). Output spatial size: ⌈(in − (k−1)·d)/s⌉ for
 * `"valid"`, ⌈in/s⌉ for `"same"`. Defaults: strides 1, padding `"valid"`, dataFormat
 * `"channelsLast"`, dilationRate 1, useBias true, kernelInitializer `"glorotUniform"`, padValues 0,
 * quantizers `null` (then identical to `tf.layers.conv2d`), groups 1 (with G > 1: Keras's grouped
 * convolution, see `groupedConv`).
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantConv2d({
 *   filters: 32, kernelSize: 3, padding: "same", padValues: 1,
 *   inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip",
 * });
 * ```
 */
export class QuantConv2D extends quantizedLayer(paddedConv(groupedConv(Conv2D)), KERNEL) {
  /** @nocollapse */
  static override className = "QuantConv2D";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([
    ...BASE_CONV_ARG_NAMES,
    "filters",
    "groups",
    "padValues",
    "kernelQuantizer",
    ...QUANTIZED_ARG_NAMES,
  ]);

  constructor(args: QuantConv2DArgs) {
    checkLayerArgs(new.target, args);
    super(normalizeConvArgs(args, { rank: 2, groups: true }));
  }
}
registerLayer(QuantConv2D);

/** Factory form of {@link QuantConv2D}. */
export function quantConv2d(args: QuantConv2DArgs): QuantConv2D {
  return new QuantConv2D(args);
}
