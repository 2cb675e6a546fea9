import * as tf from "@tensorflow/tfjs-core";

import { checkNumber, invalidArgument } from "../utils/errors.js";
import { Quantizer, withPseudoGradient, type BaseQuantizerArgs } from "./base.js";
import { registerQuantizerClass, registerQuantizerFunction } from "./registry.js";

/** What a {@link DoReFa} quantizer quantizes: activations (inputs) or weights (kernels). */
export type DoReFaMode = "activations" | "weights";

const MODES: readonly DoReFaMode[] = ["activations", "weights"];

function checkMode(mode: unknown): DoReFaMode {
  if (!MODES.includes(mode as DoReFaMode)) invalidArgument("mode", mode, '"activations" or "weights"');
  return mode as DoReFaMode;
}

function checkKBit(kBit: unknown): number {
  return checkNumber("kBit", kBit, { integer: true, min: 1 }) as number;
}

/** k-bit uniform quantization of values in [0, 1]: round(x·n)/n with n = 2^k - 1 (round half to even). */
function quantizeUnitInterval(x: tf.Tensor, kBit: number): tf.Tensor {
  const n = 2 ** kBit - 1;
  return tf.div(tf.round(tf.mul(x, n)), n);
}

/** Largest |tanh(x)| over the whole tensor: the normaliser of the weights mode. */
function tanhMax(tanhX: tf.Tensor): tf.Tensor {
  return tf.max(tf.abs(tanhX));
}

/**
 * k-bit quantizer of DoReFa-Net (function form), for activations or for weights.
 *
 * @remarks
 * With n = 2^kBit - 1 and round = round half to even (TensorFlow's `tf.round`):
 * - `"activations"`: q(x) = round(n·clip(x, 0, 1)) / n, values in {0, 1/n, …, 1}.
 *   Backward: ∂q/∂x = 1 where 0 ≤ x ≤ 1, else 0.
 * - `"weights"`: t = tanh(x), m = max|t| over the whole tensor,
 *   u = t / (2m) + 1/2 ∈ [0, 1] (u = 1/2 when m = 0), q(x) = 2·round(n·u)/n - 1, values in
 *   {-1, -1 + 2/n, …, 1}. Backward: rounding is straight-through and m is a constant, so
 *   ∂q/∂x = (1 - tanh²(x)) / m (0 when m = 0).
 * Reference: Zhou et al., "DoReFa-Net" (arXiv:1606.06160), sections 2.3 and 2.4.
 *
 * @param x - input tensor.
 * @param kBit - number of bits k ≥ 1; default 2.
 * @param mode - `"activations"` (default) or `"weights"`.
 * @example
 * ```ts
 * lq.quantizers.dorefa(tf.tensor([-1, 0.2, 0.5, 0.9, 3])).print(); // [0, 1/3, 2/3, 1, 1]
 * ```
 */
export function dorefa(x: tf.Tensor, kBit = 2, mode: DoReFaMode = "activations"): tf.Tensor {
  checkKBit(kBit);
  checkMode(mode);
  if (mode === "activations") {
    return withPseudoGradient(
      x,
      (input) => quantizeUnitInterval(tf.clipByValue(input, 0, 1), kBit),
      (input, dy) => tf.where(tf.logicalAnd(tf.greaterEqual(input, 0), tf.lessEqual(input, 1)), dy, tf.zerosLike(dy)),
    );
  }
  return withPseudoGradient(
    x,
    (input) => {
      const t = tf.tanh(input);
      const unit = tf.add(tf.divNoNan(t, tf.mul(2, tanhMax(t))), 0.5);
      return tf.sub(tf.mul(2, quantizeUnitInterval(unit, kBit)), 1);
    },
    (input, dy) => {
      const t = tf.tanh(input);
      return tf.divNoNan(tf.mul(dy, tf.sub(1, tf.square(t))), tanhMax(t));
    },
  );
}
dorefa.precision = 2;
registerQuantizerFunction("dorefa_quantizer", dorefa);

/** Arguments of {@link DoReFa}. */
export interface DoReFaArgs extends BaseQuantizerArgs {
  /** Number of bits k (an integer ≥ 1); also the quantizer's precision. Default 2. */
  kBit?: number;
  /** `"activations"` (default) for inputs, `"weights"` for kernels. */
  mode?: DoReFaMode;
}

/**
 * k-bit quantizer of DoReFa-Net, as a serializable quantizer layer.
 *
 * @remarks
 * `"activations"`: q(x) = round(n·clip(x, 0, 1))/n, gradient 1 on [0, 1] and 0 outside.
 * `"weights"`: q(x) = 2·round(n·(tanh(x)/(2·max|tanh(x)|) + 1/2))/n - 1, gradient
 * (1 - tanh²(x))/max|tanh(x)|. n = 2^kBit - 1; rounding is half to even.
 * Precision `kBit`. Config keys: `k_bit` (default 2), `mode` (default `"activations"`).
 * String identifiers: `"DoReFa"`, `"DoReFaQuantizer"` (larq's former name), `"dorefa_quantizer"`,
 * `"dorefaQuantizer"`.
 *
 * @example
 * ```ts
 * lq.layers.quantDense({ units: 32, inputQuantizer: new lq.quantizers.DoReFa({ kBit: 4 }),
 *   kernelQuantizer: new lq.quantizers.DoReFa({ kBit: 4, mode: "weights" }) });
 * ```
 */
export class DoReFa extends Quantizer {
  /** @nocollapse */
  static className = "DoReFa";
  static override readonly argumentNames: readonly string[] = ["kBit", "mode"];
  /** Number of bits. */
  readonly kBit: number;
  /** Whether activations or weights are quantized. */
  readonly mode: DoReFaMode;

  constructor(args: DoReFaArgs = {}) {
    super(args);
    this.kBit = checkKBit(args.kBit === undefined ? 2 : args.kBit);
    this.mode = checkMode(args.mode === undefined ? "activations" : args.mode);
  }

  get precision(): number {
    return this.kBit;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return dorefa(x, this.kBit, this.mode);
  }

  protected quantizerConfig(): tf.serialization.ConfigDict {
    return { kBit: this.kBit, mode: this.mode };
  }
}
registerQuantizerClass(DoReFa, ["DoReFaQuantizer", "dorefa_quantizer"]);
