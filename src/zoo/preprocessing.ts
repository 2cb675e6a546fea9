/**
 * ImageNet pre- and post-processing as larq-zoo does it: centre crop, legacy bicubic resize to
 * 224x224, per-channel normalisation; and decoding of class probabilities into ImageNet labels.
 */
import * as tf from "@tensorflow/tfjs-core";

import { describeValue, invalidArgument } from "../utils/errors.js";
import { IMAGENET_CLASSES } from "./imagenet_classes.js";

/** Side of the square images the zoo models are trained on. */
export const IMAGE_SIZE = 224;
/** larq-zoo crops min(h, w) · 224 / (224 + 32) pixels before resizing (i.e. 87.5 %). */
export const CROP_PADDING = 32;
/** ImageNet channel means (RGB, 0–255 scale). */
export const MEAN_RGB: readonly number[] = Object.freeze([0.485 * 255, 0.456 * 255, 0.406 * 255]);
/** ImageNet channel standard deviations (RGB, 0–255 scale). */
export const STDDEV_RGB: readonly number[] = Object.freeze([0.229 * 255, 0.224 * 255, 0.225 * 255]);

const TABLE_SIZE = 1024;
const CUBIC_A = -0.75;
let coefficientTable: Float32Array | null = null;

/** TensorFlow's tabulated cubic-convolution weights (a = −0.75) at 1/1024 steps, stored as float32. */
function coefficients(): Float32Array {
  if (coefficientTable) return coefficientTable;
  const table = new Float32Array((TABLE_SIZE + 1) * 2);
  for (let i = 0; i <= TABLE_SIZE; i++) {
    let x = Math.fround(i / TABLE_SIZE);
    table[i * 2] = ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
    x = Math.fround(x + 1);
    table[i * 2 + 1] = ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
  }
  coefficientTable = table;
  return table;
}

/** Rounds half to even (C's `lrintf` in the default rounding mode). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The [outSize, inSize] interpolation matrix of TensorFlow's legacy bicubic resize along one axis
 * (`tf.compat.v1.image.resize_bicubic` with `align_corners=False`, `half_pixel_centers=False`).
 */
export function bicubicResizeMatrix(inSize: number, outSize: number): Float32Array {
  const table = coefficients();
  const scale = Math.fround(inSize / outSize);
  const matrix = new Float32Array(outSize * inSize);
  const clamp = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    const inLoc = Math.fround(o * scale);
    const base = Math.floor(inLoc);
    const offset = roundHalfEven(Math.fround(inLoc - base) * TABLE_SIZE);
    const weights = [table[offset * 2 + 1], table[offset * 2], table[(TABLE_SIZE - offset) * 2], table[(TABLE_SIZE - offset) * 2 + 1]];
    for (let k = 0; k < 4; k++) matrix[o * inSize + clamp(base - 1 + k)] += weights[k];
  }
  return matrix;
}

/**
 * Resizes an image `[height, width, channels]` with TensorFlow's legacy bicubic interpolation
 * (`tf.compat.v1.image.resize_bicubic`, no corner alignment, no half-pixel centres), which tfjs lacks.
 *
 * @remarks
 * Separable: out = R_h · image · R_wᵀ per channel, where row o of R holds the cubic-convolution
 * weights (a = −0.75, tabulated at 1/1024 steps as TensorFlow does) of the source pixels
 * ⌊o·s⌋−1 … ⌊o·s⌋+2 (clamped to the border), with s = in/out. Returns float32.
 */
export function resizeBicubic(image: tf.Tensor3D, size: [number, number]): tf.Tensor3D {
  if (!(image instanceof tf.Tensor) || image.rank !== 3)
    invalidArgument("image", image?.shape ?? image, "a 3D tensor [height, width, channels]");
  const [outH, outW] = size;
  return tf.tidy(() => {
    const [h, w, c] = image.shape;
    const rows = tf.tensor2d(bicubicResizeMatrix(h, outH), [outH, h]);
    const cols = tf.tensor2d(bicubicResizeMatrix(w, outW), [outW, w]);
    const x = tf.cast(image, "float32");
    const alongH = tf.reshape(tf.matMul(rows, tf.reshape(x, [h, w * c])), [outH, w, c]);
    const swapped = tf.reshape(tf.transpose(alongH, [1, 0, 2]), [w, outH * c]);
    const alongW = tf.reshape(tf.matMul(cols, swapped), [outW, outH, c]);
    return tf.transpose(alongW, [1, 0, 2]) as tf.Tensor3D;
  });
}

