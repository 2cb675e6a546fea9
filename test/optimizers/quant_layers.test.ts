// Training API on larq-ts's own quantized layers (QuantDense, QuantConv2D).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { HyperparameterScheduler, ProgressBar } from "../../src/callbacks/index.js";
import { metricsScope } from "../../src/context/index.js";
import * as layers from "../../src/layers/index.js";
import "../../src/metrics/index.js";
import "../../src/quantizers/index.js";
import * as optimizers from "../../src/optimizers/index.js";
import { useBackend } from "../helpers.js";
import { saveAndLoad } from "../quantizers/model_io.js";

const { Bop, CaseOptimizer } = optimizers;

/** A small BNN: QuantConv2D → Flatten → QuantDense (both ste_sign + weight_clip) → Dense. */
function buildBnn(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(
    new layers.QuantConv2D({
      filters: 4,
      kernelSize: 3,
      inputShape: [6, 6, 1],
      kernelQuantizer: "ste_sign",
      kernelConstraint: "weight_clip",
      useBias: false,
      name: "qconv",
    }) as unknown as tfl.layers.Layer,
  );
  model.add(tfl.layers.flatten());
  model.add(
    new layers.QuantDense({
      units: 8,
      inputQuantizer: "ste_sign",
      kernelQuantizer: "ste_sign",
      kernelConstraint: "weight_clip",
      name: "qdense",
    }) as unknown as tfl.layers.Layer,
  );
  model.add(tfl.layers.dense({ units: 1, name: "head" }));
  return model;
}

const data = (): [tf.Tensor, tf.Tensor] => {
  const x = tf.randomNormal([16, 6, 6, 1], 0, 1, "float32", 5);
  return [x, tf.mul(tf.reshape(tf.sum(x, [1, 2, 3]), [16, 1]), 10)];
};

const maxAbs = (t: tf.Tensor) => Math.max(...Array.from(t.dataSync()).map(Math.abs));

describe("training API with QuantDense / QuantConv2D", () => {
  before(() => useBackend("cpu"));

  it("Bop.isBinaryVariable finds the ste_sign kernels, not biases or float layers", () => {
    const model = buildBnn();
    const binary = model.trainableWeights.map((w) => Bop.isBinaryVariable(optimizers.latentVariable(w)));
    assert.deepEqual(
      model.trainableWeights.map((w) => w.name.split("/").slice(-1)[0]),
      ["kernel", "kernel", "bias", "kernel", "bias"],
    );
    assert.deepEqual(binary, [true, true, false, false, false]);
    model.dispose();
  });

  it("weight_clip holds after model.fit with Adam (and is violated without enforcement)", async () => {
    for (const enforce of [false, true]) {
      const previous = optimizers.setConstraintEnforcement(enforce);
      try {
        const model = buildBnn();
        model.compile({ optimizer: tf.train.adam(0.5), loss: "meanSquaredError" });
        const [x, y] = data();
        await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
        const kernels = [model.layers[0].getWeights()[0], model.layers[2].getWeights()[0]];
        const largest = Math.max(...kernels.map(maxAbs));
        if (enforce) assert.ok(largest <= 1 + 1e-6, `|w| = ${largest} > 1`);
        else assert.ok(largest > 1, `without enforcement |w| reached only ${largest}`);
        model.dispose();
      } finally {
        optimizers.setConstraintEnforcement(previous);
      }
    }
  });

  it("CaseOptimizer(Bop, Adam) + flip ratio + scheduler + progress bar: ±1 kernels, logs, flat memory", async () => {
    const model = metricsScope(["flip_ratio"], () => buildBnn());
    const bop = new Bop({ threshold: 1e-6, gamma: 1e-2 });
    const adam = tf.train.adam(0.01);
    model.compile({ optimizer: new CaseOptimizer([Bop.isBinaryVariable, bop], { defaultOptimizer: adam }), loss: "meanSquaredError" });
    const writes: string[] = [];
    const counts: number[] = [];
    const [x, y] = data();
    const history = await model.fit(x, y, {
      epochs: 5,
      batchSize: 4,
      verbose: 0,
      callbacks: [
        new HyperparameterScheduler({ schedule: (e) => 1e-2 / (1 + e), hyperparameter: "gamma", optimizer: bop }),
        new ProgressBar({ stream: { isTTY: false, write: (s: string) => void writes.push(s) } }),
        // tfjs accepts either callback instances or plain objects, not a mix: wrap the plain one.
        new tfl.CustomCallback({ onEpochEnd: async () => void counts.push(tf.memory().numTensors) }),
      ],
    });
    assert.equal(counts[1], counts[4], `numTensors after epoch 2 (${counts[1]}) vs epoch 5 (${counts[4]})`);
    for (const i of [0, 2]) {
      for (const v of model.layers[i].getWeights()[0].dataSync()) assert.ok(v === 1 || v === -1, `kernel value ${v}`);
    }
    assert.ok(history.history["flip_ratio/qconv"], "flip ratio of qconv logged");
    assert.ok(history.history["flip_ratio/qdense"], "flip ratio of qdense logged");
    assert.equal(history.history["flip_ratio/head"], undefined);
    for (const r of history.history["flip_ratio/qdense"] as number[]) assert.ok(r >= 0 && r <= 1);
    assert.deepEqual(history.history.gamma, [1e-2, 1e-2 / 2, 1e-2 / 3, 1e-2 / 4, 1e-2 / 5]);
    assert.equal(writes.length, 5);
    assert.match(
      writes[4],
      /^Epoch 5\/5 4\/4 - .* - loss: [^ ]+ - flip_ratio\/qconv: [^ ]+ - flip_ratio\/qdense: [^ ]+ - gamma: 0\.0020\n$/,
    );
    model.dispose();
  });

  it("a model compiled with CaseOptimizer(Bop, Adam) saves and reloads with its optimizer and keeps training", async () => {
    const model = buildBnn();
    const optimizer = new CaseOptimizer([Bop.isBinaryVariable, new Bop({ gamma: 1e-2 })], { defaultOptimizer: tf.train.adam(0.01) });
    model.compile({ optimizer, loss: "meanSquaredError" });
    const [x, y] = data();
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const { loaded } = await saveAndLoad(model, { includeOptimizer: true });
    const restored = loaded.optimizer as unknown as InstanceType<typeof CaseOptimizer>;
    assert.ok(restored instanceof CaseOptimizer);
    assert.equal(restored.optimizers[0].getClassName(), "Bop");
    await loaded.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    // The binary kernels went to the restored Bop again (they stay ±1), the rest to Adam.
    for (const i of [0, 2]) {
      for (const v of loaded.layers[i].getWeights()[0].dataSync()) assert.ok(v === 1 || v === -1, `kernel value ${v}`);
    }
    const names = loaded.trainableWeights.map((w) => w.name);
    assert.equal(restored.optimizerFor(names[0]), restored.optimizers[0]);
    assert.equal(restored.optimizerFor(names[2]), restored.optimizers[1]);
    model.dispose();
    loaded.dispose();
  });
});
