/**
 * Effect batchNormalizationFix: BatchNormalization({scale: false}) trains only while installed.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { batchNormalizationPrototype } from "../../src/effects/batch_normalization.js";
import { lq, lqi, useCpu } from "./core_setup.js";

async function fitScaleFree(): Promise<void> {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 3, inputShape: [2] }));
  model.add(tfl.layers.batchNormalization({ scale: false }));
  model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
  try {
    await model.fit(tf.randomNormal([8, 2], 0, 1, "float32", 1), tf.zeros([8, 3]), { epochs: 1, batchSize: 4, verbose: 0 });
  } finally {
    model.dispose();
  }
}

describe("effect batchNormalizationFix", () => {
  before(useCpu);

  test("BatchNormalization is registered in tfjs's class map and has an own call method", () => {
    const proto = batchNormalizationPrototype();
    assert.ok(Object.prototype.hasOwnProperty.call(proto, "call"));
    assert.equal(typeof proto.call, "function");
  });

  test("off: tfjs 4.22 cannot train BatchNormalization({scale: false}) (when a tfjs release fixes it, the patch can go)", async () => {
    assert.deepEqual(lq.effects.installed(), []);
    await assert.rejects(fitScaleFree());
  });

  test("on: it trains; uninstall puts tfjs's call back", async () => {
    const proto = batchNormalizationPrototype();
    const original = proto.call;
    assert.equal(lqi.training.patchBatchNormalization(), true);
    assert.equal(lqi.training.patchBatchNormalization(), false);
    assert.deepEqual(lq.effects.installed(), ["batchNormalizationFix"]);
    await fitScaleFree();
    lq.effects.uninstall(["batchNormalizationFix"]);
    assert.equal(proto.call, original);
    assert.equal(lqi.training.batchNormalizationPatched(), false);
    await assert.rejects(fitScaleFree());
  });
});
