/**
 * larq's `flip_ratio` metric through `model.fit`, recorded by real larq (test/fixtures/larq/metrics, made by
 * python/generate_fixtures.py): one QuantDense whose kernel quantizer was given `metrics: ["flip_ratio"]`, one
 * built inside `metrics_scope(["flip_ratio"])`, trained with plain SGD on fixed data without shuffling.
 *
 * larq does not save a quantizer's `metrics` in its config, so larq-ts builds the same model (the same way: one
 * quantizer with `metrics`, one layer in `metricsScope`), takes the converted initial weights, trains it the same
 * way and must log the same value after every batch (Keras reports the metric's running result since the epoch
 * began) and the same epoch history. larq keys the logs by quantizer name (`flip_ratio/ste_sign`,
 * `flip_ratio/ste_sign_1`), larq-ts by layer name; they are matched in creation order.
 * Tolerance: 1e-6 absolute on a ratio (the first steps move weights of ±0.05 by SGD; a sign decided within
 * float32 rounding would show as a whole 1/45 or 1/60 step, far above the tolerance).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";
import { loadFixtureModel, readExpected } from "./fixtures.js";

interface MetricsExpected {
  epochs: number;
  batch_size: number;
  samples: number;
  lr: number;
  x: number[];
  y: number[];
  batch_logs: Array<Record<string, number>>;
  history: Record<string, number[]>;
}

function metricKeys(logs: Record<string, unknown>): string[] {
  return Object.keys(logs)
    .filter((k) => k.startsWith("flip_ratio"))
    .sort();
}

/** The fixture's model, built in larq-ts as python/generate_fixtures.py builds it in larq. */
function buildModel(): tfl.Sequential {
  const explicit = new lq.quantizers.SteSign({ metrics: ["flip_ratio"] });
  const scoped = lq.context.metricsScope(["flip_ratio"], () =>
    lq.layers.quantDense({ units: 5, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", name: "scoped_dense" }),
  );
  return tfl.sequential({
    layers: [
      lq.layers.quantDense({ units: 9, kernelQuantizer: explicit, useBias: false, name: "explicit_dense", inputShape: [12] }),
      scoped,
    ],
  });
}

describe("real larq flip_ratio fixture", () => {
  before(() => useBackend("cpu"));

  test("flip_ratio in model.fit logs equals larq's, batch by batch and per epoch", async () => {
    const e = readExpected<MetricsExpected>("metrics");
    const initial = await loadFixtureModel("metrics", "initial");
    const model = buildModel();
    model.setWeights(initial.getWeights());
    initial.dispose();
    const keys = ["flip_ratio/explicit_dense", "flip_ratio/scoped_dense"];
    const x = tf.tensor2d(e.x, [e.samples, e.x.length / e.samples]);
    const y = tf.tensor2d(e.y, [e.samples, e.y.length / e.samples]);
    model.compile({ optimizer: tf.train.sgd(e.lr), loss: "meanSquaredError" });
    const batches: Array<Record<string, number>> = [];
    const history = await model.fit(x, y, {
      batchSize: e.batch_size,
      epochs: e.epochs,
      shuffle: false,
      verbose: 0,
      callbacks: [new tfl.CustomCallback({ onBatchEnd: async (_b, logs) => void batches.push({ ...(logs as Record<string, number>) }) })],
    });
    assert.equal(batches.length, e.batch_logs.length);
    const larqKeys = metricKeys(e.batch_logs[0]);
    assert.deepEqual(larqKeys, ["flip_ratio/ste_sign", "flip_ratio/ste_sign_1"]);
    let flipped = 0;
    e.batch_logs.forEach((want, i) => {
      assert.deepEqual(metricKeys(batches[i]), keys, `batch ${i} keys`);
      keys.forEach((key, k) => {
        const expected = want[larqKeys[k]];
        if (expected > 0) flipped++;
        assert.ok(Math.abs(batches[i][key] - expected) <= 1e-6, `batch ${i} ${key}: larq-ts ${batches[i][key]}, larq ${expected}`);
      });
    });
    assert.ok(flipped > 0, "larq saw flips");
    keys.forEach((key, k) => {
      const got = history.history[key] as number[];
      const want = e.history[larqKeys[k]];
      assert.equal(got.length, e.epochs, `history of ${key}`);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-6, `epoch ${i} ${key}: larq-ts ${v}, larq ${want[i]}`));
    });
    tf.dispose([x, y]);
    model.dispose();
  });
});
