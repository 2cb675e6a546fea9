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
import { Conv3D, type ConvLayerArgs } from "./tfjs_classes.js";
import { registerLayer } from "../utils/serialization.js";

/** Arguments of {@link QuantConv3D} (larq's `QuantConv3D` arguments, camelCased). */
export interface QuantConv3DArgs
  extends WithQuantizerActivation<WithDataFormat<Omit<ConvLayerArgs, "padding">>>, KernelQuantizedArgs, PadValuesArgs, GroupsArgs {
  /** `"valid"` (default) or `"same"` (padded with `padValues`). Case-insensitive. */
  padding?: "valid" | "same";
}

/**
 * 3D convolution with quantized inputs and kernel (larq's `QuantConv3D`).
 *
 * @remarks
 * y = activation(conv3d(q_in(x), q_k(W)) + b), kernel shape (kd, kh, kw, inChannels/groups, filters).
 * Output spatial size per axis: ⌈(in − (k−1)·d)/s⌉ for `"valid"`, ⌈in/s⌉ for `"same"`. Defaults:
 * strides 1, padding `"valid"`, dataFormat `"channelsLast"`, dilationRate 1, useBias true,
 * kernelInitializer `"glorotUniform"`, padValues 0, quantizers `null`, groups 1 (with G > 1: Keras's
 * grouped convolution, see `groupedConv`).
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantConv3d({ filters: 8, kernelSize: 3, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" });
 * ```
 */
export class QuantConv3D extends quantizedLayer(paddedConv(groupedConv(Conv3D)), KERNEL) {
  /** @nocollapse */
  static override className = "QuantConv3D";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([
    ...BASE_CONV_ARG_NAMES,
    "filters",
    "groups",
    "padValues",
    "kernelQuantizer",
    ...QUANTIZED_ARG_NAMES,
  ]);

  constructor(args: QuantConv3DArgs) {
    checkLayerArgs(new.target, args);
    super(normalizeConvArgs(args, { rank: 3, groups: true }));
  }
}
registerLayer(QuantConv3D);

/** Factory form of {@link QuantConv3D}. */
export function quantConv3d(args: QuantConv3DArgs): QuantConv3D {
  return new QuantConv3D(args);
}
