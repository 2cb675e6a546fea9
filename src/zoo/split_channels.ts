import * as tf from "@tensorflow/tfjs-core";

import { checkNumber, invalidArgument } from "../utils/errors.js";
import { Layer, type Kwargs, type LayerArgs, type Shape } from "../utils/tfjs.js";
import { checkLayerArgs } from "../layers/args.js";
import { registerLayer } from "../utils/serialization.js";

/** Arguments of {@link SplitChannels}. */
export interface SplitChannelsArgs extends LayerArgs {
  /** Number of equal parts to split the last axis into (≥ 1). */
  groups: number;
}

/**
 * Splits the channel (last) axis into `groups` equal parts, one output tensor per part (larq-zoo
 * wraps `tf.split(x, groups, axis=-1)` for MeliusNet's grouped stem convolutions).
 *
 * @remarks
 * For C channels and g groups, output i holds channels [i·C/g, (i+1)·C/g). C must be divisible by g.
 * Config keys: `groups`.
 */
export class SplitChannels extends Layer {
  /** @nocollapse */
  static className = "SplitChannels";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze(["groups"]);
  /** Number of parts. */
  readonly groups: number;

  constructor(args: SplitChannelsArgs) {
    checkLayerArgs(new.target, args);
    super(args);
    this.groups = checkNumber("groups", args?.groups, { integer: true, min: 1 }) as number;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = shape[shape.length - 1];
    if (typeof c !== "number" || c % this.groups !== 0) {
      invalidArgument("inputShape", shape, `a known channel count divisible by groups=${this.groups}`);
    }
    return Array.from({ length: this.groups }, () => [...shape.slice(0, -1), c / this.groups]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs?: Kwargs): tf.Tensor[] {
    return tf.tidy(() => tf.split(Array.isArray(inputs) ? inputs[0] : inputs, this.groups, -1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups };
  }
}
registerLayer(SplitChannels);

/** Factory form of {@link SplitChannels}. */
export function splitChannels(args: SplitChannelsArgs): SplitChannels {
  return new SplitChannels(args);
}
