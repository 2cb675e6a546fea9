import * as tf from "@tensorflow/tfjs-core";

import type { Kwargs } from "../utils/tfjs.js";
import {
  POINTWISE_ARG_NAMES,
  DEPTHWISE_ARG_NAMES,
  BASE_CONV_ARG_NAMES,
  QUANTIZED_ARG_NAMES,
  checkLayerArgs,
  normalizeConvArgs,
  type SeparableQuantizedArgs,
  type WithQuantizerActivation,
} from "./args.js";
import { paddedConv, type PadValuesArgs } from "./padded_conv.js";
import { SEPARABLE, quantizedLayer } from "./quantized_layer.js";
import { SeparableConv2D, type FloatLayer, type SeparableConvLayerArgs } from "./tfjs_classes.js";
import { registerLayer } from "../utils/serialization.js";

/** tfjs' rank-generic separable convolution class (`SeparableConv2D`'s parent), recovered at run time. */
const SeparableConv = Object.getPrototypeOf(SeparableConv2D) as new (rank: number, args: SeparableConvLayerArgs) => FloatLayer;

/** Float arguments of a 1D separable convolution (tfjs' separable arguments with 1D `"causal"` padding). */
interface SeparableConv1DFloatArgs extends Omit<SeparableConvLayerArgs, "padding"> {
  padding?: "valid" | "same" | "causal";
}

/**
 * Float `SeparableConv1D` (Keras semantics), the base of {@link QuantSeparableConv1D}.
 *
 * tfjs' generic separable convolution parses and serializes every argument and creates Keras-shaped
 * weights for rank 1 (`depthwise_kernel` [k, inChannels, depthMultiplier], `pointwise_kernel`
 * [1, inChannels·depthMultiplier, filters], `bias` [filters]), but its `call` only supports rank 2;
 * this class computes the 1D case as a 2D separable convolution over a height-1 image.
 */
class SeparableConv1DFloat extends SeparableConv {
  constructor(args: SeparableConv1DFloatArgs) {
    const causal = args.padding === "causal";
    // tfjs' separable base rejects "causal"; the causal left padding is applied in `call`.
    super(1, { ...args, padding: causal ? "valid" : args.padding } as SeparableConvLayerArgs);
    if (causal) this.padding = "causal";
    // tfjs 4.22 initialises the pointwise kernel with `depthwiseInitializer`; use the right one.
    const pointwise = new SeparableConv(1, {
      ...({ filters: 1, kernelSize: 1, name: "larq_ts_initializer_probe" } as SeparableConvLayerArgs),
      depthwiseInitializer: args.pointwiseInitializer ?? "glorotUniform",
    } as SeparableConvLayerArgs);
    this.pointwiseInitializer = pointwise.depthwiseInitializer;
  }

  override getConfig(): tf.serialization.ConfigDict {
    // tfjs 4.22's separable base forgets `depthMultiplier` in its config.
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const channelsFirst = this.dataFormat === "channelsFirst";
      if (channelsFirst) x = tf.transpose(x, [0, 2, 1]);
      // The kernel length comes from the kernel itself: the padded-conv base may hand over a
      // zero-dilated depthwise kernel (with dilationRate 1) because tfjs lacks dilated gradients.
      const depthwise = this.depthwiseKernel!.read();
      const pointwise = this.pointwiseKernel!.read();
      const [k, channels, multiplier] = depthwise.shape;
      const dilation = Array.isArray(this.dilationRate) ? this.dilationRate[0] : this.dilationRate;
      const stride = this.strides[0];
      let padding = this.padding as "valid" | "same" | "causal";
      if (padding === "causal") {
        x = tf.pad(x, [
          [0, 0],
          [(k - 1) * dilation, 0],
          [0, 0],
        ]);
        padding = "valid";
      }
      const filters = pointwise.shape[2] as number;
      let y: tf.Tensor = tf.separableConv2d(
        tf.expandDims(x, 1) as tf.Tensor4D,
        tf.reshape(depthwise, [1, k, channels, multiplier]) as tf.Tensor4D,
        tf.reshape(pointwise, [1, 1, channels * multiplier, filters]) as tf.Tensor4D,
        [1, stride],
        padding,
        [1, dilation],
        "NHWC",
      );
      y = tf.squeeze(y, [1]);
      if (this.bias !== null && this.useBias) y = tf.add(y, this.bias.read());
      y = this.activation.apply(y);
      return channelsFirst ? tf.transpose(y, [0, 2, 1]) : y;
    });
  }
}

