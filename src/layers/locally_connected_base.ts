/**
 * The float locally connected layers (Keras' `LocallyConnected1D/2D`, which tfjs-layers lacks) that
 * {@link QuantLocallyConnected1D} and {@link QuantLocallyConnected2D} quantize, and their kernels.
 *
 * @remarks
 * The float classes extend tfjs' generic convolution base (recovered at run time from `Conv2D`), which
 * parses and serializes `filters`, `kernelSize`, `strides`, `padding`, `dataFormat`, `activation`,
 * `useBias`, the initializers, regularizers and constraints exactly like the convolutions; this module
 * replaces the weights (`build`) and the computation (`call`) with Keras' unshared-weight ones.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import { InputSpec } from "@tensorflow/tfjs-layers";

import { describeValue, invalidArgument } from "../utils/errors.js";
import type { Kwargs, Shape } from "../utils/tfjs.js";
import { Conv2D, type ConvLayerArgs, type FloatLayer } from "./tfjs_classes.js";

/** Spatial geometry of a locally connected layer, seen as 2D (1D layers have a height of 1). */
export interface LocalGeometry {
  /** Input rows and columns. */
  inRows: number;
  inCols: number;
  /** Input channels. */
  inChannels: number;
  /** Output rows and columns. */
  outRows: number;
  outCols: number;
  /** Output channels (`filters`). */
  filters: number;
  /** Kernel rows and columns. */
  kernelRows: number;
  kernelCols: number;
  /** Strides along rows and columns. */
  strideRows: number;
  strideCols: number;
  /** `"valid"` or `"same"` (the latter only for implementation 2). */
  padding: "valid" | "same";
  /** Layout of inputs and outputs. */
  dataFormat: "channelsFirst" | "channelsLast";
}

/** Keras' output length of a locally connected (or convolution) axis: valid ⌈(n−k+1)/s⌉, same ⌈n/s⌉. */
export function localOutputLength(inputLength: number, kernelSize: number, stride: number, padding: string): number {
  return padding === "same" ? Math.ceil(inputLength / stride) : Math.ceil((inputLength - kernelSize + 1) / stride);
}

/**
 * The input positions (half-open `[start, end)`) that output position `o` of one axis sees, as in
 * Keras' `conv_connected_inputs`: valid `[o·s, o·s + k)`; same `[o·s − ⌊k/2⌋, o·s + k − ⌊k/2⌋)`,
 * both clipped to `[0, n)`.
 */
export function connectedRange(o: number, n: number, k: number, s: number, padding: string): [number, number] {
  const left = Math.floor(k / 2);
  const centre = o * s + (padding === "valid" ? left : 0);
  return [Math.max(0, centre - left), Math.min(n, centre + k - left)];
}

/**
 * Keras' kernel shape for a locally connected layer.
 *
 * @remarks
 * - implementation 1: `[outputPositions, kernelPositions·inChannels, filters]` where the middle axis
 *   enumerates a patch as `(kernelRow, kernelCol, channel)` for channels-last and
 *   `(channel, kernelRow, kernelCol)` for channels-first inputs;
 * - implementation 2 (a dense kernel masked to the receptive fields): channels-last
 *   `[...inSpatial, inChannels, ...outSpatial, filters]`, channels-first
 *   `[inChannels, ...inSpatial, filters, ...outSpatial]`.
 */
export function localKernelShape(rank: 1 | 2, implementation: 1 | 2, g: LocalGeometry): number[] {
  const inSpatial = rank === 1 ? [g.inCols] : [g.inRows, g.inCols];
  const outSpatial = rank === 1 ? [g.outCols] : [g.outRows, g.outCols];
  if (implementation === 1) {
    return [g.outRows * g.outCols, g.kernelRows * g.kernelCols * g.inChannels, g.filters];
  }
  return g.dataFormat === "channelsLast"
    ? [...inSpatial, g.inChannels, ...outSpatial, g.filters]
    : [g.inChannels, ...inSpatial, g.filters, ...outSpatial];
}

