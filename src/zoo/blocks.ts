/**
 * Thin helpers that apply the layers the zoo architectures are made of, so that each model file
 * reads like larq-zoo's definition. Quantized layers come from lq.layers; plain Keras layers
 * from tfjs-layers. Layers without a given name get the default name Keras gives them
 * (`batch_normalization`, `batch_normalization_1`, …) rather than tfjs' (`batch_normalization_BatchNormalization1`),
 * so that summaries list the layer names larq-zoo models have.
 */
import * as tfl from "@tensorflow/tfjs-layers";

import * as lqLayers from "../layers/index.js";
import { uniqueLayerName } from "../utils/naming.js";
import type { SymbolicTensor } from "../utils/tfjs.js";

/** `name`, else the next Keras default name for a layer of class `className`. */
export function kerasName(className: string, name?: string): string {
  return name ?? uniqueLayerName(className);
}

type Initializer = Parameters<typeof tfl.layers.conv2d>[0]["kernelInitializer"];
type Regularizer = Parameters<typeof tfl.layers.conv2d>[0]["kernelRegularizer"];

/** Arguments of {@link quantConv} (a subset of `lq.layers.quantConv2d`'s). */
export interface ZooConvArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number;
  padding?: "same" | "valid";
  dilationRate?: number;
  activation?: "relu" | "linear";
  useBias?: boolean;
  inputQuantizer?: unknown;
  kernelQuantizer?: unknown;
  kernelConstraint?: unknown;
  kernelInitializer?: Initializer;
  kernelRegularizer?: Regularizer;
  padValues?: number;
  name?: string;
}

/** Applies `lq.layers.quantConv2d(args)` to `x`. */
export function quantConv(x: SymbolicTensor, args: ZooConvArgs): SymbolicTensor {
  const layer = lqLayers.quantConv2d(args as Parameters<typeof lqLayers.quantConv2d>[0]);
  return layer.apply(x) as SymbolicTensor;
}

/** Arguments of {@link quantDense} (a subset of `lq.layers.quantDense`'s). */
export interface ZooDenseArgs {
  units: number;
  useBias?: boolean;
  inputQuantizer?: unknown;
  kernelQuantizer?: unknown;
  kernelConstraint?: unknown;
  kernelInitializer?: Initializer;
  name?: string;
}

/** Applies `lq.layers.quantDense(args)` to `x`. */
export function quantDense(x: SymbolicTensor, args: ZooDenseArgs): SymbolicTensor {
  const layer = lqLayers.quantDense(args as Parameters<typeof lqLayers.quantDense>[0]);
  return layer.apply(x) as SymbolicTensor;
}

/** Applies `lq.layers.quantDepthwiseConv2d(args)` (no quantizers: a float depthwise conv) to `x`. */
export function quantDepthwise(
  x: SymbolicTensor,
  args: { kernelSize: number; strides?: number; padding?: "same" | "valid"; useBias?: boolean },
): SymbolicTensor {
  const layer = lqLayers.quantDepthwiseConv2d(args as Parameters<typeof lqLayers.quantDepthwiseConv2d>[0]);
  return layer.apply(x) as SymbolicTensor;
}

/** A float `Conv2D`. */
export function conv(
  x: SymbolicTensor,
  args: {
    filters: number;
    kernelSize: number;
    strides?: number;
    padding?: "same" | "valid";
    useBias?: boolean;
    kernelInitializer?: Initializer;
    kernelRegularizer?: Regularizer;
    name?: string;
  },
): SymbolicTensor {
  return tfl.layers.conv2d({ ...args, name: kerasName("Conv2D", args.name) }).apply(x) as SymbolicTensor;
}

/** A float `Dense`. */
export function dense(
  x: SymbolicTensor,
  args: {
    units: number;
    activation?: "relu" | "sigmoid" | "linear";
    useBias?: boolean;
    kernelInitializer?: Initializer;
    kernelRegularizer?: Regularizer;
    name?: string;
  },
): SymbolicTensor {
  return tfl.layers.dense({ ...args, name: kerasName("Dense", args.name) }).apply(x) as SymbolicTensor;
}

/**
 * `BatchNormalization`; Keras' defaults (momentum 0.99, epsilon 1e-3, center and scale) unless given.
 *
 * @remarks
 * The architectures keep larq-zoo's setting (often `scale: false`) so that parameter counts match. tfjs-layers
 * 4.22 alone runs such a layer in inference but throws in training (it reads a gamma it never creates); the
 * `batchNormalizationFix` effect of `lq.effects`, installed on import of `larq-ts` (not of `larq-ts/core`),
 * makes it train, so these models train with `model.fit` too.
 */
