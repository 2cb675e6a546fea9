// larq-ts under webpack 5 with no configuration file and no plugins: webpack emits each
// `new URL("…", import.meta.url)` as an asset (its documented asset pattern), which hands tfjs-backend-wasm its
// own .wasm files. larq-ts's kernels need nothing: they are bundled as JavaScript modules.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import * as lq from "larq-ts";

import { runOnPage } from "../shared/bnn-check.js";

tfWasm.setWasmPaths({
  "tfjs-backend-wasm.wasm": new URL("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm", import.meta.url).href,
  "tfjs-backend-wasm-simd.wasm": new URL("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm", import.meta.url).href,
  "tfjs-backend-wasm-threaded-simd.wasm": new URL(
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm",
    import.meta.url,
  ).href,
});
// tfjs-backend-wasm's threaded build runs its Emscripten factory's source text in workers, and webpack's rewrite of
// that factory refers to its own module variables, which workers do not have ("r is not defined"): use the
// single-threaded SIMD build.
tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
await runOnPage({ tf, tfl, lq, tfWasm });
