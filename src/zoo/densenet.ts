import { WeightClip } from "../constraints/index.js";
import { SteSign } from "../quantizers/index.js";
import type { SymbolicTensor } from "../utils/tfjs.js";
import { activation, backToSimplicityStem, batchNorm, concat, conv, dense, maxPool, pyRound, quantConv } from "./blocks.js";
import { channels, defineZooModel, globalPool, type ZooModelFactory } from "./common.js";

/** The configuration that distinguishes the BinaryDenseNet variants. */
interface DenseNetSpec {
  reduction: number[];
  dilationRate: number[];
  layers: number[];
}

function denselyConnectedBlock(x: SymbolicTensor, dilationRate: number): SymbolicTensor {
  let y = batchNorm(x, { momentum: 0.9, epsilon: 1e-5 });
  y = quantConv(y, {
    filters: 64,
    kernelSize: 3,
    dilationRate,
    inputQuantizer: new SteSign({ clipValue: 1.3 }),
    kernelQuantizer: new SteSign({ clipValue: 1.3 }),
    kernelInitializer: "glorotNormal",
    kernelConstraint: new WeightClip({ clipValue: 1.3 }),
    padding: "same",
    useBias: false,
  });
  return concat([x, y]);
}

function buildDenseNet(spec: DenseNetSpec) {
  return ({ input, includeTop, numClasses }: { input: SymbolicTensor; includeTop: boolean; numClasses: number }) => {
    let x = backToSimplicityStem(input, false);
    spec.layers.forEach((layersPerBlock, block) => {
      for (let i = 0; i < layersPerBlock; i++) x = denselyConnectedBlock(x, spec.dilationRate[block]);
      if (block < spec.layers.length - 1) {
        x = batchNorm(x, { momentum: 0.9, epsilon: 1e-5 });
        if (spec.dilationRate[block + 1] === 1) x = maxPool(x, 2, 2);
        x = activation(x, "relu");
        // larq-zoo: round(C // reduction / 32) * 32 (Python floor division, then round half to even).
        const filters = pyRound(Math.floor(channels(x) / spec.reduction[block]) / 32) * 32;
        x = conv(x, { filters, kernelSize: 1, kernelInitializer: "heNormal", useBias: false });
      }
    });
    x = batchNorm(x, { momentum: 0.9, epsilon: 1e-5 });
    x = activation(x, "relu");
    if (includeTop) {
      x = globalPool(x);
      x = dense(x, { units: numClasses, kernelInitializer: "heNormal" });
      x = activation(x, "softmax");
    }
    return x;
  };
}

/**
 * BinaryDenseNet28 (larq-zoo `literature.BinaryDenseNet28`):
 * 5,150,504 parameters (Keras `count_params`).
 *
 * @remarks
 * Stem: float 7x7/2 conv (64) → BN → ReLU → 3x3/2 max pool (inputs with height < 50: one 3x3 conv).
 * Dense blocks of 6, 6, 6, 5 layers; each layer is BN → binary 3x3 conv with 64 filters (SteSign clip
 * 1.3, WeightClip 1.3) concatenated to its input. Between blocks: BN → 2x2 max pool → ReLU → 1x1 conv
 * reducing the width by 2.7, 2.7, 2.2 (rounded to a multiple of 32). Final BN → ReLU (576 channels);
 * head: global average pool → dense → softmax. Reference: Bethge et al., "Back to Simplicity"
 * (arXiv:1906.08637).
 */
export const binaryDenseNet28: ZooModelFactory = defineZooModel(
  "binary_densenet28",
  buildDenseNet({ reduction: [2.7, 2.7, 2.2], dilationRate: [1, 1, 1, 1], layers: [6, 6, 6, 5] }),
);

/**
 * BinaryDenseNet37 (larq-zoo `literature.BinaryDenseNet37`): blocks of 6, 8, 12, 6 layers, reductions
 * 3.3, 3.3, 4; 640 final channels. 8,734,120 parameters (Keras `count_params`).
 */
export const binaryDenseNet37: ZooModelFactory = defineZooModel(
  "binary_densenet37",
  buildDenseNet({ reduction: [3.3, 3.3, 4], dilationRate: [1, 1, 1, 1], layers: [6, 8, 12, 6] }),
);

/**
 * BinaryDenseNet37Dilated (larq-zoo `literature.BinaryDenseNet37Dilated`): {@link binaryDenseNet37}
 * with dilation rates 1, 1, 2, 4 instead of the last two max pools (output stride 16 instead of 32).
 */
export const binaryDenseNet37Dilated: ZooModelFactory = defineZooModel(
  "binary_densenet37_dilated",
  buildDenseNet({ reduction: [3.3, 3.3, 4], dilationRate: [1, 1, 2, 4], layers: [6, 8, 12, 6] }),
);

/**
 * BinaryDenseNet45 (larq-zoo `literature.BinaryDenseNet45`): blocks of 6, 12, 14, 8 layers, reductions
 * 2.7, 3.3, 4; 800 final channels. 13,939,240 parameters (Keras `count_params`).
 */
export const binaryDenseNet45: ZooModelFactory = defineZooModel(
  "binary_densenet45",
  buildDenseNet({ reduction: [2.7, 3.3, 4], dilationRate: [1, 1, 1, 1], layers: [6, 12, 14, 8] }),
);
