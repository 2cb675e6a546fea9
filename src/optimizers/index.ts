/**
 * Optimizers for binarized networks (`lq.optimizers`): {@link Bop}, {@link CaseOptimizer}, the Keras
 * hyperparameter schedules (`lq.optimizers.schedules`, for Bop's `threshold` and `gamma`), and the
 * machinery that makes layer weight constraints hold after every optimizer step.
 *
 * @remarks
 * Importing this module (and so larq-ts) has two global effects on tfjs, both idempotent:
 * - `tf.layers.Layer.prototype.addWeight` records each new weight with its layer (see
 *   {@link lookupVariable}), which is how {@link Bop.isBinaryVariable} finds a variable's precision;
 * - optimizer steps (`minimize`, `applyGradients`) apply the constraints of the updated weights
 *   afterwards (see {@link applyConstraints}), which tfjs's `model.fit` never does by itself.
 *
 * @packageDocumentation
 */
import { Bop } from "./bop.js";
import { CaseOptimizer } from "./case_optimizer.js";
import { enforceConstraints } from "./constraints.js";

export { Bop, type BopArgs } from "./bop.js";
export {
  CaseOptimizer,
  type CaseOptimizerOptions,
  type PredicateOptimizerPair,
  type VariablePredicate,
} from "./case_optimizer.js";
export {
  applyConstraints,
  constraintEnforcement,
  enforceConstraints,
  setConstraintEnforcement,
  updatedVariables,
} from "./constraints.js";
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

enforceConstraints(Bop);
enforceConstraints(CaseOptimizer);
