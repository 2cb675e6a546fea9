/**
 * larq-ts: Larq for TypeScript.
 *
 * Quantized layers, quantizers with pseudo-gradients and training utilities for binarized and other
 * extremely quantized neural networks on TensorFlow.js, plus a bitpacked WebAssembly inference engine.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as lq from "larq-ts";
 *
 * lq.quantizers.steSign(tf.tensor([-0.5, 0, 2])).print(); // [-1, 1, 1]
 * ```
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
/** Training support installed on import: wasm-backend gradient kernels and the BatchNormalization fix. */
export * as training from "./training/index.js";

/** The larq-ts version. */
export const version = "0.1.0";
