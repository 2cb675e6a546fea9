/**
 * Effect `kerasLoading`: tfjs loads Keras model files as Python Keras writes them.
 *
 * @remarks
 * Puts into tfjs's serialization map, under the names Python Keras writes:
 * - `"Functional"`: {@link KerasFunctional} in place of tfjs's own class (which it displaces), so that
 *   `tf.loadLayersModel` and `tf.models.modelFromJSON` translate Keras `TFOpLambda` layers;
 * - `"L1"`, `"L2"` (Keras 2 regularizers) and `"BinaryDenseNet"` (larq-zoo's model class), which tfjs lacks.
 *
 * Uninstalling puts back exactly what each name held before (tfjs's `Functional`; nothing for the others).
 * Without the effect, `lq.io.kerasCompat(handler)` still translates `TFOpLambda` layers (larq-ts's own
 * `TFOpLambda` class is registered by either entry point), but files with Keras 2 `L1`/`L2` regularizers or
 * larq-zoo's `BinaryDenseNet` class do not load.
 *
 * @packageDocumentation
 */
import { BinaryDenseNetModel, KerasL1, KerasL2 } from "../io/keras_objects.js";
import { KerasFunctional } from "../io/keras_topology.js";
import { registeredClass, setRegisteredClass, type SerializationEntry } from "./internals.js";

/** The classes the effect registers, each under its static `className`. */
const CLASSES = [KerasFunctional, KerasL1, KerasL2, BinaryDenseNetModel] as unknown as Array<{
  className: string;
  fromConfig: SerializationEntry[1];
}>;

/** What each name held before the install (`undefined`: nothing). */
let previous: Map<string, SerializationEntry | undefined> | null = null;

/** The class names the effect registers. */
export const KERAS_LOADING_CLASS_NAMES: readonly string[] = CLASSES.map((cls) => cls.className);

/** Registers the Keras-named classes. Idempotent; true if installed now. */
export function installKerasLoading(): boolean {
  if (previous !== null) return false;
  previous = new Map();
  for (const cls of CLASSES) {
    previous.set(cls.className, registeredClass(cls.className));
    setRegisteredClass(cls.className, [cls as unknown as SerializationEntry[0], cls.fromConfig]);
  }
  return true;
}

/**
 * Puts back what the names held before {@link installKerasLoading} (a name another package re-registered since
 * is left alone). Idempotent; true if it was installed.
 */
export function uninstallKerasLoading(): boolean {
  if (previous === null) return false;
  for (const cls of CLASSES) {
    const current = registeredClass(cls.className);
    if (current !== undefined && current[0] !== (cls as unknown)) continue;
    setRegisteredClass(cls.className, previous.get(cls.className));
  }
  previous = null;
  return true;
}

/** Whether {@link installKerasLoading} is in effect. */
export function kerasLoadingInstalled(): boolean {
  return previous !== null;
}
