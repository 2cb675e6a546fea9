/** `lq.callbacks`: larq's HyperparameterScheduler and the Keras-style progress bar. */
export { HyperparameterScheduler, ProgressBar } from "../callbacks/index.js";
export type * from "../callbacks/index.js";
