import * as tf from "@tensorflow/tfjs-core";

import { invalidArgument } from "../utils/errors.js";
import { Layer, type Kwargs, type LayerArgs, type Shape } from "../utils/tfjs.js";
import { checkLayerArgs } from "../layers/args.js";
import { registerLayer } from "../utils/serialization.js";

/**
 * MeliusNet's improvement-block merge: adds the second input to the *last* channels of the first
 * (larq-zoo: `x + tf.pad(w, [[0,0],[0,0],[0,0],[C_x - C_w, 0]])`).
 *
 * @remarks
 * For x with C_x channels and w with C_w ≤ C_x channels: y[..., c] = x[..., c] for c < C_x − C_w and
 * y[..., c] = x[..., c] + w[..., c − (C_x − C_w)] otherwise. Output shape = shape of x.
 */
export class PaddedAdd extends Layer {
  /** @nocollapse */
  static className = "PaddedAdd";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([]);

  constructor(args: LayerArgs = {}) {
    checkLayerArgs(new.target, args);
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      invalidArgument("inputShape", inputShape, "two input shapes [x, w]");
    }
    const [x, w] = inputShape as Shape[];
    const cx = x[x.length - 1];
    const cw = w[w.length - 1];
    if (typeof cx !== "number" || typeof cw !== "number" || cw > cx) {
      invalidArgument("inputShape", inputShape, "known channel counts with w having at most as many channels as x");
    }
    return x;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs?: Kwargs): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) {
      throw new Error(`PaddedAdd expects two input tensors [x, w], received ${Array.isArray(inputs) ? inputs.length : 1}.`);
    }
    const [x, w] = inputs;
    return tf.tidy(() => {
      const lead = x.shape[x.rank - 1] - w.shape[w.rank - 1];
      const padding = x.shape.map((_, i) => (i === x.rank - 1 ? [lead, 0] : [0, 0])) as Array<[number, number]>;
      return tf.add(x, tf.pad(w, padding));
    });
  }
}
registerLayer(PaddedAdd);

/** Factory form of {@link PaddedAdd}. */
export function paddedAdd(args: LayerArgs = {}): PaddedAdd {
  return new PaddedAdd(args);
}
