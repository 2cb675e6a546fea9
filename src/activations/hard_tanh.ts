import * as tf from "@tensorflow/tfjs-core";

import { registerSerializableAliases } from "../quantizers/registry.js";
import { Activation, registerActivationFunction } from "./base.js";
import { registerLayer } from "../utils/serialization.js";

/**
 * Hard tanh activation: clips its input to [-1, 1] (larq's `hard_tanh`).
 *
 * @remarks
 * hardTanh(x) = max(-1, min(1, x)). Gradient 1 on [-1, 1] (boundaries included, as TensorFlow's
 * `clip_by_value`), 0 outside.
 *
 * @example
 * ```ts
 * lq.activations.hardTanh(tf.tensor([-3, 0.5, 2])).print(); // [-1, 0.5, 1]
 * ```
 */
export function hardTanh(x: tf.Tensor): tf.Tensor {
  return tf.clipByValue(x, -1, 1);
}

/**
 * {@link hardTanh} as a tfjs activation, so that tfjs layers accept `activation: "hard_tanh"` (or
 * `"hardTanh"`); tfjs stores it as `"hardTanh"` and saves it as `"hard_tanh"`, larq's name.
 *
 * @remarks
 * TypeScript: tfjs types `activation` as a union of its built-in names, so pass
 * `"hard_tanh" as ActivationIdentifier`-style casts (e.g. `as never`) or an instance of this class
 * (also through a cast). At run time both work.
 *
 * @example
 * ```ts
 * tf.layers.dense({ units: 8, activation: "hard_tanh" as never });
 * ```
 */
export class HardTanh extends Activation {
  /** @nocollapse */
  static readonly className = "hardTanh";

  override apply(x: tf.Tensor): tf.Tensor {
    return hardTanh(x);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
registerLayer(HardTanh);
registerSerializableAliases(HardTanh as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>, ["hard_tanh"]);
registerActivationFunction(hardTanh, HardTanh.className);
