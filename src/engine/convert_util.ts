/**
 * Helpers of the converter: the layer-graph node type, config and weight reading, activation names, quantizer forms.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { inferenceFormOf, type QuantizerLike } from "../quantizers/base.js";

/** A tfjs layer with its larq-ts fields. @internal */
export type AnyLayer = tfl.layers.Layer & Record<string, any>;

/** A symbolic tensor of the model being converted. @internal */
export interface SymTensor {
  id: number;
  shape: (number | null)[];
  sourceLayer: AnyLayer;
  inputs: SymTensor[];
}

/** A node of the layer graph in topological order. @internal */
export interface LNode {
  id: number;
  layer: AnyLayer;
  cls: string;
  inputs: number[];
  shape: number[];
  consumers: number[];
}

/**
 * A layer's config with Keras 2's one-element `axis` lists ([3], as Python Keras saves BatchNormalization)
 * read as the integer they hold; tfjs keeps whatever the file gave.
 */
export function layerConfig(layer: { getConfig(): unknown }): Record<string, any> {
  const cfg = { ...(layer.getConfig() as Record<string, any>) };
  if (Array.isArray(cfg.axis) && cfg.axis.length === 1) cfg.axis = cfg.axis[0];
  return cfg;
}

/**
 * Whether a quantizer is a 1-bit sign quantizer the engine runs: its declared inference form (see
 * `InferenceForm` in quantizers/base.ts) is larq's sign (sign(0) = +1) or the per-channel scaled sign of
 * MagnitudeAwareSign.
 */
export function isSignQuantizer(q: QuantizerLike | undefined): boolean {
  const f = inferenceFormOf(q);
  return f !== undefined && ((f.kind === "sign" && f.zero === "positive") || f.kind === "scaledSign");
}

/** Whether a quantizer is a plain sign (±1, no scale): usable as a binary layer's input quantizer. */
export function isPlainSign(q: QuantizerLike | undefined): boolean {
  const f = inferenceFormOf(q);
  return f !== undefined && f.kind === "sign" && f.zero === "positive";
}

/** Whether a quantizer is MagnitudeAwareSign's scaled sign (α_c = mean |w| per output channel). */
export function isScaledSign(q: QuantizerLike | undefined): boolean {
  return inferenceFormOf(q)?.kind === "scaledSign";
}

/** A quantizer's name for error messages: its class or function name, lower case without underscores. */
export function quantizerLabel(q: QuantizerLike | undefined): string {
  if (q === null || q === undefined) return "none";
  const raw = typeof q === "function" ? q.name || "anonymous" : q.getClassName();
  return raw.replace(/_/g, "").toLowerCase();
}

/** Normalised activation name: lower case without underscores ("linear" for none). */
export function activationName(a: unknown): string {
  if (a === undefined || a === null) return "linear";
  if (typeof a === "string") return a.replace(/_/g, "").toLowerCase();
  if (typeof a === "object") {
    const o = a as Record<string, unknown>;
    if (typeof o.getClassName === "function") return activationName((o.getClassName as () => string)());
    if (typeof o.className === "string") return activationName(o.className);
    if (typeof o.class_name === "string") return activationName(o.class_name);
  }
  return String(a);
}

/** Clamp activations that fold into an output transform: name → [lo, hi]. */
export const CLAMPS: Record<string, [number, number]> = { relu: [0, Infinity], relu6: [0, 6], hardtanh: [-1, 1] };

/** A pair attribute (`[a, b]`, a number, or `dflt` for none). */
export function pairOf(v: unknown, dflt: number): [number, number] {
  if (v === undefined || v === null) return [dflt, dflt];
  if (typeof v === "number") return [v, v];
  const a = v as number[];
  return [a[0], a.length > 1 ? a[1] : a[0]];
}

/** Reads a layer weight by its short name (`kernel`, `bias`, `gamma`, …): latent values for quantized weights. */
export function readWeight(layer: AnyLayer, short: string): tf.Tensor | undefined {
  const v = (layer.weights as Array<Record<string, any>>).find(
    (w) => w.originalName?.split("/").pop() === short || String(w.name).split("/").pop()?.replace(/_\d+$/, "") === short,
  );
  if (!v) return undefined;
  return typeof v.readLatent === "function" ? v.readLatent() : v.read();
}

/** {@link readWeight} that throws naming the layer when the weight is missing. */
export function mustWeight(layer: AnyLayer, short: string): tf.Tensor {
  const t = readWeight(layer, short);
  if (!t) throw new Error(`lq.engine.convert: layer "${layer.name}" (${layer.getClassName()}) has no weight "${short}".`);
  return t;
}
