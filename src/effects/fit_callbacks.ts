/**
 * Effects `flipRatioLogger` and `progressBar`, and the part of `constraintsInFit` that runs in `model.fit`:
 * callbacks every `model.fit` creates by itself.
 *
 * @remarks
 * tfjs-layers creates the callbacks registered with `tf.registerCallbackConstructor(verbosity, ctor)` in every
 * `model.fit` whose `verbose` is at least `verbosity`, and has no way to unregister one. So the first install of
 * either effect registers a constructor once per process; while the effect is installed it builds larq-ts's
 * callback, otherwise a plain `tf.Callback`, whose hooks do nothing. Uninstalling therefore restores tfjs's
 * behaviour exactly, though tfjs's registry keeps the (then inert) constructor.
 *
 * @packageDocumentation
 */
import * as tfl from "@tensorflow/tfjs-layers";

import { DefaultProgressBar } from "../callbacks/progress_bar.js";
import { FlipRatioLogger } from "../metrics/flip_ratio_logger.js";
import { registerModelVariables } from "../optimizers/variables.js";
import type { Layer } from "../utils/tfjs.js";

/**
 * The callbacks of this module: `flipRatioLogger` and `progressBar` (effects of the same names) and
 * `modelWeights`, which `constraintsInFit` installs: at the start of `model.fit` it records the model's weights
 * with their layers (`lq.optimizers.registerModelVariables`), so the wrapped optimizers find their constraints
 * without the `weightRegistry` patch.
 */
export type FitCallbackEffect = "flipRatioLogger" | "progressBar" | "modelWeights";

/** Records the weights of the model being fitted (see {@link FitCallbackEffect}). */
class ModelWeightsCallback extends tfl.Callback {
  override async onTrainBegin(): Promise<void> {
    if (this.model != null) registerModelVariables(this.model as unknown as Layer);
  }
}

/** What an uninstalled gate builds: tfjs's callback base class, whose hooks do nothing. */
class InertCallback extends tfl.Callback {}

interface Gate {
  readonly verbosity: number;
  readonly make: () => tfl.Callback;
  registered: boolean;
  active: boolean;
}

const gates: Record<FitCallbackEffect, Gate> = {
  flipRatioLogger: { verbosity: 0, make: () => new FlipRatioLogger(), registered: false, active: false },
  progressBar: { verbosity: 1, make: () => new DefaultProgressBar() as unknown as tfl.Callback, registered: false, active: false },
  modelWeights: { verbosity: 0, make: () => new ModelWeightsCallback(), registered: false, active: false },
};

function register(gate: Gate): void {
  if (gate.registered) return;
  // A constructor that returns an object: tfjs calls `new ctor()` and uses what it returns.
  const ctor = function LarqTsFitCallback(): tfl.Callback {
    return gate.active ? gate.make() : new InertCallback();
  };
  tfl.registerCallbackConstructor(gate.verbosity, ctor as unknown as new () => tfl.Callback);
  gate.registered = true;
}

/** Makes every `model.fit` (with `verbose` ≥ the effect's level) create larq-ts's callback. Idempotent; true if installed now. */
export function installFitCallback(name: FitCallbackEffect): boolean {
  const gate = gates[name];
  if (gate.active) return false;
  register(gate);
  gate.active = true;
  return true;
}

/** Stops `model.fit` from creating larq-ts's callback. Idempotent; true if it was installed. */
export function uninstallFitCallback(name: FitCallbackEffect): boolean {
  const gate = gates[name];
  if (!gate.active) return false;
  gate.active = false;
  return true;
}

/** Whether the callback effect `name` is installed. */
export function fitCallbackInstalled(name: FitCallbackEffect): boolean {
  return gates[name].active;
}
