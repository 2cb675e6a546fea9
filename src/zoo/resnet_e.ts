import { WeightClip } from "../constraints/index.js";
import { SteSign } from "../quantizers/index.js";
import type { SymbolicTensor } from "../utils/tfjs.js";
import { activation, add, avgPool, backToSimplicityStem, batchNorm, conv, dense, quantConv } from "./blocks.js";
import { channels, defineZooModel, globalPool, type ZooModelFactory } from "./common.js";

function residualBlock(x: SymbolicTensor, filters: number, strides: number): SymbolicTensor {
  let residual = x;
  if (channels(x) !== filters) {
    residual = avgPool(x, 2, 2);
    residual = conv(residual, { filters, kernelSize: 1, useBias: false, kernelInitializer: "glorotNormal" });
    residual = batchNorm(residual, { momentum: 0.9, epsilon: 1e-5 });
  }
  x = quantConv(x, {
    filters,
    kernelSize: 3,
    strides,
    padding: "same",
    inputQuantizer: new SteSign({ clipValue: 1.25 }),
    kernelQuantizer: new SteSign({ clipValue: 1.25 }),
    kernelConstraint: new WeightClip({ clipValue: 1.25 }),
    kernelInitializer: "glorotNormal",
    useBias: false,
  });
  x = batchNorm(x, { momentum: 0.9, epsilon: 1e-5 });
  return add([x, residual]);
}

/**
 * Binary ResNet-E 18 (larq-zoo `literature.BinaryResNetE18`). ImageNet: 58.32 % top-1,
 * 11,699,368 parameters (Keras `count_params`), 4.03 MiB.
 *
 * @remarks
 * Stem: float 7x7/2 conv (64) → BN → ReLU → 3x3/2 max pool → BN (inputs with height < 50 get a single
 * 3x3/1 conv instead). Then 16 single-conv residual blocks (4 per width 64, 128, 256, 512): binary 3x3
 * conv (SteSign clip 1.25, WeightClip 1.25) → BN → add; width changes use a 2x2 average pool → 1x1
 * conv → BN shortcut. Final ReLU; head: global average pool → dense → softmax.
 * Reference: Bethge et al., "Back to Simplicity" (arXiv:1906.08637).
 */
export const binaryResNetE18: ZooModelFactory = defineZooModel("binary_resnet_e_18", ({ input, includeTop, numClasses }) => {
  let x = backToSimplicityStem(input, true);
  const layers = [2, 2, 2, 2];
  const widths = [64, 128, 256, 512];
  layers.forEach((n, block) => {
    for (let layer = 0; layer < n * 2; layer++) {
      const strides = block === 0 || layer !== 0 ? 1 : 2;
      x = residualBlock(x, widths[block], strides);
    }
  });
  x = activation(x, "relu");
  if (includeTop) {
    x = globalPool(x);
    x = dense(x, { units: numClasses, kernelInitializer: "glorotNormal" });
    x = activation(x, "softmax");
  }
  return x;
});
