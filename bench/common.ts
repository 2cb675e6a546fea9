/**
 * Shared pieces of the training benchmark: the tutorial BNN (or its float twin), synthetic batches and timing.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

/**
 * larq's MNIST tutorial architecture in float, from tfjs layers only (no quantizers, no constraints, no bias,
 * every BatchNormalization with `scale: false`).
 */
export function buildFloatTutorialModel(): tfl.Sequential {
  const bn = () => tfl.layers.batchNormalization({ scale: false });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, useBias: false, inputShape: [28, 28, 1] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      bn(),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, useBias: false }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      bn(),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, useBias: false }),
      bn(),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 64, useBias: false }),
      bn(),
      tfl.layers.dense({ units: 10, useBias: false }),
      bn(),
      tfl.layers.activation({ activation: "softmax" }),
    ],
  });
}

/**
 * The quantized tutorial BNN built by `examples/tutorial_bnn.ts` from larq-ts layers, or the reason it cannot be
 * built yet (e.g. a layer not implemented).
 */
export async function buildLarqTutorialModel(quantized: boolean): Promise<tfl.Sequential | string> {
  try {
    const mod = (await import("../examples/tutorial_bnn.js")) as {
      buildTutorialBnn(options: { quantized?: boolean }): tfl.Sequential;
    };
    return mod.buildTutorialBnn({ quantized });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** A deterministic batch of 28x28x1 "images" in [0, 1) with one-hot labels. */
export function syntheticBatch(batchSize: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([batchSize, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    const labels = tf.tensor1d(
      Array.from({ length: batchSize }, (_, i) => (i * 7) % 10),
      "int32",
    );
    return { x, y: tf.cast(tf.oneHot(labels, 10), "float32") as tf.Tensor2D };
  });
}

/** Compiles `model` with Adam and categorical cross-entropy (the tutorial's setup). */
export function compileForTraining(model: tfl.LayersModel): void {
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
}

/** Wall-clock milliseconds of `steps` training steps (`trainOnBatch`) after `warmup` untimed ones. */
export async function timeTrainingSteps(
  model: tfl.LayersModel,
  batch: { x: tf.Tensor; y: tf.Tensor },
  steps: number,
  warmup = 2,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await model.trainOnBatch(batch.x, batch.y);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await model.trainOnBatch(batch.x, batch.y);
    times.push(performance.now() - start);
  }
  return times;
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
