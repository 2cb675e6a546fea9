/**
 * Name resolution for quantizers: string aliases (larq's snake_case names and the camelCase
 * forms tfjs produces when it loads Keras JSON), `{className, config}` objects, instances and
 * functions, and the inverse {@link serialize}.
 */
import * as tf from "@tensorflow/tfjs-core";

import { describeValue } from "../utils/errors.js";
import { Quantizer, type QuantizerFunction, type QuantizerIdentifier, type QuantizerLike } from "./base.js";

/** A quantizer class as the registry knows it. */
export interface QuantizerClass {
  new (args?: any): Quantizer;
  readonly className: string;
}

const classes = new Map<string, QuantizerClass>();
const functions = new Map<string, QuantizerFunction>();
const functionNames = new Map<QuantizerFunction, string>();

/** snake_case → camelCase, as tfjs does for string values of Keras JSON. */
export function toCamelCase(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** camelCase → snake_case, as tfjs does when it writes Keras JSON. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/**
 * Registers a quantizer class under its `className` (and with `tf.serialization`, so that models
 * that use the quantizer as a standalone layer load). Extra `aliases` are accepted by {@link get}.
 */
export function registerQuantizerClass(cls: QuantizerClass, aliases: string[] = []): void {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  classes.set(cls.className, cls);
  for (const alias of aliases) classes.set(alias, cls);
}

/**
 * Registers a quantizer function under its larq snake_case `name`; its camelCase form is accepted
 * too, and {@link serialize} writes `name`.
 */
export function registerQuantizerFunction(name: string, fn: QuantizerFunction): void {
  functions.set(name, fn);
  functions.set(toCamelCase(name), fn);
  functionNames.set(fn, name);
}

/** All identifiers {@link get} accepts as strings, for error messages and docs. */
export function knownIdentifiers(): string[] {
  return [...new Set([...functionNames.values(), ...classes.keys()])].sort();
}

function configToArgs(config: unknown): Record<string, unknown> {
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new Error(`Invalid quantizer config: expected an object, received ${describeValue(config)}.`);
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) args[toCamelCase(key)] = value;
  return args;
}

function unknown(identifier: unknown): never {
  throw new Error(
    `Unknown quantizer: ${describeValue(identifier)}. Valid quantizers are: ${knownIdentifiers().join(", ")}, ` +
      "a {className, config} object, a Quantizer instance, a function, or null.",
  );
}

/**
 * Resolves a quantizer identifier.
 *
 * @remarks
 * - `null` / `undefined` → `null` (no quantization);
 * - a string: a function alias (`"ste_sign"`, `"steSign"`, …) gives the function form, a class name
 *   (`"SteSign"`) a new instance with default arguments;
 * - `{className, config}` or `{class_name, config}`: a new instance; config keys may be snake_case
 *   or camelCase;
 * - a `Quantizer` instance or a function: returned as is.
 *
 * @throws an error naming the value and listing the valid names for anything else.
 * @example
 * ```ts
 * lq.quantizers.get("ste_sign");                                            // the steSign function
 * lq.quantizers.get({ class_name: "SteSign", config: { clip_value: 1.25 } }); // a SteSign instance
 * ```
 */
export function get(identifier: QuantizerIdentifier): QuantizerLike {
  if (identifier === null || identifier === undefined) return null;
  if (identifier instanceof Quantizer) return identifier;
  if (typeof identifier === "function") return identifier;
  if (typeof identifier === "string") {
    const fn = functions.get(identifier) ?? functions.get(toCamelCase(identifier));
    if (fn) return fn;
    const cls = classes.get(identifier);
    if (cls) return new cls({});
    return unknown(identifier);
  }
  if (typeof identifier === "object" && !Array.isArray(identifier)) {
    const record = identifier as Record<string, unknown>;
    const className = record.className ?? record.class_name;
    if (typeof className !== "string") return unknown(identifier);
    const cls = classes.get(className);
    if (!cls) return unknown(className);
    const args = configToArgs(record.config);
    return new cls(args);
  }
  return unknown(identifier);
}

/**
 * Inverse of {@link get}: `null` → `null`, a registered function → its larq name (`"ste_sign"`),
 * a quantizer instance → `{className, config}`.
 *
 * @throws for a function that was never registered (it cannot be written to a model file).
 */
export function serialize(quantizer: QuantizerLike): string | tf.serialization.ConfigDict | null {
  if (quantizer === null || quantizer === undefined) return null;
  if (quantizer instanceof Quantizer) {
    return { className: quantizer.getClassName(), config: quantizer.getConfig() };
  }
  if (typeof quantizer === "function") {
    const name = functionNames.get(quantizer);
    if (name === undefined) {
      throw new Error(
        `Cannot serialize the quantizer function ${describeValue(quantizer)}: register it with ` +
          "lq.quantizers.registerQuantizerFunction(name, fn) or use a Quantizer class.",
      );
    }
    return name;
  }
  return unknown(quantizer);
}
