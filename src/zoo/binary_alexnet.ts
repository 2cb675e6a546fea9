import * as tfl from "@tensorflow/tfjs-layers";

import type { SymbolicTensor } from "../utils/tfjs.js";
import { activation, batchNorm, maxPool, quantConv, quantDense } from "./blocks.js";
import { defineZooModel, type ZooModelFactory } from "./common.js";

const bn = (x: SymbolicTensor): SymbolicTensor => batchNorm(x, { scale: false, momentum: 0.9 });

function convBlock(x: SymbolicTensor, features: number, kernelSize: number, strides = 1, pool = false, firstLayer = false): SymbolicTensor {
  x = quantConv(x, {
    filters: features,
    kernelSize,
    strides,
    padding: "same",
    inputQuantizer: firstLayer ? null : "ste_sign",
    kernelQuantizer: "ste_sign",
    kernelConstraint: "weight_clip",
    useBias: false,
  });
  if (pool) x = maxPool(x, 3, 2);
  return bn(x);
}

function denseBlock(x: SymbolicTensor, units: number): SymbolicTensor {
  x = quantDense(x, { units, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip", useBias: false });
  return bn(x);
}

/**
 * Binary AlexNet (larq-zoo `literature.BinaryAlexNet`; Hubara et al., "Binarized Neural Networks").
 * ImageNet: 36.30 % top-1, 61,859,192 parameters (Keras `count_params`), 7.49 MiB.
 *
 * @remarks
 * Binary convs (SteSign kernels, WeightClip; SteSign inputs except in the first layer), each followed by
 * BN without scale: 11x11/4 (64) → 3x3/2 pool, 5x5 (192) → pool, 3x3 (384), 3x3 (384), 3x3 (256) → pool.
 * Head: flatten → binary dense 4096 → BN → binary dense 4096 → BN → binary dense (classes) → BN → softmax.
 */
export const binaryAlexNet: ZooModelFactory = defineZooModel("binary_alexnet", ({ input, includeTop, numClasses }) => {
  let out = convBlock(input, 64, 11, 4, true, true);
  out = convBlock(out, 192, 5, 1, true);
  out = convBlock(out, 384, 3);
  out = convBlock(out, 384, 3);
  out = convBlock(out, 256, 3, 1, true);
  if (includeTop) {
    out = tfl.layers.flatten().apply(out) as SymbolicTensor;
    out = denseBlock(out, 4096);
    out = denseBlock(out, 4096);
    out = denseBlock(out, numClasses);
    out = activation(out, "softmax");
  }
  return out;
});
