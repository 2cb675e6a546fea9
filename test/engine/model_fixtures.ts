/**
 * Shared pieces of the converter tests: seeded random weights with non-trivial BatchNormalization statistics.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { mulberry32 } from "../../examples/data/mnist.js";

/**
 * Gives every weight of `model` seeded random values: kernels uniform in [−1, 1], BN moving means around 0 with
 * a spread of `spread(layer)`, variances in [0.25, 4]·spread², gammas of both signs, betas in [−1, 1].
 */
export function randomizeWeights(model: tfl.LayersModel, seed: number, spread: (layer: tfl.layers.Layer) => number = () => 3): void {
  const rnd = mulberry32(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    const s = spread(layer);
    const names = layer.weights.map((w) => w.name.split("/").pop()!.replace(/_\d+$/, ""));
    const values = ws.map((w, i) => {
      const n = w.size;
      const a = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        const u = rnd();
        switch (names[i]) {
          case "moving_mean":
            a[k] = (u * 2 - 1) * s;
            break;
          case "moving_variance":
            a[k] = (0.25 + 3.75 * rnd()) * s * s;
            break;
          case "gamma":
            a[k] = (u < 0.2 ? -1 : 1) * (0.5 + rnd());
            break;
          case "beta":
            a[k] = u * 2 - 1;
            break;
          default:
            a[k] = u * 2 - 1;
        }
      }
      return tf.tensor(a, w.shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Index of the largest value of each row of a `[rows, cols]` array. */
export function argmaxRows(data: ArrayLike<number>, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length / cols; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (data[r * cols + c] > data[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

/**
 * Sets every BatchNormalization's moving mean and variance of a Sequential model to the statistics of its input on
 * `x` (what training converges to), layer by layer; betas get seeded values in [−0.5, 0.5].
 */
export function calibrateBatchNorm(model: tfl.Sequential, x: tf.Tensor, seed: number): void {
  const rnd = mulberry32(seed);
  let h = x.clone();
  for (const layer of model.layers) {
    if (layer.getClassName() === "BatchNormalization") {
      const axes = h.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(h, axes);
      const values = layer.weights.map((w) => {
        const name = w.name.split("/").pop()!.replace(/_\d+$/, "");
        if (name === "moving_mean") return mean;
        if (name === "moving_variance") return variance;
        if (name === "beta") return tf.tensor(Float32Array.from({ length: w.shape[0] as number }, () => rnd() - 0.5));
        return tf.ones(w.shape as number[]);
      });
      layer.setWeights(values);
      tf.dispose(values);
    }
    const next = layer.apply(h) as tf.Tensor;
    h.dispose();
    h = next;
  }
  h.dispose();
}
