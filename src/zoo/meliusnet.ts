import { WeightClip } from "../constraints/index.js";
import { SteSign } from "../quantizers/index.js";
import type { SymbolicTensor } from "../utils/tfjs.js";
import { activation, batchNorm, concat, conv, dense, maxPool, quantConv } from "./blocks.js";
import { defineZooModel, globalPool, type ZooModelFactory } from "./common.js";
import { PaddedAdd } from "./padded_add.js";
import { SplitChannels } from "./split_channels.js";

const norm = (x: SymbolicTensor, name: string): SymbolicTensor => batchNorm(x, { momentum: 0.9, epsilon: 1e-5, name });
const pool = (x: SymbolicTensor, name: string): SymbolicTensor => maxPool(x, 2, 2, "same", name);

function binaryConv(x: SymbolicTensor, filters: number, name: string): SymbolicTensor {
  return quantConv(x, {
    filters,
    kernelSize: 3,
    strides: 1,
    padding: "same",
    useBias: false,
    inputQuantizer: new SteSign({ clipValue: 1.3 }),
    kernelQuantizer: new SteSign({ clipValue: 1.3 }),
    kernelConstraint: new WeightClip({ clipValue: 1.3 }),
    kernelInitializer: "glorotNormal",
    name,
  });
}

function groupConv(x: SymbolicTensor, filters: number, kernelSize: number, groups: number, name: string): SymbolicTensor {
  const parts = new SplitChannels({ groups, name: `${name}_split` }).apply(x) as SymbolicTensor[];
  const outputs = parts.map((part, i) =>
    conv(part, {
      filters: filters / groups,
      kernelSize,
      padding: "same",
      useBias: false,
      kernelInitializer: "glorotNormal",
      name: `${name}_conv${i}`,
    }),
  );
  return concat(outputs, `${name}_concat`);
}

function groupStem(x: SymbolicTensor, name: string): SymbolicTensor {
  x = conv(x, {
    filters: 32,
    kernelSize: 3,
    strides: 2,
    padding: "same",
    useBias: false,
    kernelInitializer: "glorotNormal",
    name: `${name}_s0_conv`,
  });
  x = activation(norm(x, `${name}_s0_bn`), "relu", `${name}_s0_relu`);
  x = activation(norm(groupConv(x, 32, 3, 4, `${name}_s1_groupconv`), `${name}_s1_bn`), "relu", `${name}_s1_relu`);
  x = activation(norm(groupConv(x, 64, 3, 8, `${name}_s2_groupconv`), `${name}_s2_bn`), "relu", `${name}_s2_relu`);
  return pool(x, `${name}_pool`);
}

function block(x: SymbolicTensor, name: string): SymbolicTensor {
  // Dense part: 64 new binary features appended to the input.
  x = concat([x, binaryConv(norm(x, `${name}_dense_bn`), 64, `${name}_dense_binconv`)], `${name}_dense_concat`);
  // Improvement part: a binary conv refines the 64 newest channels.
  const w = binaryConv(norm(x, `${name}_improve_bn`), 64, `${name}_improve_binconv`);
  return new PaddedAdd({ name: `${name}_improve_merge` }).apply([x, w]) as SymbolicTensor;
}

function transitionBlock(x: SymbolicTensor, filters: number, name: string): SymbolicTensor {
  x = activation(pool(norm(x, `${name}_bn`), `${name}_maxpool`), "relu", `${name}_relu`);
  return conv(x, { filters, kernelSize: 1, useBias: false, kernelInitializer: "glorotNormal", name: `${name}_pw` });
}

/**
 * MeliusNet22 (larq-zoo `literature.MeliusNet22`). ImageNet: 62.4 % top-1, 6,944,584 parameters and
 * 3.88 MiB (larq summary convention; batch norms count 2 per channel).
 *
 * @remarks
 * Grouped stem: 3x3/2 conv (32) → BN → ReLU → grouped 3x3 conv (32, 4 groups) → BN → ReLU → grouped
 * 3x3 conv (64, 8 groups) → BN → ReLU → 2x2/2 max pool. Sections of 4, 5, 4, 4 blocks; a block is a
 * dense part (BN → binary 3x3 conv with 64 filters, concatenated) and an improvement part (BN → binary
 * 3x3 conv with 64 filters added onto the newest 64 channels), with SteSign(1.3)/WeightClip(1.3).
 * Transitions (to 160, 224, 256 channels): BN → 2x2/2 max pool → ReLU → 1x1 conv. Final BN → ReLU
 * (512 channels); head: global average pool → dense → softmax. Layers carry larq-zoo's names
 * (`stem_s1_groupconv_conv0`, `section_0_block_0_dense_binconv`, `head_dense`, …).
 * Reference: Bethge et al., "MeliusNet" (arXiv:2001.05936).
 */
export const meliusNet22: ZooModelFactory = defineZooModel("meliusnet22", ({ input, includeTop, numClasses }) => {
  const numBlocks = [4, 5, 4, 4];
  const transitionFeatures: (number | null)[] = [160, 224, 256, null];
  let x = groupStem(input, "stem");
  numBlocks.forEach((n, i) => {
    for (let j = 0; j < n; j++) x = block(x, `section_${i}_block_${j}`);
    const f = transitionFeatures[i];
    if (f) x = transitionBlock(x, f, `section_${i}_transition`);
  });
  x = activation(norm(x, "head_bn"), "relu", "head_relu");
  if (includeTop) {
    x = globalPool(x, "head_globalpool");
    x = dense(x, { units: numClasses, kernelInitializer: "glorotNormal", name: "head_dense" });
    x = activation(x, "softmax", "head_softmax");
  }
  return x;
});
