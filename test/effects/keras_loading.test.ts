/**
 * Effect kerasLoading: "Functional" is larq-ts's KerasFunctional and "L1", "L2", "BinaryDenseNet" exist only while
 * installed; uninstalling restores tfjs's own "Functional" entry.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { registeredClass } from "../../src/effects/internals.js";
import { lq, lqi } from "./core_setup.js";

/** A Keras functional model JSON with one TFOpLambda layer (x + x), as tf.keras writes it. */
const KERAS_JSON = {
  class_name: "Functional",
  config: {
    name: "m",
    layers: [
      { class_name: "InputLayer", config: { batch_input_shape: [null, 2], dtype: "float32", name: "x" }, name: "x", inbound_nodes: [] },
      {
        class_name: "TFOpLambda",
        config: { name: "tf.__operators__.add", trainable: true, dtype: "float32", function: "__operators__.add" },
        name: "tf.__operators__.add",
        inbound_nodes: [["x", 0, 0, { y: ["x", 0, 0], name: null }]],
      },
    ],
    input_layers: [["x", 0, 0]],
    output_layers: [["tf.__operators__.add", 0, 0]],
  },
};

describe("effect kerasLoading", () => {
  test("tfjs registers its own Functional class; L1/L2/BinaryDenseNet are unknown to it", () => {
    const entry = registeredClass("Functional");
    assert.ok(entry !== undefined);
    assert.ok(
      entry[0] === (tfl.LayersModel as unknown) || (entry[0] as unknown as { prototype: unknown }).prototype instanceof tfl.LayersModel,
    );
    assert.notEqual(entry[0], lqi.io.KerasFunctional as unknown);
    for (const name of ["L1", "L2", "BinaryDenseNet"]) assert.equal(registeredClass(name), undefined, name);
  });

  test("on: Keras model JSON with TFOpLambda loads through tf.models.modelFromJSON; uninstall restores the map", async () => {
    const tfjsFunctional = registeredClass("Functional");
    await assert.rejects(
      tfl.models.modelFromJSON(structuredClone(KERAS_JSON) as never),
      "tfjs alone cannot read TFOpLambda's call arguments",
    );
    lq.effects.install({ kerasLoading: true });
    assert.deepEqual(lq.effects.installed(), ["kerasLoading"]);
    assert.equal(registeredClass("Functional")?.[0], lqi.io.KerasFunctional as unknown);
    for (const name of ["L1", "L2", "BinaryDenseNet"]) assert.ok(registeredClass(name) !== undefined, name);
    const model = await tfl.models.modelFromJSON(structuredClone(KERAS_JSON) as never);
    const y = model.predict(tf.tensor2d([[1, -3]])) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [2, -6]);
    model.dispose();

    lq.effects.uninstall(["kerasLoading"]);
    assert.equal(registeredClass("Functional"), tfjsFunctional);
    for (const name of ["L1", "L2", "BinaryDenseNet"]) assert.equal(registeredClass(name), undefined, name);
  });
});
