/**
 * FlipRatio: how many of a tensor's values changed between consecutive updates.
 */
import * as tf from "@tensorflow/tfjs-core";

import { describeValue, invalidArgument } from "../utils/errors.js";

/** Arguments of {@link FlipRatio}. */
export interface FlipRatioArgs {
  /** Name of the metric (the log key prefix). Default `"flip_ratio"`. */
  name?: string;
  /**
   * Data type the values are cast to before they are compared (larq casts to int8, which tfjs lacks).
   * Default `"int32"`; use `"float32"` to compare non-integer values exactly.
   */
  valuesDtype?: "int32" | "float32" | "bool";
}

/**
 * A stateful metric: the mean fraction of values of a tensor (typically a binary kernel's signs) that
 * changed from one update to the next.
 *
 * @remarks
 * Mirrors larq's `FlipRatio`. The metric keeps the previous values p (zeros before the first update),
 * a running total T and an update count c. `updateState(v)` with n = size(v) adds
 * (1 − #{i : v_i = p_i}/n)·sign(c) to T, increments c and sets p ← v, so the first update after
 * construction or {@link FlipRatio.resetStates} only records values. `result()` = T / (c − 1), 0 when
 * c ≤ 1. `resetStates()` zeroes T and c but keeps p.
 *
 * In `model.fit`, kernels of quantizers with `metrics: ["flip_ratio"]` are tracked automatically
 * (see {@link FlipRatioLogger}); use this class directly in custom loops.
 *
 * @example
 * ```ts
 * const m = new lq.metrics.FlipRatio();
 * m.updateState([1, 1]); // result 0 (first update)
 * m.updateState([2, 2]); // result 1
 * m.updateState([1, 2]); // result (1 + 0.5) / 2 = 0.75
 * ```
 */
export class FlipRatio {
  /** @nocollapse */
  static className = "FlipRatio";

  /** Name of the metric. */
  readonly name: string;
  /** Data type values are compared in. */
  readonly valuesDtype: "int32" | "float32" | "bool";
  /** Sum of the recorded per-update flip ratios. */
  total = 0;
  /** Number of updates since construction or the last reset. */
  count = 0;

  private previous: tf.Tensor | null = null;

  constructor(args: FlipRatioArgs = {}) {
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      invalidArgument("args", args, "an object {name?, valuesDtype?}");
    }
    if (args.name !== undefined && typeof args.name !== "string") invalidArgument("name", args.name, "a string");
    const dtype = args.valuesDtype ?? "int32";
    if (!["int32", "float32", "bool"].includes(dtype)) invalidArgument("valuesDtype", dtype, '"int32", "float32" or "bool"');
    this.name = args.name ?? "flip_ratio";
    this.valuesDtype = dtype;
  }

  /** Whether the metric knows its value shape (after {@link FlipRatio.build} or the first update). */
  get built(): boolean {
    return this.previous !== null;
  }

  /** The previous values (a copy), or `null` before the metric is built. */
  previousValues(): tf.Tensor | null {
    return this.previous === null ? null : tf.clone(this.previous);
  }

  /** Fixes the value shape and sets the previous values to zeros. */
  build(shape: number[]): void {
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      invalidArgument("shape", shape, "an array of non-negative integers");
    }
    this.previous?.dispose();
    this.previous = tf.keep(tf.zeros(shape, this.valuesDtype));
  }

  /**
   * Records new values and returns this update's flip ratio (already multiplied by sign(c), i.e. 0 for
   * the first update after construction or a reset).
   */
  updateState(values: tf.Tensor | tf.TensorLike): number {
    const input = values instanceof tf.Tensor ? values : tf.tensor(values as tf.TensorLike);
    try {
      if (this.previous === null) this.build(input.shape);
      const previous = this.previous as tf.Tensor;
      if (input.shape.join(",") !== previous.shape.join(",")) {
        throw new Error(
          `FlipRatio ${describeValue(this.name)}: values of shape [${input.shape}] do not match the shape [${previous.shape}] it was built with.`,
        );
      }
      const cast = tf.keep(tf.cast(input, this.valuesDtype));
      const unchanged = tf.tidy(() => tf.sum(tf.cast(tf.equal(previous, cast), "float32")).dataSync()[0]);
      const size = Math.max(1, previous.size);
      const ratio = ((size - unchanged) / size) * Math.sign(this.count);
      this.total += ratio;
      this.count += 1;
      previous.dispose();
      this.previous = cast;
      return ratio;
    } finally {
      if (input !== values) input.dispose();
    }
  }

  /** Mean flip ratio over the recorded updates: total / (count − 1), or 0 before two updates. */
  result(): number {
    return this.count > 1 ? this.total / (this.count - 1) : 0;
  }

  /** Zeroes total and count; keeps the previous values. */
  resetStates(): void {
    this.total = 0;
    this.count = 0;
  }

  /** Frees the stored previous values. */
  dispose(): void {
    this.previous?.dispose();
    this.previous = null;
  }

  /** `{name, valuesDtype}`. */
  getConfig(): { name: string; valuesDtype: string } {
    return { name: this.name, valuesDtype: this.valuesDtype };
  }

  /** Rebuilds a metric from {@link FlipRatio.getConfig} output (camelCase or snake_case keys). */
  static fromConfig(config: Record<string, unknown>): FlipRatio {
    return new FlipRatio({
      name: config.name as string | undefined,
      valuesDtype: (config.valuesDtype ?? config.values_dtype) as FlipRatioArgs["valuesDtype"],
    });
  }
}
