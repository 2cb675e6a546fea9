import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { WeightClip } from "../../src/constraints/index.js";
import * as optimizers from "../../src/optimizers/index.js";
import { useBackend } from "../helpers.js";

const CLIP = 0.05;

function maxAbs(t: tf.Tensor): number {
  return Math.max(...Array.from(t.dataSync()).map(Math.abs));
}

function minValue(t: tf.Tensor): number {
  return Math.min(...Array.from(t.dataSync()));
}

/** A small regression model whose kernel is clipped to ±CLIP and whose bias must stay non-negative. */
function buildModel(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(
    tfl.layers.dense({
      units: 4,
      inputShape: [3],
      kernelInitializer: "ones",
      biasInitializer: "zeros",
      kernelConstraint: new WeightClip({ clipValue: CLIP }) as never,
      biasConstraint: tfl.constraints.nonNeg(),
    }),
  );
  return model;
}

describe("constraints after optimizer steps", () => {
  before(() => useBackend("cpu"));

  const x = () =>
    tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 2],
      [2, -1, 0.5],
      [0.5, 0.5, -2],
    ]);
  // Targets far below the outputs: SGD pushes kernel and bias strongly negative.
  const y = () => tf.fill([4, 4], -50);

  it("the test setup violates the constraints when enforcement is off (the test can fail)", async () => {
    const previous = optimizers.setConstraintEnforcement(false);
    try {
      const model = buildModel();
      model.compile({ optimizer: tf.train.sgd(0.01), loss: "meanSquaredError" });
      await model.fit(x(), y(), { epochs: 2, batchSize: 2, verbose: 0 });
      const [kernel, bias] = model.getWeights();
      assert.ok(maxAbs(kernel) > CLIP, `kernel reached ${maxAbs(kernel)}`);
      assert.ok(minValue(bias) < 0, `bias reached ${minValue(bias)}`);
      model.dispose();
    } finally {
      optimizers.setConstraintEnforcement(previous);
    }
  });

  for (const [label, make] of [
    ["sgd", () => tf.train.sgd(0.01)],
    ["adam", () => tf.train.adam(0.5)],
    ["CaseOptimizer(rmsprop)", () => new optimizers.CaseOptimizer([() => true, tf.train.rmsprop(0.5)])],
  ] as Array<[string, () => tf.Optimizer]>) {
    it(`hold after every step of model.fit (${label})`, async () => {
      const model = buildModel();
      model.compile({ optimizer: make(), loss: "meanSquaredError" });
      const seen: number[] = [];
      await model.fit(x(), y(), {
        epochs: 2,
        batchSize: 2,
        verbose: 0,
        callbacks: {
          onBatchEnd: async () => {
            const [kernel, bias] = model.getWeights();
            seen.push(maxAbs(kernel));
            assert.ok(minValue(bias) >= 0, `bias ${minValue(bias)} < 0`);
          },
        },
      });
      assert.equal(seen.length, 4);
      for (const v of seen) assert.ok(v <= CLIP + 1e-7, `|w| = ${v} > ${CLIP}`);
      assert.ok(Math.abs(seen[seen.length - 1] - CLIP) < 1e-6, "the clip is active");
      model.dispose();
    });
  }

  it("hold after a custom minimize loop and after direct applyGradients", () => {
    const model = buildModel();
    const optimizer = tf.train.momentum(0.01, 0.9);
    const xs = x();
    const ys = y();
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss = () => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor) as tf.Scalar;
    for (let step = 0; step < 3; step++) {
      optimizer.minimize(loss, false, vars);
      assert.ok(maxAbs(vars[0]) <= CLIP + 1e-7, `step ${step}: |w| = ${maxAbs(vars[0])}`);
      assert.ok(minValue(vars[1]) >= 0);
    }
    // minimize without a variable list updates every trainable variable.
    optimizer.minimize(loss);
    assert.ok(maxAbs(vars[0]) <= CLIP + 1e-7);
    const { grads } = tf.variableGrads(loss, vars);
    tf.train.sgd(10).applyGradients(grads);
    tf.dispose(grads);
    assert.ok(maxAbs(vars[0]) <= CLIP + 1e-7, `after applyGradients: |w| = ${maxAbs(vars[0])}`);
    assert.ok(minValue(vars[1]) >= 0);
    model.dispose();
  });

  it("hold for a user-defined optimizer subclass, and leak no tensors", () => {
    class PlainDescent extends tf.Optimizer {
      override applyGradients(g: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>): void {
        const list = Array.isArray(g) ? g : Object.keys(g).map((name) => ({ name, tensor: g[name] }));
        tf.tidy(() => {
          for (const { name, tensor } of list) {
            const v = tf.engine().registeredVariables[name];
            v.assign(tf.sub(v, tensor));
          }
        });
      }
      override getConfig(): tf.serialization.ConfigDict {
        return {};
      }
    }
    const model = buildModel();
    const optimizer = new PlainDescent();
    const xs = x();
    const ys = y();
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = () => optimizer.minimize(() => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor) as tf.Scalar, false, vars);
    step();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, count);
    assert.ok(maxAbs(vars[0]) <= CLIP + 1e-7);
    assert.ok(minValue(vars[1]) >= 0);
    model.dispose();
  });
});