/**
 * Arguments of {@link QuantSeparableConv1D}.
 *
 * Fields: `filters` (positive integer, required); `kernelSize` (integer or `[k]`, required);
 * `strides` (default 1); `padding` (`"valid"` default, `"same"`, `"causal"`; case-insensitive);
 * `dataFormat` (`"channelsLast"` default, `"channelsFirst"`, Keras spellings accepted); `dilationRate`
 * (default 1; not together with strides ≠ 1); `depthMultiplier` (default 1); `activation` (default
 * linear); `useBias` (default true); `inputQuantizer`, `depthwiseQuantizer`, `pointwiseQuantizer`
 * (default null); `depthwiseInitializer`, `pointwiseInitializer` (default `"glorotUniform"`),
 * `biasInitializer` (default `"zeros"`); `depthwiseRegularizer`, `pointwiseRegularizer`,
 * `biasRegularizer`, `activityRegularizer`; `depthwiseConstraint`, `pointwiseConstraint` (e.g.
 * `"weight_clip"`), `biasConstraint`; `padValues` (default 0); `metrics`; plus the usual layer
 * arguments (`name`, `inputShape`, `trainable`, …).
 */
export interface QuantSeparableConv1DArgs
  extends WithQuantizerActivation<SeparableConv1DFloatArgs>, SeparableQuantizedArgs, PadValuesArgs {}

/**
 * larq's `QuantSeparableConv1D`: a depthwise 1D convolution (each input channel convolved with
 * `depthMultiplier` filters of its own) followed by a pointwise (1×1) convolution mixing channels,
 * on quantized inputs and kernels.
 *
 * @remarks
 * With x̂ = q_in(x) (padded with `padValues` for `"same"`, or with (k−1)·d zeros on the left for
 * `"causal"`), D = q_dw(depthwise_kernel) and P = q_pw(pointwise_kernel):
 * z[t, c·m + j] = Σ_i x̂[t·s + i·d, c] · D[i, c, j];  y[t, f] = activation(Σ_n z[t, n] · P[0, n, f] + b[f]).
 * Output length: `"valid"` ⌈(L − (k−1)·d)/s⌉, `"same"`/`"causal"` ⌈L/s⌉. Weights `depthwise_kernel`
 * [k, C, m], `pointwise_kernel` [1, C·m, filters], `bias` [filters] (Keras names and shapes). With all
 * quantizers null it equals Keras' `SeparableConv1D`.
 *
 * @example
 * ```ts
 * const layer = lq.layers.quantSeparableConv1d({
 *   filters: 32, kernelSize: 3, padding: "same", padValues: 1,
 *   inputQuantizer: "ste_sign", depthwiseQuantizer: "ste_sign", pointwiseQuantizer: "ste_sign",
 *   depthwiseConstraint: "weight_clip", pointwiseConstraint: "weight_clip",
 * });
 * ```
 */
export class QuantSeparableConv1D extends quantizedLayer(paddedConv(SeparableConv1DFloat), SEPARABLE) {
  /** @nocollapse */
  static className = "QuantSeparableConv1D";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze([
    ...BASE_CONV_ARG_NAMES,
    "filters",
    "groups",
    ...DEPTHWISE_ARG_NAMES,
    ...POINTWISE_ARG_NAMES,
    "padValues",
    "depthwiseQuantizer",
    "pointwiseQuantizer",
    ...QUANTIZED_ARG_NAMES,
  ]);

  constructor(args: QuantSeparableConv1DArgs) {
    checkLayerArgs(new.target, args);
    super(normalizeConvArgs(args, { rank: 1, paddings: ["valid", "same", "causal"] }) as never);
  }
}
registerLayer(QuantSeparableConv1D);

/** Factory form of {@link QuantSeparableConv1D}. */
export function quantSeparableConv1d(args: QuantSeparableConv1DArgs): QuantSeparableConv1D {
  return new QuantSeparableConv1D(args);
}
