/**
 * Effect `batchNormalizationFix`: tfjs-layers' `BatchNormalization` trains with `scale: false` and/or
 * `center: false`.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers";

import { batchNormTrainingCall, type BatchNormLayer } from "../training/batch_normalization.js";
import type { Kwargs } from "../utils/tfjs.js";
import { registeredClass } from "./internals.js";
import { replaceProperty } from "./patch.js";

type CallFn = (this: unknown, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];

let restore: (() => void) | null = null;

/** `BatchNormalization.prototype` of tfjs-layers (the class is not exported; it is found by its registered name). */
export function batchNormalizationPrototype(): Record<string, unknown> {
  const entry = registeredClass("BatchNormalization");
  if (entry === undefined) {
    throw new Error("Invalid tfjs-layers: expected BatchNormalization to be registered, received no such class.");
  }
  return (entry[0] as unknown as { prototype: Record<string, unknown> }).prototype;
}

/**
 * Makes tfjs-layers' `BatchNormalization` train with `scale: false` and/or `center: false` (the
 * `batchNormalizationFix` effect, installed on import of `larq-ts`, not of `larq-ts/core`; idempotent).
 *
 * @remarks
 * tfjs-layers 4.22 reads `gamma` and `beta` unconditionally in the training branch, so a layer built without
 * either throws as soon as `model.fit` (or any call with `training: true`) runs. BNNs put exactly such a layer
 * after every binary layer. The patch replaces `BatchNormalization.prototype.call`, keeping tfjs's class,
 * `className` ("BatchNormalization") and weights, so saved models load unchanged; it only replaces the training
 * branch when a parameter is absent (batch mean and biased variance; moving averages updated as Keras does, with
 * the unbiased batch variance for 4-D inputs as TensorFlow's fused kernel gives it). Layers with both parameters,
 * and every inference call, keep tfjs's own code path.
 *
 * @returns true if the patch was applied now, false if it was already in place.
 */
export function patchBatchNormalization(): boolean {
  if (restore !== null) return false;
  const proto = batchNormalizationPrototype();
  const original = proto.call as CallFn;
  if (typeof original !== "function") {
    throw new Error("Invalid tfjs-layers: expected BatchNormalization.prototype.call to be a function, received none.");
  }
  const patched: CallFn = function call(this: unknown, inputs, kwargs) {
    const layer = this as BatchNormLayer;
    const training = kwargs?.training === true;
    if (!training || (layer.gamma != null && layer.beta != null)) return original.call(this, inputs, kwargs);
    return batchNormTrainingCall(layer, inputs);
  };
  restore = replaceProperty(proto, "call", patched);
  return true;
}

/** Restores tfjs's own `BatchNormalization.prototype.call`. Idempotent; true if the patch was in place. */
export function unpatchBatchNormalization(): boolean {
  if (restore === null) return false;
  restore();
  restore = null;
  return true;
}

/** Whether {@link patchBatchNormalization} is in effect. */
export function batchNormalizationPatched(): boolean {
  return restore !== null;
}
