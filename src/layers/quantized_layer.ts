/**
 * The quantized layer mixin ({@link quantizedLayer}, larq's `QuantizerBase`): input quantizer, weight
 * quantizers, quantizer sub-layers and their weights, the starved-weights warning.
 *
 * @remarks
 * Contract relied upon by other modules (model summary, inference engine): every quantized weight
 * variable carries `quantizer: QuantizerLike` and `precision: number`; every larq-ts layer has a
 * public `inputQuantizer` and, where applicable, `kernelQuantizer`, `depthwiseQuantizer`,
 * `pointwiseQuantizer`.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { QuantizerActivation, quantizerActivation } from "../activations/quantizer_activations.js";
import { getTrainingMetrics, quantizedScope } from "../context/index.js";
import { Quantizer, applyQuantizer, precisionOf, type QuantizerIdentifier, type QuantizerLike } from "../quantizers/base.js";
import { innerLayer } from "../quantizers/layer_quantizer.js";
// The package index of the quantizers registers every quantizer name, so that importing the layers
// alone resolves "ste_sign" and friends.
import { get as getQuantizer, getKernelQuantizer, serialize as serializeQuantizer } from "../quantizers/index.js";
import { invalidArgument } from "../utils/errors.js";
import { uniqueLayerName } from "../utils/naming.js";
import { Layer, type Kwargs, type Shape } from "../utils/tfjs.js";
import { layerFromConfig, normalizeDataFormat, resolveConstraints } from "./args.js";
import { translateKerasConfig } from "./keras_config.js";
import { makeQuantizedVariable } from "./quantized_variable.js";
import type { FloatLayer, LayerVariable } from "./tfjs_classes.js";

const QUANTIZED_LAYER = Symbol.for("larq-ts.quantizedLayer");

/** Whether `layer` is a larq-ts quantized layer (built on {@link quantizedLayer}). */
export function isQuantizedLayer(layer: unknown): layer is Layer & QuantizedLayerFields {
  return layer instanceof Layer && (layer as unknown as Record<symbol, unknown>)[QUANTIZED_LAYER] === true;
}

/** The public quantizer fields of a larq-ts layer. */
export interface QuantizedLayerFields {
  /** Quantizer applied to the inputs (`null`: none). */
  inputQuantizer: QuantizerLike;
  /** Quantizer of `kernel`, on layers that have one. */
  kernelQuantizer?: QuantizerLike;
  /** Quantizer of `depthwise_kernel`, on depthwise and separable layers. */
  depthwiseQuantizer?: QuantizerLike;
  /** Quantizer of `pointwise_kernel`, on separable layers. */
  pointwiseQuantizer?: QuantizerLike;
  /** Training metrics collected for the quantized weights. */
  metrics: string[];
}

// ---------------------------------------------------------------------------------------------
// Starved-weights warning
// ---------------------------------------------------------------------------------------------

const starvedWarningsShown = new Set<string>();

function isBinaryQuantizer(q: QuantizerLike): boolean {
  if (q === null) return false;
  if (q instanceof Quantizer && q.getClassName() === "NoOp") return false;
  return precisionOf(q) === 1;
}

/**
 * Logs that binary weight quantizers without a constraint on their weights can leave latent weights
 * outside the clipping range of the straight-through estimator, where their gradient is zero forever.
 *
 * @remarks
 * As in larq, every weight with a binary quantizer (precision 1, not `NoOp`) and no constraint is
 * named, so a separable layer can name both `depthwiseConstraint` and `pointwiseConstraint`. Unlike
 * larq (which logs for every layer), each distinct set of names is logged once per process.
 */
function warnStarvedWeights(layerName: string, starved: readonly KernelSpec[]): void {
  if (starved.length === 0) return;
  const key = starved.map((s) => s.constraint).join(",");
  if (starvedWarningsShown.has(key)) return;
  starvedWarningsShown.add(key);
  const quantizers = starved.map((s) => s.quantizer).join(" and ");
  const constraints = starved.map((s) => s.constraint).join(" and ");
  const advice = starved.map((s) => `${s.constraint}: "weight_clip"`).join(", ");
  console.warn(
    `larq-ts: layer "${layerName}" uses a binary ${quantizers} but no ${constraints}. Latent weights ` +
      `that drift outside the quantizer's clipping range receive a zero gradient and stop learning ` +
      `("starved weights"); consider ${advice}.`,
  );
}