/**
 * The 0/1 connectivity mask of implementation 2, shaped to broadcast against the kernel seen as
 * `[inRows, inCols, inChannels, outRows, outCols, filters]` (channels-last) or
 * `[inChannels, inRows, inCols, filters, outRows, outCols]` (channels-first).
 */
export function localMask(g: LocalGeometry): { values: Float32Array; shape: number[] } {
  const values = new Float32Array(g.inRows * g.inCols * g.outRows * g.outCols);
  for (let or = 0; or < g.outRows; or++) {
    const [r0, r1] = connectedRange(or, g.inRows, g.kernelRows, g.strideRows, g.padding);
    for (let oc = 0; oc < g.outCols; oc++) {
      const [c0, c1] = connectedRange(oc, g.inCols, g.kernelCols, g.strideCols, g.padding);
      for (let ir = r0; ir < r1; ir++) {
        for (let ic = c0; ic < c1; ic++) {
          values[((ir * g.inCols + ic) * g.outRows + or) * g.outCols + oc] = 1;
        }
      }
    }
  }
  const shape =
    g.dataFormat === "channelsLast" ? [g.inRows, g.inCols, 1, g.outRows, g.outCols, 1] : [1, g.inRows, g.inCols, 1, g.outRows, g.outCols];
  return { values, shape };
}

/** Every `stride`-th entry of `count` entries along `axis`, starting at `start` (gradient-friendly slices). */
function stridedTake(x: tf.Tensor, axis: number, start: number, count: number, stride: number): tf.Tensor {
  const begin = x.shape.map(() => 0);
  const size = [...x.shape];
  begin[axis] = start;
  size[axis] = count * stride;
  const block = tf.slice(x, begin, size);
  if (stride === 1) return block;
  const split = [...x.shape.slice(0, axis), count, stride, ...x.shape.slice(axis + 1)];
  const firsts = tf.slice(
    tf.reshape(block, split),
    split.map(() => 0),
    split.map((d, i) => (i === axis + 1 ? 1 : d)),
  );
  return tf.reshape(firsts, [...x.shape.slice(0, axis), count, ...x.shape.slice(axis + 1)]);
}

/**
 * Implementation 1 of Keras' `local_conv`: one small matrix product per output position.
 *
 * @remarks
 * out[b, p, f] = Σ_j patch_p(x)[b, j] · K[p, j, f], where patch_p flattens the receptive field of
 * output position p in Keras' order (see {@link localKernelShape}). The patches are gathered with
 * slices (which have gradients on every backend) and multiplied in one batched `matMul`.
 *
 * @param x - channels-last input `[batch, inRows, inCols, inChannels]`.
 * @param kernel - `[outRows·outCols, kernelRows·kernelCols·inChannels, filters]`.
 * @returns channels-last output `[batch, outRows, outCols, filters]`.
 */
export function localConvPatches(x: tf.Tensor4D, kernel: tf.Tensor, g: LocalGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const batch = x.shape[0];
    const needRows = g.kernelRows - 1 + g.outRows * g.strideRows;
    const needCols = g.kernelCols - 1 + g.outCols * g.strideCols;
    const padded = tf.pad(x, [
      [0, 0],
      [0, Math.max(0, needRows - g.inRows)],
      [0, Math.max(0, needCols - g.inCols)],
      [0, 0],
    ]);
    const patches: tf.Tensor[] = [];
    for (let i = 0; i < g.kernelRows; i++) {
      const rows = stridedTake(padded, 1, i, g.outRows, g.strideRows);
      for (let j = 0; j < g.kernelCols; j++) patches.push(stridedTake(rows, 2, j, g.outCols, g.strideCols));
    }
    // [batch, outRows, outCols, kernelPositions, channels]
    let stacked = tf.stack(patches, 3);
    if (g.dataFormat === "channelsFirst") stacked = tf.transpose(stacked, [0, 1, 2, 4, 3]);
    const positions = g.outRows * g.outCols;
    const flat = tf.reshape(stacked, [batch, positions, g.kernelRows * g.kernelCols * g.inChannels]);
    const perPosition = tf.matMul(tf.transpose(flat, [1, 0, 2]) as tf.Tensor3D, kernel as tf.Tensor3D);
    return tf.reshape(tf.transpose(perPosition, [1, 0, 2]), [batch, g.outRows, g.outCols, g.filters] as [number, number, number, number]);
  });
}

