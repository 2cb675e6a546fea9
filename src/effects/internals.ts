/**
 * The only place where larq-ts reads tfjs internals: fields that tfjs declares `private` or `protected`, or that
 * its documentation does not promise (the serialization map's `classNameMap`, the engine's backend `registry`,
 * `LayerVariable.val`, `Layer._trainableWeights` / `_nonTrainableWeights`).
 *
 * @remarks
 * Every other module calls these accessors instead of touching the fields, so a tfjs upgrade that renames one
 * breaks here, with a message naming the field, and `test/effects/internals.test.ts` fails on it.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** A `[class, fromConfig]` entry of tfjs's serialization map. */
export type SerializationEntry = [
  tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  tf.serialization.FromConfigMethod<tf.serialization.Serializable>,
];

type ClassNameMap = Record<string, SerializationEntry>;

function classNameMap(): ClassNameMap {
  const map = (tf.serialization.SerializationMap.getMap() as unknown as { classNameMap?: ClassNameMap }).classNameMap;
  if (map === null || typeof map !== "object") {
    throw new Error("Invalid tfjs-core: expected tf.serialization.SerializationMap.getMap().classNameMap to be an object, received none.");
  }
  return map;
}

/**
 * The entry registered with `tf.serialization.registerClass` under `className`, or `undefined`.
 *
 * @example
 * ```ts
 * const [cls, fromConfig] = registeredClass("Bop")!;
 * ```
 */
export function registeredClass(className: string): SerializationEntry | undefined {
  const map = classNameMap();
  return Object.prototype.hasOwnProperty.call(map, className) ? map[className] : undefined;
}

/** Every `[className, entry]` pair of tfjs's serialization map (a snapshot). */
export function registeredClasses(): Array<[string, SerializationEntry]> {
  return Object.entries(classNameMap());
}

/**
 * Puts `entry` under `className` in tfjs's serialization map, or removes the name when `entry` is `undefined`.
 * Used by the effects that replace a tfjs class and must restore it exactly.
 */
export function setRegisteredClass(className: string, entry: SerializationEntry | undefined): void {
  const map = classNameMap();
  if (entry === undefined) delete map[className];
  else map[className] = entry;
}

/** The backend instance registered under `name` if it is the active backend, else `undefined`. */
export function activeBackendInstance(name: string): tf.KernelBackend | undefined {
  const engine = tf.engine() as unknown as { backendName: string; registry?: Record<string, tf.KernelBackend> };
  if (engine.backendName !== name) return undefined;
  if (engine.registry === null || typeof engine.registry !== "object") {
    throw new Error("Invalid tfjs-core: expected tf.engine().registry to be an object, received none.");
  }
  return engine.registry[name];
}

/**
 * The `tf.Variable` behind a `LayerVariable` (its protected `val`) — the latent, full-precision value that
 * optimizers update. (larq-ts's quantized variables return the quantized value from `read()` inside a quantized
 * scope; this is always the latent one.)
 */
export function latentVariable(variable: tfl.LayerVariable): tf.Variable {
  const val = (variable as unknown as { val?: tf.Variable }).val;
  if (!(val instanceof tf.Variable)) {
    throw new Error(`Invalid LayerVariable ${JSON.stringify(variable?.name)}: expected a tf.Variable in its "val" field, received none.`);
  }
  return val;
}

/**
 * The weights a layer created itself (its `_trainableWeights` and `_nonTrainableWeights`, in that order),
 * without those of nested layers that `layer.weights` adds for containers.
 */
export function ownWeights(layer: tfl.layers.Layer): tfl.LayerVariable[] {
  const own = layer as unknown as Record<string, unknown>;
  const lists: tfl.LayerVariable[][] = [];
  for (const field of ["_trainableWeights", "_nonTrainableWeights"]) {
    const list = own[field];
    if (!Array.isArray(list)) {
      throw new Error(`Invalid tfjs-layers: expected layer ${JSON.stringify(layer?.name)} to have an array "${field}", received none.`);
    }
    lists.push(list as tfl.LayerVariable[]);
  }
  return [...lists[0], ...lists[1]];
}