/**
 * Prepares one image for the zoo models exactly as larq-zoo's `preprocess_input` does.
 *
 * @remarks
 * 1. Centre crop to a square of side ⌊224/256 · min(h, w)⌋ at offsets ⌊(h − side + 1)/2⌋, ⌊(w − side + 1)/2⌋.
 * 2. Legacy bicubic resize to 224x224 ({@link resizeBicubic}).
 * 3. Normalise per channel: (x − mean) / std with mean = 255·(0.485, 0.456, 0.406) and
 *    std = 255·(0.229, 0.224, 0.225).
 *
 * @param image - `[height, width, 3]` RGB values in 0–255 (any dtype, e.g. from `tf.browser.fromPixels`).
 * @returns a float32 `[224, 224, 3]` tensor; add a batch axis before `model.predict`.
 * @example
 * ```ts
 * const x = tf.expandDims(lq.zoo.preprocessInput(image), 0);
 * ```
 */
export function preprocessInput(image: tf.Tensor3D | tf.Tensor): tf.Tensor3D {
  if (!(image instanceof tf.Tensor) || image.rank !== 3 || image.shape[2] !== 3) {
    invalidArgument("image", image instanceof tf.Tensor ? image.shape : image, "a tensor of shape [height, width, 3]");
  }
  const [h, w] = image.shape;
  const side = Math.trunc(Math.fround(IMAGE_SIZE / (IMAGE_SIZE + CROP_PADDING)) * Math.min(h, w));
  if (side < 1) invalidArgument("image", image.shape, "an image large enough to crop (at least 2x2 pixels)");
  const top = Math.floor((h - side + 1) / 2);
  const left = Math.floor((w - side + 1) / 2);
  return tf.tidy(() => {
    const cropped = tf.slice(image as tf.Tensor3D, [top, left, 0], [side, side, 3]);
    const resized = resizeBicubic(cropped, [IMAGE_SIZE, IMAGE_SIZE]);
    return tf.div(tf.sub(resized, tf.tensor1d(MEAN_RGB as number[])), tf.tensor1d(STDDEV_RGB as number[])) as tf.Tensor3D;
  });
}

/** One decoded prediction: `[wnid, className, score]` (as Keras' `decode_predictions`). */
export type DecodedPrediction = [wnid: string, className: string, score: number];

/**
 * Turns a batch of ImageNet class probabilities into the `top` most likely labels per image
 * (larq-zoo's `decode_predictions`, i.e. Keras' ImageNet decoder).
 *
 * @param preds - probabilities `[batch, 1000]` (tensor or nested array).
 * @param top - number of labels per image, 1–1000. Default 5.
 * @returns per image, `top` tuples `[wnid, className, score]` in decreasing score order.
 * @example
 * ```ts
 * lq.zoo.decodePredictions(model.predict(x) as tf.Tensor, 3);
 * // [[["n02123045", "tabby", 0.61], ["n02124075", "Egyptian_cat", 0.2], …]]
 * ```
 */
export function decodePredictions(preds: tf.Tensor | number[][], top = 5): DecodedPrediction[][] {
  const rows: number[][] = preds instanceof tf.Tensor ? (preds.rank === 2 ? (preds.arraySync() as number[][]) : []) : preds;
  const shape = preds instanceof tf.Tensor ? preds.shape : [Array.isArray(rows) ? rows.length : -1, rows?.[0]?.length];
  if (!Array.isArray(rows) || shape.length !== 2 || rows.some((r) => !Array.isArray(r) || r.length !== IMAGENET_CLASSES.length)) {
    invalidArgument(
      "preds",
      preds instanceof tf.Tensor ? preds.shape : describeValue(shape),
      "a batch of predictions of shape [batch, 1000]",
    );
  }
  if (!Number.isInteger(top) || top < 1 || top > IMAGENET_CLASSES.length) invalidArgument("top", top, "an integer from 1 to 1000");
  return rows.map((row) =>
    row
      .map((score, index) => ({ score, index }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, top)
      .map(({ score, index }) => [IMAGENET_CLASSES[index][0], IMAGENET_CLASSES[index][1], score] as DecodedPrediction),
  );
}