/**
 * Implementation 2 of Keras' locally connected layers: one product with the masked dense kernel.
 *
 * @remarks
 * out = flatten(x) · reshape(K ⊙ M, [inputSize, outputSize]), where M is {@link localMask}. x and the
 * output keep the layer's data format (the kernel layout follows it).
 *
 * @param x - input in the layer's data format, seen as 2D (`[batch, rows, cols, ch]` or `[batch, ch, rows, cols]`).
 * @param kernel - the implementation-2 kernel ({@link localKernelShape}).
 * @param mask - {@link localMask} of the geometry, as a tensor.
 * @returns the output seen as 2D, in the layer's data format.
 */
export function localConvMasked(x: tf.Tensor4D, kernel: tf.Tensor, mask: tf.Tensor, g: LocalGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const batch = x.shape[0];
    const inSize = g.inRows * g.inCols * g.inChannels;
    const outSize = g.outRows * g.outCols * g.filters;
    const kernel6 =
      g.dataFormat === "channelsLast"
        ? [g.inRows, g.inCols, g.inChannels, g.outRows, g.outCols, g.filters]
        : [g.inChannels, g.inRows, g.inCols, g.filters, g.outRows, g.outCols];
    const masked = tf.mul(tf.reshape(kernel, kernel6), mask);
    const y = tf.matMul(tf.reshape(x, [batch, inSize]) as tf.Tensor2D, tf.reshape(masked, [inSize, outSize]) as tf.Tensor2D);
    const outShape = g.dataFormat === "channelsLast" ? [batch, g.outRows, g.outCols, g.filters] : [batch, g.filters, g.outRows, g.outCols];
    return tf.reshape(y, outShape as [number, number, number, number]);
  });
}

/** tfjs' generic convolution base class (`Conv2D`'s parent), recovered at run time. */
const Conv = Object.getPrototypeOf(Conv2D) as new (rank: number, args: ConvLayerArgs) => FloatLayer;

/** Arguments of the float locally connected layers (the convolution arguments minus dilation, plus `implementation`). */
export interface LocallyConnectedArgs extends Omit<ConvLayerArgs, "dilationRate" | "padding"> {
  /** `"valid"` (default) or, with implementation 2 only, `"same"` (case-insensitive). */
  padding?: "valid" | "same";
  /**
   * 1 (default): one matrix product per output position with a compact kernel; 2: one product with a
   * dense kernel masked to the receptive fields (more memory, fewer ops, allows `"same"`). Both compute
   * the same function; their kernels have different layouts ({@link localKernelShape}), as in Keras.
   */
  implementation?: 1 | 2;
}

function checkImplementation(value: unknown, padding: unknown): 1 | 2 {
  const implementation = value === undefined || value === null ? 1 : value;
  if (implementation !== 1 && implementation !== 2) invalidArgument("implementation", value, "1 or 2");
  if (implementation === 1 && padding !== undefined && padding !== null && padding !== "valid") {
    throw new Error(
      `Invalid padding: implementation 1 of a locally connected layer only supports "valid", received ` +
        `${describeValue(padding)}; use implementation 2 for "same".`,
    );
  }
  return implementation;
}

