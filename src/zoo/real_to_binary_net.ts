import * as tfl from "@tensorflow/tfjs-layers";

import type { SymbolicTensor } from "../utils/tfjs.js";
import { add, avgPool, batchNorm, conv, dense, maxPool, prelu, quantConv } from "./blocks.js";
import { channels, defineZooModel, globalPool, type ZooModelFactory } from "./common.js";

const MOMENTUM = 0.99;
const SCALING_R = 8;

function firstBlock(x: SymbolicTensor): SymbolicTensor {
  x = conv(x, { filters: 64, kernelSize: 7, strides: 2, kernelInitializer: "glorotNormal", padding: "same", useBias: false });
  x = batchNorm(x, { momentum: MOMENTUM });
  x = prelu(x);
  return maxPool(x, 3, 2, "same");
}

function shortcutConnection(x: SymbolicTensor, inChannels: number, outChannels: number): SymbolicTensor {
  if (inChannels === outChannels) return x;
  x = avgPool(x, 2, 2, "same");
  x = conv(x, { filters: outChannels, kernelSize: 1, kernelInitializer: "glorotNormal", useBias: false });
  return batchNorm(x, { momentum: MOMENTUM });
}

/**
 * The learned data-dependent rescaling of Real-to-Binary Net (squeeze-and-excitation style): channel
 * means of the conv input → dense (C_in/8, ReLU) → dense (C_out, sigmoid) → per-channel scale of the
 * binary conv output.
 */
function scaleBinaryConvOutput(convInput: SymbolicTensor, convOutput: SymbolicTensor): SymbolicTensor {
  const inFilters = channels(convInput);
  const outFilters = channels(convOutput);
  const z = globalPool(convInput);
  const reduced = dense(z, { units: Math.floor(inFilters / SCALING_R), activation: "relu", kernelInitializer: "heNormal", useBias: false });
  const expanded = dense(reduced, { units: outFilters, activation: "sigmoid", kernelInitializer: "heNormal", useBias: false });
  const scales = tfl.layers.reshape({ targetShape: [1, 1, outFilters] }).apply(expanded) as SymbolicTensor;
  return tfl.layers.multiply({}).apply([convOutput, scales]) as SymbolicTensor;
}

function halfBinaryBlock(x: SymbolicTensor, downsample: boolean): SymbolicTensor {
  const inChannels = channels(x);
  const outChannels = downsample ? inChannels * 2 : inChannels;
  const shortcut = shortcutConnection(x, inChannels, outChannels);
  const convInput = batchNorm(x, { momentum: MOMENTUM });
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
  });
  x = scaleBinaryConvOutput(convInput, convOutput);
  x = prelu(x);
  return add([x, shortcut]);
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
 * momentum 0.99. Head: global average pool → dense → softmax. (larq-zoo's identity `Lambda` that only
 * names each block's output is omitted: it has no effect on the computation.)
 * Reference: Martinez et al., "Training binary neural networks with real-to-binary convolutions" (ICLR 2020).
 */
export const realToBinaryNet: ZooModelFactory = defineZooModel("r2b_bnn", ({ input, includeTop, numClasses }) => {
  let x = firstBlock(input);
  for (let block = 2; block < 10; block++) {
    const downsample = block % 2 === 0 && block > 3;
    x = halfBinaryBlock(x, downsample);
    x = halfBinaryBlock(x, false);
  }
  if (includeTop) {
    x = globalPool(x);
    x = dense(x, { units: numClasses });
    x = tfl.layers.softmax().apply(x) as SymbolicTensor;
  }
  return x;
});
