import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { registeredClasses } from "../effects/internals.js";
import { identifierClassName, registerSerializableAliases, toCamelCase } from "../quantizers/registry.js";
import { checkNumber, describeValue, invalidArgument } from "../utils/errors.js";

/**
 * tfjs-layers' abstract `Constraint` base class. tfjs does not export it by name; layers only accept
 * constraint instances that derive from it, so it is recovered from a built-in constraint.
 */
export const Constraint = Object.getPrototypeOf(tfl.constraints.nonNeg().constructor) as abstract new () => {
  apply(w: tf.Tensor): tf.Tensor;
  getConfig(): tf.serialization.ConfigDict;
  getClassName(): string;
};
/** Instance type of tfjs-layers' `Constraint`. */
export type Constraint = InstanceType<typeof Constraint>;

/** Arguments of {@link WeightClip}. */
export interface WeightClipArgs {
  /** The weights are clipped to [-clipValue, clipValue]. Default 1. */
  clipValue?: number;
}

/**
 * Clips weights to [-clipValue, clipValue] after each update (larq's `weight_clip`).
 *
 * @remarks
 * w ← clip(w, -clipValue, clipValue). Keeps the latent weights of binary kernels within the region where
 * the straight-through estimator passes gradients, so they never "starve".
 *
 * @example
 * ```ts
 * lq.layers.quantDense({ units: 64, kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" });
 * ```
 */
export class WeightClip extends Constraint {
  /** @nocollapse */
  static className = "WeightClip";
  /** Clipping bound. */
  readonly clipValue: number;

  constructor(args: WeightClipArgs = {}) {
    super();
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      invalidArgument("args", args, "an object such as {clipValue: 1}");
    }
    this.clipValue = checkNumber("clipValue", args.clipValue === undefined ? 1.0 : args.clipValue, { min: 0 }) as number;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.clipByValue(w, -this.clipValue, this.clipValue);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { clipValue: this.clipValue };
  }
}
tf.serialization.registerClass(WeightClip as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
// tfjs layers resolve `kernelConstraint: "weight_clip"` through tf.serialization by class name.
registerSerializableAliases(WeightClip as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>, [
  "weight_clip",
  "weightClip",
]);

/** Factory form of {@link WeightClip}. */
export function weightClip(args: WeightClipArgs = {}): WeightClip {
  return new WeightClip(args);
}

/** Identifiers {@link get} accepts. */
export type ConstraintIdentifier =
  | string
  | Constraint
  | { className: string; config?: tf.serialization.ConfigDict }
  | { class_name: string; config?: tf.serialization.ConfigDict }
  | null
  | undefined;

const ALIASES = new Set(["weight_clip", "weightClip", "WeightClip"]);

/** tfjs' own constraint names (`"maxNorm"`, `"MaxNorm"`, `"nonNeg"`, …), from `tf.serialization`. */
function tfjsConstraintNames(): string[] {
  const names: string[] = [];
  for (const [name, [cls]] of registeredClasses()) {
    if ((cls as unknown as { prototype: unknown }).prototype instanceof Constraint && !ALIASES.has(name)) {
      names.push(name, name.charAt(0).toLowerCase() + name.slice(1));
    }
  }
  return [...new Set(names)];
}

/** All constraint names {@link get} accepts. */
export function knownConstraints(): string[] {
  return [...ALIASES, ...tfjsConstraintNames()].sort();
}

function unknown(identifier: unknown): never {
  throw new Error(
    `Unknown constraint: ${describeValue(identifier)}. Valid constraints are: ${knownConstraints().join(", ")}, ` +
      "a {className, config} object, a Constraint instance, or null.",
  );
}

function weightClipFromConfig(config: unknown): WeightClip {
  if (config === undefined || config === null) return new WeightClip();
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new Error(`Invalid constraint config for WeightClip: expected an object, received ${describeValue(config)}.`);
  }
  const args: WeightClipArgs = {};
  for (const [key, value] of Object.entries(config)) {
    if (toCamelCase(key) !== "clipValue") {
      throw new Error(`Invalid constraint config for WeightClip: unknown key ${describeValue(key)}; valid keys are: clipValue.`);
    }
    args.clipValue = value as number;
  }
  return new WeightClip(args);
}

/**
 * Resolves a constraint identifier.
 *
 * @remarks
 * larq-ts' `"weight_clip"`, `"weightClip"`, `"WeightClip"` and `{className|class_name: "WeightClip",
 * config}` (config keys `clip_value` or `clipValue`) give a {@link WeightClip}; instances are returned
 * as is; tfjs' own constraint names and objects (`"maxNorm"`, `"nonNeg"`, …) are returned unchanged for
 * tfjs to resolve. tfjs layers also accept `kernelConstraint: "weight_clip"` directly.
 *
 * @throws an error naming the value and listing the valid names for anything else.
 */
export function get(identifier: ConstraintIdentifier): Constraint | string | tf.serialization.ConfigDict | null {
  if (identifier === null || identifier === undefined) return null;
  if (identifier instanceof Constraint) return identifier;
  if (typeof identifier === "string") {
    if (ALIASES.has(identifier)) return new WeightClip();
    if (tfjsConstraintNames().includes(identifier)) return identifier;
    return unknown(identifier);
  }
  const className = identifierClassName(identifier);
  if (className === undefined) return unknown(identifier);
  if (ALIASES.has(className)) return weightClipFromConfig((identifier as Record<string, unknown>).config);
  if (tfjsConstraintNames().includes(className)) return identifier as tf.serialization.ConfigDict;
  return unknown(className);
}

/** Inverse of {@link get} for instances: `{className, config}`; `null` stays `null`. */
export function serialize(constraint: Constraint | null): tf.serialization.ConfigDict | null {
  if (constraint === null || constraint === undefined) return null;
  if (!(constraint instanceof Constraint)) unknown(constraint);
  return { className: constraint.getClassName(), config: constraint.getConfig() };
}
