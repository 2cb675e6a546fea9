/**
 * tfjs BatchNormalization with scale: false (and center: false/true) trains after importing larq-ts's fix.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { assertClose, useBackend } from "../helpers.js";
import { patchBatchNormalization } from "../../src/training/index.js";

// test/helpers.ts sets IS_TEST to silence tfjs's Node banner; IS_TEST also makes tfjs count backend data ids
// around every kernel, which flags any customGrad that keeps intermediates for its backward pass (tfjs's own
// ops do this too). The BatchNormalization fix keeps x̂ and 1/σ that way, so the count is switched off here;
// PROD keeps the banner silent.
tf.env().set("IS_TEST", false);
tf.env().set("PROD", true);

const EPS = 1e-3;

function seeded(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 22695477) + 1) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
}

/** Plain-JS batch statistics over all axes but `axis` (float64): per-channel mean and biased variance. */
function batchStats(
  values: number[],
  shape: number[],
  axis: number,
): { mean: number[]; variance: number[]; channelOf: (i: number) => number } {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = shape[axis];
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const sum = new Array(channels).fill(0);
  const count = new Array(channels).fill(0);
  values.forEach((v, i) => {
    sum[channelOf(i)] += v;
    count[channelOf(i)]++;
  });
  const mean = sum.map((s, c) => s / count[c]);
  const sq = new Array(channels).fill(0);
  values.forEach((v, i) => (sq[channelOf(i)] += (v - mean[channelOf(i)]) ** 2));
  return { mean, variance: sq.map((s, c) => s / count[c]), channelOf };
}

const cases = [
  { name: "NHWC, channels last", shape: [4, 3, 3, 2], axis: -1 },
  { name: "rank 3, axis 1 (broadcast path)", shape: [5, 3, 4], axis: 1 },
];

for (const backend of ["cpu", "wasm"] as const) {
  describe(`BatchNormalization({scale: false}) training on ${backend}`, () => {
    test("the patch is idempotent", () => {
      assert.equal(patchBatchNormalization(), false);
    });

    for (const c of cases) {
      for (const center of [false, true]) {
        test(`${c.name}, center ${center}: forward, moving statistics and gradients match the formula`, async () => {
          await useBackend(backend);
          const axis = c.axis < 0 ? c.axis + c.shape.length : c.axis;
          const channels = c.shape[axis];
          const n = c.shape.reduce((a, b) => a * b, 1);
          const xs = seeded(n, 11);
          const ws = seeded(n, 12);
          const betaValues = [0.25, -0.5, 0.75, 1].slice(0, channels);
          const layer = tfl.layers.batchNormalization({ scale: false, center, axis: c.axis });
          layer.build(c.shape);
          if (center) layer.setWeights([tf.tensor1d(betaValues), ...layer.getWeights().slice(1)]);
          const x = tf.tensor(xs, c.shape);
          const w = tf.tensor(ws, c.shape);

          // Forward against plain JS.
          const { mean, variance, channelOf } = batchStats(xs, c.shape, axis);
          const y = layer.apply(x, { training: true }) as tf.Tensor;
          const expectedY = xs.map((v, i) => {
            const ch = channelOf(i);
            return (v - mean[ch]) / Math.sqrt(variance[ch] + EPS) + (center ? betaValues[ch] : 0);
          });
          assertClose(y, expectedY, 1e-4, "forward");
          const weights = layer.getWeights();
          const movingMean = weights[center ? 1 : 0];
          const movingVariance = weights[center ? 2 : 1];
          assertClose(
            movingMean,
            mean.map((m) => 0.01 * m),
            1e-5,
            "moving mean",
          );
          // Keras (TensorFlow's fused kernel) feeds 4-D inputs' moving variance the unbiased batch variance.
          const perChannel = n / channels;
          const bessel = c.shape.length === 4 ? perChannel / (perChannel - 1) : 1;
          assertClose(
            movingVariance,
            variance.map((v) => 0.99 + 0.01 * v * bessel),
            1e-5,
            "moving variance",
          );

          // Gradients of sum(w * y) against autodiff of the formula written with elementary ops.
          const reduce = [...Array(c.shape.length).keys()].filter((a) => a !== axis);
          const reference = (t: tf.Tensor) => {
            const m = tf.mean(t, reduce, true);
            const v = tf.mean(tf.square(tf.sub(t, m)), reduce, true);
            return tf.sum(tf.mul(w, tf.div(tf.sub(t, m), tf.sqrt(tf.add(v, EPS)))));
          };
          const expectedDx = tf.grad(reference)(x);
          const actualDx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(w, layer.apply(t, { training: true }) as tf.Tensor)))(x);
          assertClose(actualDx, expectedDx, 1e-4, "dx");
          if (center) {
            const { grads } = tf.variableGrads(
              () => tf.sum(tf.mul(w, layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
              [layer.trainableWeights[0].read() as tf.Variable],
            );
            const dBeta = Object.values(grads)[0];
            const expectedBeta = new Array(channels).fill(0);
            ws.forEach((v, i) => (expectedBeta[channelOf(i)] += v));
            assertClose(dBeta, expectedBeta, 1e-4, "dbeta");
          }
          tf.dispose([x, w, y, expectedDx, actualDx]);
        });
      }
    }

    test("model.fit trains a model with BN(scale: false) layers, reloads under the same class, no tensor growth", async () => {
      await useBackend(backend);
      const build = () =>
        tfl.sequential({
          layers: [
            tfl.layers.dense({ units: 8, inputShape: [4], useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
            tfl.layers.batchNormalization({ scale: false }),
            tfl.layers.dense({ units: 3, useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
            tfl.layers.batchNormalization({ scale: false, center: false }),
            tfl.layers.activation({ activation: "softmax" }),
          ],
        });
      const model = build();
      model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy" });
      const xs = tf.tensor(seeded(64 * 4, 3), [64, 4]);
      const ys = tf.oneHot(tf.argMax(tf.slice(xs, [0, 0], [-1, 3]), 1), 3);
      const losses: number[] = [];
      let tensorsAfterEpoch2 = -1;
      await model.fit(xs, ys, {
        epochs: 5,
        batchSize: 16,
        shuffle: false,
        verbose: 0,
        callbacks: {
          onEpochEnd: async (epoch, logs) => {
            losses.push(logs!.loss as number);
            if (epoch === 1) tensorsAfterEpoch2 = tf.memory().numTensors;
          },
        },
      });
      assert.equal(tf.memory().numTensors, tensorsAfterEpoch2, "tensor count grew between epochs 2 and 5");
      assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
      assert.ok(losses[4] < losses[0], `loss did not fall: ${losses}`);

      const reloaded = await tfl.models.modelFromJSON(JSON.parse(JSON.stringify(model.toJSON(null, false))));
      const bnLayers = reloaded.layers.filter((l) => l.getClassName() === "BatchNormalization");
      assert.equal(bnLayers.length, 2);
      reloaded.compile({ optimizer: tf.train.sgd(0.01), loss: "categoricalCrossentropy" });
      const loss = (await reloaded.trainOnBatch(xs, ys)) as number;
      assert.ok(Number.isFinite(loss));
      tf.dispose([xs, ys]);
      model.dispose();
      reloaded.dispose();
    });
  });
}
