import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { loadMnist, toTensors } from "../../examples/data/mnist.js";
import { buildTutorialBnn } from "../../examples/tutorial_bnn.js";
import { useBackend } from "../helpers.js";

// larq's tutorial BNN trained for a few steps on real digits: the loss must fall, the kernels must stay
// within the weight_clip bound, and the quantized kernels must be exactly binary.
for (const backend of ["cpu", "wasm"] as const) {
  describe(`training the tutorial BNN on real MNIST digits (${backend})`, () => {
    it("loss falls over a few steps, constraints hold, kernels binarize", async () => {
      await useBackend(backend);
      const { train } = loadMnist(256, 0, 99);
      const data = toTensors(train);
      const model = buildTutorialBnn();
      model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
      const losses: number[] = [];
      // 8 steps of 64 digits (one cpu step takes ~3 s): enough for the loss to fall clearly.
      for (let step = 0; step < 8; step++) {
        const start = (step % 4) * 64;
        const x = tf.slice(data.x, [start, 0, 0, 0], [64, -1, -1, -1]);
        const y = tf.slice(data.y, [start, 0], [64, -1]);
        losses.push((await model.trainOnBatch(x, y)) as number);
        tf.dispose([x, y]);
      }
      const first = (losses[0] + losses[1] + losses[2]) / 3;
      const last = (losses[5] + losses[6] + losses[7]) / 3;
      assert.ok(last < first * 0.8, `loss did not fall: ${losses.map((l) => l.toFixed(3)).join(" ")}`);

      for (const layer of model.layers) {
        if (!lqi.layers.isQuantizedLayer(layer)) continue;
        const [latent] = layer.getWeights();
        const maxAbs = tf.max(tf.abs(latent)).dataSync()[0];
        assert.ok(maxAbs <= 1 + 1e-6, `${layer.name}: |w| = ${maxAbs} exceeds the weight_clip bound`);
        const quantized = lq.context.quantizedScope(true, () => layer.getWeights()[0]);
        const values = new Set(Array.from(quantized.dataSync()));
        assert.deepEqual([...values].sort(), [-1, 1], `${layer.name}: quantized kernel is not ±1`);
        quantized.dispose();
      }
      tf.dispose([data.x, data.y]);
      model.dispose();
    });
  });
}
