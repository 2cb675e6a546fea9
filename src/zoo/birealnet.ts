import type { SymbolicTensor } from "../utils/tfjs.js";
import { activation, add, avgPool, batchNorm, conv, dense, maxPool, quantConv } from "./blocks.js";
import { channels, defineZooModel, globalPool, type ZooModelFactory } from "./common.js";

function residualBlock(x: SymbolicTensor, outFilters: number): SymbolicTensor {
  const inFilters = channels(x);
  let shortcut = x;
  if (inFilters !== outFilters) {
    shortcut = avgPool(shortcut, 2, 2, "same");
    shortcut = conv(shortcut, { filters: outFilters, kernelSize: 1, kernelInitializer: "glorotNormal", useBias: false });
    shortcut = batchNorm(shortcut, { momentum: 0.8 });
  }
  x = quantConv(x, {
    filters: outFilters,
    kernelSize: [3, 3],
    strides: outFilters === inFilters ? 1 : 2,
    padding: "same",
    inputQuantizer: "approx_sign",
    kernelQuantizer: "magnitude_aware_sign",
    kernelInitializer: "glorotNormal",
    kernelConstraint: "weight_clip",
    useBias: false,
  });
  x = batchNorm(x, { momentum: 0.8 });
  return add([x, shortcut]);
}

/**
 * Bi-Real Net 18 (larq-zoo `literature.BiRealNet`). ImageNet: 57.47 % top-1, 11,699,112 parameters
 * (Keras `count_params`, equal to `model.countParams()`), 4.03 MiB.
 *
 * @remarks
 * Float 7x7/2 conv (64) → BN → 3x3/2 max pool, then 16 residual blocks (4 per width 64, 128, 256, 512),
 * each a binary 3x3 conv (ApproxSign inputs, MagnitudeAwareSign kernels, WeightClip) → BN with an
 * identity shortcut around every conv; width changes use a 2x2 average pool → 1x1 conv → BN shortcut.
 * Batch norms use momentum 0.8. Head: global average pool → dense → softmax.
 * Reference: Liu et al., "Bi-Real Net" (arXiv:1808.00278).
 */
export const biRealNet: ZooModelFactory = defineZooModel("birealnet18", ({ input, includeTop, numClasses }) => {
  const filters = 64;
  let out = conv(input, { filters, kernelSize: 7, strides: 2, kernelInitializer: "glorotNormal", padding: "same", useBias: false });
  out = batchNorm(out, { momentum: 0.8 });
  out = maxPool(out, 3, 2, "same");
  out = residualBlock(out, filters);
  for (let i = 0; i < 3; i++) out = residualBlock(out, channels(out));
  for (let s = 0; s < 3; s++) {
    out = residualBlock(out, 2 * channels(out));
    for (let i = 0; i < 3; i++) out = residualBlock(out, channels(out));
  }
  if (includeTop) {
    out = globalPool(out);
    out = dense(out, { units: numClasses });
    out = activation(out, "softmax");
  }
  return out;
});
