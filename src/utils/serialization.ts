/**
 * Registration of larq-ts classes with tfjs' serialization map.
 */
import * as tf from "@tensorflow/tfjs-core";

/** A class tfjs can deserialize: a constructor with a static `className` (and optionally `fromConfig`). */
export type RegistrableClass = (abstract new (...args: any[]) => unknown) & { className: string };

/**
 * Registers `cls` with `tf.serialization.registerClass` under its static `className`, so that
 * `tf.loadLayersModel` and `tf.serialization.deserialize` find it, and returns `cls`.
 *
 * @remarks
 * tfjs types `registerClass` for `Serializable` constructors with a `fromConfig`, which a layer
 * subclass only inherits; this helper takes any class with a static `className` (layers, constraints,
 * initializers, regularizers, models) and keeps that cast in one place. Each larq-ts class calls it
 * right after its declaration, as tfjs' own classes do.
 *
 * @throws when `cls` has no non-empty static `className` (tfjs would register it under an empty name).
 *
 * @example
 * ```ts
 * class MyLayer extends tf.layers.Layer {
 *   static className = "MyLayer";
 * }
 * lq.layers.registerLayer(MyLayer); // tf.serialization.registerClass(MyLayer) without the cast
 * ```
 */
export function registerLayer<T extends RegistrableClass>(cls: T): T {
  if (typeof cls !== "function" || typeof cls.className !== "string" || cls.className === "") {
    throw new Error("registerLayer: the class needs a non-empty static className.");
  }
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  return cls;
}
