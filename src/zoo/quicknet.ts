import * as tfl from "@tensorflow/tfjs-layers";

import { WeightClip } from "../constraints/index.js";
import { SteSign } from "../quantizers/index.js";
import type { SymbolicTensor } from "../utils/tfjs.js";
import { BlurPoolInitializer } from "./blurpool_initializer.js";
import { activation, add, batchNorm, maxPool, quantConv, quantDense, quantDepthwise } from "./blocks.js";
import { channels, defineZooModel, globalPool, type ResolvedZooArgs, type ZooModelFactory } from "./common.js";

/** Binary 3x3 convolution of the residual blocks: SteSign(1.25) inputs and kernels, WeightClip(1.25), pads with +1. */
function binaryConv(x: SymbolicTensor, filters: number): SymbolicTensor {
  return quantConv(x, {
    filters,
    kernelSize: [3, 3],
    activation: "relu",
    inputQuantizer: new SteSign({ clipValue: 1.25 }),
    kernelQuantizer: new SteSign({ clipValue: 1.25 }),
    kernelConstraint: new WeightClip({ clipValue: 1.25 }),
    kernelInitializer: "glorotNormal",
    padding: "same",
    padValues: 1.0,
    useBias: false,
  });
}

function stem(x: SymbolicTensor, filters: number): SymbolicTensor {
  x = quantConv(x, {
    filters: filters / 4,
    kernelSize: [3, 3],
    kernelInitializer: "heNormal",
    padding: "same",
    strides: 2,
    useBias: false,
  });
  x = batchNorm(x);
  x = activation(x, "relu");
  x = quantDepthwise(x, { kernelSize: 3, padding: "same", strides: 2, useBias: false });
  x = batchNorm(x, { scale: false, center: false });
  x = quantConv(x, { filters, kernelSize: 1, kernelInitializer: "heNormal", useBias: false });
  return batchNorm(x);
}

function residualBlock(x: SymbolicTensor): SymbolicTensor {
  const residual = x;
  x = binaryConv(x, channels(x));
  x = batchNorm(x, { momentum: 0.9, epsilon: 1e-5 });
  return add([x, residual]);
}

function transitionBlock(x: SymbolicTensor, filters: number, strides: number): SymbolicTensor {
  x = activation(x, "relu");
  x = maxPool(x, strides, 1);
  x = tfl.layers
    .depthwiseConv2d({
      kernelSize: 3,
      depthwiseInitializer: new BlurPoolInitializer() as unknown as "zeros",
      padding: "same",
      strides,
      trainable: false,
      useBias: false,
    })
    .apply(x) as SymbolicTensor;
  x = quantConv(x, { filters, kernelSize: [1, 1], kernelInitializer: "glorotNormal", useBias: false });
  return batchNorm(x, { momentum: 0.9, epsilon: 1e-5 });
}

function buildQuickNet(sectionBlocks: number[], sectionFilters: number[]) {
  return ({ input, includeTop, numClasses }: ResolvedZooArgs): SymbolicTensor => {
    let x = stem(input, sectionFilters[0]);
    sectionBlocks.forEach((layers, block) => {
      const filters = sectionFilters[block];
      for (let layer = 0; layer < layers; layer++) {
        if (filters !== channels(x)) {
          const strides = block === 0 || layer !== 0 ? 1 : 2;
          x = transitionBlock(x, filters, strides);
        }
        x = residualBlock(x);
      }
    });
    if (includeTop) {
      x = activation(x, "relu");
      x = globalPool(x);
      x = quantDense(x, { units: numClasses, kernelInitializer: "glorotNormal" });
      x = activation(x, "softmax");
    }
    return x;
  };
}

/**
 * QuickNet (larq-zoo `sota.QuickNet`): a binary ResNet-style network designed for fast inference
 * with Larq Compute Engine. ImageNet: 63.3 % top-1, 13,234,088 parameters, 4.17 MiB.
 *
 * @remarks
 * Stem: float 3x3/2 conv (16) → BN → ReLU → 3x3/2 depthwise → BN → 1x1 conv (64) → BN. Four sections
 * of 4 residual blocks (64, 128, 256, 512 filters); each block is a binary 3x3 conv (SteSign with
 * clip 1.25 on inputs and kernels, WeightClip 1.25, `padValues: 1`, ReLU) → BN → add. Sections are
 * joined by a transition: ReLU → 2x2/1 max pool → fixed blur-pool 3x3/2 depthwise conv → 1x1 conv → BN.
 * Head: ReLU → global average pool → dense → softmax. The parameter count quoted above follows
 * larq's summary convention (batch norms count 2 per channel); `model.countParams()` counts all
 * four batch-norm vectors.
 *
 * @example
 * ```ts
 * const model = lq.zoo.quickNet();                                   // random init, 224x224x3
 * const features = lq.zoo.quickNet({ includeTop: false, inputShape: [null, null, 3] });
 * const pretrained = await lq.zoo.quickNet({ weights: { path: "./quicknet", sha256: "…" } });
 * ```
 */
export const quickNet: ZooModelFactory = defineZooModel("quicknet", buildQuickNet([4, 4, 4, 4], [64, 128, 256, 512]));

/**
 * QuickNetSmall (larq-zoo `sota.QuickNetSmall`): {@link quickNet} with section widths 32, 64, 256, 512.
 * ImageNet: 59.4 % top-1, 12,655,688 parameters (larq summary convention), 4.00 MiB.
 */
export const quickNetSmall: ZooModelFactory = defineZooModel("quicknet_small", buildQuickNet([4, 4, 4, 4], [32, 64, 256, 512]));

/**
 * QuickNetLarge (larq-zoo `sota.QuickNetLarge`): {@link quickNet} with 6, 8, 12, 6 blocks per section.
 * ImageNet: 66.9 % top-1, 23,342,248 parameters (larq summary convention), 5.40 MiB.
 */
export const quickNetLarge: ZooModelFactory = defineZooModel("quicknet_large", buildQuickNet([6, 8, 12, 6], [64, 128, 256, 512]));
