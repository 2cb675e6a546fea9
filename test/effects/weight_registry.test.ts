/**
 * Effect weightRegistry: tf.layers.Layer.prototype.addWeight records each weight with its layer while installed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as tfl from "@tensorflow/tfjs-layers";

import { lq, lqi } from "./core_setup.js";

/** tfjs-layers' Layer.prototype (addWeight is protected in its types). */
const layerProto = tfl.layers.Layer.prototype as unknown as Record<string, unknown>;

function builtDense(): tfl.layers.Layer {
  const dense = tfl.layers.dense({ units: 2, inputShape: [3] });
  dense.build([null, 3]);
  return dense;
}

describe("effect weightRegistry", () => {
  test("tfjs's Layer.prototype has the addWeight the effect wraps", () => {
    assert.ok(Object.prototype.hasOwnProperty.call(layerProto, "addWeight"));
    assert.equal(typeof layerProto.addWeight, "function");
  });

  test("records new weights only while installed; uninstall restores addWeight", () => {
    const original = layerProto.addWeight;
    const before = builtDense();
    assert.equal(lqi.optimizers.lookupVariable(before.trainableWeights[0]), null, "nothing recorded without the effect");

    lq.effects.install({ weightRegistry: true });
    assert.deepEqual(lq.effects.installed(), ["weightRegistry"]);
    assert.notEqual(layerProto.addWeight, original);
    const dense = builtDense();
    const record = lqi.optimizers.lookupVariable(dense.trainableWeights[0]);
    assert.ok(record !== null);
    assert.equal(record.layer, dense);
    assert.equal(record.weightName, "kernel");
    assert.equal(lqi.optimizers.lookupVariable(dense.trainableWeights[1])?.weightName, "bias");

    lq.effects.uninstall(["weightRegistry"]);
    assert.equal(layerProto.addWeight, original);
    const after = builtDense();
    assert.equal(lqi.optimizers.lookupVariable(after.trainableWeights[0]), null);
    // Without the patch, registerModelVariables (what the training callbacks call) still finds a model's weights.
    lq.optimizers.registerModelVariables(after);
    assert.equal(lqi.optimizers.lookupVariable(after.trainableWeights[0])?.weightName, "kernel");
    for (const layer of [before, dense, after]) for (const w of layer.weights) w.dispose();
  });
});
