/**
 * Keras's `groups` argument of Conv1D/2D/3D on tfjs, whose convolutions have no grouped form.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { invalidArgument } from "../utils/errors.js";
import type { Kwargs, Shape } from "../utils/tfjs.js";
import { biasAndActivation, fromChannelsLast, toChannelsLast } from "./conv_utils.js";
import type { FloatLayer } from "./tfjs_classes.js";

/** Arguments added by {@link groupedConv}. */
export interface GroupsArgs {
  /**
   * Number of groups the input channels are split into, each convolved with its own `filters / groups`
   * filters (Keras's `groups`). Default 1. Must divide `filters` and the number of input channels.
   */
  groups?: number;
}

/** The public field added by {@link groupedConv}. */
export interface GroupedConvFields {
  /** Number of channel groups (1: an ordinary convolution). */
  groups: number;
}

type Constructor<T> = new (...args: any[]) => T;

function convolve(
  rank: number,
  x: tf.Tensor,
  kernel: tf.Tensor,
  strides: number[],
  padding: "valid" | "same",
  dilation: number[],
): tf.Tensor {
  if (rank === 1) return tf.conv1d(x as tf.Tensor3D, kernel as tf.Tensor3D, strides[0], padding, "NWC", dilation[0]);
  if (rank === 2) {
    return tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides as [number, number], padding, "NHWC", dilation as [number, number]);
  }
  return tf.conv3d(
    x as tf.Tensor5D,
    kernel as tf.Tensor5D,
    strides as [number, number, number],
    padding,
    "NDHWC",
    dilation as [number, number, number],
  );
}

/**
 * Mixin: adds Keras's grouped convolution (`groups`) to a tfjs Conv1D/2D/3D class.
 *
 * @remarks
 * With G groups, C input channels and F filters, the kernel has shape (…k, C/G, F) (Keras's shape) and
 * y[…, g·F/G + f] = conv(x[…, g·C/G : (g+1)·C/G], W[…, :, g·F/G + f]) for g < G, f < F/G: the input
 * channels and the kernel's filters are split into G equal parts, each part convolved separately
 * (`tf.split`, one tfjs convolution per group, `tf.concat`), then the bias and the activation are applied.
 * Every step has a tfjs gradient. G = 1 leaves the float layer untouched. `filters % G` is checked when
 * the layer is created, `C % G` when it is built; both throw naming `groups`. `getConfig` adds `groups`.
 * Apply {@link paddedConv} on top, so that explicit and causal padding and dilation reach the grouped
 * convolution as "valid"/"same" with undilated (zero-dilated) kernels.
 */
export function groupedConv<TBase extends Constructor<FloatLayer>>(Base: TBase): TBase & Constructor<FloatLayer & GroupedConvFields> {
  abstract class GroupedConvBase extends Base implements GroupedConvFields {
    declare groups: number;

    constructor(...params: any[]) {
      const { groups, ...rest } = (params[0] ?? {}) as Record<string, unknown>;
      const value = groups === undefined || groups === null ? 1 : groups;
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1) invalidArgument("groups", groups, "a positive integer");
      if (typeof rest.filters === "number" && rest.filters % value !== 0) {
        invalidArgument("groups", groups, `a positive integer that divides filters (${rest.filters})`);
      }
      super(rest, ...params.slice(1));
      this.groups = value;
    }

    /** Builds the float layer as if the input had C/G channels (the kernel's shape), then restores the input spec to C. */
    override build(inputShape: Shape | Shape[]): void {
      if (this.groups === 1) {
        super.build(inputShape);
        return;
      }
      const shape = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)];
      const channelAxis = this.dataFormat === "channelsFirst" ? 1 : shape.length - 1;
      const channels = shape[channelAxis];
      if (typeof channels !== "number" || channels % this.groups !== 0) {
        invalidArgument("groups", this.groups, `a divisor of the number of input channels (${channels})`);
      }
      shape[channelAxis] = channels / this.groups;
      super.build(shape);
      this.inputSpec = [{ ndim: shape.length, axes: { [channelAxis]: channels } }] as unknown as typeof this.inputSpec;
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      if (this.groups === 1) return super.call(inputs, kwargs);
      return tf.tidy(() => {
        const x = toChannelsLast(Array.isArray(inputs) ? inputs[0] : inputs, this.dataFormat);
        const kernel = this.kernel!.read();
        const rank = kernel.rank - 2;
        const dilation = typeof this.dilationRate === "number" ? new Array<number>(rank).fill(this.dilationRate) : this.dilationRate;
        const parts = tf.split(x, this.groups, x.rank - 1);
        const kernels = tf.split(kernel, this.groups, kernel.rank - 1);
        const padding = this.padding as "valid" | "same";
        const y = tf.concat(
          parts.map((part, g) => convolve(rank, part, kernels[g], this.strides, padding, dilation)),
          x.rank - 1,
        );
        return fromChannelsLast(biasAndActivation(this, y), this.dataFormat);
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), groups: this.groups };
    }
  }
  return GroupedConvBase as unknown as TBase & Constructor<FloatLayer & GroupedConvFields>;
}
