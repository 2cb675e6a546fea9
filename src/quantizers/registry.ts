/**
 * Name resolution for quantizers: string aliases (larq's snake_case names and the camelCase
 * forms tfjs produces when it loads Keras JSON), `{className, config}` objects, instances and
 * functions, and the inverse {@link serialize}.
 */
import * as tf from "@tensorflow/tfjs-core";

import { getTrainingMetrics } from "../context/index.js";
import { registeredClass } from "../effects/internals.js";
import { suggestName } from "../utils/args.js";
import { describeValue, invalidArgument } from "../utils/errors.js";

function didYouMean(name: string, known: Iterable<string>): string {
  const suggestion = suggestName(name, known);
  return suggestion === undefined ? "" : ` Did you mean ${describeValue(suggestion)}?`;
}
import { Layer } from "../utils/tfjs.js";
import { LAYER_CONFIG_KEYS, Quantizer, type QuantizerFunction, type QuantizerIdentifier, type QuantizerLike } from "./base.js";
import { LayerQuantizer, layerQuantizer } from "./layer_quantizer.js";
import { registerLayer } from "../utils/serialization.js";

/** A quantizer class as the registry knows it. */
export interface QuantizerClass {
  new (args?: any): Quantizer;
  readonly className: string;
  /** Quantizer-specific argument names (camelCase); see `Quantizer.argumentNames`. */
  readonly argumentNames?: readonly string[];
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
 * that use the quantizer as a standalone layer load). Extra `aliases` (larq's snake_case names
 * such as `"ste_sign"`, or old class names such as `"DoReFaQuantizer"`) are accepted by {@link get},
 * together with their camelCase forms.
 */
export function registerQuantizerClass(cls: QuantizerClass, aliases: string[] = []): void {
  registerLayer(cls);
  classes.set(cls.className, cls);
  for (const alias of aliases) {
    classes.set(alias, cls);
    classes.set(toCamelCase(alias), cls);
  }
}

/**
 * Registers a quantizer function under its larq snake_case `name`; its camelCase form is accepted
 * too, and {@link serialize} writes `name`. When a quantizer class is registered under the same
 * alias, {@link get} resolves the string to a new instance of that class (as larq does); the
 * function is then only the target of {@link serialize}.
 */
export function registerQuantizerFunction(name: string, fn: QuantizerFunction): void {
  functions.set(name, fn);
  functions.set(toCamelCase(name), fn);
  functionNames.set(fn, name);
}

/**
 * Registers extra `tf.serialization` class names for `cls`, so that tfjs' own string lookups
 * (e.g. `activation: "hard_tanh"`, `kernelConstraint: "weight_clip"`) find it. Each alias is a
 * trivial subclass whose instances still report `cls.className` from `getClassName()`, so models
 * are always saved under the canonical name.
 */
export function registerSerializableAliases<C extends tf.serialization.SerializableConstructor<tf.serialization.Serializable>>(
  cls: C,
  aliases: string[],
): void {
  const canonical = (cls as unknown as { className: string }).className;
  const Base = cls as unknown as new (...args: any[]) => { getClassName(): string };
  for (const alias of aliases) {
    if (alias === canonical) continue;
    const Alias = class extends Base {
      static className = alias;
      override getClassName(): string {
        return canonical;
      }
    };
    Object.defineProperty(Alias, "name", { value: canonical });
    registerLayer(Alias);
  }
}

/** Looks `name` up in `map` as given, then camel-cased (tfjs camel-cases names it loads). */
export function findByName<T>(map: ReadonlyMap<string, T>, name: string): T | undefined {
  return map.get(name) ?? map.get(toCamelCase(name));
}

/**
 * The class name of a Keras-style `{className, config}` / `{class_name, config}` object, or
 * `undefined` when `identifier` is not such an object.
 */
export function identifierClassName(identifier: unknown): string | undefined {
  if (identifier === null || typeof identifier !== "object" || Array.isArray(identifier)) return undefined;
  const record = identifier as Record<string, unknown>;
  const className = record.className ?? record.class_name;
  return typeof className === "string" ? className : undefined;
}

