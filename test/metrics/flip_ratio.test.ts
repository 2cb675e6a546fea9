import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { metricsScope } from "../../src/context/index.js";
import * as metrics from "../../src/metrics/index.js";
import "../../src/optimizers/index.js";
import { SteSign, steSign } from "../../src/quantizers/index.js";
import { assertClose, useBackend } from "../helpers.js";

const { FlipRatio } = metrics;

/** larq's sign (0 → +1) in plain JavaScript. */
const signs = (values: ArrayLike<number>) => Array.from(values, (v) => (v >= 0 ? 1 : -1));

function fractionChanged(a: number[], b: number[]): number {
  return a.filter((v, i) => v !== b[i]).length / a.length;
}

describe("FlipRatio metric", () => {
  before(() => useBackend("cpu"));

  it("larq's sequence: [1,1] → 0, [2,2] → 1, [1,2] → 0.75", () => {
    const m = new FlipRatio();
    m.updateState([1, 1]);
    assert.deepEqual([m.total, m.count, m.result()], [0, 1, 0]);
    m.updateState([2, 2]);
    assert.deepEqual([m.total, m.count, m.result()], [1, 2, 1]);
    m.updateState([1, 2]);
    assert.deepEqual([m.total, m.count, m.result()], [1.5, 3, 0.75]);
    const previous = m.previousValues() as tf.Tensor;
    assert.deepEqual(Array.from(previous.dataSync()), [1, 2]);
    previous.dispose();
    m.dispose();
  });

  it("sign sequences: unchanged → 0, all flipped → 1, half flipped → 0.5", () => {
    const m = new FlipRatio();
    m.build([4]);
    assert.equal(m.result(), 0);
    assert.equal(m.updateState(tf.tensor1d([1, -1, 1, -1])), 0); // first update only records
    assert.equal(m.updateState(tf.tensor1d([1, -1, 1, -1])), 0);
    assert.equal(m.result(), 0);
    assert.equal(m.updateState(tf.tensor1d([-1, 1, -1, 1])), 1);
    assert.equal(m.result(), 0.5);
    assert.equal(m.updateState(tf.tensor1d([1, 1, 1, 1])), 0.5);
    assert.equal(m.result(), 0.5);
    m.resetStates();
    assert.deepEqual([m.total, m.count, m.result()], [0, 0, 0]);
    assert.equal(m.updateState(tf.tensor1d([-1, -1, -1, -1])), 0); // after a reset the first update is not counted
    assert.equal(m.updateState(tf.tensor1d([-1, -1, 1, 1])), 0.5);
    assert.equal(m.result(), 0.5);
    m.dispose();
  });

  it("rejects values of another shape and bad arguments; config round trip", () => {
    const m = new FlipRatio();
    m.build([3]);
    assert.throws(() => m.updateState([1, 1]), /shape \[2\].*\[3\]/);
    assert.throws(() => new FlipRatio({ valuesDtype: "int8" as never }), /Invalid valuesDtype.*int8/);
    assert.throws(() => new FlipRatio({ name: 1 as never }), /Invalid name.*1/);
    const custom = new FlipRatio({ name: "mcv", valuesDtype: "float32" });
    const copy = FlipRatio.fromConfig({ name: "mcv", values_dtype: "float32" });
    assert.deepEqual(copy.getConfig(), custom.getConfig());
    assert.deepEqual(custom.getConfig(), { name: "mcv", valuesDtype: "float32" });
    m.dispose();
  });

  it("does not leak tensors", () => {
    const m = new FlipRatio();
    const x = tf.tensor1d([1, -1, 1]);
    m.updateState(x);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) m.updateState(x);
    assert.equal(tf.memory().numTensors, count);
    m.dispose();
    x.dispose();
  });
});

/** A dense model whose first kernel carries a kernel quantizer the way larq-ts layers do. */
function denseModel(quantizer: unknown): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 6, inputShape: [5], name: "binary_dense" }));
  model.add(tfl.layers.dense({ units: 1, name: "head" }));
  (model.layers[0] as unknown as { kernelQuantizer: unknown }).kernelQuantizer = quantizer;
  return model;
}

describe("flip_ratio in model.fit logs", () => {
  before(() => useBackend("cpu"));

  const x = () => tf.randomNormal([24, 5], 0, 1, "float32", 3);
  const y = () => tf.randomNormal([24, 1], 0, 1, "float32", 4);

  it("per quantizer: logs hold larq's running result (flips of the epoch's earlier steps), epochs their last value", async () => {
    const model = denseModel(new SteSign({ metrics: ["flip_ratio"] }));
    model.compile({ optimizer: tf.train.sgd(0.5), loss: "meanSquaredError" });
    const kernel = model.layers[0].trainableWeights[0];
    let before: number[] = [];
    const steps: number[] = [];
    const logged: number[] = [];
    const history = await model.fit(x(), y(), {
      epochs: 2,
      batchSize: 6,
      verbose: 0,
      callbacks: {
        onBatchBegin: async () => {
          before = signs(kernel.read().dataSync());
        },
        onBatchEnd: async (_b, logs) => {
          steps.push(fractionChanged(before, signs(kernel.read().dataSync())));
          logged.push(logs?.["flip_ratio/binary_dense"] as number);
        },
      },
    });
    assert.equal(logged.length, 8);
    assert.ok(
      steps.some((r) => r > 0),
      "some signs flipped",
    );
    const mean = (a: number[]) => (a.length === 0 ? 0 : a.reduce((s, v) => s + v, 0) / a.length);
    // After batch k (1-based) of an epoch: the mean flips of that epoch's steps 1 … k − 1.
    const expected = [0, 1, 2, 3].map((k) => mean(steps.slice(0, k))).concat([0, 1, 2, 3].map((k) => mean(steps.slice(4, 4 + k))));
    assertClose(logged, expected, 1e-12);
    const perEpoch = history.history["flip_ratio/binary_dense"] as number[];
    assert.equal(perEpoch.length, 2);
    assert.ok(Math.abs(perEpoch[0] - mean(steps.slice(0, 3))) < 1e-12);
    assert.ok(Math.abs(perEpoch[1] - mean(steps.slice(4, 7))) < 1e-12);
    assert.equal(history.history["flip_ratio/head"], undefined);
    model.dispose();
  });

  it("globally via metricsScope for kernel quantizers given as functions; absent otherwise", async () => {
    const scoped = metricsScope(["flip_ratio"], () => {
      const m = denseModel(steSign);
      return m;
    });
    scoped.compile({ optimizer: tf.train.sgd(0.5), loss: "meanSquaredError" });
    const h1 = await scoped.fit(x(), y(), { epochs: 1, batchSize: 12, verbose: 0 });
    assert.deepEqual(Object.keys(h1.history).sort(), ["flip_ratio/binary_dense", "loss"]);

    const plain = denseModel(new SteSign());
    plain.compile({ optimizer: tf.train.sgd(0.5), loss: "meanSquaredError" });
    const h2 = await plain.fit(x(), y(), { epochs: 1, batchSize: 12, verbose: 0 });
    assert.deepEqual(Object.keys(h2.history), ["loss"]);
    scoped.dispose();
    plain.dispose();
  });

  it("keeps tf.memory().numTensors flat across epochs", async () => {
    const model = denseModel(new SteSign({ metrics: ["flip_ratio"] }));
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
    const counts: number[] = [];
    await model.fit(x(), y(), {
      epochs: 5,
      batchSize: 8,
      verbose: 0,
      callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
    });
    assert.equal(counts[1], counts[4]);
    model.dispose();
  });
});
