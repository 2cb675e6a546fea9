import * as tfl from "@tensorflow/tfjs-layers";

import type { SymbolicTensor } from "../utils/tfjs.js";
import { activation, add, avgPool, batchNorm, conv, dense, maxPool, prelu, quantConv } from "./blocks.js";
import { channels, defineZooModel, globalPool, type ZooModelFactory } from "./common.js";

const MOMENTUM = 0.99;
const SCALING_R = 8;

function firstBlock(x: SymbolicTensor, name: string): SymbolicTensor {
  x = conv(x, {
    filters: 64,
    kernelSize: 7,
    strides: 2,
    kernelInitializer: "glorotNormal",
    padding: "same",
    useBias: false,
    name: `${name}_conv2d`,
  });
  x = batchNorm(x, { momentum: MOMENTUM, name: `${name}_batch_norm` });
  x = prelu(x, `${name}_prelu`);
  return maxPool(x, 3, 2, "same", `${name}_pool`);
}

function shortcutConnection(x: SymbolicTensor, inChannels: number, outChannels: number, name: string): SymbolicTensor {
  if (inChannels === outChannels) return x;
  x = avgPool(x, 2, 2, "same", `${name}_shortcut_pool`);
  x = conv(x, { filters: outChannels, kernelSize: 1, kernelInitializer: "glorotNormal", useBias: false, name: `${name}_shortcut_conv2d` });
  return batchNorm(x, { momentum: MOMENTUM, name: `${name}_shortcut_batch_norm` });
}

/**
 * The learned data-dependent rescaling of Real-to-Binary Net (squeeze-and-excitation style): channel
 * means of the conv input → dense (C_in/8, ReLU) → dense (C_out, sigmoid) → per-channel scale of the
 * binary conv output.
 */
function scaleBinaryConvOutput(convInput: SymbolicTensor, convOutput: SymbolicTensor, name: string): SymbolicTensor {
  const inFilters = channels(convInput);
  const outFilters = channels(convOutput);
  const z = globalPool(convInput, `${name}_scaling_pool`);
  const reduced = dense(z, {
    units: Math.floor(inFilters / SCALING_R),
    activation: "relu",
    kernelInitializer: "heNormal",
    useBias: false,
    name: `${name}_scaling_dense_reduce`,
  });
  const expanded = dense(reduced, {
    units: outFilters,
    activation: "sigmoid",
    kernelInitializer: "heNormal",
    useBias: false,
    name: `${name}_scaling_dense_expand`,
  });
  const scales = tfl.layers.reshape({ targetShape: [1, 1, outFilters], name: `${name}_scaling_reshape` }).apply(expanded) as SymbolicTensor;
  return tfl.layers.multiply({ name: `${name}_scaling_multiplication` }).apply([convOutput, scales]) as SymbolicTensor;
}

function halfBinaryBlock(x: SymbolicTensor, downsample: boolean, name: string): SymbolicTensor {
  const inChannels = channels(x);
  const outChannels = downsample ? inChannels * 2 : inChannels;
  const shortcut = shortcutConnection(x, inChannels, outChannels, name);
  const convInput = batchNorm(x, { momentum: MOMENTUM, name: `${name}_batch_norm` });
  const convOutput = quantConv(convInput, {
    filters: outChannels,
    kernelSize: 3,
    strides: downsample ? 2 : 1,
    padding: "same",
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    kernelConstraint: "weight_clip",
    kernelInitializer: "glorotNormal",
    useBias: false,
    name: `${name}_conv2d`,
  });
  x = scaleBinaryConvOutput(convInput, convOutput, name);
  x = prelu(x, `${name}_prelu`);
  return add([x, shortcut], `${name}_skip_add`);
}

/**
 * Real-to-Binary Net, BNN variant (larq-zoo `literature.RealToBinaryNet`). ImageNet: 65.01 % top-1;
 * 11,986,920 parameters and 5.13 MiB in larq's summary convention (batch norms count 2 per channel;
 * Keras `count_params` gives 11,995,624).
 *
 * @remarks
 * Stem: 7x7/2 conv (64) → BN → PReLU → 3x3/2 max pool. Eight blocks of two half-blocks (widths 64, 64,
 * 128, 128, 256, 256, 512, 512; the first half of blocks 4, 6, 8 halves the resolution and doubles the
 * width). A half-block: BN → binary 3x3 conv (SteSign inputs and kernels, WeightClip) → learned
 * data-dependent rescaling (global pool of the conv input → dense C/8 ReLU → dense sigmoid → multiply)
 * → PReLU → add shortcut (2x2 average pool → 1x1 conv → BN when the shape changes). Batch norms use
 * momentum 0.99. Each block ends in an identity layer named `r2b_bnn_block_<i>_out` (larq-zoo's
 * `Lambda`, a linear `Activation` here) for attention matching. Head: global average pool → dense →
 * softmax. Layers carry larq-zoo's names (`r2b_bnn_block_4a_conv2d`, `r2b_bnn_block_10_logits`, …).
 * Reference: Martinez et al., "Training binary neural networks with real-to-binary convolutions" (ICLR 2020).
 */
export const realToBinaryNet: ZooModelFactory = defineZooModel("r2b_bnn", ({ input, includeTop, numClasses }) => {
  const model = "r2b_bnn";
  let x = firstBlock(input, `${model}_block_1`);
  for (let block = 2; block < 10; block++) {
    const name = `${model}_block_${block}`;
    const downsample = block % 2 === 0 && block > 3;
    x = halfBinaryBlock(x, downsample, `${name}a`);
    x = halfBinaryBlock(x, false, `${name}b`);
    // An identity that names the block output (used for attention matching during distillation).
    x = activation(x, "linear", `${name}_out`);
  }
  if (includeTop) {
    x = globalPool(x, `${model}_block_10_global_pool`);
    x = dense(x, { units: numClasses, name: `${model}_block_10_logits` });
    x = tfl.layers.softmax({ name: `${model}_block_10_probs` }).apply(x) as SymbolicTensor;
  }
  return x;
});
