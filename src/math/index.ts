/**
 * Element-wise functions with larq's conventions.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Sign with larq's convention: `-1` for `x < 0` and `+1` for `x >= 0`.
 *
 * @remarks
 * Unlike `tf.sign`, zero maps to `+1`, so the result is always binary:
 * sign(x) = -1 if x < 0, +1 if x ≥ 0. No gradient flows through it (use a quantizer such as
 * `steSign` for a pseudo-gradient).
 *
 * @example
 * ```ts
 * lq.math.sign(tf.tensor([-2, 0, 3])).print(); // [-1, 1, 1]
 * ```
 */
export function sign(x: tf.Tensor | tf.TensorLike): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.cast(x instanceof tf.Tensor ? x : tf.tensor(x), "float32");
    return tf.where(tf.greaterEqual(t, 0), tf.onesLike(t), tf.fill(t.shape, -1));
  });
}

/**
 * Heaviside step function: `1` for `x > 0`, else `0`.
 *
 * @remarks
 * H(x) = 1 if x > 0, 0 if x ≤ 0. No gradient flows through it.
 *
 * @example
 * ```ts
 * lq.math.heaviside(tf.tensor([-1, 0, 2])).print(); // [0, 0, 1]
 * ```
 */
export function heaviside(x: tf.Tensor | tf.TensorLike): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.cast(x instanceof tf.Tensor ? x : tf.tensor(x), "float32");
    return tf.cast(tf.greater(t, 0), "float32");
  });
}

/**
 * The mean of all elements of `x`, accurate for large tensors.
 *
 * @remarks
 * tfjs's `tf.mean` over a whole tensor sums in float32 in one pass: over millions of elements the running sum's
 * rounding grows large (the mean of 4096×4096 values of 0.75 comes out as 0.917 on the wasm backend), where
 * TensorFlow's tree reduction stays exact. This takes the mean over the last axis repeatedly (a mean of equal-sized
 * group means is the mean), so each float32 sum runs over one axis only.
 *
 * @example
 * ```ts
 * lq.math.meanAll(tf.fill([4096, 4096], 0.75)).print(); // 0.75
 * ```
 */
export function meanAll(x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    let y = x;
    while (y.rank > 1) y = tf.mean(y, -1);
    return tf.mean(y) as tf.Scalar;
  });
}
