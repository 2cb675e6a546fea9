import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { HyperparameterScheduler } from "../../src/callbacks/index.js";
import { Bop, CaseOptimizer } from "../../src/optimizers/index.js";
import { useBackend } from "../helpers.js";

const schedule = (x: number) => 1 / (1 + x);
const lr = (o: tf.Optimizer) => (o as unknown as { learningRate: number }).learningRate;

function smallModel(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 4, inputShape: [3], activation: "tanh" }));
  model.add(tfl.layers.dense({ units: 1 }));
  return model;
}

function data(n: number): [tf.Tensor, tf.Tensor] {
  const x = tf.randomNormal([n, 3], 0, 1, "float32", 11);
  return [x, tf.sum(x, 1, true)];
}

describe("HyperparameterScheduler", () => {
  before(() => useBackend("cpu"));

  it("per epoch, on the model's optimizer, with the 'lr' alias; logs and prints the value", async () => {
    const model = smallModel();
    const adam = tf.train.adam(0.01);
    model.compile({ optimizer: adam, loss: "meanSquaredError" });
    const messages: string[] = [];
    const scheduler = new HyperparameterScheduler({ schedule, hyperparameter: "lr", verbose: 1, print: (m) => messages.push(m) });
    const [x, y] = data(32);
    const history = await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, callbacks: [scheduler] });
    assert.equal(lr(adam), schedule(2));
    assert.deepEqual(history.history.lr, [1, 0.5, 1 / 3]);
    assert.deepEqual(messages, ["Epoch 0: lr is now 1.", "Epoch 1: lr is now 0.5.", `Epoch 2: lr is now ${1 / 3}.`]);
    model.dispose();
  });

  it("per step, indexed by the optimizer's global step", async () => {
    const model = smallModel();
    const adam = tf.train.adam(0.01);
    model.compile({ optimizer: adam, loss: "meanSquaredError" });
    const seen: number[] = [];
    const scheduler = new HyperparameterScheduler({
      schedule: (t) => {
        seen.push(t);
        return schedule(t);
      },
      hyperparameter: "learningRate",
      updateFreq: "step",
    });
    const [x, y] = data(20);
    await model.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0, callbacks: [scheduler] });
    assert.deepEqual(seen, [0, 1, 2, 3]); // global steps, not batch indices (0, 1, 0, 1)
    assert.equal(lr(adam), schedule(3));
    model.dispose();
  });

  it("the scheduled value takes effect: SGD with learning rate scheduled to 0 leaves the weights unchanged", async () => {
    const model = smallModel();
    model.compile({ optimizer: tf.train.sgd(1), loss: "meanSquaredError" });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const [x, y] = data(8);
    await model.fit(x, y, {
      epochs: 2,
      batchSize: 4,
      verbose: 0,
      callbacks: [new HyperparameterScheduler({ schedule: () => 0, hyperparameter: "learningRate" })],
    });
    assert.deepEqual(
      model.getWeights().map((w) => Array.from(w.dataSync())),
      before,
    );
    model.dispose();
  });

  it("schedules Bop's gamma and threshold and the inner Adam's learning rate of a CaseOptimizer", async () => {
    const model = smallModel();
    (model.layers[0].trainableWeights[0] as unknown as { precision: number }).precision = 1;
    const bop = new Bop({ threshold: 1e-6, gamma: 1e-3 });
    const adam = tf.train.adam(0.01);
    model.compile({ optimizer: new CaseOptimizer([Bop.isBinaryVariable, bop], { defaultOptimizer: adam }), loss: "meanSquaredError" });
    const callbacks = [
      new HyperparameterScheduler({ schedule, hyperparameter: "gamma", optimizer: bop }),
      new HyperparameterScheduler({ schedule, hyperparameter: "threshold", optimizer: bop }),
      new HyperparameterScheduler({ schedule, hyperparameter: "lr", optimizer: adam, logName: "adam_lr" }),
    ];
    const [x, y] = data(32);
    const history = await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, callbacks });
    assert.equal(bop.gamma, schedule(2));
    assert.equal(bop.threshold, schedule(2));
    assert.equal(lr(adam), schedule(2));
    assert.deepEqual(history.history.adam_lr, [1, 0.5, 1 / 3]);
    assert.deepEqual(history.history.gamma, [1, 0.5, 1 / 3]);
    model.dispose();
  });

  it("rejects unknown hyperparameters, bad updateFreq and bad schedule output", async () => {
    assert.throws(
      () => new HyperparameterScheduler({ schedule, hyperparameter: "lr", updateFreq: "wrong" as never }),
      /Invalid updateFreq.*"wrong"/,
    );
    assert.throws(() => new HyperparameterScheduler({ schedule: 3 as never, hyperparameter: "lr" }), /Invalid schedule/);
    assert.throws(
      () => new HyperparameterScheduler({ schedule, hyperparameter: "momentum", optimizer: new Bop() }),
      /Bop has no numeric hyperparameter "momentum"/,
    );
    const model = smallModel();
    model.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
    const [x, y] = data(8);
    const wrong = new HyperparameterScheduler({ schedule, hyperparameter: "invalid_param" });
    await assert.rejects(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [wrong] }), /no numeric hyperparameter "invalid_param"/);
    const nan = new HyperparameterScheduler({ schedule: () => Number.NaN, hyperparameter: "lr" });
    await assert.rejects(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [nan] }), /schedule\(0\) returned NaN/);
    model.dispose();
  });
});
