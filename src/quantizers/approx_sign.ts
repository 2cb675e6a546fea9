import * as tf from "@tensorflow/tfjs-core";

import { sign } from "../math/index.js";
import { Quantizer, withPseudoGradient, SIGN_FORM, type InferenceForm } from "./base.js";
import { registerQuantizerClass, registerQuantizerFunction } from "./registry.js";

/**
 * Sign binarization with the ApproxSign pseudo-gradient of Bi-Real Net (function form).
 *
 * @remarks
 * Forward: q(x) = -1 if x < 0, +1 if x ≥ 0.
 * Backward: ∂q/∂x = 2 - 2|x| where |x| ≤ 1, else 0 — the derivative of the piecewise quadratic
 * that approximates the sign function.
 * Reference: Liu et al., "Bi-Real Net" (arXiv:1808.00278).
 *
 * @param x - input tensor.
 * @example
 * ```ts
 * lq.quantizers.approxSign(tf.tensor([-0.5, 0, 2])).print(); // [-1, 1, 1]
 * ```
 */
export function approxSign(x: tf.Tensor): tf.Tensor {
  return withPseudoGradient(x, sign, (input, dy) => {
    const absX = tf.abs(input);
    const slope = tf.mul(tf.sub(1, absX), 2);
    return tf.where(tf.lessEqual(absX, 1), tf.mul(slope, dy), tf.zerosLike(dy));
  });
}
approxSign.precision = 1;
approxSign.inferenceForm = SIGN_FORM;
registerQuantizerFunction("approx_sign", approxSign);

/**
 * Sign binarization with the ApproxSign pseudo-gradient, as a serializable quantizer layer.
 *
 * @remarks
 * Forward: q(x) = -1 if x < 0, +1 if x ≥ 0. Backward: ∂q/∂x = 2 - 2|x| where |x| ≤ 1, else 0.
 * Precision 1. No quantizer-specific config keys. String identifiers: `"ApproxSign"`,
 * `"approx_sign"`, `"approxSign"`.
 *
 * @example
 * ```ts
 * const q = new lq.quantizers.ApproxSign();
 * (q.apply(tf.tensor([-0.3, 0.3])) as tf.Tensor).print(); // [-1, 1]
 * ```
 */
export class ApproxSign extends Quantizer {
  /** @nocollapse */
  static className = "ApproxSign";

  get precision(): number {
    return 1;
  }

  /** {@inheritDoc Quantizer.inferenceForm} */
  override inferenceForm(): InferenceForm {
    return SIGN_FORM;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return approxSign(x);
  }

  protected quantizerConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
registerQuantizerClass(ApproxSign, ["approx_sign"]);
