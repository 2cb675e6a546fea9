/**
 * The README's quick example, kept compiling and running: `node build/examples/quick_start.js`.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-wasm";

import * as lq from "../src/index.js";

await tf.setBackend("wasm");

// All quantized layers: binary kernels (ste_sign + weight_clip), binary inputs except in the first layer.
const kwargs = { kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip", useBias: false } as const;
const model = tfl.sequential({
  layers: [
    lq.layers.quantConv2d({ filters: 32, kernelSize: 3, inputShape: [28, 28, 1], ...kwargs }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.batchNormalization({ scale: false }),
    tfl.layers.flatten(),
    lq.layers.quantDense({ units: 10, inputQuantizer: "ste_sign", ...kwargs }),
    tfl.layers.batchNormalization({ scale: false }),
    tfl.layers.activation({ activation: "softmax" }),
  ],
});
lq.models.summary(model); // larq's table: parameters by bit width, memory, MACs by precision

model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
const x = tf.randomUniform([8, 28, 28, 1]);
const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), 10);
await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });

// Export the true ±1 weights:
const binaryWeights = lq.context.quantizedScope(true, () => model.getWeights());
console.log("first kernel values:", [...new Set(binaryWeights[0].dataSync())].sort());

lq.quantizers.steSign(tf.tensor([-0.5, 0, 2])).print(); // [-1, 1, 1]  (0 → +1, unlike tf.sign)
const q = new lq.quantizers.SteSign({ clipValue: 1.25 }); // gradient passes where |x| <= 1.25
console.log(q.getConfig());
console.log(lq.quantizers.get({ class_name: "SteTern", config: { threshold_value: 0.1 } }));
