/**
 * Activations of larq: `hardTanh` and `leakyTanh`, as functions and as tfjs activations that tfjs
 * layers accept by name (`activation: "hard_tanh"`, `"leaky_tanh"`, or the camelCase forms), plus
 * `get` / `serialize` for any activation name tfjs knows.
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
  knownActivations,
  registerActivationFunction,
  serialize,
  type ActivationFunction,
  type ActivationIdentifier,
} from "./base.js";
export { HardTanh, hardTanh } from "./hard_tanh.js";
export { LeakyTanh, leakyTanh, type LeakyTanhArgs } from "./leaky_tanh.js";
