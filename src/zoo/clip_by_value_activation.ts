import * as tf from "@tensorflow/tfjs-core";

import { Activation } from "../activations/base.js";
import { registerSerializableAliases } from "../quantizers/registry.js";
import { Layer, type Kwargs, type LayerArgs } from "../utils/tfjs.js";
import { checkLayerArgs } from "../layers/args.js";
import { registerLayer } from "../utils/serialization.js";

/**
 * The activation DoReFa-Net applies before its classifier: clips to [0, 1] (larq-zoo's
 * `clip_by_value_activation`). A layer because tfjs' `Activation` accepts built-in names only.
 *
 * @remarks
 * y = min(max(x, 0), 1); gradient 1 inside (0, 1), 0 outside.
 */
export class ClipByValueActivation extends Layer {
  /** @nocollapse */
  static className = "ClipByValueActivation";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([]);

  constructor(args: LayerArgs = {}) {
    checkLayerArgs(new.target, args);
    super(args);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs?: Kwargs): tf.Tensor {
    return tf.tidy(() => tf.clipByValue(Array.isArray(inputs) ? inputs[0] : inputs, 0, 1));
  }

  override computeOutputShape<S>(inputShape: S): S {
    return inputShape;
  }
}
registerLayer(ClipByValueActivation);

/** Factory form of {@link ClipByValueActivation}. */
export function clipByValueActivation(args: LayerArgs = {}): ClipByValueActivation {
  return new ClipByValueActivation(args);
}

/**
 * larq-zoo's `clip_by_value_activation` as a tfjs activation, so that `Activation(clip_by_value_activation)` in a
 * model saved by Python larq-zoo (DoReFa-Net; Keras writes it `{class_name: "function", config:
 * "clip_by_value_activation"}`) loads: y = min(max(x, 0), 1).
 *
 * @example
 * ```ts
 * tf.layers.activation({ activation: "clip_by_value_activation" as never });
 * ```
 */
export class ClipByValue extends Activation {
  /** @nocollapse */
  static readonly className = "clipByValueActivation";

  override apply(x: tf.Tensor): tf.Tensor {
    return tf.clipByValue(x, 0, 1);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
registerLayer(ClipByValue);
registerSerializableAliases(ClipByValue as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>, [
  "clip_by_value_activation",
]);