/** All identifiers {@link get} accepts as strings, for error messages and docs. */
export function knownIdentifiers(): string[] {
  return [...new Set([...functionNames.values(), ...classes.keys()])].sort();
}

function configToArgs(cls: QuantizerClass, config: unknown): Record<string, unknown> {
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new Error(`Invalid quantizer config for ${cls.className}: expected an object, received ${describeValue(config)}.`);
  }
  const allowed = new Set([...LAYER_CONFIG_KEYS, ...(cls.argumentNames ?? [])]);
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const name = toCamelCase(key);
    if (!allowed.has(name)) {
      throw new Error(
        `Invalid quantizer config for ${cls.className}: unknown key ${describeValue(key)}; ` +
          `valid keys are: ${[...allowed].join(", ")}.${didYouMean(name, allowed)}`,
      );
    }
    args[name] = value;
  }
  return args;
}

function unknown(identifier: unknown): never {
  throw new Error(
    `Unknown quantizer: ${describeValue(identifier)}. Valid quantizers are: ${knownIdentifiers().join(", ")}, ` +
      "a {className, config} object, a Quantizer instance, a tf.layers.Layer, a function, or null.",
  );
}

/**
 * Keys of a serialized quantizer. Keras >= 2.13 writes `module`, `registered_name` and `build_config` beside
 * `class_name` and `config`: the class is found by `class_name`, and a quantizer needs no build information
 * (it builds on whatever it is called on), so those three carry nothing to restore.
 */
const IDENTIFIER_KEYS = new Set([
  "className",
  "class_name",
  "config",
  "module",
  "registered_name",
  "registeredName",
  "build_config",
  "buildConfig",
]);

/** A class or function that {@link deserialize} may resolve a name to, as in Keras's `custom_objects`. */
export type CustomQuantizerObject =
  QuantizerFunction | (new (args?: any) => Layer) | tf.serialization.SerializableConstructor<tf.serialization.Serializable>;

/** Extra names for {@link deserialize} (Keras's `custom_objects`): name → layer class or quantizer function. */
export type CustomQuantizerObjects = Readonly<Record<string, CustomQuantizerObject>>;

type LayerClass = new (args?: any) => Layer;

function isLayerClass(value: unknown): value is LayerClass {
  return typeof value === "function" && (value as { prototype?: unknown }).prototype instanceof Layer;
}

/** `customObjects[name]`, matching keys as given or camel-cased (tfjs camel-cases names it loads). */
function findCustom(customObjects: CustomQuantizerObjects | undefined, name: string): CustomQuantizerObject | undefined {
  if (customObjects === undefined) return undefined;
  if (Object.prototype.hasOwnProperty.call(customObjects, name)) return customObjects[name];
  const camel = toCamelCase(name);
  const key = Object.keys(customObjects).find((k) => toCamelCase(k) === camel);
  return key === undefined ? undefined : customObjects[key];
}

/** A layer class registered with `tf.serialization.registerClass` (how tfjs registers custom layers). */
function registeredLayerClass(name: string): LayerClass | undefined {
  const entry = registeredClass(name);
  const cls = entry?.[0] as unknown;
  return isLayerClass(cls) ? cls : undefined;
}

/** A quantizer layer as stored: Quantizer subclasses as they are, any other layer in its {@link LayerQuantizer}. */
function asQuantizer(layer: Layer): Quantizer {
  return layer instanceof Quantizer ? layer : layerQuantizer(layer);
}

/** Constructs a user class from a Keras config: keys camel-cased, the class's own `fromConfig` when it has one. */
function fromCustomConfig(cls: LayerClass, config: unknown, className: string): Quantizer {
  if (config !== undefined && config !== null && (typeof config !== "object" || Array.isArray(config))) {
    throw new Error(`Invalid quantizer config for ${className}: expected an object, received ${describeValue(config)}.`);
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((config ?? {}) as Record<string, unknown>)) args[toCamelCase(key)] = value;
  const fromConfig = (cls as unknown as { fromConfig?: (c: unknown, a: unknown) => unknown }).fromConfig;
  const instance = typeof fromConfig === "function" ? fromConfig.call(cls, cls, args) : new cls(args);
  if (!(instance instanceof Layer)) {
    throw new Error(`Invalid quantizer class ${className}: its fromConfig returned ${describeValue(instance)}, not a tf.layers.Layer.`);
  }
  return asQuantizer(instance);
}

