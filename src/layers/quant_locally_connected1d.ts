import {
  BASE_CONV_ARG_NAMES,
  QUANTIZED_ARG_NAMES,
  checkLayerArgs,
  normalizeConvArgs,
  type KernelQuantizedArgs,
  type WithQuantizerActivation,
} from "./args.js";
import { KERNEL, quantizedLayer } from "./quantized_layer.js";
import { LocallyConnectedBase, type LocallyConnectedArgs } from "./locally_connected_base.js";
import { registerLayer } from "../utils/serialization.js";

/** Float `LocallyConnected1D` (Keras semantics), the base of {@link QuantLocallyConnected1D}. */
class LocallyConnected1DFloat extends LocallyConnectedBase {
  constructor(args: LocallyConnectedArgs) {
    super(1, args);
  }
}

/**
 * Arguments of {@link QuantLocallyConnected1D}.
 *
 * Fields: `filters` (positive integer, required); `kernelSize` (integer or `[k]`, required);
 * `strides` (default 1); `padding` (`"valid"`, default; `"same"` only with `implementation: 2`);
 * `dataFormat` (`"channelsLast"` default, `"channelsFirst"`, Keras spellings accepted); `activation`
 * (default linear); `useBias` (default true); `inputQuantizer`, `kernelQuantizer` (default null);
 * `kernelInitializer` (default `"glorotUniform"`), `biasInitializer` (default `"zeros"`);
 * `kernelRegularizer`, `biasRegularizer`, `activityRegularizer`, `kernelConstraint` (e.g.
 * `"weight_clip"`), `biasConstraint` (default none); `metrics`; `implementation` (1 default, or 2);
 * plus the usual layer arguments (`name`, `inputShape`, `trainable`, …).
 */
export interface QuantLocallyConnected1DArgs extends WithQuantizerActivation<LocallyConnectedArgs>, KernelQuantizedArgs {}

/**
 * larq's `QuantLocallyConnected1D`: a 1D convolution with unshared weights (a different filter bank
 * at every output step) on quantized inputs and kernel.
 *
 * @remarks
 * y[t, f] = activation(Σ_{i,c} q_in(x)[t·s + i, c] · q_k(W)[t][i, c, f] + b[t, f]).
 * Output `[batch, ⌈(steps−k+1)/s⌉, filters]` for `"valid"` (channels-last); `"same"` (implementation 2)
 * gives ⌈steps/s⌉ steps. Implementation 1 stores the kernel as [outSteps, k·inChannels, filters];
 * implementation 2 as Keras' dense [inSteps, inChannels, outSteps, filters] (channels-first:
 * [inChannels, inSteps, filters, outSteps]) masked to the receptive fields. Bias [outSteps, filters].
 * Weight names and shapes are Keras' (`kernel`, `bias`), so weights converted from Python load. With
 * both quantizers null it equals Keras' `LocallyConnected1D`.
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantLocallyConnected1d({ filters: 64, kernelSize: 3, inputShape: [10, 32] });
 * // output shape [null, 8, 64]
 * ```
 */
export class QuantLocallyConnected1D extends quantizedLayer(LocallyConnected1DFloat, KERNEL) {
  /** @nocollapse */
  static className = "QuantLocallyConnected1D";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([
    ...BASE_CONV_ARG_NAMES.filter((n) => n !== "dilationRate"),
    "filters",
    "implementation",
    "kernelQuantizer",
    ...QUANTIZED_ARG_NAMES,
  ]);

  constructor(args: QuantLocallyConnected1DArgs) {
    checkLayerArgs(new.target, args);
    super(normalizeConvArgs(args, { rank: 1, paddings: ["valid", "same"], dilation: false }) as never);
  }
}
registerLayer(QuantLocallyConnected1D);

/** Factory form of {@link QuantLocallyConnected1D}. */
export function quantLocallyConnected1d(args: QuantLocallyConnected1DArgs): QuantLocallyConnected1D {
  return new QuantLocallyConnected1D(args);
}
