import * as tf from "@tensorflow/tfjs-core";

import { checkNumber, invalidArgument } from "../utils/errors.js";
import { ClippedQuantizer, checkClipValue, clippedGradient, withPseudoGradient, type ClippedQuantizerArgs } from "./base.js";
import { registerQuantizerClass, registerQuantizerFunction } from "./registry.js";

/**
 * The ternarization threshold Δ: `thresholdValue`, or 0.7·mean(|x|) over the whole tensor when
 * `ternaryWeightNetworks` is set.
 */
function ternaryThreshold(x: tf.Tensor, thresholdValue: number, ternaryWeightNetworks: boolean): tf.Scalar | number {
  if (!ternaryWeightNetworks) return thresholdValue;
  return tf.div(tf.mul(0.7, tf.sum(tf.abs(x))), x.size) as tf.Scalar;
}

/**
 * Ternarization to {-1, 0, +1} with the straight-through estimator (function form).
 *
 * @remarks
 * Forward: q(x) = sign(sign(x + Δ) + sign(x - Δ)) with sign(0) = 0 (larq's formula), i.e.
 * +1 for x ≥ Δ, 0 for |x| < Δ, -1 for x ≤ -Δ (x = ±Δ maps to ±1, as in larq).
 * Δ is `thresholdValue`, or, with `ternaryWeightNetworks`, Δ = 0.7·(1/n)·Σ|xᵢ| over the whole
 * tensor (Ternary Weight Networks, arXiv:1605.04711).
 * Backward: ∂q/∂x = 1 where |x| ≤ clipValue, else 0 (no clipping when `clipValue` is null); no
 * gradient flows through Δ.
 *
 * @param x - input tensor.
 * @param thresholdValue - the fixed threshold Δ; default 0.05.
 * @param ternaryWeightNetworks - compute Δ from the data instead; default false.
 * @param clipValue - gradient clipping threshold; default 1; `null` for none.
 * @example
 * ```ts
 * lq.quantizers.steTern(tf.tensor([-0.5, 0.01, 0.05, 2])).print(); // [-1, 0, 1, 1]
 * ```
 */
export function steTern(x: tf.Tensor, thresholdValue = 0.05, ternaryWeightNetworks = false, clipValue: number | null = 1.0): tf.Tensor {
  checkNumber("thresholdValue", thresholdValue, { min: 0 });
  if (typeof ternaryWeightNetworks !== "boolean") invalidArgument("ternaryWeightNetworks", ternaryWeightNetworks, "a boolean");
  checkClipValue(clipValue);
  const forward = (input: tf.Tensor): tf.Tensor => {
    const threshold = ternaryThreshold(input, thresholdValue, ternaryWeightNetworks);
    const negThreshold = tf.neg(threshold);
    // larq's sign(sign(x + Δ) + sign(x - Δ)), written with comparisons: in floating point x ± Δ is
    // zero exactly when x = ∓Δ, so sign(x + Δ) = [x > -Δ] - [x < -Δ] and likewise for x - Δ, and the
    // outer sign of an integer in [-2, 2] is a clip to [-1, 1]. This avoids tf.sign, whose wasm
    // kernel returns 0 for |x| up to about 1e-7 and would misplace values just inside ±Δ.
    const indicator = (t: tf.Tensor) => tf.cast(t, "float32");
    const sumOfSigns = tf.sub(
      tf.add(indicator(tf.greater(input, negThreshold)), indicator(tf.greater(input, threshold))),
      tf.add(indicator(tf.less(input, negThreshold)), indicator(tf.less(input, threshold))),
    );
    return tf.clipByValue(sumOfSigns, -1, 1);
  };
  return withPseudoGradient(x, forward, (input, dy) => clippedGradient(input, dy, clipValue));
}
steTern.precision = 2;
registerQuantizerFunction("ste_tern", steTern);

/** Arguments of {@link SteTern}. */
export interface SteTernArgs extends ClippedQuantizerArgs {
  /** The fixed threshold Δ. Default 0.05. */
  thresholdValue?: number;
  /** Compute Δ = 0.7·mean(|x|) from the input instead of using `thresholdValue`. Default false. */
  ternaryWeightNetworks?: boolean;
}

/**
 * Ternarization to {-1, 0, +1} with the straight-through estimator, as a serializable quantizer layer.
 *
 * @remarks
 * Forward: q(x) = +1 for x ≥ Δ, 0 for |x| < Δ, -1 for x ≤ -Δ, with Δ = `thresholdValue` or
 * 0.7·mean(|x|) (`ternaryWeightNetworks`). Backward: ∂q/∂x = 1 where |x| ≤ clipValue, else 0.
 * Precision 2. Config keys: `threshold_value` (default 0.05), `ternary_weight_networks`
 * (default false), `clip_value` (default 1; `null` for unclipped). String identifiers: `"SteTern"`,
 * `"ste_tern"`, `"steTern"`.
 *
 * @example
 * ```ts
 * const q = new lq.quantizers.SteTern({ ternaryWeightNetworks: true });
 * ```
 */
export class SteTern extends ClippedQuantizer {
  /** @nocollapse */
  static className = "SteTern";
  static override readonly argumentNames: readonly string[] = ["thresholdValue", "ternaryWeightNetworks", "clipValue"];
  /** The fixed threshold Δ (unused when {@link SteTern.ternaryWeightNetworks} is set). */
  readonly thresholdValue: number;
  /** Whether Δ is computed as 0.7·mean(|x|). */
  readonly ternaryWeightNetworks: boolean;

  constructor(args: SteTernArgs = {}) {
    super(args);
    this.thresholdValue = checkNumber("thresholdValue", args.thresholdValue === undefined ? 0.05 : args.thresholdValue, {
      min: 0,
    }) as number;
    const twn = args.ternaryWeightNetworks ?? false;
    if (typeof twn !== "boolean") invalidArgument("ternaryWeightNetworks", twn, "a boolean");
    this.ternaryWeightNetworks = twn;
  }

  get precision(): number {
    return 2;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return steTern(x, this.thresholdValue, this.ternaryWeightNetworks, this.clipValue);
  }

  protected override quantizerConfig(): tf.serialization.ConfigDict {
    return {
      thresholdValue: this.thresholdValue,
      ternaryWeightNetworks: this.ternaryWeightNetworks,
      clipValue: this.clipValue,
    };
  }
}
registerQuantizerClass(SteTern, ["ste_tern"]);
