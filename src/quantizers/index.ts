/**
 * Quantizers: functions and layers that map full-precision tensors to low-bit values in the forward
 * pass and define pseudo-gradients for training.
 *
 * @remarks
 * Each quantizer exists as a class (a `tf.layers.Layer`, serializable, with `precision`, `metrics`
 * and larq's config keys) and, except `NoOp`, as a plain function. Strings resolve through
 * {@link get} to new class instances, as in larq: `"ste_sign"`, `"approx_sign"`, `"swish_sign"`,
 * `"ste_heaviside"`, `"ste_tern"`, `"magnitude_aware_sign"`, `"dorefa_quantizer"`, their camelCase
 * forms, and the class names.
 *
 * @packageDocumentation
 */
export {
  ClippedQuantizer,
  LAYER_CONFIG_KEYS,
  Quantizer,
  applyQuantizer,
  checkClipValue,
  clippedGradient,
  inferenceFormOf,
  precisionOf,
  SIGN_FORM,
  withPseudoGradient,
  type BaseQuantizerArgs,
  type ClippedQuantizerArgs,
  type InferenceForm,
  type QuantizerFunction,
  type QuantizerIdentifier,
  type QuantizerLike,
} from "./base.js";
export {
  get,
  getKernelQuantizer,
  serialize,
  deserialize,
  findQuantizerFunction,
  quantizerFunctionName,
  registerQuantizerClass,
  registerQuantizerFunction,
  registerSerializableAliases,
  knownIdentifiers,
  findByName,
  identifierClassName,
  toCamelCase,
  toSnakeCase,
  type QuantizerClass,
  type CustomQuantizerObject,
  type CustomQuantizerObjects,
} from "./registry.js";
export { LayerQuantizer, layerQuantizer, innerLayer } from "./layer_quantizer.js";
export { SteSign, steSign, type SteSignArgs } from "./ste_sign.js";
export { ApproxSign, approxSign } from "./approx_sign.js";
export { SwishSign, swishSign, type SwishSignArgs } from "./swish_sign.js";
export { SteHeaviside, steHeaviside, type SteHeavisideArgs } from "./ste_heaviside.js";
export { SteTern, steTern, type SteTernArgs } from "./ste_tern.js";
export { MagnitudeAwareSign, magnitudeAwareSign, type MagnitudeAwareSignArgs } from "./magnitude_aware_sign.js";
export { DoReFa, dorefa, type DoReFaArgs, type DoReFaMode } from "./dorefa.js";
export { NoOp, type NoOpArgs } from "./noop.js";

/** larq's former name of {@link DoReFa}, kept as an alias. */
export { DoReFa as DoReFaQuantizer } from "./dorefa.js";
/** larq's former name of {@link NoOp}, kept as an alias. */
export { NoOp as NoOpQuantizer } from "./noop.js";
