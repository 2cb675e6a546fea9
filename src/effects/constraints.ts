/**
 * Effect `constraintsInFit`: layer weight constraints hold after every optimizer step, in `model.fit` and in
 * custom training loops.
 *
 * @remarks
 * tfjs optimizers assign new values to `tf.Variable`s directly and never see the `LayerVariable` (and so the
 * constraint) behind them, and tfjs-layers offers no hook between an optimizer step and the next batch that
 * `trainOnBatch` and custom loops (`optimizer.minimize`, `optimizer.applyGradients`) would also run. So this
 * effect wraps:
 * - `tf.Optimizer.prototype.minimize` (what `model.fit` calls, for every optimizer class);
 * - `applyGradients` of tfjs's SGD, Momentum, Adagrad, Adadelta, Adam, Adamax and RMSProp optimizers, of
 *   larq-ts's `Bop` and `CaseOptimizer`, of classes passed to {@link enforceConstraints}, and, on their first
 *   `minimize` call, of any other `tf.Optimizer` subclass along the instance's prototype chain.
 *
 * After the outermost of these calls returns, every updated variable whose layer declared a constraint is
 * projected (`lq.optimizers.applyConstraints`). Nested calls (a `CaseOptimizer` delegating to its inner
 * optimizers) apply the constraints once, at the end. Uninstalling restores every wrapped property.
 *
 * The constraint of a variable is found through the registry of `lq.optimizers.lookupVariable`: `model.fit`
 * records its model's weights when training starts (a callback of `./fit_callbacks.ts`, part of this effect);
 * other weights are known when the `weightRegistry` effect recorded them at creation or after
 * `lq.optimizers.registerModelVariables(model)`.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { Bop } from "../optimizers/bop.js";
import { CaseOptimizer } from "../optimizers/case_optimizer.js";
import { applyConstraints, constraintEnforcement, updatedVariables } from "../optimizers/constraints.js";
import type { NamedTensor } from "../optimizers/variables.js";
import { replaceProperty } from "./patch.js";

type GradientList = tf.NamedTensorMap | NamedTensor[];
type OptimizerClass = abstract new (...args: never[]) => tf.Optimizer;

/** tfjs's own optimizer classes whose `applyGradients` the effect wraps. */
export const TFJS_OPTIMIZER_CLASSES: readonly OptimizerClass[] = [
  tf.SGDOptimizer,
  tf.MomentumOptimizer,
  tf.AdagradOptimizer,
  tf.AdadeltaOptimizer,
  tf.AdamOptimizer,
  tf.AdamaxOptimizer,
  tf.RMSPropOptimizer,
] as unknown as OptimizerClass[];

/** Classes registered with {@link enforceConstraints}, wrapped whenever the effect is installed. */
const extraClasses = new Set<OptimizerClass>();
/** Restore function of each wrapped prototype (and of `tf.Optimizer.prototype.minimize`). */
const wrapped = new Map<object, () => void>();
let installedNow = false;

let depth = 0;
const pending = new Set<string>();
let pendingAll = false;

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
      if (ok && constraintEnforcement()) applyConstraints(all ? undefined : names);
    }
  }
}

function gradientNames(gradients: GradientList): string[] {
  return Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
}

function updatedNames(optimizer: tf.Optimizer, gradients: GradientList): string[] {
  const method = (optimizer as unknown as Record<symbol, unknown>)[updatedVariables];
  return typeof method === "function" ? (method.call(optimizer, gradients) as string[]) : gradientNames(gradients);
}

function wrapPrototype(proto: object): void {
  if (wrapped.has(proto) || !Object.prototype.hasOwnProperty.call(proto, "applyGradients")) return;
  const original = (proto as Record<string, unknown>).applyGradients as (this: tf.Optimizer, gradients: GradientList) => void;
  if (typeof original !== "function") return;
  const restore = replaceProperty(proto, "applyGradients", function applyGradients(this: tf.Optimizer, gradients: GradientList): void {
    return runStep(
      () => original.call(this, gradients),
      () => {
        for (const name of updatedNames(this, gradients)) pending.add(name);
      },
    );
  });
  wrapped.set(proto, restore);
}

/** Wraps `applyGradients` along the prototype chain of an optimizer class or instance, up to `tf.Optimizer`. */
function wrapChain(proto: object | null): void {
  while (proto !== null && proto !== tf.Optimizer.prototype && proto !== Object.prototype) {
    wrapPrototype(proto);
    proto = Object.getPrototypeOf(proto);
  }
}

function wrapMinimize(): void {
  const proto = tf.Optimizer.prototype as unknown as Record<string, unknown>;
  const original = proto.minimize as (
    this: tf.Optimizer,
    f: () => tf.Scalar,
    returnCost?: boolean,
    varList?: tf.Variable[],
  ) => tf.Scalar | null;
  if (typeof original !== "function") {
    throw new Error("Invalid tfjs-core: expected tf.Optimizer.prototype.minimize to be a function, received none.");
  }
  const restore = replaceProperty(
    proto,
    "minimize",
    function minimize(this: tf.Optimizer, f: () => tf.Scalar, returnCost?: boolean, varList?: tf.Variable[]): tf.Scalar | null {
      if (installedNow) wrapChain(Object.getPrototypeOf(this));
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
    },
  );
  wrapped.set(tf.Optimizer.prototype, restore);
}

/**
 * Makes an optimizer class apply layer constraints after its `applyGradients` while `constraintsInFit` is
 * installed (tfjs's and larq-ts's optimizers are covered already; other subclasses are wrapped on their first
 * `minimize` anyway). Idempotent; the class stays enrolled across uninstall/install.
 */
export function enforceConstraints(optimizerClass: OptimizerClass): void {
  if (typeof optimizerClass !== "function" || !(optimizerClass.prototype instanceof tf.Optimizer)) {
    throw new Error(`Invalid optimizerClass: expected a subclass of tf.Optimizer, received ${String(optimizerClass)}.`);
  }
  extraClasses.add(optimizerClass);
  if (installedNow) wrapChain(optimizerClass.prototype);
}

/** Installs the `constraintsInFit` wrappers. Idempotent; true if installed now. */
export function installConstraintsInFit(): boolean {
  if (installedNow) return false;
  wrapMinimize();
  for (const cls of [
    ...TFJS_OPTIMIZER_CLASSES,
    Bop as unknown as OptimizerClass,
    CaseOptimizer as unknown as OptimizerClass,
    ...extraClasses,
  ]) {
    wrapChain(cls.prototype);
  }
  installedNow = true;
  return true;
}

/** Restores every property {@link installConstraintsInFit} (or a later `minimize` call) wrapped. Idempotent; true if it was installed. */
export function uninstallConstraintsInFit(): boolean {
  if (!installedNow) return false;
  for (const restore of wrapped.values()) restore();
  wrapped.clear();
  installedNow = false;
  return true;
}

/** Whether `constraintsInFit` is installed. */
export function constraintsInFitInstalled(): boolean {
  return installedNow;
}

/** The prototypes whose properties the effect currently wraps (`tf.Optimizer.prototype` for `minimize`), for tests. */
export function wrappedOptimizerPrototypes(): object[] {
  return [...wrapped.keys()];
}
