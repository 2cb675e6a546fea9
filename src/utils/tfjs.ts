/**
 * Shared aliases for tfjs-layers types that the package does not export by name.
 *
 * tfjs-layers exports the `Layer` base class but not its argument types; deriving them from the
 * class keeps larq-ts free of deep imports into `@tensorflow/tfjs-layers/dist`.
 */
import * as tfl from "@tensorflow/tfjs-layers";

/** The base class of all tfjs layers (`tf.layers.Layer`). */
export const Layer = tfl.layers.Layer;
/** Instance type of {@link Layer}. */
export type Layer = InstanceType<typeof tfl.layers.Layer>;
/** Constructor arguments of `tf.layers.Layer` (`name`, `trainable`, `inputShape`, `dtype`, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
/** Keyword arguments passed to `Layer.call` (e.g. `{training: true}`). */
export type Kwargs = Parameters<Layer["call"]>[1];
/** A symbolic tensor of the tfjs-layers functional API. */
export type SymbolicTensor = tfl.SymbolicTensor;
/** A shape with `null` for unknown dimensions (tfjs-layers' `Shape`). */
export type Shape = tfl.Shape;
