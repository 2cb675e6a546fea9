/**
 * Makes layer weight constraints (`kernelConstraint: "weight_clip"`, `"maxNorm"`, …) hold after every
 * optimizer step, in `model.fit` and in custom training loops.
 *
 * @remarks
 * tfjs optimizers assign new values to the variables directly, so tfjs's `model.fit` never applies the
 * constraints that layers declare. The `constraintsInFit` effect of `lq.effects` (installed on import of
 * `larq-ts`, not of `larq-ts/core`) wraps the optimizers' `minimize` and `applyGradients` so that, after the
 * outermost of these calls returns, every updated variable that a layer created with a constraint is
 * projected: w ← constraint(w), through {@link applyConstraints}. Variables are matched to their layers
 * through the registry of `./variables.ts`. This module holds what works without any patch: applying the
 * constraints by hand, and the on/off switch the patched optimizers consult.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { latentVariable, lookupVariable, registeredVariableNames } from "./variables.js";

let enabled = true;

/**
 * Applies the constraints of the given variables now: for each registered, trainable `LayerVariable`
 * with a constraint, w ← constraint(w). Unknown names and unconstrained variables are skipped.
 *
 * @param variables - variables or names; default: every registered variable.
 * @example
 * ```ts
 * lq.optimizers.applyConstraints(model.trainableWeights.map((w) => w.name));
 * ```
 */
export function applyConstraints(variables?: Iterable<string | tf.Variable | { name: string }>): void {
  const names = variables === undefined ? registeredVariableNames() : [...variables].map((v) => (typeof v === "string" ? v : v.name));
  tf.tidy(() => {
    for (const name of names) {
      const record = lookupVariable(name);
      if (record === null) continue;
      const constraint = record.variable.constraint;
      if (constraint === null || constraint === undefined || !record.variable.trainable) continue;
      const value = latentVariable(record.variable);
      value.assign(constraint.apply(value));
    }
  });
}

/**
 * Turns the automatic application of constraints after optimizer steps on or off (default on) and
 * returns the previous setting. Meant for benchmarks and for reproducing tfjs's own behaviour.
 */
export function setConstraintEnforcement(on: boolean): boolean {
  if (typeof on !== "boolean") throw new Error(`Invalid on: expected a boolean, received ${JSON.stringify(on)}.`);
  const previous = enabled;
  enabled = on;
  return previous;
}

/** Whether constraints are applied automatically after optimizer steps (see {@link setConstraintEnforcement}). */
export function constraintEnforcement(): boolean {
  return enabled;
}

/**
 * Optional method of an optimizer, keyed by this symbol: given the gradients of an `applyGradients` call
 * that has returned, the names of the variables it actually updated. Only their constraints are applied;
 * without the method, every variable of the call counts as updated. {@link CaseOptimizer} uses it to leave
 * the variables it does not train untouched.
 */
export const updatedVariables: unique symbol = Symbol.for("larq-ts.updatedVariables");
