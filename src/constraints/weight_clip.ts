import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { checkNumber, describeValue } from "../utils/errors.js";

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
    this.clipValue = checkNumber("clipValue", args.clipValue ?? 1.0, { min: 0 }) as number;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.clipByValue(w, -this.clipValue, this.clipValue);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { clipValue: this.clipValue };
  }
}
tf.serialization.registerClass(WeightClip as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

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

/**
 * Resolves larq-ts constraint identifiers (`"weight_clip"`, `"weightClip"`, `"WeightClip"`,
 * `{className|class_name: "WeightClip", config}`) to instances; any other identifier is returned
 * unchanged for tfjs to resolve (`"maxNorm"`, `"nonNeg"`, …).
 */
export function get(identifier: ConstraintIdentifier): Constraint | string | tf.serialization.ConfigDict | null {
  if (identifier === null || identifier === undefined) return null;
  if (typeof identifier === "string") return ALIASES.has(identifier) ? new WeightClip() : identifier;
  if (identifier instanceof Constraint) return identifier;
  if (typeof identifier === "object" && !Array.isArray(identifier)) {
    const record = identifier as Record<string, unknown>;
    const className = record.className ?? record.class_name;
    if (typeof className === "string" && ALIASES.has(className)) {
      const config = (record.config ?? {}) as Record<string, unknown>;
      return new WeightClip({ clipValue: (config.clipValue ?? config.clip_value) as number | undefined });
    }
    if (typeof className === "string") return identifier as tf.serialization.ConfigDict;
  }
  throw new Error(`Invalid constraint: ${describeValue(identifier)}.`);
}

/** Inverse of {@link get} for instances: `{className, config}`; `null` stays `null`. */
export function serialize(constraint: Constraint | null): tf.serialization.ConfigDict | null {
  if (constraint === null) return null;
  return { className: constraint.getClassName(), config: constraint.getConfig() };
}
