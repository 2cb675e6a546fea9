/**
 * The tfjs activation contract and name resolution for activations: larq's `hard_tanh` and
 * `leaky_tanh` next to tfjs' built-ins (`"relu"`, `"tanh"`, …).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { registeredClasses } from "../effects/internals.js";
import { findByName, identifierClassName, toCamelCase } from "../quantizers/registry.js";
import { describeValue } from "../utils/errors.js";

/** An element-wise activation function. */
export type ActivationFunction = (x: tf.Tensor) => tf.Tensor;

/**
 * tfjs-layers' abstract `Activation` base class. tfjs does not export it by name; layers accept only
 * activation objects derived from it, so it is recovered from the activation of a built-in layer.
 */
export const Activation = Object.getPrototypeOf(
  (tfl.layers.activation({ activation: "linear" }) as unknown as { activation: object }).activation.constructor,
) as abstract new () => {
  apply(x: tf.Tensor, axis?: number): tf.Tensor;
  getConfig(): tf.serialization.ConfigDict;
  getClassName(): string;
};
/** Instance type of tfjs-layers' `Activation`. */
export type Activation = InstanceType<typeof Activation>;

/** Anything that {@link get} turns into an activation. */
export type ActivationIdentifier =
  | string
  | Activation
  | ActivationFunction
  | { className: string; config?: tf.serialization.ConfigDict }
  | { class_name: string; config?: tf.serialization.ConfigDict }
  | null
  | undefined;

/** Functions with a registered activation class (e.g. `hardTanh` → the `"hardTanh"` class). */
const functionClasses = new Map<ActivationFunction, string>();

/** Associates an activation function with the tfjs class name that {@link get} and {@link serialize} use for it. */
export function registerActivationFunction(fn: ActivationFunction, className: string): void {
  functionClasses.set(fn, className);
}

type ActivationClass = (new (config?: tf.serialization.ConfigDict) => Activation) & { className: string };

function activationClasses(): Map<string, ActivationClass> {
  const result = new Map<string, ActivationClass>();
  for (const [name, [cls]] of registeredClasses()) {
    if ((cls as unknown as { prototype: unknown }).prototype instanceof Activation) {
      result.set(name, cls as unknown as ActivationClass);
    }
  }
  return result;
}

/** Whether `name` (as given or camel-cased) is a registered tfjs activation class, such as `"relu"` or `"hard_tanh"`. */
export function isActivationClassName(name: string): boolean {
  return findByName(activationClasses(), name) !== undefined;
}

/** All activation names {@link get} accepts: tfjs' built-ins and larq-ts' (with their aliases). */
export function knownActivations(): string[] {
  return [...activationClasses().keys()].sort();
}

/** An activation wrapping an arbitrary function; usable in a layer, but not serializable. */
class FunctionActivation extends Activation {
  static className = "FunctionActivation";
  constructor(private readonly fn: ActivationFunction) {
    super();
  }
  override apply(x: tf.Tensor): tf.Tensor {
    return this.fn(x);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
  override getClassName(): string {
    throw new Error(
      `Cannot serialize the activation function ${describeValue(this.fn)}: use a registered activation ` +
        `(${knownActivations().join(", ")}) or register a tfjs Activation class.`,
    );
  }
}

function unknown(identifier: unknown): never {
  throw new Error(
    `Unknown activation: ${describeValue(identifier)}. Valid activations are: ${knownActivations().join(", ")}, ` +
      "a {className, config} object, a tfjs Activation instance, a function, or null (linear).",
  );
}

/**
 * Resolves an activation identifier to a tfjs `Activation` object, usable as the `activation`
 * of tfjs layers and with `.apply(x)`.
 *
 * @remarks
 * - `null` / `undefined` → the linear (identity) activation, as tfjs does;
 * - a string: a registered name, tried as given and camel-cased (`"hard_tanh"`, `"hardTanh"`,
 *   `"leaky_tanh"`, `"relu"`, `"hard_sigmoid"`, …);
 * - `{className, config}` / `{class_name, config}`: that class with its config;
 * - an `Activation` instance: returned as is;
 * - a function: `hardTanh` / `leakyTanh` give their registered classes, any other function is
 *   wrapped (usable, but {@link serialize} rejects it).
 *
 * @throws an error naming the value and listing the valid names for anything else.
 * @example
 * ```ts
 * lq.activations.get("hard_tanh").apply(tf.tensor([-3, 0.5, 2])).print(); // [-1, 0.5, 1]
 * ```
 */
export function get(identifier: ActivationIdentifier): Activation {
  if (identifier === null || identifier === undefined) return get("linear");
  if (identifier instanceof Activation) return identifier;
  const classes = activationClasses();
  if (typeof identifier === "function") {
    const className = functionClasses.get(identifier);
    return className !== undefined ? new (classes.get(className)!)({}) : new FunctionActivation(identifier);
  }
  if (typeof identifier === "string") {
    const cls = findByName(classes, identifier);
    if (!cls) return unknown(identifier);
    return new cls({});
  }
  const className = identifierClassName(identifier);
  if (className !== undefined) {
    const cls = findByName(classes, className);
    if (!cls) return unknown(className);
    const config = (identifier as Record<string, unknown>).config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
      throw new Error(`Invalid activation config for ${className}: expected an object, received ${describeValue(config)}.`);
    }
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) args[toCamelCase(key)] = value;
    return new cls(args as tf.serialization.ConfigDict);
  }
  return unknown(identifier);
}

/**
 * Inverse of {@link get}: the class name tfjs stores for an activation (`"hardTanh"`, written as
 * `"hard_tanh"` in saved Keras JSON), for an `Activation` or a registered function.
 *
 * @throws for functions that have no registered class.
 */
export function serialize(activation: Activation | ActivationFunction): string {
  if (activation instanceof Activation) return activation.getClassName();
  if (typeof activation === "function") {
    const className = functionClasses.get(activation);
    if (className !== undefined) return className;
    return new FunctionActivation(activation).getClassName();
  }
  return unknown(activation);
}