/** Test hook: allows the starved-weights warning to be shown again. */
export function resetStarvedWeightsWarning(): void {
  starvedWarningsShown.clear();
}
/** Which weight a quantizer argument applies to, as larq's `get_quantizer(name)`. */
export interface KernelSpec {
  /** The weight name passed to `addWeight` (`"kernel"`, `"depthwise_kernel"`, `"pointwise_kernel"`). */
  weight: string;
  /** The layer argument and public field holding the quantizer (`"kernelQuantizer"`, …). */
  quantizer: "kernelQuantizer" | "depthwiseQuantizer" | "pointwiseQuantizer";
  /** The layer field holding that weight's constraint (`"kernelConstraint"`, …). */
  constraint: string;
  /** The argument naming that weight's initializer; defaults to Keras' `"glorotUniform"` when absent. */
  initializer: string;
}

/** The `kernel` quantized by `kernelQuantizer` (Dense, Conv, transposed Conv, LocallyConnected). */
export const KERNEL: readonly KernelSpec[] = Object.freeze([
  { weight: "kernel", quantizer: "kernelQuantizer", constraint: "kernelConstraint", initializer: "kernelInitializer" },
]);
/** The `depthwise_kernel` quantized by `depthwiseQuantizer` (DepthwiseConv2D). */
export const DEPTHWISE: readonly KernelSpec[] = Object.freeze([
  {
    weight: "depthwise_kernel",
    quantizer: "depthwiseQuantizer",
    constraint: "depthwiseConstraint",
    initializer: "depthwiseInitializer",
  },
]);
/** Depthwise and pointwise kernels of the separable convolutions. */
export const SEPARABLE: readonly KernelSpec[] = Object.freeze([
  ...DEPTHWISE,
  {
    weight: "pointwise_kernel",
    quantizer: "pointwiseQuantizer",
    constraint: "pointwiseConstraint",
    initializer: "pointwiseInitializer",
  },
]);

/** A constructor of tfjs layers (the float layer a quantized layer extends). */
export type LayerConstructor<T extends Layer = Layer> = new (...args: any[]) => T;

/** The single input tensor of a layer call; throws naming `layer` for a list of several. */
export function singleInput(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new Error(`${layer} expects exactly one input tensor, received ${inputs.length}.`);
    return inputs[0];
  }
  return inputs;
}

/**
 * Builds a quantizer layer on `shape` if it is not built yet, as a symbolic call would (inside the
 * caller's name scope, so its weights are named `<layer>/<quantizer>/<weight>`), without leaving a
 * graph node behind. Functions and `null` need nothing.
 */
function buildQuantizer(quantizer: QuantizerLike, shape: Shape): void {
  if (!(quantizer instanceof Quantizer)) return;
  const layer = innerLayer(quantizer);
  if (layer.built) return;
  const placeholder = new tfl.SymbolicTensor("float32", shape, null as never, [], {});
  const nodes = layer.inboundNodes.length;
  quantizer.apply(placeholder);
  layer.inboundNodes.splice(nodes);
}

