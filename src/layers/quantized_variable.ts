/**
 * larq's `QuantizedVariable` as a tfjs `LayerVariable`: `read()` returns q(latent) inside
 * `lq.context.quantizedScope(true, …)` and the latent variable otherwise.
 *
 * @packageDocumentation
 */
import type * as tf from "@tensorflow/tfjs-core";

import { shouldQuantize } from "../context/index.js";
import { applyQuantizer, precisionOf, type QuantizerLike } from "../quantizers/base.js";
import type { LayerVariable } from "./tfjs_classes.js";

/** A quantized weight variable: a tfjs `LayerVariable` with the quantizer that `read()` applies. */
export type QuantizedVariable = LayerVariable & {
  /** The quantizer applied to the latent variable in the quantized scope (`null`: none). */
  quantizer: QuantizerLike;
  /** Bit width of the quantized weight (32 when unquantized). */
  precision: number;
  /** Reads the latent (full-precision) value regardless of the quantized scope. */
  readLatent(): tf.Tensor;
};

/**
 * Turns a tfjs `LayerVariable` into a quantized variable in place.
 *
 * @remarks
 * Afterwards `v.read()` returns q(latent) inside `lq.context.quantizedScope(true, …)` and the latent
 * `tf.Variable` outside it; `v.quantizer` and `v.precision` describe the quantizer. Used by the
 * quantized layer bases for every weight listed in their {@link KernelSpec}s.
 */
export function makeQuantizedVariable(variable: LayerVariable, quantizer: QuantizerLike): QuantizedVariable {
  const v = variable as QuantizedVariable;
  const latentRead = LayerVariablePrototypeRead(variable);
  v.quantizer = quantizer;
  v.precision = precisionOf(quantizer);
  v.readLatent = latentRead;
  v.read = quantizer === null ? latentRead : () => (shouldQuantize() ? applyQuantizer(quantizer, latentRead()) : latentRead());
  return v;
}

function LayerVariablePrototypeRead(variable: LayerVariable): () => tf.Tensor {
  const read = Object.getPrototypeOf(variable).read as (this: LayerVariable) => tf.Tensor;
  return () => read.call(variable);
}

/**
 * The bit width of a weight variable: its quantizer's precision for a quantized variable, 32 for
 * any other (full-precision) variable.
 */
export function weightPrecision(variable: LayerVariable | { precision?: unknown }): number {
  const precision = (variable as { precision?: unknown }).precision;
  return typeof precision === "number" ? precision : 32;
}
