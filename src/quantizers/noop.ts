import * as tf from "@tensorflow/tfjs-core";

import { checkNumber } from "../utils/errors.js";
import { Quantizer, type BaseQuantizerArgs } from "./base.js";
import { registerQuantizerClass } from "./registry.js";

/** Arguments of {@link NoOp}. */
export interface NoOpArgs extends BaseQuantizerArgs {
  /** Required: the precision (bits) to tag the variable with, an integer ≥ 1. */
  precision: number;
}

/**
 * The identity quantizer: returns its input unchanged and only tags it with a precision.
 *
 * @remarks
 * q(x) = x, ∂q/∂x = 1. Its purpose is to mark latent weights with a low precision (e.g. 1) for
 * optimizers such as `Bop` and for the model summary, and to collect training metrics, without
 * quantizing them in the forward pass. Config keys: `precision` (required).
 * String identifiers: `"NoOp"`, `"NoOpQuantizer"` (larq's former name); both need a config
 * with `precision`.
 *
 * @example
 * ```ts
 * lq.layers.quantDense({ units: 16, kernelQuantizer: new lq.quantizers.NoOp({ precision: 1 }) });
 * ```
 */
export class NoOp extends Quantizer {
  /** @nocollapse */
  static className = "NoOp";
  static override readonly argumentNames: readonly string[] = ["precision"];
  private readonly bits: number;

  constructor(args: NoOpArgs) {
    super(args ?? ({} as NoOpArgs));
    this.bits = checkNumber("precision", (args ?? {}).precision, { integer: true, min: 1 }) as number;
  }

  get precision(): number {
    return this.bits;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return tf.clone(x);
  }

  protected quantizerConfig(): tf.serialization.ConfigDict {
    return { precision: this.bits };
  }
}
registerQuantizerClass(NoOp, ["NoOpQuantizer"]);
