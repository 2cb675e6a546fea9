import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { invalidArgument } from "../utils/errors.js";
import { registerLayer } from "../utils/serialization.js";

/**
 * tfjs-layers' abstract `Initializer` base class (not exported by name; recovered from a built-in
 * initializer so that layers accept instances of subclasses).
 */
const Initializer = Object.getPrototypeOf(tfl.initializers.zeros().constructor) as abstract new () => {
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor;
  getConfig(): tf.serialization.ConfigDict;
  getClassName(): string;
};

/** The binomial filter taps for the supported kernel sizes. */
const TAPS: Record<number, number[]> = { 2: [1, 1], 3: [1, 2, 1], 5: [1, 4, 6, 4, 1] };

/**
 * Initializer of QuickNet's anti-aliased ("blur-pool") downsampling: every channel of a depthwise
 * kernel gets the same normalised binomial blur filter (larq-zoo's `blurpool_initializer`).
 *
 * @remarks
 * For taps b (k=2: [1,1]; k=3: [1,2,1]; k=5: [1,4,6,4,1]) the filter is K[i,j] = b[i]·b[j] / (Σb)²,
 * repeated over the channel axis and reshaped to the requested kernel shape
 * `[k, k, channels, depthMultiplier]`. Kernel sizes other than 2, 3 and 5 throw. Used with a
 * non-trainable `depthwiseConv2d` after a stride-1 max pool; reference: Zhang, "Making Convolutional
 * Networks Shift-Invariant Again" (arXiv:1904.11486).
 *
 * @example
 * ```ts
 * tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: "same", useBias: false,
 *   trainable: false, depthwiseInitializer: new lq.zoo.BlurPoolInitializer() });
 * ```
 */
export class BlurPoolInitializer extends Initializer {
  /** @nocollapse */
  static className = "BlurPoolInitializer";

  override apply(shape: number[], dtype: tf.DataType = "float32"): tf.Tensor {
    if (!Array.isArray(shape) || shape.length < 3) {
      invalidArgument("shape", shape, "a kernel shape [k, k, channels, ...]");
    }
    const ksize = shape[0];
    const taps = TAPS[ksize];
    if (taps === undefined || shape[1] !== ksize) {
      invalidArgument("shape", shape, "a square kernel of size 2, 3 or 5");
    }
    const filters = shape[2];
    const total = taps.reduce((a, b) => a + b, 0) ** 2;
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== ksize * ksize * filters) {
      invalidArgument("shape", shape, "a depthwise kernel shape [k, k, channels, 1]");
    }
    const values = new Float32Array(size);
    for (let i = 0; i < ksize; i++) {
      for (let j = 0; j < ksize; j++) {
        const v = (taps[i] * taps[j]) / total;
        for (let c = 0; c < filters; c++) values[(i * ksize + j) * filters + c] = v;
      }
    }
    return tf.tensor(values, shape, dtype);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
registerLayer(BlurPoolInitializer);

/**
 * The same initializer under larq-zoo's registered name, so that Keras models converted to tfjs
 * (where `"blurpool_initializer"` arrives camel-cased as `"blurpoolInitializer"`) load.
 */
class BlurpoolInitializerAlias extends BlurPoolInitializer {
  /** @nocollapse */
  static override className = "blurpoolInitializer";
}
registerLayer(BlurpoolInitializerAlias);

/** Factory form of {@link BlurPoolInitializer}. */
export function blurPoolInitializer(): BlurPoolInitializer {
  return new BlurPoolInitializer();
}
