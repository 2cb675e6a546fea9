import * as tf from "@tensorflow/tfjs-core";

import { sign } from "../math/index.js";
import {
  ClippedQuantizer,
  checkClipValue,
  clippedGradient,
  withPseudoGradient,
  type ClippedQuantizerArgs,
  SIGN_FORM,
  type InferenceForm,
} from "./base.js";
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
  checkClipValue(clipValue);
  return withPseudoGradient(x, sign, (input, dy) => clippedGradient(input, dy, clipValue));
}
steSign.precision = 1;
steSign.inferenceForm = SIGN_FORM;
registerQuantizerFunction("ste_sign", steSign);

/** Arguments of {@link SteSign}. */
export type SteSignArgs = ClippedQuantizerArgs;

/**
 * Sign binarization with the straight-through estimator, as a serializable quantizer layer.
 *
 * @remarks
 * Forward: q(x) = -1 if x < 0, +1 if x ≥ 0. Backward: ∂q/∂x = 1 where |x| ≤ clipValue, else 0.
 * Precision 1. Config keys: `clip_value` (default 1; `null` for unclipped). String identifiers:
 * `"SteSign"`, `"ste_sign"`, `"steSign"`.
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantDense({ units: 10, kernelQuantizer: new lq.quantizers.SteSign({ clipValue: 1.25 }) });
 * ```
 */
export class SteSign extends ClippedQuantizer {
  /** @nocollapse */
  static className = "SteSign";

  get precision(): number {
    return 1;
  }

  /** {@inheritDoc Quantizer.inferenceForm} */
  override inferenceForm(): InferenceForm {
    return SIGN_FORM;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return steSign(x, this.clipValue);
  }
}
registerQuantizerClass(SteSign, ["ste_sign"]);
