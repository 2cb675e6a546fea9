import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";

const topology = {
  class_name: "Sequential",
  config: {
    name: "s",
    layers: [
      { class_name: "InputLayer", config: { batch_input_shape: [null, 4], name: "in" } },
      { class_name: "QuantDense", config: { name: "qd", units: 2, input_quantizer: "ste_sign", kernel_quantizer: { class_name: "SteSign", config: { clip_value: 1 } } } },
    ],
  },
};

describe("lq.io artifact checks", () => {
  it("byte sizes per dtype and converter quantization", () => {
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [3, 4], dtype: "float32" }), 48);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [3, 4], dtype: "int32" }), 48);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [5], dtype: "bool" }), 5);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [], dtype: "float32" }), 4);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [10], dtype: "float32", quantization: { dtype: "uint8", scale: 1, min: 0 } }), 10);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [10], dtype: "float32", quantization: { dtype: "float16" } }), 20);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [2], dtype: "string" }), null);
    assert.throws(() => lqi.io.weightByteLength({ name: "w", shape: [2.5], dtype: "float32" }, "f.json"), /Invalid model file f\.json: weight "w" has an invalid shape \[2\.5\]/);
  });

  it("checkModelArtifacts accepts valid artifacts (nested model_config, Keras topology) and names problems", () => {
    const specs = [{ name: "qd/kernel", shape: [4, 2], dtype: "float32" as const }];
    lqi.io.checkModelArtifacts({ modelTopology: { model_config: topology }, weightSpecs: specs, weightData: new ArrayBuffer(32) });
    lqi.io.checkModelArtifacts({ modelTopology: topology, weightSpecs: specs, weightData: [new ArrayBuffer(16), new ArrayBuffer(16)] });
    lqi.io.checkModelArtifacts({ modelTopology: new ArrayBuffer(4) }); // graph models are not checked
    assert.throws(
      () => lqi.io.checkModelArtifacts({ modelTopology: topology, weightSpecs: specs, weightData: new ArrayBuffer(31) }, "m"),
      /Invalid model file m: the weight data has 31 bytes but the weightsManifest describes 32 bytes/,
    );
    assert.throws(() => lqi.io.checkModelArtifacts({ modelTopology: topology, weightData: new ArrayBuffer(32) }), /weight data but no weight specs/);
    const bad = JSON.parse(JSON.stringify(topology));
    bad.config.layers[1].config.input_quantizer = "sign_ste";
    assert.throws(() => lqi.io.checkModelTopology(bad, "m"), /layer "qd" \(QuantDense\) has an invalid input_quantizer: Unknown quantizer: "sign_ste"/);
    bad.config.layers[1].class_name = "NoSuchLayer";
    assert.throws(() => lqi.io.checkModelTopology(bad, "m"), /layer "qd" \(model_config\.config\.layers\[1\]\) has the unknown class_name "NoSuchLayer"/);
    assert.throws(() => lqi.io.checkModelTopology({ class_name: "Sequential", config: { layers: 3 } }, "m"), /layers must be an array, received 3/);
    assert.throws(() => lqi.io.checkModelTopology("x", "m"), /"modelTopology" must be a Keras model JSON object, received "x"/);
    assert.throws(() => lqi.io.checkWeightsManifest([{ paths: ["a.bin"] }], "m"), /weightsManifest\[0\] must have "weights"/);
  });
});
