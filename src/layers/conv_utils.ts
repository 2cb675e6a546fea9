/**
 * Small helpers shared by the convolution layers that compute their output themselves (depthwise,
 * separable and transposed convolutions) instead of delegating to the tfjs float layer.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import type { FloatLayer } from "./tfjs_classes.js";

/** Moves the channel axis of a channels-first tensor last (no-op for `channelsLast`). */
export function toChannelsLast(x: tf.Tensor, dataFormat: string): tf.Tensor {
  if (dataFormat !== "channelsFirst") return x;
  const perm = [0, ...x.shape.slice(2).map((_, i) => i + 2), 1];
  return tf.transpose(x, perm);
}

/** Inverse of {@link toChannelsLast}. */
export function fromChannelsLast(y: tf.Tensor, dataFormat: string): tf.Tensor {
  if (dataFormat !== "channelsFirst") return y;
  const perm = [0, y.rank - 1, ...y.shape.slice(1, -1).map((_, i) => i + 1)];
  return tf.transpose(y, perm);
}

/** Adds the layer's bias (if any) along the last axis and applies its activation. */
export function biasAndActivation(layer: FloatLayer, y: tf.Tensor): tf.Tensor {
  let out = y;
  if (layer.useBias && layer.bias !== null && layer.bias !== undefined) out = tf.add(out, layer.bias.read());
  return layer.activation ? layer.activation.apply(out) : out;
}

/**
 * Output length of a convolution along one axis (Keras' `conv_output_length`).
 *
 * @remarks
 * k_eff = k + (k − 1)(d − 1); `"same"`/`"causal"`: ⌈in/s⌉; `"valid"`: ⌈(in − k_eff + 1)/s⌉.
 */
export function convOutputLength(
  inputLength: number | null,
  kernelSize: number,
  padding: string,
  stride: number,
  dilation = 1,
): number | null {
  if (inputLength === null || inputLength === undefined) return null;
  const effective = kernelSize + (kernelSize - 1) * (dilation - 1);
  const length = padding === "same" || padding === "causal" ? inputLength : inputLength - effective + 1;
  return Math.floor((length + stride - 1) / stride);
}

/**
 * Output length of a transposed convolution along one axis (Keras' `deconv_output_length`).
 *
 * @remarks
 * k_eff = k + (k − 1)(d − 1). Without output padding: `"valid"`: in·s + max(k_eff − s, 0); `"same"`:
 * in·s. With output padding p: (in − 1)·s + k_eff − 2·pad + p, pad = ⌊k_eff/2⌋ for `"same"`, 0 for
 * `"valid"`.
 */
export function deconvOutputLength(
  inputLength: number | null,
  kernelSize: number,
  padding: string,
  outputPadding: number | null,
  stride: number,
  dilation = 1,
): number | null {
  if (inputLength === null || inputLength === undefined) return null;
  const effective = kernelSize + (kernelSize - 1) * (dilation - 1);
  if (outputPadding === null) {
    return padding === "valid" ? inputLength * stride + Math.max(effective - stride, 0) : inputLength * stride;
  }
  const pad = padding === "same" ? Math.floor(effective / 2) : 0;
  return (inputLength - 1) * stride + effective - 2 * pad + outputPadding;
}

/**
 * Inserts `factor` − 1 zeros after every entry along `axis` and drops the trailing ones: length
 * n → (n − 1)·factor + 1. Differentiable (gradients reach the original entries).
 */
export function interleaveZeros(t: tf.Tensor, axis: number, factor: number): tf.Tensor {
  if (factor === 1) return t;
  const n = t.shape[axis];
  const zeros = tf.zerosLike(t);
  const stacked = tf.stack([t, ...new Array<tf.Tensor>(factor - 1).fill(zeros)], axis + 1);
  const shape = [...t.shape];
  shape[axis] = n * factor;
  const size = [...shape];
  size[axis] = (n - 1) * factor + 1;
  return tf.slice(
    tf.reshape(stacked, shape),
    shape.map(() => 0),
    size,
  );
}

/**
 * Inserts d − 1 zeros between the taps of a kernel along its first `dilation.length` axes, so that
 * an undilated convolution with the result equals the dilated convolution with `kernel`.
 * Differentiable (gradients reach the original taps). tfjs has no gradients for dilated
 * convolutions, so the layers convolve with dilated kernels instead.
 */
export function dilateKernel(kernel: tf.Tensor, dilation: number[]): tf.Tensor {
  return dilation.reduce((w, d, axis) => interleaveZeros(w, axis, d), kernel);
}

/**
 * Transposed 3D convolution (channels-last input, kernel (kd, kh, kw, outChannels, inChannels))
 * computed as a regular `tf.conv3d`, because tfjs registers no gradient for `conv3dTranspose`.
 *
 * @remarks
 * y[o] = Σ_{i, a : i·s + a − P = o} x[i]·w[a] with P the leading padding of the equivalent forward
 * convolution (`"same"`: ⌊max((in − 1)·s + k − out, 0)/2⌋, `"valid"`: 0). Equivalently: insert s − 1
 * zeros between inputs, pad by k − 1 − P before and out − (in − 1)·s − 1 + P after, and correlate
 * with the spatially flipped kernel whose channel axes are swapped.
 */
export function conv3dTransposeViaConv(
  x: tf.Tensor5D,
  kernel: tf.Tensor5D,
  outSpatial: number[],
  strides: number[],
  padding: string,
): tf.Tensor5D {
  let u: tf.Tensor = x;
  const paddings: Array<[number, number]> = [[0, 0]];
  for (let i = 0; i < 3; i++) {
    const n = x.shape[i + 1];
    const k = kernel.shape[i];
    const s = strides[i];
    const out = outSpatial[i];
    const lead = padding === "same" ? Math.floor(Math.max((n - 1) * s + k - out, 0) / 2) : 0;
    u = interleaveZeros(u, i + 1, s);
    const before = k - 1 - lead;
    const after = out - (n - 1) * s - 1 + lead;
    if (before < 0 || after < 0) {
      throw new Error(`conv3dTranspose: output size ${out} is inconsistent with input ${n}, kernel ${k}, stride ${s}.`);
    }
    paddings.push([before, after]);
  }
  paddings.push([0, 0]);
  const flipped = tf.transpose(tf.reverse(kernel, [0, 1, 2]), [0, 1, 2, 4, 3]) as tf.Tensor5D;
  return tf.conv3d(tf.pad(u, paddings) as tf.Tensor5D, flipped, 1, "valid");
}
