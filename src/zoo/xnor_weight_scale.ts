import * as tf from "@tensorflow/tfjs-core";

import { registerQuantizerFunction, steSign } from "../quantizers/index.js";

/**
 * XNOR-Net's kernel quantizer: binary weights scaled by the mean magnitude of each output filter
 * (larq-zoo's `xnor_weight_scale`, registered as `"xnor_weight_scale"`, precision 1).
 *
 * @remarks
 * w_c = clip(w, -1, 1); α_o = mean over all axes but the last of |w_c|; q(w) = α_o · steSign(w_c).
 * For a conv kernel `[kh, kw, in, out]` the mean runs over `kh, kw, in` (one α per output filter).
 * The gradient flows through α and through the straight-through sign (identity for |w| ≤ 1).
 * Reference: Rastegari et al., "XNOR-Net" (arXiv:1603.05279).
 *
 * @example
 * ```ts
 * lq.layers.quantConv2d({ filters: 256, kernelSize: 5, kernelQuantizer: "xnor_weight_scale" });
 * ```
 */
export function xnorWeightScale(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const clipped = tf.clipByValue(x, -1, 1);
    if (x.rank < 2) return tf.mul(tf.mean(tf.abs(clipped)), steSign(clipped));
    // Mean over all axes but the last as a [1, K] x [K, out] product: reductions over leading axes
    // transpose the whole kernel on some backends, a matrix product does not.
    const out = x.shape[x.rank - 1];
    const k = x.size / out;
    const magnitudes = tf.reshape(tf.abs(clipped), [k, out]);
    const alpha = tf.reshape(tf.matMul(tf.fill([1, k], 1 / k), magnitudes), [...Array(x.rank - 1).fill(1), out]);
    return tf.mul(alpha, steSign(clipped));
  });
}
xnorWeightScale.precision = 1;
registerQuantizerFunction("xnor_weight_scale", xnorWeightScale);
