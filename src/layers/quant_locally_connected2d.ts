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

/** Float `LocallyConnected2D` (Keras semantics), the base of {@link QuantLocallyConnected2D}. */
class LocallyConnected2DFloat extends LocallyConnectedBase {
  constructor(args: LocallyConnectedArgs) {
    super(2, args);
  }
}

/**
 * Arguments of {@link QuantLocallyConnected2D}.
 *
 * Fields: `filters` (positive integer, required); `kernelSize` (integer or `[rows, cols]`, required);
 * `strides` (default 1); `padding` (`"valid"`, default; `"same"` only with `implementation: 2`);
 * `dataFormat` (`"channelsLast"` default, `"channelsFirst"`, Keras spellings accepted); `activation`
 * (default linear); `useBias` (default true); `inputQuantizer`, `kernelQuantizer` (default null);
 * `kernelInitializer` (default `"glorotUniform"`), `biasInitializer` (default `"zeros"`);
 * `kernelRegularizer`, `biasRegularizer`, `activityRegularizer`, `kernelConstraint` (e.g.
 * `"weight_clip"`), `biasConstraint` (default none); `metrics`; `implementation` (1 default, or 2);
 * plus the usual layer arguments (`name`, `inputShape`, `trainable`, …).
 */
export interface QuantLocallyConnected2DArgs extends WithQuantizerActivation<LocallyConnectedArgs>, KernelQuantizedArgs {}

/**
 * larq's `QuantLocallyConnected2D`: a 2D convolution with unshared weights (a different filter bank
 * at every output position) on quantized inputs and kernel.
 *
 * @remarks
 * y[r, c, f] = activation(Σ_{i,j,ch} q_in(x)[r·s₀ + i, c·s₁ + j, ch] · q_k(W)[r, c][i, j, ch, f] + b[r, c, f]).
 * Output `[batch, ⌈(rows−k₀+1)/s₀⌉, ⌈(cols−k₁+1)/s₁⌉, filters]` for `"valid"` (channels-last);
 * `"same"` (implementation 2) gives `⌈rows/s₀⌉ × ⌈cols/s₁⌉`. Parameters: outRows·outCols·(k₀·k₁·inChannels·filters)
 * kernel weights (implementation 1; implementation 2 stores the dense inRows·inCols·inChannels·outRows·outCols·filters
 * kernel of Keras) plus outRows·outCols·filters biases. Weight names and shapes are Keras' (`kernel`,
 * `bias`), so weights converted from Python load. With both quantizers null it equals Keras'
 * `LocallyConnected2D`.
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantLocallyConnected2d({ filters: 64, kernelSize: 3, inputShape: [32, 32, 3] });
 * // output shape [null, 30, 30, 64]; (30·30)·(3·3·3·64) + (30·30)·64 parameters
 * ```
 */
export class QuantLocallyConnected2D extends quantizedLayer(LocallyConnected2DFloat, KERNEL) {
  /** @nocollapse */
  static className = "QuantLocallyConnected2D";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([
    ...BASE_CONV_ARG_NAMES.filter((n) => n !== "dilationRate"),
    "filters",
    "implementation",
    "kernelQuantizer",
    ...QUANTIZED_ARG_NAMES,
  ]);

  constructor(args: QuantLocallyConnected2DArgs) {
    checkLayerArgs(new.target, args);
    super(normalizeConvArgs(args, { rank: 2, paddings: ["valid", "same"], dilation: false }) as never);
  }
}
registerLayer(QuantLocallyConnected2D);

/** Factory form of {@link QuantLocallyConnected2D}. */
export function quantLocallyConnected2d(args: QuantLocallyConnected2DArgs): QuantLocallyConnected2D {
  return new QuantLocallyConnected2D(args);
}
