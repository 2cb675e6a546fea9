/**
 * The convolution mixin with larq's `pad_values` and `"causal"` padding.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { describeValue, invalidArgument } from "../utils/errors.js";
import type { Kwargs, Shape } from "../utils/tfjs.js";
import { dilateKernel } from "./conv_utils.js";
import { singleInput, type LayerConstructor } from "./quantized_layer.js";
import type { FloatLayer, LayerVariable } from "./tfjs_classes.js";

/** Arguments added by {@link paddedConv}. */
export interface PadValuesArgs {
  /**
   * The value used to pad the (quantized) input when `padding` is `"same"`. Default 0. With binary
   * inputs, ±1 keeps the padded input binary (which the bitpacked inference engine needs).
   * Must be 0 with `padding: "causal"`.
   */
  padValues?: number;
}

/**
 * larq's `_compute_padding` for one spatial dimension of a "same" convolution.
 *
 * @remarks
 * total = max((⌈in/s⌉ − 1)·s + (k − 1)·d + 1 − in, 0); before = ⌊total/2⌋; after = total − before.
 * @returns `[before, after]`.
 */
export function samePadding(inputLength: number, kernelSize: number, stride: number, dilation: number): [number, number] {
  const total = Math.max((Math.ceil(inputLength / stride) - 1) * stride + (kernelSize - 1) * dilation + 1 - inputLength, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Pads the spatial axes of `x` (`channelsLast`: axes 1…rank, `channelsFirst`: 2…rank+1) with
 * `pads[i] = [before, after]` and the constant `value`.
 */
export function padSpatial(
  x: tf.Tensor,
  pads: Array<[number, number]>,
  value: number,
  dataFormat: "channelsFirst" | "channelsLast",
): tf.Tensor {
  const paddings: Array<[number, number]> = x.shape.map(() => [0, 0] as [number, number]);
  const first = dataFormat === "channelsFirst" ? 2 : 1;
  pads.forEach((p, i) => {
    paddings[first + i] = p;
  });
  return tf.pad(x, paddings, value);
}

function asArray(value: number[] | number, rank: number): number[] {
  return typeof value === "number" ? new Array<number>(rank).fill(value) : value;
}

/** The public field added by {@link paddedConv}. */
export interface PaddedConvFields {
  /** Value used for explicit "same" padding (0: the float layer's own padding). */
  padValues: number;
}

/**
 * Mixin: adds `padValues` and `"causal"` padding to a tfjs convolution class (larq's conv base).
 *
 * @remarks
 * With `padding: "same"` and `padValues` ≠ 0 the input is padded explicitly with `padValues`
 * ({@link samePadding} per spatial axis) and the float convolution runs with `"valid"`. With
 * `padding: "causal"` (1D) the input is padded on the left with (k − 1)·d zeros and the convolution
 * runs with `"valid"`; the output length equals that of `"same"`. `padValues` ≠ 0 with `"causal"`
 * throws. Dilated convolutions run as undilated ones with zero-dilated kernels (`dilateKernel`),
 * because tfjs has no gradients for dilated convolutions. Apply {@link quantizedLayer} on top of this mixin so that padding happens after the input
 * quantizer. Adds `padValues` to `getConfig`.
 */
export function paddedConv<TBase extends LayerConstructor<FloatLayer>>(
  Base: TBase,
): TBase & LayerConstructor<FloatLayer & PaddedConvFields> {
  abstract class PaddedConvBase extends Base implements PaddedConvFields {
    declare padValues: number;

    constructor(...params: any[]) {
      const raw = (params[0] ?? {}) as Record<string, unknown>;
      const { padValues, ...rest } = raw;
      const value = padValues === undefined || padValues === null ? 0 : padValues;
      if (typeof value !== "number" || !Number.isFinite(value)) invalidArgument("padValues", padValues, "a finite number");
      if (value !== 0 && rest.padding === "causal") {
        throw new Error(`Invalid padValues: padding "causal" only supports padValues 0, received ${describeValue(padValues)}.`);
      }
      super(rest, ...params.slice(1));
      this.padValues = value;
    }

    /** Runs `fn` with `this.padding` temporarily replaced (the tfjs layers read it in `call`). */
    withPadding<R>(padding: string, fn: () => R): R {
      const saved = this.padding;
      this.padding = padding;
      try {
        return fn();
      } finally {
        this.padding = saved;
      }
    }

    /** The explicit spatial paddings used for "same"/"causal" padding of an input of `shape`. */
    explicitPadding(shape: number[]): Array<[number, number]> {
      const rank = this.kernelSize.length;
      const first = this.dataFormat === "channelsFirst" ? 2 : 1;
      const dilation = asArray(this.dilationRate, rank);
      return this.kernelSize.map((k, i) => {
        if (this.padding === "causal") return [(k - 1) * dilation[i], 0] as [number, number];
        return samePadding(shape[first + i], k, this.strides[i], dilation[i]);
      });
    }

    /**
     * Runs `fn` with the spatial kernels replaced by zero-dilated views and `dilationRate` set to 1
     * when the layer is dilated: tfjs has no gradients for dilated convolutions.
     */
    withDilatedKernels<R>(fn: () => R): R {
      const rank = this.kernelSize.length;
      const dilation = asArray(this.dilationRate, rank);
      if (dilation.every((d) => d === 1)) return fn();
      const savedRate = this.dilationRate;
      const savedKernel = this.kernel;
      const savedDepthwise = this.depthwiseKernel;
      const dilatedView = (v: LayerVariable): LayerVariable =>
        Object.create(v, { read: { value: () => dilateKernel(v.read(), dilation) } }) as LayerVariable;
      this.dilationRate = new Array<number>(rank).fill(1);
      if (savedKernel) this.kernel = dilatedView(savedKernel);
      if (savedDepthwise) this.depthwiseKernel = dilatedView(savedDepthwise);
      try {
        return fn();
      } finally {
        this.dilationRate = savedRate;
        this.kernel = savedKernel;
        this.depthwiseKernel = savedDepthwise;
      }
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      const explicit = this.padding === "causal" || (this.padding === "same" && this.padValues !== 0);
      return tf.tidy(() => {
        if (!explicit) return this.withDilatedKernels(() => super.call(inputs, kwargs));
        const x = singleInput(inputs, this.getClassName());
        const padded = padSpatial(x, this.explicitPadding(x.shape), this.padValues, this.dataFormat);
        return this.withPadding("valid", () => this.withDilatedKernels(() => super.call(padded, kwargs)));
      });
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
      if (this.padding === "causal") return this.withPadding("same", () => super.computeOutputShape(inputShape));
      return super.computeOutputShape(inputShape);
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), padValues: this.padValues };
    }
  }
  return PaddedConvBase as unknown as TBase & LayerConstructor<FloatLayer & PaddedConvFields>;
}
