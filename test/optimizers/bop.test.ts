import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as optimizers from "../../src/optimizers/index.js";
import { assertClose, useBackend } from "../helpers.js";
import { saveAndLoad } from "../quantizers/model_io.js";

const { Bop, CaseOptimizer } = optimizers;

/** A trainable variable tagged with a precision, as larq-ts layers tag quantized kernels. */
function tagged(values: number[], precision: number | null, name?: string): tf.Variable {
  const v = tf.variable(tf.tensor1d(values), true, name);
  if (precision !== null) (v as unknown as { precision: number }).precision = precision;
  return v;
}

/** Slow reference of one Bop step (larq's update written out element by element). */
function bopReference(w: number[], m: number[], g: number[], gamma: number, tau: number): { w: number[]; m: number[] } {
  const mNew = m.map((mi, i) => mi + gamma * (g[i] - mi));
  const wNew = w.map((wi, i) => {
    const s = Math.sign(wi * mNew[i] - tau); // tf.sign: 0 -> 0
    const inner = -s * wi;
    return inner >= 0 ? 1 : -1; // larq sign: 0 -> +1
  });
  return { w: wNew, m: mNew };
}

describe("Bop", () => {
  before(() => useBackend("cpu"));

  it("hand-computed two-step sequence: momentum with gamma, flips where w·m > tau", async () => {
    const w = tagged([1, 1, -1, -1, 1], 1);
    const bop = new Bop({ gamma: 0.5, threshold: 0.1 });
    // m1 = 0.5 g = [0.2, 0.05, -0.2, 0.15, -0.5]; w·m1 = [0.2, 0.05, 0.2, -0.15, -0.5] → flip 1st and 3rd.
    bop.applyGradients({ [w.name]: tf.tensor1d([0.4, 0.1, -0.4, 0.3, -1]) });
    assertClose(w, [-1, 1, 1, -1, 1]);
    const [, m1] = await bop.getWeights();
    assertClose(m1.tensor, [0.2, 0.05, -0.2, 0.15, -0.5]);
    // m2 = m1 + 0.5 (g2 − m1) = [0.3, 0.225, -0.1, 0.075, -0.25]; w1·m2 = [-0.3, 0.225, -0.1, -0.075, -0.25].
    bop.applyGradients([{ name: w.name, tensor: tf.tensor1d([0.4, 0.4, 0, 0, 0]) }]);
    assertClose(w, [-1, -1, 1, -1, 1]);
    const [iter, m2] = await bop.getWeights();
    assertClose(m2.tensor, [0.3, 0.225, -0.1, 0.075, -0.25]);
    assert.equal((await iter.tensor.data())[0], 2);
    assert.equal(bop.iterations, 2);
    w.dispose();
    bop.dispose();
  });

  it("flips just above the threshold and keeps just below, for both signs of w", () => {
    const tau = 0.1;
    const w = tagged([1, 1, -1, -1], 1);
    const bop = new Bop({ gamma: 1, threshold: tau }); // gamma 1: m = g
    bop.applyGradients({ [w.name]: tf.tensor1d([tau + 1e-3, tau - 1e-3, -(tau + 1e-3), -(tau - 1e-3)]) });
    assertClose(w, [-1, 1, 1, -1]);
    w.dispose();
    bop.dispose();
  });

  it("matches a slow reference over random steps, also through minimize()", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const n = 50;
    let wRef: number[] = Array.from({ length: n }, () => (rand() < 0 ? -1 : 1));
    let mRef = new Array<number>(n).fill(0);
    const w = tagged(wRef, 1);
    const bop = new Bop({ gamma: 0.3, threshold: 0.05 });
    for (let step = 0; step < 6; step++) {
      const c = Array.from({ length: n }, () => rand());
      ({ w: wRef, m: mRef } = bopReference(wRef, mRef, c, 0.3, 0.05));
      // loss = Σ c·w has gradient c.
      bop.minimize(() => tf.sum(tf.mul(w, tf.tensor1d(c))) as tf.Scalar, false, [w]);
      assertClose(w, wRef, 0, `step ${step}`);
    }
    w.dispose();
    bop.dispose();
  });

  it("touches only binary variables (precision 1)", () => {
    const binary = tagged([1, -1], 1);
    const float = tagged([0.5, -0.5], null);
    const eight = tagged([0.25, 0.75], 8);
    const bop = new Bop({ gamma: 1, threshold: 0 });
    bop.applyGradients({ [binary.name]: tf.tensor1d([1, -1]), [float.name]: tf.tensor1d([1, 1]), [eight.name]: tf.tensor1d([1, 1]) });
    assertClose(binary, [-1, 1]);
    assertClose(float, [0.5, -0.5]);
    assertClose(eight, [0.25, 0.75]);
    assert.equal(Bop.isBinaryVariable(binary), true);
    assert.equal(Bop.isBinaryVariable(float), false);
    assert.equal(Bop.isBinaryVariable(eight), false);
    for (const v of [binary, float, eight]) v.dispose();
    bop.dispose();
  });

  it("recognises kernels through their layer: a precision-tagged LayerVariable and a kernelQuantizer", () => {
    const dense = tfl.layers.dense({ units: 2, inputShape: [3] }) as unknown as tfl.layers.Layer & Record<string, unknown>;
    dense.build([null, 3]);
    const [kernel, bias] = dense.trainableWeights;
    assert.equal(Bop.isBinaryVariable(kernel.read() as tf.Variable), false);
    (kernel as unknown as { precision: number }).precision = 1;
    assert.equal(Bop.isBinaryVariable(kernel.read() as tf.Variable), true);
    assert.equal(Bop.isBinaryVariable(bias.read() as tf.Variable), false);

    const other = tfl.layers.dense({ units: 2, inputShape: [3] }) as unknown as tfl.layers.Layer & Record<string, unknown>;
    other.build([null, 3]);
    const binaryQuantizer = Object.assign((x: tf.Tensor) => x, { precision: 1 });
    other.kernelQuantizer = binaryQuantizer;
    assert.equal(Bop.isBinaryVariable(other.trainableWeights[0].read() as tf.Variable), true);
    assert.equal(Bop.isBinaryVariable(other.trainableWeights[1].read() as tf.Variable), false);
    assert.equal(optimizers.variablePrecision(other.trainableWeights[0].name), 1);
    for (const w of [...dense.weights, ...other.weights]) w.dispose(); // layers never called cannot be disposed
  });

  it("validates its arguments", () => {
    assert.throws(() => new Bop({ gamma: -1 }), /Invalid gamma.*-1/);
    assert.throws(() => new Bop({ threshold: Number.NaN }), /Invalid threshold/);
    assert.throws(() => new Bop({ name: 3 as never }), /Invalid name.*3/);
  });

  it("serializes: getConfig/fromConfig through tf.serialization, getWeights/setWeights", async () => {
    const bop = new Bop({ threshold: 1e-6, gamma: 1e-3, name: "bop" });
    assert.deepEqual(bop.getConfig(), { threshold: 1e-6, gamma: 1e-3, name: "bop" });
    const entry = tf.serialization.SerializationMap.getMap().classNameMap.Bop;
    assert.ok(entry, "Bop is registered");
    const restored = entry[1](entry[0], bop.getConfig()) as unknown as InstanceType<typeof Bop>;
    assert.ok(restored instanceof Bop);
    assert.deepEqual(restored.getConfig(), bop.getConfig());
    assert.equal(restored.getClassName(), "Bop");
    const defaults = new Bop();
    assert.equal(defaults.threshold, 1e-8);
    assert.equal(defaults.gamma, 1e-4);

    const w = tagged([1, -1, 1], 1);
    bop.gamma = 0.5;
    bop.applyGradients({ [w.name]: tf.tensor1d([0.2, 0.4, -0.6]) });
    const saved = await bop.getWeights();
    const copy = new Bop({ gamma: 0.5 });
    await copy.setWeights(saved.map((s) => ({ name: s.name, tensor: tf.clone(s.tensor) })));
    assert.equal(copy.iterations, 1);
    const [, m] = await copy.getWeights();
    assertClose(m.tensor, [0.1, 0.2, -0.3]);
    w.dispose();
    for (const o of [bop, copy, restored, defaults]) o.dispose();
  });

  it("trains a model with CaseOptimizer(Bop, Adam) in model.fit: kernels stay ±1, floats move, no tensor growth", async () => {
    const model = tfl.sequential();
    model.add(tfl.layers.dense({ units: 8, inputShape: [4], activation: "tanh" }));
    model.add(tfl.layers.dense({ units: 1 }));
    (model.layers[0].trainableWeights[0] as unknown as { precision: number }).precision = 1;
    const bop = new Bop({ gamma: 1e-2, threshold: 1e-6 });
    const optimizer = new CaseOptimizer([Bop.isBinaryVariable, bop], { defaultOptimizer: tf.train.adam(0.01) });
    model.compile({ optimizer, loss: "meanSquaredError" });
    const before = model.getWeights().map((t) => Array.from(t.dataSync()));
    const x = tf.randomNormal([32, 4], 0, 1, "float32", 1);
    const y = tf.sum(x, 1, true);
    const counts: number[] = [];
    await model.fit(x, y, {
      epochs: 5,
      batchSize: 8,
      verbose: 0,
      callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
    });
    assert.equal(counts[1], counts[4], `numTensors after epoch 2 (${counts[1]}) vs epoch 5 (${counts[4]})`);
    const after = model.getWeights().map((t) => Array.from(t.dataSync()));
    for (const v of after[0]) assert.ok(v === 1 || v === -1, `binary kernel value ${v}`);
    after.forEach((values, i) => assert.notDeepEqual(values, before[i], `weight ${i} was updated`));
    assert.equal(bop.iterations, 20);
    model.dispose();
    optimizer.dispose();
    x.dispose();
    y.dispose();
  });

  it("uses the scheduled threshold of its own step: each weight flips at the first step where τ_k < |w·m|", () => {
    const g = [0.9, 0.45, 0.2, 0.07, 0.01];
    const w = tagged([1, 1, 1, 1, 1], 1);
    // τ_k = 0.5^k; with gamma 1, m = g, so weight j flips at the first k with 0.5^k < g_j (k = 1, 2, 3, 4, never
    // within 6 steps for 0.01), after which w·m < 0 and it stays.
    const threshold = new optimizers.schedules.ExponentialDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5 });
    const bop = new Bop({ gamma: 1, threshold });
    const flipped = g.map(() => false);
    for (let k = 0; k < 6; k++) {
      bop.applyGradients({ [w.name]: tf.tensor1d(g) });
      g.forEach((gj, j) => (flipped[j] ||= 0.5 ** k < gj));
      assertClose(
        w,
        flipped.map((f) => (f ? -1 : 1)),
        0,
        `after step ${k}`,
      );
    }
    assert.deepEqual(flipped, [true, true, true, true, false]);
    w.dispose();
    bop.dispose();
  });

  it("evaluates a gamma function at its own iterations, also inside CaseOptimizer", async () => {
    const w = tagged([1, -1, 1], 1);
    const other = tagged([0.5], null);
    const seen: number[] = [];
    const gamma = (step: number) => {
      seen.push(step);
      return 1 / (step + 2);
    };
    const bop = new Bop({ gamma, threshold: 10 }); // threshold 10: no flips, only the momentum moves
    const optimizer = new CaseOptimizer([Bop.isBinaryVariable, bop], { defaultOptimizer: tf.train.sgd(0.1) });
    const grads = [
      [0.4, -0.2, 1],
      [0.1, 0.3, -1],
      [-0.5, 0, 0.25],
    ];
    let m = [0, 0, 0];
    for (let k = 0; k < grads.length; k++) {
      optimizer.applyGradients({ [w.name]: tf.tensor1d(grads[k]), [other.name]: tf.tensor1d([1]) });
      ({ m } = bopReference([1, -1, 1], m, grads[k], 1 / (k + 2), 10));
    }
    assert.deepEqual(seen, [0, 1, 2]);
    const [, momentum] = await bop.getWeights();
    assertClose(momentum.tensor, m);
    assertClose(w, [1, -1, 1], 0);
    w.dispose();
    other.dispose();
    optimizer.dispose();
  });

  it("serializes scheduled hyperparameters as Keras does; reads larq's and tfjs's spellings; refuses plain functions", () => {
    const threshold = new optimizers.schedules.PolynomialDecay({ initialLearningRate: 5e-4, decaySteps: 100 });
    const bop = new Bop({ threshold, gamma: 1e-3 });
    // larq 0.14: Bop(threshold=PolynomialDecay(5e-4, 100), gamma=1e-3).get_config(), schedule in legacy format.
    const keras = {
      class_name: "PolynomialDecay",
      config: { initial_learning_rate: 5e-4, decay_steps: 100, end_learning_rate: 1e-4, power: 1, cycle: false, name: null },
    };
    assert.deepEqual(bop.getConfig(), { threshold: keras, gamma: 1e-3, name: "Bop" });
    const entry = tf.serialization.SerializationMap.getMap().classNameMap.Bop;
    const fromLarq = entry[1](entry[0], {
      name: "Bop",
      threshold: { module: "keras.optimizers.schedules", ...keras, registered_name: null },
      gamma: 0.001,
    }) as unknown as InstanceType<typeof Bop>;
    // As tfjs hands the same JSON to fromConfig after camel-casing keys (the name value is kept).
    const fromTfjs = entry[1](entry[0], {
      name: "Bop",
      threshold: {
        module: "keras.optimizers.schedules",
        className: "PolynomialDecay",
        config: { initialLearningRate: 5e-4, decaySteps: 100, endLearningRate: 1e-4, power: 1, cycle: false, name: null },
        registeredName: null,
      },
      gamma: { className: "ExponentialDecay", config: { initialLearningRate: 1e-3, decaySteps: 10, decayRate: 0.5, staircase: true } },
    }) as unknown as InstanceType<typeof Bop>;
    for (const restored of [fromLarq, fromTfjs]) {
      assert.ok(restored.threshold instanceof optimizers.schedules.PolynomialDecay);
      assert.equal((restored.threshold as optimizers.schedules.LearningRateSchedule).call(50), (5e-4 - 1e-4) * 0.5 + 1e-4);
    }
    assert.equal(fromLarq.gamma, 1e-3);
    assert.ok(fromTfjs.gamma instanceof optimizers.schedules.ExponentialDecay);
    assert.equal((fromTfjs.gamma as optimizers.schedules.LearningRateSchedule).call(25), 1e-3 * 0.25);
    assert.deepEqual(fromLarq.getConfig(), bop.getConfig());

    const named = function decayingThreshold(step: number) {
      return 1 / (1 + step);
    };
    assert.throws(
      () => new Bop({ threshold: named }).getConfig(),
      /Invalid threshold.*plain function cannot be serialized.*function decayingThreshold/,
    );
    assert.throws(() => new Bop({ gamma: (s) => s }).getConfig(), /Invalid gamma.*cannot be serialized/);
    assert.throws(() => entry[1](entry[0], { threshold: "1e-6" }), /Invalid threshold.*"1e-6"/);
    assert.throws(() => entry[1](entry[0], { gamma: { class_name: "NoSuchDecay", config: {} } }), /Invalid gamma.*NoSuchDecay/);
    for (const o of [bop, fromLarq, fromTfjs]) o.dispose();
  });

  it("rejects bad hyperparameters, also a schedule value that is negative at some step", () => {
    assert.throws(() => new Bop({ threshold: "1e-6" as never }), /Invalid threshold.*LearningRateSchedule.*"1e-6"/);
    assert.throws(() => new Bop({ gamma: { call: () => 1 } as never }), /Invalid gamma/);
    const w = tagged([1], 1);
    const bop = new Bop({ threshold: (step) => 0.1 - 0.1 * step });
    bop.applyGradients({ [w.name]: tf.tensor1d([0]) });
    bop.applyGradients({ [w.name]: tf.tensor1d([0]) });
    assert.throws(() => bop.applyGradients({ [w.name]: tf.tensor1d([0]) }), /Invalid threshold.*returned -0\.1.* at step 2/);
    w.dispose();
    bop.dispose();
  });

  it("a model with a scheduled Bop in CaseOptimizer saves with includeOptimizer and reloads the schedule", async () => {
    const model = tfl.sequential();
    model.add(tfl.layers.dense({ units: 4, inputShape: [3], activation: "tanh" }));
    model.add(tfl.layers.dense({ units: 1 }));
    (model.layers[0].trainableWeights[0] as unknown as { precision: number }).precision = 1;
    const gamma = new optimizers.schedules.InverseTimeDecay({ initialLearningRate: 3, decaySteps: 1, decayRate: 0.5 });
    const threshold = new optimizers.schedules.CosineDecay({
      initialLearningRate: 1e-3,
      decaySteps: 50,
      alpha: 0.1,
      name: "cosine_threshold",
    });
    const bop = new Bop({ threshold, gamma });
    model.compile({
      optimizer: new CaseOptimizer([Bop.isBinaryVariable, bop], { defaultOptimizer: tf.train.adam(0.01) }),
      loss: "meanSquaredError",
    });
    const x = tf.randomNormal([8, 3], 0, 1, "float32", 3);
    const y = tf.sum(x, 1, true);
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const { loaded } = await saveAndLoad(model, { includeOptimizer: true });
    const restored = (loaded.optimizer as unknown as InstanceType<typeof CaseOptimizer>).optimizers[0] as InstanceType<typeof Bop>;
    assert.ok(restored instanceof Bop);
    assert.ok(restored.gamma instanceof optimizers.schedules.InverseTimeDecay);
    assert.ok(restored.threshold instanceof optimizers.schedules.CosineDecay);
    assert.deepEqual(restored.getConfig(), bop.getConfig());
    assert.equal(restored.iterations, 2);
    model.dispose();
    loaded.dispose();
    x.dispose();
    y.dispose();
  });
});
