/**
 * The training branch larq-ts gives tfjs-layers 4.22's `BatchNormalization` with `scale: false` (or
 * `center: false`); the `batchNormalizationFix` effect (`src/effects/batch_normalization.ts`) puts it in place.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers";

/** The fields of tfjs-layers' `BatchNormalization` the training path uses (the class is not exported). */
export interface BatchNormLayer {
  axis: number | number[];
  momentum: number;
  epsilon: number;
  gamma?: { read(): tf.Tensor } | null;
  beta?: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(value: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(value: tf.Tensor): void };
}

/**
 * Batch-statistics normalisation for a training step, with optional `gamma`/`beta` and a closed-form gradient.
 *
 * @remarks
 * Forward: `x̂ = (x − μ_B)·r`, `r = 1/√(σ²_B + ε)`, `y = γ·x̂ + β` over all axes but `axis` (`γ = 1` without
 * scale, `β = 0` without center); then, like tfjs, `moving ← moving − (moving − batch)·(1 − momentum)` for the
 * mean and the variance (the biased one, or for 4-D inputs the unbiased one, as Keras's fused batch norm).
 *
 * Backward (the full derivative through the batch statistics, with `g = ∂L/∂y` and means over the `N` reduced
 * elements): `∂L/∂x = γ·r·(g − mean(g) − x̂·mean(g·x̂))`, `∂L/∂γ = Σ g·x̂`, `∂L/∂β = Σ g`. tfjs's generic
 * batchNorm gradient instead tiles `r` to the input's full shape and differentiates through `moments`, which
 * costs several times more on the wasm backend.
 */
export function batchNormTrainingCall(layer: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (Array.isArray(inputs) && inputs.length !== 1) {
    throw new Error(`Invalid inputs of BatchNormalization: expected exactly one tensor, received ${inputs.length}.`);
  }
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  const ndim = x.rank;
  // Keras 2 saves `axis` as a list ([3]); tfjs keeps what the config gave. One axis is all BN here supports.
  const axes = Array.isArray(layer.axis) ? (layer.axis as number[]) : [layer.axis];
  if (axes.length !== 1 || !Number.isInteger(axes[0])) {
    throw new Error(`Invalid axis of BatchNormalization: expected one integer axis, received ${JSON.stringify(layer.axis)}.`);
  }
  const axis = axes[0] >= 0 ? axes[0] : axes[0] + ndim;
  const reductionAxes = [...Array(ndim).keys()].filter((a) => a !== axis);
  const paramShape = x.shape.map((d, a) => (a === axis ? d : 1));
  const hasGamma = layer.gamma != null;
  const hasBeta = layer.beta != null;
  const params: tf.Tensor[] = [];
  if (hasGamma) params.push(layer.gamma!.read());
  if (hasBeta) params.push(layer.beta!.read());
  const epsilon = layer.epsilon;
  const decay = 1 - layer.momentum;

  const normalize = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [input, ...rest] = args.slice(0, -1) as tf.Tensor[];
    const gamma = hasGamma ? tf.reshape(rest[0], paramShape) : null;
    const beta = hasBeta ? tf.reshape(rest[hasGamma ? 1 : 0], paramShape) : null;
    const { mean, variance } = tf.moments(input, reductionAxes, true);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(input, mean), rstd);
    let y = gamma === null ? xhat : tf.mul(xhat, gamma);
    if (beta !== null) y = tf.add(y, beta);
    // Keras computes 4-D batch norm with TensorFlow's fused kernel, which feeds the moving variance the
    // unbiased (Bessel-corrected) batch variance; other ranks feed the biased one. Match it, so that models
    // trained here keep the moving statistics Python larq would.
    const count = input.size / input.shape[axis];
    const fused = ndim === 4 && (axis === 1 || axis === 3) && count > 1;
    const movingVarianceValue = fused ? tf.mul(variance, count / (count - 1)) : variance;
    for (const [variable, batchValue] of [
      [layer.movingMean, mean],
      [layer.movingVariance, movingVarianceValue],
    ] as const) {
      tf.tidy(() => {
        const current = variable.read();
        const value = tf.reshape(batchValue, current.shape);
        variable.write(tf.sub(current, tf.mul(tf.sub(current, value), decay)));
      });
    }
    save(gamma === null ? [xhat, rstd] : [xhat, rstd, gamma]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, r, g] = saved;
        const grads: tf.Tensor[] = [];
        const meanDy = tf.mean(dy, reductionAxes, true);
        const dyXhat = tf.mul(dy, xh);
        const meanDyXhat = tf.mean(dyXhat, reductionAxes, true);
        const scale = g === undefined ? r : tf.mul(r, g);
        grads.push(tf.mul(scale, tf.sub(tf.sub(dy, meanDy), tf.mul(xh, meanDyXhat))));
        if (hasGamma) grads.push(tf.reshape(tf.sum(dyXhat, reductionAxes), [x.shape[axis]]));
        if (hasBeta) grads.push(tf.reshape(tf.sum(dy, reductionAxes), [x.shape[axis]]));
        return grads;
      },
    };
  });
  return normalize(x, ...params);
}
