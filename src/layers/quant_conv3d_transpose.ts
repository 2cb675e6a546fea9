import {
  BASE_CONV_ARG_NAMES,
  QUANTIZED_ARG_NAMES,
  checkLayerArgs,
  normalizeConvArgs,
  type KernelQuantizedArgs,
  type WithDataFormat,
  type WithQuantizerActivation,
} from "./args.js";
import { KERNEL, quantizedLayer } from "./quantized_layer.js";
import { Conv3DTranspose, type ConvLayerArgs } from "./tfjs_classes.js";
import { transposedConv, type TransposedConvArgs } from "./transposed_conv.js";
import { registerLayer } from "../utils/serialization.js";

/** Arguments of {@link QuantConv3DTranspose} (larq's `QuantConv3DTranspose` arguments, camelCased). */
export interface QuantConv3DTransposeArgs
  extends WithQuantizerActivation<WithDataFormat<Omit<ConvLayerArgs, "padding">>>, KernelQuantizedArgs, TransposedConvArgs {
  /** `"valid"` (default) or `"same"`. Case-insensitive. */
  padding?: "valid" | "same";
}

/**
 * Transposed 3D convolution ("deconvolution") with quantized inputs and kernel (larq's
 * `QuantConv3DTranspose`).
 *
 * @remarks
 * y = activation(conv3dTranspose(q_in(x), q_k(W)) + b), kernel shape (…k, filters, inChannels).
 * Output length per spatial axis, with k_eff = k + (k − 1)(d − 1): without `outputPadding`,
 * in·s + max(k_eff − s, 0) for `"valid"` and in·s for `"same"`; with output padding p,
 * (in − 1)·s + k_eff − 2·pad + p where pad = ⌊k_eff/2⌋ (`"same"`) or 0 (`"valid"`).
 * Defaults: strides 1, padding `"valid"`, outputPadding `null`, dataFormat `"channelsLast"`,
 * dilationRate 1, useBias true, kernelInitializer `"glorotUniform"`, quantizers `null`.
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantConv3dTranspose({ filters: 4, kernelSize: 3, strides: 2, outputPadding: 1, kernelQuantizer: "ste_sign" });
 * ```
 */
export class QuantConv3DTranspose extends quantizedLayer(transposedConv(Conv3DTranspose, 3), KERNEL) {
  /** @nocollapse */
  static override className = "QuantConv3DTranspose";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([
    ...BASE_CONV_ARG_NAMES,
    "filters",
    "groups",
    "outputPadding",
    "kernelQuantizer",
    ...QUANTIZED_ARG_NAMES,
  ]);

  constructor(args: QuantConv3DTransposeArgs) {
    checkLayerArgs(new.target, args);
    super(normalizeConvArgs(args, { rank: 3 }));
  }
}
registerLayer(QuantConv3DTranspose);

/** Factory form of {@link QuantConv3DTranspose}. */
export function quantConv3dTranspose(args: QuantConv3DTransposeArgs): QuantConv3DTranspose {
  return new QuantConv3DTranspose(args);
}
