/**
 * The float layer classes of tfjs-layers that the quantized layers extend.
 *
 * tfjs-layers only exports factories (`tf.layers.conv2d`), not the classes, and deep imports into its
 * `dist` folder fail under Node ESM. Each class is therefore recovered from the `constructor` of a
 * throw-away instance. The probes get explicit names so that they do not advance tfjs' automatic
 * name counters (a user's first `tf.layers.conv2d()` is still called `conv2d_Conv2D1`).
 *
 * @packageDocumentation
 */
import type * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import type { Kwargs, Layer, Shape } from "../utils/tfjs.js";

/** A trainable variable of a tfjs layer (`tf.LayerVariable`). */
export type LayerVariable = tfl.LayerVariable;

/** Constructor arguments of `tf.layers.dense`. */
export type DenseLayerArgs = Parameters<typeof tfl.layers.dense>[0];
/** Constructor arguments of `tf.layers.conv1d/conv2d/conv3d` and the transposed convolutions. */
export type ConvLayerArgs = Parameters<typeof tfl.layers.conv2d>[0];
/** Constructor arguments of `tf.layers.depthwiseConv2d`. */
export type DepthwiseConv2DLayerArgs = Parameters<typeof tfl.layers.depthwiseConv2d>[0];
/** Constructor arguments of `tf.layers.separableConv2d`. */
export type SeparableConvLayerArgs = Parameters<typeof tfl.layers.separableConv2d>[0];

/** An activation object as stored by tfjs layers. */
export interface ActivationLike {
  apply(x: tf.Tensor): tf.Tensor;
  getClassName(): string;
}

/**
 * The (partly protected or private in tfjs' typings) fields of the tfjs float layers that larq-ts
 * reads. All are set by the tfjs constructors; which ones exist depends on the class.
 */
export interface FloatLayerFields {
  /** Spatial rank of a convolution (1, 2 or 3). */
  rank: number;
  /** Kernel size per spatial axis. */
  kernelSize: number[];
  /** Strides per spatial axis. */
  strides: number[];
  /** Padding mode: `"valid"`, `"same"` or (1D) `"causal"`. */
  padding: string;
  /** Layout of the inputs and outputs. */
  dataFormat: "channelsFirst" | "channelsLast";
  /** Dilation per spatial axis (a number on some tfjs layers). */
  dilationRate: number[] | number;
  /** The activation applied to the output. */
  activation: ActivationLike;
  /** Whether a bias is added. */
  useBias: boolean;
  /** Output channels of a convolution. */
  filters: number;
  /** Output units of Dense. */
  units: number;
  /** Channel multiplier of depthwise and separable convolutions. */
  depthMultiplier: number;
  /** The weights (null before `build`). */
  kernel: LayerVariable | null;
  depthwiseKernel: LayerVariable | null;
  pointwiseKernel: LayerVariable | null;
  bias: LayerVariable | null;
  /** tfjs initializer, constraint and regularizer objects of the weights. */
  kernelInitializer: unknown;
  depthwiseInitializer: unknown;
  pointwiseInitializer: unknown;
  kernelConstraint: unknown;
  depthwiseConstraint: unknown;
  pointwiseConstraint: unknown;
  biasConstraint: unknown;
  kernelRegularizer: unknown;
  depthwiseRegularizer: unknown;
  pointwiseRegularizer: unknown;
  /** tfjs' Layer.addWeight (protected in its typings; made public by the larq-ts bases). */
  addWeight(
    name: string,
    shape: Shape,
    dtype?: tf.DataType,
    initializer?: unknown,
    regularizer?: unknown,
    trainable?: boolean,
    constraint?: unknown,
    getInitializerFunc?: unknown,
  ): LayerVariable;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
}

/** A tfjs float layer instance with the fields larq-ts reads. */
export type FloatLayer = Layer & FloatLayerFields;

/** Constructor type of a recovered tfjs float layer class. */
export type FloatLayerClass = (new (args: any) => FloatLayer) & { className: string };

function recover(probe: Layer): FloatLayerClass {
  return probe.constructor as unknown as FloatLayerClass;
}

const probeName = "larq_ts_class_probe";

/** tfjs-layers' `Dense` class. */
export const Dense = recover(tfl.layers.dense({ units: 1, name: probeName }));
/** tfjs-layers' `Conv1D` class. */
export const Conv1D = recover(tfl.layers.conv1d({ filters: 1, kernelSize: 1, name: probeName }));
/** tfjs-layers' `Conv2D` class. */
export const Conv2D = recover(tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: probeName }));
/** tfjs-layers' `Conv3D` class. */
export const Conv3D = recover(tfl.layers.conv3d({ filters: 1, kernelSize: 1, name: probeName }));
/** tfjs-layers' `Conv2DTranspose` class. */
export const Conv2DTranspose = recover(tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 1, name: probeName }));
/** tfjs-layers' `Conv3DTranspose` class. */
export const Conv3DTranspose = recover(tfl.layers.conv3dTranspose({ filters: 1, kernelSize: 1, name: probeName }));
/** tfjs-layers' `DepthwiseConv2D` class. */
export const DepthwiseConv2D = recover(tfl.layers.depthwiseConv2d({ kernelSize: 1, name: probeName }));
/** tfjs-layers' `SeparableConv2D` class. */
export const SeparableConv2D = recover(tfl.layers.separableConv2d({ filters: 1, kernelSize: 1, name: probeName }));

/**
 * Resolves an initializer identifier (`"glorotUniform"`, `{className, config}`, an instance) to a
 * tfjs `Initializer` the way tfjs layers do (tfjs does not export its `getInitializer`).
 */
export function resolveInitializer(identifier: unknown): unknown {
  const probe = new Dense({ units: 1, kernelInitializer: identifier, name: probeName });
  return probe.kernelInitializer;
}
