/**
 * Effect `weightRegistry`: `tf.layers.Layer.prototype.addWeight` records every new weight with its layer.
 *
 * @packageDocumentation
 */
import { registerLayerVariable, type LayerVariable } from "../optimizers/variables.js";
import { Layer } from "../utils/tfjs.js";
import { replaceProperty } from "./patch.js";

let restore: (() => void) | null = null;

/**
 * Wraps `tf.layers.Layer.prototype.addWeight` so that each weight it creates is recorded in the registry of
 * `lq.optimizers.lookupVariable` with its layer and weight name. Idempotent.
 *
 * @returns true if the patch was applied now, false if it was already in place.
 */
export function installWeightRegistry(): boolean {
  if (restore !== null) return false;
  const proto = Layer.prototype as unknown as Record<string, unknown>;
  const original = proto.addWeight;
  if (typeof original !== "function") {
    throw new Error("Invalid tfjs-layers: expected tf.layers.Layer.prototype.addWeight to be a function, received none.");
  }
  restore = replaceProperty(proto, "addWeight", function addWeight(this: Layer, name: string, ...rest: unknown[]): LayerVariable {
    const weight = (original as (this: Layer, name: string, ...rest: unknown[]) => LayerVariable).call(this, name, ...rest);
    registerLayerVariable(weight, this, name);
    return weight;
  });
  return true;
}

/** Restores tfjs's own `addWeight`. Weights already recorded stay recorded. Idempotent; true if it was installed. */
export function uninstallWeightRegistry(): boolean {
  if (restore === null) return false;
  restore();
  restore = null;
  return true;
}

/** Whether {@link installWeightRegistry} is in effect. */
export function weightRegistryInstalled(): boolean {
  return restore !== null;
}
