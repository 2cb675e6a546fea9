import * as tf from "@tensorflow/tfjs-core";

import { checkPositiveInteger, type KernelQuantizedArgs, type WithQuantizerActivation } from "./args.js";
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

  constructor(args: QuantDenseArgs) {
    if (args === null || typeof args !== "object") throw new Error(`Invalid args: expected an object, received ${String(args)}.`);
    checkPositiveInteger("units", args.units);
    super(args);
  }
}
registerLayer(QuantDense);

/** Factory form of {@link QuantDense}. */
export function quantDense(args: QuantDenseArgs): QuantDense {
  return new QuantDense(args);
}
