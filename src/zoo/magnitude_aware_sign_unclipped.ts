import * as tf from "@tensorflow/tfjs-core";

import { meanAll, sign } from "../math/index.js";
import { registerQuantizerFunction, withPseudoGradient } from "../quantizers/index.js";

/**
 * DoReFa-Net's kernel quantizer: the sign scaled by the layer's mean weight magnitude, with an
 * identity (unclipped) pseudo-gradient (larq-zoo's `magnitude_aware_sign_unclipped`, registered
 * under that name, precision 1).
 *
 * @remarks
 * Forward: q(w) = sign(w) · mean(|w|) with one scale for the whole tensor (sign(0) = +1; the mean by
 * `lq.math.meanAll`, accurate for the 16.8 M weights of DoReFa-Net's dense layers).
 * Backward: ∂q/∂w := 1 everywhere (the scale is treated as a constant).
 * Reference: Zhou et al., "DoReFa-Net" (arXiv:1606.06160).
 */
export function magnitudeAwareSignUnclipped(x: tf.Tensor): tf.Tensor {
  return withPseudoGradient(
    x,
    (input) => tf.tidy(() => tf.mul(sign(input), meanAll(tf.abs(input)))),
    (_input, dy) => dy,
  );
}
magnitudeAwareSignUnclipped.precision = 1;
registerQuantizerFunction("magnitude_aware_sign_unclipped", magnitudeAwareSignUnclipped);
