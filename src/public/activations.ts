/** `lq.activations`: larq's activations and the activation registry. */
export { HardTanh, LeakyTanh, get, hardTanh, leakyTanh, registerActivationFunction, serialize } from "../activations/index.js";
export type * from "../activations/index.js";
