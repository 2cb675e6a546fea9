/**
 * The base of the transposed convolutions: tfjs' Conv2DTranspose / Conv3DTranspose extended with
 * Keras' `outputPadding` and `dilationRate`, which tfjs lacks.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { checkIntTuple } from "./args.js";
import { type LayerConstructor } from "./quantized_layer.js";
import {
  biasAndActivation,
  conv3dTransposeViaConv,
  deconvOutputLength,
  dilateKernel,
  fromChannelsLast,
  toChannelsLast,
} from "./conv_utils.js";
import type { FloatLayer } from "./tfjs_classes.js";
import type { Kwargs, Shape } from "../utils/tfjs.js";
import { describeValue } from "../utils/errors.js";

/** Arguments added by {@link transposedConv}. */
export interface TransposedConvArgs {
  /**
   * Extra size added to one side of each spatial output axis (Keras' `output_padding`); each entry
   * must be smaller than the stride along that axis. Default `null`: inferred (see `@remarks` of
   * the layers).
   */
  outputPadding?: number | number[] | null;
}

/** The public field added by {@link transposedConv}. */
export interface TransposedConvFields {
  /** Output padding per spatial axis, or `null`. */
  outputPadding: number[] | null;
}

/**
 * Mixin over tfjs' transposed convolutions: computes the output itself with `tf.conv2dTranspose`
 * (2D) or {@link conv3dTransposeViaConv} (3D; tfjs has no gradient for `tf.conv3dTranspose`), adding `outputPadding` and `dilationRate` (the kernel is dilated with
 * zeros), with Keras' output lengths ({@link deconvOutputLength}).
 */
export function transposedConv<TBase extends LayerConstructor<FloatLayer>>(
  Base: TBase,
  rank: 2 | 3,
): TBase & LayerConstructor<FloatLayer & TransposedConvFields> {
  abstract class TransposedConvBase extends Base implements TransposedConvFields {
    declare outputPadding: number[] | null;

    constructor(...params: any[]) {
      const { outputPadding, ...rest } = (params[0] ?? {}) as Record<string, unknown>;
      super(rest, ...params.slice(1));
      if (outputPadding === undefined || outputPadding === null) {
        this.outputPadding = null;
      } else {
        const padding = checkIntTuple("outputPadding", outputPadding, rank, 0);
        padding.forEach((p, i) => {
          if (p >= this.strides[i]) {
            throw new Error(
              `Invalid outputPadding: each entry must be smaller than the stride along its axis, received ` +
                `outputPadding ${describeValue(outputPadding)} with strides ${describeValue(this.strides)}.`,
            );
          }
        });
        this.outputPadding = padding;
      }
    }

    /** The dilation rate as one entry per spatial axis. */
    dilation(): number[] {
      const d = this.dilationRate;
      return typeof d === "number" ? new Array<number>(rank).fill(d) : d;
    }

    override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
      return tf.tidy(() => {
        const x = toChannelsLast(Array.isArray(inputs) ? inputs[0] : inputs, this.dataFormat);
        const kernel = dilateKernel(this.kernel!.read(), this.dilation());
        const outShape = [
          x.shape[0],
          ...x.shape
            .slice(1, -1)
            .map(
              (n, i) => deconvOutputLength(n, kernel.shape[i], this.padding, this.outputPadding?.[i] ?? null, this.strides[i]) as number,
            ),
          this.filters,
        ];
        const padding = this.padding as "valid" | "same";
        const y =
          rank === 2
            ? tf.conv2dTranspose(
                x as tf.Tensor4D,
                kernel as tf.Tensor4D,
                outShape as [number, number, number, number],
                this.strides as [number, number],
                padding,
              )
            : conv3dTransposeViaConv(x as tf.Tensor5D, kernel as tf.Tensor5D, outShape.slice(1, 4), this.strides, padding);
        return fromChannelsLast(biasAndActivation(this, y), this.dataFormat);
      });
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      const first = this.dataFormat === "channelsFirst";
      const dilation = this.dilation();
      const space = this.kernelSize.map((k, i) =>
        deconvOutputLength(shape[(first ? 2 : 1) + i], k, this.padding, this.outputPadding?.[i] ?? null, this.strides[i], dilation[i]),
      );
      return first ? [shape[0], this.filters, ...space] : [shape[0], ...space, this.filters];
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), outputPadding: this.outputPadding, dilationRate: this.dilation() };
    }
  }
  return TransposedConvBase as unknown as TBase & LayerConstructor<FloatLayer & TransposedConvFields>;
}
