import * as tf from "@tensorflow/tfjs-core";

import { approxSign } from "../quantizers/approx_sign.js";
import { dorefa } from "../quantizers/dorefa.js";
import { magnitudeAwareSign } from "../quantizers/magnitude_aware_sign.js";
import { registerSerializableAliases, toCamelCase } from "../quantizers/registry.js";
import { steHeaviside } from "../quantizers/ste_heaviside.js";
import { steSign } from "../quantizers/ste_sign.js";
import { steTern } from "../quantizers/ste_tern.js";
import { swishSign } from "../quantizers/swish_sign.js";
import { Activation, registerActivationFunction, type ActivationFunction } from "./base.js";

/**
 * larq's quantizer names usable as tfjs activations (`activation: "ste_sign"`), each applying the
 * quantizer's function form with its default arguments, as Keras does with larq's quantizer classes.
 */
export const QUANTIZER_ACTIVATIONS: Readonly<Record<string, ActivationFunction>> = Object.freeze({
  ste_sign: (x: tf.Tensor) => steSign(x),
  approx_sign: approxSign,
  swish_sign: (x: tf.Tensor) => swishSign(x),
  ste_heaviside: (x: tf.Tensor) => steHeaviside(x),
  ste_tern: (x: tf.Tensor) => steTern(x),
  magnitude_aware_sign: (x: tf.Tensor) => magnitudeAwareSign(x),
  dorefa_quantizer: (x: tf.Tensor) => dorefa(x),
});

const functionForms: Record<string, ActivationFunction> = {
  ste_sign: steSign,
  approx_sign: approxSign,
  swish_sign: swishSign,
  ste_heaviside: steHeaviside,
  ste_tern: steTern,
  magnitude_aware_sign: magnitudeAwareSign,
  dorefa_quantizer: dorefa,
};

for (const [name, fn] of Object.entries(QUANTIZER_ACTIVATIONS)) {
  const className = toCamelCase(name);
  // tfjs stores activations by class name (camelCase in memory, snake_case in saved JSON).
  const QuantizerActivation = class extends Activation {
    static readonly className = className;
    override apply(x: tf.Tensor): tf.Tensor {
      return fn(x);
    }
    override getConfig(): tf.serialization.ConfigDict {
      return {};
    }
  };
  const serializable = QuantizerActivation as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>;
  tf.serialization.registerClass(serializable);
  registerSerializableAliases(serializable, [name]);
  registerActivationFunction(functionForms[name], className);
}
