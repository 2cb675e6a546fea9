/**
 * lq.effects — every change larq-ts makes to tfjs's global state, in one place, each reversible.
 *
 * @remarks
 * `import * as lq from "larq-ts"` installs all of these effects at import (so that BNNs train with plain
 * `model.fit`, as in Python larq); `import * as lq from "larq-ts/core"` installs none and exports the same API.
 * {@link install} switches effects on or off one by one, {@link uninstall} removes them (restoring every patched
 * prototype, kernel and class-map entry to what tfjs had), {@link installed} lists the active ones. tfjs cannot
 * unregister `model.fit` callback constructors or IO routers, so `flipRatioLogger`, `progressBar` and
 * `fileSystemRouter` register theirs once and make them inert while uninstalled.
 *
 * | effect | what it changes in tfjs | why |
 * | --- | --- | --- |
 * | `weightRegistry` | wraps `tf.layers.Layer.prototype.addWeight` | records each weight with its layer, so optimizers (Bop's `isBinaryVariable`, constraints) and the flip-ratio metric find a variable's layer, quantizer and constraint from its name |
 * | `constraintsInFit` | wraps `tf.Optimizer.prototype.minimize` and `applyGradients` of tfjs's SGD, Momentum, Adagrad, Adadelta, Adam, Adamax and RMSProp, of larq-ts's Bop and CaseOptimizer, and (on their first `minimize`) of other `tf.Optimizer` subclasses; makes every `model.fit` record the model's weights at its start | layer constraints (`kernelConstraint: "weight_clip"`, …) hold after each optimizer step, in `model.fit` and custom loops; tfjs never applies them |
 * | `batchNormalizationFix` | replaces `BatchNormalization.prototype.call` (tfjs-layers) | `BatchNormalization({scale: false})` / `{center: false}` can train (tfjs 4.22 throws) |
 * | `wasmTrainingKernels` | registers `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput` (missing in tfjs-backend-wasm 4.22) and replaces `Conv2DBackpropInput`, `MaxPoolGrad` for the `wasm` backend, plus a placeholder kernel `LarqTsTrainingKernels` | convolutional networks can train on wasm, fast |
 * | `cpuTrainingKernels` | replaces `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`, `MaxPoolGrad` of the `cpu` backend, plus the placeholder kernel | tfjs-backend-cpu's versions take most of a training step |
 * | `kerasLoading` | puts larq-ts's `KerasFunctional` under `"Functional"` in tfjs's serialization map (displacing tfjs's), and registers `"L1"`, `"L2"`, `"BinaryDenseNet"` | Keras / larq-zoo model files (with `TFOpLambda` layers, Keras 2 regularizers) load with `tf.loadLayersModel` |
 * | `fileSystemRouter` | registers a `file://` save and load router with `tf.io` (Node.js only; inert when tfjs-node serves `file://`) | `model.save("file://…")` / `tf.loadLayersModel("file://…")` without tfjs-node |
 * | `flipRatioLogger` | makes every `model.fit` create a `lq.metrics.FlipRatioLogger` | `flip_ratio/<layer>` in the logs of layers whose quantizers collect it |
 * | `progressBar` | makes `model.fit({verbose: 1})` create a `lq.callbacks.ProgressBar` (silent on tfjs-node) | a progress bar in a terminal, where tfjs without tfjs-node prints nothing |
 *
 * Not effects: importing either entry point registers larq-ts's own classes (layers, quantizers, constraints,
 * activations, optimizers, schedules, initializers, `TFOpLambda`, larq-zoo's `clip_by_value_activation`, …) with
 * `tf.serialization.registerClass`, under names tfjs does not have. That is how tfjs finds custom classes when it
 * deserializes; it changes nothing tfjs already does.
 *
 * `constraintsInFit` finds a variable's constraint through the registry of `lq.optimizers.lookupVariable`. In
 * `model.fit` and `fitDataset` it records the model's weights itself, at the start of training, so it needs no
 * other patch; `trainOnBatch` and custom loops (`minimize`, `applyGradients`) over a model that never ran `fit`
 * find the weights recorded by `weightRegistry` (the `addWeight` patch), or by a call to
 * `lq.optimizers.registerModelVariables(model)`.
 *
 * tfjs internals that larq-ts depends on are read only through the accessors of `./internals.ts`.
 *
 * @example
 * ```ts
 * import * as lq from "larq-ts/core"; // no global effect
 * lq.effects.install({ constraintsInFit: true, wasmTrainingKernels: true });
 * lq.effects.installed(); // ["constraintsInFit", "wasmTrainingKernels"]
 * lq.uninstall(); // tfjs as it was
 * ```
 *
 * @packageDocumentation
 */
import { describeValue } from "../utils/errors.js";
import { patchBatchNormalization, unpatchBatchNormalization, batchNormalizationPatched } from "./batch_normalization.js";
import { constraintsInFitInstalled, installConstraintsInFit, uninstallConstraintsInFit } from "./constraints.js";
import { fileSystemRouterInstalled, installFileSystemRouter, uninstallFileSystemRouter } from "./file_system_router.js";
import { fitCallbackInstalled, installFitCallback, uninstallFitCallback } from "./fit_callbacks.js";
import { installKerasLoading, kerasLoadingInstalled, uninstallKerasLoading } from "./keras_loading.js";
import { registerTrainingKernels, trainingKernelsRegistered, unregisterTrainingKernels } from "./training_kernels.js";
import { installWeightRegistry, uninstallWeightRegistry, weightRegistryInstalled } from "./weight_registry.js";

