/**
 * larq-ts: Larq for TypeScript.
 *
 * Quantized layers, quantizers with pseudo-gradients and training utilities for binarized and other
 * extremely quantized neural networks on TensorFlow.js, plus a bitpacked WebAssembly inference engine.
 *
 * Importing this entry point installs every global effect of `lq.effects` (constraints hold in `model.fit`, wasm
 * can train, Keras files load, …); `larq-ts/core` exports the same API and installs none. `lq.uninstall()` removes
 * them again.
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
export * from "./core.js";

import { install } from "./effects/index.js";

// The default entry point keeps larq's "it just works": every effect of lq.effects is installed here.
install();
