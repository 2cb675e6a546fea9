import * as tf from "@tensorflow/tfjs-core";

import { approxSign } from "../quantizers/approx_sign.js";
import { dorefa } from "../quantizers/dorefa.js";
import { magnitudeAwareSign } from "../quantizers/magnitude_aware_sign.js";
import { Quantizer, applyQuantizer, type QuantizerFunction } from "../quantizers/base.js";
import {
  findQuantizerFunction,
  get as getQuantizer,
  identifierClassName,
  quantizerFunctionName,
  registerSerializableAliases,
  serialize as serializeQuantizer,
  toCamelCase,
} from "../quantizers/registry.js";
import { steHeaviside } from "../quantizers/ste_heaviside.js";
import { steSign } from "../quantizers/ste_sign.js";
import { steTern } from "../quantizers/ste_tern.js";
import { swishSign } from "../quantizers/swish_sign.js";
import { describeValue } from "../utils/errors.js";
import { registerLayer } from "../utils/serialization.js";
import { Layer } from "../utils/tfjs.js";
import { Activation, isActivationClassName, registerActivationFunction, type ActivationFunction } from "./base.js";

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
  const NamedQuantizerActivation = class extends Activation {
    static readonly className = className;
    override apply(x: tf.Tensor): tf.Tensor {
      return fn(x);
    }
    override getConfig(): tf.serialization.ConfigDict {
      return {};
    }
  };
  const serializable = NamedQuantizerActivation as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>;
  registerLayer(NamedQuantizerActivation);
  registerSerializableAliases(serializable, [name]);
  registerActivationFunction(functionForms[name], className);
}

/**
 * A quantizer object or quantizer function used as a layer's `activation` (larq allows
 * `activation=lq.quantizers.SteSign()`): a tfjs `Activation` that applies the quantizer.
 *
 * @remarks
 * y = q(x) with q's forward value and pseudo-gradient. The quantized layers create this wrapper for
 * their `activation` argument and save it as Keras does: a quantizer object as
 * `{className, config}` (`lq.quantizers.serialize`, written `{"class_name": …, "config": {…}}`), a
 * registered quantizer function in Keras's function form
 * `{module: "builtins", className: "function", config: "ste_sign", registeredName: "function"}`;
 * both load back into this wrapper ({@link quantizerActivation}). `getClassName()` is the quantizer's
 * class or function name, so tfjs never mistakes it for one of its fused activations.
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantDense({ units: 8, activation: new lq.quantizers.SteSign({ clipValue: 2 }) });
 * (layer.getConfig().activation as { className: string }).className; // "SteSign"
 * ```
 */
export class QuantizerActivation extends Activation {
  /** @nocollapse */
  static readonly className = "QuantizerActivation";
  /** The quantizer applied as activation. */
  readonly quantizer: Quantizer | QuantizerFunction;

  constructor(quantizer: Quantizer | QuantizerFunction) {
    super();
    if (!(quantizer instanceof Quantizer) && typeof quantizer !== "function") {
      throw new Error(`Invalid activation quantizer: expected a Quantizer or a quantizer function, received ${describeValue(quantizer)}.`);
    }
    this.quantizer = quantizer;
  }

  override apply(x: tf.Tensor): tf.Tensor {
    return applyQuantizer(this.quantizer, x);
  }

  override getClassName(): string {
    const q = this.quantizer;
    return q instanceof Quantizer ? q.getClassName() : (quantizerFunctionName(q) ?? (q.name || "function"));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return this.quantizer instanceof Quantizer ? this.quantizer.getConfig() : {};
  }

  /**
   * The activation entry of a layer config, as Keras writes it: `{className, config}` for a quantizer
   * object, the serialized-function form for a registered quantizer function.
   *
   * @throws for a function that is not registered (`lq.quantizers.registerQuantizerFunction`).
   */
  serialize(): tf.serialization.ConfigDict {
    const q = this.quantizer;
    if (q instanceof Quantizer) return serializeQuantizer(q) as tf.serialization.ConfigDict;
    return { module: "builtins", className: "function", config: serializeQuantizer(q) as string, registeredName: "function" };
  }
}

/**
 * The {@link QuantizerActivation} for a layer's `activation` argument when it names a quantizer, else
 * `undefined` (the argument is then an ordinary activation for tfjs to resolve).
 *
 * @remarks
 * Quantizers are: a `Quantizer` or any other `tf.layers.Layer` instance (as `lq.quantizers.get`), a
 * registered quantizer function (`lq.quantizers.steSign`), Keras's serialized-function form naming
 * one (`{className: "function", config: "ste_sign"}`), and a `{className, config}` /
 * `{class_name, config}` object whose class is a quantizer (or a registered custom layer) rather than
 * a tfjs activation. Strings (`"ste_sign"`) stay tfjs activations, as before.
 */
export function quantizerActivation(identifier: unknown): QuantizerActivation | undefined {
  if (identifier instanceof QuantizerActivation) return identifier;
  if (identifier instanceof Layer) return new QuantizerActivation(getQuantizer(identifier) as Quantizer);
  if (typeof identifier === "function") {
    const fn = identifier as QuantizerFunction;
    return quantizerFunctionName(fn) !== undefined ? new QuantizerActivation(fn) : undefined;
  }
  const className = identifierClassName(identifier);
  if (className === undefined) return undefined;
  const config = (identifier as Record<string, unknown>).config;
  if (className === "function") {
    const fn = typeof config === "string" ? findQuantizerFunction(config) : undefined;
    return fn === undefined ? undefined : new QuantizerActivation(fn);
  }
  if (isActivationClassName(className)) return undefined;
  let quantizer: ReturnType<typeof getQuantizer>;
  try {
    quantizer = getQuantizer(identifier as never);
  } catch (error) {
    // Not a quantizer name: leave it to tfjs, whose error names the unknown activation.
    if (error instanceof Error && error.message.startsWith("Unknown quantizer:")) return undefined;
    throw error;
  }
  return quantizer === null ? undefined : new QuantizerActivation(quantizer);
}
