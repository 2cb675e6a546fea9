/**
 * A registry from tfjs variable names to the tfjs-layers `LayerVariable`s (and their owning layers) that
 * created them.
 *
 * @remarks
 * tfjs optimizers only ever see plain `tf.Variable`s, addressed by name (`applyGradients({name: grad})`),
 * while the facts larq-ts needs to train correctly live on the layer side: a weight's constraint, its
 * precision (binary or not) and the quantizer / training metrics of its layer. The `weightRegistry` effect
 * (`lq.effects`, installed on import of `larq-ts`, not of `larq-ts/core`) wraps
 * `tf.layers.Layer.prototype.addWeight` so that every weight created afterwards, by larq-ts layers and tfjs
 * layers alike, is recorded here together with its layer, its weight name (`"kernel"`, `"bias"`, …) and
 * the training metrics of the enclosing `lq.context.metricsScope`. Weights created before (or without) it
 * are picked up by {@link registerModelVariables}, which the training callbacks call at the start of
 * `model.fit`. Entries hold weak references, so the registry never keeps a disposed model alive.
 *
 * Layers engineers may call {@link registerLayerVariable} directly for variables they create without
 * `addWeight`, and may set a numeric `precision` property on a `LayerVariable` (or a `tf.Variable`) to
 * mark it explicitly (1 = binary).
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { getTrainingMetrics } from "../context/index.js";
import { latentVariable, ownWeights } from "../effects/internals.js";
import { precisionOf, type QuantizerLike } from "../quantizers/base.js";
import { Layer } from "../utils/tfjs.js";

/** tfjs-layers' weight wrapper (`tf.LayerVariable`). */
export type LayerVariable = tfl.LayerVariable;

/** What the registry knows about one weight. */
export interface VariableRecord {
  /** The weight. */
  readonly variable: LayerVariable;
  /** The layer that created it, if known. */
  readonly layer: Layer | null;
  /** The name the layer gave the weight in `addWeight` (`"kernel"`, `"bias"`, …), if known. */
  readonly weightName: string | null;
  /** Training metrics of the `lq.context.metricsScope` active when the weight was created. */
  readonly scopeMetrics: readonly string[];
}

interface Entry {
  variable: WeakRef<LayerVariable>;
  layer: WeakRef<Layer> | null;
  weightName: string | null;
  scopeMetrics: readonly string[];
}

const entries = new Map<string, Entry>();
let pruneAt = 256;

export { latentVariable };

function isDisposed(variable: LayerVariable): boolean {
  return latentVariable(variable).isDisposed;
}

function prune(): void {
  for (const [name, entry] of entries) {
    const variable = entry.variable.deref();
    if (variable === undefined || isDisposed(variable)) entries.delete(name);
  }
  pruneAt = Math.max(256, entries.size * 2);
}

/**
 * Records `variable` (created by `layer` under `weightName`) so that optimizers and callbacks can find
 * its constraint, precision and layer from the variable's name. Idempotent.
 */
export function registerLayerVariable(variable: LayerVariable, layer: Layer | null = null, weightName: string | null = null): void {
  const existing = entries.get(variable.name);
  if (existing !== undefined && existing.variable.deref() === variable) {
    if (layer !== null && existing.layer === null) existing.layer = new WeakRef(layer);
    if (weightName !== null && existing.weightName === null) existing.weightName = weightName;
    return;
  }
  entries.set(variable.name, {
    variable: new WeakRef(variable),
    layer: layer === null ? null : new WeakRef(layer),
    weightName,
    scopeMetrics: Object.freeze(getTrainingMetrics()),
  });
  if (entries.size > pruneAt) prune();
}

/** The tfjs variable name of a `tf.Variable`, a `LayerVariable` or a name. */
function nameOf(variable: tf.Variable | LayerVariable | string): string {
  return typeof variable === "string" ? variable : variable.name;
}

