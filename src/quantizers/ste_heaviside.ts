import * as tf from "@tensorflow/tfjs-core";

import { heaviside } from "../math/index.js";
import { ClippedQuantizer, checkClipValue, clippedGradient, withPseudoGradient, type ClippedQuantizerArgs } from "./base.js";
import { registerQuantizerClass, registerQuantizerFunction } from "./registry.js";

/**
 * Binarization to {0, 1} with the straight-through estimator (function form).
 *
 * @remarks
 * Forward: q(x) = 1 if x > 0, 0 if x ≤ 0 (Heaviside step).
 * Backward: ∂q/∂x = 1 where |x| ≤ clipValue, else 0 (no clipping when `clipValue` is null).
 *
 * @param x - input tensor.
 * @param clipValue - gradient clipping threshold; default 1; `null` for none.
 * @example
 * ```ts
 * lq.quantizers.steHeaviside(tf.tensor([-0.5, 0, 2])).print(); // [0, 0, 1]
 * ```
 */
export function steHeaviside(x: tf.Tensor, clipValue: number | null = 1.0): tf.Tensor {
  checkClipValue(clipValue);
  return withPseudoGradient(x, heaviside, (input, dy) => clippedGradient(input, dy, clipValue));
}
steHeaviside.precision = 1;
registerQuantizerFunction("ste_heaviside", steHeaviside);

/** Arguments of {@link SteHeaviside}. */
export type SteHeavisideArgs = ClippedQuantizerArgs;

/**
 * Binarization to {0, 1} with the straight-through estimator, as a serializable quantizer layer.
 *
 * @remarks
 * Forward: q(x) = 1 if x > 0, 0 if x ≤ 0. Backward: ∂q/∂x = 1 where |x| ≤ clipValue, else 0.
 * Precision 1. Config keys: `clip_value` (default 1; `null` for unclipped). String identifiers:
 * `"SteHeaviside"`, `"ste_heaviside"`, `"steHeaviside"`.
 *
 * @example
 * ```ts
 * const q = new lq.quantizers.SteHeaviside({ clipValue: null });
 * ```
 */
export class SteHeaviside extends ClippedQuantizer {
  /** @nocollapse */
  static className = "SteHeaviside";

  get precision(): number {
    return 1;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return steHeaviside(x, this.clipValue);
  }
}
registerQuantizerClass(SteHeaviside, ["ste_heaviside"]);
