/**
 * Keras 2 objects that tfjs-layers 4.22 cannot deserialize by the names Python Keras writes. The `kerasLoading`
 * effect of `lq.effects` (installed on import of `larq-ts`, not of `larq-ts/core`) registers them under those
 * names, so that models saved by Python larq / larq-zoo and converted with tensorflowjs_converter load.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

type Config = tf.serialization.ConfigDict;

/** The tfjs L1L2 regularizer class, recovered from an instance (tfjs does not export the class). */
const L1L2 = Object.getPrototypeOf(tfl.regularizers.l1l2({ l1: 0, l2: 0 })).constructor as new (args: {
  l1?: number;
  l2?: number;
}) => RegularizerInstance;

/** What tfjs's regularizer instances provide. */
interface RegularizerInstance {
  apply(x: tf.Tensor): tf.Scalar;
  getConfig(): Config;
}

/**
 * Keras's `L2` regularizer (`{class_name: "L2", config: {l2}}`): penalty `l2 · Σ w²`, tfjs's `l1l2({l2})`.
 *
 * @remarks Keras's default factor is 0.01.
 */
export class KerasL2 extends L1L2 {
  /** @nocollapse */
  static className = "L2";
  constructor(args: { l2?: number } = {}) {
    super({ l1: 0, l2: args.l2 ?? 0.01 });
  }
  /** Restores `{l2}` (tfjs hands the config over as is). */
  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: Config): T {
    return new cls({ l2: config.l2 as number }) as T;
  }
}

/**
 * Keras's `L1` regularizer (`{class_name: "L1", config: {l1}}`): penalty `l1 · Σ |w|`, tfjs's `l1l2({l1})`.
 *
 * @remarks Keras's default factor is 0.01.
 */
export class KerasL1 extends L1L2 {
  /** @nocollapse */
  static className = "L1";
  constructor(args: { l1?: number } = {}) {
    super({ l1: args.l1 ?? 0.01, l2: 0 });
  }
  /** Restores `{l1}`. */
  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: Config): T {
    return new cls({ l1: config.l1 as number }) as T;
  }
}

/**
 * larq-zoo's `BinaryDenseNet` models are Keras functional models of their own class; their config is a
 * functional model's, so they load as a plain `tf.LayersModel`.
 */
export class BinaryDenseNetModel extends tfl.LayersModel {
  /** @nocollapse */
  static override className = "BinaryDenseNet";
}
