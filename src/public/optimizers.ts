/** `lq.optimizers`: Bop, CaseOptimizer, learning-rate / hyperparameter schedules, and constraints for custom loops. */
export { Bop, CaseOptimizer, applyConstraints, enforceConstraints, registerModelVariables } from "../optimizers/index.js";
export * as schedules from "./schedules.js";
export type * from "../optimizers/index.js";
