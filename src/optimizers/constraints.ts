/**
 * Makes layer weight constraints (`kernelConstraint: "weight_clip"`, `"maxNorm"`, …) hold after every
 * optimizer step, in `model.fit` and in custom training loops.
 *
 * @remarks
 * tfjs optimizers assign new values to the variables directly, so tfjs's `model.fit` never applies the
 * constraints that layers declare. Importing larq-ts wraps `applyGradients` of tfjs's optimizers (SGD,
 * Momentum, Adagrad, Adadelta, Adam, Adamax, RMSProp), of larq-ts's optimizers, and, lazily on their first
 * `minimize` call, of any other `tf.Optimizer` subclass; and it wraps `tf.Optimizer.prototype.minimize`.
 * After the outermost of these calls returns, every updated variable that a layer created with a
 * constraint is projected: w ← constraint(w). Nested calls (a {@link CaseOptimizer} delegating to
 * its inner optimizers) apply the constraints once, at the end. Variables are matched to their layers
 * through the registry of `./variables.ts`.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { latentVariable, lookupVariable, registeredVariableNames, type NamedTensor } from "./variables.js";

let enabled = true;
let depth = 0;
const pending = new Set<string>();
let pendingAll = false;

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

/** Runs one (possibly nested) optimizer call; the outermost one applies the pending constraints. */
function runStep<T>(fn: () => T, after: () => void): T {
  depth++;
  let ok = false;
  try {
    const result = fn();
    after();
    ok = true;
    return result;
  } finally {
    depth--;
    if (depth === 0) {
      const names = [...pending];
      const all = pendingAll;
      pending.clear();
      pendingAll = false;
      if (ok && enabled) applyConstraints(all ? undefined : names);
    }
  }
}

type GradientList = tf.NamedTensorMap | NamedTensor[];
type OptimizerProto = Record<PropertyKey, unknown>;

const WRAPPED = Symbol.for("larq-ts.constraintsWrapped");

function gradientNames(gradients: GradientList): string[] {
  return Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
}

/**
 * Optional method of an optimizer, keyed by this symbol: given the gradients of an `applyGradients` call
 * that has returned, the names of the variables it actually updated. Only their constraints are applied;
 * without the method, every variable of the call counts as updated. {@link CaseOptimizer} uses it to leave
 * the variables it does not train untouched.
 */
export const updatedVariables: unique symbol = Symbol.for("larq-ts.updatedVariables");

function updatedNames(optimizer: tf.Optimizer, gradients: GradientList): string[] {
  const method = (optimizer as unknown as Record<symbol, unknown>)[updatedVariables];
  return typeof method === "function" ? (method.call(optimizer, gradients) as string[]) : gradientNames(gradients);
}

function wrapPrototype(proto: OptimizerProto): void {
  if (!Object.prototype.hasOwnProperty.call(proto, "applyGradients")) return;
  if (Object.prototype.hasOwnProperty.call(proto, WRAPPED)) return;
  const original = proto.applyGradients as (this: tf.Optimizer, gradients: GradientList) => void;
  if (typeof original !== "function") return;
  proto.applyGradients = function applyGradients(this: tf.Optimizer, gradients: GradientList): void {
    return runStep(
      () => original.call(this, gradients),
      () => {
        for (const name of updatedNames(this, gradients)) pending.add(name);
      },
    );
  };
  Object.defineProperty(proto, WRAPPED, { value: true });
}

/** Wraps `applyGradients` along the prototype chain of an optimizer class or instance, up to `tf.Optimizer`. */
function wrapChain(proto: object | null): void {
  while (proto !== null && proto !== tf.Optimizer.prototype && proto !== Object.prototype) {
    wrapPrototype(proto as OptimizerProto);
    proto = Object.getPrototypeOf(proto);
  }
}

/**
 * Makes an optimizer class apply layer constraints after its `applyGradients` (done on import for tfjs's
 * and larq-ts's optimizers; other subclasses are handled on their first `minimize`). Idempotent.
 */
export function enforceConstraints(optimizerClass: abstract new (...args: never[]) => tf.Optimizer): void {
  wrapChain(optimizerClass.prototype);
}

function patchMinimize(): void {
  const proto = tf.Optimizer.prototype as unknown as OptimizerProto;
  if (Object.prototype.hasOwnProperty.call(proto, WRAPPED)) return;
  const original = proto.minimize as (this: tf.Optimizer, f: () => tf.Scalar, returnCost?: boolean, varList?: tf.Variable[]) => tf.Scalar | null;
  proto.minimize = function minimize(this: tf.Optimizer, f: () => tf.Scalar, returnCost?: boolean, varList?: tf.Variable[]): tf.Scalar | null {
    wrapChain(Object.getPrototypeOf(this));
    const before = pending.size;
    return runStep(
      () => original.call(this, f, returnCost, varList),
      () => {
        // Normally the wrapped applyGradients has recorded the names; cover optimizers that bypass it.
        if (pending.size === before) {
          if (varList !== undefined && varList !== null) for (const v of varList) pending.add(v.name);
          else pendingAll = true;
        }
      },
    );
  };
  Object.defineProperty(proto, WRAPPED, { value: true });
}

patchMinimize();
for (const cls of [
  tf.SGDOptimizer,
  tf.MomentumOptimizer,
  tf.AdagradOptimizer,
  tf.AdadeltaOptimizer,
  tf.AdamOptimizer,
  tf.AdamaxOptimizer,
  tf.RMSPropOptimizer,
]) {
  enforceConstraints(cls as unknown as abstract new (...args: never[]) => tf.Optimizer);
}