/** The names of larq-ts's global effects, in the order {@link install} applies them. */
export const EFFECT_NAMES = [
  "weightRegistry",
  "constraintsInFit",
  "batchNormalizationFix",
  "wasmTrainingKernels",
  "cpuTrainingKernels",
  "kerasLoading",
  "fileSystemRouter",
  "flipRatioLogger",
  "progressBar",
] as const;

/** One of {@link EFFECT_NAMES}. */
export type EffectName = (typeof EFFECT_NAMES)[number];

/** Per-effect switches of {@link install}: `true` installs, `false` uninstalls, absent leaves as is. */
export type EffectSwitches = Partial<Record<EffectName, boolean>>;

interface EffectImpl {
  install(): void;
  uninstall(): void;
  installed(): boolean;
}

const IMPLEMENTATIONS: Record<EffectName, EffectImpl> = {
  weightRegistry: { install: installWeightRegistry, uninstall: uninstallWeightRegistry, installed: weightRegistryInstalled },
  constraintsInFit: {
    install: () => {
      installConstraintsInFit();
      installFitCallback("modelWeights");
    },
    uninstall: () => {
      uninstallFitCallback("modelWeights");
      uninstallConstraintsInFit();
    },
    installed: constraintsInFitInstalled,
  },
  batchNormalizationFix: { install: patchBatchNormalization, uninstall: unpatchBatchNormalization, installed: batchNormalizationPatched },
  wasmTrainingKernels: {
    install: () => registerTrainingKernels({ backends: ["wasm"] }),
    uninstall: () => unregisterTrainingKernels({ backends: ["wasm"] }),
    installed: () => trainingKernelsRegistered("wasm"),
  },
  cpuTrainingKernels: {
    install: () => registerTrainingKernels({ backends: ["cpu"] }),
    uninstall: () => unregisterTrainingKernels({ backends: ["cpu"] }),
    installed: () => trainingKernelsRegistered("cpu"),
  },
  kerasLoading: { install: installKerasLoading, uninstall: uninstallKerasLoading, installed: kerasLoadingInstalled },
  fileSystemRouter: { install: installFileSystemRouter, uninstall: uninstallFileSystemRouter, installed: fileSystemRouterInstalled },
  flipRatioLogger: {
    install: () => installFitCallback("flipRatioLogger"),
    uninstall: () => uninstallFitCallback("flipRatioLogger"),
    installed: () => fitCallbackInstalled("flipRatioLogger"),
  },
  progressBar: {
    install: () => installFitCallback("progressBar"),
    uninstall: () => uninstallFitCallback("progressBar"),
    installed: () => fitCallbackInstalled("progressBar"),
  },
};

function isEffectName(name: unknown): name is EffectName {
  return typeof name === "string" && (EFFECT_NAMES as readonly string[]).includes(name);
}

function checkSwitches(switches: unknown): EffectSwitches {
  if (switches === null || typeof switches !== "object" || Array.isArray(switches)) {
    throw new Error(`Invalid switches: expected an object such as {constraintsInFit: true}, received ${describeValue(switches)}.`);
  }
  for (const [name, value] of Object.entries(switches)) {
    if (!isEffectName(name)) {
      throw new Error(`Invalid effect ${describeValue(name)}: expected one of ${EFFECT_NAMES.join(", ")}.`);
    }
    if (typeof value !== "boolean" && value !== undefined) {
      throw new Error(`Invalid switch ${name}: expected a boolean, received ${describeValue(value)}.`);
    }
  }
  return switches as EffectSwitches;
}

/**
 * Switches larq-ts's global effects on or off. Idempotent.
 *
 * @param switches - `{effect: true}` installs an effect, `{effect: false}` uninstalls it, effects not named keep
 *   their state. Default: every effect on (what importing `larq-ts` does).
 * @returns the effects installed after the call, as {@link installed}.
 * @throws for an unknown effect name or a non-boolean switch (before changing anything).
 *
 * @example
 * ```ts
 * lq.effects.install({ progressBar: false }); // keep everything else, drop the progress bar
 * ```
 */
export function install(switches?: EffectSwitches): EffectName[] {
  const given = switches === undefined ? Object.fromEntries(EFFECT_NAMES.map((n) => [n, true])) : checkSwitches(switches);
  const wanted: EffectSwitches = { ...given };
  for (const name of EFFECT_NAMES) {
    const on = wanted[name];
    if (on === true) IMPLEMENTATIONS[name].install();
    else if (on === false) IMPLEMENTATIONS[name].uninstall();
  }
  return installed();
}

/**
 * Removes larq-ts's global effects: every patched prototype, kernel and serialization-map entry is restored to
 * what it was before the effect was installed. Idempotent.
 *
 * @param names - the effects to remove. Default: all of them.
 * @returns the effects still installed.
 *
 * @example
 * ```ts
 * lq.effects.uninstall(["cpuTrainingKernels"]); // stock tfjs-backend-cpu gradient kernels again
 * ```
 */
export function uninstall(names?: readonly EffectName[]): EffectName[] {
  if (names !== undefined && (!Array.isArray(names) || !names.every(isEffectName))) {
    throw new Error(`Invalid names: expected an array of ${EFFECT_NAMES.join(", ")}, received ${describeValue(names)}.`);
  }
  const chosen = names ?? EFFECT_NAMES;
  for (const name of [...EFFECT_NAMES].reverse()) {
    if (chosen.includes(name)) IMPLEMENTATIONS[name].uninstall();
  }
  return installed();
}

/** The effects currently installed, in {@link EFFECT_NAMES} order (read from the patched objects' state). */
export function installed(): EffectName[] {
  return EFFECT_NAMES.filter((name) => IMPLEMENTATIONS[name].installed());
}
