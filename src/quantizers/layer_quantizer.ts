/**
 * Any `tf.layers.Layer` used as a quantizer (larq accepts every Keras layer, e.g. one with a trainable
 * scale), wrapped so that it satisfies the {@link Quantizer} contract.
 */
import type * as tf from "@tensorflow/tfjs-core";

import { invalidArgument } from "../utils/errors.js";
import { Layer, type Kwargs, type Shape, type SymbolicTensor } from "../utils/tfjs.js";
import { Quantizer } from "./base.js";
import type { LayerVariable } from "../layers/tfjs_classes.js";

/**
 * A quantizer that delegates to an ordinary `tf.layers.Layer`: larq's "a Keras layer as quantizer".
 *
 * @remarks
 * `lq.quantizers.get(layer)` returns this wrapper for a layer that is not already a {@link Quantizer}
 * (always the same wrapper for the same layer). It forwards everything that matters to the wrapped
 * layer:
 * - q(x) = layer.apply(x), so the layer is built on the shape of the first tensor it receives (the
 *   quantized layers build it on their input shape or on the kernel's shape when they are built);
 * - its weights are the layer's weights, and a quantized layer lists them among its own weights, so
 *   optimizers and `model.fit` train them and models save them;
 * - `getClassName()` / `getConfig()` are the layer's, so `lq.quantizers.serialize` writes
 *   `{className, config}` of the layer, as Keras does;
 * - `precision` is the layer's own numeric `precision` field if it has one, else 32 (full precision),
 *   as larq reads `getattr(quantizer, "precision", None)`.
 *
 * @example
 * ```ts
 * class Scale extends tf.layers.Layer { … }           // y = s·x with a trainable scalar s
 * const dense = lq.layers.quantDense({ units: 4, inputQuantizer: new Scale() });
 * (dense.inputQuantizer as lq.quantizers.LayerQuantizer).layer; // the Scale instance
 * ```
 */
export class LayerQuantizer extends Quantizer {
  /** @nocollapse */
  static className = "LayerQuantizer";
  /** The wrapped layer. */
  readonly layer: Layer;

  constructor(layer: Layer) {
    if (!(layer instanceof Layer)) invalidArgument("layer", layer, "a tf.layers.Layer instance");
    super({ name: layer.name });
    this.layer = layer;
  }

  get precision(): number {
    const bits = (this.layer as unknown as { precision?: unknown }).precision;
    return typeof bits === "number" && Number.isInteger(bits) && bits > 0 ? bits : 32;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return this.layer.apply(x) as tf.Tensor;
  }

  /** Applies the wrapped layer directly (no extra name scope, so its weights keep their own names). */
  override apply(
    inputs: tf.Tensor | tf.Tensor[] | SymbolicTensor | SymbolicTensor[],
    kwargs?: Kwargs,
  ): tf.Tensor | tf.Tensor[] | SymbolicTensor | SymbolicTensor[] {
    return this.layer.apply(inputs, kwargs);
  }

  override computeOutputShape<S>(inputShape: S): S {
    return this.layer.computeOutputShape(inputShape as unknown as Shape) as unknown as S;
  }

  override get trainableWeights(): LayerVariable[] {
    return this.layer.trainableWeights;
  }

  override set trainableWeights(weights: LayerVariable[]) {
    this.layer.trainableWeights = weights;
  }

  override get nonTrainableWeights(): LayerVariable[] {
    return this.layer.nonTrainableWeights;
  }

  override set nonTrainableWeights(weights: LayerVariable[]) {
    this.layer.nonTrainableWeights = weights;
  }

  override getClassName(): string {
    return this.layer.getClassName();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return this.layer.getConfig();
  }

  protected quantizerConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

const wrappers = new WeakMap<Layer, LayerQuantizer>();

/** The {@link LayerQuantizer} of `layer`, created on first use and shared afterwards. */
export function layerQuantizer(layer: Layer): LayerQuantizer {
  let wrapper = wrappers.get(layer);
  if (wrapper === undefined) {
    wrapper = new LayerQuantizer(layer);
    wrappers.set(layer, wrapper);
  }
  return wrapper;
}

/** The layer that does the work of a quantizer layer: the wrapped layer of a {@link LayerQuantizer}, else itself. */
export function innerLayer(quantizer: Quantizer): Layer {
  return quantizer instanceof LayerQuantizer ? quantizer.layer : quantizer;
}