/**
 * Mixin: adds larq's input quantizer and the weight quantizers listed in `kernels` to a tfjs layer
 * class (larq's `QuantizerBase` / `QuantizerDepthwiseBase` / `QuantizerSeparableBase`).
 *
 * @remarks
 * - Constructor: resolves `inputQuantizer` and the `kernels`' quantizer arguments with
 *   `lq.quantizers.get`, the constraints with `lq.constraints.get` (so `"weight_clip"` works),
 *   defaults the kernels' initializers to `"glorotUniform"` (Keras), gives the layer a Keras-style
 *   default name (`quant_conv2d`, `quant_conv2d_1`, …), then calls the float layer's constructor with the
 *   remaining arguments. Warns about starved weights, naming every binary weight quantizer without
 *   its constraint (once per process for each set of names).
 * - `addWeight`: the weights named in `kernels` become quantized variables
 *   ({@link makeQuantizedVariable}).
 * - `build`: builds the float layer, then the quantizer layers on the shapes they will quantize
 *   (input quantizer: the input shape; kernel quantizers: their kernel's shape; a quantizer used as
 *   activation: the output shape), so quantizers with weights (a `Quantizer` subclass or any
 *   `tf.layers.Layer`, as larq allows) have them before a model is compiled.
 * - `trainableWeights` / `nonTrainableWeights` (and so `weights`, `getWeights`, `setWeights`, saving and
 *   loading, `model.fit`): the float layer's weights, then those of its quantizer layers in Keras's order
 *   (kernel quantizers, input quantizer, activation), as Keras tracks sub-layers. A frozen layer
 *   (`trainable = false`) lists all of them as non-trainable.
 * - `activation`: a quantizer object or registered quantizer function (or their saved forms) becomes an
 *   `lq.activations.QuantizerActivation`, written back by `getConfig` as Keras writes it.
 * - `call(x)`: y = float_call(q_in(x)) evaluated inside `quantizedScope(true, …)`, so every
 *   quantized weight is read as q(w).
 * - `getConfig`: adds `inputQuantizer` and the kernel quantizers (serialized with
 *   `lq.quantizers.serialize`).
 *
 * Works for any `tf.layers.Layer` subclass that creates its weights with `addWeight(name, …)` and
 * reads them with `variable.read()` in `call`.
 */
