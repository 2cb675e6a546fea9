import type { SymbolicTensor } from "../utils/tfjs.js";
import { activation, batchNorm, flatten, maxPool, quantConv, reshape } from "./blocks.js";
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

/** A fully connected layer written as a 1x1 binary convolution on a 1x1 map, then BN (larq-zoo ≥ 2.1). */
function denseBlock(x: SymbolicTensor, units: number): SymbolicTensor {
  x = quantConv(x, {
    filters: units,
    kernelSize: 1,
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    kernelConstraint: "weight_clip",
    useBias: false,
  });
  return bn(x);
}

/** Elements per example of a feature map, or −1 (let Reshape infer it) when a dimension is unknown. */
function flatSize(x: SymbolicTensor): number {
  const dims = x.shape.slice(1);
  return dims.every((d): d is number => typeof d === "number") ? dims.reduce((a, b) => a * b, 1) : -1;
}

/**
 * Binary AlexNet (larq-zoo `literature.BinaryAlexNet`; Hubara et al., "Binarized Neural Networks").
 * ImageNet: 36.30 % top-1, 61,859,192 parameters (Keras `count_params`), 7.49 MiB.
 *
 * @remarks
 * Binary convs (SteSign kernels, WeightClip; SteSign inputs except in the first layer), each followed by
 * BN without scale: 11x11/4 (64) → 3x3/2 pool, 5x5 (192) → pool, 3x3 (384), 3x3 (384), 3x3 (256) → pool.
 * Head as larq-zoo builds it since 2.1 (the layout its published weights have): reshape the 6x6x256 map
 * to 1x1x9216 → 1x1 binary conv 4096 → BN → 1x1 binary conv 4096 → BN → 1x1 binary conv (classes) → BN →
 * flatten → softmax. A 1x1 convolution on a 1x1 map is a dense layer, so the weights and outputs are
 * those of the older Flatten → QuantDense head, with kernels of shape [1, 1, in, out].
 * Layers carry Keras' default names (`quant_conv2d_5`, `reshape`, `flatten`, …).
 */
export const binaryAlexNet: ZooModelFactory = defineZooModel("binary_alexnet", ({ input, includeTop, numClasses }) => {
  let out = convBlock(input, 64, 11, 4, true, true);
  out = convBlock(out, 192, 5, 1, true);
  out = convBlock(out, 384, 3);
  out = convBlock(out, 384, 3);
  out = convBlock(out, 256, 3, 1, true);
  if (includeTop) {
    out = reshape(out, [1, 1, flatSize(out)]);
    out = denseBlock(out, 4096);
    out = denseBlock(out, 4096);
    out = denseBlock(out, numClasses);
    out = flatten(out);
    out = activation(out, "softmax");
  }
  return out;
});