/** The registry record of a variable (by `tf.Variable`, `LayerVariable` or name), or `null` if unknown or disposed. */
export function lookupVariable(variable: tf.Variable | LayerVariable | string): VariableRecord | null {
  const name = nameOf(variable);
  const entry = entries.get(name);
  if (entry === undefined) return null;
  const layerVariable = entry.variable.deref();
  if (layerVariable === undefined || isDisposed(layerVariable)) {
    entries.delete(name);
    return null;
  }
  return {
    variable: layerVariable,
    layer: entry.layer?.deref() ?? null,
    weightName: entry.weightName,
    scopeMetrics: entry.scopeMetrics,
  };
}

/** Recursively yields the layers of a model (nested models included). */
export function* walkLayers(layer: Layer): Generator<Layer> {
  yield layer;
  const children = (layer as unknown as { layers?: Layer[] }).layers;
  if (Array.isArray(children)) {
    for (const child of children) yield* walkLayers(child);
  }
}

/**
 * Registers every weight of `model` (and of its nested layers) that is not yet known, with its owning
 * layer. Called by the larq-ts training callbacks at the start of `model.fit`, which covers layers
 * created before larq-ts was imported.
 */
export function registerModelVariables(model: Layer): void {
  for (const layer of walkLayers(model)) {
    for (const weight of ownWeights(layer)) {
      const known = lookupVariable(weight.name);
      if (known === null) {
        // Recover the addWeight name from the scoped name "<layer>/<weight>" (tfjs may append "_1" etc.).
        const scoped = (weight as unknown as { originalName?: string }).originalName ?? weight.name;
        registerLayerVariable(weight, layer, scoped.split("/").pop() ?? null);
      } else if (known.layer === null) {
        registerLayerVariable(weight, layer, null);
      }
    }
  }
}

/** Attribute of a layer holding the quantizer of each kind of quantized weight (larq's naming). */
const QUANTIZER_ATTRIBUTES: Record<string, string> = {
  kernel: "kernelQuantizer",
  depthwise_kernel: "depthwiseQuantizer",
  pointwise_kernel: "pointwiseQuantizer",
};

/**
 * The quantizer the owning layer applies to a weight (e.g. a QuantDense kernel's `kernelQuantizer`), or
 * `undefined` if the weight is not quantized or its layer is unknown.
 */
export function quantizerOfVariable(variable: tf.Variable | LayerVariable | string): QuantizerLike | undefined {
  const own = typeof variable === "string" ? undefined : (variable as unknown as { quantizer?: QuantizerLike }).quantizer;
  if (own !== undefined && own !== null) return own;
  const record = lookupVariable(variable);
  if (record === null) return undefined;
  const fromVariable = (record.variable as unknown as { quantizer?: QuantizerLike }).quantizer;
  if (fromVariable !== undefined && fromVariable !== null) return fromVariable;
  if (record.layer === null || record.weightName === null) return undefined;
  const attribute = QUANTIZER_ATTRIBUTES[record.weightName];
  if (attribute === undefined) return undefined;
  const quantizer = (record.layer as unknown as Record<string, unknown>)[attribute];
  return quantizer === undefined || quantizer === null ? undefined : (quantizer as QuantizerLike);
}

/**
 * The precision (bits) larq-ts assumes for a variable.
 *
 * @remarks
 * In order: a numeric `precision` property on the given object; one on its registered `LayerVariable`;
 * the precision of the quantizer its layer applies to it (`kernelQuantizer` for `"kernel"`, …); else 32.
 */
export function variablePrecision(variable: tf.Variable | LayerVariable | string): number {
  if (typeof variable !== "string") {
    const own = (variable as unknown as { precision?: unknown }).precision;
    if (typeof own === "number") return own;
  }
  const record = lookupVariable(variable);
  if (record !== null) {
    const tagged = (record.variable as unknown as { precision?: unknown }).precision;
    if (typeof tagged === "number") return tagged;
  }
  const quantizer = quantizerOfVariable(variable);
  return quantizer === undefined ? 32 : precisionOf(quantizer);
}

/** Names of all registered, not yet disposed variables. */
export function registeredVariableNames(): string[] {
  const names: string[] = [];
  for (const name of [...entries.keys()]) {
    if (lookupVariable(name) !== null) names.push(name);
  }
  return names;
}

/** A tensor with a name, as tfjs optimizers exchange gradients and state (`tf.NamedTensor` in tfjs-core, not exported by name). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
