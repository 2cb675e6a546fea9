import {
  DENSE_ARG_NAMES,
  QUANTIZED_ARG_NAMES,
  checkLayerArgs,
  checkPositiveInteger,
  type KernelQuantizedArgs,
  type WithQuantizerActivation,
} from "./args.js";
import { KERNEL, quantizedLayer } from "./quantized_layer.js";
import { Dense, type DenseLayerArgs } from "./tfjs_classes.js";
import { registerLayer } from "../utils/serialization.js";

/** Arguments of {@link QuantDense} (larq's `QuantDense` arguments, camelCased). */
export interface QuantDenseArgs extends WithQuantizerActivation<DenseLayerArgs>, KernelQuantizedArgs {}

/**
 * Densely connected layer with quantized inputs and kernel (larq's `QuantDense`).
 *
 * @remarks
 * y = activation(q_in(x) · q_k(W) + b), W of shape (inputDim, units). Inputs of rank > 2 are
 * contracted over their last axis: (batch, …, inputDim) → (batch, …, units). Defaults: activation
 * linear, useBias true, kernelInitializer `"glorotUniform"`, biasInitializer `"zeros"`,
 * quantizers `null` (then identical to `tf.layers.dense`).
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantDense({
 *   units: 32, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip",
 * });
 * ```
 */
export class QuantDense extends quantizedLayer(Dense, KERNEL) {
  /** @nocollapse */
  static override className = "QuantDense";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([...DENSE_ARG_NAMES, "kernelQuantizer", ...QUANTIZED_ARG_NAMES]);

  constructor(args: QuantDenseArgs) {
    checkLayerArgs(new.target, args);
    checkPositiveInteger("units", args.units);
    super(args);
  }
}
registerLayer(QuantDense);

/** Factory form of {@link QuantDense}. */
export function quantDense(args: QuantDenseArgs): QuantDense {
  return new QuantDense(args);
}
