/**
 * larq-ts/core: the whole larq-ts API, without any global effect at import.
 *
 * @remarks
 * Exports exactly what `larq-ts` exports, but installs nothing: tfjs's optimizers, layers, kernels and
 * serialization map stay as tfjs made them until `lq.effects.install(…)` is called. Use it to keep tfjs's own
 * behaviour, or to choose effects one by one (see `lq.effects` for the list).
 *
 * @example
 * ```ts
 * import * as lq from "larq-ts/core";
 * lq.effects.installed(); // []
 * lq.effects.install({ constraintsInFit: true }); // only what you need
 * ```
 *
 * @packageDocumentation
 */
export * as math from "./math/index.js";
export * as quantizers from "./public/quantizers.js";
export * as activations from "./public/activations.js";
export * as constraints from "./public/constraints.js";
export * as context from "./public/context.js";
export * as layers from "./public/layers.js";
export * as models from "./public/models.js";
export * as metrics from "./public/metrics.js";
export * as optimizers from "./public/optimizers.js";
export * as callbacks from "./public/callbacks.js";
export * as engine from "./public/engine.js";
export * as zoo from "./public/zoo.js";
export * as io from "./public/io.js";
/** Training support: wasm/cpu gradient kernels and the BatchNormalization fix (installed as effects, see {@link effects}). */
export * as training from "./public/training.js";
/** Every global effect of larq-ts on tfjs, switchable and reversible (see the table there). */
export * as effects from "./public/effects.js";

/** The larq-ts version. */
export const version = "0.1.0";

/**
 * Removes every global effect of larq-ts (`lq.effects.uninstall()`): tfjs's prototypes, kernels and serialization
 * map are as they were before larq-ts installed anything.
 *
 * @returns the effects still installed (none).
 */
export { uninstall } from "./effects/index.js";
