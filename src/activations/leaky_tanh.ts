import * as tf from "@tensorflow/tfjs-core";

import { registerSerializableAliases } from "../quantizers/registry.js";
import { checkArgNames } from "../utils/args.js";
import { checkNumber } from "../utils/errors.js";
import { Activation, registerActivationFunction } from "./base.js";
import { registerLayer } from "../utils/serialization.js";

/**
 * Leaky tanh activation: hard tanh with slope `alpha` instead of 0 outside [-1, 1] (larq's
 * `leaky_tanh`).
 *
 * @remarks
 * leakyTanh(x) = clip(x, -1, 1) + α·(max(x, 1) - 1) + α·(min(x, -1) + 1), i.e. x on [-1, 1],
 * 1 + α(x - 1) above and -1 + α(x + 1) below. Gradient 1 inside, α outside (at x = ±1 the
 * gradients of the three terms add up to 1 + α, as in TensorFlow).
 *
 * @param x - input tensor.
 * @param alpha - slope outside [-1, 1]; default 0.2.
 * @example
 * ```ts
 * lq.activations.leakyTanh(tf.tensor([-3, 0.5, 2])).print(); // [-1.4, 0.5, 1.2]
 * ```
 */
export function leakyTanh(x: tf.Tensor, alpha = 0.2): tf.Tensor {
  return tf.tidy(() =>
    tf.add(tf.add(tf.clipByValue(x, -1, 1), tf.mul(tf.sub(tf.maximum(x, 1), 1), alpha)), tf.mul(tf.add(tf.minimum(x, -1), 1), alpha)),
  );
}

/** Arguments of {@link LeakyTanh}. */
export interface LeakyTanhArgs {
  /** Slope outside [-1, 1]. Default 0.2. */
  alpha?: number;
}

/**
 * {@link leakyTanh} as a tfjs activation, so that tfjs layers accept `activation: "leaky_tanh"`
 * (or `"leakyTanh"`); tfjs stores it as `"leakyTanh"` and saves it as `"leaky_tanh"`.
 *
 * @remarks
 * tfjs saves a layer's activation by name only, so a layer always reloads with the default
 * α = 0.2 (as a Keras string activation would); a different α works in memory
 * (`new LeakyTanh({ alpha: 0.1 })`) but is not saved. TypeScript needs a cast, as for
 * {@link HardTanh}.
 */
export class LeakyTanh extends Activation {
  /** @nocollapse */
  static readonly className = "leakyTanh";
  /** Slope outside [-1, 1]. */
  readonly alpha: number;

  constructor(args: LeakyTanhArgs = {}) {
    super();
    checkArgNames("LeakyTanh", args, ["alpha"]);
    this.alpha = checkNumber("alpha", (args ?? {}).alpha === undefined ? 0.2 : args.alpha) as number;
  }

  override apply(x: tf.Tensor): tf.Tensor {
    return leakyTanh(x, this.alpha);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { alpha: this.alpha };
  }
}
registerLayer(LeakyTanh);
registerSerializableAliases(LeakyTanh as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>, [
  "leaky_tanh",
]);
registerActivationFunction(leakyTanh as (x: tf.Tensor) => tf.Tensor, LeakyTanh.className);
