/**
 * `larq-ts/internal`: every module of larq-ts with all its exports, including the helpers, constants and test
 * hooks that the public entry points (`larq-ts`, `larq-ts/core`) leave out. For those who build on larq-ts's
 * internals; these exports may change in any release. Importing this entry installs no effect.
 *
 * @packageDocumentation
 */
export * as math from "./math/index.js";
export * as quantizers from "./quantizers/index.js";
export * as activations from "./activations/index.js";
export * as constraints from "./constraints/index.js";
export * as context from "./context/index.js";
export * as layers from "./layers/index.js";
export * as models from "./models/index.js";
export * as metrics from "./metrics/index.js";
export * as optimizers from "./optimizers/index.js";
export * as callbacks from "./callbacks/index.js";
export * as engine from "./engine/index.js";
export * as zoo from "./zoo/index.js";
export * as io from "./io/index.js";
export * as training from "./training/index.js";
export * as effects from "./effects/index.js";
