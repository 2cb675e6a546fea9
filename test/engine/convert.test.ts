/**
 * lq.engine.convert on the MNIST demo BNN (BN statistics from real digits, then a few training steps): the engine
 * equals tfjs (cpu backend) on 2,000 real test digits. Grouped float convolutions are rejected with a clear error.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { buildTutorialBnn } from "../../examples/tutorial_bnn.js";
import { loadMnist, toTensors } from "../../examples/data/mnist.js";
import * as lq from "../../src/index.js";
import { assertClose, useBackend } from "../helpers.js";
import { argmaxRows, calibrateBatchNorm } from "./model_fixtures.js";

describe("lq.engine.convert: MNIST demo BNN", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("chains packed bits through max pooling and folds BN, and matches tfjs on 2,000 test digits", async () => {
    const model = buildTutorialBnn();
    // BN statistics measured on 256 training digits, layer by layer (as training would set them).
    const { train, test } = loadMnist(256, 2000);
    const calib = toTensors(train);
    calibrateBatchNorm(model, calib.x, 7);
    // Then a few real training steps (Adam, weight_clip), so that latent kernels, BN betas and moving
    // statistics are those of a model in training rather than of a fresh one.
    model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
    for (let step = 0; step < 3; step++) {
      const xb = tf.slice(calib.x, [step * 32, 0, 0, 0], [32, -1, -1, -1]);
      const yb = tf.slice(calib.y, [step * 32, 0], [32, -1]);
      await model.trainOnBatch(xb, yb);
      tf.dispose([xb, yb]);
    }
    tf.dispose([calib.x, calib.y]);
    const em = await lq.engine.convert(model);
    const ops = em.graph.nodes.map((n) => `${n.op}:${n.dtype}`);
    // first conv in float, then binary layers writing bits (through bmaxpool and flatten), the last one float with
    // its BN folded in the centred double form (folded into a float32 multiplier and bias it would not equal
    // tfjs's BN bit for bit; see the exactness tests).
    assert.deepEqual(ops, [
      "input:float32",
      "conv2d:float32",
      "maxpool:float32",
      "batchnorm:float32",
      "signpack:bits",
      "bconv2d:bits",
      "bmaxpool:bits",
      "bconv2d:bits",
      "reshape:bits",
      "bdense:bits",
      "bdense:float32",
      "activation:float32",
    ]);
    const last = em.graph.nodes[10];
    assert.ok(last.weights.center !== undefined && last.weights.multiplierLo !== undefined, "the last bdense is centred");
    const { x } = toTensors(test);
    const expected = model.predict(x) as tf.Tensor;
    const actual = em.predict(x);
    assert.deepEqual(actual.shape, [2000, 10]);
    const a = actual.dataSync();
    const e = expected.dataSync();
    assert.deepEqual(argmaxRows(a, 10), argmaxRows(e, 10));
    assertClose(actual, expected, 1e-4);
    // Float32Array in and out, batch 1.
    const one = em.predict(Float32Array.from(x.dataSync().subarray(0, 784)), [1, 28, 28, 1]);
    assertClose(one, e.subarray(0, 10), 1e-4);
    tf.dispose([x, expected, actual]);
    em.dispose();
    model.dispose();
  });
});

describe("lq.engine.convert: grouped convolutions", () => {
  before(async () => {
    await useBackend("cpu");
  });

  // Without this rejection the engine's float conv kernels would read the (…k, C/G, F) kernel as an ungrouped one.
  // (Binary grouped convolutions convert: test/engine/grouped.test.ts.)
  it("rejects a float QuantConv2D with groups > 1, naming the layer", async () => {
    const input = tfl.input({ shape: [6, 6, 4] });
    const layer = lq.layers.quantConv2d({ filters: 4, kernelSize: 3, groups: 2, name: "grouped_false" });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    await assert.rejects(
      async () => lq.engine.convert(model),
      /"grouped_false" \(QuantConv2D\): groups 2: grouped convolutions are not yet supported by the engine/,
    );
    model.dispose();
  });
});
