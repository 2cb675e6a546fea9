/**
 * Optimizers for binarized networks (`lq.optimizers`): {@link Bop}, {@link CaseOptimizer}, the Keras
 * hyperparameter schedules (`lq.optimizers.schedules`, for Bop's `threshold` and `gamma`), and the
 * machinery that makes layer weight constraints hold after every optimizer step.
 *
 * @remarks
 * This module changes nothing in tfjs when imported. Two effects of `lq.effects` (installed on import of
 * `larq-ts`, not of `larq-ts/core`) complete it:
 * - `weightRegistry`: `tf.layers.Layer.prototype.addWeight` records each new weight with its layer (see
 *   {@link lookupVariable}), which is how {@link Bop.isBinaryVariable} finds a variable's precision;
 * - `constraintsInFit`: optimizer steps (`minimize`, `applyGradients`) apply the constraints of the updated
 *   weights afterwards (see {@link applyConstraints}), which tfjs's `model.fit` never does by itself.
 *
 * @packageDocumentation
 */
export { Bop, type BopArgs } from "./bop.js";
export { CaseOptimizer, type CaseOptimizerOptions, type PredicateOptimizerPair, type VariablePredicate } from "./case_optimizer.js";
export { applyConstraints, constraintEnforcement, setConstraintEnforcement, updatedVariables } from "./constraints.js";
export { enforceConstraints } from "../effects/constraints.js";
export * as schedules from "./schedules.js";
export {
  latentVariable,
  lookupVariable,
  quantizerOfVariable,
  registerLayerVariable,
  registerModelVariables,
  variablePrecision,
  type LayerVariable,
  type NamedTensor,
  type VariableRecord,
} from "./variables.js";
