/** `node build/bench/engine_models_main.js`: only the whole-model part of the engine benchmark. */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";

import { benchWholeModels } from "./engine_models.js";

await tf.setBackend("wasm");
await tf.ready();
await benchWholeModels(Number(process.env.BENCH_RUNS ?? 50));
