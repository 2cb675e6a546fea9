import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as optimizers from "../../src/optimizers/index.js";
import { assertClose, useBackend } from "../helpers.js";

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
});
