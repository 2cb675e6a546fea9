import * as tf from "@tensorflow/tfjs-core";

import { sign } from "../math/index.js";
import { checkNumber } from "../utils/errors.js";
import { Quantizer, withPseudoGradient, type BaseQuantizerArgs, SIGN_FORM, type InferenceForm } from "./base.js";
import { registerQuantizerClass, registerQuantizerFunction } from "./registry.js";

/**
 * Sign binarization with the SignSwish pseudo-gradient of BNN+ (function form).
 *
 * @remarks
 * Forward: q(x) = -1 if x < 0, +1 if x ≥ 0.
 * Backward: ∂q/∂x = β·(2 - βx·tanh(βx/2)) / (1 + cosh(βx)), the derivative of the SignSwish
 * function 2σ(βx)(1 + βx(1 - σ(βx))) - 1; larger β approximates the sign more closely.
 * Reference: Darabi et al., "BNN+: Improved Binary Network Training" (arXiv:1812.11800).
 *
 * @param x - input tensor.
 * @param beta - steepness β of the pseudo-gradient; default 5.
 * @example
 * ```ts
 * lq.quantizers.swishSign(tf.tensor([-0.5, 0, 2])).print(); // [-1, 1, 1]
 * ```
 */
export function swishSign(x: tf.Tensor, beta = 5.0): tf.Tensor {
  checkNumber("beta", beta);
  return withPseudoGradient(x, sign, (input, dy) => {
    const bx = tf.mul(input, beta);
    const numerator = tf.mul(beta, tf.sub(2, tf.mul(bx, tf.tanh(tf.mul(bx, 0.5)))));
    return tf.mul(dy, tf.div(numerator, tf.add(1, tf.cosh(bx))));
  });
}
swishSign.precision = 1;
swishSign.inferenceForm = SIGN_FORM;
registerQuantizerFunction("swish_sign", swishSign);

/** Arguments of {@link SwishSign}. */
export interface SwishSignArgs extends BaseQuantizerArgs {
  /** Steepness β of the SignSwish pseudo-gradient. Default 5. */
  beta?: number;
}

/**
 * Sign binarization with the SignSwish pseudo-gradient, as a serializable quantizer layer.
 *
 * @remarks
 * Forward: q(x) = -1 if x < 0, +1 if x ≥ 0.
 * Backward: ∂q/∂x = β·(2 - βx·tanh(βx/2)) / (1 + cosh(βx)).
 * Precision 1. Config keys: `beta` (default 5). String identifiers: `"SwishSign"`, `"swish_sign"`,
 * `"swishSign"`.
 *
 * @example
 * ```ts
 * const q = new lq.quantizers.SwishSign({ beta: 10 });
 * ```
 */
export class SwishSign extends Quantizer {
  /** @nocollapse */
  static className = "SwishSign";
  static override readonly argumentNames: readonly string[] = ["beta"];
  /** Steepness β of the pseudo-gradient. */
  readonly beta: number;

  constructor(args: SwishSignArgs = {}) {
    super(args);
    this.beta = checkNumber("beta", args.beta === undefined ? 5.0 : args.beta) as number;
  }

  get precision(): number {
    return 1;
  }

  /** {@inheritDoc Quantizer.inferenceForm} */
  override inferenceForm(): InferenceForm {
    return SIGN_FORM;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return swishSign(x, this.beta);
  }

  protected quantizerConfig(): tf.serialization.ConfigDict {
    return { beta: this.beta };
  }
}
registerQuantizerClass(SwishSign, ["swish_sign"]);
