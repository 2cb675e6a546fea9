import * as tf from "@tensorflow/tfjs-core";

import { sign } from "../math/index.js";
import { checkNumber } from "../utils/errors.js";
import { Quantizer, clippedGradient, withPseudoGradient, type BaseQuantizerArgs } from "./base.js";
import { registerQuantizerClass, registerQuantizerFunction } from "./registry.js";

/**
 * Sign binarization with the straight-through estimator (function form).
 *
 * @remarks
 * Forward: q(x) = -1 if x < 0, +1 if x ≥ 0.
 * Backward: ∂q/∂x = 1 where |x| ≤ clipValue, else 0 (no clipping when `clipValue` is null).
 * Reference: Courbariaux et al., "Binarized Neural Networks" (arXiv:1602.02830).
 *
 * @param x - input tensor.
 * @param clipValue - gradient clipping threshold; default 1; `null` for none.
 * @example
 * ```ts
 * lq.quantizers.steSign(tf.tensor([-0.5, 0, 2])).print(); // [-1, 1, 1]
 * ```
 */
export function steSign(x: tf.Tensor, clipValue: number | null = 1.0): tf.Tensor {
  return withPseudoGradient(x, sign, (input, dy) => clippedGradient(input, dy, clipValue));
}
steSign.precision = 1;
registerQuantizerFunction("ste_sign", steSign);

/** Arguments of {@link SteSign}. */
export interface SteSignArgs extends BaseQuantizerArgs {
  /** Gradient clipping threshold: the gradient is zero where |x| > clipValue. Default 1; `null` for none. */
  clipValue?: number | null;
}

/**
 * Sign binarization with the straight-through estimator, as a serializable quantizer layer.
 *
 * @remarks
 * Forward: q(x) = -1 if x < 0, +1 if x ≥ 0. Backward: ∂q/∂x = 1 where |x| ≤ clipValue, else 0.
 * Precision 1. Config keys: `clip_value`.
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantDense({ units: 10, kernelQuantizer: new lq.quantizers.SteSign({ clipValue: 1.25 }) });
 * ```
 */
export class SteSign extends Quantizer {
  /** @nocollapse */
  static className = "SteSign";
  /** Gradient clipping threshold (`null`: unclipped). */
  readonly clipValue: number | null;

  constructor(args: SteSignArgs = {}) {
    super(args);
    this.clipValue = checkNumber("clipValue", args.clipValue === undefined ? 1.0 : args.clipValue, {
      allowNull: true,
      min: 0,
    });
  }

  get precision(): number {
    return 1;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return steSign(x, this.clipValue);
  }

  protected quantizerConfig(): tf.serialization.ConfigDict {
    return { clipValue: this.clipValue };
  }
}
registerQuantizerClass(SteSign);
