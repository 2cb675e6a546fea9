import * as tfl from "@tensorflow/tfjs-layers";

import type { SymbolicTensor } from "../utils/tfjs.js";
import { activation, batchNorm, conv, dense, flatten, maxPool, quantConv } from "./blocks.js";
import { defineZooModel, type ZooModelFactory } from "./common.js";
import "./xnor_weight_scale.js";

/** XNOR-Net's weight decay: L2 with factor 5e-7 on every kernel (loss += 5e-7 · Σw²). */
const regularizer = () => tfl.regularizers.l2({ l2: 5e-7 });

function binaryConv(x: SymbolicTensor, filters: number, kernelSize: number, padding: "same" | "valid"): SymbolicTensor {
  return quantConv(x, {
    filters,
    kernelSize: [kernelSize, kernelSize],
    strides: 1,
    padding,
    kernelQuantizer: "xnor_weight_scale",
    inputQuantizer: "ste_sign",
    kernelConstraint: "weight_clip",
    useBias: false,
    kernelRegularizer: regularizer(),
  });
}

const bn = (x: SymbolicTensor, epsilon = 1e-4): SymbolicTensor => batchNorm(x, { momentum: 0.9, scale: false, epsilon });

/**
 * XNOR-Net (larq-zoo `literature.XNORNet`), an AlexNet-style network with scaled binary weights.
 * ImageNet: 44.96 % top-1, 62,396,768 parameters (Keras `count_params`), 22.81 MiB.
 *
 * @remarks
 * Float 11x11/4 conv (96) → BN → ReLU → 3x3/2 max pool → BN, then binary convs (SteSign inputs,
 * {@link xnorWeightScale} kernels, WeightClip, L2 5e-7): 5x5 (256) → pool → BN → 3x3 (384) → BN →
 * 3x3 (384) → BN → 3x3 (256) → pool → BN → 6x6 valid (4096) → BN. Head: 1x1 binary conv (4096) → BN →
 * ReLU → flatten → dense without bias (L2 5e-7) → softmax. Batch norms have no scale. The 6x6 valid
 * conv needs inputs of at least about 217x217 pixels.
 * Reference: Rastegari et al., "XNOR-Net" (arXiv:1603.05279).
 */
export const xnorNet: ZooModelFactory = defineZooModel("xnornet", ({ input, includeTop, numClasses }) => {
  let x = conv(input, { filters: 96, kernelSize: 11, strides: 4, padding: "same", useBias: false, kernelRegularizer: regularizer() });
  x = bn(x, 1e-5);
  x = activation(x, "relu");
  x = maxPool(x, 3, 2);
  x = bn(x);
  x = binaryConv(x, 256, 5, "same");
  x = maxPool(x, 3, 2);
  x = bn(x);
  x = binaryConv(x, 384, 3, "same");
  x = bn(x);
  x = binaryConv(x, 384, 3, "same");
  x = bn(x);
  x = binaryConv(x, 256, 3, "same");
  x = maxPool(x, 3, 2);
  x = bn(x);
  x = binaryConv(x, 4096, 6, "valid");
  x = bn(x);
  if (includeTop) {
    // A 1x1 binary convolution in place of a dense layer.
    x = binaryConv(x, 4096, 1, "valid");
    x = bn(x, 1e-3);
    x = activation(x, "relu");
    x = flatten(x);
    x = dense(x, { units: numClasses, useBias: false, kernelRegularizer: regularizer() });
    x = activation(x, "softmax");
  }
  return x;
});