/**
 * The float locally connected layer of spatial rank 1 or 2 (Keras' `LocallyConnected1D/2D`).
 *
 * @remarks
 * Like a convolution, except that every output position has its own filters:
 * y[o, f] = activation(Σ_{i ∈ field(o), c} x[i, c] · W[o][i − start(o), c, f] + b[o, f]).
 * Weights `kernel` (layout per {@link localKernelShape}) and `bias` of shape `[...outSpatial, filters]`.
 * With channels-first data, Keras adds the bias after reshaping (not transposing) it to
 * `[filters, ...outSpatial]`; this layer does the same so that converted Keras weights give identical
 * results. The default `kernelInitializer` is `"glorotUniform"` (Keras'), not tfjs' convolution default.
 */
export class LocallyConnectedBase extends Conv {
  /** 1 or 2, see {@link LocallyConnectedArgs.implementation}. */
  readonly implementation: 1 | 2;
  /** Geometry fixed at build time. */
  protected geometry: LocalGeometry | null = null;
  /** Connectivity mask of implementation 2 (plain numbers; a tensor is made per call). */
  private maskValues: { values: Float32Array; shape: number[] } | null = null;

  constructor(rank: 1 | 2, args: LocallyConnectedArgs) {
    const { implementation, ...rest } = args as LocallyConnectedArgs & { dilationRate?: unknown };
    if ("dilationRate" in rest && rest.dilationRate !== undefined && rest.dilationRate !== null) {
      const d = rest.dilationRate;
      if (!(d === 1 || (Array.isArray(d) && d.every((v) => v === 1)))) {
        invalidArgument("dilationRate", d, "nothing: locally connected layers have no dilation");
      }
    }
    delete rest.dilationRate;
    const impl = checkImplementation(implementation, rest.padding);
    super(rank, { ...rest, kernelInitializer: rest.kernelInitializer ?? "glorotUniform" } as ConvLayerArgs);
    this.implementation = impl;
  }

