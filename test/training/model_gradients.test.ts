/**
 * End to end: a small conv net's parameter gradients on wasm (larq-ts kernels) equal the cpu backend's, and
 * training it on wasm keeps the tensor count flat.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { useBackend } from "../helpers.js";
import { registerTrainingKernels, unregisterTrainingKernels } from "../../src/training/index.js";

// test/helpers.ts sets IS_TEST to silence tfjs's Node banner; IS_TEST also makes tfjs count backend data ids
// around every kernel, which flags any customGrad that keeps intermediates for its backward pass (tfjs's own
// ops do this too). The BatchNormalization fix keeps x̂ and 1/σ that way, so the count is switched off here;
// PROD keeps the banner silent.
tf.env().set("IS_TEST", false);
tf.env().set("PROD", true);

function buildModel(): tfl.Sequential {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, useBias: false, inputShape: [11, 11, 2], kernelInitializer: init(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.batchNormalization({ scale: false }),
      // Without a non-linearity here the downstream BN would cancel beta's effect (zero gradient).
      tfl.layers.activation({ activation: "tanh" }),
      tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same", useBias: false, kernelInitializer: init(2) }),
      tfl.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, useBias: false, depthwiseInitializer: init(3) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, useBias: false, kernelInitializer: init(4) }),
      tfl.layers.batchNormalization({ scale: false, center: false }),
      tfl.layers.activation({ activation: "softmax" }),
    ],
  });
}

function data(): { x: tf.Tensor; y: tf.Tensor } {
  const n = 8;
  const xs = Array.from({ length: n * 11 * 11 * 2 }, (_, i) => Math.sin(i * 0.37) + 0.1 * Math.cos(i * 1.9));
  return { x: tf.tensor(xs, [n, 11, 11, 2]), y: tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3) };
}

async function gradients(backend: "cpu" | "wasm", weights: Float32Array[], shapes: number[][]): Promise<Float32Array[]> {
  await useBackend(backend);
  const model = buildModel();
  model.setWeights(weights.map((w, i) => tf.tensor(w, shapes[i])));
  const { x, y } = data();
  const { value, grads } = tf.variableGrads(() =>
    tf.losses.softmaxCrossEntropy(y, tf.log(model.apply(x, { training: true }) as tf.Tensor)),
  );
  const out = model.trainableWeights.map((w) => grads[w.originalName] ?? grads[(w.read() as tf.Variable).name]);
  const result = out.map((g) => g.dataSync() as Float32Array);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  model.dispose();
  return result;
}

describe("a conv net trains on wasm like on cpu", () => {
  test("all parameter gradients match the cpu backend (rel. 1e-4)", async () => {
    await useBackend("cpu");
    const reference = buildModel();
    const weights = reference.getWeights().map((w) => w.dataSync() as Float32Array);
    const shapes = reference.getWeights().map((w) => w.shape);
    reference.dispose();
    // Reference: tfjs-backend-cpu's own gradient kernels, not larq-ts's cpu replacements.
    unregisterTrainingKernels({ backends: ["cpu"] });
    let expected: Float32Array[];
    try {
      expected = await gradients("cpu", weights, shapes);
    } finally {
      registerTrainingKernels({ backends: ["cpu"] });
    }
    const actual = await gradients("wasm", weights, shapes);
    assert.equal(actual.length, 5); // 3 conv kernels, dense kernel, beta of the first BN
    actual.forEach((a, k) => {
      const e = expected[k];
      const scale = Math.max(...Array.from(e, Math.abs));
      assert.ok(scale > 0, `gradient ${k} is zero: nothing tested`);
      const err = Math.max(...Array.from(a, (v, i) => Math.abs(v - e[i])));
      assert.ok(err <= 1e-4 * scale, `gradient ${k}: max error ${err} vs scale ${scale}`);
    });
  });

  test("training steps on wasm keep the tensor count flat and lower the loss", async () => {
    await useBackend("wasm");
    const model = buildModel();
    model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
    const { x, y } = data();
    const losses: number[] = [(await model.trainOnBatch(x, y)) as number];
    const count = tf.memory().numTensors;
    for (let i = 0; i < 9; i++) losses.push((await model.trainOnBatch(x, y)) as number);
    assert.equal(tf.memory().numTensors, count);
    assert.ok(losses[9] < losses[0], `loss did not fall: ${losses}`);
    tf.dispose([x, y]);
    model.dispose();
  });
});
