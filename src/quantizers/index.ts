/**
 * Quantizers: functions and layers that map full-precision tensors to low-bit values in the forward
 * pass and define pseudo-gradients for training.
 *
 * @packageDocumentation
 */
export {
  Quantizer,
  applyQuantizer,
  clippedGradient,
  precisionOf,
  withPseudoGradient,
  type BaseQuantizerArgs,
  type QuantizerFunction,
  type QuantizerIdentifier,
  type QuantizerLike,
} from "./base.js";
export { get, serialize, registerQuantizerClass, registerQuantizerFunction, knownIdentifiers, type QuantizerClass } from "./registry.js";
export { SteSign, steSign, type SteSignArgs } from "./ste_sign.js";
