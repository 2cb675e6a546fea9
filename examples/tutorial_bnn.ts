/**
 * larq's MNIST tutorial BNN, shared by the demo, the training benchmark and the training tests.
 *
 * All quantized layers are bias-free with `ste_sign` kernels clipped by `weight_clip`; every layer but the
 * first also binarizes its input with `ste_sign`; every BatchNormalization has `scale: false`.
 */
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../src/index.js";

/** Options of {@link buildTutorialBnn}. */
export interface TutorialBnnOptions {
  /** false builds the same architecture in float (no quantizers, no constraint). Default true. */
  quantized?: boolean;
  /** Input shape. Default [28, 28, 1]. */
  inputShape?: number[];
}

/** Builds larq's MNIST tutorial BNN (or its float twin). */
export function buildTutorialBnn(options: TutorialBnnOptions = {}): tfl.Sequential {
  const quantized = options.quantized ?? true;
  const kernel = quantized ? { kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip", useBias: false } : { useBias: false };
  const input = quantized ? { inputQuantizer: "ste_sign" } : {};
  const bn = () => tfl.layers.batchNormalization({ scale: false });
  return tfl.sequential({
    layers: [
      lq.layers.quantConv2d({ filters: 32, kernelSize: 3, inputShape: options.inputShape ?? [28, 28, 1], ...kernel }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      bn(),
      lq.layers.quantConv2d({ filters: 64, kernelSize: 3, ...input, ...kernel }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      bn(),
      lq.layers.quantConv2d({ filters: 64, kernelSize: 3, ...input, ...kernel }),
      bn(),
      tfl.layers.flatten(),
      lq.layers.quantDense({ units: 64, ...input, ...kernel }),
      bn(),
      lq.layers.quantDense({ units: 10, ...input, ...kernel }),
      bn(),
      tfl.layers.activation({ activation: "softmax" }),
    ],
  });
}
