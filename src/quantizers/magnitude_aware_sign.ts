import * as tf from "@tensorflow/tfjs-core";

import { sign } from "../math/index.js";
import {
  ClippedQuantizer,
  checkClipValue,
  clippedGradient,
  withPseudoGradient,
  type ClippedQuantizerArgs,
  type InferenceForm,
} from "./base.js";
import { registerQuantizerClass, registerQuantizerFunction } from "./registry.js";

/** The inference form of magnitude-aware sign: α_c · sign(x), α_c = mean |x| per output channel. */
const MAGNITUDE_AWARE_FORM: InferenceForm = Object.freeze({
  kind: "scaledSign",
  scale: "meanAbsPerChannel",
  zero: "positive",
}) as InferenceForm;

/**
 * Per-channel scale of {@link magnitudeAwareSign}: mean |x| over all axes but the last. For rank ≤ 1
 * there are no such axes and the scale is |x| itself (TensorFlow's `reduce_mean` over an empty axis
 * list, which larq relies on, is the identity).
 */
function channelScale(x: tf.Tensor): tf.Tensor {
  const absX = tf.abs(x);
  if (x.rank <= 1) return absX;
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  return tf.mean(absX, axes);
}

/**
 * Magnitude-aware sign of Bi-Real Net (function form): a sign binarization scaled per output
 * channel by the mean absolute value.
 *
 * @remarks
 * Forward: q(x) = α ⊙ sign(x) with α_c = mean(|x[..., c]|) over all axes but the last
 * (sign(0) = +1). For a vector (rank 1) α = |x|.
 * Backward: ∂q/∂x = α where |x| ≤ clipValue, else 0 — α is treated as a constant
 * (stop-gradient), and sign uses the clipped straight-through estimator of `steSign`.
 * Reference: Liu et al., "Bi-Real Net", section 3.3 (arXiv:1808.00278).
 *
 * @param x - input tensor, typically a kernel whose last axis is the output channels.
 * @param clipValue - gradient clipping threshold; default 1; `null` for none.
 * @example
 * ```ts
 * lq.quantizers.magnitudeAwareSign(tf.tensor2d([[-1, 2], [3, 0]])).print(); // [[-2, 1], [2, 1]]
 * ```
 */
export function magnitudeAwareSign(x: tf.Tensor, clipValue: number | null = 1.0): tf.Tensor {
  checkClipValue(clipValue);
  // The scale is a constant for the backward pass, so the pseudo-gradient is α times the clipped
  // straight-through gradient of the sign.
  return withPseudoGradient(
    x,
    (input) => tf.mul(channelScale(input), sign(input)),
    (input, dy) => tf.mul(channelScale(input), clippedGradient(input, dy, clipValue)),
  );
}
magnitudeAwareSign.precision = 1;
magnitudeAwareSign.inferenceForm = MAGNITUDE_AWARE_FORM;
registerQuantizerFunction("magnitude_aware_sign", magnitudeAwareSign);

/** Arguments of {@link MagnitudeAwareSign}. */
export type MagnitudeAwareSignArgs = ClippedQuantizerArgs;

/**
 * Magnitude-aware sign of Bi-Real Net, as a serializable quantizer layer.
 *
 * @remarks
 * Forward: q(x) = α ⊙ sign(x), α_c = mean(|x[..., c]|) over all axes but the last.
 * Backward: α where |x| ≤ clipValue, else 0 (no gradient through α).
 * Precision 1 (the values are ±α per channel). Config keys: `clip_value` (default 1; `null` for
 * unclipped). String identifiers: `"MagnitudeAwareSign"`, `"magnitude_aware_sign"`,
 * `"magnitudeAwareSign"`.
 *
 * @example
 * ```ts
 * lq.layers.quantConv2d({ filters: 64, kernelSize: 3, kernelQuantizer: "magnitude_aware_sign" });
 * ```
 */
export class MagnitudeAwareSign extends ClippedQuantizer {
  /** @nocollapse */
  static className = "MagnitudeAwareSign";

  get precision(): number {
    return 1;
  }

  /** {@inheritDoc Quantizer.inferenceForm} */
  override inferenceForm(): InferenceForm {
    return MAGNITUDE_AWARE_FORM;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return magnitudeAwareSign(x, this.clipValue);
  }
}
registerQuantizerClass(MagnitudeAwareSign, ["magnitude_aware_sign"]);