  /** The geometry for a (rank + 2)-D input shape. */
  protected geometryOf(inputShape: Shape): LocalGeometry {
    const rank = this.kernelSize.length as 1 | 2;
    if (inputShape.length !== rank + 2) {
      throw new Error(`${this.getClassName()} expects inputs of rank ${rank + 2}, received shape ${describeValue(inputShape)}.`);
    }
    const channelsLast = this.dataFormat === "channelsLast";
    const spatial = channelsLast ? inputShape.slice(1, -1) : inputShape.slice(2);
    const channels = channelsLast ? inputShape[inputShape.length - 1] : inputShape[1];
    if (spatial.some((d) => d === null) || channels === null) {
      throw new Error(
        `${this.getClassName()} needs fully defined spatial and channel dimensions, received input shape ` +
          `${describeValue(inputShape)}.`,
      );
    }
    const dims = (rank === 1 ? [1, ...spatial] : spatial) as number[];
    const kernel = rank === 1 ? [1, ...this.kernelSize] : this.kernelSize;
    const strides = rank === 1 ? [1, ...this.strides] : this.strides;
    const padding = this.padding as "valid" | "same";
    const out = dims.map((n, i) => localOutputLength(n, kernel[i], strides[i], padding));
    if (out.some((n) => n <= 0)) {
      throw new Error(
        `${this.getClassName()} "${this.name}": input shape ${describeValue(inputShape)} is too small for ` +
          `kernelSize ${describeValue(this.kernelSize)} and strides ${describeValue(this.strides)} (output size ${out.join("x")}).`,
      );
    }
    return {
      inRows: dims[0],
      inCols: dims[1],
      inChannels: channels as number,
      outRows: out[0],
      outCols: out[1],
      filters: this.filters,
      kernelRows: kernel[0],
      kernelCols: kernel[1],
      strideRows: strides[0],
      strideCols: strides[1],
      padding,
      dataFormat: this.dataFormat,
    };
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const g = this.geometryOf(shape);
    const rank = this.kernelSize.length as 1 | 2;
    this.geometry = g;
    this.kernel = this.addWeight(
      "kernel",
      localKernelShape(rank, this.implementation, g),
      "float32",
      this.kernelInitializer,
      this.kernelRegularizer,
      true,
      this.kernelConstraint,
    );
    const biasShape = rank === 1 ? [g.outCols, g.filters] : [g.outRows, g.outCols, g.filters];
    this.bias = this.useBias
      ? this.addWeight(
          "bias",
          biasShape,
          "float32",
          (this as unknown as { biasInitializer: unknown }).biasInitializer,
          (this as unknown as { biasRegularizer: unknown }).biasRegularizer,
          true,
          this.biasConstraint,
        )
      : null;
    if (this.implementation === 2) this.maskValues = localMask(g);
    const channelAxis = this.dataFormat === "channelsFirst" ? 1 : rank + 1;
    this.inputSpec = [new InputSpec({ ndim: rank + 2, axes: { [channelAxis]: g.inChannels } })];
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const g = this.geometry;
      if (g === null || this.kernel === null) throw new Error(`${this.getClassName()} "${this.name}" is not built.`);
      const channelsLast = this.dataFormat === "channelsLast";
      const batch = x.shape[0];
      const expected = this.geometryOf([null, ...x.shape.slice(1)]);
      if (expected.inRows !== g.inRows || expected.inCols !== g.inCols || expected.inChannels !== g.inChannels) {
        throw new Error(
          `${this.getClassName()} "${this.name}" was built for inputs of shape ${describeValue(this.builtInputShape())} ` +
            `(its weights are unshared per position), received shape ${describeValue(x.shape)}.`,
        );
      }
      // See 1D as 2D with one row.
      const x4 = tf.reshape(
        x,
        channelsLast ? [batch, g.inRows, g.inCols, g.inChannels] : [batch, g.inChannels, g.inRows, g.inCols],
      ) as tf.Tensor4D;
      const kernel = this.kernel.read();
      let y: tf.Tensor;
      if (this.implementation === 1) {
        const xLast = channelsLast ? x4 : (tf.transpose(x4, [0, 2, 3, 1]) as tf.Tensor4D);
        y = localConvPatches(xLast, kernel, g);
        if (!channelsLast) y = tf.transpose(y, [0, 3, 1, 2]);
      } else {
        const mask = tf.tensor(this.maskValues!.values, this.maskValues!.shape);
        y = localConvMasked(x4, kernel, mask, g);
      }
      if (this.bias !== null) {
        const biasShape = channelsLast ? [1, g.outRows, g.outCols, g.filters] : [1, g.filters, g.outRows, g.outCols];
        y = tf.add(y, tf.reshape(this.bias.read(), biasShape));
      }
      y = this.activation.apply(y);
      const outShape = (this.computeOutputShape([batch, ...x.shape.slice(1)]) as number[]).slice();
      outShape[0] = batch;
      return tf.reshape(y, outShape);
    });
  }

  /** The input shape (without batch) the weights were built for, for error messages. */
  private builtInputShape(): number[] {
    const g = this.geometry!;
    const spatial = this.kernelSize.length === 1 ? [g.inCols] : [g.inRows, g.inCols];
    return this.dataFormat === "channelsLast" ? [...spatial, g.inChannels] : [g.inChannels, ...spatial];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const rank = this.kernelSize.length;
    const channelsLast = this.dataFormat === "channelsLast";
    const spatial = channelsLast ? shape.slice(1, 1 + rank) : shape.slice(2, 2 + rank);
    const out = spatial.map((n, i) => (n === null ? null : localOutputLength(n, this.kernelSize[i], this.strides[i], this.padding)));
    return channelsLast ? [shape[0], ...out, this.filters] : [shape[0], this.filters, ...out];
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    delete config.dilationRate;
    delete config.rank;
    config.implementation = this.implementation;
    return config;
  }
}
