/**
 * Activations of larq: `hardTanh` and `leakyTanh`, as functions and as tfjs activations that tfjs
 * layers accept by name (`activation: "hard_tanh"`, `"leaky_tanh"`, or the camelCase forms), plus
 * `get` / `serialize` for any activation name tfjs knows. larq's quantizer names (`"ste_sign"`,
 * `"approx_sign"`, …, see {@link QUANTIZER_ACTIVATIONS}) are tfjs activations too, as in larq, where
 * `activation="ste_sign"` is allowed; prefer `inputQuantizer` on the next layer, which keeps the
 * binarization next to the operation that consumes it.
 *
 * @remarks
 * tfjs resolves activation strings through `tf.serialization` by class name; larq-ts registers
 * classes under both spellings. Because tfjs' TypeScript types list only its built-in names, a cast
 * is needed when passing these names to tfjs layer factories in TypeScript
 * (`activation: "hard_tanh" as never`).
 *
 * @packageDocumentation
 */
export {
  Activation,
  get,
  isActivationClassName,
  knownActivations,
  registerActivationFunction,
  serialize,
  type ActivationFunction,
  type ActivationIdentifier,
} from "./base.js";
export { HardTanh, hardTanh } from "./hard_tanh.js";
export { LeakyTanh, leakyTanh, type LeakyTanhArgs } from "./leaky_tanh.js";
export { QUANTIZER_ACTIVATIONS, QuantizerActivation, quantizerActivation } from "./quantizer_activations.js";
