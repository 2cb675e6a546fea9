/**
 * The README's training example, kept compiling and running: Bop for the binary kernels, Adam for the rest,
 * a gamma schedule, flip ratios in the logs and the progress bar. `node build/examples/training_api.js`
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-wasm";

import * as lq from "../src/index.js";

await tf.setBackend("wasm");

// Every kernel quantizer created inside the scope reports its flip ratio in the fit logs.
const model = lq.context.metricsScope(["flip_ratio"], () =>
  tfl.sequential({
    layers: [
      lq.layers.quantDense({ units: 32, inputShape: [16], kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" }),
      tfl.layers.batchNormalization({ scale: false }),
      lq.layers.quantDense({ units: 4, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" }),
      tfl.layers.activation({ activation: "softmax" }),
    ],
  }),
);

const bop = new lq.optimizers.Bop({ threshold: 1e-6, gamma: 1e-3 });
const optimizer = new lq.optimizers.CaseOptimizer([lq.optimizers.Bop.isBinaryVariable, bop], {
  defaultOptimizer: tf.train.adam(0.01),
});
model.compile({ optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"] });

const x = tf.randomNormal([256, 16]);
const y = tf.oneHot(tf.argMax(tf.slice(x, [0, 0], [-1, 4]), 1), 4);
await model.fit(x, y, {
  epochs: 3,
  batchSize: 32,
  verbose: 0,
  callbacks: [
    new lq.callbacks.ProgressBar(), // the same bar `verbose: 1` shows
    new lq.callbacks.HyperparameterScheduler({
      schedule: (epoch) => 1e-3 * 0.5 ** epoch,
      hyperparameter: "gamma",
      optimizer: bop,
      verbose: 1,
    }),
  ],
});