export function quantizedLayer<TBase extends LayerConstructor<FloatLayer>>(
  Base: TBase,
  kernels: readonly KernelSpec[],
): TBase & LayerConstructor<FloatLayer & QuantizedLayerFields> {
  abstract class QuantizedLayerBase extends Base implements QuantizedLayerFields {
    /** Creates the layer from a saved config; a rejected config gives an error naming the class and the layer. */
    static fromConfig<T extends tf.serialization.Serializable>(
      cls: tf.serialization.SerializableConstructor<T>,
      config: tf.serialization.ConfigDict,
    ): T {
      return layerFromConfig(cls, config);
    }

    declare inputQuantizer: QuantizerLike;
    declare kernelQuantizer?: QuantizerLike;
    declare depthwiseQuantizer?: QuantizerLike;
    declare pointwiseQuantizer?: QuantizerLike;
    declare metrics: string[];
    /** The weights named in `kernels`, by weight name, as `addWeight` created them. */
    private readonly quantizedWeights = new Map<string, LayerVariable>();

    constructor(...params: any[]) {
      const raw = (params[0] ?? {}) as Record<string, unknown>;
      if (typeof raw !== "object") invalidArgument("args", raw, "an object of layer arguments");
      const { inputQuantizer, kernelQuantizer, depthwiseQuantizer, pointwiseQuantizer, metrics, ...rest } = raw;
      const given: Record<string, unknown> = { kernelQuantizer, depthwiseQuantizer, pointwiseQuantizer };
      for (const key of Object.keys(given)) {
        if (given[key] !== undefined && given[key] !== null && !kernels.some((k) => k.quantizer === key)) {
          invalidArgument(key, given[key], "nothing: this layer has no such weight");
        }
      }
      // A quantizer as activation (larq allows it) becomes a tfjs Activation before tfjs sees it.
      const activation = quantizerActivation(rest.activation);
      if (activation !== undefined) rest.activation = activation;
      translateKerasConfig(rest, kernels);
      resolveConstraints(rest);
      // Keras' default kernel initializer is glorot_uniform (tfjs' convolutions default to glorotNormal).
      for (const spec of kernels) {
        if (rest[spec.initializer] === undefined || rest[spec.initializer] === null) rest[spec.initializer] = "glorotUniform";
      }
      const dataFormat = normalizeDataFormat(rest.dataFormat);
      if (dataFormat !== undefined) rest.dataFormat = dataFormat;
      if (rest.name === undefined || rest.name === null) {
        rest.name = uniqueLayerName((new.target as unknown as { className: string }).className);
      }
      if (metrics !== undefined && metrics !== null && !Array.isArray(metrics)) {
        invalidArgument("metrics", metrics, 'an array of metric names such as ["flip_ratio"], or null');
      }
      super(rest, ...params.slice(1));
      Object.defineProperty(this, QUANTIZED_LAYER, { value: true });
      this.inputQuantizer = getQuantizer(inputQuantizer as QuantizerIdentifier);
      const starved: KernelSpec[] = [];
      for (const spec of kernels) {
        const q = getKernelQuantizer(given[spec.quantizer] as QuantizerIdentifier);
        this[spec.quantizer] = q;
        const constraint = (this as unknown as Record<string, unknown>)[spec.constraint];
        if (isBinaryQuantizer(q) && (constraint === null || constraint === undefined)) starved.push(spec);
      }
      warnStarvedWeights(this.name, starved);
      this.metrics = metrics ? [...(metrics as string[])] : getTrainingMetrics();
    }

    override addWeight(
      name: string,
      shape: Shape,
      dtype?: tf.DataType,
      initializer?: unknown,
      regularizer?: unknown,
      trainable?: boolean,
      constraint?: unknown,
      getInitializerFunc?: unknown,
    ): LayerVariable {
      const variable = super.addWeight(name, shape, dtype, initializer, regularizer, trainable, constraint, getInitializerFunc);
      const spec = kernels.find((k) => k.weight === name);
      if (spec === undefined) return variable;
      this.quantizedWeights.set(spec.weight, variable);
      return makeQuantizedVariable(variable, this[spec.quantizer] ?? null);
    }

    /**
     * The quantizer layers this layer owns, in Keras's tracking order (kernel quantizers, input
     * quantizer, a quantizer used as activation), each once.
     */
    quantizerLayers(): Layer[] {
      const activation = (this as unknown as { activation?: unknown }).activation;
      const candidates: unknown[] = [
        ...kernels.map((spec) => this[spec.quantizer]),
        this.inputQuantizer,
        activation instanceof QuantizerActivation ? activation.quantizer : null,
      ];
      const layers: Layer[] = [];
      for (const q of candidates) {
        if (q instanceof Quantizer && !layers.includes(innerLayer(q))) layers.push(innerLayer(q));
      }
      return layers;
    }

    /**
     * Builds the float layer, then every quantizer layer on the shape it will quantize (larq builds them
     * on first use): the input quantizer on the input shape, each kernel quantizer on its kernel's
     * shape, an activation quantizer on the output shape. Their weights exist from then on.
     */
    override build(inputShape: Shape | Shape[]): void {
      super.build(inputShape);
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      buildQuantizer(this.inputQuantizer, shape);
      for (const spec of kernels) {
        const variable = this.quantizedWeights.get(spec.weight);
        if (variable !== undefined) buildQuantizer(this[spec.quantizer] ?? null, variable.shape);
      }
      const activation = (this as unknown as { activation?: unknown }).activation;
      if (activation instanceof QuantizerActivation && activation.quantizer instanceof Quantizer) {
        buildQuantizer(activation.quantizer, this.computeOutputShape(shape) as Shape);
      }
    }

    /** The float layer's trainable weights, then those of its quantizer layers (none while this layer is frozen). */
    override get trainableWeights(): LayerVariable[] {
      const own = super.trainableWeights;
      if (!this.trainable) return own;
      return own.concat(...this.quantizerLayers().map((l) => l.trainableWeights));
    }

    override set trainableWeights(weights: LayerVariable[]) {
      super.trainableWeights = weights;
    }

    /** The float layer's non-trainable weights, then those of its quantizer layers (all of them while this layer is frozen). */
    override get nonTrainableWeights(): LayerVariable[] {
      const own = super.nonTrainableWeights;
      const frozen = !this.trainable;
      return own.concat(...this.quantizerLayers().map((l) => (frozen ? l.weights : l.nonTrainableWeights)));
    }

    override set nonTrainableWeights(weights: LayerVariable[]) {
      super.nonTrainableWeights = weights;
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      return tf.tidy(() => {
        const x = applyQuantizer(this.inputQuantizer, singleInput(inputs, this.getClassName()));
        return quantizedScope(true, () => super.call(x, kwargs));
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      const config: tf.serialization.ConfigDict = {
        ...super.getConfig(),
        inputQuantizer: serializeQuantizer(this.inputQuantizer),
      };
      for (const spec of kernels) config[spec.quantizer] = serializeQuantizer(this[spec.quantizer] ?? null);
      const activation = (this as unknown as { activation?: unknown }).activation;
      if (activation instanceof QuantizerActivation) config.activation = activation.serialize();
      return config;
    }
  }
  return QuantizedLayerBase as unknown as TBase & LayerConstructor<FloatLayer & QuantizedLayerFields>;
}
