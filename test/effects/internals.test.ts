/**
 * The tfjs internals larq-ts reads (src/effects/internals.ts) exist and behave as assumed. A tfjs upgrade that
 * renames one of them fails here.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import {
  activeBackendInstance,
  latentVariable,
  ownWeights,
  registeredClass,
  registeredClasses,
  setRegisteredClass,
} from "../../src/effects/internals.js";
import { useCpu } from "./core_setup.js";

describe("tfjs internals (src/effects/internals.ts)", () => {
  before(useCpu);

  test("SerializationMap.classNameMap: lookup, listing, and exact replace/restore", () => {
    const dense = registeredClass("Dense");
    assert.ok(dense !== undefined && typeof dense[0] === "function" && typeof dense[1] === "function");
    assert.equal(registeredClass("toString"), undefined, "only own entries count");
    assert.equal(registeredClass("NoSuchClass"), undefined);
    assert.ok(registeredClasses().some(([name, entry]) => name === "Dense" && entry === dense));
    setRegisteredClass("LarqTsProbe", dense);
    assert.equal(registeredClass("LarqTsProbe"), dense);
    assert.equal(tf.serialization.SerializationMap.getMap().classNameMap.LarqTsProbe, dense, "writes go to tfjs's own map");
    setRegisteredClass("LarqTsProbe", undefined);
    assert.equal(registeredClass("LarqTsProbe"), undefined);
    assert.ok(!("LarqTsProbe" in tf.serialization.SerializationMap.getMap().classNameMap));
  });

  test("engine registry: the active backend instance, and nothing for inactive ones", () => {
    const backend = activeBackendInstance("cpu");
    assert.ok(backend instanceof tf.KernelBackend);
    assert.equal(backend, tf.backend());
    assert.equal(activeBackendInstance("wasm"), undefined);
  });

  test("LayerVariable.val and Layer._trainableWeights / _nonTrainableWeights", () => {
    const bn = tfl.layers.batchNormalization({ inputShape: [3] });
    bn.build([null, 3]);
    const weights = ownWeights(bn);
    assert.deepEqual(
      weights.map((w) => w.name.split("/").pop()),
      ["gamma", "beta", "moving_mean", "moving_variance"],
    );
    const latent = latentVariable(weights[0]);
    assert.ok(latent instanceof tf.Variable);
    assert.equal(latent, weights[0].read(), "outside a quantized scope read() is the latent variable");
    // A container's own weights exclude its layers' (layer.weights includes them).
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
    assert.deepEqual(ownWeights(model), []);
    assert.equal(model.weights.length, 2);
    assert.throws(() => ownWeights({ name: "fake" } as never), /_trainableWeights/);
    assert.throws(() => latentVariable({ name: "fake" } as never), /"val"/);
    for (const w of bn.weights) w.dispose();
    model.dispose();
  });
});
