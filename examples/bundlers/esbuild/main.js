// larq-ts under esbuild with no plugins: `--loader:.wasm=file` (esbuild's documented loader for asset files) turns
// the three .wasm imports below into URLs for tfjs-backend-wasm. larq-ts's kernels need nothing: they are bundled
// as JavaScript modules.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import wasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm";
import * as lq from "larq-ts";

import { runOnPage } from "../shared/bnn-check.js";

tfWasm.setWasmPaths({
  "tfjs-backend-wasm.wasm": wasm,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd,
});
await runOnPage({ tf, tfl, lq, tfWasm });
