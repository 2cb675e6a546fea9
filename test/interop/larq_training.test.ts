/**
 * larq's MNIST tutorial BNN trained by real larq (CaseOptimizer: Bop for the binary kernels, Adam for the
 * rest; test/fixtures/larq/train, made by python/generate_fixtures.py) and by larq-ts from the same initial
 * weights on the same batches of the bundled digits.
 *
 * Tolerances: after 1 and 10 steps every binary kernel (±1, flipped by Bop) equals larq's except at most
 * 0.1% of its entries (a flip decided by |m| within float32 rounding of the threshold), and every float weight
 * agrees to 1e-3 (absolute plus relative); the loss of each of the first 10 steps agrees to 1e-3 relative;
 * over 300 steps the mean loss of the last 50 agrees to 15% (two float implementations of the same chaotic
 * training drift apart once a single flip differs, but they must keep learning alike).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { loadMnist } from "../../examples/data/mnist.js";
import { useBackend } from "../helpers.js";
import { loadFixtureModel, readExpected } from "./fixtures.js";

interface TrainExpected {
  steps: number;
  batch_size: number;
  snapshots: number[];
  bop_threshold: number;
  bop_gamma: number;
  adam_lr: number;
  adam_epsilon: number;
  losses: number[];
}

function compareWeights(model: tfl.LayersModel, reference: tfl.LayersModel, step: number): void {
  const expected = new Map(reference.weights.map((w) => [w.originalName, w.read()]));
  for (const w of model.weights) {
    const e = expected.get(w.originalName);
    assert.ok(e, `larq has no weight ${w.originalName}`);
    const a = w.read().dataSync();
    const b = e.dataSync();
    const binary = b.every((v) => v === 1 || v === -1);
    if (binary) {
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
      assert.ok(differ <= 0.001 * a.length, `step ${step}: ${differ} of ${a.length} binary entries of ${w.originalName} differ`);
    } else {
      for (let i = 0; i < a.length; i++) {
        const tol = 1e-3 + 1e-3 * Math.abs(b[i]);
        assert.ok(Math.abs(a[i] - b[i]) <= tol, `step ${step}: ${w.originalName}[${i}] = ${a[i]}, larq ${b[i]}`);
      }
    }
  }
}

describe("real larq training fixture", () => {
  before(() => useBackend("wasm"));

  test("the same steps from the same weights give larq's weights and loss curve", async () => {
    const e = readExpected<TrainExpected>("train");
    const model = await loadFixtureModel("train", "initial");
    const bop = new lq.optimizers.Bop({ threshold: e.bop_threshold, gamma: e.bop_gamma });
    const optimizer = new lq.optimizers.CaseOptimizer([lq.optimizers.Bop.isBinaryVariable, bop], {
      defaultOptimizer: tf.train.adam(e.adam_lr, 0.9, 0.999, e.adam_epsilon),
    });
    model.compile({ optimizer, loss: "categoricalCrossentropy" });

    const { train } = loadMnist();
    const bs = e.batch_size;
    const batches = Math.floor(train.count / bs);
    const losses: number[] = [];
    for (let step = 1; step <= e.steps; step++) {
      const b = (step - 1) % batches;
      const x = tf.tensor4d(train.images.subarray(b * bs * 784, (b + 1) * bs * 784), [bs, 28, 28, 1]);
      const labels = tf.tensor1d(train.labels.subarray(b * bs, (b + 1) * bs), "int32");
      const y = tf.oneHot(labels, 10);
      losses.push((await model.trainOnBatch(x, y)) as number);
      tf.dispose([x, labels, y]);
      if (e.snapshots.includes(step)) {
        const reference = await loadFixtureModel("train", `after_${step}`);
        compareWeights(model, reference, step);
        reference.dispose();
      }
    }
    for (let i = 0; i < 10; i++) {
      assert.ok(Math.abs(losses[i] - e.losses[i]) <= 1e-3 * e.losses[i], `loss of step ${i + 1}: ${losses[i]}, larq ${e.losses[i]}`);
    }
    const tailMean = (v: number[]) => v.slice(-50).reduce((a, c) => a + c, 0) / 50;
    const [ours, theirs] = [tailMean(losses), tailMean(e.losses)];
    assert.ok(Math.abs(ours - theirs) <= 0.15 * theirs, `mean loss of the last 50 steps ${ours}, larq ${theirs}`);
    model.dispose();
  });
});
