// larq-ts under Vite with no plugins. The only bundler-specific lines are the `?url` imports, Vite's documented way
// to get an asset's URL, which hand tfjs-backend-wasm its own .wasm files. larq-ts's kernels need nothing: Vite
// emits them from larq-ts's `new URL("…/lce.wasm", import.meta.url)`.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import wasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import * as lq from "larq-ts";

import { runOnPage } from "../shared/bnn-check.js";

tfWasm.setWasmPaths({
  "tfjs-backend-wasm.wasm": wasm,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd,
});
await runOnPage({ tf, tfl, lq, tfWasm });