export function batchNorm(
  x: SymbolicTensor,
  args: { momentum?: number; epsilon?: number; scale?: boolean; center?: boolean; name?: string } = {},
): SymbolicTensor {
  return tfl.layers
    .batchNormalization({ momentum: 0.99, epsilon: 1e-3, ...args, name: kerasName("BatchNormalization", args.name) })
    .apply(x) as SymbolicTensor;
}

/** An `Activation` layer (`"relu"`, `"softmax"`, or `"linear"` for an identity that only names a tensor). */
export function activation(x: SymbolicTensor, kind: "relu" | "softmax" | "linear", name?: string): SymbolicTensor {
  return tfl.layers.activation({ activation: kind, name: kerasName("Activation", name) }).apply(x) as SymbolicTensor;
}

/** `MaxPool2D` (Keras default padding "valid", strides = pool size unless given). */
export function maxPool(
  x: SymbolicTensor,
  poolSize: number,
  strides?: number,
  padding: "same" | "valid" = "valid",
  name?: string,
): SymbolicTensor {
  return tfl.layers
    .maxPooling2d({ poolSize, strides: strides ?? poolSize, padding, name: kerasName("MaxPooling2D", name) })
    .apply(x) as SymbolicTensor;
}

/** `AvgPool2D` (Keras default padding "valid", strides = pool size unless given). */
export function avgPool(
  x: SymbolicTensor,
  poolSize: number,
  strides?: number,
  padding: "same" | "valid" = "valid",
  name?: string,
): SymbolicTensor {
  return tfl.layers
    .averagePooling2d({ poolSize, strides: strides ?? poolSize, padding, name: kerasName("AveragePooling2D", name) })
    .apply(x) as SymbolicTensor;
}

/** Element-wise sum (`tf.keras.layers.add`). */
export function add(inputs: SymbolicTensor[], name?: string): SymbolicTensor {
  return tfl.layers.add({ name: kerasName("Add", name) }).apply(inputs) as SymbolicTensor;
}

/** Channel concatenation (`tf.keras.layers.concatenate`). */
export function concat(inputs: SymbolicTensor[], name?: string): SymbolicTensor {
  return tfl.layers.concatenate({ axis: -1, name: kerasName("Concatenate", name) }).apply(inputs) as SymbolicTensor;
}

/** `PReLU` with one slope per channel (`shared_axes=[1, 2]`). */
export function prelu(x: SymbolicTensor, name?: string): SymbolicTensor {
  return tfl.layers.prelu({ sharedAxes: [1, 2], name: kerasName("PReLU", name) }).apply(x) as SymbolicTensor;
}

/** A `Flatten` layer. */
export function flatten(x: SymbolicTensor, name?: string): SymbolicTensor {
  return tfl.layers.flatten({ name: kerasName("Flatten", name) }).apply(x) as SymbolicTensor;
}

/** A `Reshape` layer to `targetShape` (per example; one entry may be −1). */
export function reshape(x: SymbolicTensor, targetShape: number[], name?: string): SymbolicTensor {
  return tfl.layers.reshape({ targetShape, name: kerasName("Reshape", name) }).apply(x) as SymbolicTensor;
}

/** Python 3's `round`: to the nearest integer, ties to even. */
export function pyRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The stem shared by BinaryResNetE and BinaryDenseNet (Bethge et al.): for inputs lower than 50
 * pixels a single 3x3 conv (64); otherwise a 7x7/2 conv (64) → BN → ReLU → 3x3/2 max pool, followed
 * by one more BN when `trailingNorm` (BinaryResNetE).
 */
export function backToSimplicityStem(input: SymbolicTensor, trailingNorm: boolean): SymbolicTensor {
  const height = input.shape[1];
  if (typeof height === "number" && height < 50) {
    return conv(input, { filters: 64, kernelSize: 3, padding: "same", kernelInitializer: "heNormal", useBias: false });
  }
  let x = conv(input, { filters: 64, kernelSize: 7, strides: 2, padding: "same", kernelInitializer: "heNormal", useBias: false });
  x = batchNorm(x, { momentum: 0.9, epsilon: 1e-5 });
  x = activation(x, "relu");
  x = maxPool(x, 3, 2, "same");
  return trailingNorm ? batchNorm(x, { momentum: 0.9, epsilon: 1e-5 }) : x;
}
