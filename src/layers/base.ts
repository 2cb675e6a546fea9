/**
 * Shared building blocks of the quantized layers, re-exported from their modules: arguments and their
 * validation (`args.ts`), the quantized variable (`quantized_variable.ts`), the quantized layer mixin
 * (`quantized_layer.ts`), the convolution with `padValues` (`padded_conv.ts`), Keras-style layer names.
 *
 * @remarks
 * Like larq's `layers_base.py`, a quantized layer is a thin mixin over the float layer:
 *
 * - {@link quantizedLayer} adds the input quantizer (applied to the inputs in `call`, after which the
 *   float computation runs inside `lq.context.quantizedScope(true, …)`) and the weight quantizers. A
 *   quantized weight is an ordinary tfjs `LayerVariable` whose `read()` returns q(latent) while
 *   `lq.context.shouldQuantize()` is true and the latent variable otherwise (larq's
 *   `QuantizedVariable`). So the forward pass uses quantized kernels, gradients reach the latent
 *   variable through the quantizer's pseudo-gradient, and `getWeights()` inside
 *   `quantizedScope(true, …)` returns quantized weights.
 * - {@link paddedConv} adds `padValues` and causal padding to a convolution.
 *
 * Contract relied upon by other modules (model summary, inference engine): every quantized weight
 * variable carries `quantizer: QuantizerLike` and `precision: number`; every larq-ts layer has a
 * public `inputQuantizer` and, where applicable, `kernelQuantizer`, `depthwiseQuantizer`,
 * `pointwiseQuantizer`.
 *
 * @packageDocumentation
 */
export {
  normalizeDataFormat,
  checkPositiveInteger,
  checkIntTuple,
  normalizeConvArgs,
  serializeTfjsObject,
  LAYER_ARG_NAMES,
  QUANTIZED_ARG_NAMES,
  DENSE_ARG_NAMES,
  BASE_CONV_ARG_NAMES,
  DEPTHWISE_ARG_NAMES,
  POINTWISE_ARG_NAMES,
  knownArgumentNames,
  checkLayerArgs,
  layerFromConfig,
  type QuantizedLayerArgs,
  type KernelQuantizedArgs,
  type DepthwiseQuantizedArgs,
  type SeparableQuantizedArgs,
  type DataFormatArg,
  type WithDataFormat,
  type QuantizedActivationIdentifier,
  type WithQuantizerActivation,
  type ConvArgsOptions,
  type ArgumentNamesOf,
} from "./args.js";
export * from "./quantized_variable.js";
export {
  isQuantizedLayer,
  resetStarvedWeightsWarning,
  KERNEL,
  DEPTHWISE,
  SEPARABLE,
  quantizedLayer,
  type QuantizedLayerFields,
  type KernelSpec,
  type LayerConstructor,
} from "./quantized_layer.js";
export * from "./padded_conv.js";
export { layerNamePrefix, uniqueLayerName } from "../utils/naming.js";