function checkIdentifierKeys(identifier: object): void {
  for (const key of Object.keys(identifier)) {
    if (!IDENTIFIER_KEYS.has(key)) {
      throw new Error(
        `Invalid quantizer identifier ${describeValue(identifier)}: unexpected key ${describeValue(key)} ` +
          "(expected {className, config} or {class_name, config}, optionally with Keras's module, " +
          "registered_name and build_config).",
      );
    }
  }
}

function resolve(identifier: QuantizerIdentifier, customObjects?: CustomQuantizerObjects): QuantizerLike {
  if (identifier === null || identifier === undefined) return null;
  if (identifier instanceof Layer) return asQuantizer(identifier);
  if (typeof identifier === "function") return identifier;
  if (typeof identifier === "string") {
    const custom = findCustom(customObjects, identifier);
    if (custom !== undefined) {
      return isLayerClass(custom) ? fromCustomConfig(custom, {}, identifier) : (custom as QuantizerFunction);
    }
    const cls = findByName(classes, identifier);
    if (cls) return new cls({});
    const fn = findByName(functions, identifier);
    if (fn) return fn;
    return unknown(identifier);
  }
  const className = identifierClassName(identifier);
  if (className !== undefined) {
    const record = identifier as Record<string, unknown>;
    checkIdentifierKeys(record);
    // Keras >= 2.13 writes a registered quantizer *function* as {class_name: "function", config: "<name>"}.
    if (className === "function" && typeof record.config === "string") return get(record.config);
    const custom = findCustom(customObjects, className);
    if (custom !== undefined) {
      if (!isLayerClass(custom)) {
        throw new Error(
          `Invalid custom object for quantizer ${describeValue(className)}: a {className, config} identifier needs a ` +
            `tf.layers.Layer class, received ${describeValue(custom)}.`,
        );
      }
      return fromCustomConfig(custom, record.config, className);
    }
    const cls = findByName(classes, className);
    if (cls) return new cls(configToArgs(cls, record.config));
    const registered = registeredLayerClass(className);
    if (registered) return fromCustomConfig(registered, record.config, className);
    return unknown(className);
  }
  return unknown(identifier);
}

/**
 * Resolves a quantizer identifier.
 *
 * @remarks
 * - `null` / `undefined` → `null` (no quantization);
 * - a string: a class name (`"SteSign"`) or one of larq's aliases (`"ste_sign"`, and its camelCase
 *   form `"steSign"`) gives a new instance with default arguments, as in larq (where
 *   `get("ste_sign")` is a `SteSign` layer); a name registered only as a function gives that function;
 * - `{className, config}` or `{class_name, config}`: a new instance; config keys may be snake_case
 *   or camelCase, unknown keys are rejected. A class name that is no quantizer but a layer class
 *   registered with `tf.serialization.registerClass` (a custom layer saved as a quantizer) gives an
 *   instance of that layer (constructed by its `fromConfig` from the camel-cased config), wrapped as below;
 * - a `Quantizer` instance or a function: returned as is;
 * - any other `tf.layers.Layer` (larq accepts Keras layers, e.g. with trainable weights): its
 *   {@link LayerQuantizer}, the same wrapper each time.
 *
 * @throws an error naming the value and listing the valid names for anything else.
 * @example
 * ```ts
 * lq.quantizers.get("ste_sign");                                            // a new SteSign()
 * lq.quantizers.get({ class_name: "SteSign", config: { clip_value: 1.25 } }); // a SteSign instance
 * ```
 */
export function get(identifier: QuantizerIdentifier): QuantizerLike {
  return resolve(identifier);
}

/**
 * Inverse of {@link serialize} (larq's `lq.quantizers.deserialize`): turns a saved quantizer back into one.
 *
 * @remarks
 * Accepts everything {@link get} accepts: larq's names (`"ste_sign"`), their camelCase forms
 * (`"steSign"`), class names, and `{class_name, config}` / `{className, config}` objects with
 * snake_case or camelCase config keys (Keras's `module`, `registered_name` and `build_config` are
 * ignored). `customObjects` plays the role of Keras's `custom_objects`: names looked up there first
 * (as given or camel-cased) may map to a layer class (a string gives an instance with default
 * arguments, an object one built from its config; a layer that is not a {@link Quantizer} comes back
 * in its {@link LayerQuantizer}) or to a quantizer function (returned for a string). As with
 * {@link get}, a string names a new instance, where Python's Keras returns the class itself.
 *
 * @param identifier - the serialized quantizer (`null` gives `null`).
 * @param customObjects - extra names, e.g. `{ ScaleQuantizer }`.
 * @throws for an unknown name, naming it and listing the valid ones, and for malformed configs.
 * @example
 * ```ts
 * const saved = lq.quantizers.serialize(new lq.quantizers.SteSign({ clipValue: 0.5 }));
 * lq.quantizers.deserialize(JSON.parse(JSON.stringify(saved))); // a SteSign with clipValue 0.5
 * lq.quantizers.deserialize({ class_name: "MyScale", config: {} }, { MyScale });
 * ```
 */
export function deserialize(
  identifier: QuantizerIdentifier | tf.serialization.ConfigDict,
  customObjects?: CustomQuantizerObjects,
): QuantizerLike {
  if (customObjects !== undefined && (customObjects === null || typeof customObjects !== "object" || Array.isArray(customObjects))) {
    invalidArgument("customObjects", customObjects, "an object mapping names to layer classes or quantizer functions");
  }
  return resolve(identifier as QuantizerIdentifier, customObjects);
}

/**
 * Inverse of {@link get} and {@link deserialize}: `null` → `null`, a registered function → its larq
 * name (`"ste_sign"`), a quantizer instance → `{className, config}` (for a {@link LayerQuantizer},
 * those of the wrapped layer, as Keras serializes a layer).
 *
 * @throws for a function that was never registered (it cannot be written to a model file).
 */
export function serialize(quantizer: QuantizerLike): string | tf.serialization.ConfigDict | null {
  if (quantizer === null || quantizer === undefined) return null;
  if (quantizer instanceof Layer) {
    const layer = asQuantizer(quantizer);
    return { className: layer.getClassName(), config: layer.getConfig() };
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

/** The quantizer function registered under `name` (larq's snake_case name or its camelCase form), if any. */
export function findQuantizerFunction(name: string): QuantizerFunction | undefined {
  return findByName(functions, name);
}

/** The larq name a quantizer function was registered under, or `undefined` for an unregistered function. */
export function quantizerFunctionName(fn: QuantizerFunction): string | undefined {
  return functionNames.get(fn);
}

/**
 * Resolves a kernel quantizer identifier like {@link get}, and gives a quantizer layer without
 * explicit `metrics` the training metrics of the enclosing `lq.context.metricsScope` (larq's
 * `get_kernel_quantizer`).
 *
 * @remarks
 * The quantized layers resolve `kernelQuantizer` (and `depthwiseQuantizer`, `pointwiseQuantizer`)
 * with this function and `inputQuantizer` with {@link get}, so only kernels collect metrics such as
 * `flip_ratio` by default. A quantizer instance passed in is updated in place, as in larq. Functions
 * and `null` are returned unchanged.
 *
 * @example
 * ```ts
 * const q = lq.context.metricsScope(["flip_ratio"], () => lq.quantizers.getKernelQuantizer("ste_sign"));
 * (q as lq.quantizers.SteSign).metrics; // ["flip_ratio"]
 * ```
 */
export function getKernelQuantizer(identifier: QuantizerIdentifier): QuantizerLike {
  const quantizer = get(identifier);
  // As larq's get_kernel_quantizer, only larq's own quantizers take the scope's metrics.
  if (quantizer instanceof Quantizer && !(quantizer instanceof LayerQuantizer) && quantizer.metrics.length === 0) {
    quantizer.metrics = getTrainingMetrics();
  }
  return quantizer;
}
